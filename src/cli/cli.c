/*
 * Shared CLI output: errors as human text on stderr or as a JSON object on
 * stdout, and the mapping from error classes and codes to exit codes.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/xalloc.h"
#include "cli.h"

/*
 * The one table of exit codes, for every verb (README, "Exit codes"). The
 * code decides before the class: a run, session or approval that does not
 * exist is an error (1) whichever side found it out (the server's name
 * lookup says fatal, the engine human_required).
 */
const struct args_pos cli_run_arg[] = {
	{ .name = "RUN",
	  .kind = ARGS_REQUIRED,
	  .help = "a run: its id or a unique prefix of it (devflow ls)" },
	{ 0 },
};

const struct args_pos cli_session_arg[] = {
	{ .name = "SESSION",
	  .kind = ARGS_REQUIRED,
	  .help = "an agent session: its id or a unique prefix of it (devflow sessions)" },
	{ 0 },
};

int
cli_exit_code(const struct df_error *err)
{
	switch (err->code) {
	case DF_E_INVALID_ARGUMENT:
		return CLI_USAGE;
	case DF_E_RUN_NOT_FOUND:
	case DF_E_SESSION_NOT_FOUND:
	case DF_E_APPROVAL_NOT_FOUND:
		return CLI_ERROR;
	case DF_E_ACTIVE_RUN_EXISTS:
	case DF_E_MAX_CONCURRENT_RUNS:
	case DF_E_APPROVAL_CONFLICT:
	case DF_E_RUN_STATE_CHANGED:
		return CLI_CONFLICT;
	default:
		return err->class == DF_HUMAN_REQUIRED ? CLI_CONFLICT : CLI_ERROR;
	}
}

int
cli_parse_uid(const char *s, uid_t *uid, struct df_error *err)
{
	struct passwd pw, *res = NULL;
	char buf[1024], *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (s[0] >= '0' && s[0] <= '9' && *end == '\0' && errno == 0 && n == (uid_t)n &&
	    (uid_t)n != (uid_t)-1) {
		*uid = (uid_t)n;
		return 0;
	}
	if (getpwnam_r(s, &pw, buf, sizeof(buf), &res) == 0 && res != NULL) {
		*uid = pw.pw_uid;
		return 0;
	}
	df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
	             "--server-uid '%s': expected a numeric uid or the name of a user", s);
	df_error_hint(err, "the uid whose server you trust, e.g. --server-uid $(id -u alice)");
	return -1;
}

int
cli_parse_count(const char *s, long long min, long long *out)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || n < min)
		return -1;
	*out = n;
	return 0;
}

static cJSON *
error_json(const struct df_error *err)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "class", df_class_name(err->class));
	cJSON_AddStringToObject(e, "code", df_code_name(err->code));
	cJSON_AddStringToObject(e, "message", err->message);
	if (err->hint[0])
		cJSON_AddStringToObject(e, "hint", err->hint);
	if (err->run_id[0])
		cJSON_AddStringToObject(e, "run_id", err->run_id);
	if (err->phase_id[0])
		cJSON_AddStringToObject(e, "phase_id", err->phase_id);
	return e;
}

int
cli_fail(const struct cli_ctx *ctx, const struct df_error *err)
{
	if (ctx != NULL && ctx->json) {
		cJSON *o = cJSON_CreateObject();
		char *s;

		cJSON_AddBoolToObject(o, "ok", 0);
		cJSON_AddItemToObject(o, "error", error_json(err));
		s = cJSON_PrintUnformatted(o);
		puts(s);
		free(s);
		cJSON_Delete(o);
	} else {
		fprintf(stderr, "devflow: %s (%s)\n", err->message, df_code_name(err->code));
		if (err->hint[0])
			fprintf(stderr, "  hint: %s\n", err->hint);
	}
	return cli_exit_code(err);
}

/* Print err, a usage error, with cmd's usage as its hint; returns CLI_USAGE. */
static int
usage_fail(const struct cli_ctx *ctx, const struct cmd_entry *cmd, struct df_error *err)
{
	struct buf b = BUF_INIT;

	cli_cmd_usage(&b, cmd);
	df_error_hint(err, "usage: devflow %s (see devflow %s --help)", b.data, cmd->name);
	buf_free(&b);
	return cli_fail(ctx, err);
}

int
cli_usage(const struct cli_ctx *ctx, const struct cmd_entry *cmd, const char *fmt, ...)
{
	struct df_error err;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	df_error_set(&err, DF_FATAL, DF_E_INVALID_ARGUMENT, "%s", msg);
	return usage_fail(ctx, cmd, &err);
}

void
cli_cmd_usage(struct buf *b, const struct cmd_entry *cmd)
{
	size_t len = b->len;

	buf_printf(b, "%s ", cmd->name);
	args_usage(b, cmd->opts, cmd->args);
	if (b->len == len + strlen(cmd->name) + 1) /* nothing after the name */
		b->data[--b->len] = '\0';
}

void
cli_help(FILE *out, const struct cmd_entry *cmd)
{
	struct buf b = BUF_INIT;

	struct buf u = BUF_INIT;
	size_t indent = strlen("usage: devflow ") + strlen(cmd->name) + 1;
	size_t col = strlen("usage: devflow ");

	cli_cmd_usage(&u, cmd);
	buf_puts(&b, "usage: devflow ");
	/* Wrapped before a "[" to fit 80 columns, each further line under the first argument. */
	for (const char *p = u.data, *next; p != NULL && *p != '\0'; p = next) {
		next = strstr(p + 1, " [");
		if (next == NULL)
			next = p + strlen(p);
		if (col > indent && col + (size_t)(next - p) > 80) {
			buf_printf(&b, "\n%*s", (int)indent - 1, "");
			col = indent - 1;
		}
		buf_printf(&b, "%.*s", (int)(next - p), p);
		col += (size_t)(next - p);
	}
	buf_free(&u);
	buf_printf(&b, "\n\n%s\n\n", cmd->summary);
	args_help(&b, cmd->opts, cmd->args);
	buf_puts(&b, "\nglobal options (before the verb): --workspace DIR, --server-uid UID;\n"
	             "--json anywhere prints the result (or the error) as JSON\n");
	fputs(b.data, out);
	buf_free(&b);
}

const struct cmd_entry *
cli_find(const char *name)
{
	for (size_t c = 0; cli_commands[c] != NULL; c++)
		if (strcmp(cli_commands[c]->name, name) == 0)
			return cli_commands[c];
	return NULL;
}

int
cli_run(struct cli_ctx *ctx, const struct cmd_entry *cmd, int argc, char **argv)
{
	struct args a;
	struct df_error err;
	char **pos;
	int rc;

	ctx->cmd = cmd;
	if (args_parse(cmd->opts, cmd->args, argc, argv, 0, &a, &err) != 0) {
		args_free(&a);
		return usage_fail(ctx, cmd, &err);
	}
	if (a.help) {
		args_free(&a);
		cli_help(stdout, cmd);
		return CLI_OK;
	}
	pos = xcalloc((size_t)a.npos + 2, sizeof(*pos));
	pos[0] = argv[0];
	memcpy(pos + 1, a.pos, (size_t)a.npos * sizeof(*pos));
	ctx->args = &a;
	rc = cmd->exec(ctx, a.npos + 1, pos);
	ctx->args = NULL;
	free(pos);
	args_free(&a);
	return rc;
}

void
cli_print_json(cJSON *result)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddBoolToObject(o, "ok", 1);
	cJSON_AddItemToObject(o, "result", result);
	s = cJSON_Print(o);
	puts(s);
	free(s);
	cJSON_Delete(o);
}
