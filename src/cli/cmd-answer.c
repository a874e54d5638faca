/*
 * `devflow answer SESSION CHOICE`: answer the question an agent asks, as a
 * person would from the TUI's queue, with the key of one of the answers
 * its backend declares for the question on screen (`devflow status RUN`
 * and the session.needs_input event list them: "1 Yes, 2 Always, 3 No").
 * The server sends the answer's keys and records session.answered with the
 * caller as actor. A session that no longer asks, or a key that is not one
 * of the answers, is refused (exit 3 and 2).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "verb.h"

static int cmd_answer_exec(struct cli_ctx *ctx, int argc, char **argv);

static const struct args_pos answer_args[] = {
	{ .name = "SESSION",
	  .kind = ARGS_REQUIRED,
	  .help = "the agent session asking (an id prefix will do)" },
	{ .name = "CHOICE",
	  .kind = ARGS_REQUIRED,
	  .help = "the key of one of the answers its backend declares (1, y, ...)" },
	{ 0 },
};

const struct cmd_entry cmd_answer_entry = {
	.name = "answer",
	.summary = "answer an agent's question (CHOICE: the key of one of its answers)",
	.args = answer_args,
	.exec = cmd_answer_exec,
};

static int
cmd_answer_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *name = argv[1], *choice = argv[2];
	cJSON *args, *res = NULL;
	struct result_answer a;
	struct df_error err;
	int rc;

	(void)argc; /* the table's SESSION and CHOICE */
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "session", name);
	cJSON_AddStringToObject(args, "choice", choice);
	if ((rc = verb_call(ctx, "answer", args, &res)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(res);
		return CLI_OK;
	}
	if (result_answer_parse(res, &a, &err) != 0)
		return verb_bad_result(ctx, res, &err);
	printf("%s: answered %s (%s) to \"%s\"\n", a.session, a.choice, a.label ? a.label : "",
	       a.question ? a.question : "");
	cJSON_Delete(res);
	return CLI_OK;
}
