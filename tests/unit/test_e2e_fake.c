/*
 * End to end with real everything: a runtime on a temporary workspace, a
 * real git repository, the real devflow-fake-agent (found beside devflow:
 * paths_bin_dir) in real pseudo-terminals, real screen detection, prompt
 * delivery by bracketed paste and inotify artifact watching. Each test
 * drives the runtime's loop until the state it expects, bounded by wall
 * time; nothing sleeps a fixed time.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "agent/session.h"
#include "engine/engine.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/xalloc.h"
#include "schema/schema.h"
#include "server/driver.h"
#include "server/runtime.h"
#include "store/store.h"

#define BOUND_MS 20000 /* per expected state */

struct ev {
	char *type, *payload;
};

struct fx {
	char dir[64];
	char *ws, *repo;
	struct runtime *rt;
	char run[ENGINE_ID_MAX];
	struct ev evs[512];
	size_t nev;
};

static uint64_t
wall_ms(void)
{
	return (uint64_t)clock_mono_ms();
}

static void
sh(const char *cmd)
{
	assert_int_equal(system(cmd), 0);
}

static void
on_event(const struct store_event *ev, void *ctx)
{
	struct fx *f = ctx;

	assert_true(f->nev < sizeof(f->evs) / sizeof(f->evs[0]));
	f->evs[f->nev].type = xstrdup(ev->type);
	f->evs[f->nev].payload = xstrdup(ev->payload ? ev->payload : "{}");
	f->nev++;
}

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *cmd;

	snprintf(f->dir, sizeof(f->dir), "/tmp/devflow-e2e.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->ws = xasprintf("%s/ws", f->dir);
	f->repo = xasprintf("%s/repo", f->dir);
	cmd = xasprintf("git init -q -b main '%s' && printf 'hello\\n' > '%s/README' && "
	                "git -C '%s' add README && git -C '%s' -c user.name=t "
	                "-c user.email=t@example.org commit -q -m init",
	                f->repo, f->repo, f->repo, f->repo);
	sh(cmd);
	free(cmd);
	setenv("DEVFLOW_FAKE_STEP_MS", "5", 1);
	unsetenv("DEVFLOW_FAKE_SCENARIO");
	unsetenv("DEVFLOW_FAKE_SCENARIOS");
	*state = f;
	return 0;
}

/* A user configuration directory with a backend that takes its first prompt in argv. */
static char *
argv_backend_config(struct fx *f)
{
	char *dir = xasprintf("%s/config", f->dir);
	char *cmd = xasprintf("mkdir -p '%s/backends'", dir);
	char *file = xasprintf("%s/backends/fake-argv.json", dir);
	FILE *fp;

	sh(cmd);
	fp = fopen(file, "w");
	assert_non_null(fp);
	fputs("{\"name\":\"fake-argv\",\"version\":1,"
	      "\"argv\":[\"devflow-fake-agent\",\"--\",\"{prompt}\"],\"env\":{},"
	      "\"prompt\":{\"mode\":\"argv\",\"submitDelayMs\":100},"
	      "\"screen\":{\"ready\":[\"^>[[:space:]]*$\"],\"busy\":[],"
	      "\"needsInput\":[\"\\\\(y/n\\\\)[[:space:]]*$\"],\"trust\":[],"
	      "\"lastLines\":5,\"stableMs\":300},"
	      "\"install\":\"Bundled with devflow.\"}\n",
	      fp);
	assert_int_equal(fclose(fp), 0);
	free(cmd);
	free(file);
	return dir;
}

static void
fx_runtime_cfg(struct fx *f, int64_t phase_timeout_ms, const char *config_dir)
{
	struct runtime_options opts = { 0 };
	struct df_error err;

	opts.config_dir = config_dir;
	opts.phase_timeout_ms = phase_timeout_ms;
	opts.grace_ms = 2000;
	f->rt = runtime_new(f->ws, &opts, &err);
	if (f->rt == NULL)
		fail_msg("runtime_new: %s", err.message);
	runtime_on_event(f->rt, on_event, f);
	assert_int_equal(runtime_recover(f->rt, &err), 0);
}

static void
fx_runtime(struct fx *f, int64_t phase_timeout_ms)
{
	fx_runtime_cfg(f, phase_timeout_ms, ""); /* built-ins only: the user's files stay out */
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	runtime_free(f->rt);
	if (getenv("DEVFLOW_KEEP_TEST_DIR"))
		fprintf(stderr, "# kept %s\n", f->dir);
	else
		sh(cmd);
	free(cmd);
	for (size_t i = 0; i < f->nev; i++) {
		free(f->evs[i].type);
		free(f->evs[i].payload);
	}
	free(f->ws);
	free(f->repo);
	free(f);
	return 0;
}

/* --- looking at the run ---------------------------------------------------------------- */

static char *
run_state(struct fx *f)
{
	struct store_run r;
	char *s;

	assert_int_equal(store_run_get(runtime_store(f->rt), f->run, &r, NULL), 1);
	s = xstrdup(r.state);
	store_run_clear(&r);
	return s;
}

static int
count_events(struct fx *f, const char *type)
{
	int n = 0;

	for (size_t i = 0; i < f->nev; i++)
		n += strcmp(f->evs[i].type, type) == 0;
	return n;
}

/* The payload of the last event of a type (NULL when none); owned by f. */
static const char *
last_payload(struct fx *f, const char *type)
{
	for (size_t i = f->nev; i-- > 0;)
		if (strcmp(f->evs[i].type, type) == 0)
			return f->evs[i].payload;
	return NULL;
}

/* The position of the first event of a type among the run's, or -1 when none. */
static long
first_index(struct fx *f, const char *type)
{
	for (size_t i = 0; i < f->nev; i++)
		if (strcmp(f->evs[i].type, type) == 0)
			return (long)i;
	return -1;
}

/* The pending approval's id into out: 1, or 0 when none. */
static int
pending_approval(struct fx *f, char out[ENGINE_ID_MAX])
{
	struct store_approval *a = NULL;
	size_t n = 0;
	int found = 0;

	assert_int_equal(store_approvals_list(runtime_store(f->rt), f->run, &a, &n, NULL), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i].state, "pending") == 0) {
			snprintf(out, ENGINE_ID_MAX, "%s", a[i].id);
			found = 1;
		}
	store_approvals_free(a, n);
	return found;
}

/* The newest session of the run: its id and transcript path (caller frees both). */
static void
newest_session(struct fx *f, char **id, char **transcript)
{
	struct store_session *ss = NULL;
	size_t n = 0;

	assert_int_equal(store_sessions_list(runtime_store(f->rt), f->run, &ss, &n, NULL), 0);
	assert_true(n > 0);
	*id = xstrdup(ss[n - 1].id);
	*transcript = xstrdup(ss[n - 1].transcript_path);
	store_sessions_free(ss, n);
}

static void
dump(struct fx *f)
{
	struct driver_session_info *si;
	size_t n;
	char *st = run_state(f);

	fprintf(stderr, "# run %s: %s; %zu events:\n", f->run, st, f->nev);
	free(st);
	for (size_t i = 0; i < f->nev; i++)
		fprintf(stderr, "#   %s %.200s\n", f->evs[i].type, f->evs[i].payload);
	driver_sessions_list(runtime_driver(f->rt), &si, &n);
	for (size_t i = 0; i < n; i++) {
		struct session *s = driver_session(runtime_driver(f->rt), si[i].id);
		char *screen = s ? screen_dump_text(session_screen(s)) : NULL;

		fprintf(stderr, "# session %s (%s) %s exit %d:\n%s\n", si[i].id, si[i].role_id,
		        detect_state_name(si[i].state), si[i].exit_status, screen ? screen : "");
		free(screen);
	}
	driver_sessions_free(si, n);
}

typedef int until_fn(struct fx *f, const void *arg);

/* Run the loop until pred holds, or fail after BOUND_MS of wall time. */
static void
run_until(struct fx *f, until_fn *pred, const void *arg, const char *what)
{
	uint64_t end = wall_ms() + BOUND_MS;

	while (!pred(f, arg)) {
		if (wall_ms() > end) {
			dump(f);
			fail_msg("timed out waiting for %s", what);
		}
		assert_true(loop_run_once(runtime_loop(f->rt), 100, NULL) >= 0);
	}
}

static int
is_state(struct fx *f, const void *arg)
{
	char *s = run_state(f);
	int r = strcmp(s, arg) == 0;

	free(s);
	return r;
}

static int
has_event(struct fx *f, const void *arg)
{
	return count_events(f, arg) > 0;
}

struct count_wait {
	const char *type;
	int n;
};

static int
has_n_events(struct fx *f, const void *arg)
{
	const struct count_wait *w = arg;

	return count_events(f, w->type) >= w->n;
}

struct approval_wait {
	const char *not_id; /* another pending request than this one */
};

static int
has_new_approval(struct fx *f, const void *arg)
{
	const struct approval_wait *w = arg;
	char id[ENGINE_ID_MAX];

	return pending_approval(f, id) && (w->not_id == NULL || strcmp(id, w->not_id) != 0);
}

static void
wait_approval(struct fx *f, const char *not_id, char out[ENGINE_ID_MAX])
{
	struct approval_wait w = { not_id };

	run_until(f, has_new_approval, &w, "an approval request");
	assert_int_equal(pending_approval(f, out), 1);
}

static int
no_session_running(struct fx *f, const void *arg)
{
	struct driver_session_info *si;
	size_t n;
	int running = 0;

	(void)arg;
	driver_sessions_list(runtime_driver(f->rt), &si, &n);
	for (size_t i = 0; i < n; i++)
		running += si[i].running;
	driver_sessions_free(si, n);
	return running == 0;
}

static void
start_run_on(struct fx *f, const char *scenarios_json, const char *backend)
{
	const struct binding_override pins[] = {
		{ "planner", NULL, backend },
		{ "implementer", NULL, backend },
		{ "reviewer", NULL, backend },
	};
	struct engine_start_request req = { 0 };
	struct df_error err;
	char *extra = xasprintf("{\"scenarios\":%s}", scenarios_json);

	req.requirements_md = "# Greeting\n\nPrint a friendly greeting.\n";
	req.repo_path = f->repo;
	req.base_branch = "main";
	req.extra_json = extra;
	req.overrides = pins;
	req.noverrides = 3;
	if (engine_start(runtime_engine(f->rt), &req, f->run, &err) != 0)
		fail_msg("engine_start: %s", err.message);
	free(extra);
}

static void
start_run(struct fx *f, const char *scenarios_json)
{
	start_run_on(f, scenarios_json, "fake");
}

static void
decide(struct fx *f, const char *approval, enum engine_action action, const char *token,
       const char *comment)
{
	struct df_error err;

	if (engine_decide(runtime_engine(f->rt), f->run, approval, action, token, "tester", comment,
	                  NULL, &err) != 0)
		fail_msg("engine_decide: %s", err.message);
}

static char *
worktree_file(struct fx *f, const char *rel)
{
	struct store_run r;
	char *p;

	assert_int_equal(store_run_get(runtime_store(f->rt), f->run, &r, NULL), 1);
	p = xasprintf("%s/%s", r.worktree_root, rel);
	store_run_clear(&r);
	return p;
}

/* The report exists in both forms and the JSON validates; returns its status. */
static char *
check_report(struct fx *f)
{
	struct store_run r;
	struct schema_registry *reg = schema_registry_new();
	char *schemas = xasprintf("%s/schemas", DEVFLOW_SRCDIR), *json, *md, *mdpath, *status;
	struct schema_errors se = { 0 };
	struct df_error err;
	cJSON *doc;

	assert_int_equal(store_run_get(runtime_store(f->rt), f->run, &r, NULL), 1);
	assert_non_null(r.final_report_path);
	/* The store names the Markdown; the JSON is beside it. */
	md = buf_file_text(r.final_report_path, 0);
	assert_non_null(md);
	assert_non_null(strstr(md, f->run));
	mdpath = xasprintf("%s/%s/%s.report.json", f->ws, f->run, f->run);
	json = buf_file_text(mdpath, 0);
	assert_non_null(json);
	assert_int_equal(schema_registry_load_dir(reg, schemas, &err), 0);
	doc = cJSON_Parse(json);
	assert_non_null(doc);
	if (schema_validate(reg, "common/final-report@1", doc, &se, &err) != 1)
		fail_msg("report does not validate: %s %s", se.count ? se.items[0].path : "",
		         se.count ? se.items[0].message : err.message);
	status = xstrdup(cJSON_GetObjectItem(doc, "status")->valuestring);
	cJSON_Delete(doc);
	schema_errors_free(&se);
	schema_registry_free(reg);
	free(schemas);
	free(json);
	free(md);
	free(mdpath);
	store_run_clear(&r);
	return status;
}

/* --- the tests ------------------------------------------------------------------------- */

static void
test_development_with_changes_requested(void **state)
{
	struct fx *f = *state;
	char first[ENGINE_ID_MAX], second[ENGINE_ID_MAX], final[ENGINE_ID_MAX];
	char *sid, *transcript, *text, *plan, *notes, *status, *p;
	const char *comment = "Please add a rollback step.";

	fx_runtime(f, 0);
	start_run(f, "{}");
	wait_approval(f, NULL, first);
	run_until(f, is_state, "awaiting_approval", "the plan gate");
	decide(f, first, ENGINE_REQUEST_CHANGES, "tok-1", comment);

	/* The plan phase runs again with the comment in its instructions. */
	wait_approval(f, first, second);
	assert_int_equal(count_events(f, "phase.started"), 2);
	newest_session(f, &sid, &transcript);
	text = buf_file_text(transcript, 0);
	assert_non_null(text);
	assert_non_null(strstr(text, comment)); /* the agent showed it on its screen */
	free(text);
	free(sid);
	free(transcript);
	p = worktree_file(f, "plan.json");
	plan = buf_file_text(p, 0);
	free(p);
	assert_non_null(plan);
	assert_non_null(strstr(plan, "Addressed the reviewer comment"));
	assert_non_null(strstr(plan, comment));
	free(plan);

	decide(f, second, ENGINE_APPROVE, "tok-2", NULL);
	/* implement, then review with its final_review gate */
	wait_approval(f, second, final);
	notes = worktree_file(f, "NOTES.md");
	text = buf_file_text(notes, 0);
	assert_non_null(text); /* the implementer really edited the worktree */
	free(text);
	free(notes);
	assert_int_equal(count_events(f, "artifact.validated"), 4);
	decide(f, final, ENGINE_APPROVE, "tok-3", NULL);
	run_until(f, is_state, "completed", "the run to complete");
	status = check_report(f);
	assert_string_equal(status, "completed");
	free(status);
	assert_int_equal(count_events(f, "run.completed"), 1);
	assert_int_equal(count_events(f, "artifact.invalid"), 0);
	/* Four sessions (plan twice, implement, review), all ended by the engine. */
	assert_int_equal(count_events(f, "session.started"), 4);
	run_until(f, no_session_running, NULL, "every session to end");
}

static void
test_invalid_then_ok_is_repaired(void **state)
{
	struct fx *f = *state;
	char id[ENGINE_ID_MAX], *sid, *transcript, *text;

	fx_runtime(f, 0);
	start_run(f, "{\"plan\":\"invalid-then-ok\"}");
	wait_approval(f, NULL, id);
	assert_int_equal(count_events(f, "artifact.invalid"), 1);
	assert_int_equal(count_events(f, "artifact.validated"), 1);
	assert_int_equal(count_events(f, "phase.started"), 1); /* repaired in the same attempt */
	newest_session(f, &sid, &transcript);
	text = buf_file_text(transcript, 0);
	assert_non_null(strstr(text, "Repair attempt")); /* the repair prompt reached the agent */
	free(text);
	free(sid);
	free(transcript);
	decide(f, id, ENGINE_ABORT, "tok-a", NULL);
	run_until(f, is_state, "aborted", "the abort");
}

/*
 * session.idle is the end of the agent's turn with its instructions (the
 * key is the prompt's hash: one per prompt), not the ready screen the
 * instructions were pasted into: that one, recorded first, swallowed the
 * real one.
 */
static void
test_idle_is_the_end_of_a_turn(void **state)
{
	struct fx *f = *state;
	char id[ENGINE_ID_MAX];

	fx_runtime(f, 0);
	start_run(f, "{\"plan\":\"ok\"}");
	wait_approval(f, NULL, id);
	run_until(f, has_event, "session.idle", "the end of the planner's turn");
	assert_true(first_index(f, "session.idle") > first_index(f, "artifact.validated"));
	assert_int_equal(count_events(f, "session.idle"), 1);
	decide(f, id, ENGINE_ABORT, "tok-a", NULL);
	run_until(f, is_state, "aborted", "the abort");
}

static void
test_question_answered_by_a_person(void **state)
{
	struct fx *f = *state;
	char id[ENGINE_ID_MAX], *sid, *transcript;
	const char *payload;
	struct session *s;
	struct df_error err;
	cJSON *pl;

	fx_runtime(f, 0);
	start_run(f, "{\"plan\":\"ask\"}");
	run_until(f, has_event, "session.needs_input", "the agent's question");
	payload = last_payload(f, "session.needs_input");
	pl = cJSON_Parse(payload);
	assert_non_null(pl);
	assert_non_null(
	    strstr(cJSON_GetObjectItem(pl, "question")->valuestring, "Run the test suite? (y/n)"));
	cJSON_Delete(pl);
	assert_int_equal(pending_approval(f, id), 0);
	/* The person answers in the agent's terminal (what the server does with keys). */
	newest_session(f, &sid, &transcript);
	s = driver_session(runtime_driver(f->rt), sid);
	assert_non_null(s);
	assert_int_equal(session_send_keys(s, "y", &err), 0);
	wait_approval(f, NULL, id);
	assert_int_equal(count_events(f, "artifact.validated"), 1);
	free(sid);
	free(transcript);
	decide(f, id, ENGINE_ABORT, "tok-a", NULL);
	run_until(f, is_state, "aborted", "the abort");
}

static void
test_crash_fails_the_run(void **state)
{
	struct fx *f = *state;
	char *status;
	const char *payload;

	fx_runtime(f, 0);
	start_run(f, "{\"plan\":\"crash\"}");
	run_until(f, is_state, "failed", "the run to fail");
	payload = last_payload(f, "session.exited");
	assert_non_null(payload);
	assert_non_null(strstr(payload, "\"status\":3"));
	assert_int_equal(count_events(f, "phase.failed"), 1);
	status = check_report(f);
	assert_string_equal(status, "failed");
	free(status);
}

static void
test_silent_agent_times_out(void **state)
{
	struct fx *f = *state;
	char *status;
	const char *payload;

	fx_runtime(f, 2500);
	start_run(f, "{\"plan\":\"silent\"}");
	run_until(f, is_state, "failed", "the phase timeout");
	payload = last_payload(f, "run.failed");
	assert_non_null(payload);
	assert_non_null(strstr(payload, "phase_timeout"));
	status = check_report(f);
	assert_string_equal(status, "failed");
	free(status);
}

static void
test_argv_backend_then_paste_repair(void **state)
{
	struct fx *f = *state;
	char id[ENGINE_ID_MAX], *sid, *transcript, *text, *cfg = argv_backend_config(f);
	const char *const *names;
	size_t n;
	int have = 0;

	fx_runtime_cfg(f, 0, cfg);
	names = runtime_backends(f->rt, &n);
	for (size_t i = 0; i < n; i++)
		have |= strcmp(names[i], "fake-argv") == 0;
	assert_true(have);
	start_run_on(f, "{\"plan\":\"invalid-then-ok\"}", "fake-argv");
	wait_approval(f, NULL, id);
	assert_int_equal(count_events(f, "artifact.invalid"), 1);
	assert_int_equal(count_events(f, "artifact.validated"), 1);
	newest_session(f, &sid, &transcript);
	text = buf_file_text(transcript, 0);
	/* The first instructions came in argv (no paste summary), the repair as a paste. */
	assert_non_null(strstr(text, "Repair attempt"));
	assert_non_null(strstr(text, "[pasted "));
	free(text);
	free(sid);
	free(transcript);
	free(cfg);
	decide(f, id, ENGINE_ABORT, "tok-a", NULL);
	run_until(f, is_state, "aborted", "the abort");
}

/* The detector (not the engine) has seen the question on the session's screen. */
static int
detector_sees_question(struct fx *f, const void *arg)
{
	struct driver_session_info *si;
	size_t n;
	int r = 0;

	driver_sessions_list(runtime_driver(f->rt), &si, &n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(si[i].id, arg) == 0)
			r = si[i].state == DETECT_NEEDS_INPUT;
	driver_sessions_free(si, n);
	return r;
}

static void
test_hook_beats_pattern(void **state)
{
	struct fx *f = *state;
	char id[ENGINE_ID_MAX], *sid, *transcript;
	struct driver *d;
	struct df_error err;
	enum driver_hook_kind kind;
	struct driver_session_info *si;
	size_t n;
	const char *payload;

	fx_runtime(f, 0);
	d = runtime_driver(f->rt);
	start_run(f, "{\"plan\":\"ask\"}");
	run_until(f, has_event, "session.started", "the session");
	newest_session(f, &sid, &transcript);
	assert_int_equal(driver_hook_kind_parse("busy", &kind), 0);
	assert_int_equal(kind, DRIVER_HOOK_BUSY);
	assert_int_equal(driver_hook_kind_parse("stop", &kind), -1);
	assert_int_equal(driver_hook(d, "no-such-session", DRIVER_HOOK_IDLE, NULL, &err), -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	/* From now on only hooks speak for this session. */
	assert_int_equal(driver_hook(d, sid, DRIVER_HOOK_BUSY, NULL, &err), 0);
	run_until(f, detector_sees_question, sid, "the detector to see the question");
	assert_int_equal(count_events(f, "session.needs_input"), 0);
	driver_sessions_list(d, &si, &n);
	assert_true(n >= 1);
	assert_string_equal(si[n - 1].id, sid);
	assert_true(si[n - 1].hooked);
	assert_true(si[n - 1].running);
	assert_true(si[n - 1].pid > 0);
	assert_string_equal(si[n - 1].role_id, "planner");
	assert_string_equal(si[n - 1].backend, "fake");
	driver_sessions_free(si, n);
	assert_int_equal(driver_hook(d, sid, DRIVER_HOOK_NEEDS_INPUT, "Run the tests now?", &err),
	                 0);
	assert_int_equal(count_events(f, "session.needs_input"), 1);
	payload = last_payload(f, "session.needs_input");
	assert_non_null(strstr(payload, "Run the tests now?"));
	/* ... and what the screen shows of it. */
	assert_non_null(strstr(payload, "Run the test suite? (y/n)"));
	assert_int_equal(session_send_keys(driver_session(d, sid), "y", &err), 0);
	/* No pattern reports idle now, but the watcher sees the artifact. */
	wait_approval(f, NULL, id);
	free(sid);
	free(transcript);
	decide(f, id, ENGINE_ABORT, "tok-a", NULL);
	run_until(f, is_state, "aborted", "the abort");
}

static int
phase_restarted(struct fx *f, const void *arg)
{
	const char *p = last_payload(f, "phase.started");

	(void)arg;
	return p && strstr(p, "process_restart") != NULL;
}

static void
test_server_restart_restarts_the_phase(void **state)
{
	struct fx *f = *state;
	char id[ENGINE_ID_MAX], *sid, *transcript;
	struct df_error err;
	pid_t pid;
	struct driver_session_info *si;
	size_t n;

	fx_runtime(f, 0);
	start_run(f, "{\"plan\":\"ask\"}");
	run_until(f, has_event, "session.needs_input", "the agent's question");
	newest_session(f, &sid, &transcript);
	pid = session_pid(driver_session(runtime_driver(f->rt), sid));
	assert_true(pid > 0);
	/* The server goes away: its sessions are stopped, their runs left as they were. */
	runtime_free(f->rt);
	f->rt = NULL;
	assert_true(kill(pid, 0) == -1);
	assert_int_equal(count_events(f, "session.exited"), 0);
	assert_int_equal(count_events(f, "run.failed"), 0);
	fx_runtime(f, 0);
	run_until(f, phase_restarted, NULL, "the phase restart");
	assert_int_equal(count_events(f, "phase.started"), 2);
	driver_sessions_list(runtime_driver(f->rt), &si, &n);
	assert_int_equal(n, 1); /* only the new session */
	assert_string_not_equal(si[0].id, sid);
	driver_sessions_free(si, n);
	{
		struct count_wait again = { "session.needs_input", 2 };

		run_until(f, has_n_events, &again, "the question again");
	}
	free(sid);
	free(transcript);
	newest_session(f, &sid, &transcript);
	assert_int_equal(session_send_keys(driver_session(runtime_driver(f->rt), sid), "y", &err),
	                 0);
	wait_approval(f, NULL, id);
	free(sid);
	free(transcript);
	decide(f, id, ENGINE_ABORT, "tok-a", NULL);
	run_until(f, is_state, "aborted", "the abort");
}

static void
test_runtime_refuses_a_bad_setup(void **state)
{
	struct fx *f = *state;
	struct runtime_options opts = { 0 };
	struct df_error err;
	char *empty = xasprintf("%s/empty-share", f->dir);
	char *cmd = xasprintf("mkdir -p '%s'", empty);

	sh(cmd);
	opts.share_dir = empty; /* no data/ in it: the catalog cannot load */
	opts.config_dir = "";
	assert_null(runtime_new(f->ws, &opts, &err));
	assert_int_equal(err.code, DF_E_IO);
	assert_non_null(strstr(err.message, empty));
	assert_null(runtime_new("", NULL, &err));
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	free(cmd);
	free(empty);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_development_with_changes_requested, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_invalid_then_ok_is_repaired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_is_the_end_of_a_turn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_question_answered_by_a_person, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_crash_fails_the_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_agent_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_argv_backend_then_paste_repair, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_hook_beats_pattern, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_restart_restarts_the_phase, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_runtime_refuses_a_bad_setup, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
