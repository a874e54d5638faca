/*
 * The ops that finish a run's life in the user's repository: land (merge
 * the run's branch into its base, or push it and open a pull request) and
 * clean (remove the worktrees and branches of ended runs). The git work and
 * `gh` run as jobs on the worker thread (they may take long); the reply and
 * the events go out from the loop when a job is done, as for diff
 * (server-job.c). A landing is recorded after the git step (land.h says why
 * that order is safe), with the asking client's user as the actor.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "engine/engine.h"
#include "engine/land.h"
#include "engine/worktree.h"
#include "lib/buf.h"
#include "lib/fault.h"
#include "lib/spawn.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "store/states.h"
#include "server-int.h"

/* How long `gh pr create` may take, and how much of its output is kept. */
#define GH_TIMEOUT_MS (120 * 1000)
#define GH_OUTPUT_MAX 8192
/* The longest subject line of a landing commit. */
#define SUBJECT_MAX 72

struct land_job {
	struct server *srv;
	unsigned client;
	uint64_t req_id;
	char run_id[DF_ID_MAX];
	char actor[64];
	char *repo, *base, *worktree, *message, *subject, *report_md, *remote;
	enum land_mode mode;
	int merge, pr;
	int rebase;                /* start the rebase follow-up, when the landing conflicts */
	char follow_up[DF_ID_MAX]; /* the run's rebase follow-up so far, or "" */
	enum land_probe probe;     /* rebase: what landing would do */
	char *conflicts;           /* rebase: the conflicting paths */
	char **ex;                 /* the run's artifact paths: not the user's uncommitted work */
	size_t nex;
	/* Filled on the worker thread: */
	int rc;
	struct df_error err;
	struct land_result res;
	char *url;
};

static void
paths_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
land_job_free(struct land_job *j)
{
	paths_free(j->ex, j->nex);
	free(j->repo);
	free(j->base);
	free(j->worktree);
	free(j->message);
	free(j->subject);
	free(j->report_md);
	free(j->remote);
	free(j->url);
	free(j->conflicts);
	free(j);
}

/* The run's client, if still connected. */
static struct sclient *
job_client(struct server *srv, unsigned serial)
{
	for (struct sclient *c = srv->clients; c != NULL; c = c->next)
		if (c->serial == serial && !c->dead)
			return c;
	return NULL;
}

/* `gh pr create` for the pushed branch, the report as its body; the PR's address in j->url. */
static int
open_pr(struct land_job *j)
{
	char *branch = worktree_branch_name(j->run_id);
	const char *argv[] = { "gh",    "pr",      "create",   "--head",      branch, "--base",
		               j->base, "--title", j->subject, "--body-file", "-",    NULL };
	struct spawn_opts o = { .argv = argv,
		                .cwd = j->repo,
		                .input = j->report_md,
		                .input_len = strlen(j->report_md),
		                .timeout_ms = GH_TIMEOUT_MS,
		                .max_output = GH_OUTPUT_MAX };
	struct spawn_result r;
	int rc = spawn_run(&o, &r, &j->err);

	free(branch);
	if (rc != 0 && strstr(j->err.message, strerror(ENOENT)) == NULL) {
		df_error_prefix(&j->err, "cannot open a pull request");
		return -1;
	}
	if (rc != 0) {
		df_error_set(&j->err, DF_HUMAN_REQUIRED, DF_E_IO,
		             "cannot open a pull request: the GitHub CLI (gh) is not installed or "
		             "not in PATH");
		df_error_hint(&j->err,
		              "install gh (https://cli.github.com) and run `gh auth login`, "
		              "or open the pull request by hand; the branch was pushed");
		return -1;
	}
	if (r.status != 0) {
		size_t len = strlen(r.output);

		while (len > 0 && r.output[len - 1] == '\n')
			r.output[--len] = '\0';
		df_error_set(&j->err, DF_HUMAN_REQUIRED, DF_E_GIT, "gh pr create %s (exit %d): %s",
		             r.timed_out ? "timed out" : "failed", r.status, r.output);
		df_error_hint(&j->err, "the branch was pushed; fix what gh says and try again");
		free(r.output);
		return -1;
	}
	{
		/* gh prints the pull request's address as its last line. */
		char *end = r.output + strlen(r.output), *line;

		while (end > r.output && end[-1] == '\n')
			*--end = '\0';
		line = strrchr(r.output, '\n');
		j->url = xstrdup(line != NULL ? line + 1 : r.output);
	}
	free(r.output);
	return 0;
}

/*
 * Worker thread: refuse (-1 with err) when the run's worktree holds work not
 * committed on its branch (a phase whose commit failed, edits by hand after
 * the run): landing would leave it behind, and clean would delete it.
 */
static int
uncommitted(const char *wt, char **ex, size_t nex, struct df_error *err)
{
	char *paths = NULL;
	int n = land_worktree_changes(wt, (const char *const *)ex, nex, &paths, err);

	if (n <= 0)
		return n;
	df_error_set(err, DF_HUMAN_REQUIRED, DF_E_GIT,
	             "cannot land: the run's worktree %s has %d change%s not committed on its "
	             "branch: %s",
	             wt, n, n == 1 ? "" : "s", paths);
	df_error_hint(err,
	              "commit them on the run's branch (git -C %s add -A && git -C %s commit), "
	              "or discard them (git -C %s stash -u), then land again",
	              wt, wt, wt);
	free(paths);
	return -1;
}

/* Worker thread: the git work (and gh); touches only the job. */
static void *
land_run(void *arg)
{
	struct land_job *j = arg;
	struct land_request rq = { .repo_path = j->repo,
		                   .base_branch = j->base,
		                   .run_id = j->run_id,
		                   .worktree = j->worktree,
		                   .mode = j->mode,
		                   .message = j->message };

	df_error_clear(&j->err);
	if (j->worktree != NULL && uncommitted(j->worktree, j->ex, j->nex, &j->err) != 0)
		j->rc = -1;
	else if (j->rebase)
		j->rc = land_probe(&rq, &j->probe, &j->conflicts, &j->err);
	else if (j->merge)
		j->rc = land_merge(&rq, &j->res, &j->err);
	else
		j->rc =
		    (j->remote != NULL && land_push(j->repo, j->run_id, j->remote, &j->err) != 0) ||
		            (j->pr && open_pr(j) != 0)
		        ? -1
		        : 0;
	return j;
}

/* Reply to the job's client, if still connected: result (taken), or j->err when NULL. */
static void
job_reply(struct land_job *j, cJSON *result)
{
	struct sclient *c = job_client(j->srv, j->client);

	if (c == NULL) {
		cJSON_Delete(result);
		return;
	}
	if (result != NULL) {
		srv_client_queue(c, proto_reply_ok(j->req_id, result));
	} else {
		snprintf(j->err.run_id, sizeof(j->err.run_id), "%s", j->run_id);
		srv_client_queue(c, proto_reply_error(j->req_id, &j->err));
	}
	srv_client_flush(c);
	srv_reap_clients(j->srv);
}

/* The result of land --rebase: the follow-up run (already: it was there before). */
static cJSON *
rebase_result(const char *run_id, const char *base, const char *follow_up, const char *actor,
              int already)
{
	char *branch = worktree_branch_name(follow_up);
	cJSON *r = result_land_json(&(struct result_land){ .run_id = run_id,
	                                                   .action = "rebase",
	                                                   .base = base,
	                                                   .branch = branch,
	                                                   .follow_up = follow_up,
	                                                   .actor = actor,
	                                                   .already = already });

	free(branch);
	return r;
}

/*
 * Loop thread, land --rebase: the follow-up starts only when landing
 * conflicts (the probe's answer); otherwise say why not.
 */
static void
rebase_done(struct land_job *j)
{
	char follow[ENGINE_ID_MAX];
	int already = 0;

	if (j->rc == 0 && j->probe == LAND_PROBE_CLEAN) {
		df_error_set(&j->err, DF_HUMAN_REQUIRED, DF_E_RUN_STATE_CHANGED,
		             "run %s lands cleanly on %s: land it (devflow land %s)", j->run_id,
		             j->base, j->run_id);
		df_error_hint(&j->err, "a rebase run is for a landing that conflicts");
		j->rc = -1;
	} else if (j->rc == 0 && j->probe == LAND_PROBE_ALREADY) {
		df_error_set(&j->err, DF_HUMAN_REQUIRED, DF_E_RUN_STATE_CHANGED,
		             "run %s is already landed on %s: nothing to rebase", j->run_id,
		             j->base);
		df_error_hint(&j->err, "devflow land %s records it", j->run_id);
		j->rc = -1;
	} else if (j->conflicts == NULL) {
		j->conflicts = xstrdup("?"); /* a conflict always names its paths; be safe */
	}
	if (j->rc == 0 && engine_rebase_start(j->srv->engine, j->run_id, j->conflicts, j->actor,
	                                      follow, &already, &j->err) != 0) {
		j->rc = -1;
	}
	if (j->rc != 0) {
		job_reply(j, NULL);
		return;
	}
	server_log(j->srv, "run %s: rebase run %s %s by %s (conflicts in %s)", j->run_id, follow,
	           already ? "asked again" : "started", j->actor, j->conflicts);
	job_reply(j, rebase_result(j->run_id, j->base, follow, j->actor, already));
}

/* A conflicting landing of a run that has a rebase follow-up: point at it. */
static void
hint_follow_up(struct land_job *j)
{
	struct store_run f;
	struct df_error ignored;

	if (j->err.code != DF_E_LAND_CONFLICT || j->follow_up[0] == '\0' ||
	    store_run_get(j->srv->store, j->follow_up, &f, &ignored) != 1)
		return;
	df_error_hint(&j->err,
	              "its rebase run %s (%s) holds this run's work merged with the base: "
	              "land that one once it completes (devflow land %s)",
	              j->follow_up, f.state, j->follow_up);
	store_run_clear(&f);
}

/* Loop thread: record the event, then answer. */
static void
land_done(void *result, int cancelled, void *arg)
{
	struct land_job *j = arg;
	char *branch = worktree_branch_name(j->run_id);
	int already = j->merge && j->rc == 0 && strcmp(j->res.how, "already") == 0;
	struct engine_land_record rec = {
		.type = j->merge ? "run.landed"
		        : j->pr  ? "run.pr_opened"
		                 : "run.pushed",
		.actor = j->actor,
		.mode = j->merge ? land_mode_name(j->mode) : NULL,
		.how = j->merge && !already ? j->res.how : NULL,
		.commit = j->merge ? j->res.commit : NULL,
		.remote = j->remote,
		.url = j->url,
	};

	(void)result;
	if (cancelled)
		goto out;
	if (j->rebase) {
		rebase_done(j);
		goto out;
	}
	hint_follow_up(j);
	/*
	 * For the tests of the kill -9 between the git work and its event
	 * (DEVFLOW_TEST_FAULT=land-merged): the server dies here, as it could.
	 */
	if (j->rc == 0 && j->merge && !already && fault_get("land-merged", NULL, 0))
		raise(SIGKILL);
	if (j->rc == 0 && engine_record_land(j->srv->engine, j->run_id, &rec, &j->err) != 0)
		j->rc = -1;
	if (j->rc == 0)
		server_log(j->srv, "run %s: %s by %s (%s)", j->run_id, rec.type, j->actor,
		           j->merge            ? j->res.how
		           : j->remote != NULL ? j->remote
		                               : "pr");
	if (j->rc == 0) {
		struct result_land r = { .run_id = j->run_id,
			                 .action = j->merge ? "land"
			                           : j->pr  ? "pr"
			                                    : "push",
			                 .mode = rec.mode,
			                 .how = j->merge ? j->res.how : NULL,
			                 .commit = j->merge ? j->res.commit : NULL,
			                 .base = j->base,
			                 .branch = branch,
			                 .checkout = j->res.checkout[0] ? j->res.checkout : NULL,
			                 .remote = j->remote,
			                 .url = j->url,
			                 .actor = j->actor,
			                 .already = already };

		job_reply(j, result_land_json(&r));
	} else {
		job_reply(j, NULL);
	}
out:
	free(branch);
	land_job_free(j);
}

/* "Add a greeting" from "# Add a greeting\n...": the requirements' first line. */
static char *
subject_of(const char *md)
{
	const char *p = md != NULL ? md : "";
	size_t len;

	while (*p == '\n' || *p == ' ' || *p == '\t')
		p++;
	while (*p == '#')
		p++;
	while (*p == ' ')
		p++;
	len = strcspn(p, "\n");
	if (len == 0)
		return xstrdup("devflow run");
	if (len > SUBJECT_MAX)
		len = SUBJECT_MAX;
	return xasprintf("%.*s", (int)len, p);
}

/* The job's inputs from the run: the message, the subject and the Markdown report. */
static int
land_inputs(struct server *srv, struct land_job *j, const struct store_run *run,
            struct df_error *err)
{
	struct store_run_inputs in = { 0 };

	if (store_run_inputs_get(srv->store, j->run_id, &in, err) < 0)
		return -1;
	j->subject = subject_of(in.requirements_md);
	store_run_inputs_clear(&in);
	j->message = xasprintf("%s\n\nLanded by devflow from run %s (branch devflow/%s/main).%s%s",
	                       j->subject, j->run_id, j->run_id,
	                       run->final_report_path != NULL ? "\nReport: " : "",
	                       run->final_report_path != NULL ? run->final_report_path : "");
	j->report_md = run->final_report_path != NULL
	                   ? buf_file_text(run->final_report_path, PROTO_MAX_FRAME)
	                   : NULL;
	if (j->report_md == NULL)
		j->report_md = xasprintf("devflow run %s\n", j->run_id);
	return 0;
}

/* The arguments of land: a mode, or a remote to push to and/or a pull request. */
static int
land_args(struct op_ctx *x, struct land_job *j, struct df_error *err)
{
	const char *mode = NULL, *remote = NULL;

	if (srv_arg_str("land", x->args, "mode", 0, &mode, err) != 0 ||
	    srv_arg_str("land", x->args, "push", 0, &remote, err) != 0 ||
	    srv_arg_bool("land", x->args, "pr", &j->pr, err) != 0 ||
	    srv_arg_bool("land", x->args, "rebase", &j->rebase, err) != 0)
		return -1;
	if (j->rebase && (mode != NULL || remote != NULL || j->pr))
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "land: rebase starts a follow-up run that merges the base; a "
		                    "mode, push or pr land this run: choose one");
	if (mode != NULL && land_mode_parse(mode, &j->mode) != 0) {
		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "land.mode: unknown mode '%s'",
		             mode);
		df_error_hint(err, "one of auto, merge, squash, ff-only");
		return -1;
	}
	if (mode != NULL && (remote != NULL || j->pr)) {
		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		             "land: a mode (%s) merges into the base; push and pr publish the "
		             "branch instead: choose one",
		             mode);
		return -1;
	}
	j->merge = remote == NULL && !j->pr && !j->rebase;
	j->remote = remote != NULL ? xstrdup(remote) : j->pr ? xstrdup("origin") : NULL;
	return 0;
}

/*
 * A run whose landing is recorded lands once: answer "already" from the
 * event (the branch may be cleaned away since). 1 with *result when so, 0
 * when not, -1 with err.
 */
static int
already_replied(struct op_ctx *x, struct land_job *j, cJSON **result, struct df_error *err)
{
	char commit[ENGINE_ID_MAX], via[ENGINE_ID_MAX];
	char *branch;
	int r = engine_landed_via(x->srv->engine, j->run_id, commit, via, err);

	if (r <= 0)
		return r;
	if (j->rebase) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_RUN_STATE_CHANGED,
		             "run %s is already landed%s%s: nothing to rebase", j->run_id,
		             via[0] ? " through its rebase run " : "", via);
		snprintf(err->run_id, sizeof(err->run_id), "%s", j->run_id);
		return -1;
	}
	branch = worktree_branch_name(j->run_id);
	*result = result_land_json(&(struct result_land){ .run_id = j->run_id,
	                                                  .action = "land",
	                                                  .how = "already",
	                                                  .commit = commit[0] ? commit : NULL,
	                                                  .branch = branch,
	                                                  .actor = x->c->actor,
	                                                  .via = via[0] ? via : NULL,
	                                                  .already = 1 });
	free(branch);
	return 1;
}

/*
 * The run's rebase follow-up, kept in the job (a conflicting landing points
 * at it). For --rebase, one that is active answers at once (1 with
 * *result: asking twice starts one run). 0 otherwise, -1 with err.
 */
static int
follow_up_of(struct op_ctx *x, struct land_job *j, const struct store_run *run, cJSON **result,
             struct df_error *err)
{
	struct store_run f;
	int r = engine_rebase_followup(x->srv->engine, j->run_id, j->follow_up, err);

	if (r <= 0 || !j->rebase)
		return r < 0 ? -1 : 0;
	if ((r = store_run_get(x->srv->store, j->follow_up, &f, err)) <= 0)
		return r;
	r = (df_run_state_flags(f.state) & DF_ST_TERMINAL) == 0;
	store_run_clear(&f);
	if (r)
		*result = rebase_result(j->run_id, run->base_branch, j->follow_up, x->c->actor, 1);
	return r;
}

int
srv_op_land(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	struct land_job *j = xcalloc(1, sizeof(*j));
	struct store_run run = { 0 };
	char phase[ENGINE_ID_MAX];
	int rc = -1, r;
	if (srv_arg_run(x, j->run_id, err) != 0 || land_args(x, j, err) != 0 ||
	    store_run_get(x->srv->store, j->run_id, &run, err) != 1)
		goto out;
	/* Past its final gate, a run completes once its last phase's commit is recorded. */
	if (engine_commit_pending(x->srv->engine, j->run_id, phase)) {
		df_error_set(err, DF_RETRYABLE, DF_E_RUN_STATE_CHANGED,
		             "run %s is still committing the work of its phase %s: it lands once "
		             "that commit is recorded",
		             j->run_id, phase);
		df_error_hint(err, "wait for it: devflow wait %s --until end", j->run_id);
		snprintf(err->run_id, sizeof(err->run_id), "%s", j->run_id);
		goto out;
	}
	if (strcmp(run.state, "completed") != 0) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_RUN_STATE_CHANGED,
		             "run %s is %s: only a completed run lands (after its final gate)",
		             j->run_id, run.state);
		df_error_hint(err, "wait for it: devflow wait %s --until end", j->run_id);
		snprintf(err->run_id, sizeof(err->run_id), "%s", j->run_id);
		goto out;
	}
	/* A recorded landing is answered from its event, without a job. */
	if ((r = j->merge || j->rebase ? already_replied(x, j, result, err) : 0) != 0) {
		rc = r > 0 ? 0 : -1;
		goto out;
	}
	if ((r = follow_up_of(x, j, &run, result, err)) != 0) {
		rc = r > 0 ? 0 : -1;
		goto out;
	}
	j->srv = x->srv;
	j->client = x->c->serial;
	j->req_id = x->id;
	snprintf(j->actor, sizeof(j->actor), "%s", x->c->actor);
	j->repo = xstrdup(run.repo_path);
	j->base = xstrdup(run.base_branch);
	j->worktree = run.worktree_root != NULL ? xstrdup(run.worktree_root) : NULL;
	j->ex = engine_artifact_paths(x->srv->engine, j->run_id, &j->nex);
	if (land_inputs(x->srv, j, &run, err) != 0 ||
	    worker_submit(x->srv->worker, land_run, land_done, j, err) != 0)
		goto out;
	store_run_clear(&run);
	return 1;
out:
	store_run_clear(&run);
	land_job_free(j);
	return rc;
}

/* ---- clean: worktrees and branches of ended runs -------------------------- */

struct clean_item {
	char run_id[DF_ID_MAX];
	char via[ENGINE_ID_MAX]; /* the rebase follow-up it landed through, or "" */
	char *repo, *base, *root;
	char **ex; /* the run's artifact paths */
	size_t nex;
};

struct clean_job {
	struct server *srv;
	unsigned client;
	uint64_t req_id;
	int force;
	struct clean_item *v;
	size_t n;
	cJSON *runs; /* built on the worker thread */
};

static void
clean_job_free(struct clean_job *j)
{
	for (size_t i = 0; i < j->n; i++) {
		free(j->v[i].repo);
		free(j->v[i].base);
		free(j->v[i].root);
		paths_free(j->v[i].ex, j->v[i].nex);
	}
	free(j->v);
	cJSON_Delete(j->runs);
	free(j);
}

/* One run: remove its worktree and branch unless the branch holds unlanded work. */
static cJSON *
clean_one(const struct clean_item *it, int force)
{
	cJSON *o = cJSON_CreateObject(), *removed = cJSON_CreateArray();
	char why[1200] = "", *branch = worktree_branch_name(it->run_id);
	struct df_error err;
	int settled =
	    land_branch_settled(it->repo, it->base, it->run_id, it->via, why, sizeof(why), &err);
	struct stat st;
	int had_tree = it->root != NULL && stat(it->root, &st) == 0, dirty;
	char *paths = NULL;

	cJSON_AddStringToObject(o, "runId", it->run_id);
	cJSON_AddStringToObject(o, "branch", branch);
	if (it->root != NULL)
		cJSON_AddStringToObject(o, "worktree", it->root);
	if (settled >= 0 && !force && it->root != NULL &&
	    (dirty = land_worktree_changes(it->root, (const char *const *)it->ex, it->nex, &paths,
	                                   &err)) != 0) {
		if (dirty < 0)
			snprintf(why, sizeof(why), "%s", err.message);
		else
			snprintf(why, sizeof(why),
			         "its worktree has %d change%s not committed: %s (commit and land "
			         "them, or clean --force)",
			         dirty, dirty == 1 ? "" : "s", paths);
		free(paths);
	} else if (settled < 0) {
		snprintf(why, sizeof(why), "%s", err.message);
	} else if (settled == 0 && !force) {
		size_t len = strlen(why);

		snprintf(why + len, sizeof(why) - len, " (land it, or clean --force)");
	} else if (worktree_remove(it->repo, it->run_id, it->root, true, &err) != 0) {
		snprintf(why, sizeof(why), "%s", err.message);
	} else {
		why[0] = '\0';
		if (had_tree && stat(it->root, &st) != 0)
			cJSON_AddItemToArray(removed, cJSON_CreateString("worktree"));
		if (settled != 2)
			cJSON_AddItemToArray(removed, cJSON_CreateString("branch"));
	}
	cJSON_AddItemToObject(o, "removed", removed);
	if (why[0] != '\0')
		cJSON_AddStringToObject(o, "kept", why);
	else
		cJSON_AddNullToObject(o, "kept");
	free(branch);
	return o;
}

static void *
clean_run(void *arg)
{
	struct clean_job *j = arg;

	j->runs = cJSON_CreateArray();
	for (size_t i = 0; i < j->n; i++)
		cJSON_AddItemToArray(j->runs, clean_one(&j->v[i], j->force));
	return j;
}

static void
clean_done(void *result, int cancelled, void *arg)
{
	struct clean_job *j = arg;
	struct sclient *c;

	(void)result;
	if (!cancelled && (c = job_client(j->srv, j->client)) != NULL) {
		for (const cJSON *r = j->runs->child; r != NULL; r = r->next) {
			const cJSON *kept = cJSON_GetObjectItemCaseSensitive(r, "kept");

			server_log(j->srv, "clean %s: %s",
			           cJSON_GetObjectItemCaseSensitive(r, "runId")->valuestring,
			           cJSON_IsString(kept) ? kept->valuestring : "removed");
		}
		srv_client_queue(
		    c, proto_reply_ok(j->req_id, result_clean_json(
		                                     &(struct result_clean){ .runs = j->runs })));
		srv_client_flush(c);
		srv_reap_clients(j->srv);
	}
	clean_job_free(j);
}

static void
clean_add(struct clean_job *j, struct engine *e, const struct store_run *r)
{
	struct clean_item *it;
	char commit[ENGINE_ID_MAX];

	j->v = xreallocarray(j->v, j->n + 1, sizeof(*j->v));
	it = &j->v[j->n++];
	snprintf(it->run_id, sizeof(it->run_id), "%s", r->id);
	it->repo = xstrdup(r->repo_path);
	it->base = xstrdup(r->base_branch);
	it->root = r->worktree_root != NULL ? xstrdup(r->worktree_root) : NULL;
	it->ex = engine_artifact_paths(e, r->id, &it->nex);
	if (engine_landed_via(e, r->id, commit, it->via, NULL) != 1)
		it->via[0] = '\0';
}

/* The runs clean means: the one named (which must have ended), or every ended one. */
static int
clean_targets(struct op_ctx *x, struct clean_job *j, struct df_error *err)
{
	char run_id[DF_ID_MAX];
	int finished = 0;
	struct store_run *runs = NULL;
	size_t n = 0;

	if (srv_arg_bool("clean", x->args, "finished", &finished, err) != 0 ||
	    srv_arg_bool("clean", x->args, "force", &j->force, err) != 0)
		return -1;
	if (finished == (cJSON_GetObjectItemCaseSensitive(x->args, "run") != NULL)) {
		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		             "clean: name a run or ask for finished: true (one of them)");
		return -1;
	}
	if (!finished && srv_arg_run(x, run_id, err) != 0)
		return -1;
	if (store_runs_list(x->srv->store, 0, &runs, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int ended = (df_run_state_flags(runs[i].state) & DF_ST_TERMINAL) != 0;
		char phase[ENGINE_ID_MAX];

		/* A run aborted while its phase's commit runs: its worktree is still in use. */
		if (ended && engine_commit_pending(x->srv->engine, runs[i].id, phase)) {
			if (!finished && strcmp(runs[i].id, run_id) == 0) {
				df_error_set(
				    err, DF_RETRYABLE, DF_E_RUN_STATE_CHANGED,
				    "run %s is still committing the work of its phase %s "
				    "in its worktree: clean it once that commit is recorded",
				    run_id, phase);
				df_error_hint(err,
				              "try again in a moment (devflow logs %s shows "
				              "phase.committed)",
				              run_id);
				store_runs_free(runs, n);
				return -1;
			}
			continue;
		}
		if (!finished && strcmp(runs[i].id, run_id) == 0 && !ended) {
			df_error_set(err, DF_HUMAN_REQUIRED, DF_E_RUN_STATE_CHANGED,
			             "run %s is %s: only an ended run is cleaned", run_id,
			             runs[i].state);
			df_error_hint(err, "abort it first (devflow abort %s), or wait for its end",
			              run_id);
			store_runs_free(runs, n);
			return -1;
		}
		if (ended && (finished || strcmp(runs[i].id, run_id) == 0))
			clean_add(j, x->srv->engine, &runs[i]);
	}
	store_runs_free(runs, n);
	return 0;
}

int
srv_op_clean(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	struct clean_job *j = xcalloc(1, sizeof(*j));

	(void)result;
	if (clean_targets(x, j, err) != 0)
		goto fail;
	j->srv = x->srv;
	j->client = x->c->serial;
	j->req_id = x->id;
	if (worker_submit(x->srv->worker, clean_run, clean_done, j, err) != 0)
		goto fail;
	return 1;
fail:
	clean_job_free(j);
	return -1;
}
