/*
 * The ops that look at a run's work in its worktree. diff is a job for the
 * worker thread (libgit2 may take long on a big change): the op returns at
 * once and the reply goes out from the loop when the job is done, to the
 * client that asked if it is still there, cut to fit one frame. artifact
 * answers from the stored validation of the phase's artifact beside the file
 * as it is now, read without trusting the agent that wrote it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "engine/worktree.h"
#include "lib/buf.h"
#include "lib/canon.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "server-int.h"

/* The artifact view reads at most this much of an artifact file. */
#define ARTIFACT_MAX (512u * 1024)

/* ---- diff: computed on a worker thread, answered from the loop ---------- */

struct diff_job {
	struct server *srv; /* only the loop-side callback touches it */
	unsigned client;    /* the asking client's serial: it may be gone by then */
	uint64_t req_id;
	char run_id[DF_ID_MAX];
	char *repo, *root, *base;
	void (*hook)(void *ctx);
	void *hook_ctx;
	/* Filled on the worker thread: */
	int rc;
	struct df_error err;
	cJSON *result;
};

/* Room in a frame for the reply's envelope around the result. */
#define DIFF_REPLY_SLACK 256

/* The unified diff cut at a line boundary before max bytes, with a note saying so. */
static char *
diff_cut(const char *text, size_t len, size_t max)
{
	size_t keep = max < len ? max : len;

	while (keep > 0 && text[keep - 1] != '\n')
		keep--;
	return xasprintf("%.*s[diff truncated: %zu of %zu bytes shown; see `git diff` in the "
	                 "worktree]\n",
	                 (int)keep, text, keep, len);
}

/* Worker thread: touches only the job (libgit2 through worktree_*, cJSON objects of its own). */
static void *
diff_run(void *arg)
{
	struct diff_job *j = arg;
	struct worktree_change *ch = NULL;
	size_t n = 0, len, cap;
	char *text = NULL;
	struct result_diff d = { 0 };
	char(*st)[2];

	df_error_clear(&j->err);
	if (j->hook != NULL)
		j->hook(j->hook_ctx);
	if (worktree_changed_files(j->repo, j->root, j->base, &ch, &n, &j->err) != 0 ||
	    worktree_diff(j->repo, j->root, j->base, &text, &j->err) != 0) {
		worktree_changes_free(ch, n);
		j->rc = -1;
		return j;
	}
	d.run_id = j->run_id;
	d.base = j->base;
	d.worktree_root = j->root;
	d.files = xcalloc(n + 1, sizeof(*d.files));
	st = xcalloc(n + 1, sizeof(*st));
	for (size_t i = 0; i < n; i++) {
		st[i][0] = ch[i].status;
		d.files[i].path = ch[i].path;
		d.files[i].status = st[i];
	}
	d.nfiles = n;
	/*
	 * The reply must fit in one frame: cut the text (at a line boundary,
	 * with a note) until the encoded reply does; escaping may grow it.
	 */
	len = strlen(text);
	cap = PROTO_MAX_FRAME;
	for (;;) {
		char *shown = cap < len ? diff_cut(text, len, cap) : xstrdup(text);
		char *enc;
		size_t elen;

		d.text = shown;
		d.truncated = cap < len;
		cJSON_Delete(j->result);
		j->result = result_diff_json(&d);
		free(shown);
		enc = cJSON_PrintUnformatted(j->result);
		elen = strlen(enc);
		cJSON_free(enc);
		if (elen + DIFF_REPLY_SLACK <= PROTO_MAX_FRAME)
			break;
		if (cap > len)
			cap = len;
		cap = cap > elen - PROTO_MAX_FRAME + DIFF_REPLY_SLACK + 4096
		          ? cap - (elen - PROTO_MAX_FRAME + DIFF_REPLY_SLACK + 4096)
		          : 0;
		if (cap == 0 && d.nfiles > 0) {
			/* Even without text it is too big: a huge file list; keep its head. */
			d.nfiles /= 2;
			d.files_truncated = 1;
		}
	}
	worktree_changes_free(ch, n);
	free(d.files);
	free(st);
	free(text);
	j->rc = 0;
	return j;
}

static void
diff_job_free(struct diff_job *j)
{
	cJSON_Delete(j->result);
	free(j->repo);
	free(j->root);
	free(j->base);
	free(j);
}

/* Loop thread: answer the client if it is still there. */
static void
diff_done(void *result, int cancelled, void *arg)
{
	struct diff_job *j = arg;
	struct server *srv = j->srv;
	struct sclient *c;

	(void)result;
	if (cancelled) {
		diff_job_free(j);
		return;
	}
	for (c = srv->clients; c != NULL; c = c->next)
		if (c->serial == j->client && !c->dead)
			break;
	if (c == NULL) {
		server_log(srv, "diff of run %s: client %u left before the answer", j->run_id,
		           j->client);
		diff_job_free(j);
		return;
	}
	if (j->rc == 0) {
		srv_client_queue(c, proto_reply_ok(j->req_id, j->result));
		j->result = NULL;
	} else {
		if (j->err.run_id[0] == '\0')
			snprintf(j->err.run_id, sizeof(j->err.run_id), "%s", j->run_id);
		srv_client_queue(c, proto_reply_error(j->req_id, &j->err));
	}
	srv_client_flush(c);
	diff_job_free(j);
	srv_reap_clients(srv);
}

int
srv_op_diff(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	char run_id[DF_ID_MAX];
	struct store_run run;
	struct diff_job *j;

	(void)result;
	if (srv_arg_run(x, run_id, err) != 0 ||
	    store_run_get(x->srv->store, run_id, &run, err) != 1)
		return -1;
	j = xcalloc(1, sizeof(*j));
	j->srv = x->srv;
	j->client = x->c->serial;
	j->req_id = x->id;
	snprintf(j->run_id, sizeof(j->run_id), "%s", run_id);
	j->repo = xstrdup(run.repo_path);
	j->root = xstrdup(run.worktree_root);
	j->base = xstrdup(run.base_branch);
	j->hook = x->srv->diff_hook;
	j->hook_ctx = x->srv->diff_hook_ctx;
	store_run_clear(&run);
	if (worker_submit(x->srv->worker, diff_run, diff_done, j, err) != 0) {
		diff_job_free(j);
		return -1;
	}
	return 1;
}

/* ---- artifact: the stored validation and the file as it is now ---------- */

/* The phase the artifact op means: named by key, else the pending gate's, else the current one. */
static int
artifact_phase(struct server *srv, const char *run_id, const char *key, const struct store_run *run,
               struct store_phase *out, struct df_error *err)
{
	struct store_phase *ph = NULL;
	struct store_approval *ap = NULL;
	size_t np = 0, na = 0;
	const char *want_id = NULL;
	int rc = -1;

	if (store_phases_list(srv->store, run_id, &ph, &np, err) != 0)
		return -1;
	if (key == NULL) {
		if (store_approvals_list(srv->store, run_id, &ap, &na, err) != 0)
			goto out;
		for (size_t i = 0; i < na && want_id == NULL; i++)
			if (strcmp(ap[i].state, "pending") == 0 && ap[i].phase_id != NULL)
				want_id = ap[i].phase_id;
		if (want_id == NULL)
			want_id = run->current_phase_id;
		if (want_id == NULL) {
			df_error_set(
			    err, DF_HUMAN_REQUIRED, DF_E_ARTIFACT_NOT_FOUND,
			    "run %s awaits no approval and has no current phase (state %s)", run_id,
			    run->state);
			df_error_hint(err, "name a phase: artifact {run, phase: KEY}");
			goto out;
		}
	}
	for (size_t i = 0; i < np; i++) {
		if (key != NULL ? strcmp(ph[i].phase_key, key) == 0
		                : strcmp(ph[i].id, want_id) == 0) {
			*out = ph[i];
			memset(&ph[i], 0, sizeof(ph[i]));
			rc = 0;
			goto out;
		}
	}
	{
		struct buf keys = BUF_INIT;

		for (size_t i = 0; i < np; i++)
			buf_printf(&keys, "%s%s", i ? ", " : "", ph[i].phase_key);
		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		             "artifact.phase: run %s has no phase '%s'", run_id,
		             key != NULL ? key : want_id);
		df_error_hint(err, "its phases: %s", keys.data != NULL ? keys.data : "(none)");
		buf_free(&keys);
	}
out:
	store_phases_free(ph, np);
	store_approvals_free(ap, na);
	return rc;
}

int
srv_op_artifact(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	char run_id[DF_ID_MAX], now_hash[CANON_HASH_HEX], why[160];
	const char *key;
	struct store_run run;
	struct store_phase ph = { 0 };
	struct store_artifact a = { 0 };
	char *abs = NULL;
	struct buf data = BUF_INIT;
	struct result_artifact res = { 0 };
	cJSON *errs = NULL, *doc = NULL;
	char *fe = NULL;
	int r, rc = -1;

	if (srv_arg_run(x, run_id, err) != 0 ||
	    srv_arg_str("artifact", x->args, "phase", 0, &key, err) != 0 ||
	    store_run_get(x->srv->store, run_id, &run, err) != 1)
		return -1;
	if (artifact_phase(x->srv, run_id, key, &run, &ph, err) != 0)
		goto out;
	r = store_artifact_latest(x->srv->store, run_id, ph.id, NULL, -1, &a, err);
	if (r < 0)
		goto out;
	if (r == 0) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_ARTIFACT_NOT_FOUND,
		             "run %s: phase %s has no artifact yet (phase %s)", run_id,
		             ph.phase_key, ph.state);
		df_error_hint(err, "an artifact is recorded once the agent writes the phase's "
		                   "expected file");
		snprintf(err->run_id, sizeof(err->run_id), "%s", run_id);
		goto out;
	}
	res.run_id = run_id;
	res.phase = ph.phase_key;
	res.phase_id = ph.id;
	res.path = a.path;
	res.schema = a.schema_id;
	res.attempt = a.attempt;
	res.valid = a.valid;
	errs = a.errors != NULL ? cJSON_Parse(a.errors) : NULL;
	if (!cJSON_IsArray(errs)) {
		cJSON_Delete(errs);
		errs = cJSON_CreateArray();
	}
	res.errors = errs;
	res.hash = a.hash;
	res.validated_at = a.created_at;
	/* The file as it is now: the agent may have rewritten it since it was judged. */
	if (worktree_path_inside(run.worktree_root, a.path, &abs, err) != 0)
		goto out;
	/* The agent controls the file: never block on it (a FIFO), never follow a final link. */
	if (buf_read_regular(&data, abs, ARTIFACT_MAX, why, sizeof(why)) != 0) {
		fe = xasprintf("%s %s%s", a.path, why, errno == EFBIG ? ": not shown" : "");
		res.file_error = fe;
	} else {
		canon_sha256_hex(data.data != NULL ? data.data : "", data.len, now_hash);
		res.changed = strcmp(now_hash, a.hash) != 0;
		doc = cJSON_ParseWithLength(data.data != NULL ? data.data : "", data.len);
		res.json = doc;
		if (doc == NULL)
			res.text = data.data != NULL ? data.data : "";
	}
	*result = result_artifact_json(&res);
	rc = 0;
out:
	cJSON_Delete(errs);
	cJSON_Delete(doc);
	free(fe);
	buf_free(&data);
	free(abs);
	store_artifact_clear(&a);
	store_phase_clear(&ph);
	store_run_clear(&run);
	return rc;
}
