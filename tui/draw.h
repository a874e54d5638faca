/*
 * Drawing helpers every part of the TUI shares — the panes, the overlays,
 * the header, footer and attach bar: UTF-8 text put clipped or wrapped to
 * a number of cells, its display width, and a pane's frame with its title.
 */
#ifndef DEVFLOW_TUI_DRAW_H
#define DEVFLOW_TUI_DRAW_H

#include <curses.h>

struct pane;
struct tui;

/* Frame helper: draw p's frame with title (and right-aligned note). */
void pane_frame(struct pane *p, struct tui *t, const char *title, const char *note);
/* Put UTF-8 s at y, x of win clipped to width cells; returns the cells used. */
int put_clipped(WINDOW *win, int y, int x, const char *s, int width, attr_t attr, int pair);
/*
 * Put UTF-8 s from y, x wrapped at width cells over at most maxrows rows;
 * returns the rows used.
 */
int put_wrapped(WINDOW *win, int y, int x, const char *s, int width, int maxrows, attr_t attr,
                int pair);
/* Display width of UTF-8 s (invalid bytes count 1). */
int str_width(const char *s);

#endif
