/*
 * History mode of the agent pane, like tmux's copy mode: the lines the
 * agent printed above its screen (the server keeps 10,000 a session),
 * fetched a page at a time with the history op as the view moves and kept
 * in a bounded cache (histbuf.h), searched on the server (history-search).
 * The view holds stable line numbers (proto/histnum.h), so it stays on the
 * same lines while the agent goes on printing and the live screen model
 * keeps updating underneath. Entered with PgUp in the agent pane (or the
 * `history` request); `q`, Esc or any key it does not know returns to the
 * live screen. Not in attach mode: there every key is the agent's.
 */
#ifndef DEVFLOW_TUI_HISTMODE_H
#define DEVFLOW_TUI_HISTMODE_H

#include <curses.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"
#include "editor.h"
#include "histbuf.h"

#define HISTMODE_PATTERN_MAX 1024

struct tui;

struct histmode {
	int on;
	char *session;       /* the session scrolled back through */
	int64_t top;         /* stable number of the pane's first row (once the first reply came) */
	int page_up;         /* entered with PgUp: the first reply shows the page above */
	struct histbuf buf;  /* the lines fetched */
	int fetching;        /* a history request in flight */
	unsigned gen;        /* screen changes seen while on */
	unsigned fetch_gen;  /* gen when the request in flight was sent */
	int searching;       /* the search line is open: '/' forward, '?' backward; else 0 */
	struct editor input; /* what is typed on it */
	char pattern[HISTMODE_PATTERN_MAX + 1]; /* the last search, "" when none (kept on close) */
	int backward;                           /* its direction */
	int64_t match; /* stable number of the current match, -1 when none */
	int search_inflight;
};

/*
 * Enter history mode on the agent session the pane shows (page_up: a page
 * above the screen at once, as PgUp); a message says why not when there
 * is none, or the pane is not shown.
 */
void histmode_open(struct tui *t, int page_up);
/* Back to the live screen: the cache and the search line are freed (the pattern stays). */
void histmode_close(struct tui *t);
/*
 * A key while history mode is on: scroll, search, or leave (q, Esc, and
 * any other key, which does nothing else). 1 when taken (every key while
 * on), 0 when history mode is off.
 */
int histmode_key(struct tui *t, int key);
/* A paste while the search line is open goes on it (1); else 0. */
int histmode_paste(struct tui *t, const char *text);
/* The agent's screen changed: lines still on it are fetched again, the totals too. */
void histmode_screen_changed(struct tui *t);
/* The replies to history and history-search requests. */
void histmode_reply(struct tui *t, const struct proto_msg *m);
void histmode_search_reply(struct tui *t, const struct proto_msg *m);
/* Draw the lines into win (rows x cols, the pane's inside), the matches highlighted. */
void histmode_draw(struct tui *t, WINDOW *win, int rows, int cols);
/* The position for the pane's title: "[history 120/5024]" (the first row shown / the lines held).
 */
void histmode_note(const struct tui *t, char *out, size_t n);
/* The search line over the footer, when open. */
void histmode_draw_prompt(struct tui *t);
/* History mode's keys for the footer ("KEY label" pairs, NULL-terminated). */
const char *const *histmode_hints(void);

#endif
