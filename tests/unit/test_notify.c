/*
 * The notifier without a server: which events it sends, once per
 * idempotency key, within the rate per run (the end of a run always), the
 * message on stdin and in the environment, and a failing command logged.
 * The commands are real (sh), run by the notifier's workers; the loop is
 * turned until none is pending.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "lib/loop.h"
#include "lib/xalloc.h"
#include "server/notify.h"

static char dir[] = "/tmp/devflow-test-notify.XXXXXX";
static struct buf logged = BUF_INIT;

static void
log_line(void *ctx, const char *line)
{
	(void)ctx;
	buf_printf(&logged, "%s\n", line);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char *cmd = xasprintf("rm -rf %s", dir);
	int rc = system(cmd);

	(void)state;
	free(cmd);
	buf_free(&logged);
	return rc == 0 ? 0 : -1;
}

static void
send(struct notify *n, const char *type, const char *key, const char *run, int64_t now)
{
	struct store_event ev = { .run_id = (char *)run,
		                  .seq = 1,
		                  .type = (char *)type,
		                  .payload = "{\"gateKey\":\"plan_review\"}",
		                  .idempotency_key = (char *)key,
		                  .ts = "2026-01-01T00:00:00.000Z" };

	notify_event(n, &ev, "plan", now);
}

static void
drain(struct loop *loop, struct notify *n)
{
	for (int i = 0; i < 500 && notify_pending(n) > 0; i++)
		assert_true(loop_run_once(loop, 20, NULL) >= 0);
	assert_int_equal(notify_pending(n), 0);
}

static char *
slurp(const char *path)
{
	char *s = buf_file_text(path, 1 << 20);

	return s != NULL ? s : xstrdup("");
}

static void
dedup_rate_and_message(void **state)
{
	struct loop *loop = loop_new(NULL);
	char *out = xasprintf("%s/out", dir), *cmd;
	char *cmds[2];
	struct notify_config cfg = { .commands = cmds, .ncommands = 2, .rate_per_min = 2 };
	struct df_error err;
	struct notify *n;
	char *got;

	(void)state;
	cmd = xasprintf("{ cat; echo \" $DEVFLOW_EVENT $DEVFLOW_RUN $DEVFLOW_PHASE "
	                "$DEVFLOW_GATE\"; } >>%s",
	                out);
	cmds[0] = cmd;
	cmds[1] = "echo oops; exit 7";
	n = notify_new(loop, &cfg, log_line, NULL, &err);
	assert_non_null(n);
	send(n, "approval.requested", "approval.requested:A", "R1", 1000);
	send(n, "approval.requested", "approval.requested:A", "R1", 1001); /* a replay */
	send(n, "session.idle", "session.idle:S:x", "R1", 1002);           /* not a kind sent */
	send(n, "session.needs_input", "session.needs_input:S:q", "R1", 1003);
	send(n, "approval.requested", "approval.requested:B", "R1", 1004); /* over the rate */
	send(n, "approval.requested", "approval.requested:C", "R2", 1005); /* another run */
	send(n, "run.completed", "run.completed:R1", "R1", 1006);          /* the end: always */
	drain(loop, n);
	got = slurp(out);
	assert_non_null(strstr(got, "\"event\":\"approval.requested\",\"runId\":\"R1\",\"phase\":"
	                            "\"plan\",\"gate\":\"plan_review\""));
	assert_non_null(strstr(got, " approval.requested R1 plan plan_review\n"));
	assert_non_null(strstr(got, " session.needs_input R1 plan plan_review\n"));
	assert_non_null(strstr(got, " approval.requested R2 plan plan_review\n"));
	assert_non_null(strstr(got, " run.completed R1 plan plan_review\n"));
	assert_null(strstr(got, "session.idle"));
	/* Four messages: A once, the question, R2's gate, the end; B over the rate. */
	{
		int lines = 0;

		for (const char *p = got; (p = strstr(p, "\n")) != NULL; p++)
			lines++;
		assert_int_equal(lines, 4);
	}
	assert_non_null(strstr(logged.data, "notify: run R1: over 2 messages a minute, "
	                                    "approval.requested not sent"));
	assert_non_null(strstr(logged.data, "notify: `echo oops; exit 7` for run.completed of run "
	                                    "R1 failed (exit 7): oops"));
	/* A minute later the run's rate is new again. */
	send(n, "approval.requested", "approval.requested:D", "R1", 1004 + 60 * 1000);
	drain(loop, n);
	free(got);
	got = slurp(out);
	{
		const char *first = strstr(got, " approval.requested R1 plan");

		assert_non_null(first);
		assert_non_null(strstr(first + 1, " approval.requested R1 plan"));
	}
	notify_free(n);
	loop_free(loop);
	free(got);
	free(cmd);
	free(out);
}

static void
config_errors_name_file_and_line(void **state)
{
	char *path = xasprintf("%s/config", dir);
	FILE *f = fopen(path, "w");
	struct notify_config cfg;
	char **errors = NULL;
	size_t nerrors = 0;

	(void)state;
	assert_non_null(f);
	fputs("# sinks\nset notify-command 'ntfy publish t'\nset notify-timeout 0\n"
	      "set notify-rate 5\nbind x y\nset notify-command\n",
	      f);
	fclose(f);
	assert_int_equal(notify_config_load(&cfg, path, "config", &errors, &nerrors), 3);
	assert_int_equal(cfg.ncommands, 1);
	assert_string_equal(cfg.commands[0], "ntfy publish t");
	assert_int_equal(cfg.rate_per_min, 5);
	assert_int_equal(cfg.timeout_ms, 0);
	assert_int_equal(nerrors, 3);
	assert_string_equal(errors[0],
	                    "config:3: notify-timeout takes seconds from 1 to 600, not '0'");
	assert_string_equal(errors[1], "config:5: unknown command 'bind' (set)");
	assert_non_null(strstr(errors[2], "config:6: expected `set NAME VALUE`"));
	for (size_t i = 0; i < nerrors; i++)
		free(errors[i]);
	free(errors);
	notify_config_clear(&cfg);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dedup_rate_and_message),
		cmocka_unit_test(config_errors_name_file_and_line),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
