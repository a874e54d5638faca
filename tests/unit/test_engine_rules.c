/*
 * One test per rule of DESIGN.md's "Domain model" list, each named after its
 * rule, on the engine test bench (real store, real git, fake clock, scripted
 * sessions). Flows that combine the rules live in test_engine_flow.c.
 */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "engine/binding.h"
#include "engine/report.h"
#include "lib/canon.h"
#include "lib/xalloc.h"
#include "engine_harness.h"

/* Put a template into the store's catalog. */
static void
put_template(struct harness *h, const char *json)
{
	cJSON *def = cJSON_Parse(json);
	struct store_catalog_entry e = { 0 };
	char hash[CANON_HASH_HEX];
	struct df_error err;

	assert_non_null(def);
	canon_hash(def, hash);
	e.name = cJSON_GetObjectItem(def, "name")->valuestring;
	e.version = cJSON_GetObjectItem(def, "version")->valueint;
	e.hash = hash;
	e.definition = (char *)json;
	e.source = "test";
	assert_int_equal(store_catalog_put(h->st, STORE_CATALOG_TEMPLATE, &e, NULL, &err), 0);
	cJSON_Delete(def);
}

static int
start_template(struct harness *h, const char *name, char run[ENGINE_ID_MAX], struct df_error *err)
{
	struct engine_start_request req = { 0 };

	h_fake_request(&req, h->repo, "main");
	req.requirements_md = "Do it.";
	req.template_name = name;
	return engine_start(h->e, &req, run, err);
}

static void
new_repo(struct harness *h, const char *name, char **out)
{
	char cmd[1024];

	*out = xasprintf("%s/%s", h->dir, name);
	snprintf(cmd, sizeof(cmd),
	         "git init -q -b main '%s' && git -C '%s' -c user.name=t -c user.email=t@e "
	         "commit -q --allow-empty -m init",
	         *out, *out);
	assert_int_equal(system(cmd), 0);
}

static int
count_active(struct harness *h)
{
	int64_t n;

	assert_int_equal(store_run_count_active(h->st, &n, NULL), 0);
	return (int)n;
}

/* ---- One non-terminal run per (canonical repo path, base branch) ---- */

static void
test_rule_one_active_run_per_repo_and_base(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], run2[ENGINE_ID_MAX], *alias, *dir;
	struct engine_start_request req = { 0 };
	struct df_error err;
	struct stat sb;

	h_must_start(h, NULL, run);
	/* Another spelling of the same repository is the same key. */
	alias = xasprintf("%s/alias", h->dir);
	assert_int_equal(symlink(h->repo, alias), 0);
	h_fake_request(&req, alias, "main");
	req.run_id = "loser";
	assert_int_equal(engine_start(h->e, &req, run2, &err), -1);
	assert_int_equal(err.code, DF_E_ACTIVE_RUN_EXISTS);
	assert_int_equal(err.class, DF_HUMAN_REQUIRED);
	assert_string_equal(err.run_id, run);
	assert_non_null(strstr(err.message, "planning"));
	assert_non_null(strstr(err.hint, run));
	assert_string_equal(run2, "");
	/* The refused start left nothing behind. */
	dir = xasprintf("%s/loser", h->ws);
	assert_int_equal(stat(dir, &sb), -1);
	free(dir);
	assert_int_equal(count_active(h), 1);
	free(alias);
	/* Once the run ended, the pair is free again. */
	assert_int_equal(engine_abort(h->e, run, NULL, &err), 0);
	h_must_start(h, NULL, run2);
	assert_string_not_equal(run, run2);
}

/* Two processes start on the same repository and base at once: exactly one wins. */
static void
test_rule_one_active_run_per_repo_and_base_racing_processes(void **state)
{
	struct harness *h = *state;
	int go[2], status[2];
	pid_t pid[2];
	struct store_run *runs;
	size_t n;

	/* No SQLite connection may cross a fork: the parent closes its own first. */
	engine_free(h->e);
	h->e = NULL;
	store_close(h->st);
	h->st = NULL;
	assert_int_equal(pipe(go), 0);
	for (int i = 0; i < 2; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			char run[ENGINE_ID_MAX], c;
			struct df_error err;
			int rc;

			close(go[1]);
			/* A process of its own: its own connection, engine and ids. */
			h->st = store_open_path(h->dbpath, &err);
			if (h->st == NULL) {
				fprintf(stderr, "# child %d: open: %s\n", i, err.message);
				_exit(10);
			}
			snprintf(h->idprefix, sizeof(h->idprefix), "p%d-", i);
			h_engine(h);
			if (read(go[0], &c, 1) != 0)
				_exit(11);
			rc = h_start(h, NULL, run, &err);
			engine_free(h->e);
			h->e = NULL;
			store_close(h->st);
			h->st = NULL;
			if (rc != 0 && err.code != DF_E_ACTIVE_RUN_EXISTS)
				fprintf(stderr, "# child %d: %s: %s\n", i, df_code_name(err.code),
				        err.message);
			_exit(rc == 0 ? 0 : err.code == DF_E_ACTIVE_RUN_EXISTS ? 3 : 12);
		}
	}
	close(go[0]);
	close(go[1]); /* both go */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &status[i], 0), pid[i]);
		assert_true(WIFEXITED(status[i]));
		status[i] = WEXITSTATUS(status[i]);
	}
	h->st = store_open_path(h->dbpath, NULL);
	assert_non_null(h->st);
	h_engine(h);
	assert_true((status[0] == 0 && status[1] == 3) || (status[0] == 3 && status[1] == 0));
	assert_int_equal(store_runs_list(h->st, 0, &runs, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(runs[0].state, "planning");
	/* The loser left nothing: the workspace holds the winner's directory only. */
	{
		char *cmd = xasprintf("test \"$(ls '%s')\" = '%s'", h->ws, runs[0].id);

		assert_int_equal(system(cmd), 0);
		free(cmd);
	}
	store_runs_free(runs, n);
}

/* ---- At most max_concurrent_runs non-terminal runs ---- */

static void
test_rule_max_concurrent_runs(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *repo2, *repo3;
	struct engine_start_request req = { 0 };
	struct df_error err;

	h->max_runs = 2;
	h_engine(h);
	new_repo(h, "two", &repo2);
	new_repo(h, "three", &repo3);
	h_must_start(h, NULL, run);
	h_fake_request(&req, repo2, "main");
	{
		assert_int_equal(engine_start(h->e, &req, run, &err), 0);
		req.repo_path = repo3;
		assert_int_equal(engine_start(h->e, &req, run, &err), -1);
		assert_int_equal(err.code, DF_E_MAX_CONCURRENT_RUNS);
		assert_int_equal(err.class, DF_HUMAN_REQUIRED);
		assert_string_equal(err.hint, "maxConcurrentRuns=2");
		assert_int_equal(count_active(h), 2);
	}
	free(repo2);
	free(repo3);
}

/* ---- Worktree at <workspace>/<run-id>/main on devflow/<run-id>/main; no escape ---- */

static void
test_rule_worktree_at_workspace_run_main(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *expect, *real_ws, cmd[1024];
	struct engine_start_request req = { 0 };
	struct store_run r;
	struct df_error err;
	struct stat sb;

	h_must_start(h, NULL, run);
	assert_int_equal(store_run_get(h->st, run, &r, NULL), 1);
	real_ws = realpath(h->ws, NULL);
	expect = xasprintf("%s/%s/main", real_ws, run);
	assert_string_equal(r.worktree_root, expect);
	assert_int_equal(stat(expect, &sb), 0);
	snprintf(cmd, sizeof(cmd),
	         "git -C '%s' rev-parse -q --verify refs/heads/devflow/%s/main "
	         ">/dev/null",
	         h->repo, run);
	assert_int_equal(system(cmd), 0);
	store_run_clear(&r);
	free(expect);
	assert_int_equal(engine_abort(h->e, run, NULL, &err), 0);

	/* A requested root outside <workspace>/<run-id> is refused; nothing is created. */
	h_fake_request(&req, h->repo, "main");
	req.run_id = "escape";
	req.worktree_root = "../elsewhere";
	assert_int_equal(engine_start(h->e, &req, run, &err), -1);
	assert_int_equal(err.code, DF_E_WORKSPACE_PERMISSIONS);
	assert_int_equal(store_run_get(h->st, "escape", &r, NULL), 0);
	expect = xasprintf("%s/elsewhere", real_ws);
	assert_int_equal(stat(expect, &sb), -1);
	free(expect);
	free(real_ws);
}

static void
test_rule_failed_worktree_creation_removes_the_run(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *dir;
	struct engine_start_request req = { 0 };
	struct store_run r;
	struct df_error err;
	struct stat sb;

	h_fake_request(&req, h->repo, "no-such-branch");
	req.run_id = "nobranch";
	assert_int_equal(engine_start(h->e, &req, run, &err), -1);
	assert_int_equal(err.code, DF_E_WORKTREE_CREATE_FAILED);
	assert_int_equal(store_run_get(h->st, "nobranch", &r, NULL), 0);
	dir = xasprintf("%s/nobranch", h->ws);
	assert_int_equal(stat(dir, &sb), -1);
	free(dir);
	assert_int_equal(count_active(h), 0);
}

/* ---- Bindings: persona with an available backend, overrides, hashes ---- */

static void
test_rule_bindings_persona_backend_and_hashes(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], hash[CANON_HASH_HEX];
	struct engine_start_request req = { 0 };
	struct store_binding *b;
	struct store_run_inputs in;
	struct store_run r;
	struct binding *copy;
	struct df_error err;
	size_t n;

	/* Without overrides, the built-in personas want claude: not available here. */
	req.requirements_md = "x";
	req.repo_path = h->repo;
	req.base_branch = "main";
	assert_int_equal(engine_start(h->e, &req, run, &err), -1);
	assert_int_equal(err.code, DF_E_BINDING_FAILED);
	assert_non_null(strstr(err.message, "role planner"));
	assert_non_null(strstr(err.message, "claude"));
	assert_int_equal(count_active(h), 0);

	h_must_start(h, "{\"ticket\":42}", run);
	assert_int_equal(store_bindings_list(h->st, run, &b, &n, NULL), 0);
	assert_int_equal(n, 3);
	copy = xcalloc(n, sizeof(*copy));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(b[i].backend, "fake");
		assert_int_equal(strlen(b[i].binding_hash), 64);
		assert_int_equal(strlen(b[i].persona_hash), 64);
		copy[i].binding_hash = b[i].binding_hash;
	}
	assert_string_equal(b[0].role_id, "implementer");
	assert_string_equal(b[1].role_id, "planner");
	assert_string_equal(b[2].role_id, "reviewer");
	/* The input hash covers template, sorted bindings, requirements, objective, repo, base,
	 * extra. */
	assert_int_equal(store_run_get(h->st, run, &r, NULL), 1);
	assert_int_equal(store_run_inputs_get(h->st, run, &in, NULL), 1);
	assert_int_equal(binding_input_hash(r.template_hash, copy, n, in.requirements_md, NULL,
	                                    r.repo_path, "main", "{\"ticket\":42}", hash, &err),
	                 0);
	assert_string_equal(in.input_hash, hash);
	assert_int_equal(binding_input_hash(r.template_hash, copy, n, in.requirements_md, NULL,
	                                    r.repo_path, "main", "{\"ticket\":43}", hash, &err),
	                 0);
	assert_string_not_equal(in.input_hash, hash);
	free(copy);
	store_run_inputs_clear(&in);
	store_run_clear(&r);
	store_bindings_free(b, n);
}

/* ---- A phase without an expected artifact is skipped ---- */

static void
test_rule_phase_without_artifact_is_skipped(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;

	put_template(h,
	             "{\"name\":\"skippy\",\"version\":1,\"description\":\"d\","
	             "\"roles\":[\"planner\",\"implementer\",\"reviewer\"],\"phases\":["
	             "{\"key\":\"think\",\"title\":\"Think\",\"roles\":[\"planner\"],\"gates\":[]},"
	             "{\"key\":\"build\",\"title\":\"Build\",\"roles\":[\"implementer\"],"
	             "\"expectedArtifact\":{\"path\":\"out/change.json\",\"schema\":"
	             "\"dev/change-summary@1\"},\"gates\":[]}]}");
	assert_int_equal(system("true"), 0);
	h_script(h, "build", NULL, H_NONE);
	assert_int_equal(start_template(h, "skippy", run, &err), 0);
	assert_string_equal(h_phase_state(h, run, "think"), "skipped");
	assert_int_equal(h_count_events(h, run, "phase.skipped"), 1);
	assert_string_equal(h_phase_state(h, run, "build"), "awaiting_artifact");
	assert_string_equal(h_run_state(h, run), "executing");
}

/* ---- dev/phase-plan@1 puts the run in planning; its phases are appended ---- */

static void
test_rule_phase_plan_puts_run_in_planning_and_appends_phases(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct store_phase *ph;
	size_t n;

	h_must_start(h, NULL, run);
	assert_string_equal(h_run_state(h, run), "planning");
	h_script(h, "plan", NULL, H_NONE);
	{
		char *p = h_worktree_file(h, run, "plan.json");

		h_write(p, H_PLAN_OK);
		engine_artifact_event(h->e, run, p);
		free(p);
	}
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
	assert_int_equal(store_phases_list(h->st, run, &ph, &n, NULL), 0);
	assert_int_equal(n, 1); /* appended once the plan is approved */
	store_phases_free(ph, n);
	h_must_decide(h, run, ENGINE_APPROVE, "t", "alice", NULL);
	assert_int_equal(store_phases_list(h->st, run, &ph, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_string_equal(ph[1].phase_key, "implement");
	assert_int_equal(ph[1].seq, 2);
	assert_string_equal(ph[2].phase_key, "review");
	assert_int_equal(ph[2].seq, 3);
	store_phases_free(ph, n);
	assert_string_equal(h_run_state(h, run), "executing");
}

static void
test_rule_plan_keys_unique_not_template_and_roles_bound(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];

	h_script(h, "plan",
	         "{\"summary\":\"s\",\"phases\":[{\"key\":\"ship\",\"title\":\"S\","
	         "\"roles\":[\"deployer\"],\"gates\":[]}]}",
	         H_IDLE);
	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_must_start(h, NULL, run);
	assert_int_equal(h_count_events(h, run, "artifact.invalid"), 1);
	assert_non_null(strstr(h->texts[1], "- /phases/0/roles/0: role 'deployer' is not bound"));
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
}

static void
test_rule_plan_rehashed_before_use(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *p;

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_must_start(h, NULL, run);
	p = h_worktree_file(h, run, "plan.json");
	h_write(p, "{\"summary\":\"changed\",\"phases\":[]}");
	free(p);
	h_must_decide(h, run, ENGINE_APPROVE, "t", "alice", NULL);
	assert_string_equal(h_run_state(h, run), "failed");
	assert_int_equal(h->last_step_error.code, DF_E_INTERNAL_STATE_CORRUPTION);
	assert_int_equal(h_count_events(h, run, "run.failed"), 1);
}

/* ---- Repairs up to a limit, then failure; timeouts ---- */

static const char LIMITS[] =
    "{\"name\":\"limits\",\"version\":1,\"description\":\"d\","
    "\"roles\":[\"planner\",\"implementer\",\"reviewer\"],\"phases\":["
    "{\"key\":\"build\",\"title\":\"Build\",\"roles\":[\"implementer\"],"
    "\"expectedArtifact\":{\"path\":\"change.json\",\"schema\":\"dev/change-summary@1\"},"
    "\"gates\":[],\"timeoutMs\":5000,\"maxRepairs\":1}]}";

static void
test_rule_invalid_artifact_gets_repair_prompts_then_fails(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;

	put_template(h, LIMITS);
	h_script(h, "build", "{\"summary\":\"x\"}", H_IDLE);
	h_script(h, "build", "{\"summary\":\"x\",\"filesChanged\":[]}", H_IDLE);
	assert_int_equal(start_template(h, "limits", run, &err), 0);
	assert_int_equal(h->ntexts, 2); /* maxRepairs 1: one repair prompt */
	assert_non_null(strstr(h->texts[1], "Validation errors:\n- "));
	assert_non_null(strstr(h->texts[1], "commands"));
	assert_string_equal(h_phase_state(h, run, "build"), "failed");
	assert_string_equal(h_run_state(h, run), "failed");
}

static void
test_rule_phase_past_timeout_fails(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;
	struct store_event *ev;
	size_t n;
	int found = 0;

	put_template(h, LIMITS);
	assert_int_equal(start_template(h, "limits", run, &err), 0);
	h_advance(h, 4999);
	assert_string_equal(h_run_state(h, run), "executing");
	h_advance(h, 1);
	assert_string_equal(h_run_state(h, run), "failed");
	assert_int_equal(store_events_list(h->st, run, 0, 0, &ev, &n, NULL), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(ev[i].type, "phase.failed") == 0 &&
		    strstr(ev[i].payload, "\"reason\":\"phase_timeout\""))
			found = 1;
	store_events_free(ev, n);
	assert_true(found);
}

/* ---- Decisions: idempotent by token; conflicts; paused runs ---- */

static void
test_rule_decisions_idempotent_by_client_token(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], req[ENGINE_ID_MAX];
	struct store_decision d;
	struct df_error err;
	int replayed, before;

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_must_start(h, NULL, run);
	assert_int_equal(h_pending_approval(h, run, req), 1);
	assert_int_equal(engine_decide(h->e, run, req, ENGINE_REQUEST_CHANGES, "tok", "uid:1000",
	                               "more tests", &replayed, &err),
	                 0);
	assert_int_equal(replayed, 0);
	/* The deciding actor is recorded. */
	assert_int_equal(store_decision_by_token(h->st, req, "tok", &d, NULL), 1);
	assert_string_equal(d.actor, "uid:1000");
	assert_string_equal(d.action, "request_changes");
	assert_string_equal(d.comment, "more tests");
	store_decision_clear(&d);
	before = h_event_total(h, run);
	assert_int_equal(engine_decide(h->e, run, req, ENGINE_REQUEST_CHANGES, "tok", "uid:1000",
	                               "more tests", &replayed, &err),
	                 0);
	assert_int_equal(replayed, 1);
	assert_int_equal(h_event_total(h, run), before);
	assert_int_equal(
	    engine_decide(h->e, run, req, ENGINE_APPROVE, "tok", "uid:1000", NULL, &replayed, &err),
	    -1);
	assert_int_equal(err.code, DF_E_APPROVAL_CONFLICT);
}

static void
test_rule_decisions_conflict_on_terminal_not_awaiting_or_not_pending(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], req[ENGINE_ID_MAX], req2[ENGINE_ID_MAX];
	struct df_error err;

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_script(h, "plan", NULL, H_NONE);
	h_must_start(h, NULL, run);
	assert_int_equal(h_pending_approval(h, run, req), 1);
	assert_int_equal(
	    engine_decide(h->e, run, req, ENGINE_REQUEST_CHANGES, "a", "x", "c", NULL, &err), 0);
	/* Not awaiting approval (planning again). */
	assert_int_equal(engine_decide(h->e, run, req, ENGINE_APPROVE, "b", "x", NULL, NULL, &err),
	                 -1);
	assert_int_equal(err.code, DF_E_APPROVAL_CONFLICT);
	assert_non_null(strstr(err.hint, "run_state=planning"));
	/* Not pending: the run awaits a new request, the old one is resolved. */
	{
		char *p = h_worktree_file(h, run, "plan.json");

		h_write(p, H_PLAN_OK);
		engine_session_event(h->e, h_last_session(h, run)->id, ENGINE_SESSION_IDLE, NULL,
		                     0);
		free(p);
	}
	assert_int_equal(h_pending_approval(h, run, req2), 1);
	assert_string_not_equal(req, req2);
	assert_int_equal(engine_decide(h->e, run, req, ENGINE_APPROVE, "c", "x", NULL, NULL, &err),
	                 -1);
	assert_int_equal(err.code, DF_E_APPROVAL_CONFLICT);
	assert_non_null(strstr(err.hint, "approval_state=changes_requested"));
	/* Terminal. */
	assert_int_equal(engine_abort(h->e, run, NULL, &err), 0);
	assert_int_equal(engine_decide(h->e, run, req2, ENGINE_APPROVE, "d", "x", NULL, NULL, &err),
	                 -1);
	assert_int_equal(err.code, DF_E_APPROVAL_CONFLICT);
	assert_non_null(strstr(err.hint, "run_state=aborted"));
}

/* A gate with no phase (or a failed one) needs a person: the human-required gate. */
static void
add_human_gate(struct harness *h, const char *run, const char *id)
{
	struct store_approval a = { 0 };

	a.id = (char *)id;
	a.run_id = (char *)run;
	a.gate_key = "operator_check";
	assert_int_equal(store_approval_insert(h->st, &a, NULL, NULL), 0);
}

static void
test_rule_paused_run_accepts_only_reject_or_abort_for_human_gate(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], req[ENGINE_ID_MAX];
	struct df_error err;

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_must_start(h, NULL, run);
	assert_int_equal(h_pending_approval(h, run, req), 1);
	assert_int_equal(engine_pause(h->e, run, &err), 0);
	/* The plan gate is not human-required: nothing but resume. */
	assert_int_equal(engine_decide(h->e, run, req, ENGINE_APPROVE, "a", "x", NULL, NULL, &err),
	                 -1);
	assert_int_equal(err.code, DF_E_APPROVAL_CONFLICT);
	assert_int_equal(engine_decide(h->e, run, req, ENGINE_REJECT, "b", "x", NULL, NULL, &err),
	                 -1);
	assert_int_equal(err.code, DF_E_APPROVAL_CONFLICT);
	/* A human-required gate: approve refused, abort accepted. */
	add_human_gate(h, run, "human-1");
	assert_int_equal(
	    engine_decide(h->e, run, "human-1", ENGINE_APPROVE, "c", "x", NULL, NULL, &err), -1);
	assert_int_equal(err.code, DF_E_APPROVAL_CONFLICT);
	assert_int_equal(
	    engine_decide(h->e, run, "human-1", ENGINE_ABORT, "d", "x", "stop", NULL, &err), 0);
	assert_string_equal(h_run_state(h, run), "aborted");
}

/* The run's actions as one space-separated string. */
static const char *
actions(struct harness *h, const char *run)
{
	static char buf[sizeof(((struct df_error *)0)->message)];
	const char *names[ENGINE_RUN_ACTIONS_MAX];
	struct df_error err;
	int n = engine_run_actions(h->e, run, names, &err);

	buf[0] = '\0';
	if (n < 0) {
		snprintf(buf, sizeof(buf), "%s", err.message);
		return buf;
	}
	for (int i = 0; i < n; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? " " : "",
		         names[i]);
	return buf;
}

/* What engine_run_actions says matches what the ops accept, state by state. */
static void
test_rule_run_actions_are_what_the_ops_accept(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], req[ENGINE_ID_MAX];
	struct df_error err;

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_script(h, "implement", H_CHANGE_OK, H_NONE);
	h_must_start(h, NULL, run);
	assert_string_equal(actions(h, run), "approve request_changes reject pause abort");
	h_must_pause(h, run);
	/* Paused at a gate that is not human-required: nothing but resume and abort. */
	assert_string_equal(actions(h, run), "resume abort");
	assert_int_equal(h_pending_approval(h, run, req), 1);
	assert_int_equal(engine_decide(h->e, run, req, ENGINE_REJECT, "r", "x", NULL, NULL, &err),
	                 -1);
	/* A human-required gate: reject (and abort), and no resume. */
	add_human_gate(h, run, "human-1");
	assert_string_equal(actions(h, run), "reject abort");
	assert_int_equal(engine_resume(h->e, run, &err), -1);
	assert_int_equal(
	    engine_decide(h->e, run, "human-1", ENGINE_APPROVE, "a", "x", NULL, NULL, &err), -1);
	assert_string_equal(actions(h, run), "reject abort");
	store_approvals_abort_pending(h->st, run, "2026-01-01T00:00:00.000Z", NULL);
	assert_string_equal(actions(h, run), "resume abort");
	assert_string_equal(engine_run_actions(h->e, "no-such-run", (const char *[6]){ 0 }, &err) <
	                            0
	                        ? df_code_name(err.code)
	                        : "",
	                    "run_not_found");
	(void)req;
}

static void
test_rule_run_actions_while_working_and_after_the_end(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_must_start(h, NULL, run);
	h_must_decide(h, run, ENGINE_APPROVE, "t", "alice", NULL);
	assert_string_equal(h_run_state(h, run), "executing");
	assert_string_equal(actions(h, run), "pause abort");
	assert_int_equal(
	    engine_decide(h->e, run, "nope", ENGINE_APPROVE, "u", "x", NULL, NULL, &err), -1);
	assert_int_equal(engine_abort(h->e, run, "done", &err), 0);
	assert_string_equal(actions(h, run), "");
	assert_int_equal(engine_pause(h->e, run, &err), -1);
}

/* ---- approve / request_changes / reject / abort ---- */

static void
test_rule_approve_completes_phase_and_continues(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_must_start(h, NULL, run);
	h_must_decide(h, run, ENGINE_APPROVE, "t", "alice", NULL);
	assert_string_equal(h_phase_state(h, run, "plan"), "completed");
	assert_string_equal(h_run_state(h, run), "executing");
	assert_string_equal(h_phase_state(h, run, "implement"), "awaiting_artifact");
	assert_int_equal(h_count_events(h, run, "approval.resolved"), 1);
	assert_int_equal(h_count_events(h, run, "run.resumed"), 1);
}

static void
test_rule_request_changes_reruns_phase_with_comment(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_script(h, "plan", NULL, H_NONE);
	h_must_start(h, NULL, run);
	h_must_decide(h, run, ENGINE_REQUEST_CHANGES, "t", "alice",
	              "Cover the error path.\nAnd the docs.");
	assert_string_equal(h_run_state(h, run), "planning");
	assert_string_equal(h_phase_state(h, run, "plan"), "awaiting_artifact");
	assert_int_equal(h_phase_attempts(h, run, "plan"), 2);
	assert_non_null(
	    strstr(h_last_text(h), "Reviewer comment:\nCover the error path.\nAnd the docs.\n\n"));
	/* The first session was stopped, a new one serves attempt 2. */
	assert_int_equal(h->nsess, 2);
	assert_int_equal(h->sess[0].alive, 0);
	assert_int_equal(h->sess[1].alive, 1);
}

static void
test_rule_reject_fails_and_abort_aborts_with_cleanup(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *repo2;
	struct engine_start_request req = { 0 };
	struct df_error err;

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_must_start(h, NULL, run);
	h_must_decide(h, run, ENGINE_REJECT, "t", "alice", "wrong approach");
	assert_string_equal(h_run_state(h, run), "failed");
	assert_string_equal(h_phase_state(h, run, "plan"), "failed");
	assert_int_equal(h_count_events(h, run, "session.failed"), 1);
	assert_int_equal(h->sess[0].alive, 0);

	new_repo(h, "other", &repo2);
	h_fake_request(&req, repo2, "main");
	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	assert_int_equal(engine_start(h->e, &req, run, &err), 0);
	h_must_decide(h, run, ENGINE_ABORT, "t", "alice", NULL);
	assert_string_equal(h_run_state(h, run), "aborted");
	assert_int_equal(h_count_events(h, run, "run.aborted"), 1);
	assert_int_equal(h_count_events(h, run, "session.failed"), 1);
	assert_int_equal(h->sess[1].alive, 0);
	free(repo2);
}

/* ---- Pause from planning/executing/awaiting_approval; resume refused with a human gate ---- */

static void
test_rule_pause_from_active_states_resume_refused_with_human_gate(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;

	h_must_start(h, NULL, run);
	assert_int_equal(engine_pause(h->e, run, &err), 0);
	add_human_gate(h, run, "human-2");
	assert_int_equal(engine_resume(h->e, run, &err), -1);
	assert_int_equal(err.code, DF_E_APPROVAL_CONFLICT);
	assert_non_null(strstr(err.hint, "human-required gate"));
	assert_string_equal(h_run_state(h, run), "paused");
	assert_int_equal(
	    engine_decide(h->e, run, "human-2", ENGINE_REJECT, "r", "x", NULL, NULL, &err), 0);
	assert_string_equal(h_run_state(h, run), "failed");
}

/* ---- Events: per-run monotonic seq, unique idempotency keys ---- */

static void
test_rule_events_monotonic_seq_and_replays_add_nothing(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct store_event *ev;
	int64_t seq;
	size_t n;
	int total;

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_script(h, "review", H_REVIEW_OK, H_IDLE);
	h_must_start(h, NULL, run);
	h_must_decide(h, run, ENGINE_APPROVE, "a", "alice", NULL);
	h_must_decide(h, run, ENGINE_APPROVE, "b", "alice", NULL);
	total = h_event_total(h, run); /* asserts seq = 1..n */
	assert_int_equal(h->notified, total);
	assert_int_equal(store_events_list(h->st, run, 0, 0, &ev, &n, NULL), 0);
	for (size_t i = 0; i < n; i++) {
		/* Replaying any step's event adds nothing. */
		assert_int_equal(store_event_append(h->st, run, ev[i].type, ev[i].payload,
		                                    ev[i].idempotency_key, NULL, &seq, NULL),
		                 1);
		assert_int_equal(seq, ev[i].seq);
	}
	assert_string_equal(ev[0].type, "run.created");
	assert_string_equal(ev[1].type, "run.started");
	assert_string_equal(ev[n - 1].type, "run.completed");
	store_events_free(ev, n);
	assert_int_equal(h_event_total(h, run), total);
	/* Late and repeated session reports add nothing either. */
	for (size_t i = 0; i < h->nsess; i++)
		engine_session_event(h->e, h->sess[i].id, ENGINE_SESSION_IDLE, NULL, 0);
	assert_int_equal(h_event_total(h, run), total);
}

/* ---- Final report: atomic, validated; stub on failure; recovered on start ---- */

static void
test_rule_final_report_written_and_validated(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *path, *data;
	struct df_error err;
	struct schema_errors se = { 0 };
	cJSON *doc;
	FILE *fp;
	long len;

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_must_start(h, NULL, run);
	h_must_decide(h, run, ENGINE_REJECT, "t", "alice", "no");
	path = xasprintf("%s/%s/%s.report.json", h->ws, run, run);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	data = xcalloc(1, (size_t)len + 1);
	assert_int_equal(fread(data, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	doc = cJSON_Parse(data);
	assert_non_null(doc);
	assert_int_equal(
	    schema_validate(catalog_registry(h->cat), "common/final-report@1", doc, &se, &err), 1);
	assert_string_equal(cJSON_GetObjectItem(doc, "status")->valuestring, "failed");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "unresolved")), 1);
	cJSON_Delete(doc);
	free(data);
	/* No temporary file is left behind. */
	{
		char *cmd = xasprintf("ls '%s/%s' | grep -q '\\.tmp$'", h->ws, run);

		assert_int_not_equal(system(cmd), 0);
		free(cmd);
	}
	free(path);
}

static void
test_rule_stub_report_when_compose_fails(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *path, *data;
	struct df_error err;
	FILE *fp;
	char buf[8192];
	size_t n;

	h_must_start(h, NULL, run);
	/* Without schemas the report cannot be validated: composing fails, the stub is written. */
	h->no_schemas = 1;
	h_engine(h);
	assert_int_equal(engine_abort(h->e, run, NULL, &err), 0);
	assert_int_equal(h->last_step_error.code, DF_E_SCHEMA_NOT_FOUND);
	path = xasprintf("%s/%s/%s.report.json", h->ws, run, run);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	assert_non_null(strstr(buf, "final_report_compose_failed"));
	data = report_markdown(buf);
	assert_non_null(strstr(data, "final_report_compose_failed"));
	free(data);
	free(path);
}

static void
test_rule_missing_reports_recovered_on_start(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct store_run r;
	struct df_error err;

	h_must_start(h, NULL, run);
	assert_int_equal(engine_abort(h->e, run, NULL, &err), 0);
	assert_int_equal(store_run_set_report(h->st, run, NULL, NULL, &err), 0);
	h_engine(h);
	assert_int_equal(engine_recover(h->e, &err), 0);
	assert_int_equal(store_run_get(h->st, run, &r, NULL), 1);
	assert_non_null(r.final_report_path);
	store_run_clear(&r);
}

/* ---- Restart ---- */

/* The server dies: its sessions and timers die with it; a new engine starts. */
static void
restart(struct harness *h, int sessions_survive)
{
	struct df_error err;

	for (size_t i = 0; i < h->nsess; i++)
		if (!sessions_survive)
			h->sess[i].alive = 0;
	for (size_t i = 0; i < h->ntimers; i++)
		h->timers[i].active = 0;
	h_engine(h);
	assert_int_equal(engine_recover(h->e, &err), 0);
}

static void
test_rule_restart_waiting_runs_stay(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], run2[ENGINE_ID_MAX], *repo2;
	struct engine_start_request req = { 0 };
	struct df_error err;
	int before, before2;

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_must_start(h, NULL, run);
	new_repo(h, "paused", &repo2);
	h_fake_request(&req, repo2, "main");
	assert_int_equal(engine_start(h->e, &req, run2, &err), 0);
	assert_int_equal(engine_pause(h->e, run2, &err), 0);
	before = h_event_total(h, run);
	before2 = h_event_total(h, run2);
	restart(h, 0);
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
	assert_string_equal(h_run_state(h, run2), "paused");
	/* Only their dead agents' rows changed: one session.failed each. */
	assert_int_equal(h_event_total(h, run), before + 1);
	assert_int_equal(h_event_total(h, run2), before2 + 1);
	assert_int_equal(h_count_events(h, run, "session.failed"), 1);
	assert_int_equal(h_count_events(h, run2, "session.failed"), 1);
	/* The decision can still be made after the restart. */
	h_script(h, "implement", NULL, H_NONE);
	h_must_decide(h, run, ENGINE_APPROVE, "after-restart", "alice", NULL);
	assert_string_equal(h_run_state(h, run), "executing");
	free(repo2);
}

static void
test_rule_restart_dead_agent_restarts_phase(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct store_session *ss;
	size_t n;

	h_must_start(h, NULL, run);
	assert_int_equal(h_phase_attempts(h, run, "plan"), 1);
	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	restart(h, 0);
	assert_int_equal(h_phase_attempts(h, run, "plan"), 2);
	assert_int_equal(h_count_events(h, run, "phase.started"), 2);
	assert_int_equal(h_count_events(h, run, "session.failed"), 1);
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
	assert_non_null(strstr(h_last_text(h), "Attempt: 2\n"));
	assert_int_equal(store_sessions_list(h->st, run, &ss, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ss[0].state, "FAILED_NEEDS_HUMAN");
	store_sessions_free(ss, n);
}

static void
test_rule_restart_resumes_the_conversation(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct store_session s;
	struct h_sess *hs;

	h->backend = "claude"; /* its backend file says how to resume */
	h_engine(h);
	h_must_start(h, NULL, run);
	assert_string_equal(h_last_session(h, run)->resume, "");
	engine_session_conversation(h->e, h_last_session(h, run)->id, "conv-1");
	restart(h, 0);
	assert_int_equal(h_phase_attempts(h, run, "plan"), 2);
	hs = h_last_session(h, run);
	assert_string_equal(hs->resume, "conv-1");
	assert_int_equal(store_session_get(h->st, hs->id, &s, NULL), 1);
	assert_string_equal(s.conversation_id, "conv-1");
	store_session_clear(&s);
	assert_non_null(
	    strstr(h_last_payload(h, run, "phase.started"), "\"resumedConversation\":\"conv-1\""));
	assert_non_null(strstr(h_last_payload(h, run, "session.started"),
	                       "\"resumedConversation\":\"conv-1\""));
	assert_non_null(strstr(h_last_text(h), "Attempt: 2\n"));

	/* The driver could not resume it: a fresh start, said so, the conversation forgotten. */
	engine_session_resume_failed(h->e, hs->id, 1);
	engine_session_resume_failed(h->e, hs->id, 1);
	assert_int_equal(h_count_events(h, run, "session.resume_failed"), 1);
	assert_non_null(
	    strstr(h_last_payload(h, run, "session.resume_failed"), "\"conversation\":\"conv-1\""));
	assert_int_equal(store_session_get(h->st, hs->id, &s, NULL), 1);
	assert_null(s.conversation_id);
	store_session_clear(&s);
	engine_session_resume_failed(h->e, "unknown-session", 1);

	/* Nothing recorded any more: the next restart starts afresh. */
	restart(h, 0);
	assert_int_equal(h_phase_attempts(h, run, "plan"), 3);
	assert_string_equal(h_last_session(h, run)->resume, "");
	assert_null(strstr(h_last_payload(h, run, "phase.started"), "resumedConversation"));
}

static void
test_rule_restart_without_resume_starts_afresh(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct store_session s;

	/* The fake backend has no resume: the conversation id is not passed. */
	h_must_start(h, NULL, run);
	engine_session_conversation(h->e, h_last_session(h, run)->id, "conv-1");
	restart(h, 0);
	assert_int_equal(h_phase_attempts(h, run, "plan"), 2);
	assert_string_equal(h_last_session(h, run)->resume, "");
	assert_int_equal(store_session_get(h->st, h_last_session(h, run)->id, &s, NULL), 1);
	assert_null(s.conversation_id);
	store_session_clear(&s);
	assert_null(strstr(h_last_payload(h, run, "phase.started"), "resumedConversation"));
}

static void
test_rule_change_request_does_not_resume(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];

	h->backend = "claude";
	h_engine(h);
	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_must_start(h, NULL, run);
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
	engine_session_conversation(h->e, h_last_session(h, run)->id, "conv-1");
	h_script(h, "plan", NULL, H_NONE);
	h_must_decide(h, run, ENGINE_REQUEST_CHANGES, "rc", "alice", "Shorter, please.");
	assert_int_equal(h_phase_attempts(h, run, "plan"), 2);
	assert_string_equal(h_last_session(h, run)->resume, "");
	assert_null(strstr(h_last_payload(h, run, "phase.started"), "resumedConversation"));
}

static void
test_rule_restart_live_agent_keeps_its_phase(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *p;

	h_must_start(h, NULL, run);
	h_advance(h, 1000);
	restart(h, 1);
	assert_int_equal(h_phase_attempts(h, run, "plan"), 1);
	assert_int_equal(h_count_events(h, run, "phase.started"), 1);
	/* The artifact written while the server was down counts. */
	p = h_worktree_file(h, run, "plan.json");
	h_write(p, H_PLAN_OK);
	free(p);
	engine_session_event(h->e, h_last_session(h, run)->id, ENGINE_SESSION_IDLE, NULL, 0);
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
}

static void
test_rule_restart_live_agent_timeout_rearmed(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];

	h_must_start(h, NULL, run);
	h_advance(h, 1000);
	restart(h, 1);
	h_advance(h, ENGINE_DEFAULT_PHASE_TIMEOUT_MS - 1001);
	assert_string_equal(h_run_state(h, run), "planning");
	h_advance(h, 1);
	assert_string_equal(h_run_state(h, run), "failed");
}

static void
test_rule_restart_past_limit_fails_unrecovered(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct store_event *ev;
	size_t n;
	int found = 0;

	h_must_start(h, NULL, run);
	restart(h, 0); /* restart 1 */
	restart(h, 0); /* restart 2 */
	assert_string_equal(h_run_state(h, run), "planning");
	assert_int_equal(h_phase_attempts(h, run, "plan"), 3);
	restart(h, 0); /* past the limit */
	assert_string_equal(h_run_state(h, run), "failed");
	assert_int_equal(store_events_list(h->st, run, 0, 0, &ev, &n, NULL), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(ev[i].type, "run.failed") == 0 &&
		    strstr(ev[i].payload, "process_restart_unrecovered"))
			found = 1;
	store_events_free(ev, n);
	assert_true(found);
	{
		struct store_run r;

		assert_int_equal(store_run_get(h->st, run, &r, NULL), 1);
		assert_non_null(r.final_report_path);
		store_run_clear(&r);
	}
}

static void
test_rule_restart_mid_start_runs(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;

	/* A run caught in "created" (its start died before the worktree was ready) fails. */
	h_must_start(h, NULL, run);
	assert_int_equal(store_run_transition(h->st, run, "created", NULL, NULL, &err), 0);
	restart(h, 0);
	assert_string_equal(h_run_state(h, run), "failed");
	assert_int_equal(h_count_events(h, run, "run.failed"), 1);
}

/* ---- Artifact paths stay inside the worktree (workspace_permissions) ---- */

static void
test_rule_artifact_paths_stay_in_the_worktree(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *repo2;
	struct df_error err;
	struct store_event *ev;
	size_t n;
	int found = 0;

	/* A phase plan naming a path outside the worktree is an invalid artifact. */
	h_script(h, "plan",
	         "{\"summary\":\"s\",\"phases\":[{\"key\":\"x\",\"title\":\"X\",\"roles\":"
	         "[\"implementer\"],\"expectedArtifact\":{\"path\":\"../../escape.json\","
	         "\"schema\":\"dev/change-summary@1\"},\"gates\":[]}]}",
	         H_IDLE);
	h_must_start(h, NULL, run);
	assert_int_equal(h_count_events(h, run, "artifact.invalid"), 1);
	assert_non_null(strstr(h_last_text(h), "- /phases/0/expectedArtifact/path: phase 'x': "
	                                       "artifact path \"../../escape.json\" climbs out "
	                                       "with \"..\"; it must stay inside the worktree\n"));
	assert_int_equal(engine_abort(h->e, run, NULL, &err), 0);

	/* A template that slipped past the catalog's checks fails its phase when it runs. */
	put_template(h, "{\"name\":\"escape\",\"version\":1,\"description\":\"d\","
	                "\"roles\":[\"planner\",\"implementer\",\"reviewer\"],\"phases\":["
	                "{\"key\":\"out\",\"title\":\"Out\",\"roles\":[\"implementer\"],"
	                "\"expectedArtifact\":{\"path\":\"../out.json\",\"schema\":"
	                "\"dev/change-summary@1\"},\"gates\":[]}]}");
	new_repo(h, "esc", &repo2);
	free(h->repo);
	h->repo = repo2;
	assert_int_equal(start_template(h, "escape", run, &err), 0);
	assert_string_equal(h_run_state(h, run), "failed");
	assert_string_equal(h_phase_state(h, run, "out"), "failed");
	assert_int_equal(h->last_step_error.code, DF_E_WORKSPACE_PERMISSIONS);
	assert_int_equal(store_events_list(h->st, run, 0, 0, &ev, &n, NULL), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(ev[i].type, "run.failed") == 0 &&
		    strstr(ev[i].payload, "workspace_permissions"))
			found = 1;
	store_events_free(ev, n);
	assert_true(found);
}

/* A phase plan may not aim an agent at git's directory, nor at a name with control characters. */
static void
test_rule_artifact_paths_are_plain_names(void **state)
{
	static const struct {
		const char *path_json, *message;
	} bad[] = {
		{ ".git", "artifact path \".git\" names git's own directory (a component "
		          "\".git\")" },
		{ "sub/.GIT/config",
		  "artifact path \"sub/.GIT/config\" names git's own directory" },
		{ "plan\\n.json", "artifact path \"plan\\n.json\" contains a control character "
		                  "(at offset 4)" },
		{ "a\\u001b[31m.json", "artifact path \"a\\x1b[31m.json\" contains a control "
		                       "character (at offset 1)" },
		{ "./x.json", "artifact path \"./x.json\" is not normalized (a \".\" component)" },
	};
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *plan = xasprintf(
		    "{\"summary\":\"s\",\"phases\":[{\"key\":\"x\",\"title\":\"X\",\"roles\":"
		    "[\"implementer\"],\"expectedArtifact\":{\"path\":\"%s\","
		    "\"schema\":\"dev/change-summary@1\"},\"gates\":[]}]}",
		    bad[i].path_json);
		char *want =
		    xasprintf("- /phases/0/expectedArtifact/path: phase 'x': %s", bad[i].message);
		struct df_error err;

		h_script(h, "plan", plan, H_IDLE);
		h_script(h, "plan", H_PLAN_OK, H_IDLE);
		h_must_start(h, NULL, run);
		assert_int_equal(h_count_events(h, run, "artifact.invalid"), 1);
		assert_string_equal(h_run_state(h, run), "awaiting_approval");
		assert_int_equal(h->ntexts, 2);
		if (strstr(h->texts[1], want) == NULL)
			fail_msg("%s: the repair prompt does not say '%s'", bad[i].path_json, want);
		assert_int_equal(engine_abort(h->e, run, NULL, &err), 0);
		for (size_t k = 0; k < h->ntexts; k++)
			free(h->texts[k]);
		h->ntexts = 0;
		free(plan);
		free(want);
	}
}

static void
test_rule_session_that_cannot_start_fails_the_run(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];

	h->fail_start = 1;
	h_must_start(h, NULL, run);
	assert_string_equal(h_run_state(h, run), "failed");
	assert_string_equal(h_phase_state(h, run, "plan"), "failed");
	assert_int_equal(h->last_step_error.code, DF_E_SESSION_FAILED);
}

static void
test_rule_restart_executing_run_restarts_its_phase(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_must_start(h, NULL, run);
	h_must_decide(h, run, ENGINE_APPROVE, "t", "alice", NULL);
	assert_string_equal(h_run_state(h, run), "executing");
	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	restart(h, 0);
	assert_int_equal(h_phase_attempts(h, run, "implement"), 2);
	assert_string_equal(h_phase_state(h, run, "implement"), "completed");
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_artifact");
	assert_string_equal(h_run_state(h, run), "executing");
}

static void
test_rule_restart_bound_run_goes_on(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct store_phase *ph;
	size_t n;
	struct df_error err;

	h_must_start(h, NULL, run);
	/* Caught between run.started and its first phase. */
	assert_int_equal(store_phases_list(h->st, run, &ph, &n, NULL), 0);
	free(ph[0].state);
	ph[0].state = xstrdup("pending");
	assert_int_equal(store_phase_save(h->st, &ph[0], &err), 0);
	store_phases_free(ph, n);
	assert_int_equal(store_run_transition(h->st, run, "bound", NULL, NULL, &err), 0);
	restart(h, 0);
	assert_string_equal(h_run_state(h, run), "planning");
	assert_string_equal(h_phase_state(h, run, "plan"), "awaiting_artifact");
	assert_int_equal(h_phase_attempts(h, run, "plan"), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup, h_teardown)
		T(test_rule_one_active_run_per_repo_and_base),
		T(test_rule_one_active_run_per_repo_and_base_racing_processes),
		T(test_rule_max_concurrent_runs),
		T(test_rule_worktree_at_workspace_run_main),
		T(test_rule_failed_worktree_creation_removes_the_run),
		T(test_rule_bindings_persona_backend_and_hashes),
		T(test_rule_phase_without_artifact_is_skipped),
		T(test_rule_phase_plan_puts_run_in_planning_and_appends_phases),
		T(test_rule_plan_keys_unique_not_template_and_roles_bound),
		T(test_rule_plan_rehashed_before_use),
		T(test_rule_invalid_artifact_gets_repair_prompts_then_fails),
		T(test_rule_phase_past_timeout_fails),
		T(test_rule_decisions_idempotent_by_client_token),
		T(test_rule_decisions_conflict_on_terminal_not_awaiting_or_not_pending),
		T(test_rule_paused_run_accepts_only_reject_or_abort_for_human_gate),
		T(test_rule_run_actions_are_what_the_ops_accept),
		T(test_rule_run_actions_while_working_and_after_the_end),
		T(test_rule_approve_completes_phase_and_continues),
		T(test_rule_request_changes_reruns_phase_with_comment),
		T(test_rule_reject_fails_and_abort_aborts_with_cleanup),
		T(test_rule_pause_from_active_states_resume_refused_with_human_gate),
		T(test_rule_events_monotonic_seq_and_replays_add_nothing),
		T(test_rule_final_report_written_and_validated),
		T(test_rule_stub_report_when_compose_fails),
		T(test_rule_missing_reports_recovered_on_start),
		T(test_rule_restart_waiting_runs_stay),
		T(test_rule_restart_dead_agent_restarts_phase),
		T(test_rule_restart_live_agent_keeps_its_phase),
		T(test_rule_restart_live_agent_timeout_rearmed),
		T(test_rule_restart_past_limit_fails_unrecovered),
		T(test_rule_restart_resumes_the_conversation),
		T(test_rule_restart_without_resume_starts_afresh),
		T(test_rule_change_request_does_not_resume),
		T(test_rule_restart_mid_start_runs),
		T(test_rule_artifact_paths_stay_in_the_worktree),
		T(test_rule_artifact_paths_are_plain_names),
		T(test_rule_session_that_cannot_start_fails_the_run),
		T(test_rule_restart_executing_run_restarts_its_phase),
		T(test_rule_restart_bound_run_goes_on),
#undef T
	};

	return cmocka_run_group_tests_name("engine_rules", tests, NULL, NULL);
}
