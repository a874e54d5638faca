/*
 * Detection as two timers re-armed by every screen change: after quiet_ms
 * the last lines are checked for trust dialogs (answered) and questions
 * (needs input); after stable_ms, for busy markers and the ready prompt
 * (idle). Any change makes the agent busy again. Prompt delivery runs as a
 * third timer chain: paste, Enter, verify, maybe Enter once more.
 */
#include "config.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/ere.h"
#include "lib/xalloc.h"
#include "detect.h"
#include "screen.h"

struct pattern {
	char *src;
	regex_t re;
};

struct pattern_set {
	struct pattern *p;
	size_t n;
};

enum prompt_phase { PROMPT_NONE, PROMPT_WAITING, PROMPT_PASTED, PROMPT_ENTERED };

struct detect {
	struct loop *loop;
	struct detect_io io;
	void *arg;
	struct pattern_set ready, busy, needs_input, trust;
	char **trust_keys;
	bool *answered;
	unsigned last_lines, stable_ms, quiet_ms, submit_ms, verify_ms;
	enum detect_state state;
	uint64_t quiet_timer, stable_timer, prompt_timer;
	uint64_t last_change; /* loop time of the last screen change */
	char *prompt;
	enum prompt_phase phase;
	bool retried;
};

static int
compile_set(struct pattern_set *set, const char *field, const char *const *src, size_t n,
            size_t stride, struct df_error *err)
{
	set->p = n ? xcalloc(n, sizeof *set->p) : NULL;
	set->n = 0;
	for (size_t i = 0; i < n; i++) {
		const char *s = *(const char *const *)((const char *)src + i * stride);
		if (s == NULL)
			return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
			                    "%s[%zu]: missing pattern", field, i);
		char why[256];
		if (ere_compile(&set->p[i].re, s, REG_EXTENDED | REG_NEWLINE, why, sizeof why) != 0)
			return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
			                    "%s[%zu]: invalid regular expression '%.120s': %s",
			                    field, i, s, why);
		set->p[i].src = xstrdup(s);
		set->n++;
	}
	return 0;
}

static void
free_set(struct pattern_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		regfree(&set->p[i].re);
		free(set->p[i].src);
	}
	free(set->p);
	set->p = NULL;
	set->n = 0;
}

/* The index of the first pattern matching text, or -1. */
static long
match_set(const struct pattern_set *set, const char *text)
{
	for (size_t i = 0; i < set->n; i++)
		if (regexec(&set->p[i].re, text, 0, NULL, 0) == 0)
			return (long)i;
	return -1;
}

static void detect_quiet(struct loop *loop, void *arg);

struct detect *
detect_new(struct loop *loop, const struct detect_config *cfg, const struct detect_io *io,
           void *arg, struct df_error *err)
{
	struct detect *d = xcalloc(1, sizeof *d);

	d->loop = loop;
	d->io = *io;
	d->arg = arg;
	d->last_lines = cfg->last_lines ? cfg->last_lines : 8;
	d->stable_ms = cfg->stable_ms ? cfg->stable_ms : 1500;
	d->quiet_ms = cfg->quiet_ms ? cfg->quiet_ms : 500;
	if (d->quiet_ms > d->stable_ms)
		d->quiet_ms = d->stable_ms;
	d->submit_ms = cfg->submit_delay_ms ? cfg->submit_delay_ms : 300;
	d->verify_ms = cfg->verify_delay_ms ? cfg->verify_delay_ms : 500;
	if (compile_set(&d->ready, "ready", cfg->ready, cfg->n_ready, sizeof(char *), err) < 0 ||
	    compile_set(&d->busy, "busy", cfg->busy, cfg->n_busy, sizeof(char *), err) < 0 ||
	    compile_set(&d->needs_input, "needs_input", cfg->needs_input, cfg->n_needs_input,
	                sizeof(char *), err) < 0 ||
	    compile_set(&d->trust, "trust", cfg->trust ? &cfg->trust[0].pattern : NULL,
	                cfg->n_trust, sizeof(struct detect_dialog), err) < 0) {
		detect_free(d);
		return NULL;
	}
	d->trust_keys = xcalloc(cfg->n_trust + 1, sizeof *d->trust_keys);
	d->answered = xcalloc(cfg->n_trust + 1, sizeof *d->answered);
	for (size_t i = 0; i < cfg->n_trust; i++) {
		if (cfg->trust[i].keys == NULL || cfg->trust[i].keys[0] == 0) {
			df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
			             "trust[%zu].keys: no keys to answer the dialog with", i);
			detect_free(d);
			return NULL;
		}
		if (screen_keys_valid(cfg->trust[i].keys, err) < 0) {
			df_error_prefix(err, "trust[%zu].keys", i);
			detect_free(d);
			return NULL;
		}
		d->trust_keys[i] = xstrdup(cfg->trust[i].keys);
	}
	d->state = DETECT_STARTING;
	d->last_change = loop_now(loop);
	/* A screen that is already quiet gets looked at too. */
	d->quiet_timer = loop_timer_add(loop, d->quiet_ms, detect_quiet, d);
	return d;
}

void
detect_free(struct detect *d)
{
	if (d == NULL)
		return;
	loop_timer_cancel(d->loop, d->quiet_timer);
	loop_timer_cancel(d->loop, d->stable_timer);
	loop_timer_cancel(d->loop, d->prompt_timer);
	free_set(&d->ready);
	free_set(&d->busy);
	free_set(&d->needs_input);
	for (size_t i = 0; d->trust_keys != NULL && i < d->trust.n; i++)
		free(d->trust_keys[i]);
	free_set(&d->trust);
	free(d->trust_keys);
	free(d->answered);
	free(d->prompt);
	free(d);
}

enum detect_state
detect_state(const struct detect *d)
{
	return d->state;
}

const char *
detect_state_name(enum detect_state state)
{
	switch (state) {
	case DETECT_STARTING:
		return "starting";
	case DETECT_BUSY:
		return "busy";
	case DETECT_IDLE:
		return "idle";
	case DETECT_NEEDS_INPUT:
		return "needs_input";
	case DETECT_EXITED:
		return "exited";
	}
	return "unknown";
}

char *
detect_last_lines(const char *text, unsigned n)
{
	const char **starts = xcalloc(n + 1, sizeof *starts);
	size_t *lens = xcalloc(n + 1, sizeof *lens);
	unsigned have = 0;
	const char *p = text;
	struct buf b = BUF_INIT;

	/* Keep a window of the last n non-empty lines. */
	while (n > 0 && *p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		size_t k = len;
		while (k > 0 && (p[k - 1] == ' ' || p[k - 1] == '\r' || p[k - 1] == '\t'))
			k--;
		if (k > 0) {
			if (have == n) {
				memmove(starts, starts + 1, (n - 1) * sizeof *starts);
				memmove(lens, lens + 1, (n - 1) * sizeof *lens);
				have--;
			}
			starts[have] = p;
			lens[have++] = k;
		}
		if (e == NULL)
			break;
		p = e + 1;
	}
	for (unsigned i = 0; i < have; i++) {
		if (i > 0)
			buf_putc(&b, '\n');
		buf_append(&b, starts[i], lens[i]);
	}
	free(starts);
	free(lens);
	return buf_detach(&b);
}

static char *
detect_tail(struct detect *d)
{
	char *screen = d->io.screen_text(d->arg);
	char *tail = detect_last_lines(screen != NULL ? screen : "", d->last_lines);

	free(screen);
	return tail;
}

static void detect_start_prompt(struct detect *d);

static void
detect_set_state(struct detect *d, enum detect_state st, const char *matched)
{
	if (d->state == st)
		return;
	d->state = st;
	if (d->io.state != NULL)
		d->io.state(d->arg, st, matched);
}

static void
detect_stable(struct loop *loop, void *arg)
{
	struct detect *d = arg;
	long i;

	(void)loop;
	d->stable_timer = 0;
	char *tail = detect_tail(d);
	if ((i = match_set(&d->busy, tail)) >= 0) {
		detect_set_state(d, DETECT_BUSY, d->busy.p[i].src);
	} else if ((i = match_set(&d->ready, tail)) >= 0) {
		detect_set_state(d, DETECT_IDLE, d->ready.p[i].src);
		if (d->state == DETECT_IDLE && d->phase == PROMPT_WAITING)
			detect_start_prompt(d);
	}
	free(tail);
}

static void
detect_quiet(struct loop *loop, void *arg)
{
	struct detect *d = arg;
	long i;
	bool answered = false;

	d->quiet_timer = 0;
	char *tail = detect_tail(d);
	for (size_t k = 0; k < d->trust.n; k++) {
		if (regexec(&d->trust.p[k].re, tail, 0, NULL, 0) != 0) {
			d->answered[k] = false; /* gone: answer its next appearance */
			continue;
		}
		if (d->answered[k])
			continue;
		d->answered[k] = true;
		answered = true;
		d->io.send_keys(d->arg, d->trust_keys[k]);
		if (d->io.dialog != NULL)
			d->io.dialog(d->arg, k);
	}
	if (answered) {
		/* Look again even if answering changes nothing on screen. */
		d->quiet_timer = loop_timer_add(loop, d->quiet_ms, detect_quiet, d);
	} else if ((i = match_set(&d->needs_input, tail)) >= 0) {
		detect_set_state(d, DETECT_NEEDS_INPUT, d->needs_input.p[i].src);
	} else {
		/* Stable counts from the last change, however late this timer ran. */
		uint64_t due = d->last_change + d->stable_ms, now = loop_now(loop);
		d->stable_timer = loop_timer_add(loop, due > now ? due - now : 0, detect_stable, d);
	}
	free(tail);
}

void
detect_screen_changed(struct detect *d)
{
	if (d->state == DETECT_EXITED)
		return;
	loop_timer_cancel(d->loop, d->quiet_timer);
	loop_timer_cancel(d->loop, d->stable_timer);
	d->stable_timer = 0;
	d->last_change = loop_now(d->loop);
	d->quiet_timer = loop_timer_add(d->loop, d->quiet_ms, detect_quiet, d);
	detect_set_state(d, DETECT_BUSY, NULL);
}

void
detect_answered(struct detect *d)
{
	if (d->state == DETECT_EXITED)
		return;
	d->state = DETECT_BUSY;
	loop_timer_cancel(d->loop, d->quiet_timer);
	loop_timer_cancel(d->loop, d->stable_timer);
	d->stable_timer = 0;
	d->last_change = loop_now(d->loop);
	d->quiet_timer = loop_timer_add(d->loop, d->stable_ms, detect_quiet, d);
}

static void
detect_prompt_done(struct detect *d, enum detect_prompt_result r)
{
	bool retried = d->retried;

	loop_timer_cancel(d->loop, d->prompt_timer);
	d->prompt_timer = 0;
	free(d->prompt);
	d->prompt = NULL;
	d->phase = PROMPT_NONE;
	d->retried = false;
	if (d->io.prompt != NULL)
		d->io.prompt(d->arg, r, retried);
}

void
detect_exited(struct detect *d)
{
	if (d->state == DETECT_EXITED)
		return;
	loop_timer_cancel(d->loop, d->quiet_timer);
	loop_timer_cancel(d->loop, d->stable_timer);
	d->quiet_timer = d->stable_timer = 0;
	detect_set_state(d, DETECT_EXITED, NULL);
	if (d->phase != PROMPT_NONE)
		detect_prompt_done(d, DETECT_PROMPT_FAILED);
}

/* The start of the prompt's first non-empty line: what the input line shows while unsent. */
static char *
prompt_needle(const char *text)
{
	const char *p = text;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	size_t len = strcspn(p, "\r\n");
	if (len > 20) {
		len = 20;
		while (len > 0 && ((unsigned char)p[len] & 0xc0) == 0x80)
			len--; /* do not cut a UTF-8 sequence */
	}
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	return xstrndup(p, len);
}

static void
detect_verify(struct loop *loop, void *arg)
{
	struct detect *d = arg;

	d->prompt_timer = 0;
	char *needle = prompt_needle(d->prompt);
	char *tail = detect_tail(d);
	bool still = needle[0] != 0 && strstr(tail, needle) != NULL;
	free(needle);
	free(tail);
	if (!still) {
		detect_prompt_done(d, DETECT_PROMPT_SUBMITTED);
	} else if (!d->retried) {
		/* Enter was lost (the renderer was busy): once more, only once. */
		d->retried = true;
		d->io.send_keys(d->arg, "Enter");
		d->prompt_timer = loop_timer_add(loop, d->verify_ms, detect_verify, d);
	} else {
		detect_prompt_done(d, DETECT_PROMPT_UNCONFIRMED);
	}
}

static void
detect_submit(struct loop *loop, void *arg)
{
	struct detect *d = arg;

	d->prompt_timer = 0;
	d->phase = PROMPT_ENTERED;
	if (d->io.send_keys(d->arg, "Enter") < 0) {
		detect_prompt_done(d, DETECT_PROMPT_FAILED);
		return;
	}
	d->prompt_timer = loop_timer_add(loop, d->verify_ms, detect_verify, d);
}

static void
detect_start_prompt(struct detect *d)
{
	d->phase = PROMPT_PASTED;
	if (d->io.paste(d->arg, d->prompt) < 0) {
		detect_prompt_done(d, DETECT_PROMPT_FAILED);
		return;
	}
	d->prompt_timer = loop_timer_add(d->loop, d->submit_ms, detect_submit, d);
}

bool
detect_prompt_unsent(const struct detect *d)
{
	return d->phase == PROMPT_WAITING || d->phase == PROMPT_PASTED;
}

int
detect_send_prompt(struct detect *d, const char *text, struct df_error *err)
{
	if (d->state == DETECT_EXITED)
		return df_error_set(err, DF_RETRYABLE, DF_E_SESSION_FAILED,
		                    "cannot deliver a prompt: the agent has exited");
	if (d->phase != PROMPT_NONE)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "cannot deliver a prompt: another one is in flight");
	d->prompt = xstrdup(text);
	d->retried = false;
	d->phase = PROMPT_WAITING;
	if (d->state == DETECT_IDLE)
		detect_start_prompt(d);
	return 0;
}
