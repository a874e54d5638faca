/*
 * The runs filter and the search in lists (`/`, `n`, `N`). With the runs
 * focused, `/` filters them: the line opens empty and the list follows
 * it as typed (case ignored, as in a search), Enter keeps it, Esc clears it. In the other lists `/`
 * searches: Enter selects the first row from the selection on that holds
 * the text (case ignored). Either way the text is the one `n` and `N`
 * look for next, in whichever list has the focus (as less and tig's n).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "app.h"
#include "list.h"

struct find_ctx {
	struct pane *p;
	struct tui *t;
	const char *text;
};

static int
row_matches(size_t i, void *arg)
{
	struct find_ctx *c = arg;
	struct buf b = BUF_INIT;
	int hit;

	c->p->ops->row_text(c->p, c->t, i, &b);
	hit = b.data != NULL && strcasestr(b.data, c->text) != NULL;
	buf_free(&b);
	return hit;
}

/*
 * Select the row of the focused list that holds text, looking from the
 * row after from (dir 1) or before it (dir -1), round the ends; says so
 * when none does.
 */
static void
find_from(struct tui *t, size_t from, int dir, const char *text)
{
	struct pane *p = &t->panes[t->focus];
	struct find_ctx c = { p, t, text };
	size_t n, i;

	if (p->h == 0 || p->ops->row_text == NULL) {
		app_message(t, 1, "nothing to search in the %s pane", p->ops->name);
		return;
	}
	n = p->ops->count(p, t);
	i = list_find(n, from, dir, row_matches, &c);
	if (i == LIST_NONE) {
		app_message(t, 1, "no row of the %s pane holds \"%s\"", p->ops->name, text);
		return;
	}
	p->list.sel = i;
	app_pane_handle(t, p, REQ_NONE);
}

void
find_open(struct tui *t)
{
	t->searching = t->focus != PANE_RUNS;
	if (t->focus == PANE_TERM) {
		app_message(t, 1, "nothing to search in the agent's terminal (attach with Enter)");
		return;
	}
	editor_init(&t->flt, NULL, 0);
	if (!t->searching && t->filter != NULL) {
		/* The line opens empty, and the list shows what it filters: all runs. */
		free(t->filter);
		t->filter = NULL;
		app_pane_reload(t, &t->panes[PANE_RUNS]);
	}
	t->ov = OV_FILTER;
	t->dirty = 1;
}

/* The text typed becomes the one n and N look for. */
static void
remember(struct tui *t, const char *text)
{
	if (text[0] == '\0')
		return;
	free(t->search);
	t->search = xstrdup(text);
}

/* Enter on a search: the first row from the selection on (itself first) that holds the text. */
static void
search_done(struct tui *t)
{
	struct pane *p = &t->panes[t->focus];
	size_t sel = p->list.sel;
	char *text = xstrdup(editor_text(&t->flt));

	editor_free(&t->flt);
	t->ov = OV_NONE;
	remember(t, text);
	if (text[0] != '\0')
		find_from(t, sel == 0 ? (size_t)-1 : sel - 1, 1, text);
	free(text);
}

void
find_result(struct tui *t, enum overlay_result r)
{
	t->dirty = 1;
	if (t->searching) {
		if (r == OVERLAY_CANCEL) {
			editor_free(&t->flt);
			t->ov = OV_NONE;
		} else if (r == OVERLAY_DONE)
			search_done(t);
		return;
	}
	if (r == OVERLAY_CANCEL) {
		free(t->filter);
		t->filter = NULL;
		editor_free(&t->flt);
		t->ov = OV_NONE;
		app_pane_reload(t, &t->panes[PANE_RUNS]);
	} else if (r == OVERLAY_DONE) {
		remember(t, editor_text(&t->flt));
		editor_free(&t->flt);
		t->ov = OV_NONE;
	} else {
		free(t->filter);
		t->filter = xstrdup(editor_text(&t->flt));
		t->panes[PANE_RUNS].list.sel = 0;
		app_pane_reload(t, &t->panes[PANE_RUNS]);
	}
}

void
find_next(struct tui *t, int dir)
{
	if (t->search == NULL) {
		app_message(t, 1, "nothing searched yet: / types the text n and N look for");
		return;
	}
	find_from(t, t->panes[t->focus].list.sel, dir, t->search);
}
