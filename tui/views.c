/*
 * Overlays drawn over the panes: the help screen (generated from the request
 * X-macro and the bindings), a pager for artifacts, diffs and reports, the
 * confirmation of destructive keys, the request-changes comment editor (the
 * artifact's summary on top, C-s sends, Esc cancels), the new-run form with
 * its validation messages in place, and the runs filter.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <limits.h>
#include <wchar.h>

#include "lib/xalloc.h"
#include "app.h"
#include "colour.h"
#include "draw.h"

#define KEY_CS 19 /* C-s */
#define KEY_ESCAPE 27

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
	char *text = help_text(&t->keys);

	views_pager(t, "Help", text, 0);
	t->ov = OV_HELP;
	free(text);
}

/* ---- confirm ------------------------------------------------------------------ */

/* Any key answers: y decides (reject, abort), the others cancel. */
static void
confirm_result(struct tui *t, enum overlay_result r)
{
	struct confirm *cf = &t->confirm;

	t->ov = OV_NONE;
	t->dirty = 1;
	if (r == OVERLAY_SUBMIT) {
		if (strcmp(cf->action, "reject") == 0 || strcmp(cf->action, "abort") == 0)
			app_decide(t, cf->run, cf->approval[0] ? cf->approval : NULL, cf->action,
			           NULL);
	} else
		app_message(t, 0, "cancelled");
	confirm_free(cf);
}

/* ---- comment editor ------------------------------------------------------------- */

/* Esc cancels; C-s sends the comment (not a blank one) with request_changes. */
static void
comment_result(struct tui *t, enum overlay_result r)
{
	struct comment *c = &t->comment;

	if (r == OVERLAY_CANCEL) {
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

static const char *const form_labels[FORM_FIELDS] = {
	"Repository", "Base branch", "Template", "Requirements file", "Persona overrides",
};

static char *
current_branch(const char *repo)
{
	char *path = xasprintf("%s/.git/HEAD", repo);
	FILE *f = fopen(path, "r");
	char line[256];
	char *res = NULL;

	free(path);
	if (f == NULL)
		return NULL;
	if (fgets(line, sizeof line, f) != NULL && strncmp(line, "ref: refs/heads/", 16) == 0) {
		line[strcspn(line, "\r\n")] = '\0';
		res = xstrdup(line + 16);
	}
	fclose(f);
	return res;
}

void
form_open(struct tui *t)
{
	char cwd[4096];
	char *br;

	form_close(t);
	if (getcwd(cwd, sizeof cwd) == NULL)
		cwd[0] = '\0';
	br = current_branch(cwd);
	editor_init(&t->form.f[0], cwd, 0);
	editor_init(&t->form.f[1], br ? br : "main", 0);
	editor_init(&t->form.f[2], "development", 0);
	editor_init(&t->form.f[3], "", 0);
	editor_init(&t->form.f[4], "", 0);
	free(br);
	t->form.focus = 0;
	t->ov = OV_FORM;
	t->dirty = 1;
}

void
form_close(struct tui *t)
{
	for (int i = 0; i < FORM_FIELDS; i++) {
		editor_free(&t->form.f[i]);
		free(t->form.msg[i]);
		t->form.msg[i] = NULL;
	}
	free(t->form.error);
	t->form.error = NULL;
	if (t->ov == OV_FORM)
		t->ov = OV_NONE;
	t->dirty = 1;
}

static char *
validate_field(int i, const char *v)
{
	struct stat st;

	switch (i) {
	case 0:
		if (v[0] == '\0')
			return xstrdup("the repository is required");
		if (stat(v, &st) != 0)
			return xasprintf("%s: %s", v, strerror(errno));
		if (!S_ISDIR(st.st_mode))
			return xasprintf("%s is not a directory", v);
		{
			char *g = xasprintf("%s/.git", v);
			int ok = stat(g, &st) == 0;

			free(g);
			if (!ok)
				return xasprintf("%s is not a git repository (no .git)", v);
		}
		return NULL;
	case 1:
		if (v[0] == '\0')
			return xstrdup("the base branch is required");
		if (strpbrk(v, " \t~^:?*[\\") != NULL)
			return xstrdup("not a valid branch name");
		return NULL;
	case 2:
		if (v[0] == '\0')
			return xstrdup("the template is required (e.g. development)");
		return NULL;
	case 3:
		if (v[0] == '\0')
			return xstrdup("a requirements file (Markdown) is required");
		if (stat(v, &st) != 0)
			return xasprintf("%s: %s", v, strerror(errno));
		if (!S_ISREG(st.st_mode))
			return xasprintf("%s is not a regular file", v);
		if (st.st_size == 0)
			return xasprintf("%s is empty", v);
		if (st.st_size > 512 * 1024)
			return xasprintf("%s is larger than 512 KiB", v);
		if (access(v, R_OK) != 0)
			return xasprintf("%s: %s", v, strerror(errno));
		return NULL;
	case 4: {
		char *copy = xstrdup(v), *save = NULL;
		char *res = NULL;

		for (char *tok = strtok_r(copy, " ,", &save); tok != NULL && res == NULL;
		     tok = strtok_r(NULL, " ,", &save)) {
			char *eq = strchr(tok, '=');

			if (eq == NULL || eq == tok || eq[1] == '\0' ||
			    (eq[1] == '@' && eq[2] == '\0'))
				res = xasprintf("'%s': expected role=persona, role=@backend or "
				                "role=persona@backend",
				                tok);
		}
		free(copy);
		return res;
	}
	default:
		return NULL;
	}
}

/* Validate every field; 1 when all are good. */
static int
form_validate(struct tui *t)
{
	int ok = 1;

	for (int i = 0; i < FORM_FIELDS; i++) {
		free(t->form.msg[i]);
		t->form.msg[i] = validate_field(i, editor_text(&t->form.f[i]));
		if (t->form.msg[i] != NULL)
			ok = 0;
	}
	return ok;
}

static void
form_draw(struct tui *t)
{
	int y, x, h, w, cy = 0, cx = 0;
	WINDOW *win;
	int lw = 19;

	area(t, &y, &x, &h, &w);
	if (w > 100) {
		x = (w - 100) / 2;
		w = 100;
	}
	if (h > 18) {
		y += (h - 18) / 2;
		h = 18;
	}
	win = box_win(y, x, h, w, "New run · Tab next field · C-s start · Esc cancel");
	if (win == NULL)
		return;
	for (int i = 0; i < FORM_FIELDS; i++) {
		int row = 1 + 3 * i;
		int focused = t->form.focus == i;
		int ey, ex;

		if (row + 1 >= h - 1)
			break;
		put_clipped(win, row, 2, form_labels[i], lw, focused ? A_BOLD : A_NORMAL, 0);
		mvwhline(win, row, 2 + lw, ' ', w - 4 - lw);
		editor_draw(&t->form.f[i], win, row, 2 + lw, 1, w - 4 - lw,
		            focused ? A_UNDERLINE : A_NORMAL, &ey, &ex);
		if (focused) {
			cy = ey;
			cx = ex;
		}
		if (t->form.msg[i] != NULL)
			put_clipped(win, row + 1, 2 + lw, t->form.msg[i], w - 4 - lw, A_BOLD,
			            colour_pair(COLOR_RED, -1));
		else if (i == 4)
			put_clipped(win, row + 1, 2 + lw,
			            "optional: planner=persona reviewer=@backend", w - 4 - lw,
			            A_DIM, 0);
	}
	if (t->form.error != NULL)
		put_wrapped(win, h - 3, 2, t->form.error, w - 4, 2, A_BOLD,
		            colour_pair(COLOR_RED, -1));
	editor_show_cursor(win, cy, cx);
	wnoutrefresh(win);
	delwin(win);
}

static int
form_key(struct tui *t, int key)
{
	struct form *f = &t->form;

	t->dirty = 1;
	if (key == KEY_ESCAPE) {
		form_close(t);
		app_message(t, 0, "new run cancelled");
		return 1;
	}
	if (key == '\t' || key == (KEYS_FN | KEY_DOWN) || key == '\r' || key == '\n' ||
	    key == (KEYS_FN | KEY_ENTER)) {
		free(f->msg[f->focus]);
		f->msg[f->focus] = validate_field(f->focus, editor_text(&f->f[f->focus]));
		if ((key == '\r' || key == '\n' || key == (KEYS_FN | KEY_ENTER)) &&
		    f->focus == FORM_FIELDS - 1)
			key = KEY_CS;
		else {
			f->focus = (f->focus + 1) % FORM_FIELDS;
			return 1;
		}
	}
	if (key == (KEYS_FN | KEY_BTAB) || key == (KEYS_FN | KEY_UP)) {
		f->focus = (f->focus + FORM_FIELDS - 1) % FORM_FIELDS;
		return 1;
	}
	if (key == KEY_CS) {
		if (!form_validate(t)) {
			for (int i = 0; i < FORM_FIELDS; i++)
				if (f->msg[i] != NULL) {
					f->focus = i;
					break;
				}
			return 1;
		}
		app_submit_form(t);
		return 1;
	}
	editor_key(&f->f[f->focus], key);
	free(f->msg[f->focus]);
	f->msg[f->focus] = NULL;
	return 1;
}

/* ---- filter ------------------------------------------------------------------ */

static int
filter_key(struct tui *t, int key)
{
	t->dirty = 1;
	if (key == KEY_ESCAPE) {
		free(t->filter);
		t->filter = NULL;
		editor_free(&t->flt);
		t->ov = OV_NONE;
		t->panes[PANE_RUNS].ops->reload(&t->panes[PANE_RUNS], t);
		return 1;
	}
	if (key == '\r' || key == '\n' || key == (KEYS_FN | KEY_ENTER)) {
		editor_free(&t->flt);
		t->ov = OV_NONE;
		return 1;
	}
	editor_key(&t->flt, key);
	free(t->filter);
	t->filter = xstrdup(editor_text(&t->flt));
	t->panes[PANE_RUNS].sel = 0;
	t->panes[PANE_RUNS].ops->reload(&t->panes[PANE_RUNS], t);
	return 1;
}

static void
filter_draw(struct tui *t)
{
	WINDOW *win = newwin(1, COLS, LINES - 1, 0);
	char *s;

	if (win == NULL)
		return;
	s = xasprintf("/%s", editor_text(&t->flt));
	put_clipped(win, 0, 0, s, COLS - 1, A_BOLD, 0);
	put_clipped(win, 0, str_width(s) < COLS - 1 ? str_width(s) : COLS - 1, " ", 1, A_REVERSE,
	            0);
	put_clipped(win, 0, str_width(s) + 2 < COLS ? str_width(s) + 2 : COLS,
	            "  Enter keep · Esc clear", COLS - str_width(s) - 2, A_DIM, 0);
	free(s);
	wnoutrefresh(win);
	delwin(win);
}

/* ---- dispatch --------------------------------------------------------------- */

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
		confirm_draw(&t->confirm);
		break;
	case OV_EDITOR:
		area(t, &y, &x, &h, &w);
		if (t->wide) { /* over the right pane */
			x = t->panes[PANE_TERM].x;
			w = t->panes[PANE_TERM].w;
		}
		comment_draw(&t->comment, y, x, h, w);
		break;
	case OV_FORM:
		form_draw(t);
		break;
	case OV_FILTER:
		filter_draw(t);
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
		return form_key(t, key);
	case OV_FILTER:
		return filter_key(t, key);
	default:
		return 0;
	}
}
