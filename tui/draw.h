/*
 * Drawing helpers every part of the TUI shares — the panes, the overlays,
 * the header, footer and attach bar: UTF-8 text put clipped or wrapped to
 * a number of cells, its display width, and a pane's frame with its title.
 */
#ifndef DEVFLOW_TUI_DRAW_H
#define DEVFLOW_TUI_DRAW_H

#include <curses.h>
#include <stddef.h>
#include <wchar.h>

#include "lib/buf.h"

struct pane;
struct tui;

/*
 * Erase win (h rows, w cells) and frame it: tees instead of corners atop
 * unless first, no bottom line unless last; the title at the top left, the
 * note (or NULL) at the top right; highlighted when focused.
 */
void frame_draw(WINDOW *win, int h, int w, int first, int last, int focused, const char *title,
                const char *note);
/* Frame helper: draw p's frame with title (and right-aligned note). */
void pane_frame(struct pane *p, struct tui *t, const char *title, const char *note);
/* A framed window over the screen, titled; NULL when it cannot be made. */
WINDOW *box_win(int y, int x, int h, int w, const char *title);
/*
 * Split text into lines, indenting tabs as two spaces, other tabs one,
 * CRs dropped; *n gets the count. The caller frees each line and the array.
 */
char **split_lines(const char *text, size_t *n);
/* Put UTF-8 s at y, x of win clipped to width cells; returns the cells used. */
int put_clipped(WINDOW *win, int y, int x, const char *s, int width, attr_t attr, int pair);
/*
 * Put UTF-8 s from y, x wrapped at width cells over at most maxrows rows;
 * returns the rows used.
 */
int put_wrapped(WINDOW *win, int y, int x, const char *s, int width, int maxrows, attr_t attr,
                int pair);
/*
 * The first line of s wrapped at width cells at a word boundary: its
 * length in bytes (the blanks it breaks at left out), and in *next where
 * the next line starts (the blanks after the break skipped, a newline
 * passed). A word longer than width is cut at width: there is nothing
 * else to do with it. The last line has *next at the terminating NUL.
 */
size_t wrap_line(const char *s, int width, size_t *next);
/*
 * Append s wrapped at width cells to b, each line ended by a newline: the
 * first after first (already indent cells wide), the others after indent
 * blanks (a hanging indent, as the help's description column).
 */
void wrap_hanging(struct buf *b, const char *first, const char *s, int indent, int width);
/*
 * A copy of s that fits width cells (the caller frees it): s itself when
 * it fits, else the words that fit and "…", or when not even the first
 * word does, as much of it as fits and "…" — never a word cut unmarked.
 */
char *clip_words(const char *s, int width);
/* Display width of UTF-8 s (invalid bytes count 1). */
int str_width(const char *s);
/*
 * The next character of s (len > 0 bytes) in the locale's encoding: its
 * length, with *wc and *cw its cells (0 for a combining character, 1 for
 * one wcwidth does not know); a byte that starts no character is one '?'
 * of one cell, and st starts over.
 */
size_t mbchar_next(const char *s, size_t len, mbstate_t *st, wchar_t *wc, int *cw);
/* Append the character of a curses key to b in the locale's encoding (nothing when none). */
void put_key_char(struct buf *b, int key);

#endif
