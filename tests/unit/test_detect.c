/* Agent state detection and prompt delivery, on a real screen model and a fake clock. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/detect.h"
#include "agent/screen.h"
#include "lib/buf.h"
#include "lib/loop.h"

static uint64_t fake_now;

static uint64_t
fake_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

static const struct loop_clock fake = { fake_clock, NULL };

/* The fixture: a fake agent is a screen the test writes to. */
struct fx {
	struct loop *loop;
	struct screen *screen;
	struct detect *d;
	struct buf sent; /* bytes the detector sent to the agent */
	char states[256];
	char matched[128];
	int prompts;
	enum detect_prompt_result result;
	bool retried;
	int dialogs;
	const char *prompt_on_idle;
};

static void
fx_output(const char *bytes, size_t len, void *arg)
{
	struct fx *f = arg;

	buf_append(&f->sent, bytes, len);
}

static char *
io_text(void *arg)
{
	struct fx *f = arg;

	return screen_dump_text(f->screen);
}

static int
io_keys(void *arg, const char *keys)
{
	struct fx *f = arg;

	return screen_send_keys(f->screen, keys, NULL);
}

static int
io_paste(void *arg, const char *text)
{
	struct fx *f = arg;

	screen_paste(f->screen, text, strlen(text));
	return 0;
}

static void
io_state(void *arg, enum detect_state st, const char *matched)
{
	struct fx *f = arg;

	if (f->states[0])
		strcat(f->states, " ");
	strcat(f->states, detect_state_name(st));
	snprintf(f->matched, sizeof f->matched, "%s", matched ? matched : "");
	if (st == DETECT_IDLE && f->prompt_on_idle != NULL) {
		const char *p = f->prompt_on_idle;
		f->prompt_on_idle = NULL;
		assert_int_equal(detect_send_prompt(f->d, p, NULL), 0);
	}
}

static void
io_prompt(void *arg, enum detect_prompt_result r, bool retried)
{
	struct fx *f = arg;

	f->prompts++;
	f->result = r;
	f->retried = retried;
}

static void
io_dialog(void *arg, size_t index)
{
	struct fx *f = arg;

	(void)index;
	f->dialogs++;
}

static const struct detect_io io = { io_text, io_keys, io_paste, io_state, io_prompt, io_dialog };

static const char *const ready[] = { "^> *$", "^\\? for shortcuts" };
static const char *const busy[] = { "esc to interrupt" };
static const char *const needs[] = { "\\(y/n\\)", "Do you want to proceed\\?" };
static const struct detect_dialog trust[] = { { "Do you trust the files", "Down Enter" } };

static struct fx *
fx_new(unsigned last_lines)
{
	struct fx *f = calloc(1, sizeof *f);
	struct detect_config cfg = {
		.ready = ready,
		.n_ready = 2,
		.busy = busy,
		.n_busy = 1,
		.needs_input = needs,
		.n_needs_input = 2,
		.trust = trust,
		.n_trust = 1,
		.last_lines = last_lines,
		.stable_ms = 1500,
		.quiet_ms = 500,
		.submit_delay_ms = 300,
		.verify_delay_ms = 200,
	};
	struct df_error err;

	fake_now = 10000;
	f->loop = loop_new(&fake);
	f->screen = screen_new(10, 40, 100, fx_output, f);
	f->d = detect_new(f->loop, &cfg, &io, f, &err);
	if (f->d == NULL)
		fail_msg("detect_new: %s", err.message);
	return f;
}

static void
fx_free(struct fx *f)
{
	detect_free(f->d);
	screen_free(f->screen);
	loop_free(f->loop);
	buf_free(&f->sent);
	free(f);
}

/* The agent prints. */
static void
agent(struct fx *f, const char *bytes)
{
	screen_feed(f->screen, bytes, strlen(bytes));
	screen_flush(f->screen);
	detect_screen_changed(f->d);
}

static void
advance(struct fx *f, uint64_t ms)
{
	fake_now += ms;
	while (loop_next_timeout(f->loop) == 0)
		loop_run_once(f->loop, 0, NULL);
}

static void
test_idle_only_after_stable_and_ready(void **state)
{
	struct fx *f = fx_new(4);

	(void)state;
	assert_int_equal(detect_state(f->d), DETECT_STARTING);
	agent(f, "Welcome\r\n\r\n> ");
	assert_string_equal(f->states, "busy");
	advance(f, 1499);
	assert_int_equal(detect_state(f->d), DETECT_BUSY);
	/* A change restarts the wait. */
	agent(f, "\r\x1b[K> ");
	advance(f, 1499);
	assert_int_equal(detect_state(f->d), DETECT_BUSY);
	advance(f, 1);
	assert_int_equal(detect_state(f->d), DETECT_IDLE);
	assert_string_equal(f->matched, "^> *$");
	assert_string_equal(f->states, "busy idle");
	/* Any change ends idle. */
	agent(f, "x");
	assert_int_equal(detect_state(f->d), DETECT_BUSY);
	fx_free(f);
}

static void
test_quiet_screen_without_ready_stays_busy(void **state)
{
	struct fx *f = fx_new(4);

	(void)state;
	agent(f, "compiling...");
	advance(f, 10000);
	assert_int_equal(detect_state(f->d), DETECT_BUSY);
	fx_free(f);
}

static void
test_only_last_lines_count(void **state)
{
	struct fx *f = fx_new(3);

	(void)state;
	/* The ready prompt scrolled up past the last 3 non-empty lines: stale. */
	agent(f, "> \r\none\r\n\r\ntwo\r\nthree\r\nfour\r\n");
	advance(f, 2000);
	assert_int_equal(detect_state(f->d), DETECT_BUSY);
	/* Blank lines do not push it out of the window. */
	agent(f, "\x1b[2J\x1b[H> \r\nhint\r\n\r\n\r\n\r\nmore");
	advance(f, 2000);
	assert_int_equal(detect_state(f->d), DETECT_IDLE);
	fx_free(f);
}

static void
test_busy_marker_vetoes_idle(void **state)
{
	struct fx *f = fx_new(4);

	(void)state;
	agent(f, "Thinking (esc to interrupt)\r\n> ");
	advance(f, 5000);
	assert_int_equal(detect_state(f->d), DETECT_BUSY);
	agent(f, "\x1b[2J\x1b[Hdone\r\n? for shortcuts");
	advance(f, 1500);
	assert_int_equal(detect_state(f->d), DETECT_IDLE);
	assert_string_equal(f->matched, "^\\? for shortcuts");
	fx_free(f);
}

/*
 * An answer from the queue: busy at once without a state callback (the
 * driver reports the answer); a question still on screen after stable_ms
 * (the agent did not take the keys) is reported again, and one asked anew
 * after output is reported as any question.
 */
static void
test_answered_question_comes_back(void **state)
{
	struct fx *f = fx_new(4);

	(void)state;
	agent(f, "Run rm -rf build? (y/n) ");
	advance(f, 500);
	assert_int_equal(detect_state(f->d), DETECT_NEEDS_INPUT);
	detect_answered(f->d);
	assert_int_equal(detect_state(f->d), DETECT_BUSY);
	assert_string_equal(f->states, "busy needs_input");
	advance(f, 1499);
	assert_int_equal(detect_state(f->d), DETECT_BUSY);
	advance(f, 1);
	assert_int_equal(detect_state(f->d), DETECT_NEEDS_INPUT);
	assert_string_equal(f->states, "busy needs_input needs_input");
	/* Answered, taken, and asked again. */
	detect_answered(f->d);
	agent(f, "y\r\nRun make test? (y/n) ");
	advance(f, 500);
	assert_int_equal(detect_state(f->d), DETECT_NEEDS_INPUT);
	assert_string_equal(f->states, "busy needs_input needs_input needs_input");
	fx_free(f);
}

static void
test_needs_input_after_output_quiets(void **state)
{
	struct fx *f = fx_new(4);

	(void)state;
	agent(f, "Run rm -rf build? (y/n) ");
	advance(f, 499);
	assert_int_equal(detect_state(f->d), DETECT_BUSY);
	advance(f, 1);
	assert_int_equal(detect_state(f->d), DETECT_NEEDS_INPUT);
	assert_string_equal(f->matched, "\\(y/n\\)");
	/* A person answers; the agent works again. */
	agent(f, "y\r\nremoving\r\n");
	assert_int_equal(detect_state(f->d), DETECT_BUSY);
	assert_string_equal(f->states, "busy needs_input busy");
	fx_free(f);
}

static void
test_trust_dialog_answered_once_per_appearance(void **state)
{
	struct fx *f = fx_new(4);

	(void)state;
	agent(f, "Do you trust the files in this folder?\r\n 1. Yes\r\n 2. No");
	advance(f, 500);
	assert_string_equal(f->sent.data, "\x1b[B\r");
	assert_int_equal(f->dialogs, 1);
	/* The dialog stays up (the keys did nothing): not answered again. */
	advance(f, 5000);
	assert_int_equal(f->dialogs, 1);
	assert_int_equal(detect_state(f->d), DETECT_BUSY);
	/* It goes away, then comes back: answered again. */
	agent(f, "\x1b[2J\x1b[Hloading");
	advance(f, 600);
	agent(f, "\x1b[2J\x1b[HDo you trust the files in this folder?");
	advance(f, 600);
	assert_int_equal(f->dialogs, 2);
	assert_string_equal(f->sent.data, "\x1b[B\r\x1b[B\r");
	fx_free(f);
}

static void
make_idle(struct fx *f)
{
	agent(f, "\x1b[?2004h> ");
	advance(f, 1500);
	assert_int_equal(detect_state(f->d), DETECT_IDLE);
	buf_reset(&f->sent);
}

static void
test_prompt_paste_enter_verify(void **state)
{
	struct fx *f = fx_new(4);
	struct df_error err;

	(void)state;
	make_idle(f);
	assert_int_equal(detect_send_prompt(f->d, "fix the bug\nplease", &err), 0);
	assert_int_equal(detect_send_prompt(f->d, "again", &err), -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	/* Bracketed paste, newline as CR, and no Enter yet. */
	assert_string_equal(f->sent.data, "\x1b[200~fix the bug\rplease\x1b[201~");
	agent(f, "fix the bug please");
	advance(f, 299);
	assert_string_equal(f->sent.data, "\x1b[200~fix the bug\rplease\x1b[201~");
	advance(f, 1);
	assert_string_equal(f->sent.data, "\x1b[200~fix the bug\rplease\x1b[201~\r");
	/* The agent took it: the input line is clear. */
	agent(f, "\x1b[2J\x1b[HWorking (esc to interrupt)");
	advance(f, 200);
	assert_int_equal(f->prompts, 1);
	assert_int_equal(f->result, DETECT_PROMPT_SUBMITTED);
	assert_false(f->retried);
	assert_string_equal(f->sent.data, "\x1b[200~fix the bug\rplease\x1b[201~\r");
	fx_free(f);
}

static void
test_prompt_enter_retried_once(void **state)
{
	struct fx *f = fx_new(4);

	(void)state;
	make_idle(f);
	assert_int_equal(detect_send_prompt(f->d, "  hello world", NULL), 0);
	agent(f, "hello world");
	advance(f, 300);
	/* Enter lost: the text is still on the input line, so Enter once more. */
	advance(f, 200);
	assert_int_equal(f->prompts, 0);
	assert_string_equal(f->sent.data, "\x1b[200~  hello world\x1b[201~\r\r");
	agent(f, "\x1b[2J\x1b[Hthinking");
	advance(f, 200);
	assert_int_equal(f->prompts, 1);
	assert_int_equal(f->result, DETECT_PROMPT_SUBMITTED);
	assert_true(f->retried);

	/* Still there after the retry: no third Enter, reported unconfirmed. */
	agent(f, "\x1b[2J\x1b[H> ");
	advance(f, 1500);
	buf_reset(&f->sent);
	assert_int_equal(detect_send_prompt(f->d, "stuck text", NULL), 0);
	agent(f, "stuck text");
	advance(f, 300);
	advance(f, 200);
	advance(f, 200);
	assert_int_equal(f->prompts, 2);
	assert_int_equal(f->result, DETECT_PROMPT_UNCONFIRMED);
	assert_true(f->retried);
	assert_string_equal(f->sent.data, "\x1b[200~stuck text\x1b[201~\r\r");
	advance(f, 5000);
	assert_string_equal(f->sent.data, "\x1b[200~stuck text\x1b[201~\r\r");
	fx_free(f);
}

static void
test_prompt_waits_for_idle(void **state)
{
	struct fx *f = fx_new(4);

	(void)state;
	agent(f, "starting up");
	assert_int_equal(detect_send_prompt(f->d, "go", NULL), 0);
	advance(f, 3000);
	assert_int_equal(f->sent.len, 0);
	agent(f, "\r\n> ");
	advance(f, 1500);
	assert_string_equal(f->sent.data, "go"); /* no bracketed paste asked for */
	fx_free(f);

	/* A prompt sent from the idle callback itself goes out at once. */
	f = fx_new(4);
	f->prompt_on_idle = "from callback";
	agent(f, "> ");
	advance(f, 1500);
	assert_string_equal(f->sent.data, "from callback");
	fx_free(f);
}

static void
test_exit_fails_pending_prompt(void **state)
{
	struct fx *f = fx_new(4);
	struct df_error err;

	(void)state;
	agent(f, "booting");
	assert_int_equal(detect_send_prompt(f->d, "go", NULL), 0);
	detect_exited(f->d);
	assert_int_equal(detect_state(f->d), DETECT_EXITED);
	assert_int_equal(f->prompts, 1);
	assert_int_equal(f->result, DETECT_PROMPT_FAILED);
	assert_int_equal(detect_send_prompt(f->d, "go", &err), -1);
	assert_int_equal(err.code, DF_E_SESSION_FAILED);
	agent(f, "late output");
	advance(f, 5000);
	assert_int_equal(detect_state(f->d), DETECT_EXITED);
	assert_string_equal(f->states, "busy exited");
	fx_free(f);
}

static void
test_config_errors_name_the_field(void **state)
{
	struct loop *loop = loop_new(&fake);
	const char *const bad[] = { "ok", "(unclosed" };
	struct detect_config cfg = {
		.ready = ready, .n_ready = 1, .needs_input = bad, .n_needs_input = 2
	};
	struct df_error err;

	(void)state;
	assert_null(detect_new(loop, &cfg, &io, NULL, &err));
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	assert_non_null(strstr(err.message, "needs_input[1]"));
	assert_non_null(strstr(err.message, "(unclosed"));

	const struct detect_dialog badkeys[] = { { "x", "Enter" }, { "y", "C-Enterr" } };
	cfg.n_needs_input = 1;
	cfg.trust = badkeys;
	cfg.n_trust = 2;
	assert_null(detect_new(loop, &cfg, &io, NULL, &err));
	assert_non_null(strstr(err.message, "trust[1].keys"));
	const struct detect_dialog nokeys[] = { { "x", "" } };
	cfg.trust = nokeys;
	cfg.n_trust = 1;
	assert_null(detect_new(loop, &cfg, &io, NULL, &err));
	assert_non_null(strstr(err.message, "trust[0].keys"));
	const struct detect_dialog badre[] = { { "[", "Enter" } };
	cfg.trust = badre;
	assert_null(detect_new(loop, &cfg, &io, NULL, &err));
	assert_non_null(strstr(err.message, "trust[0]"));
	loop_free(loop);
}

static void
test_last_lines(void **state)
{
	char *s;

	(void)state;
	s = detect_last_lines("a\n\nb  \n   \nc\nd\n\n\n", 3);
	assert_string_equal(s, "b\nc\nd");
	free(s);
	s = detect_last_lines("a\nb", 5);
	assert_string_equal(s, "a\nb");
	free(s);
	s = detect_last_lines("\n\n", 2);
	assert_string_equal(s, "");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_only_after_stable_and_ready),
		cmocka_unit_test(test_quiet_screen_without_ready_stays_busy),
		cmocka_unit_test(test_only_last_lines_count),
		cmocka_unit_test(test_busy_marker_vetoes_idle),
		cmocka_unit_test(test_needs_input_after_output_quiets),
		cmocka_unit_test(test_answered_question_comes_back),
		cmocka_unit_test(test_trust_dialog_answered_once_per_appearance),
		cmocka_unit_test(test_prompt_paste_enter_verify),
		cmocka_unit_test(test_prompt_enter_retried_once),
		cmocka_unit_test(test_prompt_waits_for_idle),
		cmocka_unit_test(test_exit_fails_pending_prompt),
		cmocka_unit_test(test_config_errors_name_the_field),
		cmocka_unit_test(test_last_lines),
	};
	return cmocka_run_group_tests_name("detect", tests, NULL, NULL);
}
