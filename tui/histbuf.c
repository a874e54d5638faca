/*
 * The fetched lines of an agent's history (see histbuf.h): one block of
 * consecutive lines, merged with each reply, bounded.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/xalloc.h"
#include "histbuf.h"

void
histbuf_init(struct histbuf *hb)
{
	memset(hb, 0, sizeof(*hb));
}

/* Drop rows [i, j) of the block's index space, keeping the rest in order. */
static void
cut(struct histbuf *hb, size_t i, size_t j)
{
	for (size_t k = i; k < j; k++)
		proto_row_clear(&hb->rows[k]);
	memmove(&hb->rows[i], &hb->rows[j], (hb->n - j) * sizeof(*hb->rows));
	memmove(&hb->state[i], &hb->state[j], hb->n - j);
	hb->n -= j - i;
	if (i == 0)
		hb->base += (int64_t)(j - i);
}

void
histbuf_free(struct histbuf *hb)
{
	for (size_t i = 0; i < hb->n; i++)
		proto_row_clear(&hb->rows[i]);
	free(hb->rows);
	free(hb->state);
	memset(hb, 0, sizeof(*hb));
}

/* Make the block cover lo..hi-1 (stable), holding what it held; new rows empty. */
static void
cover(struct histbuf *hb, int64_t lo, int64_t hi)
{
	size_t n = (size_t)(hi - lo), off = hb->n > 0 ? (size_t)(hb->base - lo) : 0;
	struct proto_row *rows = xcalloc(n + 1, sizeof(*rows));
	unsigned char *state = xcalloc(n + 1, 1);

	if (hb->n > 0) { /* an empty block has no arrays to copy from */
		memcpy(&rows[off], hb->rows, hb->n * sizeof(*rows));
		memcpy(&state[off], hb->state, hb->n);
	}
	free(hb->rows);
	free(hb->state);
	hb->rows = rows;
	hb->state = state;
	hb->base = lo;
	hb->n = n;
}

/* Shrink to HISTBUF_MAX rows, dropping those farthest from keep. */
static void
bound(struct histbuf *hb, int64_t keep)
{
	while (hb->n > HISTBUF_MAX) {
		size_t extra = hb->n - HISTBUF_MAX;
		int64_t mid = hb->base + (int64_t)hb->n / 2;

		if (keep >= mid)
			cut(hb, 0, extra);
		else
			cut(hb, hb->n - extra, hb->n);
	}
}

void
histbuf_put(struct histbuf *hb, struct result_history *r, int64_t keep)
{
	int64_t f = r->first, c = (int64_t)r->nlines;
	int64_t screen = r->dropped + r->history_size; /* the first line still on the screen */

	hb->hn.dropped = r->dropped;
	hb->hn.size = r->history_size;
	hb->hn.rows = r->rows;
	hb->have = 1;
	/* A page apart from the block replaces it. */
	if (hb->n > 0 && (f > hb->base + (int64_t)hb->n || f + c < hb->base))
		cut(hb, 0, hb->n);
	/* Loose rows outside this page may have been redrawn since: not kept. */
	for (size_t i = hb->n; i-- > 0;) {
		int64_t n = hb->base + (int64_t)i;

		if (hb->state[i] == HISTBUF_LOOSE && (n < f || n >= f + c)) {
			proto_row_clear(&hb->rows[i]);
			hb->state[i] = HISTBUF_EMPTY;
		}
	}
	if (c > 0) {
		if (hb->n == 0)
			cover(hb, f, f + c);
		else
			cover(hb, f < hb->base ? f : hb->base,
			      f + c > hb->base + (int64_t)hb->n ? f + c
			                                        : hb->base + (int64_t)hb->n);
		for (int64_t k = 0; k < c; k++) {
			size_t i = (size_t)(f + k - hb->base);

			proto_row_clear(&hb->rows[i]);
			hb->rows[i] = r->lines[k];
			hb->state[i] = f + k >= screen ? HISTBUF_LOOSE : HISTBUF_FINAL;
		}
		r->nlines = 0;
	}
	/* What fell off the top is gone; what is past the screen's end is not there. */
	if (hb->n > 0 && hb->base < histnum_first(&hb->hn))
		cut(hb, 0,
		    (size_t)(histnum_first(&hb->hn) - hb->base) < hb->n
		        ? (size_t)(histnum_first(&hb->hn) - hb->base)
		        : hb->n);
	if (hb->n > 0 && hb->base + (int64_t)hb->n - 1 > histnum_last(&hb->hn))
		cut(hb,
		    histnum_last(&hb->hn) >= hb->base
		        ? (size_t)(histnum_last(&hb->hn) - hb->base + 1)
		        : 0,
		    hb->n);
	bound(hb, keep);
}

const struct proto_row *
histbuf_line(const struct histbuf *hb, int64_t n)
{
	if (n < hb->base || n >= hb->base + (int64_t)hb->n)
		return NULL;
	if (hb->state[n - hb->base] == HISTBUF_EMPTY)
		return NULL;
	return &hb->rows[n - hb->base];
}

int64_t
histbuf_missing(const struct histbuf *hb, int64_t a, int64_t b)
{
	for (int64_t n = a; n <= b; n++)
		if (histbuf_line(hb, n) == NULL)
			return n;
	return -1;
}

char *
histbuf_text(const struct proto_row *row)
{
	struct buf b = BUF_INIT;
	size_t col = 0;

	for (size_t i = 0; i < row->nspans; i++) {
		const struct proto_span *sp = &row->spans[i];

		while (col < (size_t)sp->x) {
			buf_putc(&b, ' ');
			col++;
		}
		buf_puts(&b, sp->text);
		col = i + 1 < row->nspans ? (size_t)row->spans[i + 1].x : (size_t)sp->x;
	}
	return b.data != NULL ? buf_detach(&b) : xstrdup("");
}
