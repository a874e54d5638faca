/*
 * `devflow logs RUN [--follow] [--after SEQ]`: a run's events, one per line
 * (seq, time, type, payload). With --follow it subscribes first, then
 * prints the history and every new event as it is committed, until the run
 * ends (completed, failed, aborted) or the server goes away.
 */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "cli.h"
#include "verb.h"

static int cmd_logs_exec(struct cli_ctx *ctx, int argc, char **argv);

static const struct args_opt logs_opts[] = {
	{ .name = "follow",
	  .short_name = 'f',
	  .kind = ARGS_FLAG,
	  .help = "then print each new event as it happens, until the run ends" },
	{ .name = "after",
	  .kind = ARGS_VALUE,
	  .arg = "SEQ",
	  .help = "only the events after event number SEQ" },
	{ 0 },
};

const struct cmd_entry cmd_logs_entry = {
	.name = "logs",
	.summary = "print a run's events (--follow: as they happen)",
	.opts = logs_opts,
	.args = cli_run_arg,
	.exec = cmd_logs_exec,
};

static int
is_end(const char *type)
{
	return strcmp(type, "run.completed") == 0 || strcmp(type, "run.failed") == 0 ||
	       strcmp(type, "run.aborted") == 0;
}

static void
print_event(const struct cli_ctx *ctx, const cJSON *ev)
{
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(ev, "seq");
	char *pl;

	if (ctx->json) {
		char *s = cJSON_PrintUnformatted(ev);

		puts(s);
		free(s);
	} else {
		pl = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(ev, "payload"));
		printf("%4lld  %s  %-20s %s\n",
		       cJSON_IsNumber(seq) ? (long long)seq->valuedouble : 0,
		       json_str(ev, "ts", ""), json_str(ev, "type", "?"), pl != NULL ? pl : "{}");
		free(pl);
	}
	fflush(stdout);
}

/*
 * The run's events after seq after (at most limit, 0: the server's page),
 * into *res and evs (the caller frees both). 0, or -1 with err and nothing
 * to free.
 */
static int
fetch_events(struct client *c, const char *run, long long after, int limit, cJSON **res,
             struct result_events *evs, struct df_error *err)
{
	cJSON *args = cJSON_CreateObject();
	int rc;

	cJSON_AddStringToObject(args, "run", run);
	cJSON_AddNumberToObject(args, "after_seq", (double)after);
	if (limit > 0)
		cJSON_AddNumberToObject(args, "limit", limit);
	rc = client_call(c, "events", args, res, err);
	cJSON_Delete(args);
	if (rc != 0)
		return -1;
	if (result_events_parse(*res, evs, err) != 0) {
		result_events_free(evs);
		cJSON_Delete(*res);
		*res = NULL;
		return -1;
	}
	return 0;
}

static int
cmd_logs_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *run = argv[1], *after_arg = args_get(ctx->args, "after");
	long long after = 0, last;
	int follow = 0, ended = 0, rc = CLI_OK;
	struct df_error err;
	struct client *c;
	cJSON *args = NULL, *res = NULL;
	const cJSON *ev;
	struct result_events evs;
	char run_id[64];

	(void)argc; /* the table's one RUN */
	follow = args_has(ctx->args, "follow");
	if (after_arg != NULL && cli_parse_count(after_arg, 0, &after) != 0)
		return cli_usage(ctx, &cmd_logs_entry, "--after '%s': expected an event number",
		                 after_arg);
	if ((c = verb_connect(ctx, 1, &err)) == NULL)
		return cli_fail(ctx, &err);
	/* Resolve the name once, so the subscription and the history agree. */
	if (fetch_events(c, run, after, 1, &res, &evs, &err) != 0)
		goto fail;
	snprintf(run_id, sizeof(run_id), "%s", evs.run_id);
	result_events_free(&evs);
	cJSON_Delete(res);
	res = NULL;
	if (follow) {
		args = cJSON_CreateObject();
		cJSON_AddStringToObject(args, "topic", "events");
		cJSON_AddStringToObject(args, "run_id", run_id);
		if (client_call(c, "subscribe", args, NULL, &err) != 0)
			goto fail;
		cJSON_Delete(args);
		args = NULL;
	}
	last = after;
	for (;;) {
		int n = 0;

		if (fetch_events(c, run_id, last, 0, &res, &evs, &err) != 0)
			goto fail;
		ev = cJSON_GetObjectItemCaseSensitive(res, "events");
		for (size_t i = 0; i < evs.nevents; i++, n++) {
			print_event(ctx, cJSON_GetArrayItem(ev, (int)i));
			last = evs.events[i].seq;
			ended |= is_end(evs.events[i].type);
		}
		result_events_free(&evs);
		cJSON_Delete(res);
		res = NULL;
		if (n < 1000)
			break;
	}
	while (follow && !ended) {
		struct proto_msg m;
		struct pollfd p = { client_fd(c), client_poll_events(c), 0 };

		while (client_pop(c, &m) == 1) {
			if (m.kind == PROTO_MSG_EVENT) {
				const cJSON *e = cJSON_GetObjectItemCaseSensitive(m.json, "event");
				long long seq;

				if (json_int(cJSON_GetObjectItemCaseSensitive(e, "seq"), 0,
				             JSON_INT_LIMIT, &seq) == 0 &&
				    seq > last) {
					print_event(ctx, e);
					last = seq;
					ended |= is_end(json_str(e, "type", ""));
				}
			}
			proto_msg_clear(&m);
		}
		if (ended)
			break;
		if (poll(&p, 1, -1) < 0)
			continue;
		if (client_handle(c, p.revents, &err) != 0)
			goto fail;
	}
	client_free(c);
	return rc;
fail:
	cJSON_Delete(res);
	cJSON_Delete(args);
	client_free(c);
	return cli_fail(ctx, &err);
}
