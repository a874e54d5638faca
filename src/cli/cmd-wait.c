/*
 * `devflow wait RUN [--until gate|end] [--timeout S]`: block until the run
 * needs a person (a gate waits for a decision, or an agent asks a
 * question) or ends, for scripts and CI. It subscribes to the run's events
 * first, then reads the run's status once (so nothing falls between the
 * two), then sleeps in poll() on the socket until an event decides: no
 * polling loop. With --until end only the run's end counts.
 *
 * Exit codes: 0 the run completed; 3 it needs a person (--until gate);
 * 4 it failed; 5 it was aborted; 124 the timeout passed first (as
 * timeout(1)); 1 an error (an unknown run, the server gone), 2 usage.
 */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/json.h"
#include "cli.h"
#include "verb.h"

#define WAIT_NEEDS_PERSON 3
#define WAIT_FAILED 4
#define WAIT_ABORTED 5
#define WAIT_TIMEOUT 124

static int cmd_wait_exec(struct cli_ctx *ctx, int argc, char **argv);

static const struct args_opt wait_opts[] = {
	{ .name = "until",
	  .kind = ARGS_VALUE,
	  .arg = "gate|end",
	  .help = "gate (the default): until it needs a person or ends; end: until it ends" },
	{ .name = "timeout",
	  .kind = ARGS_VALUE,
	  .arg = "SECONDS",
	  .help = "give up after SECONDS (exit 124), 1 to 604800" },
	{ 0 },
};

const struct cmd_entry cmd_wait_entry = {
	.name = "wait",
	.opts = wait_opts,
	.args = cli_run_arg,
	.summary = "wait until a run needs a person or ends (the exit status says which)",
	.exec = cmd_wait_exec,
};

/* The outcome a run state or event type means, or -1 when it decides nothing yet. */
static int
outcome_of(const char *what, int until_end)
{
	if (strcmp(what, "completed") == 0 || strcmp(what, "run.completed") == 0)
		return CLI_OK;
	if (strcmp(what, "failed") == 0 || strcmp(what, "run.failed") == 0)
		return WAIT_FAILED;
	if (strcmp(what, "aborted") == 0 || strcmp(what, "run.aborted") == 0)
		return WAIT_ABORTED;
	if (!until_end &&
	    (strcmp(what, "awaiting_approval") == 0 || strcmp(what, "approval.requested") == 0 ||
	     strcmp(what, "NEEDS_INPUT") == 0 || strcmp(what, "session.needs_input") == 0))
		return WAIT_NEEDS_PERSON;
	return -1;
}

/* The outcome of the run as it is now (its state, or a session asking), or -1. */
static int
outcome_now(struct client *c, const char *run, int until_end, char run_id[64], char *why,
            size_t whylen, struct df_error *err)
{
	cJSON *args = cJSON_CreateObject(), *res = NULL;
	struct result_status st;
	int out;

	cJSON_AddStringToObject(args, "run", run);
	if (client_call(c, "status", args, &res, err) != 0 ||
	    result_status_parse(res, &st, err) != 0) {
		cJSON_Delete(args);
		cJSON_Delete(res);
		return -2;
	}
	cJSON_Delete(args);
	snprintf(run_id, 64, "%s", st.run.id);
	snprintf(why, whylen, "%s", st.run.state);
	out = outcome_of(st.run.state, until_end);
	for (size_t i = 0; i < st.nsessions && out < 0; i++)
		if ((out = outcome_of(st.sessions[i].state, until_end)) >= 0)
			snprintf(why, whylen, "an agent asks a question (session %s)",
			         st.sessions[i].id);
	result_status_free(&st);
	cJSON_Delete(res);
	return out;
}

/* Sleep on the socket until an event decides or the deadline (ms, 0: none) passes. */
static int
outcome_next(struct client *c, int until_end, int64_t deadline, char *why, size_t whylen,
             struct df_error *err)
{
	for (;;) {
		struct proto_msg m;
		struct pollfd p = { client_fd(c), client_poll_events(c), 0 };
		int left = -1, r;

		while (client_pop(c, &m) == 1) {
			const cJSON *e = cJSON_GetObjectItemCaseSensitive(m.json, "event");
			const char *type = json_str(e, "type", "");
			int out = m.kind == PROTO_MSG_EVENT ? outcome_of(type, until_end) : -1;

			if (out >= 0)
				snprintf(why, whylen, "%s", type);
			proto_msg_clear(&m);
			if (out >= 0)
				return out;
		}
		if (deadline > 0) {
			int64_t now = clock_mono_ms();

			if (now >= deadline)
				return WAIT_TIMEOUT;
			left = (int)(deadline - now);
		}
		r = poll(&p, 1, left);
		if (r > 0 && client_handle(c, p.revents, err) != 0)
			return -2;
	}
}

/* The options' values: --until and --timeout, checked. CLI_OK, or a usage error's code. */
static int
wait_args(struct cli_ctx *ctx, int *until_end, long long *timeout_s)
{
	const char *u = args_get(ctx->args, "until"), *t = args_get(ctx->args, "timeout");

	if (u != NULL && strcmp(u, "gate") != 0 && strcmp(u, "end") != 0)
		return cli_usage(ctx, &cmd_wait_entry, "--until takes gate or end, not '%s'", u);
	*until_end = u != NULL && strcmp(u, "end") == 0;
	if (t != NULL && (cli_parse_count(t, 1, timeout_s) != 0 || *timeout_s > 7 * 24 * 3600))
		return cli_usage(ctx, &cmd_wait_entry,
		                 "--timeout takes whole seconds from 1 to 604800, not '%s'", t);
	return CLI_OK;
}

static int
cmd_wait_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *run = argv[1];
	int until_end = 0, out, rc;
	long long timeout_s = 0;
	int64_t deadline;
	char run_id[64], why[160] = "";
	struct df_error err;
	struct client *c;
	cJSON *args;

	(void)argc; /* the table's one RUN */
	if ((rc = wait_args(ctx, &until_end, &timeout_s)) != CLI_OK)
		return rc;
	deadline = timeout_s > 0 ? clock_mono_ms() + timeout_s * 1000 : 0;
	if ((c = verb_connect(ctx, 1, &err)) == NULL)
		return cli_fail(ctx, &err);
	/* Resolve the name, then subscribe, then look: no event falls in between. */
	if ((out = outcome_now(c, run, until_end, run_id, why, sizeof(why), &err)) == -2)
		goto fail;
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "topic", "events");
	cJSON_AddStringToObject(args, "run_id", run_id);
	rc = client_call(c, "subscribe", args, NULL, &err);
	cJSON_Delete(args);
	if (rc != 0)
		goto fail;
	if ((out = outcome_now(c, run_id, until_end, run_id, why, sizeof(why), &err)) == -2)
		goto fail;
	if (out < 0 && (out = outcome_next(c, until_end, deadline, why, sizeof(why), &err)) == -2)
		goto fail;
	client_free(c);
	if (out == WAIT_TIMEOUT)
		snprintf(why, sizeof(why), "timed out after %llds", timeout_s);
	if (!ctx->json)
		printf("%s: %s\n", run_id, why);
	else
		printf("{\"runId\":\"%s\",\"exit\":%d}\n", run_id, out);
	return out;
fail:
	client_free(c);
	return cli_fail(ctx, &err);
}
