/*
 * A phase's checks: the commands devflow runs itself in the worktree once
 * the phase's artifact validated (the phase's own `checks`, and for a
 * change-summary phase the repository's, kept in the run's extra as
 * "checks"). The phase waits in `validating` while they run, one at a time,
 * each on the host's check runner (off the loop). Every step is an event:
 * check.started, then check.passed or check.failed; results are read back
 * from those events, so a restarted server knows which checks are done and
 * re-runs the one that was running. A required check that fails sends the
 * agent a repair prompt with the command and the tail of its output, within
 * maxRepairs; past them the phase fails the run or goes to a person, as
 * the phase's onCheckFailure says.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "lib/buf.h"
#include "lib/canon.h"
#include "lib/json.h"
#include "lib/paths.h"
#include "lib/xalloc.h"
#include "checkrun.h"
#include "engine-int.h"
#include "worktree.h"

/* The schema of the phases the repository's own checks apply to. */
#define CHANGE_SCHEMA "dev/change-summary@1"
/* A check's timeout when it names none (10 minutes). */
#define CHECK_DEFAULT_TIMEOUT_MS (10 * 60 * 1000)

struct check_def {
	char *name, *cwd;
	char **argv; /* NULL-terminated */
	int64_t timeout_ms;
	int required;
};

struct check_set {
	struct check_def *v;
	size_t n;
	int gate; /* onCheckFailure: "gate" */
};

static void
check_set_clear(struct check_set *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		free(cs->v[i].name);
		free(cs->v[i].cwd);
		for (size_t j = 0; cs->v[i].argv && cs->v[i].argv[j]; j++)
			free(cs->v[i].argv[j]);
		free(cs->v[i].argv);
	}
	free(cs->v);
	memset(cs, 0, sizeof(*cs));
}

/* Add the checks of a JSON array (already validated) not named already. */
static void
check_set_add(struct check_set *cs, const cJSON *arr)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, arr)
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "name");
		const cJSON *argv = cJSON_GetObjectItemCaseSensitive(c, "argv");
		const cJSON *cwd = cJSON_GetObjectItemCaseSensitive(c, "cwd");
		const cJSON *req = cJSON_GetObjectItemCaseSensitive(c, "required");
		const cJSON *a;
		struct check_def *d;
		long long n;
		size_t k = 0;
		int dup = 0;

		if (!cJSON_IsString(name) || !cJSON_IsArray(argv) || cJSON_GetArraySize(argv) < 1)
			continue;
		for (size_t i = 0; i < cs->n; i++)
			if (strcmp(cs->v[i].name, name->valuestring) == 0)
				dup = 1;
		if (dup)
			continue;
		cs->v = xreallocarray(cs->v, cs->n + 1, sizeof(*cs->v));
		d = &cs->v[cs->n++];
		memset(d, 0, sizeof(*d));
		d->name = xstrdup(name->valuestring);
		d->cwd = cJSON_IsString(cwd) ? xstrdup(cwd->valuestring) : NULL;
		d->required = !cJSON_IsFalse(req);
		d->timeout_ms = json_int(cJSON_GetObjectItemCaseSensitive(c, "timeoutMs"), 1,
		                         ENGINE_MAX_PHASE_TIMEOUT_MS, &n) == 0
		                    ? n
		                    : CHECK_DEFAULT_TIMEOUT_MS;
		d->argv = xcalloc((size_t)cJSON_GetArraySize(argv) + 1, sizeof(*d->argv));
		cJSON_ArrayForEach(a, argv)
		{
			d->argv[k++] = xstrdup(cJSON_IsString(a) ? a->valuestring : "");
		}
	}
}

/* The checks of a phase: its definition's, then (a change-summary phase) the run's extra's. */
static void
checks_load(const struct store_phase *ph, const char *extra, struct check_set *cs)
{
	cJSON *def = cJSON_Parse(ph->definition ? ph->definition : "");
	const cJSON *art = cJSON_GetObjectItemCaseSensitive(def, "expectedArtifact");
	const cJSON *schema = cJSON_GetObjectItemCaseSensitive(art, "schema");
	const cJSON *on = cJSON_GetObjectItemCaseSensitive(def, "onCheckFailure");

	memset(cs, 0, sizeof(*cs));
	check_set_add(cs, cJSON_GetObjectItemCaseSensitive(def, "checks"));
	cs->gate = cJSON_IsString(on) && strcmp(on->valuestring, "gate") == 0;
	if (cJSON_IsString(schema) && strcmp(schema->valuestring, CHANGE_SCHEMA) == 0) {
		cJSON *x = cJSON_Parse(extra ? extra : "{}");

		check_set_add(cs, cJSON_GetObjectItemCaseSensitive(x, "checks"));
		cJSON_Delete(x);
	}
	cJSON_Delete(def);
}

/* What the run's events say of a phase attempt's checks (one repair round). */
struct check_state {
	int *result;  /* per check: 0 none yet, 1 passed, 2 failed */
	int *started; /* per check: check.started events */
	char **fail;  /* per check: the check.failed payload (JSON text), or NULL */
};

static void
check_state_clear(struct check_state *s, size_t n)
{
	for (size_t i = 0; s->fail && i < n; i++)
		free(s->fail[i]);
	free(s->result);
	free(s->started);
	free(s->fail);
	memset(s, 0, sizeof(*s));
}

static int
check_state_load(struct engine *e, const struct store_phase *ph, const struct check_set *cs,
                 struct check_state *s, struct df_error *err)
{
	struct store_event *ev = NULL;
	size_t n = 0;

	memset(s, 0, sizeof(*s));
	s->result = xcalloc(cs->n + 1, sizeof(*s->result));
	s->started = xcalloc(cs->n + 1, sizeof(*s->started));
	s->fail = xcalloc(cs->n + 1, sizeof(*s->fail));
	if (store_events_list(e->st, ph->run_id, 0, 0, &ev, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int kind = strcmp(ev[i].type, "check.started") == 0  ? 0
		           : strcmp(ev[i].type, "check.passed") == 0 ? 1
		           : strcmp(ev[i].type, "check.failed") == 0 ? 2
		                                                     : -1;
		cJSON *pl;
		const cJSON *name;
		long long att, rep;

		if (kind < 0 || ev[i].phase_id == NULL || strcmp(ev[i].phase_id, ph->id) != 0)
			continue;
		pl = cJSON_Parse(ev[i].payload);
		name = cJSON_GetObjectItemCaseSensitive(pl, "name");
		if (cJSON_IsString(name) &&
		    json_int(cJSON_GetObjectItemCaseSensitive(pl, "attempt"), 0, INT32_MAX, &att) ==
		        0 &&
		    json_int(cJSON_GetObjectItemCaseSensitive(pl, "repair"), 0, INT32_MAX, &rep) ==
		        0 &&
		    att == ph->attempts && rep == ph->repairs)
			for (size_t c = 0; c < cs->n; c++) {
				if (strcmp(cs->v[c].name, name->valuestring) != 0)
					continue;
				if (kind == 0)
					s->started[c]++;
				else
					s->result[c] = kind;
				if (kind == 2) {
					free(s->fail[c]);
					s->fail[c] = xstrdup(ev[i].payload);
				}
			}
		cJSON_Delete(pl);
	}
	store_events_free(ev, n);
	return 0;
}

/* ---- ids of running checks: "<phase>/<attempt>/<repair>/<index>" ---------- */

static void
running_add(struct engine *e, const char *run_id, const char *id)
{
	if (e->nrunning == e->crunning) {
		e->crunning = e->crunning ? e->crunning * 2 : 8;
		e->running = xreallocarray(e->running, e->crunning, sizeof(*e->running));
	}
	e->running[e->nrunning].id = xstrdup(id);
	snprintf(e->running[e->nrunning].run_id, sizeof(e->running[0].run_id), "%s", run_id);
	e->nrunning++;
}

/* Remove id; 1 when it was there. */
static int
running_remove(struct engine *e, const char *id)
{
	for (size_t i = 0; i < e->nrunning; i++)
		if (strcmp(e->running[i].id, id) == 0) {
			free(e->running[i].id);
			e->running[i] = e->running[--e->nrunning];
			return 1;
		}
	return 0;
}

int
eng_checks_driven(struct engine *e, const char *phase_id)
{
	size_t n = strlen(phase_id);

	for (size_t i = 0; i < e->nrunning; i++)
		if (strncmp(e->running[i].id, phase_id, n) == 0 && e->running[i].id[n] == '/')
			return 1;
	return 0;
}

/*
 * The run ended: the checks still running for it are told to stop
 * (host->check_cancel: the server kills their process groups) and
 * forgotten, so an aborted run does not keep a long `make test` going.
 */
void
eng_checks_cancel_run(struct engine *e, const char *run_id)
{
	size_t j = 0;

	for (size_t i = 0; i < e->nrunning; i++) {
		if (strcmp(e->running[i].run_id, run_id) != 0) {
			e->running[j++] = e->running[i];
			continue;
		}
		if (e->host->check_cancel != NULL)
			e->host->check_cancel(e->hctx, e->running[i].id);
		free(e->running[i].id);
	}
	e->nrunning = j;
}

void
eng_checks_free(struct engine *e)
{
	for (size_t i = 0; i < e->nrunning; i++)
		free(e->running[i].id);
	free(e->running);
	e->running = NULL;
	e->nrunning = e->crunning = 0;
}

/* A check's name as a file name part: [A-Za-z0-9._-], others '_'. */
static char *
output_path(struct engine *e, const struct store_phase *ph, const char *name)
{
	char *dir = xasprintf("%s/%s/checks", e->workspace, ph->run_id);
	char *p =
	    xasprintf("%s/%s.%d.%d.%s.log", dir, ph->phase_key, ph->attempts, ph->repairs, name);

	for (char *c = p + strlen(dir) + 1; *c; c++)
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') &&
		    !(*c >= '0' && *c <= '9') && *c != '.' && *c != '-' && *c != '_')
			*c = '_';
	paths_mkdir_p(dir, 0700);
	free(dir);
	return p;
}

static cJSON *
argv_json(char *const *argv)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; argv[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(argv[i]));
	return a;
}

int
eng_checks_count(struct engine *e, const struct store_run *run, const struct store_phase *ph,
                 struct df_error *err)
{
	struct store_run_inputs in;
	struct check_set cs;
	int n;

	memset(&in, 0, sizeof(in));
	if (store_run_inputs_get(e->st, run->id, &in, err) < 0)
		return -1;
	checks_load(ph, in.extra, &cs);
	n = (int)cs.n;
	check_set_clear(&cs);
	store_run_inputs_clear(&in);
	return n;
}

/* The host could not start (or has no runner for) a check: it ends at once, failed. */
static void
check_not_started(struct engine *e, const char *run_id, const char *id, const char *why)
{
	struct engine_check_result res = { .exit_code = -1, .error = why };

	running_add(e, run_id, id);
	engine_check_done(e, id, &res);
}

/* check.started for check i, then the host runs it. */
static int
start_check(struct engine *e, const struct store_run *run, const struct store_phase *ph,
            const struct check_def *d, size_t i, int nstarted, struct df_error *err)
{
	char *out = output_path(e, ph, d->name), *cwd = NULL, id[ENGINE_ID_MAX * 2];
	struct engine_check_spec spec;
	struct df_error serr;
	cJSON *pl;
	int rc = -1;

	snprintf(id, sizeof(id), "%s/%d/%d/%zu", ph->id, ph->attempts, ph->repairs, i);
	if (d->cwd == NULL)
		cwd = xstrdup(run->worktree_root);
	else if (worktree_path_inside(run->worktree_root, d->cwd, &cwd, &serr) != 0)
		cwd = NULL;
	pl = eng_payload_str("phaseKey", ph->phase_key, "name", d->name, "outputPath", out, "cause",
	                     nstarted > 0 ? "rerun" : NULL, NULL);
	cJSON_AddItemToObject(pl, "argv", argv_json(d->argv));
	cJSON_AddNumberToObject(pl, "attempt", ph->attempts);
	cJSON_AddNumberToObject(pl, "repair", ph->repairs);
	cJSON_AddNumberToObject(pl, "timeoutMs", (double)d->timeout_ms);
	cJSON_AddBoolToObject(pl, "required", d->required);
	if (eng_tx_begin(e, err) != 0) {
		cJSON_Delete(pl);
		goto out;
	}
	if (eng_emit(e, ph->run_id, ph->id, "check.started", pl, err,
	             "check.started:%s:%d:%d:%s:%d", ph->id, ph->attempts, ph->repairs, d->name,
	             nstarted + 1) != 0 ||
	    eng_tx_commit(e, err) != 0) {
		eng_tx_rollback(e);
		goto out;
	}
	rc = 0;
	if (cwd == NULL) {
		check_not_started(e, ph->run_id, id, serr.message);
		goto out;
	}
	if (e->host->check_start == NULL) {
		check_not_started(e, ph->run_id, id, "this server runs no checks");
		goto out;
	}
	memset(&spec, 0, sizeof(spec));
	spec.check_id = id;
	spec.run_id = ph->run_id;
	spec.phase_id = ph->id;
	spec.name = d->name;
	spec.argv = (const char *const *)d->argv;
	spec.cwd = cwd;
	spec.output_path = out;
	spec.timeout_ms = d->timeout_ms;
	spec.max_output = CHECKRUN_DEFAULT_MAX_OUTPUT;
	running_add(e, ph->run_id, id);
	if (e->host->check_start(e->hctx, &spec, &serr) != 0) {
		running_remove(e, id);
		check_not_started(e, ph->run_id, id, serr.message);
	}
out:
	free(out);
	free(cwd);
	return rc;
}

/*
 * The phase (validating) goes on with its checks: the first one with no
 * result in this repair round starts, unless it runs already; when every
 * check has its result, the phase is accepted (its gate, or completed).
 */
int
eng_checks_next(struct engine *e, const char *run_id, const char *phase_id, struct df_error *err)
{
	struct store_run run;
	struct store_phase ph;
	struct store_run_inputs in;
	struct check_set cs;
	struct check_state s;
	size_t i;
	int r, rc = -1;

	memset(&in, 0, sizeof(in));
	memset(&cs, 0, sizeof(cs));
	memset(&s, 0, sizeof(s));
	memset(&ph, 0, sizeof(ph));
	if (eng_load_run(e, run_id, &run, err) != 0)
		return -1;
	r = store_phase_get(e->st, phase_id, &ph, err);
	if (r <= 0 || !eng_is_mutable(run.state) || strcmp(ph.state, DF_PHASE(VALIDATING)) != 0 ||
	    eng_checks_driven(e, phase_id)) {
		rc = r < 0 ? -1 : 0;
		goto out;
	}
	if (store_run_inputs_get(e->st, run_id, &in, err) < 0)
		goto out;
	checks_load(&ph, in.extra, &cs);
	if (check_state_load(e, &ph, &cs, &s, err) != 0)
		goto out;
	for (i = 0; i < cs.n; i++)
		if (s.result[i] == 0)
			break;
	if (i < cs.n)
		rc = start_check(e, &run, &ph, &cs.v[i], i, s.started[i], err);
	else
		rc = eng_accept_phase(e, run_id, phase_id, NULL, err);
out:
	store_run_clear(&run);
	store_phase_clear(&ph);
	store_run_inputs_clear(&in);
	check_state_clear(&s, cs.n);
	check_set_clear(&cs);
	return rc;
}

/* "exited with status 2", "was killed by signal 9", "timed out after 5.0 s", "could not run: x" */
static char *
how_it_ended(const cJSON *pl)
{
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(pl, "error");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(pl, "exitCode");
	const cJSON *sig = cJSON_GetObjectItemCaseSensitive(pl, "signal");
	const cJSON *dur = cJSON_GetObjectItemCaseSensitive(pl, "durationMs");
	double secs = cJSON_IsNumber(dur) ? dur->valuedouble / 1000.0 : 0;

	if (cJSON_IsString(err))
		return xasprintf("could not run: %s", err->valuestring);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pl, "timedOut")))
		return xasprintf("timed out after %.1f s and was killed", secs);
	if (cJSON_IsNumber(sig) && sig->valueint > 0)
		return xasprintf("was killed by signal %d after %.1f s", sig->valueint, secs);
	return xasprintf("exited with status %d after %.1f s",
	                 cJSON_IsNumber(code) ? code->valueint : -1, secs);
}

/*
 * The failed checks of the phase's current repair round, as the repair
 * prompt's "Check failures:" entries: "<name>: `<argv>` <how it ended>; its
 * output is in <path>; the last lines:" then the tail in a text fence.
 */
int
eng_checks_failure_text(struct engine *e, const struct store_phase *ph, char ***out, size_t *n,
                        struct df_error *err)
{
	struct store_run_inputs in;
	struct check_set cs;
	struct check_state s;

	*out = NULL;
	*n = 0;
	memset(&in, 0, sizeof(in));
	if (store_run_inputs_get(e->st, ph->run_id, &in, err) < 0)
		return -1;
	checks_load(ph, in.extra, &cs);
	store_run_inputs_clear(&in);
	if (check_state_load(e, ph, &cs, &s, err) != 0) {
		check_state_clear(&s, cs.n);
		check_set_clear(&cs);
		return -1;
	}
	*out = xcalloc(cs.n + 1, sizeof(**out));
	for (size_t i = 0; i < cs.n; i++) {
		cJSON *pl;
		struct buf b = BUF_INIT;
		const cJSON *tail, *path;
		char *how;

		if (s.result[i] != 2 || !cs.v[i].required)
			continue;
		pl = cJSON_Parse(s.fail[i]);
		tail = cJSON_GetObjectItemCaseSensitive(pl, "tail");
		path = cJSON_GetObjectItemCaseSensitive(pl, "outputPath");
		how = how_it_ended(pl);
		buf_printf(&b, "%s: `", cs.v[i].name);
		for (size_t j = 0; cs.v[i].argv[j]; j++)
			buf_printf(&b, "%s%s", j ? " " : "", cs.v[i].argv[j]);
		buf_printf(&b, "` %s; its output is in %s; the last lines:\n```text\n%s", how,
		           cJSON_IsString(path) ? path->valuestring : "(none)",
		           cJSON_IsString(tail) ? tail->valuestring : "");
		if (b.len > 0 && b.data[b.len - 1] != '\n')
			buf_putc(&b, '\n');
		buf_puts(&b, "```");
		(*out)[(*n)++] = buf_detach(&b);
		free(how);
		cJSON_Delete(pl);
	}
	check_state_clear(&s, cs.n);
	check_set_clear(&cs);
	return 0;
}

/* ---- a check ended -------------------------------------------------------- */

/* The check.passed / check.failed payload: the check, and how it ended. */
static cJSON *
result_payload(const struct store_phase *ph, const struct check_def *d, const cJSON *res,
               const char *outp)
{
	cJSON *pl = cJSON_Duplicate(res, 1);

	cJSON_AddStringToObject(pl, "phaseKey", ph->phase_key);
	cJSON_AddStringToObject(pl, "name", d->name);
	cJSON_AddItemToObject(pl, "argv", argv_json(d->argv));
	cJSON_AddNumberToObject(pl, "attempt", ph->attempts);
	cJSON_AddNumberToObject(pl, "repair", ph->repairs);
	cJSON_AddBoolToObject(pl, "required", d->required);
	cJSON_AddStringToObject(pl, "outputPath", outp);
	return pl;
}

/*
 * The artifact goes aside (<workspace>/<run>/attempts/<phase>/<file>.<attempt>.r<repair>)
 * when the agent gets a check repair: the checks run again once the agent
 * writes it back, which says it is done; an agent that only looks idle for a
 * moment (a screen between two steps) does not re-run them half-way. A file
 * that cannot be moved is removed.
 */
static void
set_artifact_aside(struct engine *e, const char *run_id, const struct store_phase *ph,
                   const char *abs)
{
	const char *base = strrchr(abs, '/');
	char *dir = xasprintf("%s/%s/attempts/%s", e->workspace, run_id, ph->phase_key);
	char *dest =
	    xasprintf("%s/%s.%d.r%d", dir, base ? base + 1 : abs, ph->attempts, ph->repairs);

	if (paths_mkdir_p(dir, 0700) != 0 || rename(abs, dest) != 0)
		unlink(abs);
	free(dir);
	free(dest);
}

/* A required check failed and the agent is live: it gets the failures to fix. */
static int
send_check_repair(struct engine *e, const struct store_run *run, struct store_phase *ph,
                  struct store_session *sess, struct df_error *err)
{
	struct attempt_ctx c;
	struct compose_more more = { 0 };
	char **fails = NULL, *text = NULL, phash[CANON_HASH_HEX], ts[STORE_TS_MAX];
	const char *reason = NULL;
	size_t nf = 0;
	int rc = -1;

	if (eng_attempt_ctx_load(e, run, ph, &c, &reason, err) != 0 ||
	    eng_checks_failure_text(e, ph, &fails, &nf, err) != 0)
		goto out;
	more.checks = (const char *const *)fails;
	more.nchecks = nf;
	text = eng_compose(e, run, ph, &c, ph->attempts, NULL, NULL, 0, &more);
	eng_hash_text(text, phash);
	eng_now_ts(e, ts);
	ph->repairs++;
	free(ph->state);
	ph->state = xstrdup(DF_PHASE(AWAITING_ARTIFACT));
	free(sess->last_prompt_hash);
	sess->last_prompt_hash = xstrdup(phash);
	if (eng_tx_begin(e, err) != 0)
		goto out;
	if (store_phase_save(e->st, ph, err) != 0 ||
	    store_session_save(e->st, sess, ts, err) != 0 || eng_tx_commit(e, err) != 0) {
		eng_tx_rollback(e);
		goto out;
	}
	rc = 0;
	set_artifact_aside(e, run->id, ph, c.artifact_abs);
	if (e->drv->send(e->dctx, sess->id, text, err) != 0) {
		eng_set_ids(err, run->id, ph->id);
		eng_step_failed(e, err);
		eng_fail_run(e, run->id, "session_failed");
	}
out:
	for (size_t i = 0; i < nf; i++)
		free(fails[i]);
	free(fails);
	free(text);
	eng_attempt_ctx_clear(&c);
	return rc;
}

/*
 * A required check failed: a repair while repairs are left and the agent
 * can take it (a dead agent restarts the phase, an exited one fails the
 * run), else the phase's gate (onCheckFailure "gate") or the run fails
 * (check_failed).
 */
static int
required_failed(struct engine *e, const struct store_run *run, struct store_phase *ph,
                const struct check_set *cs, const char *name, struct df_error *err)
{
	struct phase_def def;
	struct store_session sess;
	int max, have, rc;
	enum agent_where w;

	if (eng_phase_def_parse(ph, &def, err) != 0)
		return -1;
	max = def.max_repairs >= 0 ? def.max_repairs : e->max_repairs;
	eng_phase_def_clear(&def);
	have = eng_phase_session(e, run->id, ph->id, &sess, err);
	if (have < 0)
		return -1;
	w = eng_agent_where(e, have ? &sess : NULL);
	if (ph->repairs < max && have && w == AGENT_LIVE)
		rc = send_check_repair(e, run, ph, &sess, err);
	else if (ph->repairs < max && have)
		rc = eng_agent_unreachable(e, run->id, ph->id, w, err);
	else if (cs->gate)
		rc = eng_accept_phase(e, run->id, ph->id, name, err);
	else
		rc = eng_end_run(e, run->id, DF_RUN(FAILED), "check_failed", "check_failed", err);
	store_session_clear(&sess);
	return rc;
}

/* Parse "<phase>/<attempt>/<repair>/<index>". */
static int
parse_check_id(const char *id, char phase[ENGINE_ID_MAX], int *attempt, int *repair, size_t *idx)
{
	const char *slash = strchr(id, '/');
	unsigned long i;

	if (slash == NULL || (size_t)(slash - id) >= ENGINE_ID_MAX)
		return -1;
	memcpy(phase, id, (size_t)(slash - id));
	phase[slash - id] = '\0';
	if (sscanf(slash + 1, "%d/%d/%lu", attempt, repair, &i) != 3)
		return -1;
	*idx = i;
	return 0;
}

/* Record a check's end (in its own transaction); the phase goes on, repairs or stops. */
static int
record_check(struct engine *e, const struct store_run *run, struct store_phase *ph,
             const struct check_set *cs, size_t idx, const cJSON *res, struct df_error *err)
{
	const struct check_def *d = &cs->v[idx];
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(res, "exitCode");
	int passed = cJSON_IsNumber(code) && code->valueint == 0 &&
	             !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "timedOut")) &&
	             !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(res, "error"));
	const char *type = passed ? "check.passed" : "check.failed";
	char *outp = output_path(e, ph, d->name);
	cJSON *pl = result_payload(ph, d, res, outp);

	free(outp);
	if (eng_tx_begin(e, err) != 0) {
		cJSON_Delete(pl);
		return -1;
	}
	if (eng_emit(e, run->id, ph->id, type, pl, err, "%s:%s:%d:%d:%s", type, ph->id,
	             ph->attempts, ph->repairs, d->name) != 0 ||
	    eng_tx_commit(e, err) != 0) {
		eng_tx_rollback(e);
		return -1;
	}
	if (passed || !d->required)
		return eng_checks_next(e, run->id, ph->id, err);
	return required_failed(e, run, ph, cs, d->name, err);
}

int
eng_check_done_item(struct engine *e, const struct item *it, struct df_error *err)
{
	char phase_id[ENGINE_ID_MAX];
	struct store_run run;
	struct store_phase ph;
	struct store_run_inputs in;
	struct check_set cs;
	cJSON *res = NULL;
	int attempt, repair, r, rc = 0;
	size_t idx;

	if (!running_remove(e, it->a) ||
	    parse_check_id(it->a, phase_id, &attempt, &repair, &idx) != 0)
		return 0; /* not one this engine runs: a stale result */
	memset(&ph, 0, sizeof(ph));
	memset(&in, 0, sizeof(in));
	memset(&cs, 0, sizeof(cs));
	memset(&run, 0, sizeof(run));
	r = store_phase_get(e->st, phase_id, &ph, err);
	if (r <= 0 || strcmp(ph.state, DF_PHASE(VALIDATING)) != 0 || ph.attempts != attempt ||
	    ph.repairs != repair) {
		rc = r < 0 ? -1 : 0;
		goto out;
	}
	if (eng_load_run(e, ph.run_id, &run, err) != 0 ||
	    store_run_inputs_get(e->st, ph.run_id, &in, err) < 0) {
		rc = -1;
		goto out;
	}
	if (!eng_is_mutable(run.state))
		goto out;
	checks_load(&ph, in.extra, &cs);
	res = cJSON_Parse(it->d ? it->d : "{}");
	if (idx < cs.n && res != NULL)
		rc = record_check(e, &run, &ph, &cs, idx, res, err);
out:
	cJSON_Delete(res);
	store_run_clear(&run);
	store_phase_clear(&ph);
	store_run_inputs_clear(&in);
	check_set_clear(&cs);
	return rc;
}

void
engine_check_done(struct engine *e, const char *check_id, const struct engine_check_result *res)
{
	cJSON *o = cJSON_CreateObject();
	struct item it = { .kind = IT_CHECK_DONE, .a = xstrdup(check_id) };

	cJSON_AddNumberToObject(o, "exitCode", res->exit_code);
	cJSON_AddNumberToObject(o, "signal", res->signal);
	cJSON_AddBoolToObject(o, "timedOut", res->timed_out);
	cJSON_AddNumberToObject(o, "durationMs", (double)res->duration_ms);
	cJSON_AddNumberToObject(o, "outputBytes", (double)res->output_bytes);
	cJSON_AddBoolToObject(o, "capped", res->capped);
	cJSON_AddStringToObject(o, "tail", res->tail ? res->tail : "");
	if (res->error)
		cJSON_AddStringToObject(o, "error", res->error);
	it.d = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	eng_enqueue(e, &it);
	eng_pump(e);
}

/* ---- the repository's checks, at start ------------------------------------ */

/* The largest devflow.json read. */
#define REPO_CONFIG_MAX (64 * 1024)
#define REPO_CONFIG_SCHEMA "devflow/repo-config@1"

/* Validate {"checks": ...} as devflow/repo-config@1; -1 with err naming what and the path. */
static int
validate_repo_config(struct engine *e, const cJSON *doc, const char *what, struct df_error *err)
{
	struct schema_errors serr = { 0 };
	int r;

	if (e->reg == NULL)
		return 0;
	r = schema_validate(e->reg, REPO_CONFIG_SCHEMA, doc, &serr, err);
	if (r == 1) {
		char where[64], why[256];

		if (checkrun_rules(cJSON_GetObjectItemCaseSensitive(doc, "checks"), where,
		                   sizeof(where), why, sizeof(why)) != 0)
			return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "%s: %s: %s",
			                    what, where, why);
		return 0;
	}
	if (r == 0) {
		char *first = serr.count > 0 ? schema_error_format(&serr.items[0]) : NULL;

		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "%s: %s", what,
		             first ? first : "not valid");
		df_error_hint(err, "see schemas/devflow/repo-config@1.json and docs/engine.md "
		                   "\"Checks\"");
		free(first);
	}
	schema_errors_free(&serr);
	return -1;
}

int
eng_checks_for_start(struct engine *e, const char *repo, const char *base, char **extra,
                     struct df_error *err)
{
	cJSON *x = cJSON_Parse(*extra ? *extra : "{}"), *file = NULL, *merged;
	cJSON *given = cJSON_GetObjectItemCaseSensitive(x, "checks");
	char *text = NULL;
	int r, rc = -1;

	if (given != NULL) {
		cJSON *doc = cJSON_CreateObject();

		cJSON_AddItemReferenceToObject(doc, "checks", given);
		r = validate_repo_config(e, doc, "the run's checks (--check)", err);
		cJSON_Delete(doc);
		if (r != 0)
			goto out;
	}
	r = worktree_read_blob(repo, base, "devflow.json", REPO_CONFIG_MAX, &text, err);
	if (r < 0) {
		df_error_prefix(err, "devflow.json");
		goto out;
	}
	if (r == 1) {
		char *what = xasprintf("devflow.json (on %s)", base);

		file = cJSON_Parse(text);
		if (file == NULL)
			df_error_set(err, DF_FATAL, DF_E_JSON_PARSE, "%s: not valid JSON", what);
		r = file == NULL ? -1 : validate_repo_config(e, file, what, err);
		free(what);
		if (r != 0)
			goto out;
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(file, "checks")) > 0) {
		/* The start's own checks first: a name in both is the start's. */
		merged = given ? cJSON_Duplicate(given, 1) : cJSON_CreateArray();
		const cJSON *c;

		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(file, "checks"))
		{
			cJSON_AddItemToArray(merged, cJSON_Duplicate(c, 1));
		}
		cJSON_DeleteItemFromObjectCaseSensitive(x, "checks");
		cJSON_AddItemToObject(x, "checks", merged);
		free(*extra);
		*extra = cJSON_PrintUnformatted(x);
	}
	rc = 0;
out:
	cJSON_Delete(x);
	cJSON_Delete(file);
	free(text);
	return rc;
}

/* ---- status ---------------------------------------------------------------- */

int
eng_checks_status(struct engine *e, cJSON *o, const char *run_id, struct df_error *err)
{
	struct store_event *ev = NULL;
	size_t n = 0;
	cJSON *arr = cJSON_AddArrayToObject(o, "checks");

	if (store_events_list(e->st, run_id, 0, 0, &ev, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *state = strcmp(ev[i].type, "check.started") == 0  ? "running"
		                    : strcmp(ev[i].type, "check.passed") == 0 ? "passed"
		                    : strcmp(ev[i].type, "check.failed") == 0 ? "failed"
		                                                              : NULL;
		cJSON *pl, *x = NULL, *it;
		const cJSON *name;

		if (state == NULL || ev[i].phase_id == NULL)
			continue;
		pl = cJSON_Parse(ev[i].payload);
		name = cJSON_GetObjectItemCaseSensitive(pl, "name");
		if (!cJSON_IsString(name)) {
			cJSON_Delete(pl);
			continue;
		}
		/* One entry per phase and check: the newest event says where it stands. */
		cJSON_ArrayForEach(it, arr)
		{
			if (strcmp(cJSON_GetObjectItemCaseSensitive(it, "phaseId")->valuestring,
			           ev[i].phase_id) == 0 &&
			    strcmp(cJSON_GetObjectItemCaseSensitive(it, "name")->valuestring,
			           name->valuestring) == 0)
				x = it;
		}
		if (x == NULL) {
			x = cJSON_CreateObject();
			cJSON_AddItemToArray(arr, x);
		}
		while (x->child)
			cJSON_Delete(cJSON_DetachItemViaPointer(x, x->child));
		cJSON_AddStringToObject(x, "phaseId", ev[i].phase_id);
		cJSON_AddItemToObject(
		    x, "phaseKey",
		    cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(pl, "phaseKey"), 1));
		cJSON_AddStringToObject(x, "name", name->valuestring);
		cJSON_AddStringToObject(x, "state", state);
		if (strcmp(state, "running") != 0) {
			char *how = how_it_ended(pl);

			cJSON_AddStringToObject(x, "how", how);
			free(how);
		}
		for (int k = 0; k < 4; k++) {
			static const char *const keys[] = { "outputPath", "tail", "attempt",
				                            "repair" };
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(pl, keys[k]);

			if (v != NULL)
				cJSON_AddItemToObject(x, keys[k], cJSON_Duplicate(v, 1));
		}
		cJSON_Delete(pl);
	}
	store_events_free(ev, n);
	return 0;
}
