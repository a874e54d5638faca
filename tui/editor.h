/*
 * A text with a cursor (editor.c): the comment editor, the new-run form's
 * fields and the runs filter each hold one.
 */
#ifndef DEVFLOW_TUI_EDITOR_H
#define DEVFLOW_TUI_EDITOR_H

#include <curses.h>
#include <stddef.h>

#include "lib/buf.h"

struct editor {
	struct buf text;
	size_t cur; /* byte offset */
	int multiline;
	int top; /* first line shown */
};

/* Start e with a copy of text (NULL: empty), the cursor at its end. */
void editor_init(struct editor *e, const char *text, int multiline);
/* Free e's text; e is zeroed. */
void editor_free(struct editor *e);
/* e's text, "" when none (owned by e). */
const char *editor_text(const struct editor *e);
/* Edit e for key (KEYS_FN | curses code for function keys): 1 when used. */
int editor_key(struct editor *e, int key);
/*
 * Insert a pasted text at the cursor: a tab as spaces to the next column
 * of 8, other control characters left out; in a one-line editor newlines
 * become spaces and final ones are dropped.
 */
void editor_paste(struct editor *e, const char *text);
/*
 * Draw the editor's text into win at y, x within h rows and w cells, lines
 * wrapped at words (a word wider than w cut); returns the cursor position
 * through cy/cx.
 */
void editor_draw(struct editor *e, WINDOW *win, int y, int x, int h, int w, attr_t attr, int *cy,
                 int *cx);
/* Show the cursor cell at cy, cx of win in reverse (the real cursor is hidden). */
void editor_show_cursor(WINDOW *win, int cy, int cx);

#endif
