/*
 * An agent terminal's history (docs/protocol.md, "history" and
 * "history-search"): the lines the screen model keeps above the screen
 * (10,000 a session) and the screen's rows, read by range as styled spans
 * or text, and searched on the server so that a client on a slow link
 * never downloads them all to find a word. Lines are numbered as
 * proto/histnum.h says: tmux's -S/-E numbers, and stable numbers
 * (dropped + index) that stay with a line while output arrives.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agent/screen.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/xalloc.h"
#include "proto/histnum.h"
#include "server-int.h"

/* The most lines one reply holds (a client asks again from where it stopped). */
#define HISTORY_LINES_MAX 2000
/* What the lines of one reply may take, well under a frame (the envelope has the rest). */
#define HISTORY_BYTES_MAX (PROTO_MAX_FRAME - 64 * 1024)
#define HISTORY_SEARCH_MAX 1024
/* Stable line numbers stay below 2^53 (exact in JSON). */
#define LINE_MAX_ABS 9007199254740991LL

static void
where(struct screen *scr, struct histnum *h, int *cols)
{
	int rows;

	screen_size(scr, &rows, cols);
	h->dropped = (int64_t)screen_scrollback_dropped(scr);
	h->size = (int64_t)screen_scrollback_count(scr);
	h->rows = rows;
}

/* Line n (stable, held) as spans into pr. */
static void
line_spans(struct screen *scr, const struct histnum *h, int64_t n, struct proto_row *pr)
{
	int64_t i = histnum_index(h, n);
	struct screen_row row;

	if (i < h->size)
		screen_scrollback_spans(scr, (size_t)i, &row);
	else
		screen_row_spans(scr, (int)(i - h->size), &row);
	srv_row_spans(pr, &row);
	screen_row_free(&row);
}

/* Line n (stable, held) as right-trimmed text; the caller frees. */
static char *
line_text(struct screen *scr, const struct histnum *h, int64_t n)
{
	int64_t i = histnum_index(h, n);

	if (i < h->size)
		return screen_scrollback_text(scr, (size_t)i);
	return screen_row_text(scr, (int)(i - h->size));
}

/*
 * What a row's spans may take in the reply, at most: a span's members and
 * colours in 64 bytes, its text at most doubled by escapes (the screen's
 * text is valid UTF-8 without control characters, so only '"' and '\\'
 * grow).
 */
static size_t
row_bytes(const struct proto_row *pr)
{
	size_t n = 16;

	for (size_t i = 0; i < pr->nspans; i++)
		n += 64 + 2 * strlen(pr->spans[i].text);
	return n;
}

/*
 * The range asked: tmux numbers (start, end) or stable ones (from, to),
 * each end optional; what is not held is clamped off (the reply's first
 * says where it starts), a start after the end is refused.
 */
static int
history_range(struct op_ctx *x, const struct histnum *h, int64_t *first, int64_t *last,
              struct df_error *err)
{
	static const char *const names[] = { "start", "end", "from", "to" };
	long long v[4];
	int has[4];
	int64_t s, e;

	for (int i = 0; i < 4; i++) {
		const cJSON *it = cJSON_GetObjectItemCaseSensitive(x->args, names[i]);

		has[i] = it != NULL && !cJSON_IsNull(it); /* null is absent, as srv_arg_int says */
		if (srv_arg_int("history", x->args, names[i], i < 2 ? -LINE_MAX_ABS : 0,
		                LINE_MAX_ABS, 0, &v[i], err) != 0)
			return -1;
	}
	if ((has[0] || has[1]) && (has[2] || has[3]))
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "history: give tmux line numbers (start, end) or stable ones "
		                    "(from, to), not both");
	s = v[0];
	e = v[1];
	if (!has[2] && !has[3])
		return histnum_range(h, has[0] ? &s : NULL, has[1] ? &e : NULL, "history", first,
		                     last, err);
	if (has[2] && has[3] && v[3] < v[2])
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "history: to %lld is before from %lld", v[3], v[2]);
	*first = has[2] && v[2] > histnum_first(h) ? v[2] : histnum_first(h);
	*last = has[3] && v[3] < histnum_last(h) ? v[3] : histnum_last(h);
	return 0;
}

int
srv_op_history(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	const char *name;
	char sid[DF_ID_MAX];
	struct session *s;
	struct screen *scr;
	struct histnum h;
	struct result_history r = { 0 };
	struct buf text = BUF_INIT;
	long long limit;
	int spans, cols;
	int64_t first, last, n;
	size_t bytes = 0;

	if (srv_arg_str("history", x->args, "session", 1, &name, err) != 0 ||
	    srv_arg_bool("history", x->args, "spans", &spans, err) != 0 ||
	    srv_arg_int("history", x->args, "limit", 1, HISTORY_LINES_MAX, HISTORY_LINES_MAX,
	                &limit, err) != 0)
		return -1;
	if ((s = srv_need_live_session(x->srv, name, sid, err)) == NULL)
		return -1;
	scr = session_screen(s);
	where(scr, &h, &cols);
	if (history_range(x, &h, &first, &last, err) != 0)
		return -1;
	if (spans)
		r.lines = xcalloc((size_t)limit + 1, sizeof(*r.lines));
	/* A line that would take the reply past its budget is left for the next one. */
	for (n = first; n <= last && n - first < limit; n++) {
		size_t more;

		if (spans) {
			struct proto_row *pr = &r.lines[r.nlines];

			line_spans(scr, &h, n, pr);
			if ((more = row_bytes(pr)) + bytes > HISTORY_BYTES_MAX && r.nlines > 0) {
				proto_row_clear(pr);
				break;
			}
			pr->y = (int)r.nlines++;
		} else {
			char *t = line_text(scr, &h, n);

			if ((more = 2 * strlen(t) + 2) + bytes > HISTORY_BYTES_MAX && n > first) {
				free(t);
				break;
			}
			buf_puts(&text, t);
			buf_putc(&text, '\n');
			free(t);
		}
		bytes += more;
	}
	r.session = sid;
	r.history_size = h.size;
	r.rows = h.rows;
	r.cols = cols;
	r.dropped = h.dropped;
	r.first = first;
	r.start = histnum_tmux(&h, first);
	r.count = n - first;
	r.more = n <= last;
	r.text = spans ? NULL : (text.data != NULL ? text.data : "");
	*result = result_history_json(&r);
	result_history_free(&r);
	buf_free(&text);
	return 0;
}

int
srv_op_history_search(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	const char *name, *needle;
	char sid[DF_ID_MAX];
	struct session *s;
	struct screen *scr;
	struct histnum h;
	struct result_history_search r = { 0 };
	long long from;
	int backward, wrap, cols;
	int64_t n, lo, hi, held;

	if (srv_arg_str("history-search", x->args, "session", 1, &name, err) != 0 ||
	    srv_arg_str("history-search", x->args, "text", 1, &needle, err) != 0 ||
	    srv_arg_bool("history-search", x->args, "backward", &backward, err) != 0 ||
	    srv_arg_bool("history-search", x->args, "wrap", &wrap, err) != 0 ||
	    srv_arg_int("history-search", x->args, "from", -1, LINE_MAX_ABS, -1, &from, err) != 0)
		return -1;
	if (strlen(needle) > HISTORY_SEARCH_MAX)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "history-search.text: %zu bytes, over the limit of %d",
		                    strlen(needle), HISTORY_SEARCH_MAX);
	if ((s = srv_need_live_session(x->srv, name, sid, err)) == NULL)
		return -1;
	scr = session_screen(s);
	where(scr, &h, &cols);
	lo = histnum_first(&h);
	hi = histnum_last(&h);
	held = hi - lo + 1;
	/* Without from: from the end the search moves away from. */
	n = from < 0 ? (backward ? hi : lo) : from;
	if (n < lo)
		n = backward ? (wrap ? hi : lo - 1) : lo;
	if (n > hi)
		n = backward ? hi : (wrap ? lo : hi + 1);
	for (int64_t k = 0; k < held && n >= lo && n <= hi; k++) {
		char *t = line_text(scr, &h, n);
		long at = str_search(t, needle);

		free(t);
		if (at >= 0) {
			r.found = r.has_line = 1;
			r.line = n;
			r.start = histnum_tmux(&h, n);
			break;
		}
		n += backward ? -1 : 1;
		if (wrap && (n < lo || n > hi)) {
			n = backward ? hi : lo;
			r.wrapped = 1;
		}
	}
	if (!r.found)
		r.wrapped = 0;
	r.session = sid;
	r.history_size = h.size;
	r.rows = h.rows;
	r.dropped = h.dropped;
	*result = result_history_search_json(&r);
	return 0;
}
