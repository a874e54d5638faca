/*
 * The new-run form: repository, base branch, template, requirements file
 * and persona overrides, each field validated as it is left (its message in
 * place) and all of them on C-s before the run starts.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/gitrepo.h"
#include "lib/str.h"
#include "lib/xalloc.h"
#include "proto/result.h"
#include "colour.h"
#include "draw.h"
#include "messages.h"
#include "overlay.h"

static const char *const form_labels[FORM_FIELDS] = {
	"Repository",        "Base branch",   "Template",
	"Requirements file", "Agent backend", "Persona overrides",
};

void
form_open(struct form *f, const char *want)
{
	char cwd[4096];
	char *br;

	form_free(f);
	if (getcwd(cwd, sizeof cwd) == NULL)
		cwd[0] = '\0';
	br = gitrepo_current_branch(cwd);
	editor_init(&f->f[FORM_REPO], cwd, 0);
	editor_init(&f->f[FORM_BASE], br ? br : "main", 0);
	editor_init(&f->f[FORM_TEMPLATE], "development", 0);
	editor_init(&f->f[FORM_REQUIREMENTS], "", 0);
	editor_init(&f->f[FORM_BACKEND], "", 0);
	editor_init(&f->f[FORM_OVERRIDES], "", 0);
	free(br);
	f->want = want != NULL && want[0] != '\0' ? xstrdup(want) : NULL;
	f->focus = 0;
}

void
form_free(struct form *f)
{
	for (int i = 0; i < FORM_FIELDS; i++) {
		editor_free(&f->f[i]);
		free(f->msg[i]);
		f->msg[i] = NULL;
	}
	free(f->error);
	free(f->error_hint);
	str_vec_free(f->backends);
	str_vec_free(f->roles);
	free(f->want);
	free(f->missing);
	memset(f, 0, sizeof *f);
}

void
form_set_backends(struct form *f, const struct result_backends *r)
{
	struct buf miss = BUF_INIT;
	const char *keep = form_backend(f) != NULL ? form_backend(f) : f->want;
	char *chosen = keep != NULL ? xstrdup(keep) : NULL;

	str_vec_free(f->backends);
	str_vec_free(f->roles);
	f->backends = xcalloc(r->nbackends + 1, sizeof *f->backends);
	f->nbackends = 0;
	f->choice = 0;
	for (size_t i = 0; i < r->nbackends; i++) {
		if (!r->backends[i].available) {
			buf_printf(&miss, "%s%s", miss.len ? ", " : "", r->backends[i].name);
			continue;
		}
		/* The one chosen before (or wanted) stays chosen. */
		if (chosen != NULL && strcmp(chosen, r->backends[i].name) == 0)
			f->choice = f->nbackends;
		f->backends[f->nbackends++] = xstrdup(r->backends[i].name);
	}
	f->roles = NULL;
	if (r->template_name != NULL) {
		f->roles = xcalloc(r->nroles + 1, sizeof *f->roles);
		for (size_t i = 0; i < r->nroles; i++)
			f->roles[i] = xstrdup(r->roles[i].role);
	}
	free(f->missing);
	f->missing = buf_detach(&miss);
	free(chosen);
}

const char *
form_backend(const struct form *f)
{
	return f->backends != NULL && f->choice < f->nbackends ? f->backends[f->choice] : NULL;
}

/* The persona overrides: role=persona, role=@backend or role=persona@backend, each. */
static char *
validate_overrides(const char *v)
{
	char *copy = xstrdup(v), *save = NULL;
	char *res = NULL;

	for (char *tok = strtok_r(copy, " ,", &save); tok != NULL && res == NULL;
	     tok = strtok_r(NULL, " ,", &save)) {
		char *eq = strchr(tok, '=');

		if (eq == NULL || eq == tok || eq[1] == '\0' || (eq[1] == '@' && eq[2] == '\0'))
			res = xasprintf("'%s': expected role=persona, role=@backend or "
			                "role=persona@backend",
			                tok);
	}
	free(copy);
	return res;
}

static char *
validate_field(const struct form *f, int i)
{
	const char *v = editor_text(&f->f[i]);
	struct stat st;

	switch (i) {
	case FORM_REPO:
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
	case FORM_BASE:
		if (v[0] == '\0')
			return xstrdup("the base branch is required");
		if (strpbrk(v, " \t~^:?*[\\") != NULL)
			return xstrdup("not a valid branch name");
		return NULL;
	case FORM_TEMPLATE:
		if (v[0] == '\0')
			return xstrdup("the template is required (e.g. development)");
		return NULL;
	case FORM_REQUIREMENTS:
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
	case FORM_BACKEND:
		if (f->backends != NULL && f->nbackends == 0)
			return xasprintf("no agent backend is installed here (%s): `devflow "
			                 "backends` says how to install one",
			                 f->missing != NULL ? f->missing : "none known");
		return NULL;
	case FORM_OVERRIDES:
		return validate_overrides(v);
	default:
		return NULL;
	}
}

/* Validate every field; 1 when all are good. */
static int
form_validate(struct form *f)
{
	int ok = 1;

	for (int i = 0; i < FORM_FIELDS; i++) {
		free(f->msg[i]);
		f->msg[i] = validate_field(f, i);
		if (f->msg[i] != NULL)
			ok = 0;
	}
	return ok;
}

/* The backend choice's row: "‹ fake ›" and what else there is, or why there is none. */
static void
draw_backend(const struct form *f, WINDOW *win, int row, int x, int w, int focused)
{
	const char *b = form_backend(f);
	char *note;
	int used;

	if (f->backends == NULL) {
		put_clipped(win, row, x, "asking the server which backends it can run…", w, A_DIM,
		            0);
		return;
	}
	if (b == NULL)
		return; /* the validation message says why */
	{
		char *shown = xasprintf("‹ %s ›", b);

		used =
		    put_clipped(win, row, x, shown, w, focused ? A_BOLD | A_UNDERLINE : A_BOLD, 0);
		free(shown);
	}
	note = f->nbackends > 1
	           ? xasprintf("  %zu/%zu installed · ←/→ or Space", f->choice + 1, f->nbackends)
	           : xstrdup("  the only one installed here");
	/* Where there is room, the roles it goes to (never cut: all of them, or none). */
	if (f->roles != NULL && f->roles[0] != NULL) {
		struct buf rb = BUF_INIT;

		buf_puts(&rb, "  for");
		for (size_t i = 0; f->roles[i] != NULL; i++)
			buf_printf(&rb, "%s %s", i ? "," : "", f->roles[i]);
		buf_printf(&rb, " ·%s", note + 1);
		if (str_width(rb.data) <= w - used) {
			free(note);
			note = buf_detach(&rb);
		} else
			buf_free(&rb);
	}
	put_clipped(win, row, x + used, note, w - used, A_DIM, 0);
	free(note);
}

/* Under the overrides: the syntax they take, with a backend that is there. */
static void
draw_overrides_hint(const struct form *f, WINDOW *win, int row, int x, int w)
{
	const char *b = form_backend(f) != NULL ? form_backend(f) : "fake";
	char *hint = xasprintf("e.g. reviewer=@%s (backend), planner=NAME (persona)", b);

	put_clipped(win, row, x, hint, w, A_DIM, 0);
	free(hint);
}

void
form_draw(struct form *f, int y, int x, int h, int w)
{
	int cy = 0, cx = 0;
	WINDOW *win;
	int lw = 19;

	if (w > 100) {
		x = (w - 100) / 2;
		w = 100;
	}
	if (h > 22) {
		y += (h - 22) / 2;
		h = 22;
	}
	win = box_win(y, x, h, w, "New run · Tab next field · C-s start · Esc cancel");
	if (win == NULL)
		return;
	for (int i = 0; i < FORM_FIELDS; i++) {
		int row = 1 + 3 * i;
		int focused = f->focus == i;
		int ey, ex;

		if (row + 1 >= h - 1)
			break;
		put_clipped(win, row, 2, form_labels[i], lw, focused ? A_BOLD : A_NORMAL, 0);
		mvwhline(win, row, 2 + lw, ' ', w - 4 - lw);
		if (i == FORM_BACKEND) {
			draw_backend(f, win, row, 2 + lw, w - 4 - lw, focused);
			cy = focused ? -1 : cy;
		} else {
			editor_draw(&f->f[i], win, row, 2 + lw, 1, w - 4 - lw,
			            focused ? A_UNDERLINE : A_NORMAL, &ey, &ex);
			if (focused) {
				cy = ey;
				cx = ex;
			}
		}
		/* A field's message has the two rows up to the next field. */
		if (f->msg[i] != NULL)
			put_wrapped(win, row + 1, 2 + lw, f->msg[i], w - 4 - lw, 2, A_BOLD,
			            colour_pair(COLOR_RED, -1));
		else if (i == FORM_OVERRIDES)
			draw_overrides_hint(f, win, row + 1, 2 + lw, w - 4 - lw);
	}
	if (f->error != NULL) {
		/* Three rows, at word boundaries, the hint whole (M has the full text). */
		struct message msg = { f->error, f->error_hint, 1, 0, 0 };
		size_t n;
		char **rows = messages_fit(&msg, w - 4, 3, &n);

		for (size_t i = 0; i < n; i++)
			put_clipped(win, h - 4 + (int)i, 2, rows[i], w - 4, A_BOLD,
			            colour_pair(COLOR_RED, -1));
		str_vec_free(rows);
	}
	if (cy >= 0)
		editor_show_cursor(win, cy, cx);
	wnoutrefresh(win);
	delwin(win);
}

/* Leaving field i: check it, and follow it (the repository's branch, the template's roles). */
static void
form_leave(struct form *f, int i)
{
	free(f->msg[i]);
	f->msg[i] = validate_field(f, i);
	if (i == FORM_REPO && f->msg[i] == NULL && !f->base_edited) {
		char *br = gitrepo_current_branch(editor_text(&f->f[FORM_REPO]));

		if (br != NULL) {
			editor_free(&f->f[FORM_BASE]);
			editor_init(&f->f[FORM_BASE], br, 0);
			free(br);
		}
	}
	if (i == FORM_TEMPLATE)
		f->want_roles = 1;
}

/* A key on the backend choice: Left/Right and Space move through the available ones. */
static void
backend_key(struct form *f, int key)
{
	if (f->nbackends == 0)
		return;
	if (key == (KEYS_FN | KEY_LEFT))
		f->choice = (f->choice + f->nbackends - 1) % f->nbackends;
	else if (key == (KEYS_FN | KEY_RIGHT) || key == ' ')
		f->choice = (f->choice + 1) % f->nbackends;
}

enum overlay_result
form_key(struct form *f, int key)
{
	int enter = key == '\r' || key == '\n' || key == (KEYS_FN | KEY_ENTER);

	if (key == KEY_ESCAPE)
		return OVERLAY_CANCEL;
	if (key == '\t' || key == (KEYS_FN | KEY_DOWN) || enter) {
		form_leave(f, f->focus);
		if (enter && f->focus == FORM_FIELDS - 1)
			key = KEY_CS;
		else {
			f->focus = (f->focus + 1) % FORM_FIELDS;
			return OVERLAY_KEEP;
		}
	}
	if (key == (KEYS_FN | KEY_BTAB) || key == (KEYS_FN | KEY_UP)) {
		form_leave(f, f->focus);
		f->focus = (f->focus + FORM_FIELDS - 1) % FORM_FIELDS;
		return OVERLAY_KEEP;
	}
	if (key == KEY_CS) {
		if (!form_validate(f)) {
			for (int i = 0; i < FORM_FIELDS; i++)
				if (f->msg[i] != NULL) {
					f->focus = i;
					break;
				}
			return OVERLAY_KEEP;
		}
		return OVERLAY_SUBMIT;
	}
	if (f->focus == FORM_BACKEND) {
		backend_key(f, key);
		return OVERLAY_KEEP;
	}
	if (editor_key(&f->f[f->focus], key) && f->focus == FORM_BASE)
		f->base_edited = 1;
	free(f->msg[f->focus]);
	f->msg[f->focus] = NULL;
	return OVERLAY_KEEP;
}

int
form_paste(struct form *f, const char *text)
{
	if (f->focus == FORM_BACKEND)
		return 0; /* a choice, not text */
	editor_paste(&f->f[f->focus], text);
	if (f->focus == FORM_BASE)
		f->base_edited = 1;
	free(f->msg[f->focus]);
	f->msg[f->focus] = NULL;
	return 1;
}
