/*
 * What keys do: a key goes to attach mode or an open overlay first, else
 * the keymap turns it into a request (request.h), and do_request acts on
 * it: moves and focus, decisions on the gate awaiting the user (approve,
 * request changes, reject, abort, pause), the views (artifact, diff,
 * report), the overlays that ask first, and the new-run form's start.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "app.h"
#include "draw.h"

static const struct model_item *
target_item(struct tui *t, enum model_item_kind kind)
{
	const struct model_item *it = app_queue_item(t);

	if (it != NULL)
		return kind == 0 || it->kind == kind ? it : NULL;
	if (t->sel_run == NULL)
		return NULL;
	for (size_t i = 0; i < t->model.nqueue; i++)
		if (strcmp(t->model.queue[i].run_id, t->sel_run) == 0 &&
		    (kind == 0 || t->model.queue[i].kind == kind))
			return &t->model.queue[i];
	return NULL;
}

/* Explain why there is no gate to act on. */
static void
no_gate(struct tui *t, const char *verb)
{
	struct model_run *r = t->sel_run ? model_run(&t->model, t->sel_run) : NULL;

	if (app_queue_item(t) != NULL ||
	    (t->focus != PANE_QUEUE && target_item(t, MODEL_ITEM_QUESTION) != NULL))
		app_refuse(
		    t, "cannot %s: the agent asks a question — press Enter to attach and answer",
		    verb);
	else if (r == NULL)
		app_refuse(t, "cannot %s: no run selected", verb);
	else
		app_refuse(t, "cannot %s: run %.8s is %s, no gate waits for a decision", verb,
		           r->id, r->state);
}

void
app_decide(struct tui *t, const char *run_id, const char *approval_id, const char *action,
           const char *comment)
{
	cJSON *a = cJSON_CreateObject();
	char token[96];

	snprintf(token, sizeof token, "tui-%ld-%ld-%llu", (long)getpid(), (long)time(NULL),
	         (unsigned long long)++t->token_seq);
	cJSON_AddStringToObject(a, "run", run_id);
	if (approval_id != NULL && approval_id[0] != '\0')
		cJSON_AddStringToObject(a, "approval", approval_id);
	cJSON_AddStringToObject(a, "action", action);
	cJSON_AddStringToObject(a, "token", token);
	if (comment != NULL)
		cJSON_AddStringToObject(a, "comment", comment);
	if (app_send(t, "decide", a, PEND_DECIDE, run_id) == 0)
		snprintf(t->pend[t->npend - 1].what, sizeof t->pend[0].what, "%s", action);
}

/* The requirements file of the new-run form (the user's own file, not the worktree's). */
static char *
read_file(const char *path, size_t max)
{
	struct buf b = BUF_INIT;

	/* A file over max is cut, not refused: what fits is used. */
	if (buf_read_file(&b, path, max) != 0 && errno != EFBIG) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* Ask the server for the gate's artifact; the reply fills the view or the editor's summary. */
static void
request_artifact(struct tui *t, const struct model_item *it, const char *purpose)
{
	cJSON *a = app_run_args(it->run_id);

	if (it->phase_key != NULL)
		cJSON_AddStringToObject(a, "phase", it->phase_key);
	if (app_send(t, "artifact", a, PEND_ARTIFACT, it->run_id) == 0)
		snprintf(t->pend[t->npend - 1].what, sizeof t->pend[0].what, "%s", purpose);
}

static void
view_artifact(struct tui *t)
{
	const struct model_item *it = target_item(t, MODEL_ITEM_GATE);

	if (it == NULL) {
		no_gate(t, "show an artifact");
		return;
	}
	request_artifact(t, it, "view");
}

static void
next_pane(struct tui *t, int dir)
{
	for (int i = 1; i <= PANE__COUNT; i++) {
		int p = ((int)t->focus + dir * i + PANE__COUNT * 2) % PANE__COUNT;

		if (t->panes[p].h > 0) {
			t->focus = (enum pane_id)p;
			break;
		}
	}
	t->dirty = 1;
}

/* REQ_CHANGES: the comment editor over the gate's artifact summary (fetched). */
static void
open_changes(struct tui *t, const struct model_item *it)
{
	comment_open(&t->comment, it->run_id, it->approval_id,
	             xasprintf("%s · %s · %s (%s)\n(loading the artifact…)", it->label,
	                       it->phase_key ? it->phase_key : "",
	                       it->artifact_path ? it->artifact_path : "-",
	                       it->schema ? it->schema : ""));
	request_artifact(t, it, "editor");
	t->ov = OV_EDITOR;
	t->dirty = 1;
}

static void
ask_abort(struct tui *t)
{
	const struct model_item *it;
	struct model_run *r;

	app_select_queue_run(t);
	r = t->sel_run ? model_run(&t->model, t->sel_run) : NULL;
	if (r == NULL) {
		app_refuse(t, "cannot abort: no run selected");
		return;
	}
	if (!result_actions_has(&r->actions, "abort")) {
		app_refuse(t, "cannot abort: run %.8s is already %s", r->id, r->state);
		return;
	}
	it = target_item(t, MODEL_ITEM_GATE);
	views_confirm(t, "abort", r->id,
	              it && strcmp(it->run_id, r->id) == 0 ? it->approval_id : "",
	              xasprintf("Abort run %.8s (%s)? Its agents are stopped.", r->id, r->repo));
}

static void
toggle_pause(struct tui *t)
{
	struct model_run *r = t->sel_run ? model_run(&t->model, t->sel_run) : NULL;

	if (r == NULL) {
		app_refuse(t, "cannot pause: no run selected");
		return;
	}
	/* The server's list of actions says which of the two applies now, if any. */
	if (result_actions_has(&r->actions, "resume"))
		app_send(t, "resume", app_run_args(r->id), PEND_PAUSE, r->id);
	else if (result_actions_has(&r->actions, "pause"))
		app_send(t, "pause", app_run_args(r->id), PEND_PAUSE, r->id);
	else
		app_refuse(t, "cannot pause run %.8s: it is %s", r->id, r->state);
}

/* REQ_DIFF, REQ_REPORT: ask for the text; the reply opens the pager. */
static void
request_text(struct tui *t, enum tui_request req)
{
	app_select_queue_run(t);
	if (t->sel_run == NULL) {
		app_refuse(t, "no run selected");
		return;
	}
	app_send(t, req == REQ_DIFF ? "diff" : "report", app_run_args(t->sel_run),
	         req == REQ_DIFF ? PEND_DIFF : PEND_REPORT, t->sel_run);
}

static void
toggle_terminal(struct tui *t)
{
	if (t->wide) {
		app_message(t, 0, "the agent terminal is always shown at this width");
		return;
	}
	t->show_term = !t->show_term;
	t->focus = t->show_term ? PANE_TERM : PANE_RUNS;
	app_layout(t);
}

static void
do_request(struct tui *t, enum tui_request req)
{
	struct pane *fp = &t->panes[t->focus];
	const struct model_item *it;

	switch (req) {
	case REQ_NONE:
		return;
	case REQ_MOVE_DOWN:
	case REQ_MOVE_UP:
	case REQ_PAGE_DOWN:
	case REQ_PAGE_UP:
		if (fp->h == 0 || !app_pane_handle(t, fp, req))
			pane_move(fp, t, req);
		if (t->focus == PANE_EVENTS)
			app_want_older_events(t);
		return;
	case REQ_NEXT_PANE:
		next_pane(t, 1);
		return;
	case REQ_PREV_PANE:
		next_pane(t, -1);
		return;
	case REQ_APPROVE:
		if ((it = target_item(t, MODEL_ITEM_GATE)) == NULL) {
			no_gate(t, "approve");
			return;
		}
		app_decide(t, it->run_id, it->approval_id, "approve", NULL);
		return;
	case REQ_CHANGES:
		if ((it = target_item(t, MODEL_ITEM_GATE)) == NULL) {
			no_gate(t, "request changes");
			return;
		}
		open_changes(t, it);
		return;
	case REQ_REJECT:
		if ((it = target_item(t, MODEL_ITEM_GATE)) == NULL) {
			no_gate(t, "reject");
			return;
		}
		views_confirm(
		    t, "reject", it->run_id, it->approval_id,
		    xasprintf("Reject %s of run %.8s? The run fails.", it->label, it->run_id));
		return;
	case REQ_ABORT:
		ask_abort(t);
		return;
	case REQ_PAUSE:
		toggle_pause(t);
		return;
	case REQ_NEW_RUN:
		views_form_open(t);
		return;
	case REQ_ATTACH:
		app_attach(t);
		return;
	case REQ_HISTORY:
		history_open(t, 0);
		return;
	case REQ_ARTIFACT:
		view_artifact(t);
		return;
	case REQ_DIFF:
	case REQ_REPORT:
		request_text(t, req);
		return;
	case REQ_FILTER:
		editor_init(&t->flt, t->filter, 0);
		t->ov = OV_FILTER;
		t->dirty = 1;
		return;
	case REQ_TERMINAL:
		toggle_terminal(t);
		return;
	case REQ_HELP:
		help_open(t);
		return;
	case REQ_REDRAW:
		t->full_redraw = 1;
		t->dirty = 1;
		return;
	case REQ_QUIT:
		t->quit = 1;
		return;
	case REQ__COUNT:
		return;
	}
}

void
app_submit_form(struct tui *t)
{
	struct form *f = &t->form;
	cJSON *a = cJSON_CreateObject(), *personas, *backends;
	char *req = read_file(f->f[3].text.data, 1 << 20);
	char *copy, *save = NULL;
	char abs[4096];

	if (req == NULL) {
		free(f->msg[3]);
		f->msg[3] = xasprintf("%s: %s", f->f[3].text.data, strerror(errno));
		cJSON_Delete(a);
		t->dirty = 1;
		return;
	}
	if (realpath(f->f[0].text.data, abs) == NULL)
		snprintf(abs, sizeof abs, "%s", f->f[0].text.data);
	cJSON_AddStringToObject(a, "repo", abs);
	cJSON_AddStringToObject(a, "base", f->f[1].text.data);
	cJSON_AddStringToObject(a, "template", f->f[2].text.data);
	cJSON_AddStringToObject(a, "requirements", req);
	free(req);
	personas = cJSON_CreateObject();
	backends = cJSON_CreateObject();
	copy = xstrdup(f->f[4].text.data ? f->f[4].text.data : "");
	for (char *tok = strtok_r(copy, " ,", &save); tok != NULL;
	     tok = strtok_r(NULL, " ,", &save)) {
		char *eq = strchr(tok, '='), *at;

		*eq = '\0';
		at = strchr(eq + 1, '@');
		if (at != NULL) {
			*at = '\0';
			cJSON_AddStringToObject(backends, tok, at + 1);
		}
		if (eq[1] != '\0')
			cJSON_AddStringToObject(personas, tok, eq + 1);
	}
	cJSON_AddItemToObject(a, "personas", personas);
	cJSON_AddItemToObject(a, "backends", backends);
	free(copy);
	free(f->error);
	f->error = xstrdup("starting…");
	app_send(t, "start", a, PEND_START, NULL);
	t->dirty = 1;
}

/*
 * A whole paste is text: to the agent while attached, into the open text
 * field, else ignored — never keys.
 */
static void
take_paste(struct tui *t, const char *text)
{
	if (text[0] == '\0')
		return;
	if (t->ov == OV_ATTACH)
		app_attach_paste(t, text);
	else if (!views_paste(t, text) && !history_paste(t, text))
		app_message(t, 1, "paste ignored: not in a text field");
}

/*
 * Between the bracketed-paste markers every key is text (Enter a newline),
 * collected until the end marker hands the paste over whole. 1 when key
 * was the paste's.
 */
static int
paste_key(struct tui *t, int key)
{
	if (key == (KEYS_FN | KEYS_PASTE_START)) {
		app_flush_typed(t);
		t->pasting = 1;
		buf_reset(&t->pasted);
		return 1;
	}
	if (key == (KEYS_FN | KEYS_PASTE_END)) {
		if (t->pasting)
			take_paste(t, t->pasted.data != NULL ? t->pasted.data : "");
		t->pasting = 0;
		buf_reset(&t->pasted);
		return 1;
	}
	if (!t->pasting)
		return 0;
	if (key == '\r' || key == '\n' || key == (KEYS_FN | KEY_ENTER))
		buf_putc(&t->pasted, '\n');
	else if (key == '\t')
		buf_putc(&t->pasted, '\t');
	else if (!(key & KEYS_FN) && key >= 32 && key != 127)
		put_key_char(&t->pasted, key);
	return 1;
}

void
app_key(struct tui *t, int key)
{
	if (key == (KEYS_FN | KEY_RESIZE)) {
		app_layout(t);
		return;
	}
	/* A message stays until the next key (or paste). */
	if (t->message != NULL && t->ov != OV_FORM && t->ov != OV_ATTACH && !t->pasting) {
		free(t->message);
		t->message = NULL;
		t->dirty = 1;
	}
	if (paste_key(t, key))
		return;
	if (t->ov == OV_ATTACH) {
		app_attach_key(t, key);
		return;
	}
	if (views_key(t, key) || history_key(t, key))
		return;
	{
		enum tui_request req = keymap_lookup(&t->keys, key);

		if (req == REQ_NONE) {
			char name[KEYS_NAME_MAX];

			keys_name(key, name);
			app_message(t, 1, "%s is not bound to anything (? lists the keys)", name);
			return;
		}
		do_request(t, req);
	}
}
