/*
 * What happens to a run from outside: session reports (idle, busy, needs
 * input, exited, the agent's conversation id, a failed resume), a file
 * written at the expected artifact path, a timer due. Each is queued
 * (engine_session_event, engine_artifact_event, engine_timer_fired, ...)
 * and handled by run_item once the engine is between steps.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/canon.h"
#include "lib/xalloc.h"
#include "engine-int.h"
#include "worktree.h"

/*
 * session.exited's payload. stopped: the engine had ended the session
 * (STOPPED when a phase moved on, FAILED_NEEDS_HUMAN when the run was aborted
 * or failed) before its process went, so its status is the signal devflow
 * sent (143), not news; said, so that a client reads "stopped", not a crash.
 */
static cJSON *
exited_payload(const char *sid, const struct store_session *s, int status)
{
	cJSON *pl = eng_payload_str("sessionId", sid, "roleId", s->role_id, NULL);

	cJSON_AddNumberToObject(pl, "status", status);
	cJSON_AddBoolToObject(
	    pl, "stopped", strcmp(s->state, SS_STOPPED) == 0 || strcmp(s->state, SS_FAILED) == 0);
	return pl;
}

/* The session.needs_input payload: the question, and its text and choices when known. */
static cJSON *
needs_input_payload(const struct store_session *s, const char *detail, const struct item *it)
{
	cJSON *pl = eng_payload_str("sessionId", s->id, "roleId", s->role_id, "question",
	                            detail ? detail : "", "source",
	                            it->source == ENGINE_FROM_HOOK ? "hook" : "screen", NULL);
	cJSON *choices = it->d != NULL ? cJSON_Parse(it->d) : NULL;

	if (it->c != NULL && cJSON_IsArray(choices)) {
		cJSON_AddStringToObject(pl, "text", it->c);
		cJSON_AddItemToObject(pl, "choices", choices);
	} else {
		cJSON_Delete(choices);
	}
	return pl;
}

/*
 * How many times session sid of run_id has been answered from the queue: a
 * question asked again after an answer is a new one, even on the very same
 * screen, so its idempotency key counts them.
 */
static int
answers_given(struct engine *e, const char *run_id, const char *sid)
{
	struct store_event *ev = NULL;
	size_t n = 0;
	int k = 0;

	if (store_events_list(e->st, run_id, 0, SIZE_MAX, &ev, &n, NULL) != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(ev[i].type, "session.answered") == 0 && ev[i].payload != NULL &&
		    strstr(ev[i].payload, sid) != NULL)
			k++;
	store_events_free(ev, n);
	return k;
}

static int
on_session(struct engine *e, const struct item *it, struct df_error *err)
{
	const char *sid = it->a, *detail = it->b;
	int kind = it->ev, status = it->status;
	const char *from = it->source == ENGINE_FROM_HOOK ? "hook" : "screen";
	struct store_session s;
	char ts[STORE_TS_MAX], qhash[CANON_HASH_HEX], again[16] = "";
	char *prev = NULL;
	int r, n, rc = -1;
	cJSON *pl;

	r = store_session_get(e->st, sid, &s, err);
	if (r <= 0)
		return r;
	eng_now_ts(e, ts);
	prev = xstrdup(s.state);
	if (eng_tx_begin(e, err) != 0)
		goto out;
	switch (kind) {
	case ENGINE_SESSION_IDLE:
		if (eng_session_state_live(s.state)) {
			free(s.state);
			s.state = xstrdup(SS_IDLE);
		}
		if (store_session_save(e->st, &s, ts, err) != 0 ||
		    eng_emit(e, s.run_id, s.phase_id, "session.idle",
		             eng_payload_str("sessionId", sid, "roleId", s.role_id, "dedupKey",
		                             s.last_prompt_hash, "source", from, NULL),
		             err, "session.idle:%s:%s", sid,
		             s.last_prompt_hash ? s.last_prompt_hash : "-") != 0)
			goto rollback;
		break;
	case ENGINE_SESSION_BUSY:
		if (eng_session_state_live(s.state)) {
			free(s.state);
			s.state = xstrdup(SS_BUSY);
			if (store_session_save(e->st, &s, ts, err) != 0)
				goto rollback;
		}
		break;
	case ENGINE_SESSION_NEEDS_INPUT:
		eng_hash_text(detail ? detail : "", qhash);
		n = answers_given(e, s.run_id, sid);
		if (n > 0)
			snprintf(again, sizeof again, ":%d", n);
		if (eng_session_state_live(s.state)) {
			free(s.state);
			s.state = xstrdup(SS_NEEDS_INPUT);
		}
		if (store_session_save(e->st, &s, ts, err) != 0 ||
		    eng_emit(e, s.run_id, s.phase_id, "session.needs_input",
		             needs_input_payload(&s, detail, it), err,
		             "session.needs_input:%s:%s:%.16s%s", sid,
		             s.last_prompt_hash ? s.last_prompt_hash : "-", qhash, again) != 0)
			goto rollback;
		break;
	case ENGINE_SESSION_EXITED:
		if (eng_session_state_live(s.state) || strcmp(s.state, SS_WAITING) == 0) {
			free(s.state);
			s.state = xstrdup(SS_EXITED);
		}
		if (!s.has_exit_status) {
			s.has_exit_status = 1;
			s.exit_status = status;
		}
		if (s.ended_at == NULL)
			s.ended_at = xstrdup(ts);
		pl = exited_payload(sid, &s, status);
		if (store_session_save(e->st, &s, ts, err) != 0 ||
		    eng_emit(e, s.run_id, s.phase_id, "session.exited", pl, err,
		             "session.exited:%s", sid) != 0)
			goto rollback;
		break;
	default:
		goto rollback;
	}
	if (eng_tx_commit(e, err) != 0)
		goto out;
	rc = 0;
	if (s.phase_id == NULL)
		goto out;
	if (kind == ENGINE_SESSION_IDLE)
		rc = eng_check_and_advance(e, s.run_id, s.phase_id, err);
	if (kind == ENGINE_SESSION_EXITED && eng_session_state_live(prev)) {
		struct store_phase ph;
		struct store_session newest;
		struct store_run run;

		if (eng_check_and_advance(e, s.run_id, s.phase_id, err) != 0)
			goto out_fail;
		/* Exited without a valid artifact: the agent is gone, the phase fails. */
		if (store_phase_get(e->st, s.phase_id, &ph, err) < 0)
			goto out_fail;
		if (eng_phase_session(e, s.run_id, s.phase_id, &newest, err) < 0 ||
		    store_run_get(e->st, s.run_id, &run, err) < 0) {
			store_phase_clear(&ph);
			store_session_clear(&newest);
			goto out_fail;
		}
		if (ph.state && newest.id && strcmp(newest.id, sid) == 0 && run.state &&
		    eng_is_mutable(run.state) &&
		    (strcmp(ph.state, DF_PHASE(RUNNING)) == 0 ||
		     strcmp(ph.state, DF_PHASE(AWAITING_ARTIFACT)) == 0))
			eng_fail_run(e, s.run_id, "session_exited");
		store_phase_clear(&ph);
		store_session_clear(&newest);
		store_run_clear(&run);
	}
	goto out;
out_fail:
	rc = -1;
	goto out;
rollback:
	eng_tx_rollback(e);
out:
	free(prev);
	store_session_clear(&s);
	return rc;
}

/*
 * path with its directory resolved and its last component as spelled (as
 * worktree_path_inside names an artifact: a final symbolic link is itself),
 * or NULL when the directory cannot be resolved. The caller frees.
 */
static char *
real_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *real, *out;

	if (slash == NULL || slash == path)
		return NULL;
	dir = xstrndup(path, (size_t)(slash - path));
	real = realpath(dir, NULL);
	free(dir);
	if (real == NULL)
		return NULL;
	out = xasprintf("%s%s", real, slash);
	free(real);
	return out;
}

static int
on_artifact(struct engine *e, const char *run_id, const char *path, struct df_error *err)
{
	struct store_run run;
	struct store_phase ph;
	struct phase_def def;
	char *abs = NULL, *real = NULL;
	int r, rc = 0;

	r = store_run_get(e->st, run_id, &run, err);
	if (r <= 0)
		return r;
	if (!eng_is_mutable(run.state) || (r = eng_working_phase(e, run_id, &ph, err)) <= 0) {
		store_run_clear(&run);
		return r < 0 ? -1 : 0;
	}
	if (eng_phase_def_parse(&ph, &def, err) == 0) {
		if (def.art_path &&
		    worktree_path_inside(run.worktree_root, def.art_path, &abs, NULL) == 0) {
			real = real_dir_of(path);
			if (strcmp(abs, real ? real : path) == 0)
				rc = eng_check_and_advance(e, run_id, ph.id, err);
		}
		eng_phase_def_clear(&def);
	}
	free(abs);
	free(real);
	store_phase_clear(&ph);
	store_run_clear(&run);
	return rc;
}

int
engine_expected_artifact(struct engine *e, const char *run_id, char **abs_out, struct df_error *err)
{
	struct store_run run;
	struct store_phase ph;
	struct phase_def def;
	int r;

	*abs_out = NULL;
	if (eng_load_run(e, run_id, &run, err) != 0)
		return -1;
	r = eng_working_phase(e, run_id, &ph, err);
	if (r == 1) {
		r = eng_phase_def_parse(&ph, &def, err) == 0 ? 0 : -1;
		if (r == 0 && def.art_path)
			r = worktree_path_inside(run.worktree_root, def.art_path, abs_out, err) == 0
			        ? 1
			        : -1;
		eng_phase_def_clear(&def); /* zeroed when parsing failed */
		store_phase_clear(&ph);
	}
	store_run_clear(&run);
	return r;
}

static int
on_timer(struct engine *e, uint64_t id, struct df_error *err)
{
	struct timer_ent t;
	struct store_phase ph;
	struct store_run run;
	size_t i;
	int r, fail = 0;

	if (id != 0 && id == e->check_timer) {
		e->check_timer = 0;
		r = eng_self_check_impl(e, NULL, err);
		eng_arm_self_check(e);
		return r;
	}
	for (i = 0; i < e->ntimers; i++)
		if (e->timers[i].id == id)
			break;
	if (i == e->ntimers)
		return 0;
	t = e->timers[i];
	e->timers[i] = e->timers[--e->ntimers];
	r = store_run_get(e->st, t.run_id, &run, err);
	if (r <= 0)
		return r;
	if (!eng_is_mutable(run.state)) {
		store_run_clear(&run);
		return 0; /* paused runs do not time out; resume re-arms */
	}
	store_run_clear(&run);
	if (eng_check_and_advance(e, t.run_id, t.phase_id, err) != 0)
		return -1;
	r = store_phase_get(e->st, t.phase_id, &ph, err);
	if (r <= 0)
		return r;
	if (ph.attempts == t.attempt && (strcmp(ph.state, DF_PHASE(RUNNING)) == 0 ||
	                                 strcmp(ph.state, DF_PHASE(AWAITING_ARTIFACT)) == 0 ||
	                                 strcmp(ph.state, DF_PHASE(VALIDATING)) == 0))
		fail = 1;
	store_phase_clear(&ph);
	if (fail && store_run_get(e->st, t.run_id, &run, err) == 1) {
		fail = eng_is_mutable(run.state);
		store_run_clear(&run);
		if (fail)
			return eng_end_run(e, t.run_id, DF_RUN(FAILED), "phase_timeout",
			                   "phase_timeout", err);
	}
	return 0;
}

/* The agent CLI's own conversation id for a session, kept on its row. */
static int
on_conversation(struct engine *e, const char *sid, const char *conversation, struct df_error *err)
{
	struct store_session s;
	char ts[STORE_TS_MAX];
	int r;

	r = store_session_get(e->st, sid, &s, err);
	if (r <= 0)
		return r;
	if (s.conversation_id != NULL && strcmp(s.conversation_id, conversation) == 0) {
		store_session_clear(&s);
		return 0;
	}
	free(s.conversation_id);
	s.conversation_id = xstrdup(conversation);
	eng_now_ts(e, ts);
	r = eng_tx_begin(e, err) == 0 && store_session_save(e->st, &s, ts, err) == 0 &&
	            eng_tx_commit(e, err) == 0
	        ? 0
	        : -1;
	if (r != 0)
		eng_tx_rollback(e);
	store_session_clear(&s);
	return r;
}

/* The driver started a resumed session afresh: say so, and forget the conversation. */
static int
on_resume_failed(struct engine *e, const char *sid, int status, struct df_error *err)
{
	struct store_session s;
	char ts[STORE_TS_MAX];
	cJSON *pl;
	int r;

	r = store_session_get(e->st, sid, &s, err);
	if (r <= 0)
		return r;
	pl = eng_payload_str("sessionId", s.id, "conversation", s.conversation_id, NULL);
	cJSON_AddNumberToObject(pl, "status", status);
	free(s.conversation_id);
	s.conversation_id = NULL;
	eng_now_ts(e, ts);
	if (eng_tx_begin(e, err) != 0) {
		cJSON_Delete(pl);
		store_session_clear(&s);
		return -1;
	}
	if (store_session_save(e->st, &s, ts, err) != 0 ||
	    eng_emit(e, s.run_id, s.phase_id, "session.resume_failed", pl, err,
	             "session.resume_failed:%s", s.id) != 0) {
		eng_tx_rollback(e);
		store_session_clear(&s);
		return -1;
	}
	store_session_clear(&s);
	return eng_tx_commit(e, err);
}

void
eng_run_item(struct engine *e, struct item *it)
{
	struct df_error err;
	int rc = 0;

	df_error_clear(&err);
	switch (it->kind) {
	case IT_SESSION:
		rc = on_session(e, it, &err);
		break;
	case IT_ARTIFACT:
		rc = on_artifact(e, it->a, it->b, &err);
		break;
	case IT_TIMER:
		rc = on_timer(e, it->timer, &err);
		break;
	case IT_CONVERSATION:
		rc = on_conversation(e, it->a, it->b, &err);
		break;
	case IT_RESUME_FAILED:
		rc = on_resume_failed(e, it->a, it->status, &err);
		break;
	case IT_CHECK_DONE:
		rc = eng_check_done_item(e, it, &err);
		break;
	case IT_COMMIT_DONE:
		rc = eng_commit_done_item(e, it, &err);
		break;
	}
	if (rc != 0)
		eng_step_failed(e, &err);
}

void
engine_session_event_from(struct engine *e, const char *session_id,
                          enum engine_session_event_kind kind, enum engine_session_source source,
                          const char *detail, int status)
{
	struct item it = { .kind = IT_SESSION,
		           .a = xstrdup(session_id),
		           .b = detail ? xstrdup(detail) : NULL,
		           .ev = (int)kind,
		           .status = status,
		           .source = (int)source };

	eng_enqueue(e, &it);
	eng_pump(e);
}

void
engine_session_asks(struct engine *e, const char *session_id, enum engine_session_source source,
                    const char *detail, const char *text, const char *choices_json)
{
	struct item it = { .kind = IT_SESSION,
		           .source = source,
		           .a = xstrdup(session_id),
		           .b = detail ? xstrdup(detail) : NULL,
		           .c = text ? xstrdup(text) : NULL,
		           .d = choices_json ? xstrdup(choices_json) : NULL,
		           .ev = ENGINE_SESSION_NEEDS_INPUT };

	eng_enqueue(e, &it);
	eng_pump(e);
}

static int
answered_impl(struct engine *e, const char *sid, const char *choice, const char *label,
              const char *question, const char *actor, struct df_error *err)
{
	struct store_session s;
	char ts[STORE_TS_MAX];
	int r;

	r = store_session_get(e->st, sid, &s, err);
	if (r == 0)
		return df_error_set(err, DF_FATAL, DF_E_SESSION_NOT_FOUND, "session %s: unknown",
		                    sid);
	if (r < 0)
		return -1;
	eng_now_ts(e, ts);
	if (strcmp(s.state, SS_NEEDS_INPUT) == 0) {
		free(s.state);
		s.state = xstrdup(SS_BUSY);
	}
	r = -1;
	if (eng_tx_begin(e, err) != 0)
		goto out;
	/* One answer a question asked: the time tells two askings apart. */
	if (store_session_save(e->st, &s, ts, err) != 0 ||
	    eng_emit(e, s.run_id, s.phase_id, "session.answered",
	             eng_payload_str("sessionId", sid, "roleId", s.role_id, "choice", choice,
	                             "label", label, "question", question, "actor", actor, NULL),
	             err, "session.answered:%s:%s:%s", sid, ts, choice) != 0) {
		eng_tx_rollback(e);
		goto out;
	}
	r = eng_tx_commit(e, err);
out:
	store_session_clear(&s);
	return r;
}

int
engine_session_answered(struct engine *e, const char *session_id, const char *choice,
                        const char *label, const char *question, const char *actor,
                        struct df_error *err)
{
	int rc;

	e->depth++;
	rc = answered_impl(e, session_id, choice, label, question, actor, err);
	e->depth--;
	eng_pump(e);
	return rc;
}

void
engine_session_event(struct engine *e, const char *session_id, enum engine_session_event_kind kind,
                     const char *detail, int status)
{
	engine_session_event_from(e, session_id, kind, ENGINE_FROM_SCREEN, detail, status);
}

void
engine_session_conversation(struct engine *e, const char *session_id, const char *conversation_id)
{
	struct item it = { .kind = IT_CONVERSATION,
		           .a = xstrdup(session_id),
		           .b = xstrdup(conversation_id) };

	eng_enqueue(e, &it);
	eng_pump(e);
}

void
engine_session_resume_failed(struct engine *e, const char *session_id, int status)
{
	struct item it = { .kind = IT_RESUME_FAILED, .a = xstrdup(session_id), .status = status };

	eng_enqueue(e, &it);
	eng_pump(e);
}

void
engine_artifact_event(struct engine *e, const char *run_id, const char *abs_path)
{
	struct item it = { .kind = IT_ARTIFACT, .a = xstrdup(run_id), .b = xstrdup(abs_path) };

	eng_enqueue(e, &it);
	eng_pump(e);
}

void
engine_timer_fired(struct engine *e, uint64_t timer_id)
{
	struct item it = { .kind = IT_TIMER, .timer = timer_id };

	eng_enqueue(e, &it);
	eng_pump(e);
}
