/*
 * `devflow server [--workspace DIR] [--max-runs N] [--max-artifact-size SIZE]
 * [--self-check SECONDS]`: the server of a workspace, in the foreground of
 * its own process (clients start it in the background, as tmux does). It
 * takes the workspace lock, assembles the runtime (store, catalog, engine,
 * session driver, artifact watcher), recovers what the previous server left,
 * listens on <workspace>/devflow.sock and serves until SIGTERM, SIGINT or a
 * client's `kill-server`. On the way out it stops accepting, closes its
 * clients and ends the agent sessions without telling the engine, so the next
 * server recovers every run. Its log is <workspace>/server.log. --max-runs
 * sets how many runs may be active at once (default 4). --max-artifact-size
 * (else $DEVFLOW_MAX_ARTIFACT_SIZE, else 8M) is the largest artifact file the
 * engine reads: bytes, or a number with K, M or G (KiB, MiB, GiB); larger
 * files are invalid artifacts. Once it serves, and then every --self-check
 * seconds (default 30), the engine's self-check looks for active runs that
 * nothing drives, sets them going and logs each (docs/engine.md).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/paths.h"
#include "lib/xalloc.h"
#include "proto/result.h"
#include "proto/sock.h"
#include "lib/clock.h"
#include "server/driver.h"
#include "server/notify.h"
#include "server/runtime.h"
#include "server/server.h"
#include "cli.h"

static int cmd_server_exec(struct cli_ctx *ctx, int argc, char **argv);

static const struct args_opt server_opts[] = {
	{ .name = "workspace",
	  .kind = ARGS_VALUE,
	  .arg = "DIR",
	  .help = "the workspace to serve (as the global --workspace)" },
	{ .name = "max-runs",
	  .kind = ARGS_VALUE,
	  .arg = "N",
	  .help = "how many runs may be active at once (default 4)" },
	{ .name = "max-artifact-size",
	  .kind = ARGS_VALUE,
	  .arg = "SIZE",
	  .help = "the largest artifact read: bytes, or with K, M or G (default 8M, or "
	          "$DEVFLOW_MAX_ARTIFACT_SIZE)" },
	{ .name = "self-check",
	  .kind = ARGS_VALUE,
	  .arg = "SECONDS",
	  .help = "how often to look for active runs nothing drives (default 30)" },
	{ 0 },
};

const struct cmd_entry cmd_server_entry = {
	.name = "server",
	.summary = "run the workspace's server in the foreground",
	.opts = server_opts,
	.exec = cmd_server_exec,
};

struct srv_state {
	struct runtime *rt;
	struct server *srv;
	struct loop *loop;
	int stopping;
	int failures; /* asynchronous step failures already logged */
	struct notify *notify;
};

static struct session *
sess_get(void *ctx, const char *id)
{
	struct srv_state *st = ctx;

	return driver_session(runtime_driver(st->rt), id);
}

/*
 * Agent CLI hook names (ours and Claude Code's) to the driver's kinds; the
 * CLI's conversation id, when it told one, goes on the session's row.
 */
static int
sess_hook(void *ctx, const char *id, const char *kind, const char *conversation, const char *detail,
          struct df_error *err)
{
	struct srv_state *st = ctx;
	enum driver_hook_kind k;

	if (strcmp(kind, "Stop") == 0 || strcmp(kind, "stop") == 0)
		k = DRIVER_HOOK_IDLE;
	else if (strcmp(kind, "Notification") == 0 || strcmp(kind, "notification") == 0)
		k = DRIVER_HOOK_NEEDS_INPUT;
	else if (strcmp(kind, "UserPromptSubmit") == 0)
		k = DRIVER_HOOK_BUSY;
	else if (driver_hook_kind_parse(kind, &k) != 0)
		return df_error_set(
		    err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		    "hook.event: unknown event '%s' (idle, busy, needs-input, Stop, "
		    "Notification, UserPromptSubmit)",
		    kind);
	if (conversation != NULL)
		engine_session_conversation(runtime_engine(st->rt), id, conversation);
	return driver_hook(runtime_driver(st->rt), id, k, detail, err);
}

static int
sess_answer(void *ctx, const char *id, const char *choice, const char *actor,
            struct server_answer *out, struct df_error *err)
{
	struct srv_state *st = ctx;
	struct driver_answer a;

	if (driver_answer(runtime_driver(st->rt), id, choice, actor, &a, err) != 0)
		return -1;
	out->choice = a.choice;
	out->label = a.label;
	out->question = a.question;
	return 0;
}

static const char *
sess_state(void *ctx, const char *id)
{
	struct srv_state *st = ctx;

	return driver_session_state(runtime_driver(st->rt), id);
}

static const struct server_session_ops sess_ops = {
	.get = sess_get, .hook = sess_hook, .answer = sess_answer, .state = sess_state
};

static void
on_event(const struct store_event *ev, void *ctx)
{
	struct srv_state *st = ctx;
	const struct df_error *f;
	int n = 0;

	if (st->srv == NULL)
		return;
	server_push_event(st->srv, ev);
	/* A step that failed (e.g. an agent that could not start) is worth a line. */
	if ((f = runtime_last_failure(st->rt, &n)) != NULL && n != st->failures) {
		st->failures = n;
		server_log(st->srv, "run %s: step failed: %s (%s)", ev->run_id, f->message,
		           df_code_name(f->code));
	}
}

static void
notify_log(void *ctx, const char *line)
{
	struct srv_state *st = ctx;

	if (st->srv != NULL)
		server_log(st->srv, "%s", line);
}

/* Notifications (notify.h) for every committed event, with its phase's key. */
static void
on_notify(const struct store_event *ev, void *ctx)
{
	struct srv_state *st = ctx;
	struct store_phase ph = { 0 };
	struct df_error err;
	int have;

	if (notify_commands(st->notify) == 0)
		return; /* no command configured: not even the phase's key to look up */
	have = ev->phase_id != NULL &&
	       store_phase_get(runtime_store(st->rt), ev->phase_id, &ph, &err) == 1;

	notify_event(st->notify, ev, have ? ph.phase_key : NULL, clock_wall_ms());
	if (have)
		store_phase_clear(&ph);
}

/*
 * The server's configuration file ($XDG_CONFIG_HOME/devflow/config): its
 * bad lines go to the log with file:line; the notifier takes what is good.
 * At start (how) it is made; on a reload (devflow reload, or the folder
 * changed) it takes the settings anew, or keeps its own when it cannot.
 */
static void
notify_load(struct srv_state *st, const char *how)
{
	char *dir = paths_config_dir(), *path = xasprintf("%s/config", dir);
	struct notify_config cfg;
	char **errors = NULL;
	size_t nerrors = 0;
	struct df_error err;
	int rc;

	notify_config_load(&cfg, path, NULL, &errors, &nerrors);
	for (size_t i = 0; i < nerrors; i++) {
		server_log(st->srv, "config: %s", errors[i]);
		free(errors[i]);
	}
	free(errors);
	if (st->notify == NULL) {
		st->notify = notify_new(st->loop, &cfg, notify_log, st, &err);
		rc = st->notify != NULL ? 0 : -1;
		if (rc == 0)
			runtime_on_event(st->rt, on_notify, st);
	} else {
		rc = notify_reconfigure(st->notify, &cfg, &err);
	}
	if (rc != 0)
		server_log(st->srv, "notifications %s: %s", st->notify ? "unchanged" : "off",
		           err.message);
	else if (cfg.ncommands > 0 || strcmp(how, "start") != 0)
		server_log(st->srv, "notifications (%s): %zu command(s) from %s", how,
		           cfg.ncommands, path);
	notify_config_clear(&cfg);
	free(path);
	free(dir);
}

static void
on_change(struct driver *d, const char *session_id, enum driver_change what, void *ctx)
{
	struct srv_state *st = ctx;

	(void)d;
	(void)what;
	if (st->srv != NULL)
		server_screen_changed(st->srv, session_id);
}

static void
on_stranded(const char *run_id, const char *state, const char *what, void *ctx)
{
	struct srv_state *st = ctx;

	if (st->srv != NULL)
		server_log(st->srv, "self-check: run %s (%s) had nothing driving it: %s", run_id,
		           state, what);
}

/* The first self-check, once the server serves (the engine's timer does the next ones). */
static void
first_self_check(struct loop *loop, void *arg)
{
	struct srv_state *st = arg;
	struct df_error err;

	(void)loop;
	if (engine_self_check(runtime_engine(st->rt), NULL, &err) != 0)
		server_log(st->srv, "self-check failed: %s", err.message);
}

static void
stop(struct srv_state *st, const char *why)
{
	if (st->stopping)
		return;
	st->stopping = 1;
	server_log(st->srv, "stopping: %s", why);
	server_stop_listening(st->srv);
	loop_stop(st->loop);
}

static void
on_signal(struct loop *loop, int signo, void *arg)
{
	(void)loop;
	stop(arg, strsignal(signo));
}

static void
on_shutdown(void *ctx)
{
	stop(ctx, "kill-server");
}

/* devflow reload: the runtime loads the catalog again. */
static int
on_reload(void *ctx, cJSON **result, struct df_error *err)
{
	struct srv_state *st = ctx;
	struct runtime_reload r;

	notify_load(st, "reload");
	if (runtime_reload(st->rt, &r, err) != 0)
		return -1;
	*result = result_reload_json(&(struct result_reload){
	    (int64_t)r.templates, (int64_t)r.personas, (int64_t)r.backends, (int64_t)r.available });
	return 0;
}

/* The runtime reloaded by itself (the configuration folder changed): the log says how it went. */
static void
on_auto_reload(const struct runtime_reload *r, const struct df_error *err, void *ctx)
{
	struct srv_state *st = ctx;

	if (st->srv == NULL)
		return;
	notify_load(st, "configuration changed");
	if (r == NULL)
		server_log(st->srv,
		           "configuration changed; reload failed, the catalog in use stays: %s",
		           err->message);
	else
		server_log(
		    st->srv,
		    "configuration changed; catalog reloaded: %zu templates, %zu personas, %zu "
		    "backends (%zu available)",
		    r->templates, r->personas, r->backends, r->available);
}

/*
 * A size: digits, then optionally K, M or G (powers of 1024, "KiB" and "B"
 * spellings too), from 1 byte to 1 GiB. 0 with *out, or -1.
 */
static int
parse_size(const char *s, size_t *out)
{
	unsigned long long v = 0, mult = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned long long)(*p - '0');
		if (v > (1ULL << 30))
			return -1;
	}
	if (*p == 'K' || *p == 'k')
		mult = 1ULL << 10;
	else if (*p == 'M' || *p == 'm')
		mult = 1ULL << 20;
	else if (*p == 'G' || *p == 'g')
		mult = 1ULL << 30;
	if (mult > 1) {
		p++;
		if (strcmp(p, "iB") == 0 || strcmp(p, "B") == 0)
			p += strlen(p);
	} else if (strcmp(p, "B") == 0) {
		p++;
	}
	if (*p != '\0' || v == 0 || v * mult > (1ULL << 30))
		return -1;
	*out = (size_t)(v * mult);
	return 0;
}

/* The options' values into *ro; 0, or the usage error's exit code. */
static int
server_options(struct cli_ctx *ctx, struct runtime_options *ro)
{
	const char *size_arg = args_get(ctx->args, "max-artifact-size");
	const char *runs_arg = args_get(ctx->args, "max-runs");
	const char *check_arg = args_get(ctx->args, "self-check");
	int from_env = 0;
	long long n;

	if (runs_arg != NULL) {
		if (cli_parse_count(runs_arg, 1, &n) != 0 || n > 1000)
			return cli_usage(ctx, &cmd_server_entry,
			                 "--max-runs '%s': expected a number from 1 to 1000",
			                 runs_arg);
		ro->max_concurrent_runs = (int)n;
	}
	if (check_arg != NULL) {
		if (cli_parse_count(check_arg, 1, &n) != 0 || n > 24 * 3600)
			return cli_usage(ctx, &cmd_server_entry,
			                 "--self-check '%s': expected seconds from 1 to 86400",
			                 check_arg);
		ro->self_check_ms = (int64_t)n * 1000;
	}
	if (size_arg == NULL && getenv("DEVFLOW_MAX_ARTIFACT_SIZE") != NULL &&
	    *getenv("DEVFLOW_MAX_ARTIFACT_SIZE") != '\0') {
		size_arg = getenv("DEVFLOW_MAX_ARTIFACT_SIZE");
		from_env = 1;
	}
	if (size_arg != NULL && parse_size(size_arg, &ro->max_artifact_bytes) != 0)
		return cli_usage(ctx, &cmd_server_entry,
		                 "%s '%s': expected a size from 1 byte to 1G (bytes, or a "
		                 "number with K, M or G)",
		                 from_env ? "$DEVFLOW_MAX_ARTIFACT_SIZE" : "--max-artifact-size",
		                 size_arg);
	return 0;
}

static int
cmd_server_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *ws_arg = ctx->workspace;
	struct srv_state st = { 0 };
	struct server_config cfg = { 0 };
	struct sock_lock lk = { -1, NULL };
	struct runtime_options ro = { .hooks = true }; /* the hook op below receives them */
	struct df_error err;
	char *ws, *logpath;
	int log_fd = -1, status = CLI_ERROR;

	(void)argc; /* the table takes no arguments */
	(void)argv;
	if (args_get(ctx->args, "workspace") != NULL)
		ws_arg = args_get(ctx->args, "workspace");
	if ((status = server_options(ctx, &ro)) != 0)
		return status;
	status = CLI_ERROR;
	ws = paths_workspace(ws_arg);
	if (ws[0] != '/') {
		char cwd[4096];
		char *abs;

		if (getcwd(cwd, sizeof(cwd)) == NULL) {
			df_error_set(&err, DF_FATAL, DF_E_IO, "getcwd: %s", strerror(errno));
			free(ws);
			return cli_fail(ctx, &err);
		}
		abs = xasprintf("%s/%s", cwd, ws);
		free(ws);
		ws = abs;
	}
	signal(SIGPIPE, SIG_IGN);
	if (sock_lock_acquire(ws, &lk, &err) != 0) {
		status = cli_fail(ctx, &err);
		free(ws);
		return status;
	}
	logpath = xasprintf("%s/server.log", ws);
	log_fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	free(logpath);
	if ((st.rt = runtime_new(ws, &ro, &err)) == NULL) {
		if (log_fd >= 0) {
			dprintf(log_fd, "devflow server %s: cannot start: %s\n", ws, err.message);
		}
		status = cli_fail(ctx, &err);
		goto out;
	}
	st.loop = runtime_loop(st.rt);
	runtime_on_event(st.rt, on_event, &st);
	runtime_on_stranded(st.rt, on_stranded, &st);
	driver_on_change(runtime_driver(st.rt), on_change, &st);
	cfg.workspace = ws;
	cfg.loop = st.loop;
	cfg.engine = runtime_engine(st.rt);
	cfg.store = runtime_store(st.rt);
	cfg.sessions = &sess_ops;
	cfg.sessions_ctx = &st;
	cfg.log_fd = log_fd;
	cfg.screen_notifications = 1;
	cfg.on_shutdown = on_shutdown;
	cfg.shutdown_ctx = &st;
	cfg.on_reload = on_reload;
	cfg.reload_ctx = &st;
	runtime_on_reload(st.rt, on_auto_reload, &st);
	if (runtime_recover(st.rt, &err) != 0) {
		status = cli_fail(ctx, &err);
		goto out;
	}
	if ((st.srv = server_new(&cfg, &err)) == NULL) {
		status = cli_fail(ctx, &err);
		goto out;
	}
	server_log(st.srv, "devflow %s server started on workspace %s", PACKAGE_VERSION, ws);
	notify_load(&st, "start");
	loop_timer_add(st.loop, 0, first_self_check, &st);
	if (loop_signal_add(st.loop, SIGTERM, on_signal, &st, &err) == 0 ||
	    loop_signal_add(st.loop, SIGINT, on_signal, &st, &err) == 0 ||
	    loop_signal_add(st.loop, SIGHUP, on_signal, &st, &err) == 0) {
		status = cli_fail(ctx, &err);
		goto out;
	}
	if (loop_run(st.loop, &err) != 0) {
		server_log(st.srv, "loop failed: %s", err.message);
		status = cli_fail(ctx, &err);
	} else {
		status = CLI_OK;
	}
out:
	if (st.srv != NULL) {
		server_log(st.srv, "server stopped");
		notify_free(st.notify);
		server_free(st.srv);
		st.srv = NULL;
	}
	runtime_free(st.rt);
	if (log_fd >= 0)
		close(log_fd);
	sock_lock_release(&lk);
	free(ws);
	return status;
}
