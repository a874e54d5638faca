/*
 * What the server's messages change: replies to the TUI's requests (matched
 * to the pending request by id) update the model, the panes, the overlays
 * waiting on them (pager, comment editor, new-run form) or the status line;
 * events ask for the statuses and runs they touch; screen messages update
 * the agent terminal. New queue items notify (OSC 9, bell) as keys.conf says.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/xalloc.h"
#include "app.h"

static int
followed(struct tui *t, const struct model_run *r)
{
	return !r->terminal || (t->sel_run != NULL && strcmp(t->sel_run, r->id) == 0);
}

static void
notify_new_items(struct tui *t, int armed)
{
	for (size_t i = 0; i < t->model.nqueue; i++) {
		const struct model_item *it = &t->model.queue[i];
		char *key =
		    xasprintf("%s|%s|%s|%s", it->run_id, it->approval_id ? it->approval_id : "",
		              it->session ? it->session : "", it->detail);
		int seen = 0;

		for (size_t k = 0; k < t->nseen && !seen; k++)
			seen = strcmp(t->seen_items[k], key) == 0;
		if (seen) {
			free(key);
			continue;
		}
		t->seen_items = xreallocarray(t->seen_items, t->nseen + 1, sizeof *t->seen_items);
		t->seen_items[t->nseen++] = key;
		if (!armed)
			continue;
		if (t->keys.notify & KEYS_NOTIFY_OSC9) {
			fprintf(t->out, "\033]9;devflow: run %.8s: %s %s\a", it->run_id,
			        it->kind == MODEL_ITEM_GATE ? it->label : "agent asks", it->detail);
			fflush(t->out);
		}
		if (t->keys.notify & KEYS_NOTIFY_BELL)
			beep();
	}
}

static void
refresh_panes(struct tui *t)
{
	for (int i = 0; i < PANE__COUNT; i++)
		app_pane_reload(t, &t->panes[i]);
	t->dirty = 1;
}

/* The diff op's text under a list of the changed files ("  M path"). */
static char *
diff_with_files(const struct result_diff *d)
{
	struct buf b = BUF_INIT;

	if (d->nfiles == 0)
		return xstrdup(d->text != NULL ? d->text : "");
	buf_printf(&b, "%zu file%s changed%s\n", d->nfiles, d->nfiles == 1 ? "" : "s",
	           d->files_truncated ? " (list cut)" : "");
	for (size_t i = 0; i < d->nfiles; i++)
		buf_printf(&b, "  %s %s\n", d->files[i].status, d->files[i].path);
	buf_putc(&b, '\n');
	buf_puts(&b, d->text != NULL ? d->text : "");
	return buf_detach(&b);
}

/* The summary's lines about the artifact itself: what the reviewer decides on. */
static void
summary_lines(struct buf *b, const struct result_artifact *res)
{
	const cJSON *doc = res->json, *v;

	if (!res->valid)
		buf_printf(b, "\nValidation: INVALID (%d errors)", cJSON_GetArraySize(res->errors));
	if (res->changed)
		buf_puts(b, "\n(the file changed since it was validated)");
	if (!cJSON_IsObject(doc)) {
		const char *fe = res->file_error;

		buf_printf(b, "\n(the artifact cannot be shown%s%s)", fe ? ": " : "", fe ? fe : "");
		return;
	}
	if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(doc, "summary")))
		buf_printf(b, "\nSummary: %s", v->valuestring);
	if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(doc, "verdict")))
		buf_printf(b, "\nVerdict: %s", v->valuestring);
	if (cJSON_IsArray(v = cJSON_GetObjectItemCaseSensitive(doc, "phases"))) {
		const cJSON *p;
		int first = 1;

		buf_printf(b, "\nPhases (%d):", cJSON_GetArraySize(v));
		cJSON_ArrayForEach(p, v)
		{
			const cJSON *k = cJSON_GetObjectItemCaseSensitive(p, "key");

			if (cJSON_IsString(k))
				buf_printf(b, "%s %s", first ? "" : ",", k->valuestring);
			first = 0;
		}
	}
	if (cJSON_IsArray(v = cJSON_GetObjectItemCaseSensitive(doc, "findings")))
		buf_printf(b, "\nFindings: %d", cJSON_GetArraySize(v));
	if (cJSON_IsArray(v = cJSON_GetObjectItemCaseSensitive(doc, "filesChanged")))
		buf_printf(b, "\nFiles changed: %d", cJSON_GetArraySize(v));
}

/* The artifact op answered for the editor: its summary under the first line. */
static void
artifact_to_editor(struct tui *t, const char *run_id, const struct proto_msg *m)
{
	struct buf b = BUF_INIT;
	struct result_artifact res;
	struct df_error err;
	const char *nl;

	if (t->ov != OV_EDITOR || strcmp(t->comment.run, run_id) != 0 || t->comment.summary == NULL)
		return; /* the editor closed or moved on meanwhile */
	nl = strchr(t->comment.summary, '\n');
	buf_append(&b, t->comment.summary,
	           nl ? (size_t)(nl - t->comment.summary) : strlen(t->comment.summary));
	if (!m->ok)
		err = m->error;
	if (m->ok && result_artifact_parse(m->result, &res, &err) == 0)
		summary_lines(&b, &res);
	else
		buf_printf(&b, "\n(the artifact cannot be shown: %s)", err.message);
	free(t->comment.summary);
	t->comment.summary = buf_detach(&b);
	t->dirty = 1;
}

/* The artifact op answered for `v`: pretty JSON under its validation result. */
static void
artifact_to_pager(struct tui *t, const char *run_id, const struct proto_msg *m)
{
	struct result_artifact res;
	struct df_error err;
	const cJSON *e;
	const char *schema;
	struct buf b = BUF_INIT;
	char *title;

	if (!m->ok) {
		app_message_error(t, &m->error);
		return;
	}
	if (result_artifact_parse(m->result, &res, &err) != 0) {
		app_message_error(t, &err);
		return;
	}
	schema = res.schema;
	buf_printf(&b, "%s  (%s)\n", res.path ? res.path : "?", schema ? schema : "no schema");
	buf_printf(&b, "validation: %s against %s (attempt %d)\n", res.valid ? "valid" : "INVALID",
	           schema ? schema : "?", (int)res.attempt);
	cJSON_ArrayForEach(e, res.errors)
	{
		if (cJSON_IsString(e))
			buf_printf(&b, "  ✗ %s\n", e->valuestring);
	}
	if (res.changed)
		buf_puts(&b, "note: the file changed since it was validated; shown as it is now\n");
	buf_putc(&b, '\n');
	if (res.json != NULL) {
		char *pretty = cJSON_Print(res.json);

		buf_puts(&b, pretty);
		cJSON_free(pretty);
	} else if (res.text != NULL) {
		buf_puts(&b, "(not JSON)\n");
		buf_puts(&b, res.text);
	} else {
		buf_printf(&b, "(the file cannot be read: %s)\n",
		           res.file_error ? res.file_error : "?");
	}
	title = xasprintf("Artifact · run %.8s · %s", run_id, res.phase ? res.phase : "?");
	views_pager(t, title, b.data, 0);
	free(title);
	buf_free(&b);
}

/* ls answered: the runs; fetch the statuses of the followed, drop the others'. */
static void
ls_reply(struct tui *t, struct proto_msg *m)
{
	if (m->ok && model_set_runs(&t->model, m->result, time(NULL)) == 0) {
		t->loaded = 1;
		for (size_t k = 0; k < t->model.nruns; k++)
			if (followed(t, &t->model.runs[k]))
				app_want_status(t, t->model.runs[k].id);
		for (size_t k = t->model.nstatuses; k-- > 0;) {
			struct model_run *r = model_run(&t->model, t->model.statuses[k].run_id);

			if (r == NULL || !followed(t, r))
				model_drop_status(&t->model, t->model.statuses[k].run_id);
		}
		refresh_panes(t);
	} else if (!m->ok)
		app_message_error(t, &m->error);
	if (t->want_ls) {
		t->want_ls = 0;
		app_want_ls(t);
	}
}

/* status answered for p: the run's status; again when one was wanted meanwhile. */
static void
status_reply(struct tui *t, const struct pending *p, struct proto_msg *m)
{
	if (m->ok) {
		model_set_status(&t->model, m->result, time(NULL));
		notify_new_items(t, t->loaded > 1);
		refresh_panes(t);
		app_follow_session(t);
	} else if (m->error.code == DF_E_RUN_NOT_FOUND)
		model_drop_status(&t->model, p->run_id);
	else
		app_message_error(t, &m->error);
	for (size_t k = 0; k < t->nwant_status; k++)
		if (strcmp(t->want_status[k], p->run_id) == 0) {
			free(t->want_status[k]);
			t->want_status[k] = t->want_status[--t->nwant_status];
			app_want_status(t, p->run_id);
			break;
		}
}

/* start answered: select the new run, or show the refusal in the form. */
static void
start_reply(struct tui *t, struct proto_msg *m)
{
	if (m->ok) {
		struct result_start st;
		struct df_error err;

		views_form_close(t);
		if (result_start_parse(m->result, &st, &err) == 0) {
			app_message(t, 0, "started run %.8s", st.run_id);
			app_select_run(t, st.run_id);
		} else
			app_message(t, 0, "run started");
		app_want_ls(t);
	} else if (t->ov == OV_FORM) {
		free(t->form.error);
		free(t->form.error_hint);
		t->form.error = xstrdup(m->error.message);
		t->form.error_hint = m->error.hint[0] ? xstrdup(m->error.hint) : NULL;
		/* In the form, fitted; whole in the message history. */
		app_message_error(t, &m->error);
		messages_hide(&t->msgs);
		t->dirty = 1;
	} else
		app_message_error(t, &m->error);
}

/* backends answered: the form's choice of the backends the server can run. */
static void
backends_reply(struct tui *t, struct proto_msg *m)
{
	struct result_backends r;
	struct df_error err;

	if (t->ov != OV_FORM)
		return; /* the form closed meanwhile */
	if (!m->ok)
		err = m->error;
	if (m->ok && result_backends_parse(m->result, &r, &err) == 0) {
		form_set_backends(&t->form, &r);
		result_backends_free(&r);
	} else {
		free(t->form.error);
		t->form.error = xasprintf("cannot list the agent backends: %s", err.message);
	}
	t->dirty = 1;
}

/* diff answered: the changed files and the text in the pager. */
static void
diff_reply(struct tui *t, const struct pending *p, struct proto_msg *m)
{
	struct result_diff d;
	struct df_error err;
	char *text, *title;

	if (!m->ok) {
		app_message_error(t, &m->error);
		return;
	}
	if (result_diff_parse(m->result, &d, &err) != 0) {
		result_diff_free(&d);
		app_message_error(t, &err);
		return;
	}
	if (d.text == NULL || d.text[0] == '\0') {
		text = xstrdup("(no changes against the base)");
		title = xasprintf("Diff · run %.8s", p->run_id);
	} else {
		text = diff_with_files(&d);
		title = xasprintf("Diff · run %.8s against %s", p->run_id,
		                  d.base ? d.base : "the base");
	}
	views_pager(t, title, text, 1);
	free(title);
	free(text);
	result_diff_free(&d);
}

/* report answered: the Markdown in the pager. */
static void
report_reply(struct tui *t, const struct pending *p, struct proto_msg *m)
{
	struct result_report rep;
	struct df_error err;
	char *title;

	if (!m->ok) {
		app_message_error(t, &m->error);
		return;
	}
	if (result_report_parse(m->result, &rep, &err) != 0) {
		app_message_error(t, &err);
		return;
	}
	title = xasprintf("Report · run %.8s", p->run_id);
	views_pager(t, title, rep.markdown != NULL ? rep.markdown : "", 0);
	free(title);
}

/*
 * A landing refused because the base moved in a conflicting way: offer the
 * rebase run (y: the land op with rebase, as devflow land RUN --rebase).
 */
static void
offer_rebase(struct tui *t, const char *run_id, const struct df_error *e)
{
	struct model_run *r = model_run(&t->model, run_id);
	const char *base = r != NULL && r->base != NULL ? r->base : "the base";
	const char *in = strstr(e->message, "changes in ");

	views_confirm(t, "rebase", run_id, "",
	              xasprintf("Run %.8s cannot land: %s moved and conflicts with it in %s. "
	                        "Start a rebase run, where the run's agent merges %s? (Then "
	                        "approve that run and land it.)",
	                        run_id, base, in != NULL ? in + strlen("changes in ") : "its files",
	                        base));
}

/* What landing did, in the status line. */
static void
land_reply(struct tui *t, struct proto_msg *m)
{
	struct result_land l;
	struct df_error err;

	if (result_land_parse(m->result, &l, &err) != 0)
		app_message_error(t, &err);
	else if (strcmp(l.action, "rebase") == 0)
		app_message(t, 0,
		            "%s rebase run %.8s for run %.8s: approve it at its gate, then land it",
		            l.already ? "already started:" : "started",
		            l.follow_up != NULL ? l.follow_up : "?", l.run_id);
	else if (l.already && l.via != NULL)
		app_message(t, 0, "run %.8s landed through its rebase run %.8s", l.run_id, l.via);
	else if (l.already)
		app_message(t, 0, "run %.8s is already landed", l.run_id);
	else
		app_message(t, 0, "landed run %.8s on %s: %s, now at %.12s", l.run_id,
		            l.base != NULL ? l.base : "its base", l.how != NULL ? l.how : "",
		            l.commit != NULL ? l.commit : "");
}

static void
on_reply(struct tui *t, struct proto_msg *m)
{
	struct pending p;
	size_t i;

	for (i = 0; i < t->npend; i++)
		if (t->pend[i].id == m->id)
			break;
	if (i == t->npend) {
		if (!m->ok)
			app_message_error(t, &m->error);
		return;
	}
	p = t->pend[i];
	t->pend[i] = t->pend[--t->npend];
	switch (p.kind) {
	case PEND_LS:
		ls_reply(t, m);
		break;
	case PEND_STATUS:
		status_reply(t, &p, m);
		break;
	case PEND_DECIDE:
	case PEND_PAUSE:
		if (p.kind == PEND_DECIDE)
			app_mark(m->ok ? "decided" : "decision-refused");
		if (m->ok)
			app_message(t, 0, "%s: done for run %.8s", p.what, p.run_id);
		else
			app_message_error(t, &m->error);
		if (p.run_id[0])
			app_want_status(t, p.run_id);
		app_release_keys(t, m->ok);
		break;
	case PEND_ANSWER:
		if (m->ok)
			app_message(t, 0, "answered %s for run %.8s", p.what, p.run_id);
		else
			app_message_error(t, &m->error);
		/* Answered or not, the queue shows what the server says now. */
		if (p.run_id[0])
			app_want_status(t, p.run_id);
		break;
	case PEND_START:
		start_reply(t, m);
		break;
	case PEND_DIFF:
		diff_reply(t, &p, m);
		break;
	case PEND_BACKENDS:
		backends_reply(t, m);
		break;
	case PEND_REPORT:
		report_reply(t, &p, m);
		break;
	case PEND_ARTIFACT:
		if (strcmp(p.what, "editor") == 0)
			artifact_to_editor(t, p.run_id, m);
		else
			artifact_to_pager(t, p.run_id, m);
		break;
	case PEND_SUB:
		if (!m->ok && strcmp(p.run_id, "screen") == 0) {
			/* No picture: say so in the pane, not in the status line. */
			free(t->term.error);
			t->term.error = xstrdup(m->error.message);
			t->dirty = 1;
			break;
		}
		if (!m->ok)
			app_message_error(t, &m->error);
		break;
	case PEND_HISTORY:
		histmode_reply(t, m);
		break;
	case PEND_EVENTS:
		/* Older events for the Events pane; more if the selection is still at the end. */
		if (!m->ok)
			app_message_error(t, &m->error);
		else if (model_add_older_events(&t->model, m->result) > 0) {
			t->dirty = 1;
			app_want_older_events(t);
		}
		break;
	case PEND_HISTORY_SEARCH:
		histmode_search_reply(t, m);
		break;
	case PEND_OTHER:
		if (!m->ok && strcmp(p.what, "land") == 0 && m->error.code == DF_E_LAND_CONFLICT)
			offer_rebase(t, p.run_id, &m->error);
		else if (!m->ok && strcmp(p.what, "resize") != 0 &&
		         strcmp(p.what, "unsubscribe") != 0)
			app_message_error(t, &m->error);
		else if (m->ok && strcmp(p.what, "land") == 0)
			land_reply(t, m);
		break;
	}
}

void
app_on_message(struct tui *t, struct proto_msg *m)
{
	struct df_error err;

	switch (m->kind) {
	case PROTO_MSG_EVENT: {
		struct proto_event ev;

		if (proto_event_parse(m->json, &ev, &err) != 0)
			return;
		if (model_add_event(&t->model, ev.run_id, ev.seq, ev.type, ev.payload, ev.ts))
			t->dirty = 1;
		{
			struct model_run *r = model_run(&t->model, ev.run_id);

			/* A followed run's status says all; ls only for runs not known yet. */
			if (r == NULL || strcmp(ev.type, "run.created") == 0)
				app_want_ls(t);
			if (r == NULL || followed(t, r))
				app_want_status(t, ev.run_id);
		}
		break;
	}
	case PROTO_MSG_SCREEN: {
		struct proto_screen s;

		memset(&s, 0, sizeof s);
		if (proto_screen_parse(m->json, &s, &err) == 0)
			term_apply(t, &s);
		proto_screen_free(&s);
		break;
	}
	case PROTO_MSG_REPLY:
		on_reply(t, m);
		break;
	default:
		break;
	}
}
