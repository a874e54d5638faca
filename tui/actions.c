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

/* "1 Yes, 2 Always, 3 No" into a new string. */
static char *
choices_text(const struct model_item *it)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < it->nchoices; i++)
		buf_printf(&b, "%s%s %s", i ? ", " : "", it->choices[i].key, it->choices[i].label);
	return buf_detach(&b);
}

/* Explain why there is no gate to act on. */
static void
no_gate(struct tui *t, const char *verb)
{
	struct model_run *r = t->sel_run ? model_run(&t->model, t->sel_run) : NULL;
	const struct model_item *q = app_question_item(t);

	if (q != NULL) {
		char *all = choices_text(q);

		app_refuse(t,
		           "cannot %s: the agent asks a question — answer it (%s) or press Enter",
		           verb, all);
		free(all);
	} else if (app_queue_item(t) != NULL ||
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

/*
 * REQ_CHANGES: the comment editor over the gate's artifact summary
 * (fetched); not where the server would refuse the comment once written
 * (a paused run: the run's actions say so).
 */
static void
open_changes(struct tui *t, const struct model_item *it)
{
	const struct model_run *r = model_run(&t->model, it->run_id);

	if (r != NULL && !result_actions_has(&r->actions, "request_changes")) {
		app_refuse(t, "cannot request changes: run %.8s is %s%s", r->id, r->state,
		           result_actions_has(&r->actions, "resume") ? " (p resumes it)" : "");
		return;
	}
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

/* L: a completed run's branch merged into its base, after a y (the land op decides how). */
static void
ask_land(struct tui *t)
{
	struct model_run *r = t->sel_run ? model_run(&t->model, t->sel_run) : NULL;

	if (r == NULL) {
		app_refuse(t, "cannot land: no run selected");
		return;
	}
	if (strcmp(r->state, "completed") != 0) {
		app_refuse(t, "cannot land run %.8s: it is %s (a run lands once it completed)",
		           r->id, r->state);
		return;
	}
	views_confirm(t, "land", r->id, "",
	              xasprintf("Land run %.8s: merge its branch into %s in %s?", r->id,
	                        r->base != NULL ? r->base : "its base", r->repo));
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
	case REQ_MOVE_FIRST:
	case REQ_MOVE_LAST:
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
	case REQ_LAND:
		ask_land(t);
		return;
	case REQ_NEW_RUN:
		views_form_open(t);
		return;
	case REQ_ATTACH:
		app_attach(t);
		return;
	case REQ_ANSWER:
		/* Reached only through a binding of the main view (keys.conf). */
		app_refuse(t, "answer: focus a question in \"Waiting for you\" and press the key "
		              "of one of its answers");
		return;
	case REQ_HISTORY:
		histmode_open(t, 0);
		return;
	case REQ_ARTIFACT:
		view_artifact(t);
		return;
	case REQ_DIFF:
	case REQ_REPORT:
		request_text(t, req);
		return;
	case REQ_FILTER:
		find_open(t);
		return;
	case REQ_FIND_NEXT:
	case REQ_FIND_PREV:
		find_next(t, req == REQ_FIND_NEXT ? 1 : -1);
		return;
	case REQ_TERMINAL:
		toggle_terminal(t);
		return;
	case REQ_HELP:
		help_open(t);
		return;
	case REQ_MESSAGES:
		app_messages_open(t);
		return;
	case REQ_REDRAW:
		t->full_redraw = 1;
		t->dirty = 1;
		return;
	case REQ_SUSPEND:
		app_suspend(t);
		return;
	case REQ_QUIT:
		t->quit = 1;
		return;
	case REQ__COUNT:
		return;
	}
}

/*
 * The backends of the start: the form's choice for every role of the
 * template, then the overrides' role=@backend pins over it. (The personas
 * pinned go in personas.)
 */
static void
form_bindings(const struct form *f, cJSON *personas, cJSON *backends)
{
	char *copy = xstrdup(editor_text(&f->f[FORM_OVERRIDES])), *save = NULL;

	for (size_t i = 0; form_backend(f) != NULL && f->roles != NULL && f->roles[i] != NULL; i++)
		cJSON_AddStringToObject(backends, f->roles[i], form_backend(f));
	for (char *tok = strtok_r(copy, " ,", &save); tok != NULL;
	     tok = strtok_r(NULL, " ,", &save)) {
		char *eq = strchr(tok, '='), *at;

		*eq = '\0';
		at = strchr(eq + 1, '@');
		if (at != NULL) {
			*at = '\0';
			cJSON_DeleteItemFromObjectCaseSensitive(backends, tok);
			cJSON_AddStringToObject(backends, tok, at + 1);
		}
		if (eq[1] != '\0')
			cJSON_AddStringToObject(personas, tok, eq + 1);
	}
	free(copy);
}

void
app_submit_form(struct tui *t)
{
	struct form *f = &t->form;
	cJSON *a = cJSON_CreateObject(), *personas, *backends;
	const char *reqpath = editor_text(&f->f[FORM_REQUIREMENTS]);
	char *req = read_file(reqpath, 1 << 20);
	char abs[4096];

	if (req == NULL) {
		free(f->msg[FORM_REQUIREMENTS]);
		f->msg[FORM_REQUIREMENTS] = xasprintf("%s: %s", reqpath, strerror(errno));
		cJSON_Delete(a);
		t->dirty = 1;
		return;
	}
	if (realpath(editor_text(&f->f[FORM_REPO]), abs) == NULL)
		snprintf(abs, sizeof abs, "%s", editor_text(&f->f[FORM_REPO]));
	cJSON_AddStringToObject(a, "repo", abs);
	cJSON_AddStringToObject(a, "base", editor_text(&f->f[FORM_BASE]));
	cJSON_AddStringToObject(a, "template", editor_text(&f->f[FORM_TEMPLATE]));
	cJSON_AddStringToObject(a, "requirements", req);
	free(req);
	personas = cJSON_AddObjectToObject(a, "personas");
	backends = cJSON_AddObjectToObject(a, "backends");
	form_bindings(f, personas, backends);
	free(f->error);
	free(f->error_hint);
	f->error_hint = NULL;
	f->error = xstrdup("starting…");
	app_send(t, "start", a, PEND_START, NULL);
	t->dirty = 1;
}

/*
 * With a question focused, a key bound to answer in the question's context
 * (KEYS_QUESTION: y, n, digits) sends the answer of that key when the
 * backend declares one, and is refused, listing the answers, when it does
 * not (an n meant as "no" must not search as the main view's n does). 1 when the key
 * was the question's.
 */
static int
question_key(struct tui *t, int key)
{
	const struct model_item *it = app_question_item(t);
	const struct model_choice *c;
	char k[8];
	cJSON *a;

	if (it == NULL || key < 0x20 || key >= 0x7f ||
	    keymap_lookup(&t->keys, KEYS_QUESTION | key) != REQ_ANSWER)
		return 0;
	snprintf(k, sizeof k, "%c", key);
	if ((c = model_item_choice(it, k)) == NULL) {
		char *all = choices_text(it);

		app_refuse(t, "%s is not an answer to this question (%s)", k, all);
		free(all);
		return 1;
	}
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "session", it->session);
	cJSON_AddStringToObject(a, "choice", c->key);
	if (app_send(t, "answer", a, PEND_ANSWER, it->run_id) == 0)
		snprintf(t->pend[t->npend - 1].what, sizeof t->pend[0].what, "%s (%s)", c->key,
		         c->label);
	return 1;
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
	else if (!views_paste(t, text) && !histmode_paste(t, text))
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
		views_resized(t);
		return;
	}
	/*
	 * Typed before the server said whether the decision stands: held till
	 * it does. Not quit nor suspend: a server that never answers must not
	 * keep the person in.
	 */
	if (app_awaiting_decision(t) && t->ov != OV_ATTACH &&
	    !(t->ov == OV_NONE && (keymap_lookup(&t->keys, key) == REQ_QUIT ||
	                           keymap_lookup(&t->keys, key) == REQ_SUSPEND))) {
		t->held = xreallocarray(t->held, t->nheld + 1, sizeof *t->held);
		t->held[t->nheld++] = key;
		return;
	}
	/* A message stays until the next key (or paste). */
	if (messages_current(&t->msgs) != NULL && t->ov != OV_FORM && t->ov != OV_ATTACH &&
	    !t->pasting) {
		messages_hide(&t->msgs);
		t->dirty = 1;
	}
	if (paste_key(t, key))
		return;
	/* A mouse event is never a key: read it whole, whatever is open. */
	if (key == (KEYS_FN | KEY_MOUSE)) {
		if (t->ov != OV_ATTACH)
			mouse_key(t);
		else {
			MEVENT ev;

			getmouse(&ev);
		}
		return;
	}
	if (t->ov == OV_ATTACH) {
		app_attach_key(t, key);
		return;
	}
	if (views_key(t, key) || histmode_key(t, key))
		return;
	if (question_key(t, key))
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
