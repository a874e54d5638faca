/*
 * The overlays over the panes — the pager (the help screen is one), the
 * confirmation, the comment editor, the new-run form and the runs filter —
 * each a file with its own state struct. They know nothing of the
 * application: each draws into the area it is given, and a key returns a
 * result (like htop's HandlerResult) that the application (views.c) acts on.
 */
#ifndef DEVFLOW_TUI_OVERLAY_H
#define DEVFLOW_TUI_OVERLAY_H

#include <curses.h>
#include <stddef.h>

#include "lib/error.h"
#include "editor.h"
#include "keys.h"

#define KEY_CS 19 /* C-s */
#define KEY_ESCAPE 27

enum overlay_result {
	OVERLAY_KEEP,    /* the key was used; the overlay stays */
	OVERLAY_DONE,    /* finished: the application closes it */
	OVERLAY_CANCEL,  /* the user backed out: closed, and the application says so */
	OVERLAY_SUBMIT,  /* the user confirmed: the application acts on what it holds */
	OVERLAY_CHANGED, /* its text changed: the application follows it as typed */
};

/* pager.c: a text to scroll (artifacts, diffs with + - @@ coloured, reports, help) */
struct pager {
	char *title;
	char **lines;
	size_t n, top;
	int diff;           /* colour + / - / @@ lines */
	struct editor find; /* the search text being typed after / */
	int finding;        /* find takes the keys */
	char *search;       /* the last text searched for (n, N), NULL when none */
	char *note;         /* what the last search found not, NULL when none */
};

/* Show a copy of text (what pg showed before is freed). */
void pager_open(struct pager *pg, const char *title, const char *text, int diff);
/* Free what pg holds; pg is zeroed. */
void pager_free(struct pager *pg);
void pager_draw(const struct pager *pg, int y, int x, int h, int w);
/*
 * Scroll for key (bindings in keys); q, Esc or quit: OVERLAY_DONE. `/`
 * (filter) opens a search line: Enter shows the first line from the top
 * on that holds the text (case ignored), n and N the next and previous
 * (find-next, find-prev); the matches are shown in reverse.
 */
enum overlay_result pager_key(struct pager *pg, const struct keymap *keys, int key);

/* The mouse wheel: lines down (negative: up), down to the last line at the top. */
void pager_wheel(struct pager *pg, int lines);

/* comment.c: the request-changes comment editor over the artifact's summary */
struct comment {
	struct editor ed;
	char run[DF_ID_MAX], approval[DF_ID_MAX];
	char *summary; /* the artifact's summary, NULL when none */
};

/* A new empty comment on run_id's approval_id under summary (owned from now on). */
void comment_open(struct comment *c, const char *run_id, const char *approval_id, char *summary);
/* Free the comment and the summary. */
void comment_free(struct comment *c);
/* 1 when the comment holds only blanks. */
int comment_blank(const struct comment *c);
/* 1 when the comment runs over more than one line (Esc asks before dropping it). */
int comment_multiline(const struct comment *c);
void comment_draw(struct comment *c, int y, int x, int h, int w);
/* Esc: OVERLAY_CANCEL; C-s: OVERLAY_SUBMIT; other keys edit the comment. */
enum overlay_result comment_key(struct comment *c, int key);

/* confirm.c: a question a destructive key asks first */
struct confirm {
	char *question;
	char action[32]; /* the decision: "reject" or "abort" */
	char run[DF_ID_MAX], approval[DF_ID_MAX];
};

/* Ask question (owned from now on) before action on run_id's approval_id. */
void confirm_open(struct confirm *cf, const char *action, const char *run_id,
                  const char *approval_id, char *question);
/* Free the question (action, run and approval stay). */
void confirm_free(struct confirm *cf);
/* Draw the question centred on the screen. */
void confirm_draw(const struct confirm *cf);
/*
 * y or Y: OVERLAY_SUBMIT; any other key: OVERLAY_CANCEL. (A paste is no
 * key: the application never hands one to the confirmation.)
 */
enum overlay_result confirm_key(struct confirm *cf, int key);

/* filter.c: the runs filter or a search, its text in an editor over the footer, hint after it */
void filter_draw(const struct editor *e, const char *hint);
/* Esc: OVERLAY_CANCEL; Enter: OVERLAY_DONE; other keys edit: OVERLAY_CHANGED. */
enum overlay_result filter_key(struct editor *e, int key);

/* form.c: the new-run form */
enum form_field {
	FORM_REPO,
	FORM_BASE,
	FORM_TEMPLATE,
	FORM_REQUIREMENTS,
	FORM_BACKEND, /* a choice among the backends the server can run, not text */
	FORM_OVERRIDES,
	FORM_FIELDS
};

struct result_backends;

struct form {
	struct editor f[FORM_FIELDS]; /* f[FORM_BACKEND] unused: the choice below */
	char *msg[FORM_FIELDS];       /* validation message per field, or NULL */
	int focus;
	char *error;      /* the server's refusal (or "starting…") */
	char *error_hint; /* its hint, or NULL */
	char **backends;  /* the available backends, NULL-terminated; NULL until the server says */
	size_t nbackends, choice;
	char **roles;    /* the template's roles, NULL-terminated (NULL: not known) */
	char *want;      /* the backend to choose when they come: remembered, else keys.conf's */
	char *missing;   /* the backends not installed, "claude (npm install …)", or NULL */
	int base_edited; /* the user typed the base: a new repository leaves it */
	int want_roles;  /* the template changed: the application asks the server again */
};

/*
 * The form's fields at their defaults: the repository of the working
 * directory and its branch; want (copied, may be NULL) is the backend to
 * choose once the server lists the available ones (form_set_backends).
 */
void form_open(struct form *f, const char *want);
/*
 * The server's backends reply: the available ones become the choice (want
 * chosen when among them, else the first), the template's roles what a start
 * binds. Strings are copied.
 */
void form_set_backends(struct form *f, const struct result_backends *r);
/* The chosen backend, NULL while none is known (none available, or not asked yet). */
const char *form_backend(const struct form *f);
/* Free the fields, the messages and the error. */
void form_free(struct form *f);
/* Draw the form centred in the area, at most 100 × 18. */
void form_draw(struct form *f, int y, int x, int h, int w);
/*
 * Esc: OVERLAY_CANCEL; C-s (or Enter on the last field) with every field
 * valid: OVERLAY_SUBMIT; other keys move between or edit the fields; on the
 * backend, Left/Right and Space choose. Leaving the repository fills the
 * base with its branch (unless the base was typed); leaving a changed
 * template sets want_roles.
 */
enum overlay_result form_key(struct form *f, int key);
/*
 * A paste into the focused field (editor_paste), its message cleared: 1, or
 * 0 on the backend choice, which takes no text.
 */
int form_paste(struct form *f, const char *text);

/*
 * help.c: the help screen, a pager over this text wrapped at width cells
 * (the caller frees it)
 */
char *help_text(const struct keymap *keys, int width);

#endif
