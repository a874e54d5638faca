/*
 * The TUI's parts that need no terminal: key names and keys.conf, the
 * request table, the model built from `ls` and `status` results (queue
 * order, questions, events), and the colour mapping.
 */
#include "config.h"

#include <curses.h>
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/xalloc.h"
#include "proto/proto.h"
#include "tui/abbrev.h"
#include "tui/colour.h"
#include "tui/draw.h"
#include "tui/keys.h"
#include "tui/model.h"

static void
test_request_table(void **state)
{
	(void)state;
	for (int r = REQ_NONE + 1; r < REQ__COUNT; r++) {
		const char *name = request_name((enum tui_request)r);

		assert_non_null(name);
		assert_non_null(request_help((enum tui_request)r));
		assert_int_equal(request_from_name(name), r);
		for (int o = r + 1; o < REQ__COUNT; o++)
			assert_string_not_equal(name, request_name((enum tui_request)o));
	}
	assert_null(request_name(REQ_NONE));
	assert_null(request_name(REQ__COUNT));
	assert_int_equal(request_from_name("approve"), REQ_APPROVE);
	assert_int_equal(request_from_name("no-such"), REQ_NONE);
}

static void
test_key_names(void **state)
{
	char name[KEYS_NAME_MAX];

	(void)state;
	assert_int_equal(keys_parse("j"), 'j');
	assert_int_equal(keys_parse("X"), 'X');
	assert_int_equal(keys_parse("Tab"), '\t');
	assert_int_equal(keys_parse("Enter"), '\r');
	assert_int_equal(keys_parse("Esc"), 27);
	assert_int_equal(keys_parse("C-s"), 19);
	assert_int_equal(keys_parse("C-]"), 29);
	assert_int_equal(keys_parse("PgDn"), KEYS_FN | KEY_NPAGE);
	assert_int_equal(keys_parse("up"), KEYS_FN | KEY_UP);
	assert_int_equal(keys_parse("F5"), KEYS_FN | KEY_F(5));
	assert_int_equal(keys_parse("é"), 0xe9);
	assert_int_equal(keys_parse(""), -1);
	assert_int_equal(keys_parse("C-1"), -1);
	assert_int_equal(keys_parse("F13"), -1);
	assert_int_equal(keys_parse("frob"), -1);
	keys_name(19, name);
	assert_string_equal(name, "C-s");
	keys_name(29, name);
	assert_string_equal(name, "C-]");
	keys_name(KEYS_FN | KEY_F(12), name);
	assert_string_equal(name, "F12");
	keys_name(KEYS_FN | KEY_DOWN, name);
	assert_string_equal(name, "Down");
	keys_name(0x8868, name);
	assert_string_equal(name, "表");
	for (int k = 1; k < 27; k++) { /* every C-x names itself back */
		keys_name(k, name);
		assert_int_equal(keys_parse(name), k);
	}
}

static void
test_keymap_defaults(void **state)
{
	struct keymap km;
	char keys[64];

	(void)state;
	keymap_init(&km);
	assert_int_equal(keymap_lookup(&km, 'a'), REQ_APPROVE);
	assert_int_equal(keymap_lookup(&km, 'X'), REQ_ABORT);
	assert_int_equal(keymap_lookup(&km, '\r'), REQ_ATTACH);
	assert_int_equal(keymap_lookup(&km, 'Z'), REQ_NONE);
	assert_int_equal(km.notify, KEYS_NOTIFY_OSC9);
	keymap_keys_of(&km, REQ_MOVE_DOWN, keys, sizeof keys);
	assert_string_equal(keys, "j Down");
	keymap_bind(&km, 'j', REQ_NONE);
	keymap_bind(&km, 'J', REQ_MOVE_DOWN);
	keymap_keys_of(&km, REQ_MOVE_DOWN, keys, sizeof keys);
	assert_string_equal(keys, "Down J");
	/* Every request but none is reachable from the defaults. */
	for (int r = REQ_NONE + 1; r < REQ__COUNT; r++) {
		keymap_keys_of(&km, (enum tui_request)r, keys, sizeof keys);
		assert_true(keys[0] != '\0');
	}
	keymap_free(&km);
}

static char *
write_tmp(const char *text)
{
	char *path = strdup("/tmp/devflow-test-keys.XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void
test_keymap_load(void **state)
{
	struct keymap km;
	char *path = write_tmp("# comment\n"
	                       "\n"
	                       "bind J move-down\n"
	                       "bind Q frobnicate\n"
	                       "bind C-y approve\n"
	                       "bind ?? help\n"
	                       "bind a\n"
	                       "set notify bell\n"
	                       "set notify loudly\n"
	                       "unbind a\n"
	                       "bind q none\n");

	(void)state;
	keymap_init(&km);
	assert_int_equal(keymap_load(&km, path, "~/keys.conf"), 5);
	assert_int_equal(km.nerrors, 5);
	assert_string_equal(km.errors[0],
	                    "~/keys.conf:4: unknown request 'frobnicate' (see `?` for "
	                    "the list)");
	assert_string_equal(km.errors[1], "~/keys.conf:6: unknown key '?"
	                                  "?'");
	assert_string_equal(km.errors[2], "~/keys.conf:7: expected `bind KEY REQUEST`");
	assert_string_equal(
	    km.errors[3], "~/keys.conf:9: unknown notify mode 'loudly' (osc9, bell, both or off)");
	assert_string_equal(km.errors[4], "~/keys.conf:10: unknown command 'unbind' (bind or set)");
	assert_int_equal(keymap_lookup(&km, 'J'), REQ_MOVE_DOWN);
	assert_int_equal(keymap_lookup(&km, 25), REQ_APPROVE);
	assert_int_equal(keymap_lookup(&km, 'Q'), REQ_NONE);
	assert_int_equal(keymap_lookup(&km, 'q'), REQ_NONE);
	assert_int_equal(keymap_lookup(&km, 'a'), REQ_APPROVE);
	assert_int_equal(km.notify, KEYS_NOTIFY_BELL);
	keymap_free(&km);
	unlink(path);
	free(path);

	keymap_init(&km);
	assert_int_equal(keymap_load(&km, "/nonexistent/keys.conf", NULL), 0);
	assert_int_equal(km.nerrors, 0);
	assert_null(km.default_backend);
	keymap_free(&km);

	/* The new-run form's default backend; the last line says. */
	path = write_tmp("set default-backend claude\nset default-backend codex\nset colour red\n");
	keymap_init(&km);
	assert_int_equal(keymap_load(&km, path, "~/keys.conf"), 1);
	assert_string_equal(km.default_backend, "codex");
	assert_string_equal(km.errors[0], "~/keys.conf:3: expected `set notify osc9|bell|both|off` "
	                                  "or `set default-backend NAME`");
	keymap_free(&km);
	unlink(path);
	free(path);
}

static cJSON *
parse(const char *text)
{
	cJSON *j = cJSON_Parse(text);

	assert_non_null(j);
	return j;
}

static void
test_model_runs(void **state)
{
	struct model m;
	cJSON *ls =
	    parse("{\"runs\": ["
	          "{\"id\": \"r-old\", \"state\": \"completed\", \"template\": \"development\","
	          " \"repoPath\": \"/src/billing/\", \"baseBranch\": \"main\", \"phase\": null,"
	          " \"pendingApprovals\": 0, \"createdAt\": \"2026-11-25T07:00:00.000Z\","
	          " \"terminal\": true, \"actions\": []},"
	          "{\"id\": \"r-a\", \"state\": \"awaiting_approval\", \"template\": "
	          "\"development\", \"repoPath\": \"/src/calc\", \"baseBranch\": \"dev\", "
	          "\"phase\": \"plan\", \"pendingApprovals\": 1, \"createdAt\": "
	          "\"2026-11-25T08:00:00.000Z\", \"terminal\": false, \"actions\": [\"approve\", "
	          "\"request_changes\", \"reject\", \"pause\", \"abort\"]},"
	          "{\"id\": \"r-b\", \"state\": \"executing\", \"repoPath\": \"/src/web\", "
	          "\"baseBranch\": \"main\", \"phase\": \"implement\", \"createdAt\": "
	          "\"2026-11-25T09:00:00.000Z\", \"terminal\": false, \"actions\": [\"pause\", "
	          "\"abort\"]}]}");
	cJSON *bad = parse("{\"runs\": [{\"state\": \"executing\"}]}");

	(void)state;
	model_init(&m);
	assert_int_equal(model_set_runs(&m, ls, 1000), 0);
	assert_int_equal(m.nruns, 3);
	/* Active runs first, newest first; then the finished ones. */
	assert_string_equal(m.runs[0].id, "r-b");
	assert_string_equal(m.runs[1].id, "r-a");
	assert_string_equal(m.runs[2].id, "r-old");
	assert_string_equal(m.runs[1].repo, "calc");
	assert_string_equal(m.runs[2].repo, "billing");
	assert_string_equal(m.runs[1].base, "dev");
	assert_string_equal(m.runs[1].phase, "plan");
	assert_string_equal(m.runs[0].template_name, "");
	assert_int_equal(m.runs[1].waiting, 1);
	assert_int_equal(m.runs[0].waiting, 0);
	assert_int_equal(m.runs[1].created, model_parse_time("2026-11-25T08:00:00Z"));
	/* What may be asked of a run is the server's list, not a rule of the TUI. */
	assert_true(m.runs[2].terminal);
	assert_false(result_actions_has(&m.runs[2].actions, "abort"));
	assert_false(m.runs[0].terminal);
	assert_true(result_actions_has(&m.runs[0].actions, "pause"));
	assert_false(result_actions_has(&m.runs[0].actions, "resume"));
	assert_true(result_actions_has(&m.runs[1].actions, "request_changes"));
	/* A result that does not decode (a run without an id, no list) changes nothing. */
	assert_int_equal(model_set_runs(&m, bad, 1000), -1);
	assert_int_equal(model_set_runs(&m, cJSON_GetObjectItem(ls, "runs"), 1000), -1);
	assert_int_equal(m.nruns, 3);
	cJSON_Delete(bad);
	cJSON_Delete(ls);
	model_free(&m);
}

static const char *status_a =
    "{\"run\": {\"id\": \"r-a\", \"state\": \"awaiting_approval\", \"worktreeRoot\": "
    "\"/w/r-a/main\","
    " \"currentPhaseId\": \"p1\"},"
    "\"phases\": [{\"id\": \"p1\", \"phaseKey\": \"plan\", \"seq\": 1, \"state\": "
    "\"awaiting_approval\", \"attempts\": 2},"
    "             {\"id\": \"p2\", \"phaseKey\": \"implement\", \"seq\": 2, \"state\": "
    "\"pending\", "
    "\"attempts\": 0}],"
    "\"approvals\": [{\"id\": \"ap-old\", \"gateKey\": \"plan_review\", \"state\": "
    "\"changes_requested\", \"createdAt\": \"2026-11-25T08:01:00Z\", \"payload\": {}},"
    "              {\"id\": \"ap-1\", \"gateKey\": \"plan_review\", \"state\": \"pending\", "
    "\"createdAt\": \"2026-11-25T08:05:00Z\", \"payload\": {\"phaseKey\": \"plan\", "
    "\"artifactPath\": \"plan.json\", \"schema\": \"dev/phase-plan@1\"}}],"
    "\"sessions\": [{\"id\": \"s1\", \"phaseId\": \"p1\", \"roleId\": \"planner\", \"backend\": "
    "\"fake\", \"state\": \"EXITED\"},"
    "             {\"id\": \"s2\", \"phaseId\": \"p1\", \"roleId\": \"planner\", \"backend\": "
    "\"claude\", \"state\": \"WAITING_FOR_APPROVAL\"}],"
    "\"events\": [{\"runId\": \"r-a\", \"seq\": 1, \"type\": \"run.created\", \"payload\": "
    "{}, \"ts\": \"2026-11-25T08:00:00Z\"},"
    "            {\"runId\": \"r-a\", \"seq\": 2, \"type\": \"phase.started\", \"payload\": "
    "{\"phaseKey\": \"plan\", "
    "\"attempt\": 2}, \"ts\": \"2026-11-25T08:02:00Z\"}]}";

static const char *status_b =
    "{\"run\": {\"id\": \"r-b\", \"state\": \"executing\"},"
    "\"phases\": [{\"id\": \"q1\", \"phaseKey\": \"implement\", \"seq\": 1, \"state\": "
    "\"awaiting_artifact\", \"attempts\": 1}],"
    "\"approvals\": [],"
    "\"sessions\": [{\"id\": \"t1\", \"phaseId\": \"q1\", \"roleId\": \"implementer\", "
    "\"backend\": \"fake\", \"state\": \"NEEDS_INPUT\"}],"
    "\"events\": [{\"runId\": \"r-b\", \"seq\": 7, \"type\": \"session.needs_input\", \"payload\": "
    "{\"sessionId\": "
    "\"t1\", \"roleId\": \"implementer\", \"question\": \"● Reading\\n? Run the test suite? "
    "(y/n)\\n\\n\"}, \"ts\": \"2026-11-25T08:03:00Z\"}]}";

/* A gate whose phase ran checks: the queue's detail says how they went. */
static void
test_model_gate_checks(void **state)
{
#define GATE_STATUS                                                                                \
	"{\"run\": {\"id\": \"r-c\", \"state\": \"awaiting_approval\"},"                           \
	"\"phases\": [{\"id\": \"p1\", \"phaseKey\": \"implement\", \"seq\": 1, \"state\": "       \
	"\"awaiting_approval\", \"attempts\": 1}],"                                                \
	"\"approvals\": [{\"id\": \"ap-1\", \"phaseId\": \"p1\", \"gateKey\": \"%s\", "            \
	"\"kind\": \"gate\", \"state\": \"pending\", \"createdAt\": \"2026-11-25T08:05:00Z\", "    \
	"\"payload\": {\"phaseKey\": \"implement\", \"artifactPath\": \"c.json\"%s}}],"            \
	"\"sessions\": [], \"events\": [],"                                                        \
	"\"checks\": [{\"phaseId\": \"p1\", \"phaseKey\": \"implement\", \"name\": \"unit\", "     \
	"\"state\": \"passed\", \"attempt\": 1, \"repair\": 0},"                                   \
	"{\"phaseId\": \"p1\", \"phaseKey\": \"implement\", \"name\": \"lint\", "                  \
	"\"state\": \"%s\", \"attempt\": 1, \"repair\": 0},"                                       \
	"{\"phaseId\": \"p0\", \"phaseKey\": \"other\", \"name\": \"x\", "                         \
	"\"state\": \"failed\", \"attempt\": 1, \"repair\": 0}]}"
	struct model m;
	char *text;
	cJSON *j;

	(void)state;
	model_init(&m);
	text = xasprintf(GATE_STATUS, "final_review", "", "passed");
	j = parse(text);
	assert_int_equal(model_set_status(&m, j, 1000), 0);
	assert_string_equal(m.queue[0].detail, "c.json valid, checks 2/2 passed");
	cJSON_Delete(j);
	free(text);
	text = xasprintf(GATE_STATUS, "check_failed", ", \"failedCheck\": \"lint\"", "failed");
	j = parse(text);
	assert_int_equal(model_set_status(&m, j, 1000), 0);
	assert_string_equal(m.queue[0].detail, "c.json valid, check lint FAILED (1/2 passed)");
	cJSON_Delete(j);
	free(text);
	/* A gate whose phase ran none (the final review): the run's checks. */
	text = xasprintf(GATE_STATUS, "final_review", "", "passed");
	memcpy(strstr(text, "\"phaseId\": \"p1\", \"gateKey\""), "\"phaseId\": \"p9\"", 15);
	j = parse(text);
	assert_int_equal(model_set_status(&m, j, 1000), 0);
	assert_string_equal(m.queue[0].detail, "c.json valid, checks 2/3 passed");
	cJSON_Delete(j);
	free(text);
	model_free(&m);
}

static void
test_model_status_and_queue(void **state)
{
	struct model m;
	cJSON *ls = parse("{\"runs\": [{\"id\": \"r-a\", \"state\": \"planning\"}, {\"id\": "
	                  "\"r-b\", \"state\": \"executing\"}]}");
	cJSON *a = parse(status_a), *b = parse(status_b), *pl;
	struct model_status *s;
	const struct model_session *live;

	(void)state;
	model_init(&m);
	assert_int_equal(model_set_runs(&m, ls, 1000), 0);
	assert_int_equal(model_set_status(&m, a, 1000), 0);
	assert_int_equal(model_set_status(&m, b, 1000), 0);
	s = model_status(&m, "r-a");
	assert_non_null(s);
	assert_int_equal(s->nphases, 2);
	assert_string_equal(s->phases[0].key, "plan");
	assert_int_equal(s->phases[0].attempts, 2);
	assert_string_equal(s->phases[0].role, "planner");   /* from its session */
	assert_string_equal(s->phases[0].backend, "claude"); /* the latest session */
	assert_string_equal(s->phases[1].role, "");
	assert_string_equal(s->worktree, "/w/r-a/main");
	/* The run list follows the status: state and current phase. */
	assert_string_equal(model_run(&m, "r-a")->state, "awaiting_approval");
	assert_string_equal(model_run(&m, "r-a")->phase, "plan");
	assert_int_equal(model_run(&m, "r-a")->waiting, 1);
	assert_int_equal(model_run(&m, "r-b")->waiting, 1);

	/* The queue: only pending gates and questions, oldest first across runs. */
	assert_int_equal(m.nqueue, 2);
	assert_int_equal(m.queue[0].kind, MODEL_ITEM_QUESTION);
	assert_string_equal(m.queue[0].run_id, "r-b");
	assert_string_equal(m.queue[0].label, "implementer");
	assert_string_equal(m.queue[0].detail, "? Run the test suite? (y/n)");
	assert_string_equal(m.queue[0].session, "t1");
	assert_int_equal(m.queue[1].kind, MODEL_ITEM_GATE);
	assert_string_equal(m.queue[1].approval_id, "ap-1");
	assert_string_equal(m.queue[1].label, "plan_review");
	assert_string_equal(m.queue[1].detail, "plan.json valid");
	assert_string_equal(m.queue[1].schema, "dev/phase-plan@1");
	assert_int_equal(m.queue[1].since, model_parse_time("2026-11-25T08:05:00Z"));

	live = model_live_session(s);
	assert_non_null(live);
	assert_string_equal(live->id, "s2");

	/* Pushed events: new seqs append, old ones are ignored. */
	assert_int_equal(s->nevents, 2);
	assert_string_equal(s->events[1].text, "plan (attempt 2)");
	pl = parse("{\"action\": \"approve\"}");
	assert_int_equal(model_add_event(&m, "r-a", 2, "approval.resolved", pl, "t"), 0);
	assert_int_equal(model_add_event(&m, "r-a", 3, "approval.resolved", pl, "t"), 1);
	assert_int_equal(model_add_event(&m, "r-zz", 1, "run.created", pl, "t"), 0);
	assert_string_equal(s->events[2].text, "approve");
	/* A newer status keeps pushed events it does not hold yet. */
	assert_int_equal(model_set_status(&m, a, 1000), 0);
	s = model_status(&m, "r-a");
	assert_int_equal(s->nevents, 3);
	assert_int_equal(s->last_seq, 3);

	model_drop_status(&m, "r-b");
	assert_null(model_status(&m, "r-b"));
	assert_int_equal(m.nqueue, 1);
	assert_int_equal(model_set_status(&m, pl, 1000), -1);
	cJSON_Delete(pl);
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(ls);
	model_free(&m);
}

/* The Events pane's way back: older pages prepended, kept across a status refresh. */
static void
test_model_older_events(void **state)
{
	struct model m;
	cJSON *ls = parse("{\"runs\": [{\"id\": \"r-b\", \"state\": \"executing\"}]}");
	cJSON *b = parse(status_b);
	cJSON *older = parse("{\"runId\": \"r-b\", \"state\": \"executing\", \"events\": ["
	                     "{\"runId\": \"r-b\", \"seq\": 5, \"type\": \"run.started\", "
	                     "\"payload\": {}, \"ts\": \"t5\"},"
	                     "{\"runId\": \"r-b\", \"seq\": 6, \"type\": \"phase.started\", "
	                     "\"payload\": {}, \"ts\": \"t6\"},"
	                     "{\"runId\": \"r-b\", \"seq\": 7, \"type\": \"session.needs_input\", "
	                     "\"payload\": {}, \"ts\": \"t7\"}]}");
	cJSON *bad = parse("{\"runId\": \"r-b\", \"events\": 3}");
	struct model_status *s;

	(void)state;
	model_init(&m);
	assert_int_equal(model_set_runs(&m, ls, 1000), 0);
	assert_int_equal(model_set_status(&m, b, 1000), 0);
	s = model_status(&m, "r-b");
	assert_int_equal(s->nevents, 1);
	/* Older than the oldest held: prepended (seq 7 is held already). */
	assert_int_equal(model_add_older_events(&m, older), 2);
	assert_int_equal(s->nevents, 3);
	assert_int_equal(s->events[0].seq, 5);
	assert_int_equal(s->events[1].seq, 6);
	assert_int_equal(s->events[2].seq, 7);
	/* Again: nothing new. A result that does not decode: nothing. */
	assert_int_equal(model_add_older_events(&m, older), 0);
	assert_int_equal(model_add_older_events(&m, bad), -1);
	/* A refresh of the status (its last events) keeps what was read further back. */
	assert_int_equal(model_set_status(&m, b, 1000), 0);
	s = model_status(&m, "r-b");
	assert_int_equal(s->nevents, 3);
	assert_int_equal(s->events[0].seq, 5);
	assert_int_equal(s->events[2].seq, 7);
	cJSON_Delete(bad);
	cJSON_Delete(older);
	cJSON_Delete(b);
	cJSON_Delete(ls);
	model_free(&m);
}

static void
test_model_text(void **state)
{
	char age[16];
	cJSON *pl = parse("{\"phaseKey\": \"plan\", \"reason\": \"phase_timeout\"}");
	char *t;

	(void)state;
	model_age(0, age);
	assert_string_equal(age, "0s");
	model_age(59, age);
	assert_string_equal(age, "59s");
	model_age(240, age);
	assert_string_equal(age, "4m");
	model_age(3600, age);
	assert_string_equal(age, "1h");
	model_age(2 * 3600 + 14 * 60, age);
	assert_string_equal(age, "2h14m");
	model_age(3 * 86400 + 5, age);
	assert_string_equal(age, "3d");
	model_age(-5, age);
	assert_string_equal(age, "0s");
	assert_int_equal(model_parse_time("1970-01-01T00:01:00.000Z"), 60);
	assert_int_equal(model_parse_time("yesterday"), 0);
	assert_int_equal(model_parse_time(NULL), 0);
	t = model_event_text("phase.failed", pl);
	assert_string_equal(t, "plan phase_timeout");
	free(t);
	cJSON_Delete(pl);
	pl = parse("{\"action\": \"request_changes\", \"comment\": \"two\\nlines\"}");
	t = model_event_text("approval.resolved", pl);
	assert_string_equal(t, "request_changes \"two lines\"");
	free(t);
	cJSON_Delete(pl);
	/* An agent devflow stopped reads "stopped", not its status 143; a crash gives its status.
	 */
	pl = parse("{\"roleId\": \"planner\", \"status\": 143, \"stopped\": true}");
	t = model_event_text("session.exited", pl);
	assert_string_equal(t, "planner stopped");
	free(t);
	cJSON_Delete(pl);
	pl = parse("{\"roleId\": \"planner\", \"status\": 3, \"stopped\": false}");
	t = model_event_text("session.exited", pl);
	assert_string_equal(t, "planner ended with status 3");
	free(t);
	cJSON_Delete(pl);
	/* Who saw a session's state: the screen goes unsaid, a hook is named. */
	pl = parse("{\"sessionId\": \"s1\", \"roleId\": \"planner\", \"source\": \"screen\"}");
	t = model_event_text("session.idle", pl);
	assert_string_equal(t, "planner");
	free(t);
	cJSON_Delete(pl);
	pl = parse("{\"sessionId\": \"s1\", \"roleId\": \"planner\", \"source\": \"hook\"}");
	t = model_event_text("session.idle", pl);
	assert_string_equal(t, "planner (hook)");
	free(t);
	cJSON_Delete(pl);
	pl = parse("{\"roleId\": \"planner\", \"question\": \"Proceed?\", \"source\": \"hook\"}");
	t = model_event_text("session.needs_input", pl);
	assert_string_equal(t, "planner asks \"Proceed?\" (hook)");
	free(t);
	cJSON_Delete(pl);
	/* The rebase follow-up: which run, who asked, where it conflicts; a landing through it. */
	pl = parse("{\"followUp\": \"84419a69-1d2f\", \"actor\": \"alice\", \"baseBranch\": "
	           "\"main\", \"conflicts\": \"NOTES.md, b.txt\"}");
	t = model_event_text("run.rebase_started", pl);
	assert_string_equal(t, "rebase run 84419a69 by alice (conflicts in NOTES.md, b.txt)");
	free(t);
	cJSON_Delete(pl);
	pl = parse("{\"actor\": \"alice\", \"commit\": \"c0ffee\", \"via\": \"84419a69-1d2f\"}");
	t = model_event_text("run.landed", pl);
	assert_string_equal(t, "through rebase run 84419a69 by alice");
	free(t);
	cJSON_Delete(pl);
	/* Checks: which one, where, and how it ended; review rounds: who goes back, why. */
	pl = parse("{\"phaseKey\": \"implement\", \"name\": \"make-test\", \"exitCode\": 2, "
	           "\"timedOut\": false}");
	t = model_event_text("check.failed", pl);
	assert_string_equal(t, "make-test (implement) exit 2");
	free(t);
	t = model_event_text("check.started", pl);
	assert_string_equal(t, "make-test (implement)");
	free(t);
	cJSON_Delete(pl);
	pl = parse("{\"phaseKey\": \"implement\", \"name\": \"slow\", \"exitCode\": -1, "
	           "\"timedOut\": true}");
	t = model_event_text("check.failed", pl);
	assert_string_equal(t, "slow (implement) timed out");
	free(t);
	cJSON_Delete(pl);
	pl = parse("{\"phaseKey\": \"review\", \"targetPhaseKey\": \"implement\", \"cause\": "
	           "\"review\", \"round\": 1, \"findings\": [{}, {}]}");
	t = model_event_text("review.round", pl);
	assert_string_equal(t, "review sends implement back (round 1, 2 findings)");
	free(t);
	cJSON_Delete(pl);
	pl = parse("{\"phaseKey\": \"review\", \"targetPhaseKey\": \"implement\", \"cause\": "
	           "\"human\", \"actor\": \"bob\"}");
	t = model_event_text("review.round", pl);
	assert_string_equal(t, "review sends implement back (bob's change request)");
	free(t);
	cJSON_Delete(pl);
}

static void
test_colour_mapping(void **state)
{
	int bold;

	(void)state;
	assert_int_equal(colour_rgb_to_256(255, 0, 0), 196);
	assert_int_equal(colour_rgb_to_256(0, 0, 0), 16);
	assert_int_equal(colour_rgb_to_256(0x5f, 0xd7, 0xff), 81);
	assert_int_equal(colour_rgb_to_256(0x80, 0x80, 0x80), 244);
	assert_int_equal(colour_palette_rgb(196), 0xff0000u);
	assert_int_equal(colour_palette_rgb(232), 0x080808u);
	/* Default stays default. */
	assert_int_equal(colour_map(PROTO_COLOR_DEFAULT, 256, &bold), -1);
	assert_int_equal(bold, 0);
	/* 256 colours: indexes kept, RGB to the nearest index. */
	assert_int_equal(colour_map(208, 256, &bold), 208);
	assert_int_equal(colour_map(PROTO_COLOR_RGB(0x5f, 0xd7, 0xff), 256, &bold), 81);
	/* 16 colours: bright kept, the cube to the nearest of 16. */
	assert_int_equal(colour_map(9, 16, &bold), 9);
	assert_int_equal(bold, 0);
	assert_int_equal(colour_map(196, 16, &bold), 9);
	/* 8 colours: bright is bold. */
	assert_int_equal(colour_map(9, 8, &bold), 1);
	assert_int_equal(bold, 1);
	assert_int_equal(colour_map(2, 8, &bold), 2);
	assert_int_equal(bold, 0);
	assert_int_equal(colour_map(PROTO_COLOR_RGB(0, 0xff, 0), 8, &bold), 2);
	/* No colours: everything default. */
	assert_int_equal(colour_map(4, 0, &bold), -1);
}

/* wrap_line over all of s: the lines joined by '|'. */
static char *
wrapped(const char *s, int width)
{
	struct buf b = BUF_INIT;

	while (*s != '\0') {
		size_t next, n = wrap_line(s, width, &next);

		buf_append(&b, s, n);
		buf_putc(&b, '|');
		s += next;
	}
	return buf_detach(&b);
}

static void
test_wrap_words(void **state)
{
	char *w;
	struct buf b = BUF_INIT;

	(void)state;
	setlocale(LC_ALL, "C.UTF-8");
	w = wrapped("Show the agent terminal over the lists (narrow screens)", 20);
	assert_string_equal(w, "Show the agent|terminal over the|lists (narrow|screens)|");
	free(w);
	/* A word that fits exactly, blanks runs, a newline, wide characters. */
	w = wrapped("abcd efgh  ijkl\nmn", 4);
	assert_string_equal(w, "abcd|efgh|ijkl|mn|");
	free(w);
	w = wrapped("日本語 テキスト", 6);
	assert_string_equal(w, "日本語|テキス|ト|");
	free(w);
	/* A word longer than the line is cut: nothing else fits it. */
	w = wrapped("awaiting_approval x", 8);
	assert_string_equal(w, "awaiting|_approva|l x|");
	free(w);
	/* Indenting blanks stay. */
	w = wrapped("  two words", 20);
	assert_string_equal(w, "  two words|");
	free(w);
	wrap_hanging(&b, "  k   ", "Move the selection up, one row", 6, 20);
	assert_string_equal(b.data, "  k   Move the\n      selection up,\n      one row\n");
	buf_free(&b);
}

static void
test_abbrev(void **state)
{
	struct buf b = BUF_INIT;
	const char *states[] = { "created",           "bound",   "executing", "planning",
		                 "awaiting_approval", "paused",  "completed", "failed",
		                 "aborted",           "pending", "running",   "awaiting_artifact",
		                 "validating",        "skipped" };

	(void)state;
	assert_string_equal(abbrev_state("awaiting_approval"), "await_appr");
	assert_string_equal(abbrev_state("awaiting_artifact"), "await_art");
	assert_string_equal(abbrev_state("planning"), "planning");
	/* Every run and phase state fits the short column, by name or short form. */
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
		assert_true(strlen(abbrev_state(states[i])) <= ABBREV_STATE_WIDTH);
	abbrev_legend(&b, "  ");
	assert_string_equal(
	    b.data, "  await_appr     awaiting_approval\n  await_art      awaiting_artifact\n");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_table),
		cmocka_unit_test(test_key_names),
		cmocka_unit_test(test_keymap_defaults),
		cmocka_unit_test(test_keymap_load),
		cmocka_unit_test(test_model_runs),
		cmocka_unit_test(test_model_status_and_queue),
		cmocka_unit_test(test_model_gate_checks),
		cmocka_unit_test(test_model_older_events),
		cmocka_unit_test(test_model_text),
		cmocka_unit_test(test_colour_mapping),
		cmocka_unit_test(test_wrap_words),
		cmocka_unit_test(test_abbrev),
	};

	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
