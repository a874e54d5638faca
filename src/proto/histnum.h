/*
 * How the lines of an agent's terminal are numbered, for the history op,
 * `devflow capture -S/-E` and the TUI's history mode. Two numberings:
 *
 *  - tmux's (capture-pane -S/-E): 0 is the first row of the screen,
 *    negative numbers the history above it (-1 its last line), so a
 *    number moves as lines arrive;
 *  - stable: lines fallen off the history's top (dropped) + the line's
 *    index counted from the oldest line kept, so a number names one line
 *    for good and a reader keeps its place while output arrives.
 *
 * stable = dropped + history size + tmux number. No I/O, no screen: the
 * server fills a struct histnum from its screen model.
 */
#ifndef DEVFLOW_HISTNUM_H
#define DEVFLOW_HISTNUM_H

#include <stdint.h>

#include "lib/error.h"

/* Where a session's lines stand now. */
struct histnum {
	int64_t dropped; /* lines fallen off the history's top */
	int64_t size;    /* history lines kept above the screen */
	int64_t rows;    /* rows of the screen */
};

/* The stable number of tmux line rel, and back. */
int64_t histnum_stable(const struct histnum *h, int64_t rel);
int64_t histnum_tmux(const struct histnum *h, int64_t stable);

/* The first and the last stable number held (the oldest history line, the screen's last row). */
int64_t histnum_first(const struct histnum *h);
int64_t histnum_last(const struct histnum *h);

/*
 * Stable line n as an index into the lines held: 0..size-1 a history line
 * (0 the oldest kept), size..size+rows-1 the screen's rows; -1 when n is
 * not held (fallen off, or past the screen).
 */
int64_t histnum_index(const struct histnum *h, int64_t n);

/*
 * The stable range of tmux's -S start -E end (NULL: the history's start,
 * the screen's end) into *first and *last. Like tmux, a number beyond
 * what is held is taken as the nearest line held (-S -100000 is the
 * oldest line); start after end is an error (invalid_argument, "op:
 * start S is after end E"; op names the request). Returns 0 or -1.
 */
int histnum_range(const struct histnum *h, const int64_t *start, const int64_t *end, const char *op,
                  int64_t *first, int64_t *last, struct df_error *err);

#endif
