/* Agent sessions on real pseudo-terminals: spawn, screen, transcript, input, exit, stop. */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/session.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/loop.h"
#include "lib/xalloc.h"

struct watch {
	int outputs;
	int exits;
	char title[64];
	struct session_exit ex;
};

static void
on_output(struct session *s, void *arg)
{
	struct watch *w = arg;

	(void)s;
	w->outputs++;
}

static void
on_title(struct session *s, const char *title, void *arg)
{
	struct watch *w = arg;

	(void)s;
	snprintf(w->title, sizeof w->title, "%s", title);
}

static void
on_exited(struct session *s, const struct session_exit *ex, void *arg)
{
	struct watch *w = arg;

	(void)s;
	w->exits++;
	w->ex = *ex;
}

static const struct session_ops ops = { on_output, on_title, on_exited };

static char tmpdir[64];
/* One loop per test, freed by the teardown even when an assertion fails. */
static struct loop *test_loop;

static int
loop_setup(void **state)
{
	(void)state;
	test_loop = loop_new(NULL);
	return 0;
}

static int
loop_teardown(void **state)
{
	(void)state;
	loop_free(test_loop);
	test_loop = NULL;
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/devflow-session.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static uint64_t
now_ms(void)
{
	return (uint64_t)clock_mono_ms();
}

/* Run the loop until the session exits or ms pass; true when it exited. */
static bool
run_until_exit(struct loop *loop, struct watch *w, unsigned ms)
{
	uint64_t end = now_ms() + ms;

	while (w->exits == 0 && now_ms() < end)
		assert_true(loop_run_once(loop, 100, NULL) >= 0);
	return w->exits > 0;
}

/* Run until the screen shows needle or ms pass. */
static bool
run_until_text(struct loop *loop, struct session *s, const char *needle, unsigned ms)
{
	uint64_t end = now_ms() + ms;

	for (;;) {
		char *d = screen_dump_text(session_screen(s));
		bool found = strstr(d, needle) != NULL;
		free(d);
		if (found)
			return true;
		if (now_ms() >= end)
			return false;
		assert_true(loop_run_once(loop, 50, NULL) >= 0);
	}
}

static char *
slurp(const char *path, size_t *len)
{
	struct buf b = BUF_INIT;

	assert_int_equal(buf_read_file(&b, path, 0), 0);
	if (len != NULL)
		*len = b.len;
	return buf_detach(&b);
}

static struct session *
spawn(struct loop *loop, struct watch *w, const char *script, const char *transcript)
{
	const char *argv[] = { "sh", "-c", script, NULL };
	struct session_config cfg = { .argv = argv, .rows = 10, .cols = 40 };
	struct df_error err;

	cfg.transcript_path = transcript;
	cfg.grace_ms = 300;
	struct session *s = session_spawn(loop, &cfg, &ops, w, &err);
	if (s == NULL)
		fail_msg("spawn: %s", err.message);
	return s;
}

static void
test_printf_screen_transcript_exit(void **state)
{
	struct loop *loop = test_loop;
	struct watch w = { 0 };
	char path[128];

	(void)state;
	snprintf(path, sizeof path, "%s/a.raw", tmpdir);
	struct session *s =
	    spawn(loop, &w, "printf '\\033]2;T1\\007hello \\033[31mred\\033[0m\\n'; exit 3", path);
	assert_true(session_running(s));
	assert_null(session_exit_status(s));
	assert_true(run_until_exit(loop, &w, 5000));
	assert_int_equal(w.exits, 1);
	assert_false(w.ex.signaled);
	assert_int_equal(w.ex.code, 3);
	assert_string_equal(w.ex.reason, "exited with status 3");
	assert_true(w.outputs > 0);
	assert_string_equal(w.title, "T1");
	assert_non_null(session_exit_status(s));
	char *row = screen_row_text(session_screen(s), 0);
	assert_string_equal(row, "hello red");
	free(row);
	struct screen_cell c;
	screen_cell(session_screen(s), 0, 6, &c);
	assert_int_equal(c.attrs.fg.index, 1);
	size_t len;
	char *raw = slurp(path, &len);
	assert_string_equal(raw, "\033]2;T1\007hello \033[31mred\033[0m\r\n");
	assert_int_equal(session_transcript_bytes(s), len);
	free(raw);
	struct df_error err;
	assert_int_equal(session_write(s, "x", 1, &err), -1);
	assert_int_equal(err.code, DF_E_SESSION_FAILED);
	session_free(s);
}

static void
test_exec_failure_reported(void **state)
{
	struct loop *loop = test_loop;
	const char *argv[] = { "devflow-no-such-program", "x", NULL };
	struct session_config cfg = { .argv = argv };
	struct df_error err;

	(void)state;
	assert_null(session_spawn(loop, &cfg, &ops, NULL, &err));
	assert_int_equal(err.code, DF_E_SESSION_FAILED);
	assert_non_null(strstr(err.message, "devflow-no-such-program"));
	assert_non_null(strstr(err.message, "No such file or directory"));
	assert_non_null(strstr(err.hint, "status 127"));

	const char *argv2[] = { "true", NULL };
	cfg.argv = argv2;
	cfg.cwd = "/nonexistent/devflow";
	assert_null(session_spawn(loop, &cfg, &ops, NULL, &err));
	assert_non_null(strstr(err.message, "working directory"));
	assert_non_null(strstr(err.hint, "/nonexistent/devflow"));

	cfg.cwd = NULL;
	cfg.transcript_path = "/nonexistent/devflow/x.raw";
	assert_null(session_spawn(loop, &cfg, &ops, NULL, &err));
	assert_non_null(strstr(err.message, "transcript"));

	const char *empty[] = { NULL };
	cfg.argv = empty;
	assert_null(session_spawn(loop, &cfg, &ops, NULL, &err));
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
}

static void
test_environment_and_cwd(void **state)
{
	struct loop *loop = test_loop;
	struct watch w = { 0 };
	const char *argv[] = { "sh", "-c",
		               "echo \"$TERM|${GIT_DIR-u}|${GIT_WORK_TREE-u}|${LINES-u}|"
		               "${COLUMNS-u}|$FOO|$KEEP|${DROPME-u}|$(pwd)\"; "
		               "ign=$(sed -n 's/^SigIgn:\\t*//p' /proc/$$/status); "
		               "blk=$(sed -n 's/^SigBlk:\\t*//p' /proc/$$/status); "
		               "echo \"int=$((0x$ign & 0x2)) usr1=$((0x$blk & 0x200))\"; exit 0",
		               NULL };
	/* A name without "=" removes that variable. */
	const char *env[] = { "FOO=bar", "DROPME", NULL };
	struct session_config cfg = { .argv = argv, .rows = 5, .cols = 80, .env = env };
	struct df_error err;

	(void)state;
	cfg.cwd = tmpdir;
	setenv("GIT_DIR", "/repo/.git", 1);
	setenv("GIT_WORK_TREE", "/repo", 1);
	setenv("LINES", "99", 1);
	setenv("COLUMNS", "99", 1);
	setenv("KEEP", "kept", 1);
	setenv("DROPME", "inherited", 1);
	setenv("TERM", "dumb", 1);
	/* An ignored signal in the parent must not be inherited. */
	sigset_t usr1, old;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	signal(SIGINT, SIG_IGN);
	struct session *s = session_spawn(loop, &cfg, &ops, &w, &err);
	signal(SIGINT, SIG_DFL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	unsetenv("LINES");
	unsetenv("COLUMNS");
	unsetenv("DROPME");
	assert_non_null(s);
	assert_true(run_until_exit(loop, &w, 5000));
	char *row = screen_row_text(session_screen(s), 0);
	char want[256];
	snprintf(want, sizeof want, "xterm-256color|u|u|u|u|bar|kept|u|%s", tmpdir);
	assert_string_equal(row, want);
	free(row);
	/* Nothing ignored or blocked, whatever the parent had. */
	/* (glibc's internal signals 32 and 33 cannot be reset and are left alone.) */
	row = screen_row_text(session_screen(s), 1);
	assert_string_equal(row, "int=0 usr1=0");
	free(row);
	session_free(s);
}

static void
test_input_keys_paste_resize(void **state)
{
	struct loop *loop = test_loop;
	struct watch w = { 0 };
	struct df_error err;

	(void)state;
	struct session *s = spawn(loop, &w,
	                          "stty -echo; echo ready; read a; echo \"a=$a\"; read b; "
	                          "echo \"b=$b\"; stty size",
	                          NULL);
	assert_true(run_until_text(loop, s, "ready", 5000));
	assert_int_equal(session_send_keys(s, "one Space two Enter", &err), 0);
	assert_true(run_until_text(loop, s, "a=one two", 5000));
	session_resize(s, 12, 33);
	assert_int_equal(session_paste(s, "p\x1bq\n", 4, &err), 0);
	assert_true(run_until_text(loop, s, "b=pq", 5000));
	assert_true(run_until_exit(loop, &w, 5000));
	char *d = screen_dump_text(session_screen(s));
	assert_non_null(strstr(d, "12 33"));
	free(d);
	assert_int_equal(w.ex.code, 0);
	session_free(s);
}

static void
test_device_attributes_query_answered(void **state)
{
	struct loop *loop = test_loop;
	struct watch w = { 0 };

	(void)state;
	/* A program that asks the terminal and waits for the answer. */
	struct session *s = spawn(loop, &w,
	                          "stty raw -echo; printf '\\033[c'; "
	                          "r=$(dd bs=1 count=3 2>/dev/null | od -An -c | tr -d ' '); "
	                          "stty sane; echo; echo \"reply=$r\"",
	                          NULL);
	assert_true(run_until_exit(loop, &w, 5000));
	char *d = screen_dump_text(session_screen(s));
	assert_non_null(strstr(d, "reply=033[?"));
	free(d);
	session_free(s);
}

static void
test_invalid_utf8_and_broken_escapes(void **state)
{
	struct loop *loop = test_loop;
	struct watch w = { 0 };

	(void)state;
	struct session *s = spawn(loop, &w,
	                          "printf '\\377\\376\\303(\\033[;;;;;;;;9999999m\\033]0;x"
	                          "\\033P\\233\\033[?\\033\\\\\\n\\033[0mok\\n'",
	                          NULL);
	assert_true(run_until_exit(loop, &w, 5000));
	assert_int_equal(w.ex.code, 0);
	char *d = screen_dump_text(session_screen(s));
	assert_non_null(strstr(d, "ok"));
	free(d);
	session_free(s);
}

static void
test_terminal_closed_early(void **state)
{
	struct loop *loop = test_loop;
	struct watch w = { 0 };

	(void)state;
	struct session *s = spawn(loop, &w, "echo bye; exec >&- 2>&- <&-; sleep 0.3; exit 5", NULL);
	assert_true(run_until_exit(loop, &w, 5000));
	assert_int_equal(w.ex.code, 5);
	assert_true(run_until_text(loop, s, "bye", 0));
	struct df_error err;
	assert_int_equal(session_key(s, "Enter", 0, &err), -1);
	session_free(s);
}

static void
test_stop_term_then_kill(void **state)
{
	struct loop *loop = test_loop;
	struct watch w = { 0 };

	(void)state;
	struct session *s = spawn(loop, &w, "echo up; exec sleep 100", NULL);
	assert_true(run_until_text(loop, s, "up", 5000));
	session_stop(s);
	session_stop(s);
	assert_true(run_until_exit(loop, &w, 5000));
	assert_true(w.ex.signaled);
	assert_int_equal(w.ex.signo, SIGTERM);
	assert_false(w.ex.killed);
	session_free(s);

	/* A program that ignores SIGTERM is killed after the grace period. */
	memset(&w, 0, sizeof w);
	char path[128];
	snprintf(path, sizeof path, "%s/stubborn.raw", tmpdir);
	s = spawn(loop, &w, "trap '' TERM; echo stubborn; while :; do sleep 1; done", path);
	assert_true(run_until_text(loop, s, "stubborn", 5000));
	uint64_t t0 = now_ms();
	session_stop(s);
	assert_true(run_until_exit(loop, &w, 5000));
	assert_true(now_ms() - t0 >= 290);
	assert_true(w.ex.signaled);
	assert_int_equal(w.ex.signo, SIGKILL);
	assert_true(w.ex.killed);
	assert_non_null(strstr(w.ex.reason, "after the grace period"));
	char *raw = slurp(path, NULL);
	assert_string_equal(raw, "stubborn\r\n");
	free(raw);
	session_free(s);

	/* Freeing a running session kills and reaps it without a callback. */
	memset(&w, 0, sizeof w);
	s = spawn(loop, &w, "exec sleep 100", NULL);
	pid_t pid = session_pid(s);
	session_free(s);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(w.exits, 0);
}

struct ticker {
	struct loop *loop;
	int ticks;
};

static void
tick(struct loop *loop, void *arg)
{
	struct ticker *t = arg;

	t->ticks++;
	loop_timer_add(loop, 5, tick, t);
}

static void
test_flood_does_not_starve_the_loop(void **state)
{
	struct loop *loop = test_loop;
	struct watch w = { 0 }, w2 = { 0 };
	struct ticker t = { loop, 0 };
	char path[128];

	(void)state;
	snprintf(path, sizeof path, "%s/flood.raw", tmpdir);
	/* 16 MB by default (seconds on a loaded CI machine); DEVFLOW_TEST_FLOOD_BYTES (even)
	 * changes it. */
	const char *env = getenv("DEVFLOW_TEST_FLOOD_BYTES");
	long long bytes = env != NULL ? atoll(env) : 16000000LL;
	char script[128];
	snprintf(script, sizeof script, "yes | head -c %lld; echo; echo done", bytes);
	struct session *s = spawn(loop, &w, script, path);
	/* A second, quiet session must get its turn while the first floods. */
	struct session *q = spawn(loop, &w2, "sleep 0.2; echo quiet", NULL);
	loop_timer_add(loop, 5, tick, &t);
	assert_true(run_until_exit(loop, &w2, 60000));
	int ticks_at_quiet = t.ticks;
	assert_false(w.exits); /* the flood is still going */
	assert_true(run_until_exit(loop, &w, 60000));
	assert_int_equal(w.ex.code, 0);
	assert_true(ticks_at_quiet > 0);
	char *d = screen_dump_text(session_screen(s));
	assert_non_null(strstr(d, "done"));
	free(d);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	/* 50 MB of "y\n", each newline sent as CR LF by the terminal, plus "\r\ndone\r\n". */
	assert_int_equal((long long)st.st_size, bytes + bytes / 2 + 8);
	assert_int_equal(session_transcript_bytes(s), (size_t)st.st_size);
	if (bytes >= 20000)
		assert_int_equal(screen_scrollback_count(session_screen(s)), 10000);
	session_free(s);
	session_free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_printf_screen_transcript_exit, loop_setup,
		                                loop_teardown),
		cmocka_unit_test_setup_teardown(test_exec_failure_reported, loop_setup,
		                                loop_teardown),
		cmocka_unit_test_setup_teardown(test_environment_and_cwd, loop_setup,
		                                loop_teardown),
		cmocka_unit_test_setup_teardown(test_input_keys_paste_resize, loop_setup,
		                                loop_teardown),
		cmocka_unit_test_setup_teardown(test_device_attributes_query_answered, loop_setup,
		                                loop_teardown),
		cmocka_unit_test_setup_teardown(test_invalid_utf8_and_broken_escapes, loop_setup,
		                                loop_teardown),
		cmocka_unit_test_setup_teardown(test_terminal_closed_early, loop_setup,
		                                loop_teardown),
		cmocka_unit_test_setup_teardown(test_stop_term_then_kill, loop_setup,
		                                loop_teardown),
		cmocka_unit_test_setup_teardown(test_flood_does_not_starve_the_loop, loop_setup,
		                                loop_teardown),
	};
	return cmocka_run_group_tests_name("session", tests, setup, teardown);
}
