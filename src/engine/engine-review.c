/*
 * Review rounds (docs/engine.md "Review rounds"): a review phase whose
 * findings (dev/review-findings@1) say changes_requested sends the phase it
 * reviews back, with the findings in that phase's next instructions, and
 * then reviews again, up to maxReviewRounds (default 2) before its gate. A
 * person's change request at the review's gate goes back to the reviewed
 * phase too. The reviewed phase is the review phase's `reviews` key, or
 * else the nearest earlier phase whose artifact is a dev/change-summary@1.
 * Each round is a review.round event, which also carries what the reviewed
 * phase's next attempt is told.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/buf.h"
#include "lib/json.h"
#include "lib/xalloc.h"
#include "engine-int.h"

#define REVIEW_SCHEMA "dev/review-findings@1"
#define CHANGE_SCHEMA "dev/change-summary@1"
/* Findings carried into a review.round event (and so into instructions) at most. */
#define REVIEW_FINDINGS_MAX 50

static const char *
def_schema(const cJSON *def)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(def, "expectedArtifact"), "schema");

	return cJSON_IsString(s) ? s->valuestring : "";
}

/* The run's template's maxReviewRounds (its catalog row), or 2 when it sets none. */
static int
template_rounds(struct engine *e, const char *run_id)
{
	struct store_catalog_entry *t = NULL;
	struct store_run run;
	size_t n = 0;
	int rounds = 2;
	long long v;

	if (store_run_get(e->st, run_id, &run, NULL) != 1)
		return rounds;
	if (store_catalog_list(e->st, STORE_CATALOG_TEMPLATE, &t, &n, NULL) == 0)
		for (size_t i = 0; i < n; i++)
			if (strcmp(t[i].id, run.template_id) == 0) {
				cJSON *def = cJSON_Parse(t[i].definition);

				if (json_int(
				        cJSON_GetObjectItemCaseSensitive(def, "maxReviewRounds"), 0,
				        10, &v) == 0)
					rounds = (int)v;
				cJSON_Delete(def);
			}
	store_catalog_entries_free(t, n);
	store_run_clear(&run);
	return rounds;
}

/*
 * The phase ph reviews, into *target: 1, or 0 when it reviews none (not a
 * review phase, or no such phase in the run); *max_rounds gets its limit:
 * the phase's maxReviewRounds, else its template's, else 2.
 */
static int
review_target(struct engine *e, const struct store_phase *ph, struct store_phase *target,
              int *max_rounds, struct df_error *err)
{
	cJSON *def = cJSON_Parse(ph->definition ? ph->definition : "");
	const cJSON *rv = cJSON_GetObjectItemCaseSensitive(def, "reviews");
	struct store_phase *all = NULL;
	long long n;
	size_t np = 0;
	int found = 0, by_schema = strcmp(def_schema(def), REVIEW_SCHEMA) == 0;

	memset(target, 0, sizeof(*target));
	*max_rounds =
	    json_int(cJSON_GetObjectItemCaseSensitive(def, "maxReviewRounds"), 0, 10, &n) == 0
	        ? (int)n
	        : template_rounds(e, ph->run_id);
	if (!cJSON_IsString(rv) && !by_schema) {
		cJSON_Delete(def);
		return 0;
	}
	if (store_phases_list(e->st, ph->run_id, &all, &np, err) != 0) {
		cJSON_Delete(def);
		return -1;
	}
	for (size_t i = 0; i < np; i++) {
		cJSON *od;
		int match;

		if (all[i].seq >= ph->seq)
			continue;
		od = cJSON_Parse(all[i].definition ? all[i].definition : "");
		match = cJSON_IsString(rv) ? strcmp(all[i].phase_key, rv->valuestring) == 0
		                           : strcmp(def_schema(od), CHANGE_SCHEMA) == 0;
		cJSON_Delete(od);
		if (match) {
			/* The nearest one wins: later rows replace earlier ones. */
			store_phase_clear(target);
			*target = all[i];
			memset(&all[i], 0, sizeof(all[i]));
			found = 1;
		}
	}
	store_phases_free(all, np);
	cJSON_Delete(def);
	return found;
}

/* Automatic rounds the review phase has had (review.round events with cause "review"). */
static int
rounds_done(struct engine *e, const struct store_phase *ph, struct df_error *err)
{
	struct store_event *ev = NULL;
	size_t n = 0;
	int rounds = 0;

	if (store_events_list(e->st, ph->run_id, 0, 0, &ev, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(ev[i].type, "review.round") == 0 && ev[i].phase_id &&
		    strcmp(ev[i].phase_id, ph->id) == 0 &&
		    strstr(ev[i].payload, "\"cause\":\"review\""))
			rounds++;
	store_events_free(ev, n);
	return rounds;
}

/* The findings of a review artifact, as the event carries them (at most REVIEW_FINDINGS_MAX). */
static cJSON *
findings_copy(const cJSON *doc)
{
	cJSON *arr = cJSON_CreateArray();
	const cJSON *f;
	int k = 0;

	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(doc, "findings"))
	{
		if (k++ >= REVIEW_FINDINGS_MAX)
			break;
		cJSON_AddItemToArray(arr, cJSON_Duplicate(f, 1));
	}
	return arr;
}

/*
 * In the open transaction: the reviewed phase (target) and the review phase
 * (ph) are pending again, the review's agent stops, and review.round
 * records the round (key review.round:<review phase>:<attempt>[:<approval>]).
 */
static int
send_back(struct engine *e, struct store_phase *ph, struct store_phase *target, cJSON *pl,
          const char *approval_id, const char *ts, struct df_error *err)
{
	struct store_session sess;
	int have;

	cJSON_AddStringToObject(pl, "phaseKey", ph->phase_key);
	cJSON_AddStringToObject(pl, "targetPhaseKey", target->phase_key);
	cJSON_AddStringToObject(pl, "targetPhaseId", target->id);
	cJSON_AddNumberToObject(pl, "attempt", ph->attempts);
	cJSON_AddNumberToObject(pl, "targetAttempt", target->attempts);
	for (int k = 0; k < 2; k++) {
		struct store_phase *p = k == 0 ? ph : target;

		free(p->state);
		p->state = xstrdup(DF_PHASE(PENDING));
		free(p->ended_at);
		p->ended_at = NULL;
		free(p->deadline_at);
		p->deadline_at = NULL;
		if (store_phase_save(e->st, p, err) != 0) {
			cJSON_Delete(pl);
			return -1;
		}
	}
	have = eng_phase_session(e, ph->run_id, ph->id, &sess, err);
	if (have < 0) {
		cJSON_Delete(pl);
		return -1;
	}
	if (have && eng_session_state_live(sess.state)) {
		free(sess.state);
		sess.state = xstrdup(SS_STOPPED);
		if (store_session_save(e->st, &sess, ts, err) != 0) {
			store_session_clear(&sess);
			cJSON_Delete(pl);
			return -1;
		}
		eng_push_stop(e, sess.id);
	}
	store_session_clear(&sess);
	if (approval_id != NULL)
		return eng_emit(e, ph->run_id, ph->id, "review.round", pl, err,
		                "review.round:%s:%d:%s", ph->id, ph->attempts, approval_id);
	return eng_emit(e, ph->run_id, ph->id, "review.round", pl, err, "review.round:%s:%d",
	                ph->id, ph->attempts);
}

int
eng_review_round(struct engine *e, struct store_phase *ph, const cJSON *doc, const char *ts,
                 struct df_error *err)
{
	const cJSON *verdict = cJSON_GetObjectItemCaseSensitive(doc, "verdict");
	const cJSON *summary = cJSON_GetObjectItemCaseSensitive(doc, "summary");
	struct store_phase target;
	int max, r, done;
	cJSON *pl;

	if (!cJSON_IsString(verdict) || strcmp(verdict->valuestring, "changes_requested") != 0)
		return 0;
	r = review_target(e, ph, &target, &max, err);
	if (r <= 0)
		return r;
	done = rounds_done(e, ph, err);
	if (done < 0 || done >= max) {
		store_phase_clear(&target);
		return done < 0 ? -1 : 0;
	}
	pl = cJSON_CreateObject();
	cJSON_AddStringToObject(pl, "cause", "review");
	cJSON_AddNumberToObject(pl, "round", done + 1);
	cJSON_AddNumberToObject(pl, "maxReviewRounds", max);
	if (cJSON_IsString(summary))
		cJSON_AddStringToObject(pl, "summary", summary->valuestring);
	cJSON_AddItemToObject(pl, "findings", findings_copy(doc));
	r = send_back(e, ph, &target, pl, NULL, ts, err) == 0 &&
	            store_run_set_current_phase(e->st, ph->run_id, NULL, ts, err) == 0
	        ? 1
	        : -1;
	store_phase_clear(&target);
	return r;
}

int
eng_review_changes_requested(struct engine *e, struct store_phase *ph, const char *approval_id,
                             const char *actor, const char *comment, const char *ts,
                             struct df_error *err)
{
	struct store_phase target;
	int max, r;
	cJSON *pl;

	r = review_target(e, ph, &target, &max, err);
	if (r <= 0)
		return r;
	pl = eng_payload_str("cause", "human", "actor", actor, "comment", comment,
	                     "approvalRequestId", approval_id, NULL);
	r = send_back(e, ph, &target, pl, approval_id, ts, err) == 0 ? 1 : -1;
	store_phase_clear(&target);
	return r;
}

/* One finding as a line: "- [major] src/a.c:3: message". */
static void
finding_line(struct buf *b, const cJSON *f)
{
	const cJSON *sev = cJSON_GetObjectItemCaseSensitive(f, "severity");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(f, "message");
	const cJSON *file = cJSON_GetObjectItemCaseSensitive(f, "file");
	const cJSON *line = cJSON_GetObjectItemCaseSensitive(f, "line");

	buf_printf(b, "- [%s] ", cJSON_IsString(sev) ? sev->valuestring : "?");
	if (cJSON_IsString(file) && cJSON_IsNumber(line))
		buf_printf(b, "%s:%d: ", file->valuestring, line->valueint);
	else if (cJSON_IsString(file))
		buf_printf(b, "%s: ", file->valuestring);
	buf_printf(b, "%s\n", cJSON_IsString(msg) ? msg->valuestring : "");
}

int
eng_review_feedback(struct engine *e, const struct store_phase *ph, char **findings, char **comment,
                    struct df_error *err)
{
	struct store_event *ev = NULL;
	size_t n = 0;
	cJSON *last = NULL;

	*findings = NULL;
	*comment = NULL;
	if (store_events_list(e->st, ph->run_id, 0, 0, &ev, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		cJSON *pl;
		const cJSON *tid;

		/* Once the phase completed after a round, that round has been answered. */
		if (strcmp(ev[i].type, "phase.completed") == 0 && ev[i].phase_id &&
		    strcmp(ev[i].phase_id, ph->id) == 0) {
			cJSON_Delete(last);
			last = NULL;
			continue;
		}
		if (strcmp(ev[i].type, "review.round") != 0)
			continue;
		pl = cJSON_Parse(ev[i].payload);
		tid = cJSON_GetObjectItemCaseSensitive(pl, "targetPhaseId");
		if (cJSON_IsString(tid) && strcmp(tid->valuestring, ph->id) == 0) {
			cJSON_Delete(last);
			last = pl;
		} else {
			cJSON_Delete(pl);
		}
	}
	store_events_free(ev, n);
	if (last != NULL) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(last, "comment");
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(last, "summary");
		const cJSON *f, *arr = cJSON_GetObjectItemCaseSensitive(last, "findings");
		struct buf b = BUF_INIT;

		if (cJSON_IsString(c))
			*comment = xstrdup(c->valuestring);
		if (cJSON_IsString(s) || cJSON_GetArraySize(arr) > 0) {
			buf_printf(&b, "The review (%s) asks for changes: %s\n",
			           cJSON_GetObjectItemCaseSensitive(last, "phaseKey")->valuestring,
			           cJSON_IsString(s) ? s->valuestring : "");
			cJSON_ArrayForEach(f, arr)
			{
				finding_line(&b, f);
			}
			*findings = buf_detach(&b);
		}
		cJSON_Delete(last);
	}
	return 0;
}
