/*
 * The overlay open over the panes (t->ov), as the application sees it:
 * opening one, drawing it in its area, and acting on the result of a key
 * in it — close it, say it was cancelled, decide, start the run (the
 * filter and the search line are find.c's).
 * The overlays themselves, each with its state, are pager.c (and help.c),
 * confirm.c, comment.c, form.c and filter.c (overlay.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/paths.h"
#include "lib/xalloc.h"
#include "app.h"

/* The area the overlays cover: between header and footer. */
static void
area(struct tui *t, int *y, int *x, int *h, int *w)
{
	(void)t;
	*y = 1;
	*x = 0;
	*h = LINES - 2;
	*w = COLS;
}

/* ---- pager and help ------------------------------------------------------------ */

void
views_pager(struct tui *t, const char *title, const char *text, int diff)
{
	pager_open(&t->pager, title, text, diff);
	t->ov = OV_PAGER;
	t->dirty = 1;
}

void
help_open(struct tui *t)
{
	/* Wrapped to the pager box's inside. */
	char *text = help_text(&t->keys, COLS - 2);

	views_pager(t, "Help", text, 0);
	t->ov = OV_HELP;
	free(text);
}

void
views_resized(struct tui *t)
{
	char *search;
	size_t top;

	if (t->ov != OV_HELP || t->pager.finding)
		return;
	/* The help again, wrapped to the new width: the search and about the place kept. */
	search = t->pager.search ? xstrdup(t->pager.search) : NULL;
	top = t->pager.top;
	help_open(t);
	t->pager.search = search;
	t->pager.top = top < t->pager.n ? top : (t->pager.n ? t->pager.n - 1 : 0);
}

/* ---- confirm ------------------------------------------------------------------ */

void
views_confirm(struct tui *t, const char *action, const char *run_id, const char *approval_id,
              char *question)
{
	confirm_open(&t->confirm, action, run_id, approval_id, question);
	t->ov = OV_CONFIRM;
	t->dirty = 1;
	app_drop_typeahead(t);
}

/* The rebase run a conflicting landing offers: the land op with rebase. */
static void
send_rebase(struct tui *t, const char *run_id)
{
	cJSON *a = app_run_args(run_id);

	cJSON_AddBoolToObject(a, "rebase", 1);
	app_send(t, "land", a, PEND_OTHER, run_id);
}

/*
 * Any key answers: y decides (reject, abort) or throws the comment away
 * (discard), the others cancel — back to the comment for discard.
 */
static void
confirm_result(struct tui *t, enum overlay_result r)
{
	struct confirm *cf = &t->confirm;
	int discard = strcmp(cf->action, "discard") == 0;

	t->ov = OV_NONE;
	t->dirty = 1;
	if (discard && r == OVERLAY_SUBMIT) {
		comment_free(&t->comment);
		app_message(t, 0, "request changes cancelled");
	} else if (discard) {
		t->ov = OV_EDITOR;
	} else if (r == OVERLAY_SUBMIT) {
		if (strcmp(cf->action, "reject") == 0 || strcmp(cf->action, "abort") == 0)
			app_decide(t, cf->run, cf->approval[0] ? cf->approval : NULL, cf->action,
			           NULL);
		else if (strcmp(cf->action, "land") == 0)
			app_send(t, "land", app_run_args(cf->run), PEND_OTHER, cf->run);
		else if (strcmp(cf->action, "rebase") == 0)
			send_rebase(t, cf->run);
	} else
		app_message(t, 0, "cancelled");
	confirm_free(cf);
}

/* ---- comment editor ------------------------------------------------------------- */

/*
 * Esc cancels (asking first when the comment runs over more than one
 * line); C-s sends the comment (not a blank one) with request_changes.
 */
static void
comment_result(struct tui *t, enum overlay_result r)
{
	struct comment *c = &t->comment;

	if (r == OVERLAY_CANCEL && comment_multiline(c)) {
		views_confirm(t, "discard", c->run, c->approval, xstrdup("Discard this comment?"));
	} else if (r == OVERLAY_CANCEL) {
		t->ov = OV_NONE;
		comment_free(c);
		app_message(t, 0, "request changes cancelled");
	} else if (r == OVERLAY_SUBMIT) {
		if (comment_blank(c)) {
			app_message(t, 1, "write a comment first: it goes back to the agent");
			return;
		}
		t->ov = OV_NONE;
		app_decide(t, c->run, c->approval, "request_changes", editor_text(&c->ed));
		comment_free(c);
	} else
		t->dirty = 1;
}

/* ---- new-run form ------------------------------------------------------------- */

/*
 * The last backend chosen in the form, remembered across sessions in
 * $XDG_STATE_HOME/devflow/tui.state (a line "backend NAME"): state, not
 * configuration (keys.conf's `set default-backend` is that).
 */
static char *
state_path(void)
{
	char *dir = paths_state_dir(), *path = xasprintf("%s/tui.state", dir);

	free(dir);
	return path;
}

static char *
remembered_backend(void)
{
	char *path = state_path(), line[256], *name = NULL;
	FILE *f = fopen(path, "r");

	free(path);
	if (f == NULL)
		return NULL;
	while (name == NULL && fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "backend ", 8) == 0 && line[8] != '\0' && line[8] != '\n')
			name = xstrndup(line + 8, strcspn(line + 8, "\r\n"));
	fclose(f);
	return name;
}

/* Remember backend for the next form; a failure to write only loses the memory. */
static void
remember_backend(const char *backend)
{
	char *dir = paths_state_dir(), *path = state_path(), *tmp = xasprintf("%s.tmp", path);
	FILE *f;

	if (paths_mkdir_p(dir, 0700) == 0 && (f = fopen(tmp, "w")) != NULL) {
		fprintf(f, "backend %s\n", backend);
		if (fclose(f) != 0 || rename(tmp, path) != 0)
			unlink(tmp);
	}
	free(tmp);
	free(path);
	free(dir);
}

/* Ask the server which backends it can run, and the roles of the form's template. */
static void
ask_backends(struct tui *t)
{
	cJSON *a = cJSON_CreateObject();

	cJSON_AddStringToObject(a, "template", editor_text(&t->form.f[FORM_TEMPLATE]));
	t->form.want_roles = 0;
	app_send(t, "backends", a, PEND_BACKENDS, NULL);
}

void
views_form_open(struct tui *t)
{
	char *want = remembered_backend();

	views_form_close(t);
	/* The last choice, else the user's default from keys.conf. */
	form_open(&t->form, want != NULL ? want : t->keys.default_backend);
	free(want);
	t->ov = OV_FORM;
	t->dirty = 1;
	ask_backends(t);
}

void
views_form_close(struct tui *t)
{
	form_free(&t->form);
	if (t->ov == OV_FORM)
		t->ov = OV_NONE;
	t->dirty = 1;
}

/* Esc cancels; a valid form starts the run. */
static void
form_result(struct tui *t, enum overlay_result r)
{
	t->dirty = 1;
	if (r == OVERLAY_CANCEL) {
		views_form_close(t);
		app_message(t, 0, "new run cancelled");
	} else if (r == OVERLAY_SUBMIT) {
		if (form_backend(&t->form) != NULL)
			remember_backend(form_backend(&t->form));
		app_submit_form(t);
	} else if (t->form.want_roles)
		ask_backends(t);
}

/* ---- dispatch --------------------------------------------------------------- */

/* The comment editor: over the agent's pane when wide, else over the panes. */
static void
draw_comment(struct tui *t)
{
	int y, x, h, w;

	area(t, &y, &x, &h, &w);
	if (t->wide) {
		x = t->panes[PANE_TERM].x;
		w = t->panes[PANE_TERM].w;
	}
	comment_draw(&t->comment, y, x, h, w);
}

void
views_draw(struct tui *t)
{
	int y, x, h, w;

	switch (t->ov) {
	case OV_HELP:
	case OV_PAGER:
		area(t, &y, &x, &h, &w);
		pager_draw(&t->pager, y, x, h, w);
		break;
	case OV_CONFIRM:
		if (strcmp(t->confirm.action, "discard") == 0)
			draw_comment(t); /* the comment the question is about */
		confirm_draw(&t->confirm);
		break;
	case OV_EDITOR:
		draw_comment(t);
		break;
	case OV_FORM:
		area(t, &y, &x, &h, &w);
		form_draw(&t->form, y, x, h, w);
		break;
	case OV_FILTER:
		filter_draw(&t->flt,
		            t->searching ? "Enter find · Esc cancel" : "Enter keep · Esc clear");
		break;
	default:
		break;
	}
}

int
views_key(struct tui *t, int key)
{
	switch (t->ov) {
	case OV_HELP:
	case OV_PAGER:
		if (pager_key(&t->pager, &t->keys, key) == OVERLAY_DONE) {
			pager_free(&t->pager);
			t->ov = OV_NONE;
		}
		t->dirty = 1;
		return 1;
	case OV_CONFIRM:
		confirm_result(t, confirm_key(&t->confirm, key));
		return 1;
	case OV_EDITOR:
		comment_result(t, comment_key(&t->comment, key));
		return 1;
	case OV_FORM:
		form_result(t, form_key(&t->form, key));
		return 1;
	case OV_FILTER:
		find_result(t, filter_key(&t->flt, key));
		return 1;
	default:
		return 0;
	}
}

int
views_paste(struct tui *t, const char *text)
{
	switch (t->ov) {
	case OV_EDITOR:
		editor_paste(&t->comment.ed, text);
		t->dirty = 1;
		return 1;
	case OV_FORM:
		t->dirty = 1;
		return form_paste(&t->form, text);
	case OV_FILTER:
		editor_paste(&t->flt, text);
		find_result(t, OVERLAY_CHANGED);
		return 1;
	default:
		return 0;
	}
}
