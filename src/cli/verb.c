/*
 * Shared plumbing of the CLI verbs that talk to the server (see verb.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uuid/uuid.h>

#include "lib/buf.h"
#include "lib/paths.h"
#include "lib/utf8.h"
#include "lib/xalloc.h"
#include "proto/proto.h"
#include "verb.h"

char *
verb_workspace(const struct cli_ctx *ctx)
{
	char *ws = paths_workspace(ctx->workspace), *abs;
	char cwd[4096];

	if (ws[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return ws;
	abs = xasprintf("%s/%s", cwd, ws);
	free(ws);
	return abs;
}

struct client *
verb_connect(const struct cli_ctx *ctx, int autostart, struct df_error *err)
{
	struct client_opts o = { 0 };
	char *ws = verb_workspace(ctx);
	char name[64];
	struct client *c;

	snprintf(name, sizeof(name), "devflow-cli %s", PACKAGE_VERSION);
	o.workspace = ws;
	o.name = name;
	o.autostart = autostart;
	o.server_uid_set = ctx->server_uid_set;
	o.server_uid = ctx->server_uid;
	c = client_connect(&o, err);
	free(ws);
	return c;
}

int
verb_call(const struct cli_ctx *ctx, const char *op, cJSON *args, cJSON **result)
{
	struct df_error err;
	struct client *c = verb_connect(ctx, 1, &err);
	int rc;

	if (result != NULL)
		*result = NULL;
	if (c == NULL) {
		cJSON_Delete(args);
		return cli_fail(ctx, &err);
	}
	rc = client_call(c, op, args, result, &err);
	cJSON_Delete(args);
	client_free(c);
	if (rc != 0)
		return cli_fail(ctx, &err);
	return CLI_OK;
}

int
verb_bad_result(const struct cli_ctx *ctx, cJSON *res, const struct df_error *err)
{
	cJSON_Delete(res);
	return cli_fail(ctx, err);
}

void
verb_token(char out[37])
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

char *
verb_read_file(const char *path, struct df_error *err)
{
	struct buf b = BUF_INIT;
	int rc =
	    strcmp(path, "-") == 0 ? buf_read_stream(&b, stdin, 0) : buf_read_file(&b, path, 0);

	char why[96];

	if (rc != 0) {
		df_error_set(err, DF_FATAL, DF_E_IO, "%s: %s", path, strerror(errno));
		buf_free(&b);
		return NULL;
	}
	/* Sent as a JSON string: a NUL would cut it short, other bytes be mangled. */
	if (utf8_text_check(b.data, b.len, why, sizeof(why)) != 0) {
		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		             "%s: not UTF-8 text: %s; nothing was sent",
		             strcmp(path, "-") == 0 ? "standard input" : path, why);
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

int
verb_decide(struct cli_ctx *ctx, const struct cmd_entry *cmd, const char *action, const char *run,
            const char *comment, const char *approval)
{
	struct result_decide d;
	struct df_error err;
	char token[37];
	cJSON *args, *res = NULL;
	int rc;

	if (strcmp(action, "request_changes") == 0 && (comment == NULL || comment[0] == '\0'))
		return cli_usage(ctx, cmd, "--comment is empty: it goes back to the agent");
	verb_token(token);
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "run", run);
	cJSON_AddStringToObject(args, "action", action);
	cJSON_AddStringToObject(args, "token", token);
	if (comment != NULL)
		cJSON_AddStringToObject(args, "comment", comment);
	if (approval != NULL)
		cJSON_AddStringToObject(args, "approval", approval);
	if ((rc = verb_call(ctx, "decide", args, &res)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(res);
		return CLI_OK;
	}
	if (result_decide_parse(res, &d, &err) != 0)
		return verb_bad_result(ctx, res, &err);
	printf("%s: %s%s by %s; run is now %s\n", d.run_id, d.action,
	       d.replayed ? " (replayed)" : "", d.actor != NULL ? d.actor : "?", d.state);
	cJSON_Delete(res);
	return CLI_OK;
}

static void
sgr_color(struct buf *b, int32_t c, int bg)
{
	if (c == PROTO_COLOR_DEFAULT)
		return;
	if (PROTO_COLOR_IS_RGB(c))
		buf_printf(b, ";%d;2;%d;%d;%d", bg ? 48 : 38, (int)PROTO_COLOR_R(c),
		           (int)PROTO_COLOR_G(c), (int)PROTO_COLOR_B(c));
	else if (c < 8)
		buf_printf(b, ";%d", (bg ? 40 : 30) + c);
	else if (c < 16)
		buf_printf(b, ";%d", (bg ? 100 : 90) + c - 8);
	else
		buf_printf(b, ";%d;5;%d", bg ? 48 : 38, c);
}

void
verb_sgr(struct buf *b, int32_t fg, int32_t bg, unsigned attrs)
{
	buf_puts(b, "\033[0");
	if (attrs & PROTO_ATTR_BOLD)
		buf_puts(b, ";1");
	if (attrs & PROTO_ATTR_ITALIC)
		buf_puts(b, ";3");
	if (attrs & PROTO_ATTR_UNDERLINE)
		buf_puts(b, ";4");
	if (attrs & PROTO_ATTR_BLINK)
		buf_puts(b, ";5");
	if (attrs & PROTO_ATTR_REVERSE)
		buf_puts(b, ";7");
	if (attrs & PROTO_ATTR_CONCEAL)
		buf_puts(b, ";8");
	if (attrs & PROTO_ATTR_STRIKE)
		buf_puts(b, ";9");
	sgr_color(b, fg, 0);
	sgr_color(b, bg, 1);
	buf_putc(b, 'm');
}

void
verb_row_text(struct buf *b, const struct proto_row *row, int sgr)
{
	int col = 0;

	for (size_t i = 0; i < row->nspans; i++) {
		const struct proto_span *sp = &row->spans[i];

		if (sp->x > col) {
			if (sgr)
				buf_puts(b, "\033[0m");
			for (; col < sp->x; col++)
				buf_putc(b, ' ');
		}
		if (sgr)
			verb_sgr(b, sp->fg, sp->bg, sp->attrs);
		buf_puts(b, sp->text);
		/* where the next span starts says how wide this one was */
		col = i + 1 < row->nspans ? row->spans[i + 1].x : sp->x;
	}
	if (sgr && row->nspans > 0)
		buf_puts(b, "\033[0m");
}

int
verb_run_call(const struct cli_ctx *ctx, const struct cmd_entry *cmd, const char *op, int argc,
              char **argv, cJSON **result)
{
	cJSON *args = cJSON_CreateObject();

	(void)cmd; /* the table (cli_run_arg) made sure of the one RUN */
	(void)argc;
	cJSON_AddStringToObject(args, "run", argv[1]);
	return verb_call(ctx, op, args, result);
}
