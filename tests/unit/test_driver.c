/*
 * The session driver without an engine: a missing program, a session's
 * life (transcript directory, lookup, list, observer, stop with its exit
 * status) and the argv prompt mode's process per instruction, on a real
 * loop with real pseudo-terminals.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "driver.h"
#include "xalloc.h"

struct fx {
	char dir[64];
	struct loop *loop;
	struct driver *d;
	int outputs, states, exits;
};

static const char BACKEND[] =
    "{\"name\":\"t\",\"version\":1,\"argv\":[\"sh\"],\"env\":{},"
    "\"prompt\":{\"mode\":\"paste\"},"
    "\"screen\":{\"ready\":[\"^\\\\$ *$\"],\"busy\":[],\"needsInput\":[],\"trust\":[],"
    "\"lastLines\":4,\"stableMs\":100},\"install\":\"apt-get install t\"}";

static void
on_change(struct driver *d, const char *sid, enum driver_change what, void *ctx)
{
	struct fx *f = ctx;

	(void)d;
	assert_non_null(sid);
	f->outputs += what == DRIVER_OUTPUT;
	f->states += what == DRIVER_STATE;
	f->exits += what == DRIVER_EXITED;
}

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	struct driver_options o = { .grace_ms = 1000, .workspace = "/srv/ws" };

	snprintf(f->dir, sizeof(f->dir), "/tmp/devflow-driver.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->loop = loop_new(NULL);
	f->d = driver_new(f->loop, &o);
	driver_on_change(f->d, on_change, f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	driver_free(f->d);
	loop_free(f->loop);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f);
	return 0;
}

static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct engine_session_spec
spec_for(struct fx *f, const char *id, const char *const *argv, size_t argc, const char *mode,
         char *transcript)
{
	struct engine_session_spec sp;

	memset(&sp, 0, sizeof(sp));
	sp.session_id = id;
	sp.run_id = "run-1";
	sp.phase_id = "ph-1";
	sp.role_id = "planner";
	sp.backend = "t";
	sp.backend_json = BACKEND;
	sp.argv = argv;
	sp.argc = argc;
	sp.prompt_mode = mode;
	sp.cwd = f->dir;
	sp.transcript_path = transcript;
	return sp;
}

static void
test_missing_program(void **state)
{
	struct fx *f = *state;
	static const char *const argv[] = { "devflow-no-such-agent-xyz" };
	char *tr = xasprintf("%s/sessions/s1.raw", f->dir);
	struct engine_session_spec sp = spec_for(f, "s1", argv, 1, "paste", tr);
	struct df_error err;

	assert_int_equal(driver_engine_ops.start(f->d, &sp, &err), -1);
	assert_int_equal(err.code, DF_E_BACKEND_UNAVAILABLE);
	assert_non_null(strstr(err.message, "backend t"));
	assert_non_null(strstr(err.message, "devflow-no-such-agent-xyz"));
	assert_string_equal(err.hint, "apt-get install t");
	assert_null(driver_session(f->d, "s1"));
	assert_int_equal(driver_engine_ops.alive(f->d, "s1"), 0);
	free(tr);
}

static void
test_session_life(void **state)
{
	struct fx *f = *state;
	static const char *const argv[] = {
		"sh", "-c",
		"echo \"id=$DEVFLOW_SESSION_ID run=$DEVFLOW_RUN_ID ws=$DEVFLOW_WORKSPACE\"; "
		"exec sleep 30"
	};
	char *tr = xasprintf("%s/ws/run-1/sessions/s2.raw", f->dir);
	struct engine_session_spec sp = spec_for(f, "s2", argv, 3, "paste", tr);
	struct driver_session_info *si;
	char *text = NULL;
	struct df_error err;
	struct stat sb;
	uint64_t end = wall_ms() + 10000;
	size_t n;

	assert_int_equal(driver_engine_ops.start(f->d, &sp, &err), 0);
	assert_int_equal(stat(tr, &sb), 0); /* the sessions directory was made */
	assert_non_null(driver_session(f->d, "s2"));
	assert_int_equal(driver_engine_ops.alive(f->d, "s2"), 1);
	assert_int_equal(driver_engine_ops.start(f->d, &sp, &err), -1); /* same id twice */
	/* What a hook command needs to reach the server, in the child's environment. */
	while ((text == NULL || strstr(text, "ws=/srv/ws") == NULL) && wall_ms() < end) {
		loop_run_once(f->loop, 50, NULL);
		free(text);
		text = screen_dump_text(session_screen(driver_session(f->d, "s2")));
	}
	assert_non_null(strstr(text, "id=s2 run=run-1 ws=/srv/ws"));
	free(text);
	assert_true(f->outputs > 0);
	driver_sessions_list(f->d, &si, &n);
	assert_int_equal(n, 1);
	assert_string_equal(si[0].id, "s2");
	assert_string_equal(si[0].run_id, "run-1");
	assert_true(si[0].running);
	assert_int_equal(si[0].exit_status, -1);
	driver_sessions_free(si, n);
	driver_engine_ops.stop(f->d, "s2");
	assert_int_equal(driver_engine_ops.alive(f->d, "s2"), 0);
	while (f->exits == 0 && wall_ms() < end)
		loop_run_once(f->loop, 50, NULL);
	assert_int_equal(f->exits, 1);
	driver_sessions_list(f->d, &si, &n);
	assert_int_equal(n, 1); /* kept for its last screen */
	assert_false(si[0].running);
	assert_int_equal(si[0].exit_status, 128 + 15); /* SIGTERM */
	driver_sessions_free(si, n);
	assert_int_equal(driver_engine_ops.send(f->d, "s2", "hi", &err), -1);
	assert_int_equal(err.code, DF_E_SESSION_FAILED);
	assert_int_equal(driver_engine_ops.send(f->d, "nope", "hi", &err), -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	assert_int_equal(driver_hook(f->d, "s2", DRIVER_HOOK_IDLE, NULL, &err), -1);
	assert_int_equal(err.code, DF_E_SESSION_FAILED);
	free(tr);
}

static void
test_argv_mode_one_process_per_instruction(void **state)
{
	struct fx *f = *state;
	static const char *const argv[] = { "sh", "-c", "printf 'said: %s\\n' \"$1\"", "sh",
		                            "{prompt}" };
	char *tr = xasprintf("%s/sessions/s3.raw", f->dir), *tr2, *text;
	struct engine_session_spec sp = spec_for(f, "s3", argv, 5, "argv", tr);
	struct df_error err;
	uint64_t end = wall_ms() + 10000;
	FILE *fp;
	char buf[256] = "";

	assert_int_equal(driver_engine_ops.start(f->d, &sp, &err), 0);
	assert_null(driver_session(f->d, "s3")); /* nothing runs before the first instruction */
	assert_int_equal(driver_engine_ops.alive(f->d, "s3"), 1);
	assert_int_equal(driver_engine_ops.send(f->d, "s3", "first", &err), 0);
	while (f->exits < 1 && wall_ms() < end)
		loop_run_once(f->loop, 50, NULL);
	/* Exit 0 ends the turn, not the session. */
	assert_int_equal(driver_engine_ops.alive(f->d, "s3"), 1);
	assert_int_equal(driver_engine_ops.send(f->d, "s3", "second", &err), 0);
	while (f->exits < 2 && wall_ms() < end)
		loop_run_once(f->loop, 50, NULL);
	assert_int_equal(f->exits, 2);
	fp = fopen(tr, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_non_null(strstr(buf, "said: first"));
	tr2 = xasprintf("%s.2", tr);
	fp = fopen(tr2, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_non_null(strstr(buf, "said: second"));
	text = screen_dump_text(session_screen(driver_session(f->d, "s3")));
	assert_non_null(strstr(text, "said: second"));
	free(text);
	free(tr2);
	free(tr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing_program, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_life, setup, teardown),
		cmocka_unit_test_setup_teardown(test_argv_mode_one_process_per_instruction, setup,
		                                teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
