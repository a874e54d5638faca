/*
 * History lines in one allocation each: a header, runs of cells sharing a
 * pen, then the cells' text. The text holds one token per cell so that a
 * line decodes back to exactly the cells it came from: a code point in
 * UTF-8, 0x01 for an erased cell, 0x02 for the right part of a wide
 * character, each combining mark after its cell prefixed by 0x03 (terminals
 * never store control characters, so these bytes are free). An 80-column
 * line of one colour takes about 100 bytes instead of 80 16-byte cells.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "lib/utf8.h"
#include "lib/xalloc.h"

enum { TOK_ERASED = 1, TOK_CONT = 2, TOK_MARK = 3 };

/*
 * Lines are cut from 16 KiB chunks, oldest chunk first, and leave them in
 * the same order: no allocation per line, and a chunk goes back to malloc
 * once its last line has been dropped.
 */
#define CHUNK_SIZE ((size_t)16 << 10)

struct chunk {
	struct chunk *next; /* newer */
	size_t used, cap;
	unsigned char data[];
};

struct hrun {
	uint16_t ncells;
	uint16_t attrs;
	uint32_t fg, bg;
};

struct hline {
	uint16_t ncells, nruns;
	uint32_t nbytes;
	/* nruns struct hrun, then nbytes of text */
};

struct history {
	struct hline **ring;
	size_t cap, start, len, max_lines;
	struct chunk *oldest, *newest;
	size_t budget, bytes; /* bytes: of the chunks */
	uint64_t dropped;
	/* encoding scratch */
	unsigned char *text;
	struct hrun *runs;
	int scratch_cols;
};

/* Bytes a line takes in its chunk (kept 8-byte aligned). */
static size_t
line_size(const struct hline *l)
{
	return (sizeof *l + l->nruns * sizeof(struct hrun) + l->nbytes + 7) & ~(size_t)7;
}

static void
chunk_free_oldest(struct history *h)
{
	struct chunk *c = h->oldest;

	h->oldest = c->next;
	if (h->newest == c)
		h->newest = NULL;
	h->bytes -= c->cap;
	free(c);
}

/* Room for size bytes (8-aligned) at the end of the newest chunk. */
static struct hline *
chunk_alloc(struct history *h, size_t size)
{
	struct chunk *c = h->newest;

	if (c == NULL || c->used + size > c->cap) {
		size_t cap = size > CHUNK_SIZE ? size : CHUNK_SIZE;
		c = xmalloc(sizeof *c + cap);
		c->next = NULL;
		c->used = 0;
		c->cap = cap;
		if (h->newest != NULL)
			h->newest->next = c;
		else
			h->oldest = c;
		h->newest = c;
		h->bytes += cap;
	}
	c->used += size;
	return (struct hline *)(void *)(c->data + c->used - size);
}

static bool
chunk_holds(const struct chunk *c, const void *p)
{
	return (const unsigned char *)p >= c->data && (const unsigned char *)p < c->data + c->used;
}

/* Would a line of size bytes need a new chunk? */
static bool
needs_chunk(const struct history *h, size_t size)
{
	return h->newest == NULL || h->newest->used + size > h->newest->cap;
}

static const struct hrun *
line_runs(const struct hline *l)
{
	return (const struct hrun *)(l + 1);
}

static const unsigned char *
line_text(const struct hline *l)
{
	return (const unsigned char *)(line_runs(l) + l->nruns);
}

struct history *
history_new(size_t max_lines)
{
	struct history *h = xcalloc(1, sizeof *h);

	h->max_lines = max_lines;
	h->budget = HISTORY_DEFAULT_BUDGET;
	return h;
}

void
history_free(struct history *h)
{
	if (h == NULL)
		return;
	while (h->oldest != NULL)
		chunk_free_oldest(h);
	free(h->ring);
	free(h->text);
	free(h->runs);
	free(h);
}

static void
drop_oldest(struct history *h)
{
	h->ring[h->start] = NULL;
	h->start = (h->start + 1) % h->cap;
	h->len--;
	h->dropped++;
	while (h->oldest != NULL && (h->len == 0 || !chunk_holds(h->oldest, h->ring[h->start])))
		chunk_free_oldest(h);
}

void
history_set_budget(struct history *h, size_t bytes)
{
	h->budget = bytes;
	while (h->len > 1 && h->bytes + h->cap * sizeof *h->ring > h->budget)
		drop_oldest(h);
}

/* Room for one more line pointer: the ring grows by doubling up to max_lines. */
static void
ring_grow(struct history *h)
{
	size_t cap = h->cap ? h->cap * 2 : 64;

	if (cap > h->max_lines)
		cap = h->max_lines;
	struct hline **ring = xcalloc(cap, sizeof *ring);
	for (size_t i = 0; i < h->len; i++)
		ring[i] = h->ring[(h->start + i) % h->cap];
	free(h->ring);
	h->ring = ring;
	h->cap = cap;
	h->start = 0;
}

/*
 * A code point as UTF-8; a surrogate (which no UTF-8 decoder takes back) or
 * a control character (which would read as a token) as U+FFFD.
 */
static size_t
put_utf8(unsigned char *o, uint32_t c)
{
	if (c < 0x20 || (c >= 0xd800 && c <= 0xdfff))
		c = 0xfffd;
	return utf8_encode(c, (char *)o);
}

/* The code point put_utf8 wrote at p (before end). */
static size_t
get_utf8(const unsigned char *p, const unsigned char *end, uint32_t *c)
{
	size_t n = utf8_decode(p, (size_t)(end - p), c);

	if (n == 0) { /* cannot happen with what put_utf8 wrote; stay in step */
		*c = 0xfffd;
		n = 1;
	}
	return n;
}

/* A cell left out at the end of a line: blank, default colours, no attributes. */
static bool
trailing_blank(const struct grid_cell *c, uint16_t attr_xor)
{
	return (c->ch == 0 || c->ch == ' ') && c->fg == GRID_COLOR_DEFAULT &&
	       c->bg == GRID_COLOR_DEFAULT && (c->attrs ^ attr_xor) == 0 &&
	       !(c->flags & GRID_COMBINED);
}

/* Tokens of one cell into o; returns the bytes written (at most 1 + 4 + 5 * 5). */
static size_t
encode_cell(const struct grid_row *row, int col, unsigned char *o)
{
	uint32_t ch = row->cells[col].ch;
	size_t n;

	if (ch >= 0x20 && ch < 0x80 && !(row->cells[col].flags & GRID_COMBINED)) {
		o[0] = (unsigned char)ch;
		return 1;
	}
	if (ch == 0) {
		o[0] = TOK_ERASED;
		return 1;
	}
	if (ch == GRID_CONT) {
		o[0] = TOK_CONT;
		return 1;
	}
	n = put_utf8(o, ch);
	if (row->cells[col].flags & GRID_COMBINED) {
		uint32_t chars[GRID_MAX_CHARS];
		int k = grid_row_chars(row, col, chars);
		for (int i = 1; i < k; i++) {
			o[n++] = TOK_MARK;
			n += put_utf8(o + n, chars[i]);
		}
	}
	return n;
}

void
history_push(struct history *h, const struct grid_row *row, int cols, uint16_t attr_xor)
{
	int n = cols, nruns = 0;
	size_t nbytes = 0;

	if (h->max_lines == 0) {
		h->dropped++;
		return;
	}
	if (cols > h->scratch_cols) {
		h->text = xreallocarray(h->text, (size_t)cols, 32);
		h->runs = xreallocarray(h->runs, (size_t)cols, sizeof *h->runs);
		h->scratch_cols = cols;
	}
	while (n > 0 && trailing_blank(&row->cells[n - 1], attr_xor))
		n--;
	for (int col = 0; col < n; col++) {
		const struct grid_cell *c = &row->cells[col];
		uint16_t attrs = c->attrs ^ attr_xor;
		if (nruns == 0 || h->runs[nruns - 1].fg != c->fg ||
		    h->runs[nruns - 1].bg != c->bg || h->runs[nruns - 1].attrs != attrs)
			h->runs[nruns++] = (struct hrun){ 0, attrs, c->fg, c->bg };
		h->runs[nruns - 1].ncells++;
		nbytes += encode_cell(row, col, h->text + nbytes);
	}
	struct hline head = { (uint16_t)n, (uint16_t)nruns, (uint32_t)nbytes };
	size_t size = line_size(&head);
	size_t grow = size > CHUNK_SIZE ? size : CHUNK_SIZE;
	while (h->len > 0 &&
	       (h->len >= h->max_lines ||
	        (needs_chunk(h, size) && h->bytes + grow + h->cap * sizeof *h->ring > h->budget)))
		drop_oldest(h);
	if (h->len == h->cap)
		ring_grow(h);
	struct hline *l = chunk_alloc(h, size);
	*l = head;
	memcpy((struct hrun *)(l + 1), h->runs, (size_t)nruns * sizeof(struct hrun));
	memcpy((unsigned char *)((struct hrun *)(l + 1) + nruns), h->text, nbytes);
	h->ring[(h->start + h->len) % h->cap] = l;
	h->len++;
}

/*
 * Cells of l into row, up to cols of them; the rest of row is left alone.
 * popping: the screen's way of taking a line back (see history_pop).
 */
static void
decode(const struct hline *l, struct grid_row *row, int cols, uint16_t attr_xor, bool popping)
{
	const struct hrun *runs = line_runs(l);
	const unsigned char *p = line_text(l), *end = p + l->nbytes;
	int col = 0;

	row->ncomb = 0;
	for (int i = 0; i < l->nruns; i++) {
		for (int k = 0; k < runs[i].ncells; k++, col++) {
			uint32_t ch, marks[GRID_MAX_CHARS - 1] = { 0 };
			int nmarks = 0;
			if (*p == TOK_ERASED || *p == TOK_CONT) {
				ch = *p++ == TOK_ERASED ? 0 : GRID_CONT;
			} else {
				p += get_utf8(p, end, &ch);
				while (p < end && *p == TOK_MARK) {
					uint32_t m;
					p += 1 + get_utf8(p + 1, end, &m);
					if (nmarks < GRID_MAX_CHARS - 1)
						marks[nmarks++] = m;
				}
			}
			if (col >= cols)
				continue;
			/*
			 * The right part of a wide character keeps the pen the row had,
			 * as libvterm's screen rebuilt it (setting the wide cell marks
			 * its neighbour, nothing more); a stray one is restored whole.
			 */
			if (popping && ch == GRID_CONT && col > 0 &&
			    row->cells[col - 1].ch != GRID_CONT) {
				row->cells[col].ch = GRID_CONT;
				row->cells[col].flags = 0;
				continue;
			}
			row->cells[col] =
			    (struct grid_cell){ ch, runs[i].fg, runs[i].bg,
				                (uint16_t)(runs[i].attrs ^ attr_xor), 0 };
			if (nmarks > 0)
				grid_row_set_marks(row, col, marks);
		}
	}
}

int
history_pop(struct history *h, struct grid_row *row, int cols, uint16_t attr_xor)
{
	const struct grid_pen blank = { 0, 0, attr_xor };

	if (h->len == 0)
		return -1;
	size_t i = (h->start + h->len - 1) % h->cap;
	struct hline *l = h->ring[i];
	decode(l, row, cols, attr_xor, true);
	if (l->ncells < cols)
		grid_row_clear(row, l->ncells, cols, &blank);
	/* The newest line ends the newest chunk: give its bytes back. */
	h->newest->used = (size_t)((unsigned char *)l - h->newest->data);
	if (h->newest->used == 0) {
		struct chunk *gone = h->newest, **p = &h->oldest;
		while (*p != gone)
			p = &(*p)->next;
		*p = NULL;
		h->newest = h->oldest;
		while (h->newest != NULL && h->newest->next != NULL)
			h->newest = h->newest->next;
		h->bytes -= gone->cap;
		free(gone);
	}
	h->ring[i] = NULL;
	h->len--;
	return 0;
}

size_t
history_count(const struct history *h)
{
	return h->len;
}

uint64_t
history_dropped(const struct history *h)
{
	return h->dropped;
}

size_t
history_bytes(const struct history *h)
{
	return h->bytes + h->cap * sizeof *h->ring;
}

struct grid_row *
history_row(const struct history *h, size_t index, int *ncells)
{
	static const struct grid_pen plain = { 0, 0, 0 };

	if (index >= h->len)
		return NULL;
	const struct hline *l = h->ring[(h->start + index) % h->cap];
	struct grid_row *row = grid_row_new(l->ncells > 0 ? l->ncells : 1, &plain);
	decode(l, row, l->ncells, 0, false);
	*ncells = l->ncells;
	return row;
}
