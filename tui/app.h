/*
 * The TUI's internals shared by its files: the application state, the pane
 * ops table (STYLE.md rule 3, tig's view_ops), which overlay is open (their
 * states are overlay.h's) and the calls the files make into one another
 * (select a run, send a request, show a message, ...).
 */
#ifndef DEVFLOW_TUI_APP_H
#define DEVFLOW_TUI_APP_H

#include <curses.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "lib/buf.h"
#include "proto/client.h"
#include "proto/proto.h"
#include "editor.h"
#include "histmode.h"
#include "keys.h"
#include "list.h"
#include "messages.h"
#include "model.h"
#include "overlay.h"
#include "request.h"

struct tui;
struct pane;

/*
 * What a pane's handler asks of the app (as htop's HandlerResult): nothing
 * (the request was not the pane's), nothing more, or to select a run (its
 * id in *run, NULL for none). Panes never call up into the app.
 */
enum pane_result { PANE_IGNORED, PANE_HANDLED, PANE_SELECT_RUN };

struct pane_ops {
	const char *name;
	/* Draw the pane into p->win (frame included); no refresh. */
	void (*draw)(struct pane *p, struct tui *t);
	/*
	 * Act on a request while focused; REQ_NONE: the selection was just set
	 * from outside (a click, a row found), act on it as on a move.
	 */
	enum pane_result (*handle)(struct pane *p, struct tui *t, enum tui_request req,
	                           const char **run);
	/* The model changed: clamp the selection, say which run it now shows. */
	enum pane_result (*reload)(struct pane *p, struct tui *t, const char **run);
	/* Number of lines of content (for moves and paging). */
	size_t (*count)(struct pane *p, struct tui *t);
	/* Append the text of row i that a search looks in to b (NULL: no rows to search). */
	void (*row_text)(struct pane *p, struct tui *t, size_t i, struct buf *b);
};

enum pane_id { PANE_RUNS, PANE_PHASES, PANE_QUEUE, PANE_EVENTS, PANE_TERM, PANE__COUNT };

struct pane {
	const struct pane_ops *ops;
	WINDOW *win;
	int y, x, h, w;   /* placement; h == 0: hidden */
	int first, last;  /* first/last of its column: which frame corners to draw */
	struct list list; /* selection and first row shown */
};

/* The agent terminal's picture (from screen messages). */
struct term_screen {
	char *session; /* subscribed session, NULL when none */
	int rows, cols;
	int cursor_row, cursor_col, cursor_visible;
	char *title;
	struct proto_row *rowv;   /* rows entries, rowv[y].spans owned */
	int have;                 /* a snapshot arrived */
	int sent_rows, sent_cols; /* the last size we asked for */
	char *error;              /* why there is no picture (the subscription failed) */
	char *state;              /* what the server's detection says now ("busy"), or NULL */
};

enum overlay {
	OV_NONE,
	OV_HELP,
	OV_PAGER,
	OV_CONFIRM,
	OV_EDITOR,
	OV_FORM,
	OV_FILTER,
	OV_ATTACH,
};

enum pend_kind {
	PEND_LS = 1,
	PEND_STATUS,
	PEND_DECIDE,
	PEND_PAUSE,
	PEND_START,
	PEND_DIFF,
	PEND_REPORT,
	PEND_ARTIFACT, /* what: "view" or "editor" */
	PEND_SUB,
	PEND_ANSWER,         /* what: the choice's key and label */
	PEND_BACKENDS,       /* for the new-run form */
	PEND_HISTORY,        /* history mode's lines */
	PEND_HISTORY_SEARCH, /* history mode's search */
	PEND_EVENTS,         /* older events for the Events pane */
	PEND_OTHER,
};

struct pending {
	uint64_t id;
	enum pend_kind kind;
	char run_id[DF_ID_MAX];
	char what[32];
};

struct tui {
	char *workspace;
	int server_uid_set; /* --server-uid: whose server to trust */
	uid_t server_uid;
	struct client *client;
	struct keymap keys;
	struct model model;
	struct pane panes[PANE__COUNT];
	enum pane_id focus;
	struct term_screen term;
	struct histmode hist; /* history mode of the agent pane (histmode.h) */

	char *sel_run; /* selected run id, NULL when none */
	char *filter;  /* runs filter, NULL when none */
	char *search;  /* the last text searched for (n, N), NULL when none */
	int searching; /* OV_FILTER searches the focused list instead of filtering the runs */

	struct pending *pend;
	size_t npend;
	int want_ls;        /* ls again when the current one answers */
	char **want_status; /* runs whose status should be fetched again */
	size_t nwant_status;

	enum overlay ov;
	/* Each overlay's state (overlay.h), kept while another is open. */
	struct pager pager;     /* OV_PAGER, OV_HELP */
	struct confirm confirm; /* OV_CONFIRM */
	struct comment comment; /* OV_EDITOR */
	struct form form;       /* OV_FORM */
	struct editor flt;      /* OV_FILTER: the filter being typed */

	struct messages msgs; /* the status line's message and the history (messages.h) */
	int64_t vclock;       /* headless: the clock messages expire on, moved by :sleep */
	char *banner;         /* connection lost */
	time_t reconnect_at;

	int wide;        /* side-by-side layout */
	int show_term;   /* narrow layout: the terminal over the lists */
	int dirty;       /* something to redraw */
	int full_redraw; /* clear and redraw everything */
	int quit;
	int loaded;        /* the first ls answered (notifications start after) */
	char **seen_items; /* queue items already notified */
	size_t nseen;
	time_t started, server_since;
	int headless;
	FILE *out;
	SCREEN *scr;
	uint64_t token_seq;
	struct buf typed;  /* attached: printable keys not yet sent (one `type` request) */
	struct buf pasted; /* a bracketed paste being received (text, never keys) */
	int pasting;
	int typeahead_dropped; /* a question opened: the keys read behind it are dropped */
	int wake[2];           /* self-pipe: a SIGTSTP from outside wakes the loop */
	int *held;             /* keys typed while a decision's reply is outstanding */
	size_t nheld;
	int rc;
};

/* Panes (panes.c, term.c). */
extern const struct pane_ops runs_ops, phases_ops, queue_ops, events_ops, term_ops;

/* The runs visible through the filter, in list order; returns the count. */
size_t app_visible_runs(struct tui *t, struct model_run ***out);

/* Select run_id (NULL: none): phases, events and terminal follow it. */
void app_select_run(struct tui *t, const char *run_id);
/* A request to the focused pane p, and what it asks done: 1 when it was the pane's. */
int app_pane_handle(struct tui *t, struct pane *p, enum tui_request req);
/* Reload pane p after the model changed, and do what it asks. */
void app_pane_reload(struct tui *t, struct pane *p);
/* The highlighted item of the "Waiting for you" pane when it has the focus, else NULL. */
const struct model_item *app_queue_item(const struct tui *t);
/* The highlighted queue item when it is a question with declared answers, else NULL. */
const struct model_item *app_question_item(const struct tui *t);
/* Select the run of the highlighted queue item, when the queue has the focus. */
void app_select_queue_run(struct tui *t);
/* The rows and columns inside a pane's frame (rows may be below 1 when tiny). */
void app_pane_inner(const struct pane *p, int *rows, int *cols);

/* Send a request; kind tags its reply. Returns 0, or -1 (message shown). */
int app_send(struct tui *t, const char *op, cJSON *args, enum pend_kind kind, const char *run_id);

/* Show msg in the status bar (err: as an error). */
void app_message(struct tui *t, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fetch the status of run_id (coalesced with one in flight). */
void app_want_status(struct tui *t, const char *run_id);
/*
 * The Events pane's selection came near the oldest event held: fetch the
 * page before it (the `events` op by seq), unless it is the run's first
 * or a page is on its way.
 */
void app_want_older_events(struct tui *t);

/* Attributes for the focused selection line. */
void pane_line_attr(struct pane *p, struct tui *t, size_t line, attr_t *attr, int *pair);
/* Move the selection for a movement request. 1 when handled. */
int pane_move(struct pane *p, struct tui *t, enum tui_request req);

/* term.c */
void term_reset(struct tui *t);
void term_apply(struct tui *t, struct proto_screen *s);
void term_draw_full(struct tui *t, WINDOW *win, int rows, int cols);
/* Draw a row of styled spans at row y of win, cut at limit cells (the cells after it untouched). */
void term_draw_row(WINDOW *win, int y, const struct proto_row *row, int limit);

/* views.c: the overlay open */
/* Draw the open overlay (none: nothing). */
void views_draw(struct tui *t);
/* A key while an overlay is open: 1 when it took the key, 0 when none is open. */
int views_key(struct tui *t, int key);
/* Open the pager on a copy of text (over any other overlay). */
void views_pager(struct tui *t, const char *title, const char *text, int diff);
/* Open the new-run form (afresh); close it (when open: the overlay goes). */
void views_form_open(struct tui *t);
void views_form_close(struct tui *t);
/* Open the help screen (a pager). */
void help_open(struct tui *t);
/* The screen was resized: the help, when open, is wrapped anew. */
void views_resized(struct tui *t);
/*
 * Ask question (owned from now on) before action on run_id's approval_id;
 * the keys typed ahead of it are dropped (app_drop_typeahead).
 */
void views_confirm(struct tui *t, const char *action, const char *run_id, const char *approval_id,
                   char *question);
/* A paste into the open overlay's text field: 1 when it took it, 0 when none has one. */
int views_paste(struct tui *t, const char *text);

/* find.c: the runs filter and the search in lists */
/* `/`: the runs filter, empty, when the runs have the focus; else a search of the focused list. */
void find_open(struct tui *t);
/* A key's result in the filter or search line (OV_FILTER). */
void find_result(struct tui *t, enum overlay_result r);
/* n (dir 1), N (dir -1): the next or previous row of the focused list matching t->search. */
void find_next(struct tui *t, int dir);

/* mouse.c: clicks and the wheel */
enum mouse_kind { MOUSE_CLICK, MOUSE_WHEEL_UP, MOUSE_WHEEL_DOWN };
/* Ask the terminal for button presses and the wheel (no motion, no releases). */
void mouse_start(void);
/* A curses KEY_MOUSE: read the event and act on it (nothing when it is none of ours). */
void mouse_key(struct tui *t);
/*
 * A click or a wheel notch at screen row y, column x (from 0): select the
 * row or focus the pane under it, scroll the list, the pager or help.
 */
void app_mouse(struct tui *t, enum mouse_kind kind, int y, int x);

/* app.c */
/* Show e (and its hint) in the status bar as an error. */
void app_message_error(struct tui *t, const struct df_error *e);
/*
 * The clock the status line's messages expire on (ms): the monotonic
 * clock, or in headless mode the script's, which only :sleep moves (so a
 * test sees a message expire exactly when it means to).
 */
int64_t app_now_ms(const struct tui *t);
/* The message history in the pager (the `messages` request). */
void app_messages_open(struct tui *t);
/* Fetch the runs list (again when one is in flight). */
void app_want_ls(struct tui *t);
/*
 * A question was asked: drop the keys typed ahead of it (curses' and the
 * terminal's, and the rest of the batch being read, a script's :type too),
 * so that only an answer pressed after it appeared answers it.
 */
void app_drop_typeahead(struct tui *t);
/*
 * An action refused here: the message as an error, and the keys typed
 * behind it dropped (they were typed for a state the person was wrong about).
 */
void app_refuse(struct tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Is a decision (decide, pause, resume) waiting for the server's reply?
 * The keys typed meanwhile are held (app_key) until it comes.
 */
int app_awaiting_decision(struct tui *t);
/*
 * The reply came: act on the held keys in order (ok), or drop them with
 * the rest of the type-ahead (refused: they were typed for a state the
 * server says is not there).
 */
void app_release_keys(struct tui *t, int ok);
/*
 * Benchmarks: with DEVFLOW_TUI_MARKS=FILE, append "LABEL MS" (at ms, or
 * now) to it.
 */
void app_mark_at(const char *label, int64_t ms);
void app_mark(const char *label);
/* Draw what changed (everything after full_redraw) and update the screen. */
void app_render(struct tui *t);
/*
 * C-z (raw mode: a key, not the terminal's SIGTSTP) or a SIGTSTP from
 * outside: leave the screen as it was before the TUI (curses ended,
 * bracketed paste off), stop the job, and when it goes on (fg, SIGCONT)
 * take the screen back whole: paste mode, the layout for the size it has
 * now, everything redrawn. Headless, everything but the stop.
 */
void app_suspend(struct tui *t);
/* Place the panes for the screen's size (after a resize, a layout toggle). */
void app_layout(struct tui *t);
/* A new object {"run": run_id}: the arguments of most run requests. */
cJSON *app_run_args(const char *run_id);
/*
 * Subscribe to the selected run's live agent session (unsubscribing the
 * one shown before) and ask it for the size the terminal is drawn at.
 */
void app_follow_session(struct tui *t);

/* actions.c: what keys and requests do, and the actions the overlays finish */
/* Act on a key (KEYS_FN | curses code for function keys). */
void app_key(struct tui *t, int key);
void app_decide(struct tui *t, const char *run_id, const char *approval_id, const char *action,
                const char *comment);
void app_submit_form(struct tui *t);

/* reply.c: what the server's messages change */
/* Act on a message from the server (reply, event or screen). */
void app_on_message(struct tui *t, struct proto_msg *m);

/* attach.c: attach mode */
/* Attach to the selected run's live agent (a message says why not). */
void app_attach(struct tui *t);
/* A key while attached: to the agent; C-] detaches. */
void app_attach_key(struct tui *t, int key);
/* Send the printable keys typed while attached as one `type` request. */
void app_flush_typed(struct tui *t);
/* Draw the attached screen: the agent's terminal over a status line. */
void app_draw_attach(struct tui *t);
/* A bracketed paste while attached: to the agent as one `paste`. */
void app_attach_paste(struct tui *t, const char *text);

/* script.c: the headless script mode (tui.h) */
struct script {
	FILE *f;
	int lineno;
	char *path;
	char *wait_text;
	int wait_gone;
	int64_t wait_deadline, sleep_until;
	int64_t waited_at; /* when the last wait was met (for :mark), 0 when none */
	int done;
};

/*
 * Open the script at path for t and make the headless terminal: its size
 * (DEVFLOW_TUI_SIZE), t->out (DEVFLOW_TUI_OUTPUT, default /dev/null) and *in
 * (/dev/null). Returns 0, or -1 with the reason on stderr; script_close
 * then frees sc, the caller closes t->out and *in.
 */
int script_open(struct tui *t, struct script *sc, const char *path, FILE **in);
/* Close sc's file and free what it holds (sc zeroed or opened). */
void script_close(struct script *sc);
/* Parse COLSxROWS (20x6 to 1000x1000): 0, or -1 when it is not one. */
int script_parse_size(const char *s, int *cols, int *rows);
/* Run script lines until one needs the UI to act (a key) or to wait. */
void script_step(struct tui *t, struct script *sc);
/* After a frame: is the script's wait met? (Checked per frame, not only when idle.) */
void script_check_wait(struct script *sc);

#endif
