/*
 * The session driver without an engine: a missing program, a session's
 * life (transcript directory, lookup, list, observer, stop with its exit
 * status) and the argv prompt mode's process per instruction, on a real
 * loop with real pseudo-terminals.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/xalloc.h"
#include "server/driver.h"

struct fx {
	char dir[64];
	struct loop *loop;
	struct driver *d;
	int outputs, states, exits;
};

static const char BACKEND[] =
    "{\"name\":\"t\",\"version\":1,\"argv\":[\"sh\"],\"env\":{},"
    "\"prompt\":{\"mode\":\"paste\"},"
    "\"screen\":{\"ready\":[\"^\\\\$ *$\"],\"busy\":[],\"needsInput\":[],\"trust\":[],"
    "\"lastLines\":4,\"stableMs\":100},\"install\":\"apt-get install t\"}";

static void
on_change(struct driver *d, const char *sid, enum driver_change what, void *ctx)
{
	struct fx *f = ctx;

	(void)d;
	assert_non_null(sid);
	f->outputs += what == DRIVER_OUTPUT;
	f->states += what == DRIVER_STATE;
	f->exits += what == DRIVER_EXITED;
}

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	struct driver_options o = { .grace_ms = 1000, .workspace = "/srv/ws" };

	snprintf(f->dir, sizeof(f->dir), "/tmp/devflow-driver.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->loop = loop_new(NULL);
	f->d = driver_new(f->loop, &o);
	driver_on_change(f->d, on_change, f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	driver_free(f->d);
	loop_free(f->loop);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f);
	return 0;
}

static uint64_t
wall_ms(void)
{
	return (uint64_t)clock_mono_ms();
}

static struct engine_session_spec
spec_for(struct fx *f, const char *id, const char *const *argv, size_t argc, const char *mode,
         char *transcript)
{
	struct engine_session_spec sp;

	memset(&sp, 0, sizeof(sp));
	sp.session_id = id;
	sp.run_id = "run-1";
	sp.phase_id = "ph-1";
	sp.role_id = "planner";
	sp.backend = "t";
	sp.backend_json = BACKEND;
	sp.argv = argv;
	sp.argc = argc;
	sp.prompt_mode = mode;
	sp.cwd = f->dir;
	sp.transcript_path = transcript;
	return sp;
}

static void
test_missing_program(void **state)
{
	struct fx *f = *state;
	static const char *const argv[] = { "devflow-no-such-agent-xyz" };
	char *tr = xasprintf("%s/sessions/s1.raw", f->dir);
	struct engine_session_spec sp = spec_for(f, "s1", argv, 1, "paste", tr);
	struct df_error err;

	assert_int_equal(driver_engine_ops.start(f->d, &sp, &err), -1);
	assert_int_equal(err.code, DF_E_BACKEND_UNAVAILABLE);
	assert_non_null(strstr(err.message, "backend t"));
	assert_non_null(strstr(err.message, "devflow-no-such-agent-xyz"));
	assert_string_equal(err.hint, "apt-get install t");
	assert_null(driver_session(f->d, "s1"));
	assert_int_equal(driver_engine_ops.alive(f->d, "s1"), 0);
	free(tr);
}

static void
test_session_life(void **state)
{
	struct fx *f = *state;
	static const char *const argv[] = {
		"sh", "-c",
		"echo \"id=$DEVFLOW_SESSION_ID run=$DEVFLOW_RUN_ID ws=$DEVFLOW_WORKSPACE\"; "
		"exec sleep 30"
	};
	char *tr = xasprintf("%s/ws/run-1/sessions/s2.raw", f->dir);
	struct engine_session_spec sp = spec_for(f, "s2", argv, 3, "paste", tr);
	struct driver_session_info *si;
	char *text = NULL;
	struct df_error err;
	struct stat sb;
	uint64_t end = wall_ms() + 10000;
	size_t n;

	assert_int_equal(driver_engine_ops.start(f->d, &sp, &err), 0);
	assert_int_equal(stat(tr, &sb), 0); /* the sessions directory was made */
	assert_non_null(driver_session(f->d, "s2"));
	assert_int_equal(driver_engine_ops.alive(f->d, "s2"), 1);
	assert_int_equal(driver_engine_ops.start(f->d, &sp, &err), -1); /* same id twice */
	/* What a hook command needs to reach the server, in the child's environment. */
	while ((text == NULL || strstr(text, "ws=/srv/ws") == NULL) && wall_ms() < end) {
		loop_run_once(f->loop, 50, NULL);
		free(text);
		text = screen_dump_text(session_screen(driver_session(f->d, "s2")));
	}
	assert_non_null(strstr(text, "id=s2 run=run-1 ws=/srv/ws"));
	free(text);
	assert_true(f->outputs > 0);
	driver_sessions_list(f->d, &si, &n);
	assert_int_equal(n, 1);
	assert_string_equal(si[0].id, "s2");
	assert_string_equal(si[0].run_id, "run-1");
	assert_true(si[0].running);
	assert_int_equal(si[0].exit_status, -1);
	driver_sessions_free(si, n);
	driver_engine_ops.stop(f->d, "s2");
	assert_int_equal(driver_engine_ops.alive(f->d, "s2"), 0);
	while (f->exits == 0 && wall_ms() < end)
		loop_run_once(f->loop, 50, NULL);
	assert_int_equal(f->exits, 1);
	driver_sessions_list(f->d, &si, &n);
	assert_int_equal(n, 1); /* kept for its last screen */
	assert_false(si[0].running);
	assert_int_equal(si[0].exit_status, 128 + 15); /* SIGTERM */
	driver_sessions_free(si, n);
	assert_int_equal(driver_engine_ops.send(f->d, "s2", "hi", &err), -1);
	assert_int_equal(err.code, DF_E_SESSION_FAILED);
	assert_int_equal(driver_engine_ops.send(f->d, "nope", "hi", &err), -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	assert_int_equal(driver_hook(f->d, "s2", DRIVER_HOOK_IDLE, NULL, &err), -1);
	assert_int_equal(err.code, DF_E_SESSION_FAILED);
	free(tr);
}

static void
test_argv_mode_one_process_per_instruction(void **state)
{
	struct fx *f = *state;
	static const char *const argv[] = { "sh", "-c", "printf 'said: %s\\n' \"$1\"", "sh",
		                            "{prompt}" };
	char *tr = xasprintf("%s/sessions/s3.raw", f->dir), *tr2, *text;
	struct engine_session_spec sp = spec_for(f, "s3", argv, 5, "argv", tr);
	struct df_error err;
	uint64_t end = wall_ms() + 10000;
	FILE *fp;
	char buf[256] = "";

	assert_int_equal(driver_engine_ops.start(f->d, &sp, &err), 0);
	assert_null(driver_session(f->d, "s3")); /* nothing runs before the first instruction */
	assert_int_equal(driver_engine_ops.alive(f->d, "s3"), 1);
	assert_int_equal(driver_engine_ops.send(f->d, "s3", "first", &err), 0);
	while (f->exits < 1 && wall_ms() < end)
		loop_run_once(f->loop, 50, NULL);
	/* Exit 0 ends the turn, not the session. */
	assert_int_equal(driver_engine_ops.alive(f->d, "s3"), 1);
	assert_int_equal(driver_engine_ops.send(f->d, "s3", "second", &err), 0);
	while (f->exits < 2 && wall_ms() < end)
		loop_run_once(f->loop, 50, NULL);
	assert_int_equal(f->exits, 2);
	fp = fopen(tr, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_non_null(strstr(buf, "said: first"));
	tr2 = xasprintf("%s.2", tr);
	fp = fopen(tr2, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_non_null(strstr(buf, "said: second"));
	text = screen_dump_text(session_screen(driver_session(f->d, "s3")));
	assert_non_null(strstr(text, "said: second"));
	free(text);
	free(tr2);
	free(tr);
}

/* --- configuration files and hooks ------------------------------------------------ */

static const char HOOKED[] =
    "{\"name\":\"h\",\"version\":1,\"argv\":[\"sh\"],\"env\":{},"
    "\"prompt\":{\"mode\":\"paste\",\"submitDelayMs\":0},"
    "\"configFiles\":[{\"path\":\"~/.claude.json\",\"merge\":{\"projects\":{\"{worktree}\":"
    "{\"hasTrustDialogAccepted\":true}}}},"
    "{\"path\":\".agent/local.json\",\"merge\":{\"root\":\"{worktree}\"}}],"
    "\"hooks\":{\"argv\":[\"--settings\",\"{\\\"cmd\\\":\\\"{devflow} hook idle\\\"}\"],"
    "\"configFiles\":[{\"path\":\"~/.gemini/settings.json\",\"merge\":{\"hooks\":"
    "{\"AfterAgent\":[{\"command\":\"{devflow} hook idle\"}]}}}]},"
    "\"screen\":{\"ready\":[\"^\\\\$ *$\"],\"busy\":[],\"needsInput\":[],\"trust\":[],"
    "\"lastLines\":4,\"stableMs\":100},\"install\":\"none\"}";

/* The "agent": its arguments, one a line, into args.txt in its working directory. */
static const char *const HOOKED_ARGV[] = { "sh", "-c",
	                                   "printf '%s\\n' \"$@\" >args.tmp && "
	                                   "mv args.tmp args.txt; exec sleep 30",
	                                   "agent", "--dir={worktree}" };

static void
write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* A driver that receives hooks, with HOME in the fixture's directory and a worktree. */
static struct driver *
hooked_driver(struct fx *f, bool hooks, char **home, char **wt)
{
	struct driver_options o = { .grace_ms = 1000,
		                    .workspace = "/srv/ws",
		                    .hooks = hooks,
		                    .devflow_bin = "/opt/df/bin/devflow" };

	*home = xasprintf("%s/home", f->dir);
	*wt = xasprintf("%s/wt", f->dir);
	assert_int_equal(mkdir(*home, 0700), 0);
	assert_int_equal(mkdir(*wt, 0700), 0);
	setenv("HOME", *home, 1); /* never the real home */
	return driver_new(f->loop, &o);
}

static char *
wait_args(struct fx *f, struct driver *d, const char *wt)
{
	char *path = xasprintf("%s/args.txt", wt), *text = NULL;
	uint64_t end = wall_ms() + 10000;

	(void)d;
	while ((text = buf_file_text(path, 0)) == NULL && wall_ms() < end)
		loop_run_once(f->loop, 50, NULL);
	free(path);
	assert_non_null(text);
	return text;
}

/* The agent's arguments, one a line, are want (freed here). */
static void
assert_args(struct fx *f, struct driver *d, const char *wt, char *want)
{
	char *text = wait_args(f, d, wt);

	assert_string_equal(text, want);
	free(want);
	free(text);
}

/* The file dir/rel exists and holds needle. */
static void
assert_file_has(const char *dir, const char *rel, const char *needle)
{
	char *p = xasprintf("%s/%s", dir, rel), *text = buf_file_text(p, 0);

	assert_non_null(text);
	assert_non_null(strstr(text, needle));
	free(text);
	free(p);
}

static void
test_config_files_and_hooks(void **state)
{
	struct fx *f = *state;
	char *home, *wt, *tr = xasprintf("%s/sessions/h1.raw", f->dir), *p, *text, *want;
	struct driver *d = hooked_driver(f, true, &home, &wt);
	struct engine_session_spec sp = spec_for(f, "h1", HOOKED_ARGV, 5, "paste", tr);
	cJSON *j, *other;
	struct df_error err;

	sp.backend = "h";
	sp.backend_json = HOOKED;
	sp.cwd = wt;
	/* The user's own file, full of other keys. */
	p = xasprintf("%s/.claude.json", home);
	write_text(p, "{\"numStartups\":3,\"projects\":{\"/elsewhere\":{\"allowedTools\":[\"x\"]}},"
	              "\"oauthAccount\":{\"id\":\"u\"}}");
	assert_int_equal(driver_engine_ops.start(d, &sp, &err), 0);
	/* Merged before the agent started. */
	text = buf_file_text(p, 0);
	j = cJSON_Parse(text);
	assert_non_null(j);
	want =
	    xasprintf("{\"numStartups\":3,\"projects\":{\"/elsewhere\":{\"allowedTools\":[\"x\"]},"
	              "\"%s\":{\"hasTrustDialogAccepted\":true}},\"oauthAccount\":{\"id\":\"u\"}}",
	              wt);
	other = cJSON_Parse(want);
	assert_true(cJSON_Compare(j, other, 1));
	cJSON_Delete(j);
	cJSON_Delete(other);
	free(want);
	free(text);
	free(p);
	p = xasprintf("%s/.agent/local.json", wt);
	text = buf_file_text(p, 0);
	want = xasprintf("\"root\":\t\"%s\"", wt);
	assert_non_null(text);
	assert_non_null(strstr(text, want));
	free(want);
	free(text);
	free(p);
	assert_file_has(home, ".gemini/settings.json", "\"/opt/df/bin/devflow hook idle\"");
	/* argv: {worktree} replaced, hooks.argv appended with {devflow} replaced. */
	assert_args(
	    f, d, wt,
	    xasprintf("--dir=%s\n--settings\n{\"cmd\":\"/opt/df/bin/devflow hook idle\"}\n", wt));
	driver_free(d);
	free(home);
	free(wt);
	free(tr);
}

static void
test_hooks_off(void **state)
{
	struct fx *f = *state;
	char *home, *wt, *tr = xasprintf("%s/sessions/h2.raw", f->dir), *p;
	struct driver *d = hooked_driver(f, false, &home, &wt);
	struct engine_session_spec sp = spec_for(f, "h2", HOOKED_ARGV, 5, "paste", tr);
	struct df_error err;
	struct stat sb;

	sp.backend_json = HOOKED;
	sp.cwd = wt;
	assert_int_equal(driver_engine_ops.start(d, &sp, &err), 0);
	assert_args(f, d, wt, xasprintf("--dir=%s\n", wt)); /* no hooks.argv */
	p = xasprintf("%s/.gemini/settings.json", home);
	assert_int_equal(stat(p, &sb), -1); /* no hooks.configFiles */
	free(p);
	/* configFiles still apply: they are not hooks */
	assert_file_has(home, ".claude.json", "hasTrustDialogAccepted");
	driver_free(d);
	free(home);
	free(wt);
	free(tr);
}

static void
test_config_file_refused(void **state)
{
	struct fx *f = *state;
	char *home, *wt, *tr = xasprintf("%s/sessions/h3.raw", f->dir), *p, *text, *other;
	struct driver *d = hooked_driver(f, true, &home, &wt);
	struct engine_session_spec sp = spec_for(f, "h3", HOOKED_ARGV, 5, "paste", tr);
	const char *env[1];
	struct df_error err;
	enum driver_hook_kind k;

	sp.backend = "h";
	sp.backend_json = HOOKED;
	sp.cwd = wt;
	p = xasprintf("%s/.claude.json", home);
	write_text(p, "{ broken");
	assert_int_equal(driver_engine_ops.start(d, &sp, &err), -1);
	assert_int_equal(err.code, DF_E_JSON_PARSE);
	assert_non_null(strstr(err.message, "backend h"));
	assert_non_null(strstr(err.message, "/configFiles/0"));
	assert_non_null(strstr(err.message, p));
	text = buf_file_text(p, 0);
	assert_string_equal(text, "{ broken"); /* untouched */
	free(text);
	assert_null(driver_session(d, "h3"));
	assert_int_equal(driver_engine_ops.alive(d, "h3"), 0);
	free(p);

	/* The backend's env may give the agent another HOME: that is where ~/ goes. */
	other = xasprintf("%s/other-home", f->dir);
	env[0] = p = xasprintf("HOME=%s", other);
	sp.env = env;
	sp.envc = 1;
	assert_int_equal(driver_engine_ops.start(d, &sp, &err), 0);
	free(p);
	assert_file_has(other, ".claude.json", "hasTrustDialogAccepted");
	free(other);

	assert_int_equal(driver_hook_kind_parse("needs-input", &k), 0);
	assert_int_equal(k, DRIVER_HOOK_NEEDS_INPUT);
	assert_int_equal(driver_hook_kind_parse("needs_input", &k), 0);
	assert_int_equal(driver_hook_kind_parse("Needs", &k), -1);
	driver_free(d);
	free(home);
	free(wt);
	free(tr);
}

/* --- resuming a conversation ---------------------------------------------------------- */

/* A backend like HOOKED whose resume is the given JSON ("resume":{...}), prompt mode mode. */
static char *
resume_backend(const char *resume, const char *mode)
{
	return xasprintf("{\"name\":\"r\",\"version\":1,\"argv\":[\"sh\"],\"env\":{},"
	                 "\"prompt\":{\"mode\":\"%s\",\"submitDelayMs\":0},"
	                 "\"hooks\":{\"argv\":[\"--hook\",\"{devflow} hook idle\"]},"
	                 "\"resume\":%s,"
	                 "\"screen\":{\"ready\":[\"^\\\\$ *$\"],\"busy\":[],\"needsInput\":[],"
	                 "\"trust\":[],\"lastLines\":4,\"stableMs\":100},\"install\":\"none\"}",
	                 mode, resume);
}

static void
test_resume_appends_argv(void **state)
{
	struct fx *f = *state;
	char *home, *wt, *tr = xasprintf("%s/sessions/r1.raw", f->dir), *want;
	char *bj = resume_backend("{\"argv\":[\"--resume\",\"{conversation}\"]}", "paste");
	struct driver *d = hooked_driver(f, true, &home, &wt);
	struct engine_session_spec sp = spec_for(f, "r1", HOOKED_ARGV, 5, "paste", tr);
	struct driver_session_info *si;
	struct df_error err;
	size_t n;

	sp.backend = "r";
	sp.backend_json = bj;
	sp.cwd = wt;
	sp.resume_conversation = "conv-9";
	assert_int_equal(driver_engine_ops.start(d, &sp, &err), 0);
	assert_args(
	    f, d, wt,
	    xasprintf("--dir=%s\n--resume\nconv-9\n--hook\n/opt/df/bin/devflow hook idle\n", wt));
	driver_sessions_list(d, &si, &n);
	assert_int_equal(n, 1);
	assert_string_equal(si[0].resumed, "conv-9");
	assert_false(si[0].resume_failed);
	driver_sessions_free(si, n);
	driver_free(d);

	/* No conversation: the backend's resume is not applied. */
	d = driver_new(f->loop, &(struct driver_options){ .grace_ms = 1000 });
	want = xasprintf("%s/args.txt", wt);
	assert_int_equal(unlink(want), 0);
	free(want);
	sp.resume_conversation = NULL;
	sp.session_id = "r1b";
	assert_int_equal(driver_engine_ops.start(d, &sp, &err), 0);
	assert_args(f, d, wt, xasprintf("--dir=%s\n", wt));
	driver_sessions_list(d, &si, &n);
	assert_null(si[0].resumed);
	driver_sessions_free(si, n);
	driver_free(d);
	free(bj);
	free(home);
	free(wt);
	free(tr);
}

static void
test_resume_replaces_argv(void **state)
{
	struct fx *f = *state;
	char *home, *wt, *tr = xasprintf("%s/sessions/r2.raw", f->dir);
	char *bj = resume_backend(
	    "{\"replace\":true,\"argv\":[\"sh\",\"-c\",\"printf '%s\\\\n' \\\"$@\\\" >args.tmp && "
	    "mv args.tmp args.txt; exec sleep 30\",\"agent\",\"resume\",\"{conversation}\","
	    "\"--cd={worktree}\"]}",
	    "paste");
	struct driver *d = hooked_driver(f, false, &home, &wt);
	struct engine_session_spec sp = spec_for(f, "r2", HOOKED_ARGV, 5, "paste", tr);
	struct df_error err;

	sp.backend = "r";
	sp.backend_json = bj;
	sp.cwd = wt;
	sp.resume_conversation = "thr-7";
	assert_int_equal(driver_engine_ops.start(d, &sp, &err), 0);
	/* not the backend's argv */
	assert_args(f, d, wt, xasprintf("resume\nthr-7\n--cd=%s\n", wt));
	driver_free(d);
	free(bj);
	free(home);
	free(wt);
	free(tr);
}

/*
 * The "agent" refuses --resume at once (exit 3); otherwise it records its
 * arguments and reads lines into got.txt after a "$ " prompt.
 */
static const char *const PICKY_ARGV[] = {
	"sh", "-c",
	"case \" $* \" in *' --resume '*) echo 'No conversation found'; exit 3;; esac; "
	"printf '%s\\n' \"$@\" >args.tmp && mv args.tmp args.txt; "
	"printf '$ '; while IFS= read -r l; do printf '%s\\n' \"$l\" >>got.txt; printf '$ '; done",
	"agent", "--dir={worktree}"
};

static void
test_resume_failure_starts_afresh(void **state)
{
	struct fx *f = *state;
	char *home, *wt, *tr = xasprintf("%s/sessions/r3.raw", f->dir), *text, *p;
	char *bj = resume_backend("{\"argv\":[\"--resume\",\"{conversation}\"]}", "paste");
	struct driver *d;
	struct engine_session_spec sp = spec_for(f, "r3", PICKY_ARGV, 5, "paste", tr);
	struct driver_session_info *si;
	struct df_error err;
	uint64_t end;
	size_t n;

	d = hooked_driver(f, false, &home, &wt);
	driver_on_change(d, on_change, f);
	sp.backend = "r";
	sp.backend_json = bj;
	sp.cwd = wt;
	sp.resume_conversation = "gone-1";
	assert_int_equal(driver_engine_ops.start(d, &sp, &err), 0);
	assert_int_equal(driver_engine_ops.send(d, "r3", "do the work", &err), 0);
	/* The fresh process got its arguments without --resume, and the instructions. */
	assert_args(f, d, wt, xasprintf("--dir=%s\n", wt));
	p = xasprintf("%s/got.txt", wt);
	end = wall_ms() + 10000;
	while (((text = buf_file_text(p, 0)) == NULL || strstr(text, "do the work") == NULL) &&
	       wall_ms() < end) {
		free(text);
		loop_run_once(f->loop, 50, NULL);
	}
	assert_non_null(text);
	assert_non_null(strstr(text, "do the work"));
	free(text);
	free(p);
	assert_int_equal(f->exits, 0); /* the failed resume is not the session's exit */
	assert_int_equal(driver_engine_ops.alive(d, "r3"), 1);
	driver_sessions_list(d, &si, &n);
	assert_int_equal(n, 1);
	assert_string_equal(si[0].resumed, "gone-1");
	assert_true(si[0].resume_failed);
	assert_true(si[0].running);
	driver_sessions_free(si, n);
	/* The resumed process's transcript, then the fresh one's. */
	text = buf_file_text(tr, 0);
	assert_non_null(text);
	assert_non_null(strstr(text, "No conversation found"));
	free(text);
	p = xasprintf("%s.2", tr);
	text = buf_file_text(p, 0);
	assert_non_null(text);
	free(text);
	free(p);
	driver_free(d);
	free(bj);
	free(home);
	free(wt);
	free(tr);
}

/* argv mode: the fresh process gets the same instruction; it is tried afresh only once. */
static void
test_resume_failure_once_argv_mode(void **state)
{
	struct fx *f = *state;
	static const char *const argv[] = { "sh", "-c",
		                            "printf '[%s]' \"$@\" >>calls.txt; "
		                            "echo >>calls.txt; exit 3",
		                            "agent", "{prompt}" };
	char *tr = xasprintf("%s/sessions/r4.raw", f->dir), *bj, *p, *text;
	struct engine_session_spec sp = spec_for(f, "r4", argv, 5, "argv", tr);
	struct driver_session_info *si;
	struct df_error err;
	uint64_t end = wall_ms() + 10000;
	size_t n;

	bj = resume_backend("{\"argv\":[\"--resume\",\"{conversation}\"]}", "argv");
	sp.backend = "r";
	sp.backend_json = bj;
	sp.resume_conversation = "c-1";
	assert_int_equal(driver_engine_ops.start(f->d, &sp, &err), 0);
	assert_int_equal(driver_engine_ops.send(f->d, "r4", "the task", &err), 0);
	while (f->exits < 1 && wall_ms() < end)
		loop_run_once(f->loop, 50, NULL);
	assert_int_equal(f->exits, 1); /* the fresh process's failure is the session's exit */
	p = xasprintf("%s/calls.txt", f->dir);
	text = buf_file_text(p, 0);
	assert_string_equal(text, "[the task][--resume][c-1]\n[the task]\n");
	free(text);
	free(p);
	driver_sessions_list(f->d, &si, &n);
	assert_true(si[0].resume_failed);
	assert_int_equal(si[0].exit_status, 3);
	driver_sessions_free(si, n);
	assert_int_equal(driver_engine_ops.alive(f->d, "r4"), 0);
	free(bj);
	free(tr);
}

/* The state the driver sees for a session (DETECT_EXITED when it is not listed). */
static enum detect_state
state_of(struct fx *f, const char *id)
{
	struct driver_session_info *si;
	enum detect_state st = DETECT_EXITED;
	size_t n;

	driver_sessions_list(f->d, &si, &n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(si[i].id, id) == 0)
			st = si[i].state;
	driver_sessions_free(si, n);
	return st;
}

static const char ASK_BACKEND[] =
    "{\"name\":\"t\",\"version\":1,\"argv\":[\"sh\"],\"env\":{},"
    "\"prompt\":{\"mode\":\"paste\"},"
    "\"screen\":{\"ready\":[\"^\\\\$ *$\"],\"busy\":[],\"needsInput\":[\"Allow\\\\? "
    "\\\\(y/n\\\\)\"],"
    "\"questions\":[{\"match\":\"Allow\\\\?\",\"answers\":[{\"key\":\"y\",\"label\":\"Yes\","
    "\"send\":\"y\"}]}],\"trust\":[],\"lastLines\":4,\"stableMs\":100},"
    "\"install\":\"apt-get install t\"}";

/*
 * A question stays open while its dialog redraws (Codex ticks a timer
 * under it): the redraw makes the screen busy for a moment, but the
 * person's answer is still the question's, and is taken.
 */
static void
test_answer_while_the_question_redraws(void **state)
{
	struct fx *f = *state;
	static const char *const argv[] = {
		"sh", "-c",
		"stty -icanon -echo; printf 'Allow? (y/n)\\n'; sleep 1; "
		"(i=0; while [ $i -lt 100 ]; do printf '\\rwaiting %d' $i; sleep 0.05; "
		"i=$((i+1)); done) & k=$(dd bs=1 count=1 2>/dev/null); kill $! 2>/dev/null; "
		"printf '\\nanswered: %s\\n' \"$k\"; exec sleep 30"
	};
	char *tr = xasprintf("%s/sessions/q1.raw", f->dir), *text = NULL;
	struct engine_session_spec sp = spec_for(f, "q1", argv, 3, "paste", tr);
	struct driver_answer out;
	struct df_error err;
	uint64_t end = wall_ms() + 10000;

	sp.backend_json = ASK_BACKEND;
	assert_int_equal(driver_engine_ops.start(f->d, &sp, &err), 0);
	while (state_of(f, "q1") != DETECT_NEEDS_INPUT && wall_ms() < end)
		loop_run_once(f->loop, 20, NULL);
	assert_int_equal(state_of(f, "q1"), DETECT_NEEDS_INPUT);
	while (state_of(f, "q1") != DETECT_BUSY && wall_ms() < end)
		loop_run_once(f->loop, 20, NULL);
	assert_int_equal(state_of(f, "q1"), DETECT_BUSY); /* the dialog redraws */
	assert_int_equal(driver_answer(f->d, "q1", "y", "tester", &out, &err), 0);
	assert_string_equal(out.choice, "y");
	free(out.question);
	/* Answered: a second answer is refused, the dialog still on screen or not. */
	assert_int_equal(driver_answer(f->d, "q1", "y", "tester", &out, &err), -1);
	assert_int_equal(err.code, DF_E_RUN_STATE_CHANGED);
	while ((text == NULL || strstr(text, "answered: y") == NULL) && wall_ms() < end) {
		loop_run_once(f->loop, 50, NULL);
		free(text);
		text = screen_dump_text(session_screen(driver_session(f->d, "q1")));
	}
	assert_non_null(strstr(text, "answered: y"));
	free(text);
	driver_engine_ops.stop(f->d, "q1");
	free(tr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing_program, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_while_the_question_redraws, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_session_life, setup, teardown),
		cmocka_unit_test_setup_teardown(test_argv_mode_one_process_per_instruction, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_config_files_and_hooks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hooks_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_file_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_appends_argv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_replaces_argv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_failure_starts_afresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_failure_once_argv_mode, setup,
		                                teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
