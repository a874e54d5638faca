/*
 * The status line's messages (what an action did, why it was refused, the
 * server's errors) and their history. A message is shown until the next
 * key or until it expires (MESSAGES_INFO_MS, MESSAGES_ERROR_MS on the
 * app's clock, which the headless script moves with :sleep); it is fitted
 * to the width it is drawn at — wrapped at word boundaries over a few rows,
 * else abbreviated at a word boundary with "…", its hint kept whole — so it
 * is re-fitted after a resize; and every message stays in the history in
 * full (the `messages` request shows it, like tig's :messages). No curses
 * here but the width of text (draw.h), so it is unit-tested.
 */
#ifndef DEVFLOW_TUI_MESSAGES_H
#define DEVFLOW_TUI_MESSAGES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define MESSAGES_INFO_MS 5000
#define MESSAGES_ERROR_MS 10000
#define MESSAGES_KEEP 200 /* the history keeps the last this many */

struct message {
	char *text; /* the message */
	char *hint; /* what to do about it (kept whole when abbreviated), or NULL */
	int err;
	int64_t at;  /* shown at (the app's clock, ms) */
	time_t wall; /* shown at (for the history) */
};

struct messages {
	struct message *v; /* oldest first */
	size_t n;
	int shown; /* the newest is on the status line */
};

/*
 * Show a message (err: an error) from now (now_ms on the app's clock, wall
 * the time of day for the history); hint NULL or "" for none, and dropped
 * when text already says it. Both are copied.
 */
void messages_add(struct messages *m, int err, const char *text, const char *hint, int64_t now_ms,
                  time_t wall);
/* The message on the status line, NULL when none (hidden or expired). */
const struct message *messages_current(const struct messages *m);
/* Take the message off the status line (the next key); it stays in the history. */
void messages_hide(struct messages *m);
/* When the shown message expires (app's clock), or -1 when none is shown. */
int64_t messages_due(const struct messages *m);
/* Expire the shown message when its time is up at now_ms: 1 when it went. */
int messages_expire(struct messages *m, int64_t now_ms);
/* The text as shown whole: "text (hint)". The caller frees. */
char *messages_full(const struct message *msg);
/*
 * msg fitted into at most maxrows rows of width cells: wrapped at spaces
 * (a word wider than a row is broken), else the text abbreviated at a word
 * boundary with "…" before the hint, which stays whole when it can. Returns
 * the rows (*n of them, at least 1); the caller frees each and the array
 * (str_vec_free).
 */
char **messages_fit(const struct message *msg, int width, int maxrows, size_t *n);
/*
 * The history for a pager, newest first: "HH:MM:SS  text (hint)", errors
 * marked "error", each wrapped at width cells under its time. The caller frees.
 */
char *messages_history(const struct messages *m, int width);
/* Free the history; m is zeroed. */
void messages_free(struct messages *m);

#endif
