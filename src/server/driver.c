/*
 * The session driver (see driver.h). Each engine session is an entry that
 * owns its backend definition, its current session and detector, and a
 * queue of instructions not yet delivered. Sessions and detectors replaced
 * or evicted while the loop may still be inside one of their callbacks go
 * to a graveyard that a zero-delay timer empties, so nothing is freed under
 * its own feet. Entries are never freed before driver_free except exited
 * ones past keep_exited, by the same timer.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "agent/agentcfg.h"
#include "agent/question.h"
#include "engine/catalog.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/json.h"
#include "lib/paths.h"
#include "lib/str.h"
#include "lib/xalloc.h"
#include "driver.h"

/* Bounds of a backend's screen.lastLines and screen.stableMs (as its schema's). */
#define DRIVER_MAX_LAST_LINES 1000
#define DRIVER_MAX_STABLE_MS 600000

#define DEFAULT_KEEP_EXITED 16
/* A resumed process that exits non-zero this soon after its start could not resume. */
#define RESUME_WINDOW_MS 10000

struct entry {
	struct driver *d;
	char *id, *run_id, *phase_id, *role_id, *backend;
	char *backend_json;
	char **argv; /* the template, placeholders but {prompt} replaced, hooks.argv appended,
	              * argv[0] resolved; NULL-terminated */
	char **env;  /* the backend's env plus DEVFLOW_SESSION_ID and DEVFLOW_RUN_ID */
	/*
	 * While a resumed process may still fail to resume: the command line
	 * without "resume" (argv is the resumed one), and copies of the
	 * instructions the resumed process took, to give them to a fresh one.
	 */
	char **fresh_argv;
	char **taken;
	size_t ntaken;
	char *resumed;      /* the conversation the session was started resuming, or NULL */
	bool resume_failed; /* it could not, and was started afresh */
	bool falling_back;  /* inside on_exited, about to start afresh */
	int64_t spawned_ms; /* when the current process started (monotonic) */
	char *cwd, *transcript;
	bool argv_mode;
	unsigned submit_delay_ms;
	unsigned last_lines;
	struct session *s; /* the current process; NULL before the first (argv mode) */
	struct detect *det;
	int turns;   /* processes spawned */
	bool ended;  /* stopped, or exited for good */
	bool hooked; /* a hook has spoken for this session */
	/*
	 * A question was reported and is not answered yet: the screen busy
	 * meanwhile is its dialog redrawing (a timer, a spinner), and a
	 * person's answer is still taken (driver_answer).
	 */
	bool asking;
	/*
	 * A hook's needs-input message while no question its backend declares
	 * answers for was on screen yet (Gemini CLI tells before it draws the
	 * dialog): the screen's next needs-input asks it again, with its answers.
	 */
	char *hook_question;
	unsigned hook_kinds; /* 1 << DETECT_x of the states the backend's hooks report */
	bool prompt_pending; /* detect has a prompt in flight: inflight */
	char *inflight;
	int exit_status; /* -1 while not ended by exit */
	enum detect_state state;
	char **queue; /* instructions waiting */
	size_t nq;
	unsigned long seq;             /* creation order */
	struct question_set questions; /* the backend's answerable questions */
};

struct grave {
	struct session *s;
	struct detect *det;
};

struct driver {
	struct loop *loop;
	struct engine *engine;
	struct driver_options opts;
	char *workspace;   /* opts.workspace, owned */
	char *devflow_bin; /* opts.devflow_bin or paths_bin_dir()/devflow, owned */
	struct entry **v;
	size_t n;
	struct grave *graves;
	size_t ngraves;
	uint64_t reap_timer;
	unsigned long seq;
	driver_change_cb *cb;
	void *cb_ctx;
	bool shutting_down;
};

static void
entry_free(struct entry *en)
{
	if (en == NULL)
		return;
	detect_free(en->det);
	session_free(en->s);
	free(en->id);
	free(en->run_id);
	free(en->phase_id);
	free(en->role_id);
	free(en->backend);
	free(en->backend_json);
	str_vec_free(en->argv);
	str_vec_free(en->fresh_argv);
	for (size_t i = 0; i < en->ntaken; i++)
		free(en->taken[i]);
	free(en->taken);
	free(en->resumed);
	str_vec_free(en->env);
	free(en->cwd);
	free(en->hook_question);
	free(en->transcript);
	for (size_t i = 0; i < en->nq; i++)
		free(en->queue[i]);
	free(en->queue);
	free(en->inflight);
	question_set_free(&en->questions);
	free(en);
}

static struct entry *
find(struct driver *d, const char *id)
{
	for (size_t i = 0; id && i < d->n; i++)
		if (strcmp(d->v[i]->id, id) == 0)
			return d->v[i];
	return NULL;
}

/* The resumed process took text: keep a copy while it may still fail to resume. */
static void
note_taken(struct entry *en, const char *text)
{
	if (en->fresh_argv == NULL)
		return;
	en->taken = xreallocarray(en->taken, en->ntaken + 1, sizeof(*en->taken));
	en->taken[en->ntaken++] = xstrdup(text);
}

/* The resume has held (or been given up): nothing to start afresh any more. */
static void
resume_settled(struct entry *en)
{
	str_vec_free(en->fresh_argv);
	en->fresh_argv = NULL;
	for (size_t i = 0; i < en->ntaken; i++)
		free(en->taken[i]);
	free(en->taken);
	en->taken = NULL;
	en->ntaken = 0;
}

static void
notify(struct driver *d, struct entry *en, enum driver_change what)
{
	if (d->cb)
		d->cb(d, en->id, what, d->cb_ctx);
}

static void
report_from(struct entry *en, enum engine_session_event_kind kind,
            enum engine_session_source source, const char *detail, int status)
{
	struct driver *d = en->d;

	if (d->engine && !d->shutting_down)
		engine_session_event_from(d->engine, en->id, kind, source, detail, status);
}

/* What the screen (or the process's exit) says. */
static void
report(struct entry *en, enum engine_session_event_kind kind, const char *detail, int status)
{
	report_from(en, kind, ENGINE_FROM_SCREEN, detail, status);
}

/* --- reaping ----------------------------------------------------------------- */

static void reap(struct loop *loop, void *arg);

static void
schedule_reap(struct driver *d)
{
	if (d->reap_timer == 0)
		d->reap_timer = loop_timer_add(d->loop, 0, reap, d);
}

/* Detach the entry's session and detector and free them once the loop is out of their callbacks. */
static void
bury(struct entry *en)
{
	struct driver *d = en->d;

	if (en->s == NULL && en->det == NULL)
		return;
	d->graves = xreallocarray(d->graves, d->ngraves + 1, sizeof(*d->graves));
	d->graves[d->ngraves].s = en->s;
	d->graves[d->ngraves].det = en->det;
	d->ngraves++;
	en->s = NULL;
	en->det = NULL;
	schedule_reap(d);
}

static void
reap(struct loop *loop, void *arg)
{
	struct driver *d = arg;
	size_t exited = 0, keep = d->opts.keep_exited;

	(void)loop;
	d->reap_timer = 0;
	for (size_t i = 0; i < d->ngraves; i++) {
		detect_free(d->graves[i].det);
		session_free(d->graves[i].s);
	}
	free(d->graves);
	d->graves = NULL;
	d->ngraves = 0;
	for (size_t i = 0; i < d->n; i++)
		exited += d->v[i]->ended;
	/* Oldest first: entries are kept in creation order. */
	for (size_t i = 0; i < d->n && exited > keep;) {
		struct entry *en = d->v[i];

		if (!en->ended || (en->s && session_running(en->s))) {
			i++;
			continue;
		}
		memmove(&d->v[i], &d->v[i + 1], (d->n - i - 1) * sizeof(*d->v));
		d->n--;
		exited--;
		entry_free(en);
	}
}

/* --- backend definition --------------------------------------------------------- */

struct patterns {
	const char **ready, **busy, **needs;
	struct detect_dialog *trust;
	size_t nready, nbusy, nneeds, ntrust;
};

static void
patterns_free(struct patterns *p)
{
	free(p->ready);
	free(p->busy);
	free(p->needs);
	free(p->trust);
	memset(p, 0, sizeof(*p));
}

/* Strings of array field of screen into *out (pointers into doc). */
static int
string_list(const cJSON *screen, const char *field, const char ***out, size_t *n,
            const char *backend, struct df_error *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(screen, field), *x;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	if (arr == NULL)
		return 0;
	if (!cJSON_IsArray(arr))
		return df_error_set(err, DF_FATAL, DF_E_CATALOG_INVALID,
		                    "backend %s: /screen/%s: not an array", backend, field);
	*out = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(**out));
	cJSON_ArrayForEach(x, arr)
	{
		if (!cJSON_IsString(x))
			return df_error_set(err, DF_FATAL, DF_E_CATALOG_INVALID,
			                    "backend %s: /screen/%s/%zu: not a string", backend,
			                    field, i);
		(*out)[i++] = x->valuestring;
	}
	*n = i;
	return 0;
}

/* Read the backend's screen section into cfg (strings point into doc). */
static int
parse_screen(const cJSON *doc, const char *backend, struct detect_config *cfg, struct patterns *p,
             struct df_error *err)
{
	const cJSON *screen = cJSON_GetObjectItemCaseSensitive(doc, "screen");
	const cJSON *trust, *x;
	long long n;
	size_t i = 0;

	memset(cfg, 0, sizeof(*cfg));
	memset(p, 0, sizeof(*p));
	if (!cJSON_IsObject(screen))
		return df_error_set(err, DF_FATAL, DF_E_CATALOG_INVALID,
		                    "backend %s: /screen: missing or not an object", backend);
	if (string_list(screen, "ready", &p->ready, &p->nready, backend, err) != 0 ||
	    string_list(screen, "busy", &p->busy, &p->nbusy, backend, err) != 0 ||
	    string_list(screen, "needsInput", &p->needs, &p->nneeds, backend, err) != 0)
		return -1;
	trust = cJSON_GetObjectItemCaseSensitive(screen, "trust");
	if (trust != NULL && !cJSON_IsArray(trust))
		return df_error_set(err, DF_FATAL, DF_E_CATALOG_INVALID,
		                    "backend %s: /screen/trust: not an array", backend);
	p->trust = xcalloc((size_t)cJSON_GetArraySize(trust) + 1, sizeof(*p->trust));
	cJSON_ArrayForEach(x, trust)
	{
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(x, "match");
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(x, "keys");

		if (!cJSON_IsString(m) || !cJSON_IsString(k))
			return df_error_set(
			    err, DF_FATAL, DF_E_CATALOG_INVALID,
			    "backend %s: /screen/trust/%zu: needs string match and keys", backend,
			    i);
		p->trust[i].pattern = m->valuestring;
		p->trust[i].keys = k->valuestring;
		i++;
	}
	p->ntrust = i;
	cfg->ready = p->ready;
	cfg->n_ready = p->nready;
	cfg->busy = p->busy;
	cfg->n_busy = p->nbusy;
	cfg->needs_input = p->needs;
	cfg->n_needs_input = p->nneeds;
	cfg->trust = p->trust;
	cfg->n_trust = p->ntrust;
	/* A user's backend file: range-checked as doubles (1e300 is no unsigned). */
	if (json_int(cJSON_GetObjectItemCaseSensitive(screen, "lastLines"), 1,
	             DRIVER_MAX_LAST_LINES, &n) == 0)
		cfg->last_lines = (unsigned)n;
	if (json_int(cJSON_GetObjectItemCaseSensitive(screen, "stableMs"), 1, DRIVER_MAX_STABLE_MS,
	             &n) == 0)
		cfg->stable_ms = (unsigned)n;
	return 0;
}

/* --- sessions and detectors ------------------------------------------------------- */

static void on_detect_state(void *arg, enum detect_state state, const char *matched);

static char *
io_screen_text(void *arg)
{
	struct entry *en = arg;

	return en->s ? screen_dump_text(session_screen(en->s)) : xstrdup("");
}

static int
io_send_keys(void *arg, const char *keys)
{
	struct entry *en = arg;

	return en->s ? session_send_keys(en->s, keys, NULL) : -1;
}

static int
io_paste(void *arg, const char *text)
{
	struct entry *en = arg;

	return en->s ? session_paste(en->s, text, strlen(text), NULL) : -1;
}

static void deliver_next(struct entry *en);

static void
io_prompt(void *arg, enum detect_prompt_result result, bool retried)
{
	struct entry *en = arg;

	/* Unconfirmed: the phase's timeout or the agent's exit will tell. */
	(void)retried;
	en->prompt_pending = false;
	if (result == DETECT_PROMPT_FAILED && en->argv_mode && !en->ended && en->inflight &&
	    !en->falling_back) {
		/* The process ended first: the next one gets the text in its argv. */
		en->queue = xreallocarray(en->queue, en->nq + 1, sizeof(*en->queue));
		memmove(&en->queue[1], &en->queue[0], en->nq * sizeof(*en->queue));
		en->queue[0] = en->inflight;
		en->nq++;
		en->inflight = NULL;
	}
	free(en->inflight);
	en->inflight = NULL;
	if (result != DETECT_PROMPT_FAILED)
		deliver_next(en);
}

static const struct detect_io detect_ops = {
	.screen_text = io_screen_text,
	.send_keys = io_send_keys,
	.paste = io_paste,
	.state = on_detect_state,
	.prompt = io_prompt,
	.dialog = NULL,
};

/* The last lines of the screen (the detector's window): what a question looks like. */
static char *
screen_tail(struct entry *en)
{
	char *text = io_screen_text(en);
	char *tail = detect_last_lines(text, en->last_lines ? en->last_lines : 8);

	free(text);
	return tail;
}

/*
 * The agent needs input: the engine hears the question (detail, else the
 * screen's last lines) and, when the backend knows the question on screen,
 * its text and answers.
 */
/*
 * If the screen's last lines hold a question the backend declares answers
 * for, the session asks it (detail, its text and its answers) and true.
 */
static bool
ask_declared(struct entry *en, enum engine_session_source source, const char *detail,
             const char *tail)
{
	struct driver *d = en->d;
	char *text = NULL, *choices;
	const struct question_def *q = question_find(&en->questions, tail, &text);
	cJSON *arr;

	if (q == NULL)
		return false;
	arr = cJSON_CreateArray();
	for (size_t i = 0; i < q->nanswers; i++) {
		cJSON *c = cJSON_CreateObject();

		cJSON_AddStringToObject(c, "key", q->answers[i].key);
		cJSON_AddStringToObject(c, "label", q->answers[i].label);
		cJSON_AddItemToArray(arr, c);
	}
	choices = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	if (d->engine && !d->shutting_down)
		engine_session_asks(d->engine, en->id, source, detail, text, choices);
	cJSON_free(choices);
	free(text);
	return true;
}

/*
 * The question a session asks: what a hook said (said, may be "") and the
 * screen's last lines. A hook's message says that the CLI asks ("Claude
 * needs your permission"), its screen what: the question carries both.
 * The caller frees.
 */
static char *
question_text(const char *said, const char *tail)
{
	return *said != '\0' ? xasprintf("%s\n%s", said, tail) : xstrdup(tail);
}

/*
 * The session needs input: seen by source, with what a hook said (detail,
 * or NULL). The question is that and the screen's last lines; where the
 * backend declares its answers, the session asks it with them. A hook's
 * question not on screen yet is kept for the screen to complete.
 */
static void
report_needs_input(struct entry *en, enum engine_session_source source, const char *detail)
{
	const char *said = detail != NULL ? detail : "";
	char *tail = screen_tail(en), *question = question_text(said, tail);

	free(en->hook_question);
	en->hook_question = NULL;
	if (!ask_declared(en, source, question, tail)) {
		report_from(en, ENGINE_SESSION_NEEDS_INPUT, source, question, 0);
		if (source == ENGINE_FROM_HOOK)
			en->hook_question = xstrdup(said);
	}
	free(question);
	free(tail);
}

static void
on_detect_state(void *arg, enum detect_state state, const char *matched)
{
	struct entry *en = arg;
	struct driver *d = en->d;

	(void)matched;
	en->state = state;
	if (state != DETECT_BUSY)
		en->asking = state == DETECT_NEEDS_INPUT;
	if (state == DETECT_NEEDS_INPUT && en->hook_question != NULL) {
		/* The dialog the hook told of is drawn now: asked again, with its answers. */
		char *said = en->hook_question, *tail = screen_tail(en);
		char *question = question_text(said, tail);

		en->hook_question = NULL;
		ask_declared(en, ENGINE_FROM_HOOK, question, tail);
		free(question);
		free(tail);
		free(said);
	}
	if (!en->hooked || (en->hook_kinds & (1u << state)) == 0) {
		switch (state) {
		case DETECT_IDLE:
			/*
			 * Ready for instructions not yet submitted is not the
			 * end of a turn: session.idle is one per prompt (its
			 * key), and the turn's own end comes after the Enter.
			 */
			if (en->det == NULL || !detect_prompt_unsent(en->det))
				report(en, ENGINE_SESSION_IDLE, NULL, 0);
			break;
		case DETECT_BUSY:
			report(en, ENGINE_SESSION_BUSY, NULL, 0);
			break;
		case DETECT_NEEDS_INPUT:
			report_needs_input(en, ENGINE_FROM_SCREEN, NULL);
			break;
		case DETECT_STARTING:
		case DETECT_EXITED: /* reported by the session's exit, with its status */
			break;
		}
	}
	notify(d, en, DRIVER_STATE);
}

static void
on_output(struct session *s, void *arg)
{
	struct entry *en = arg;

	if (en->s != s)
		return;
	if (en->det)
		detect_screen_changed(en->det);
	notify(en->d, en, DRIVER_OUTPUT);
}

static int
exit_status(const struct session_exit *ex)
{
	return ex->signaled ? 128 + ex->signo : ex->code;
}

static int spawn(struct entry *en, const char *prompt, struct df_error *err);

/*
 * The resumed process failed at once: start the session afresh, once, with
 * the instructions the resumed process had taken first in its queue, and
 * tell the engine. status is the resumed process's exit status.
 */
static void
resume_fall_back(struct entry *en, int status)
{
	struct driver *d = en->d;
	struct df_error err;

	en->falling_back = false;
	free(en->inflight);
	en->inflight = NULL;
	en->prompt_pending = false;
	if (en->ntaken > 0) {
		en->queue = xreallocarray(en->queue, en->nq + en->ntaken, sizeof(*en->queue));
		memmove(&en->queue[en->ntaken], &en->queue[0], en->nq * sizeof(*en->queue));
		memcpy(&en->queue[0], en->taken, en->ntaken * sizeof(*en->queue));
		en->nq += en->ntaken;
		free(en->taken);
		en->taken = NULL;
		en->ntaken = 0;
	}
	str_vec_free(en->argv);
	en->argv = en->fresh_argv;
	en->fresh_argv = NULL;
	en->resume_failed = true;
	if (d->engine && !d->shutting_down)
		engine_session_resume_failed(d->engine, en->id, status);
	if (en->argv_mode) {
		/* The next instruction starts the fresh process (deliver_next spawns it). */
		deliver_next(en);
	} else if (spawn(en, NULL, &err) != 0) {
		en->ended = true;
		en->exit_status = 127;
		en->state = DETECT_EXITED;
		for (size_t i = 0; i < en->nq; i++)
			free(en->queue[i]);
		en->nq = 0;
		report(en, ENGINE_SESSION_EXITED, NULL, 127);
		notify(d, en, DRIVER_EXITED);
		schedule_reap(d);
		return;
	} else {
		deliver_next(en);
	}
	notify(d, en, DRIVER_STATE);
}

static void
on_exited(struct session *s, const struct session_exit *ex, void *arg)
{
	struct entry *en = arg;
	struct driver *d = en->d;
	int status = exit_status(ex);

	if (en->s != s)
		return;
	if (en->fresh_argv != NULL) {
		if (status != 0 && !en->ended && !d->shutting_down &&
		    clock_mono_ms() - en->spawned_ms < RESUME_WINDOW_MS)
			en->falling_back = true;
		else
			resume_settled(en);
	}
	if (en->det)
		detect_exited(en->det);
	if (en->falling_back) {
		resume_fall_back(en, status);
		return;
	}
	if (en->argv_mode && status == 0 && !en->ended) {
		/* One instruction done; the session lives on for the next. */
		en->prompt_pending = false;
		en->state = DETECT_IDLE;
		report(en, ENGINE_SESSION_IDLE, NULL, 0);
		notify(d, en, DRIVER_EXITED);
		deliver_next(en);
		return;
	}
	en->ended = true;
	en->exit_status = status;
	en->state = DETECT_EXITED;
	for (size_t i = 0; i < en->nq; i++)
		free(en->queue[i]);
	en->nq = 0;
	report(en, ENGINE_SESSION_EXITED, NULL, status);
	notify(d, en, DRIVER_EXITED);
	schedule_reap(d);
}

static const struct session_ops session_cbs = {
	.output = on_output,
	.title = NULL,
	.exited = on_exited,
};

/* "{prompt}" in each argv element replaced by prompt (NULL: as is). */
static char **
expand_argv(char *const *tmpl, const char *prompt)
{
	size_t n = 0;
	char **out;

	while (tmpl[n])
		n++;
	out = xcalloc(n + 1, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		const char *p = tmpl[i], *hit;
		struct buf b = BUF_INIT;

		while (prompt && (hit = strstr(p, "{prompt}")) != NULL) {
			buf_append(&b, p, (size_t)(hit - p));
			buf_puts(&b, prompt);
			p = hit + strlen("{prompt}");
		}
		buf_puts(&b, p);
		out[i] = buf_detach(&b);
	}
	return out;
}

/* Start a process for en (argv mode: with prompt in its argv), with a fresh detector. */
static int
spawn(struct entry *en, const char *prompt, struct df_error *err)
{
	struct driver *d = en->d;
	struct session_config sc;
	struct detect_config dc;
	struct patterns pats;
	cJSON *doc = cJSON_Parse(en->backend_json);
	char **argv = NULL, *transcript = NULL;
	int rc = -1;

	if (doc == NULL)
		return df_error_set(err, DF_FATAL, DF_E_CATALOG_INVALID,
		                    "backend %s: its definition is not JSON", en->backend);
	if (parse_screen(doc, en->backend, &dc, &pats, err) != 0)
		goto out;
	dc.submit_delay_ms = en->submit_delay_ms;
	bury(en);
	en->det = detect_new(d->loop, &dc, &detect_ops, en, err);
	if (en->det == NULL) {
		df_error_prefix(err, "backend %s: /screen", en->backend);
		goto out;
	}
	en->state = DETECT_STARTING;
	argv = expand_argv(en->argv, en->argv_mode ? prompt : NULL);
	transcript = en->turns == 0 ? xstrdup(en->transcript)
	                            : xasprintf("%s.%d", en->transcript, en->turns + 1);
	memset(&sc, 0, sizeof(sc));
	sc.argv = (const char *const *)argv;
	sc.cwd = en->cwd;
	sc.env = (const char *const *)en->env;
	sc.rows = d->opts.rows;
	sc.cols = d->opts.cols;
	sc.transcript_path = transcript;
	sc.grace_ms = d->opts.grace_ms;
	en->spawned_ms = clock_mono_ms();
	en->s = session_spawn(d->loop, &sc, &session_cbs, en, err);
	if (en->s == NULL) {
		df_error_prefix(err, "backend %s", en->backend);
		bury(en);
		goto out;
	}
	en->turns++;
	rc = 0;
out:
	str_vec_free(argv);
	free(transcript);
	patterns_free(&pats);
	cJSON_Delete(doc);
	return rc;
}

/* Deliver the next queued instruction if the session can take it now. */
static void
deliver_next(struct entry *en)
{
	struct df_error err;
	bool running = en->s && session_running(en->s);
	char *text;

	if (en->nq == 0 || en->ended || en->prompt_pending)
		return;
	if (!en->argv_mode && (!running || en->det == NULL))
		return;
	text = en->queue[0];
	memmove(&en->queue[0], &en->queue[1], (en->nq - 1) * sizeof(*en->queue));
	en->nq--;
	note_taken(en, text);
	if (en->argv_mode && !running) {
		if (spawn(en, text, &err) != 0) {
			/* The program cannot run again: the session has ended. */
			en->ended = true;
			en->exit_status = 127;
			report(en, ENGINE_SESSION_EXITED, NULL, 127);
			notify(en->d, en, DRIVER_EXITED);
		}
	} else if (detect_send_prompt(en->det, text, &err) == 0) {
		en->prompt_pending = true;
		en->inflight = text;
		return;
	}
	free(text);
}

/* --- the backend's command line and configuration ------------------------------------------ */

/* The agent's HOME: the backend's env HOME (NULL where it removes HOME), else the driver's. */
static const char *
agent_home(const struct engine_session_spec *spec)
{
	for (size_t i = 0; i < spec->envc; i++) {
		if (strncmp(spec->env[i], "HOME=", 5) == 0)
			return spec->env[i] + 5;
		if (strcmp(spec->env[i], "HOME") == 0)
			return NULL;
	}
	return getenv("HOME");
}

/*
 * "{devflow}" goes unquoted into shell commands and JSON or TOML strings:
 * hooks are installed only when the program's path needs no quoting.
 */
static bool
plain_path(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr("/._-+@,=:", *s) == NULL)
			return false;
	return true;
}

/* The backend's hooks when they are to be applied, else NULL (a pointer into doc). */
static const cJSON *
hooks_of(struct driver *d, const cJSON *doc)
{
	const cJSON *hooks = cJSON_GetObjectItemCaseSensitive(doc, "hooks");

	return d->opts.hooks && cJSON_IsObject(hooks) && plain_path(d->devflow_bin) ? hooks : NULL;
}

/*
 * The states a backend's hooks report (1 << DETECT_IDLE, ...), from the
 * `hook KIND` commands they run: once a hook has spoken, the screen stops
 * reporting those, and only those (Codex's notify says idle, never "needs
 * input": its permission questions are still the screen's to report). A
 * backend that installs no hooks of ours, yet whose session calls the hook
 * verb (hooks a person wired by hand), is taken at its word for every state.
 */
static unsigned
hook_kinds_of(const cJSON *hooks)
{
	static const struct {
		const char *text;
		enum detect_state state;
	} kinds[] = {
		{ "hook idle", DETECT_IDLE },
		{ "hook busy", DETECT_BUSY },
		{ "hook needs-input", DETECT_NEEDS_INPUT },
		{ "hook needs_input", DETECT_NEEDS_INPUT },
	};
	char *text = hooks ? cJSON_PrintUnformatted(hooks) : NULL;
	unsigned out = 0;

	for (size_t i = 0; text && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strstr(text, kinds[i].text) != NULL)
			out |= 1u << kinds[i].state;
	cJSON_free(text);
	return out != 0 ? out : ~0u;
}

/* Append the strings of arr (at JSON path where) to argv[*n], placeholders replaced. */
static int
append_args(char **argv, size_t *n, const cJSON *arr, const char *where,
            const struct agentcfg_vars *vars, const char *backend, struct df_error *err)
{
	const cJSON *x;
	size_t i = 0;

	cJSON_ArrayForEach(x, arr)
	{
		if (!cJSON_IsString(x))
			return df_error_set(err, DF_FATAL, DF_E_CATALOG_INVALID,
			                    "backend %s: %s/%zu: not a string", backend, where, i);
		argv[(*n)++] = agentcfg_subst(x->valuestring, vars);
		i++;
	}
	return 0;
}

/*
 * The session's command line: spec's argv with the placeholders replaced,
 * then hooks.argv (replaced too) when hooks are applied. With conversation
 * (resuming it), the backend's resume.argv with "{conversation}" replaced
 * too is appended to spec's argv, or replaces it when resume.replace is
 * true; hooks.argv follows either. NULL-terminated; NULL with err when
 * hooks.argv or resume is malformed.
 */
static char **
build_argv(struct driver *d, const struct engine_session_spec *spec, const cJSON *doc,
           const char *conversation, struct df_error *err)
{
	const cJSON *hargv = cJSON_GetObjectItemCaseSensitive(hooks_of(d, doc), "argv");
	const cJSON *resume = cJSON_GetObjectItemCaseSensitive(doc, "resume");
	const cJSON *rargv = cJSON_GetObjectItemCaseSensitive(resume, "argv");
	struct agentcfg_vars vars = { .worktree = spec->cwd,
		                      .devflow = d->devflow_bin,
		                      .conversation = conversation };
	bool replace =
	    conversation && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(resume, "replace"));
	size_t n = 0;
	char **argv;

	if (hargv != NULL && !cJSON_IsArray(hargv)) {
		df_error_set(err, DF_FATAL, DF_E_CATALOG_INVALID,
		             "backend %s: /hooks/argv: not an array", spec->backend);
		return NULL;
	}
	if (conversation && (!cJSON_IsArray(rargv) || cJSON_GetArraySize(rargv) == 0)) {
		df_error_set(err, DF_FATAL, DF_E_CATALOG_INVALID,
		             "backend %s: /resume/argv: missing or empty", spec->backend);
		return NULL;
	}
	if (!conversation)
		rargv = NULL;
	argv = xcalloc(spec->argc + (size_t)cJSON_GetArraySize(rargv) +
	                   (size_t)cJSON_GetArraySize(hargv) + 1,
	               sizeof(*argv));
	for (size_t i = 0; !replace && i < spec->argc; i++)
		argv[n++] = agentcfg_subst(spec->argv[i], &vars);
	if (append_args(argv, &n, rargv, "/resume/argv", &vars, spec->backend, err) != 0 ||
	    append_args(argv, &n, hargv, "/hooks/argv", &vars, spec->backend, err) != 0) {
		str_vec_free(argv);
		return NULL;
	}
	return argv;
}

/* argv[0] resolved beside devflow or on PATH; -1 with err (backend_unavailable) when missing. */
static int
resolve_program(char **argv, const struct engine_session_spec *spec, const cJSON *doc,
                struct df_error *err)
{
	const cJSON *install;
	char *prog = catalog_which(argv[0]);

	if (prog == NULL) {
		install = cJSON_GetObjectItemCaseSensitive(doc, "install");
		df_error_set(
		    err, DF_HUMAN_REQUIRED, DF_E_BACKEND_UNAVAILABLE,
		    "backend %s: program '%s' not found (looked beside devflow and in PATH)",
		    spec->backend, argv[0]);
		if (cJSON_IsString(install))
			df_error_hint(err, "%s", install->valuestring);
		return -1;
	}
	free(argv[0]);
	argv[0] = prog;
	return 0;
}

/* Merge the backend's configFiles, and hooks.configFiles when hooks are applied. */
static int
apply_config(struct driver *d, const struct engine_session_spec *spec, const cJSON *doc,
             struct df_error *err)
{
	struct agentcfg_vars vars = { .worktree = spec->cwd, .devflow = d->devflow_bin };
	const char *home = agent_home(spec);

	if (agentcfg_apply_files(cJSON_GetObjectItemCaseSensitive(doc, "configFiles"),
	                         "/configFiles", &vars, home, err) != 0 ||
	    agentcfg_apply_files(cJSON_GetObjectItemCaseSensitive(hooks_of(d, doc), "configFiles"),
	                         "/hooks/configFiles", &vars, home, err) != 0) {
		df_error_prefix(err, "backend %s", spec->backend);
		return -1;
	}
	return 0;
}

/* The directory of the session's transcript, made (0700) when missing. */
static int
make_transcript_dir(const struct engine_session_spec *spec, struct df_error *err)
{
	char *dir = xstrdup(spec->transcript_path), *slash = strrchr(dir, '/');
	int rc = 0;

	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (paths_mkdir_p(dir, 0700) != 0)
			rc = df_error_set(err, DF_FATAL, DF_E_WORKSPACE_PERMISSIONS,
			                  "session %s: cannot create %s", spec->session_id, dir);
	}
	free(dir);
	return rc;
}

/*
 * A new entry for the session spec describes, not yet listed nor spawned:
 * it takes argv, the fresh command line, and rargv, the resumed one or NULL.
 */
static struct entry *
entry_new(struct driver *d, const struct engine_session_spec *spec, char **argv, char **rargv)
{
	struct entry *en = xcalloc(1, sizeof(*en));
	const char *conv = spec->resume_conversation;
	size_t k = 0;
	cJSON *doc;

	en->d = d;
	en->id = xstrdup(spec->session_id);
	en->run_id = xstrdup(spec->run_id ? spec->run_id : "");
	en->phase_id = xstrdup(spec->phase_id ? spec->phase_id : "");
	en->role_id = xstrdup(spec->role_id ? spec->role_id : "");
	en->backend = xstrdup(spec->backend ? spec->backend : "");
	en->backend_json = xstrdup(spec->backend_json ? spec->backend_json : "{}");
	if (rargv != NULL) {
		en->argv = rargv;
		en->fresh_argv = argv;
		en->resumed = xstrdup(conv);
	} else {
		en->argv = argv;
	}
	en->env = xcalloc(spec->envc + 4, sizeof(*en->env));
	for (size_t i = 0; i < spec->envc; i++)
		en->env[k++] = xstrdup(spec->env[i]);
	en->env[k++] = xasprintf("DEVFLOW_SESSION_ID=%s", spec->session_id);
	en->env[k++] = xasprintf("DEVFLOW_RUN_ID=%s", en->run_id);
	if (d->opts.workspace)
		en->env[k++] = xasprintf("DEVFLOW_WORKSPACE=%s", d->opts.workspace);
	en->cwd = xstrdup(spec->cwd);
	en->transcript = xstrdup(spec->transcript_path);
	en->argv_mode = spec->prompt_mode && strcmp(spec->prompt_mode, "argv") == 0;
	en->submit_delay_ms = spec->submit_delay_ms > 0 ? (unsigned)spec->submit_delay_ms : 0;
	en->exit_status = -1;
	en->state = DETECT_STARTING;
	en->seq = ++d->seq;
	doc = cJSON_Parse(en->backend_json);
	{
		const cJSON *ll = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(doc, "screen"), "lastLines");

		long long n;

		if (json_int(ll, 1, DRIVER_MAX_LAST_LINES, &n) == 0)
			en->last_lines = (unsigned)n;
		/* The catalog judged them; a definition it did not see offers no answers. */
		question_set_parse(
		    cJSON_GetObjectItemCaseSensitive(
		        cJSON_GetObjectItemCaseSensitive(doc, "screen"), "questions"),
		    "/screen/questions", &en->questions, NULL);
	}
	en->hook_kinds = hook_kinds_of(hooks_of(d, doc));
	cJSON_Delete(doc);
	return en;
}

/* argv mode: -1 with err when the backend's screen definition cannot drive a detector. */
static int
probe_detector(struct entry *en, struct df_error *err)
{
	struct driver *d = en->d;
	struct detect_config dc;
	struct patterns pats;
	struct detect *probe = NULL;
	cJSON *doc = cJSON_Parse(en->backend_json);
	int bad;

	bad = parse_screen(doc, en->backend, &dc, &pats, err) != 0 ||
	      (probe = detect_new(d->loop, &dc, &detect_ops, en, err)) == NULL;
	if (bad && probe == NULL && err && err->code == DF_E_INVALID_ARGUMENT)
		df_error_prefix(err, "backend %s: /screen", en->backend);
	detect_free(probe);
	patterns_free(&pats);
	cJSON_Delete(doc);
	return bad ? -1 : 0;
}

/* --- the engine's ops ----------------------------------------------------------------- */

static int
drv_start(void *ctx, const struct engine_session_spec *spec, struct df_error *err)
{
	struct driver *d = ctx;
	struct entry *en;
	cJSON *doc;
	char **argv, **rargv = NULL;
	const char *conv = spec->resume_conversation;

	if (spec->argc == 0 || spec->argv == NULL || spec->argv[0] == NULL)
		return df_error_set(err, DF_FATAL, DF_E_CATALOG_INVALID,
		                    "backend %s: /argv: no program to run", spec->backend);
	if (find(d, spec->session_id) != NULL)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "session %s: already started", spec->session_id);
	doc = cJSON_Parse(spec->backend_json ? spec->backend_json : "{}");
	if ((argv = build_argv(d, spec, doc, NULL, err)) == NULL) {
		cJSON_Delete(doc);
		return -1;
	}
	if (resolve_program(argv, spec, doc, err) != 0) {
		cJSON_Delete(doc);
		str_vec_free(argv);
		return -1;
	}
	/* Resuming: the resumed command line first, the fresh one kept for a failed resume. */
	if (conv != NULL && *conv != '\0' &&
	    cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "resume"))) {
		if ((rargv = build_argv(d, spec, doc, conv, err)) == NULL ||
		    resolve_program(rargv, spec, doc, err) != 0) {
			cJSON_Delete(doc);
			str_vec_free(argv);
			str_vec_free(rargv);
			return -1;
		}
	}
	if (make_transcript_dir(spec, err) != 0) {
		str_vec_free(argv);
		str_vec_free(rargv);
		cJSON_Delete(doc);
		return -1;
	}
	/* The CLI's own configuration, before anything of it runs. */
	if (apply_config(d, spec, doc, err) != 0) {
		str_vec_free(argv);
		str_vec_free(rargv);
		cJSON_Delete(doc);
		return -1;
	}
	cJSON_Delete(doc);

	en = entry_new(d, spec, argv, rargv);
	if (!en->argv_mode && spawn(en, NULL, err) != 0) {
		entry_free(en);
		return -1;
	}
	/* Fail now, not at send, when the definition cannot drive a detector. */
	if (en->argv_mode && probe_detector(en, err) != 0) {
		entry_free(en);
		return -1;
	}
	d->v = xreallocarray(d->v, d->n + 1, sizeof(*d->v));
	d->v[d->n++] = en;
	return 0;
}

static int
drv_send(void *ctx, const char *session_id, const char *text, struct df_error *err)
{
	struct driver *d = ctx;
	struct entry *en = find(d, session_id);

	if (en == NULL)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "session %s: unknown",
		                    session_id);
	if (en->ended || (!en->argv_mode && (en->s == NULL || !session_running(en->s))))
		return df_error_set(err, DF_RETRYABLE, DF_E_SESSION_FAILED,
		                    "session %s (backend %s): the agent has exited; cannot send "
		                    "instructions",
		                    session_id, en->backend);
	if (en->argv_mode && en->nq == 0 && !en->prompt_pending &&
	    (en->s == NULL || !session_running(en->s))) {
		note_taken(en, text);
		return spawn(en, text, err); /* the process starts now: its failure is the send's */
	}
	en->queue = xreallocarray(en->queue, en->nq + 1, sizeof(*en->queue));
	en->queue[en->nq++] = xstrdup(text);
	deliver_next(en);
	return 0;
}

static void
drv_stop(void *ctx, const char *session_id)
{
	struct driver *d = ctx;
	struct entry *en = find(d, session_id);

	if (en == NULL)
		return;
	for (size_t i = 0; i < en->nq; i++)
		free(en->queue[i]);
	en->nq = 0;
	if (!en->ended) {
		en->ended = true;
		schedule_reap(d);
	}
	if (en->s && session_running(en->s))
		session_stop(en->s);
}

static int
drv_alive(void *ctx, const char *session_id)
{
	struct entry *en = find(ctx, session_id);

	if (en == NULL || en->ended)
		return 0;
	return en->argv_mode || (en->s && session_running(en->s));
}

const struct engine_session_ops driver_engine_ops = {
	.start = drv_start,
	.send = drv_send,
	.stop = drv_stop,
	.alive = drv_alive,
};

/* --- the server's side ----------------------------------------------------------------- */

struct driver *
driver_new(struct loop *loop, const struct driver_options *opts)
{
	struct driver *d = xcalloc(1, sizeof(*d));

	d->loop = loop;
	if (opts)
		d->opts = *opts;
	if (d->opts.workspace) {
		d->workspace = xstrdup(d->opts.workspace);
		d->opts.workspace = d->workspace;
	}
	if (d->opts.keep_exited == 0)
		d->opts.keep_exited = DEFAULT_KEEP_EXITED;
	d->devflow_bin = d->opts.devflow_bin ? xstrdup(d->opts.devflow_bin)
	                                     : xasprintf("%s/devflow", paths_bin_dir());
	d->opts.devflow_bin = d->devflow_bin;
	return d;
}

void
driver_set_engine(struct driver *d, struct engine *e)
{
	d->engine = e;
}

static size_t
running_count(struct driver *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		n += d->v[i]->s && session_running(d->v[i]->s);
	for (size_t i = 0; i < d->ngraves; i++)
		n += d->graves[i].s && session_running(d->graves[i].s);
	return n;
}

size_t
driver_shutdown(struct driver *d, unsigned timeout_ms)
{
	uint64_t deadline;
	size_t left;

	d->shutting_down = true;
	for (size_t i = 0; i < d->n; i++) {
		d->v[i]->ended = true;
		if (d->v[i]->s && session_running(d->v[i]->s))
			session_stop(d->v[i]->s);
	}
	for (size_t i = 0; i < d->ngraves; i++)
		if (d->graves[i].s && session_running(d->graves[i].s))
			session_stop(d->graves[i].s);
	deadline = loop_now(d->loop) + timeout_ms;
	while (running_count(d) > 0) {
		uint64_t now = loop_now(d->loop);

		if (now >= deadline)
			break;
		if (loop_run_once(d->loop, (int)(deadline - now), NULL) < 0)
			break;
	}
	left = running_count(d);
	return left; /* driver_free kills what is left */
}

void
driver_free(struct driver *d)
{
	if (d == NULL)
		return;
	loop_timer_cancel(d->loop, d->reap_timer);
	for (size_t i = 0; i < d->ngraves; i++) {
		detect_free(d->graves[i].det);
		session_free(d->graves[i].s);
	}
	free(d->graves);
	for (size_t i = 0; i < d->n; i++)
		entry_free(d->v[i]);
	free(d->v);
	free(d->workspace);
	free(d->devflow_bin);
	free(d);
}

struct session *
driver_session(struct driver *d, const char *session_id)
{
	struct entry *en = find(d, session_id);

	return en ? en->s : NULL;
}

const char *
driver_session_state(struct driver *d, const char *session_id)
{
	struct entry *en = find(d, session_id);

	if (en == NULL || en->ended || en->state == DETECT_EXITED)
		return NULL;
	return detect_state_name(en->state);
}

void
driver_sessions_list(struct driver *d, struct driver_session_info **out, size_t *n)
{
	struct driver_session_info *v = xcalloc(d->n + 1, sizeof(*v));

	for (size_t i = 0; i < d->n; i++) {
		struct entry *en = d->v[i];

		v[i].id = xstrdup(en->id);
		v[i].run_id = xstrdup(en->run_id);
		v[i].phase_id = xstrdup(en->phase_id);
		v[i].role_id = xstrdup(en->role_id);
		v[i].backend = xstrdup(en->backend);
		v[i].state = en->state;
		v[i].running = en->s && session_running(en->s);
		v[i].hooked = en->hooked;
		v[i].pid = v[i].running ? session_pid(en->s) : 0;
		v[i].exit_status = en->exit_status;
		v[i].resumed = en->resumed ? xstrdup(en->resumed) : NULL;
		v[i].resume_failed = en->resume_failed;
	}
	*out = v;
	*n = d->n;
}

void
driver_sessions_free(struct driver_session_info *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++) {
		free(list[i].id);
		free(list[i].run_id);
		free(list[i].phase_id);
		free(list[i].role_id);
		free(list[i].backend);
		free(list[i].resumed);
	}
	free(list);
}

int
driver_hook_kind_parse(const char *name, enum driver_hook_kind *out)
{
	static const struct {
		const char *name;
		enum driver_hook_kind kind;
	} names[] = {
		{ "idle", DRIVER_HOOK_IDLE },
		{ "busy", DRIVER_HOOK_BUSY },
		{ "needs-input", DRIVER_HOOK_NEEDS_INPUT },
		{ "needs_input", DRIVER_HOOK_NEEDS_INPUT },
	};

	for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].kind;
			return 0;
		}
	return -1;
}

int
driver_hook(struct driver *d, const char *session_id, enum driver_hook_kind kind,
            const char *detail, struct df_error *err)
{
	struct entry *en = find(d, session_id);

	if (en == NULL)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "hook: no session %s",
		                    session_id ? session_id : "(null)");
	if (en->ended)
		return df_error_set(err, DF_FATAL, DF_E_SESSION_FAILED,
		                    "hook: session %s has ended", session_id);
	en->hooked = true;
	if (kind != DRIVER_HOOK_NEEDS_INPUT) {
		en->asking = false;      /* the CLI went on */
		free(en->hook_question); /* whatever it asked is over */
		en->hook_question = NULL;
	}
	switch (kind) {
	case DRIVER_HOOK_IDLE:
		en->state = DETECT_IDLE;
		report_from(en, ENGINE_SESSION_IDLE, ENGINE_FROM_HOOK, NULL, 0);
		break;
	case DRIVER_HOOK_BUSY:
		en->state = DETECT_BUSY;
		report_from(en, ENGINE_SESSION_BUSY, ENGINE_FROM_HOOK, NULL, 0);
		break;
	case DRIVER_HOOK_NEEDS_INPUT:
		en->state = DETECT_NEEDS_INPUT;
		en->asking = true;
		report_needs_input(en, ENGINE_FROM_HOOK, detail);
		break;
	default:
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "hook: unknown kind %d",
		                    (int)kind);
	}
	/* find again: the engine may have reacted (entries are only freed by the reaper). */
	notify(d, en, DRIVER_STATE);
	return 0;
}

void
driver_on_change(struct driver *d, driver_change_cb *cb, void *ctx)
{
	d->cb = cb;
	d->cb_ctx = ctx;
}

/* The question on the session's screen, and its text (*text, freed by the caller). */
static const struct question_def *
question_on_screen(struct entry *en, char **text)
{
	char *tail = screen_tail(en);
	const struct question_def *q = question_find(&en->questions, tail, text);

	free(tail);
	return q;
}

/* "1 Yes, 2 Always, 3 No" into a new string. */
static char *
answers_text(const struct question_def *q)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < q->nanswers; i++)
		buf_printf(&b, "%s%s %s", i ? ", " : "", q->answers[i].key, q->answers[i].label);
	return buf_detach(&b);
}

int
driver_answer(struct driver *d, const char *session_id, const char *choice, const char *actor,
              struct driver_answer *out, struct df_error *err)
{
	struct entry *en = find(d, session_id);
	const struct question_def *q;
	const struct question_answer *a;
	char *text = NULL;

	memset(out, 0, sizeof(*out));
	if (en == NULL)
		return df_error_set(err, DF_FATAL, DF_E_SESSION_NOT_FOUND,
		                    "answer: no session %s in this server", session_id);
	if (en->ended || en->s == NULL || !session_running(en->s))
		return df_error_set(err, DF_HUMAN_REQUIRED, DF_E_SESSION_FAILED,
		                    "answer: session %s has ended; it asks nothing", session_id);
	if (en->state != DETECT_NEEDS_INPUT && !(en->asking && en->state == DETECT_BUSY)) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_RUN_STATE_CHANGED,
		             "answer: session %s is not asking a question now (it is %s)",
		             session_id, detect_state_name(en->state));
		df_error_hint(err, "its question may have been answered already");
		return -1;
	}
	if ((q = question_on_screen(en, &text)) == NULL) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_INVALID_ARGUMENT,
		             "answer: session %s asks a question backend %s declares no answers "
		             "for",
		             session_id, en->backend);
		df_error_hint(err, "attach to answer it: devflow attach %s", session_id);
		return -1;
	}
	if ((a = question_answer(q, choice)) == NULL) {
		char *all = answers_text(q);

		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		             "answer.choice: '%s' is not an answer to \"%s\" (answers: %s)", choice,
		             text, all);
		free(all);
		free(text);
		return -1;
	}
	if (session_send_keys(en->s, a->send, err) != 0) {
		free(text);
		return -1;
	}
	/* Answered: no longer waiting for a person, whatever the screen shows next. */
	en->state = DETECT_BUSY;
	en->asking = false;
	if (en->det != NULL)
		detect_answered(en->det);
	out->choice = a->key;
	out->label = a->label;
	out->question = text;
	if (d->engine && !d->shutting_down)
		engine_session_answered(d->engine, en->id, a->key, a->label, text, actor, NULL);
	notify(d, en, DRIVER_STATE);
	return 0;
}
