/*
 * `devflow capture SESSION [-e]`: an agent's terminal as text, one line per
 * row with trailing blanks trimmed, like `tmux capture-pane -p`; with -e
 * the colours and attributes stay, as SGR escapes (like capture-pane -e).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "proto/proto.h"
#include "cli.h"
#include "verb.h"

static int cmd_capture_exec(struct cli_ctx *ctx, int argc, char **argv);

static const struct args_opt capture_opts[] = {
	{ .short_name = 'e',
	  .kind = ARGS_FLAG,
	  .help = "keep colours and attributes, as SGR escapes" },
	{ 0 },
};

const struct cmd_entry cmd_capture_entry = {
	.name = "capture",
	.summary = "print an agent's screen (-e: with colours)",
	.opts = capture_opts,
	.args = cli_session_arg,
	.exec = cmd_capture_exec,
};

static int
cmd_capture_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *name = argv[1];
	int escapes = args_has(ctx->args, "e"), rc;
	cJSON *args, *res = NULL;
	struct result_capture cap;
	struct df_error err;

	(void)argc; /* the table's one SESSION */
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "session", name);
	if (escapes)
		cJSON_AddTrueToObject(args, "spans");
	if ((rc = verb_call(ctx, "capture", args, &res)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(res);
		return CLI_OK;
	}
	if (result_capture_parse(res, &cap, &err) != 0)
		return verb_bad_result(ctx, res, &err);
	if (!escapes) {
		fputs(cap.text != NULL ? cap.text : "", stdout);
	} else {
		struct proto_screen ps = { 0 };
		struct buf b = BUF_INIT;
		size_t k = 0;

		if (proto_screen_parse(cap.screen, &ps, &err) != 0) {
			proto_screen_free(&ps);
			cJSON_Delete(res);
			return cli_fail(ctx, &err);
		}
		for (int y = 0; y < ps.rows; y++) {
			if (k < ps.nrows && ps.rowv[k].y == y)
				verb_row_text(&b, &ps.rowv[k++], 1);
			buf_putc(&b, '\n');
		}
		if (b.data != NULL)
			fputs(b.data, stdout);
		buf_free(&b);
		proto_screen_free(&ps);
	}
	cJSON_Delete(res);
	return CLI_OK;
}
