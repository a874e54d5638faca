/*
 * Keeping runs going when nothing drives them: what a server start does to
 * the runs it finds (engine_recover), the periodic self-check that finds
 * stranded runs (engine_self_check), and what both ask first: where the
 * agent of a working phase is, and whether its phase goes on (a fresh or
 * re-armed deadline, its artifact judged), restarts or fails.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "lib/xalloc.h"
#include "engine-int.h"

static int64_t
parse_ts(const char *ts)
{
	struct tm tm;
	int ms = 0;

	memset(&tm, 0, sizeof(tm));
	if (ts == NULL || sscanf(ts, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	                         &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

/*
 * The working phase of a run goes on after a pause or a restart: rearm 1
 * gives it a fresh deadline, 2 re-arms its stored one; then its artifact is
 * checked (it may have been written meanwhile).
 */
int
eng_recheck_active_phase(struct engine *e, const char *run_id, int rearm, struct df_error *err)
{
	struct store_phase ph;
	struct phase_def def;
	int r = eng_working_phase(e, run_id, &ph, err);
	int64_t due, now = eng_now_ms(e);

	if (r <= 0)
		return r;
	if (rearm && eng_phase_def_parse(&ph, &def, err) == 0) {
		int64_t timeout = def.timeout_ms > 0 ? def.timeout_ms : e->timeout_ms;

		eng_phase_def_clear(&def);
		due = rearm == 2 ? parse_ts(ph.deadline_at) : -1;
		if (due < 0) {
			char ts[STORE_TS_MAX];

			due = now + timeout;
			store_format_ts(due, ts);
			free(ph.deadline_at);
			ph.deadline_at = xstrdup(ts);
			if (eng_tx_begin(e, err) != 0 || store_phase_save(e->st, &ph, err) != 0 ||
			    eng_tx_commit(e, err) != 0) {
				eng_tx_rollback(e);
				store_phase_clear(&ph);
				return -1;
			}
		}
		eng_cancel_timers(e, run_id, ph.id);
		eng_arm_timer(e, run_id, ph.id, ph.attempts, due);
	}
	/* A validating phase's checks go on (one whose result came while paused runs again). */
	r = strcmp(ph.state, DF_PHASE(AWAITING_ARTIFACT)) == 0
	        ? eng_check_and_advance(e, run_id, ph.id, err)
	    : strcmp(ph.state, DF_PHASE(VALIDATING)) == 0 ? eng_checks_next(e, run_id, ph.id, err)
	                                                  : 0;
	store_phase_clear(&ph);
	return r;
}

int
eng_session_state_live(const char *state)
{
	return (df_session_state_flags(state) & DF_ST_LIVE) != 0;
}

enum agent_where
eng_agent_where(struct engine *e, const struct store_session *s)
{
	if (s == NULL || s->id == NULL)
		return AGENT_DEAD;
	if (strcmp(s->state, SS_EXITED) == 0)
		return AGENT_EXITED;
	if ((eng_session_state_live(s->state) || strcmp(s->state, SS_WAITING) == 0) &&
	    e->drv->alive(e->dctx, s->id))
		return AGENT_LIVE;
	return AGENT_DEAD;
}

/*
 * The agent of a working phase cannot take instructions: it exited on its
 * own (the run fails, session_exited) or is not live in this server (the
 * phase restarts, cause process_restart, or fails past the limit).
 */
int
eng_agent_unreachable(struct engine *e, const char *run_id, const char *phase_id,
                      enum agent_where w, struct df_error *err)
{
	struct store_phase ph;
	int r;

	if (w == AGENT_EXITED) {
		eng_fail_run(e, run_id, "session_exited");
		return 0;
	}
	r = store_phase_get(e->st, phase_id, &ph, err);
	if (r <= 0)
		return r;
	r = eng_restart_phase(e, run_id, &ph, err);
	store_phase_clear(&ph);
	return r;
}

/*
 * After a resume: when the run's working phase is still waiting for an
 * agent that is not live in this server, the run fails (the agent exited on
 * its own while the run was paused) or the phase restarts (the agent died
 * with a previous server). 0 or -1 with err.
 */
int
eng_agent_gone_after_resume(struct engine *e, const char *run_id, struct df_error *err)
{
	struct store_run run;
	struct store_phase ph;
	struct store_session s;
	enum agent_where w;
	int r;

	if (eng_load_run(e, run_id, &run, err) != 0)
		return -1;
	r = eng_is_mutable(run.state);
	store_run_clear(&run);
	if (!r)
		return 0;
	r = eng_working_phase(e, run_id, &ph, err);
	if (r <= 0)
		return r;
	r = eng_phase_session(e, run_id, ph.id, &s, err);
	if (r < 0) {
		store_phase_clear(&ph);
		return -1;
	}
	w = eng_agent_where(e, r == 1 ? &s : NULL);
	store_session_clear(&s);
	r = w == AGENT_LIVE ? 0 : eng_agent_unreachable(e, run_id, ph.id, w, err);
	store_phase_clear(&ph);
	return r;
}

/*
 * In its own transaction: the run's sessions whose rows say they are live
 * or waiting but whose process this server does not run (they died with a
 * previous server) become FAILED_NEEDS_HUMAN, with session.failed (reason
 * process_restart), so no row stays BUSY or waiting forever.
 */
static int
fail_dead_sessions(struct engine *e, const char *run_id, struct df_error *err)
{
	struct store_session *ss = NULL;
	size_t n = 0;
	char ts[STORE_TS_MAX];
	int rc = 0, dirty = 0;

	if (store_sessions_list(e->st, run_id, &ss, &n, err) != 0)
		return -1;
	eng_now_ts(e, ts);
	if (eng_tx_begin(e, err) != 0) {
		store_sessions_free(ss, n);
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		if ((!eng_session_state_live(ss[i].state) &&
		     strcmp(ss[i].state, SS_WAITING) != 0) ||
		    e->drv->alive(e->dctx, ss[i].id))
			continue;
		free(ss[i].state);
		ss[i].state = xstrdup(SS_FAILED);
		dirty = 1;
		rc =
		    store_session_save(e->st, &ss[i], ts, err) != 0 ||
		            eng_emit(e, run_id, ss[i].phase_id, "session.failed",
		                     eng_payload_str("sessionId", ss[i].id, "roleId", ss[i].role_id,
		                                     "reason", "process_restart", NULL),
		                     err, "session.failed:%s", ss[i].id) != 0
		        ? -1
		        : 0;
	}
	store_sessions_free(ss, n);
	if (rc != 0 || !dirty) {
		eng_tx_rollback(e);
		return rc;
	}
	return eng_tx_commit(e, err);
}

static int
recover_run(struct engine *e, const struct store_run *run, struct df_error *err)
{
	struct store_phase ph;
	struct store_session s;
	int r, alive;

	if (eng_is_terminal(run->state)) {
		eng_ensure_report(e, run->id);
		return 0;
	}
	/* A completed phase whose commit the old server did not record is committed again. */
	if (eng_commits_wait(e, run->id, err) < 0)
		return -1;
	/* Runs waiting for a person stay as they are; their dead agents' rows do not. */
	if (strcmp(run->state, DF_RUN(AWAITING_APPROVAL)) == 0 ||
	    strcmp(run->state, DF_RUN(PAUSED)) == 0)
		return fail_dead_sessions(e, run->id, err);
	if (strcmp(run->state, DF_RUN(CREATED)) == 0)
		return eng_end_run(e, run->id, DF_RUN(FAILED), "process_restart_unrecovered",
		                   "process_restart_unrecovered", err);
	if (strcmp(run->state, DF_RUN(BOUND)) == 0)
		return eng_advance(e, run->id, err);
	r = eng_working_phase(e, run->id, &ph, err);
	if (r < 0)
		return -1;
	if (r == 0)
		return eng_advance(e, run->id, err);
	if (strcmp(ph.state, DF_PHASE(VALIDATING)) == 0) {
		/* Its checks were running: the one that ran with the old server runs again. */
		r = eng_recheck_active_phase(e, run->id, 2, err);
		store_phase_clear(&ph);
		return r;
	}
	r = eng_phase_session(e, run->id, ph.id, &s, err);
	if (r < 0) {
		store_phase_clear(&ph);
		return -1;
	}
	alive = r == 1 && eng_session_state_live(s.state) && e->drv->alive(e->dctx, s.id);
	store_session_clear(&s);
	if (alive)
		r = eng_recheck_active_phase(e, run->id, 2, err);
	else
		r = eng_restart_phase(e, run->id, &ph, err);
	store_phase_clear(&ph);
	return r;
}

static int
recover_impl(struct engine *e, struct df_error *err)
{
	struct store_run *runs = NULL;
	size_t n = 0;

	if (store_runs_list(e->st, 0, &runs, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct df_error rerr;

		df_error_clear(&rerr);
		if (recover_run(e, &runs[i], &rerr) != 0) {
			eng_set_ids(&rerr, runs[i].id, NULL);
			eng_step_failed(e, &rerr);
			eng_fail_run(e, runs[i].id, "process_restart_unrecovered");
		}
	}
	store_runs_free(runs, n);
	return 0;
}

int
engine_recover(struct engine *e, struct df_error *err)
{
	int rc;

	e->depth++;
	rc = recover_impl(e, err);
	e->depth--;
	eng_pump(e);
	return rc;
}

/* ---------------------------------------------------------------------------
 * The self-check: active runs that nothing drives.
 */

void
eng_arm_self_check(struct engine *e)
{
	if (e->check_ms > 0 && e->check_timer == 0)
		e->check_timer = e->host->timer_add(e->hctx, eng_now_ms(e) + e->check_ms);
}

static int
has_timer(struct engine *e, const char *run_id, const char *phase_id)
{
	for (size_t i = 0; i < e->ntimers; i++)
		if (strcmp(e->timers[i].run_id, run_id) == 0 &&
		    strcmp(e->timers[i].phase_id, phase_id) == 0)
			return 1;
	return 0;
}

/* An executing or planning run: what drives it, or what the self-check does about it. */
static int
check_working_run(struct engine *e, const struct store_run *run, char *what, size_t n,
                  struct df_error *err)
{
	struct store_phase *ph = NULL, *work = NULL, *pending = NULL;
	struct store_session s;
	size_t np = 0;
	int r = 0, gate = 0;
	enum agent_where w;

	r = eng_commits_wait(e, run->id, err);
	if (r != 0) {
		/* The run waits for its commit; one that ran in no process is asked again. */
		if (r == 2)
			snprintf(what, n, "%s",
			         "a completed phase's commit ran in no process: committed");
		return r < 0 ? -1 : 0;
	}
	if (store_phases_list(e->st, run->id, &ph, &np, err) != 0)
		return -1;
	for (size_t i = 0; i < np; i++) {
		if (work == NULL && (strcmp(ph[i].state, DF_PHASE(RUNNING)) == 0 ||
		                     strcmp(ph[i].state, DF_PHASE(AWAITING_ARTIFACT)) == 0 ||
		                     strcmp(ph[i].state, DF_PHASE(VALIDATING)) == 0))
			work = &ph[i];
		if (strcmp(ph[i].state, DF_PHASE(AWAITING_APPROVAL)) == 0)
			gate = 1;
		if (pending == NULL && strcmp(ph[i].state, DF_PHASE(PENDING)) == 0)
			pending = &ph[i];
	}
	if (work != NULL) {
		r = eng_phase_session(e, run->id, work->id, &s, err);
		if (r < 0)
			goto out;
		w = eng_agent_where(e, r == 1 ? &s : NULL);
		store_session_clear(&s);
		if (strcmp(work->state, DF_PHASE(VALIDATING)) == 0) {
			r = 0;
			what[0] = '\0';
			if (!eng_checks_driven(e, work->id)) {
				snprintf(what, n, "phase %s's checks ran in no process: run again",
				         work->phase_key);
				r = eng_checks_next(e, run->id, work->id, err);
			}
			if (r == 0 && !has_timer(e, run->id, work->id))
				r = eng_recheck_active_phase(e, run->id, 2, err);
		} else if (strcmp(work->state, DF_PHASE(RUNNING)) == 0) {
			/* Its attempt never got as far as waiting for the artifact. */
			snprintf(what, n,
			         "phase %s (attempt %d) never reached its agent: restarted",
			         work->phase_key, work->attempts);
			r = eng_restart_phase(e, run->id, work, err);
		} else if (w == AGENT_LIVE) {
			r = 0;
			if (!has_timer(e, run->id, work->id)) {
				snprintf(what, n, "phase %s had no timeout armed: re-armed",
				         work->phase_key);
				r = eng_recheck_active_phase(e, run->id, 2, err);
			} else {
				what[0] = '\0';
			}
		} else {
			snprintf(what, n, "phase %s waits for an agent that is %s: %s",
			         work->phase_key,
			         w == AGENT_EXITED ? "gone" : "not live in this server",
			         w == AGENT_EXITED ? "the run fails" : "restarted");
			r = eng_agent_unreachable(e, run->id, work->id, w, err);
		}
	} else if (gate) {
		what[0] = '\0'; /* a person decides */
	} else if (pending != NULL) {
		snprintf(what, n, "phase %s is pending and nothing started it: restarted",
		         pending->phase_key);
		r = eng_restart_phase(e, run->id, pending, err);
	} else {
		snprintf(what, n, "%s", "no phase is left to wait for: advanced");
		r = eng_advance(e, run->id, err);
	}
out:
	store_phases_free(ph, np);
	return r;
}

/*
 * One run: 1 when it was stranded (what says what was done), 0 when it is
 * driven or waits for a person, -1 with err.
 */
static int
check_run(struct engine *e, const struct store_run *run, char *what, size_t n, struct df_error *err)
{
	int r;

	what[0] = '\0';
	if (eng_is_terminal(run->state)) {
		if (run->final_report_path != NULL)
			return 0;
		snprintf(what, n, "%s", "it has no final report: written");
		eng_ensure_report(e, run->id);
		return 1;
	}
	if (strcmp(run->state, DF_RUN(CREATED)) == 0) {
		/* engine_start is synchronous: a run still "created" is a start that died. */
		snprintf(what, n, "%s", "its start never finished: failed (start_run_failed)");
		r = eng_end_run(e, run->id, DF_RUN(FAILED), "start_run_failed", "start_run_failed",
		                err);
		return r < 0 ? -1 : 1;
	}
	if (strcmp(run->state, DF_RUN(BOUND)) == 0) {
		snprintf(what, n, "%s", "bound, and no phase started: advanced");
		return eng_advance(e, run->id, err) < 0 ? -1 : 1;
	}
	if (!eng_is_mutable(run->state))
		return 0; /* paused, awaiting_approval: a person decides */
	r = check_working_run(e, run, what, n, err);
	if (r < 0)
		return -1;
	return what[0] != '\0';
}

int
eng_self_check_impl(struct engine *e, int *found, struct df_error *err)
{
	struct store_run *runs = NULL;
	size_t n = 0;
	int count = 0;

	if (store_runs_list(e->st, 0, &runs, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct df_error rerr;
		char what[256];
		int r;

		df_error_clear(&rerr);
		r = check_run(e, &runs[i], what, sizeof(what), &rerr);
		if (r != 0) {
			count++;
			if (e->host->stranded)
				e->host->stranded(e->hctx, runs[i].id, runs[i].state, what);
		}
		if (r < 0) {
			/* As at recovery; with the disk still full this fails too, and the next
			 * check retries. */
			eng_set_ids(&rerr, runs[i].id, NULL);
			eng_step_failed(e, &rerr);
			eng_fail_run(e, runs[i].id, "process_restart_unrecovered");
		}
	}
	store_runs_free(runs, n);
	if (found)
		*found = count;
	return 0;
}

int
engine_self_check(struct engine *e, int *found, struct df_error *err)
{
	int rc;

	e->depth++;
	rc = eng_self_check_impl(e, found, err);
	e->depth--;
	eng_pump(e);
	return rc;
}
