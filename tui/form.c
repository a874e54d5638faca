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

#include "lib/gitrepo.h"
#include "lib/xalloc.h"
#include "colour.h"
#include "draw.h"
#include "overlay.h"

static const char *const form_labels[FORM_FIELDS] = {
	"Repository", "Base branch", "Template", "Requirements file", "Persona overrides",
};

void
form_open(struct form *f)
{
	char cwd[4096];
	char *br;

	form_free(f);
	if (getcwd(cwd, sizeof cwd) == NULL)
		cwd[0] = '\0';
	br = gitrepo_current_branch(cwd);
	editor_init(&f->f[0], cwd, 0);
	editor_init(&f->f[1], br ? br : "main", 0);
	editor_init(&f->f[2], "development", 0);
	editor_init(&f->f[3], "", 0);
	editor_init(&f->f[4], "", 0);
	free(br);
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
	f->error = NULL;
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
form_validate(struct form *f)
{
	int ok = 1;

	for (int i = 0; i < FORM_FIELDS; i++) {
		free(f->msg[i]);
		f->msg[i] = validate_field(i, editor_text(&f->f[i]));
		if (f->msg[i] != NULL)
			ok = 0;
	}
	return ok;
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
	if (h > 18) {
		y += (h - 18) / 2;
		h = 18;
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
		editor_draw(&f->f[i], win, row, 2 + lw, 1, w - 4 - lw,
		            focused ? A_UNDERLINE : A_NORMAL, &ey, &ex);
		if (focused) {
			cy = ey;
			cx = ex;
		}
		if (f->msg[i] != NULL)
			put_clipped(win, row + 1, 2 + lw, f->msg[i], w - 4 - lw, A_BOLD,
			            colour_pair(COLOR_RED, -1));
		else if (i == 4)
			put_clipped(win, row + 1, 2 + lw,
			            "optional: planner=persona reviewer=@backend", w - 4 - lw,
			            A_DIM, 0);
	}
	if (f->error != NULL)
		put_wrapped(win, h - 3, 2, f->error, w - 4, 2, A_BOLD, colour_pair(COLOR_RED, -1));
	editor_show_cursor(win, cy, cx);
	wnoutrefresh(win);
	delwin(win);
}

enum overlay_result
form_key(struct form *f, int key)
{
	if (key == KEY_ESCAPE)
		return OVERLAY_CANCEL;
	if (key == '\t' || key == (KEYS_FN | KEY_DOWN) || key == '\r' || key == '\n' ||
	    key == (KEYS_FN | KEY_ENTER)) {
		free(f->msg[f->focus]);
		f->msg[f->focus] = validate_field(f->focus, editor_text(&f->f[f->focus]));
		if ((key == '\r' || key == '\n' || key == (KEYS_FN | KEY_ENTER)) &&
		    f->focus == FORM_FIELDS - 1)
			key = KEY_CS;
		else {
			f->focus = (f->focus + 1) % FORM_FIELDS;
			return OVERLAY_KEEP;
		}
	}
	if (key == (KEYS_FN | KEY_BTAB) || key == (KEYS_FN | KEY_UP)) {
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
	editor_key(&f->f[f->focus], key);
	free(f->msg[f->focus]);
	f->msg[f->focus] = NULL;
	return OVERLAY_KEEP;
}

void
form_paste(struct form *f, const char *text)
{
	editor_paste(&f->f[f->focus], text);
	free(f->msg[f->focus]);
	f->msg[f->focus] = NULL;
}
