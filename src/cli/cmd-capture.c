/*
 * `devflow capture SESSION [-e] [-S START] [-E END]`: an agent's terminal
 * as text, one line per row with trailing blanks trimmed, like `tmux
 * capture-pane -p`; with -e the colours and attributes stay, as SGR
 * escapes (like capture-pane -e). Without -S and -E, the screen (the
 * capture op); with them, lines of the history above it too, numbered as
 * tmux numbers them (0 the first row of the screen, -1 the last line of the
 * history, `-` the start of the history or the end of the screen), read
 * with the history op in as many replies as it takes.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/xalloc.h"
#include "proto/histnum.h"
#include "proto/proto.h"
#include "cli.h"
#include "verb.h"

static int cmd_capture_exec(struct cli_ctx *ctx, int argc, char **argv);

static const struct args_opt capture_opts[] = {
	{ .short_name = 'e',
	  .kind = ARGS_FLAG,
	  .help = "keep colours and attributes, as SGR escapes" },
	{ .short_name = 'S',
	  .kind = ARGS_VALUE,
	  .arg = "START",
	  .help =
	      "from this line: 0 the screen's first row, -1 the history's last line, - its first" },
	{ .short_name = 'E',
	  .kind = ARGS_VALUE,
	  .arg = "END",
	  .help = "to this line (as -S; - the screen's last row)" },
	{ 0 },
};

const struct cmd_entry cmd_capture_entry = {
	.name = "capture",
	.summary = "print an agent's screen, or lines of its history (-S/-E; -e: colours)",
	.opts = capture_opts,
	.args = cli_session_arg,
	.exec = cmd_capture_exec,
};

/* What -S and -E asked; has_* 0 for `-` (or not given). */
struct capture_range {
	int has_start, has_end;
	int64_t start, end;
};

/* A line number of -S or -E: an integer, or `-` (*has 0). 0, or a usage error's code. */
static int
line_number(struct cli_ctx *ctx, const char *flag, const char *s, int *has, int64_t *out)
{
	char *end;
	long long v;

	if (strcmp(s, "-") == 0) {
		*has = 0;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < -9007199254740991LL ||
	    v > 9007199254740991LL)
		return cli_usage(ctx, &cmd_capture_entry,
		                 "%s '%s' is not a line number (an integer: 0 the screen's first "
		                 "row, -1 the history's last line; or - for the start of the "
		                 "history or the end of the screen)",
		                 flag, s);
	*has = 1;
	*out = v;
	return 0;
}

/* The screen alone (the capture op). */
static int
capture_screen(struct cli_ctx *ctx, const char *name, int escapes)
{
	cJSON *args, *res = NULL;
	struct result_capture cap;
	struct df_error err;
	int rc;

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

/*
 * The history op's arguments: the first reply from tmux's numbers, the
 * next ones from the stable number where the last stopped up to the stable
 * end the first one fixed (so lines arriving meanwhile move nothing).
 */
static cJSON *
history_args(const char *name, int escapes, const struct capture_range *r, int next, int64_t from,
             int64_t to)
{
	cJSON *a = cJSON_CreateObject();

	cJSON_AddStringToObject(a, "session", name);
	if (escapes)
		cJSON_AddTrueToObject(a, "spans");
	if (next) {
		cJSON_AddNumberToObject(a, "from", (double)from);
		cJSON_AddNumberToObject(a, "to", (double)to);
		return a;
	}
	if (r->has_start)
		cJSON_AddNumberToObject(a, "start", (double)r->start);
	if (r->has_end)
		cJSON_AddNumberToObject(a, "end", (double)r->end);
	return a;
}

/* Append h's lines to all (text, or rows taken over from h). */
static void
history_take(struct result_history *all, struct buf *text, struct result_history *h)
{
	if (h->text != NULL)
		buf_puts(text, h->text);
	if (h->lines != NULL) {
		all->lines =
		    xreallocarray(all->lines, all->nlines + h->nlines + 1, sizeof(*all->lines));
		for (size_t i = 0; i < h->nlines; i++) {
			all->lines[all->nlines] = h->lines[i];
			all->lines[all->nlines].y = (int)all->nlines;
			all->nlines++;
		}
		h->nlines = 0;
	}
	all->count += h->count;
}

/* Print all: as --json the history op's result, else text (-e: with SGR escapes). */
static void
history_print(const struct cli_ctx *ctx, struct result_history *all, const char *text, int escapes)
{
	if (ctx->json) {
		all->text = escapes ? NULL : text;
		cli_print_json(result_history_json(all));
	} else if (!escapes) {
		fputs(text, stdout);
	} else {
		struct buf b = BUF_INIT;

		for (size_t i = 0; i < all->nlines; i++) {
			verb_row_text(&b, &all->lines[i], 1);
			buf_putc(&b, '\n');
		}
		if (b.data != NULL)
			fputs(b.data, stdout);
		buf_free(&b);
	}
}

/* -S/-E: the history op, asked again from where each reply stopped. */
static int
capture_history(struct cli_ctx *ctx, const char *name, int escapes, const struct capture_range *r)
{
	struct df_error err;
	struct client *c = verb_connect(ctx, 1, &err);
	struct result_history all = { 0 }, h;
	struct buf text = BUF_INIT;
	cJSON *res = NULL, *first_res = NULL;
	int64_t from = 0, to = 0;
	int rc = CLI_OK, more = 1;

	if (c == NULL)
		return cli_fail(ctx, &err);
	for (int next = 0; more; next = 1) {
		cJSON *args = history_args(name, escapes, r, next, from, to);
		int called = client_call(c, "history", args, &res, &err);

		cJSON_Delete(args); /* client_call borrows it */
		if (called != 0) {
			rc = cli_fail(ctx, &err);
			break;
		}
		if (result_history_parse(res, &h, &err) != 0) {
			result_history_free(&h);
			rc = verb_bad_result(ctx, res, &err);
			res = NULL;
			break;
		}
		if (!next) {
			struct histnum hn = { h.dropped, h.history_size, h.rows };

			all = h;
			all.lines = NULL;
			all.nlines = all.count = 0;
			to = r->has_end ? histnum_stable(&hn, r->end) : histnum_last(&hn);
			if (to > histnum_last(&hn))
				to = histnum_last(&hn);
		}
		history_take(&all, &text, &h);
		from = h.first + h.count;
		more = h.more && h.count > 0;
		result_history_free(&h);
		if (first_res == NULL)
			first_res = res; /* all's strings borrow from it */
		else
			cJSON_Delete(res);
		res = NULL;
	}
	if (rc == CLI_OK) {
		all.more = 0;
		history_print(ctx, &all, text.data != NULL ? text.data : "", escapes);
	}
	cJSON_Delete(first_res);
	result_history_free(&all);
	buf_free(&text);
	client_free(c);
	return rc;
}

static int
cmd_capture_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *name = argv[1], *sv = args_get(ctx->args, "S"), *ev = args_get(ctx->args, "E");
	struct capture_range r = { 0 };
	int escapes = args_has(ctx->args, "e"), ranged = sv != NULL || ev != NULL;
	int s_given = sv != NULL, rc;

	(void)argc; /* the table's one SESSION */
	if (sv != NULL && (rc = line_number(ctx, "-S", sv, &r.has_start, &r.start)) != 0)
		return rc;
	if (ev != NULL && (rc = line_number(ctx, "-E", ev, &r.has_end, &r.end)) != 0)
		return rc;
	if (ranged && !s_given) {
		/* As tmux: without -S the capture starts at the screen's first row. */
		r.has_start = 1;
		r.start = 0;
		if (r.has_end && r.end < 0)
			return cli_usage(ctx, &cmd_capture_entry,
			                 "-E %lld is above the screen's first row, where the "
			                 "capture starts without -S (give -S too)",
			                 (long long)r.end);
	}
	if (r.has_start && r.has_end && r.start > r.end)
		return cli_usage(ctx, &cmd_capture_entry, "-S %lld is after -E %lld",
		                 (long long)r.start, (long long)r.end);
	return ranged ? capture_history(ctx, name, escapes, &r)
	              : capture_screen(ctx, name, escapes);
}
