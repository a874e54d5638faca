/*
 * The TUI's copy of the agent history lines it fetched (history mode):
 * one block of consecutive lines by stable number (proto/histnum.h), fed by
 * history replies, and bounded — a page far from where the person reads
 * replaces the block, and a block grown past HISTBUF_MAX lines loses the
 * lines farthest from there. Lines fetched while still on the screen
 * ("loose": the agent may redraw them) are kept only from the latest
 * reply; lines of the history are final. No curses, so unit-tested.
 */
#ifndef DEVFLOW_TUI_HISTBUF_H
#define DEVFLOW_TUI_HISTBUF_H

#include <stddef.h>
#include <stdint.h>

#include "proto/histnum.h"
#include "proto/proto.h"
#include "proto/result.h"

#define HISTBUF_MAX 4000

enum { HISTBUF_EMPTY, HISTBUF_FINAL, HISTBUF_LOOSE };

struct histbuf {
	struct histnum hn; /* where the lines stood at the latest reply */
	int have;          /* a reply came: hn is known */
	int64_t base;      /* stable number of rows[0] */
	struct proto_row *rows;
	unsigned char *state; /* per row: HISTBUF_EMPTY, _FINAL or _LOOSE (fetched on the screen) */
	size_t n;
};

void histbuf_init(struct histbuf *hb);
void histbuf_free(struct histbuf *hb);

/*
 * Take a history reply's lines (r's rows are moved out: r->nlines is 0
 * after) and its totals. Lines of the block that no longer are held are
 * dropped; keep is the stable line the person reads, kept when the block
 * must shrink.
 */
void histbuf_put(struct histbuf *hb, struct result_history *r, int64_t keep);

/* Line n, or NULL when the block does not hold it. */
const struct proto_row *histbuf_line(const struct histbuf *hb, int64_t n);

/* The first line of a..b (stable, inclusive) the block does not hold, or -1. */
int64_t histbuf_missing(const struct histbuf *hb, int64_t a, int64_t b);

/* The text of row (spans joined, gaps as spaces) into a new string (caller frees). */
char *histbuf_text(const struct proto_row *row);

#endif
