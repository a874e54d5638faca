/*
 * `devflow demo [--headless] [--auto-approve] [--timeout SECONDS]`: a
 * guided first run that needs nothing but the build. It creates a tiny
 * shell project as a git repository (with libgit2) and a requirements file
 * under <workspace>/demo/, starts a run of the development template with
 * every role bound to the bundled fake agent, and follows it: events as they
 * happen, and at each gate a question — approve, request changes (with a
 * comment for the agent) or reject. With --auto-approve every gate is
 * approved; with --headless nothing is asked (without --auto-approve the
 * run is left waiting for a person and its id printed). At the end it
 * prints where the report is. Exit 0 when the run completed, 1 when it
 * failed or was aborted or the time ran out.
 *
 * In a terminal (and without --headless, --auto-approve or --json) the demo
 * opens the TUI on the sample run instead: the gates are decided there, and
 * quitting the TUI leaves the run going. So does a headless TUI script
 * (DEVFLOW_TUI_SCRIPT, see tui/tui.h).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "lib/clock.h"
#include "lib/json.h"
#include "lib/paths.h"
#include "lib/xalloc.h"
#include "tui/tui.h"
#include "cli.h"
#include "verb.h"

static int cmd_demo_exec(struct cli_ctx *ctx, int argc, char **argv);

static const struct args_opt demo_opts[] = {
	{ .name = "headless",
	  .kind = ARGS_FLAG,
	  .help = "no TUI: print the run's progress and wait for it to end" },
	{ .name = "auto-approve", .kind = ARGS_FLAG, .help = "approve each gate as it opens" },
	{ .name = "timeout",
	  .kind = ARGS_VALUE,
	  .arg = "SECONDS",
	  .help = "without the TUI, give up waiting after this long (default 600)" },
	{ 0 },
};

const struct cmd_entry cmd_demo_entry = {
	.name = "demo",
	.summary = "try devflow: a sample repository, a run with the fake agent",
	.opts = demo_opts,
	.exec = cmd_demo_exec,
};

static const char greet_sh[] = "#!/bin/sh\n"
                               "# greet.sh: print a greeting for each name given.\n"
                               "for name in \"$@\"; do\n"
                               "\techo \"Hello, $name!\"\n"
                               "done\n";

static const char test_sh[] =
    "#!/bin/sh\n"
    "# test.sh: the project's tests.\n"
    "set -e\n"
    "out=$(./greet.sh World)\n"
    "[ \"$out\" = \"Hello, World!\" ] || { echo \"got: $out\"; exit 1; }\n"
    "echo ok\n";

static const char readme_md[] = "# greeter\n\n"
                                "A tiny shell project for the devflow demo.\n\n"
                                "    ./greet.sh Ada Grace\n    ./test.sh\n";

static const char requirements_md[] =
    "# Greet in several languages\n\n"
    "`greet.sh` only says \"Hello\". Add a `--lang` option (`en`, `fr`, `de`;\n"
    "default `en`) so that `./greet.sh --lang fr Ada` prints `Bonjour, Ada!`.\n\n"
    "## Acceptance\n\n"
    "- `./test.sh` passes and covers the three languages.\n"
    "- An unknown language prints an error on stderr and exits 2.\n"
    "- The README documents the option.\n";

static int
write_file(const char *dir, const char *name, const char *text, int mode, struct df_error *err)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		df_error_set(err, DF_FATAL, DF_E_IO, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	chmod(path, (mode_t)mode);
	free(path);
	return 0;
}

static int
git_fail(const char *what, struct df_error *err)
{
	const git_error *e = git_error_last();

	return df_error_set(err, DF_FATAL, DF_E_GIT, "demo repository: %s: %s", what,
	                    e != NULL ? e->message : "unknown error");
}

/* A repository at dir with one commit on main holding the sample project. */
static int
make_repo(const char *dir, struct df_error *err)
{
	git_repository_init_options o;
	git_repository *repo = NULL;
	git_index *idx = NULL;
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	git_oid tree_id, commit_id;
	int rc = -1;

	if (write_file(dir, "greet.sh", greet_sh, 0755, err) != 0 ||
	    write_file(dir, "test.sh", test_sh, 0755, err) != 0 ||
	    write_file(dir, "README.md", readme_md, 0644, err) != 0)
		return -1;
	git_repository_init_options_init(&o, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	o.flags = GIT_REPOSITORY_INIT_MKPATH;
	o.initial_head = "main";
	if (git_repository_init_ext(&repo, dir, &o) != 0) {
		git_fail("init", err);
		goto out;
	}
	if (git_repository_index(&idx, repo) != 0 || git_index_add_bypath(idx, "greet.sh") != 0 ||
	    git_index_add_bypath(idx, "test.sh") != 0 ||
	    git_index_add_bypath(idx, "README.md") != 0 || git_index_write(idx) != 0 ||
	    git_index_write_tree(&tree_id, idx) != 0) {
		git_fail("index", err);
		goto out;
	}
	if (git_tree_lookup(&tree, repo, &tree_id) != 0 ||
	    git_signature_now(&sig, "devflow demo", "demo@devflow.invalid") != 0 ||
	    git_commit_create_v(&commit_id, repo, "HEAD", sig, sig, NULL, "greeter: first version",
	                        tree, 0) != 0) {
		git_fail("commit", err);
		goto out;
	}
	rc = 0;
out:
	git_signature_free(sig);
	git_tree_free(tree);
	git_index_free(idx);
	git_repository_free(repo);
	return rc;
}

/* <workspace>/demo/greeter-<time>/{repo,requirements.md}; *dir_out (caller frees). */
static int
make_demo(const struct cli_ctx *ctx, char **dir_out, struct df_error *err)
{
	char *ws = verb_workspace(ctx), *dir, *repo;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int rc = -1;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	dir = xasprintf("%s/demo/greeter-%s-%ld", ws, stamp, (long)getpid());
	repo = xasprintf("%s/repo", dir);
	if (paths_mkdir_p(repo, 0700) != 0) {
		df_error_set(err, DF_FATAL, DF_E_WORKSPACE_PERMISSIONS, "%s: %s", repo,
		             strerror(errno));
	} else if (write_file(dir, "requirements.md", requirements_md, 0644, err) == 0) {
		git_libgit2_init();
		rc = make_repo(repo, err);
		git_libgit2_shutdown();
	}
	free(repo);
	free(ws);
	if (rc == 0)
		*dir_out = dir;
	else
		free(dir);
	return rc;
}

/* ------------------------------------------------------------------------ */

struct demo {
	const struct cli_ctx *ctx;
	struct client *c;
	char run_id[64];
	int headless, auto_approve;
	int quiet; /* --json: no progress on stdout */
};

static const char *
describe(const char *type, const cJSON *pl)
{
	static char line[512];
	const char *phase = json_str(pl, "phaseKey", json_str(pl, "phase", ""));

	if (strcmp(type, "phase.started") == 0)
		snprintf(line, sizeof(line), "phase %s started (%s)", phase,
		         json_str(pl, "roleId", "agent"));
	else if (strcmp(type, "phase.completed") == 0)
		snprintf(line, sizeof(line), "phase %s completed", phase);
	else if (strcmp(type, "artifact.validated") == 0)
		snprintf(line, sizeof(line), "artifact %s is valid", json_str(pl, "path", ""));
	else if (strcmp(type, "artifact.invalid") == 0)
		snprintf(line, sizeof(line), "artifact %s is invalid: a repair prompt goes back",
		         json_str(pl, "path", ""));
	else if (strcmp(type, "approval.requested") == 0)
		snprintf(line, sizeof(line), "gate %s: waiting for a person",
		         json_str(pl, "gateKey", ""));
	else if (strcmp(type, "approval.resolved") == 0)
		snprintf(line, sizeof(line), "gate decided: %s", json_str(pl, "action", ""));
	else
		snprintf(line, sizeof(line), "%s", type);
	return line;
}

static int
ask(const char *question, char *answer, size_t size)
{
	printf("%s", question);
	fflush(stdout);
	if (fgets(answer, (int)size, stdin) == NULL)
		return -1;
	answer[strcspn(answer, "\r\n")] = '\0';
	return 0;
}

static int
decide(struct demo *d, const char *action, const char *comment, struct df_error *err)
{
	cJSON *args = cJSON_CreateObject(), *res = NULL;
	char token[37];
	int rc;

	verb_token(token);
	cJSON_AddStringToObject(args, "run", d->run_id);
	cJSON_AddStringToObject(args, "action", action);
	cJSON_AddStringToObject(args, "token", token);
	if (comment != NULL)
		cJSON_AddStringToObject(args, "comment", comment);
	rc = client_call(d->c, "decide", args, &res, err);
	cJSON_Delete(args);
	if (rc == 0 && !d->quiet)
		printf("  -> %s by %s\n", action, json_str(res, "actor", "?"));
	cJSON_Delete(res);
	return rc;
}

/* A gate: returns 0 when decided, 1 when left for a person, -1 with err. */
static int
gate(struct demo *d, struct df_error *err)
{
	char answer[1024];

	if (d->auto_approve)
		return decide(d, "approve", NULL, err);
	if (d->headless || !isatty(STDIN_FILENO))
		return 1;
	for (;;) {
		if (ask("  [a]pprove, request [c]hanges, [r]eject, or [q]uit and decide later? ",
		        answer, sizeof(answer)) != 0)
			return 1;
		/* One letter or the word: "cPlease…" is not a choice. */
		if (strlen(answer) > 1 && strcmp(answer, "approve") != 0 &&
		    strcmp(answer, "changes") != 0 && strcmp(answer, "reject") != 0 &&
		    strcmp(answer, "quit") != 0) {
			printf("  answer a, c, r or q\n");
			continue;
		}
		switch (answer[0]) {
		case 'a':
			return decide(d, "approve", NULL, err);
		case 'r':
			return decide(d, "reject", NULL, err);
		case 'q':
			return 1;
		case 'c':
			if (ask("  comment for the agent: ", answer, sizeof(answer)) != 0)
				return 1;
			if (answer[0] == '\0') {
				printf("  a change request needs a comment\n");
				continue;
			}
			return decide(d, "request_changes", answer, err);
		default:
			printf("  answer a, c, r or q\n");
			break;
		}
	}
}

static int
follow(struct demo *d, int timeout_s, char *state, size_t state_size, struct df_error *err)
{
	int64_t deadline = clock_mono_ms() + (int64_t)timeout_s * 1000, last = 0;
	cJSON *args;

	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "topic", "events");
	cJSON_AddStringToObject(args, "run_id", d->run_id);
	if (client_call(d->c, "subscribe", args, NULL, err) != 0) {
		cJSON_Delete(args);
		return -1;
	}
	cJSON_Delete(args);
	/* Subscribed first, so no event is missed between the log and the pushes. */
	for (;;) {
		cJSON *res = NULL;
		struct result_events evs;
		int pending_gate = 0, ended = 0, rc;

		args = cJSON_CreateObject();
		cJSON_AddStringToObject(args, "run", d->run_id);
		cJSON_AddNumberToObject(args, "after_seq", (double)last);
		rc = client_call(d->c, "events", args, &res, err);
		cJSON_Delete(args);
		if (rc != 0)
			return -1;
		if (result_events_parse(res, &evs, err) != 0) {
			result_events_free(&evs);
			cJSON_Delete(res);
			return -1;
		}
		for (size_t i = 0; i < evs.nevents; i++) {
			const char *type = evs.events[i].type;

			last = evs.events[i].seq;
			if (!d->quiet)
				printf("  %s\n", describe(type, evs.events[i].payload));
			if (strcmp(type, "approval.requested") == 0)
				pending_gate = 1;
			else if (strcmp(type, "approval.resolved") == 0)
				pending_gate = 0;
			if (strcmp(type, "run.completed") == 0 || strcmp(type, "run.failed") == 0 ||
			    strcmp(type, "run.aborted") == 0)
				ended = 1;
		}
		snprintf(state, state_size, "%s", evs.state);
		result_events_free(&evs);
		cJSON_Delete(res);
		fflush(stdout);
		if (ended)
			return 0;
		if (pending_gate && strcmp(state, "awaiting_approval") == 0) {
			rc = gate(d, err);
			if (rc != 0)
				return rc;
			continue;
		}
		/* Wait for the next pushed event (or the deadline). */
		for (;;) {
			struct proto_msg m;
			struct pollfd p = { client_fd(d->c), client_poll_events(d->c), 0 };
			int64_t left = deadline - clock_mono_ms(), got = 0;

			while (client_pop(d->c, &m) == 1) {
				got |= m.kind == PROTO_MSG_EVENT;
				proto_msg_clear(&m);
			}
			if (got)
				break;
			if (left <= 0) {
				df_error_set(
				    err, DF_RETRYABLE, DF_E_PHASE_TIMEOUT,
				    "the demo run %s did not finish within %d s (state %s)",
				    d->run_id, timeout_s, state);
				df_error_hint(err, "see `devflow status %s`", d->run_id);
				return -1;
			}
			if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
				return df_error_set(err, DF_FATAL, DF_E_IO, "poll: %s",
				                    strerror(errno));
			if (p.revents && client_handle(d->c, p.revents, err) != 0)
				return -1;
		}
	}
}

/* The ended run's report: where it is, as text or JSON. Returns the exit code. */
static int
demo_report(const struct cli_ctx *ctx, struct demo *d, const char *state)
{
	cJSON *args = cJSON_CreateObject(), *res = NULL;
	struct result_report rep;
	struct df_error err;
	int r;

	cJSON_AddStringToObject(args, "run", d->run_id);
	r = client_call(d->c, "report", args, &res, &err);
	cJSON_Delete(args);
	if (r != 0 || result_report_parse(res, &rep, &err) != 0) {
		cJSON_Delete(res);
		return cli_fail(ctx, &err);
	}
	if (ctx->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "runId", d->run_id);
		cJSON_AddStringToObject(o, "state", state);
		cJSON_AddItemToObject(o, "markdownPath", json_str_or_null(rep.markdown_path));
		cJSON_AddItemToObject(o, "jsonPath", json_str_or_null(rep.json_path));
		cli_print_json(o);
	} else {
		printf("run %s %s\nreport: %s\n", d->run_id, state,
		       rep.markdown_path ? rep.markdown_path : "");
	}
	cJSON_Delete(res);
	return strcmp(state, "completed") == 0 ? CLI_OK : CLI_ERROR;
}

static int
cmd_demo_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct demo d = { 0 };
	struct df_error err;
	char *dir = NULL, *req_path = NULL, *repo = NULL, *req = NULL;
	cJSON *args, *res = NULL, *b;
	char state[64] = "";
	const char *timeout_arg = args_get(ctx->args, "timeout");
	long long timeout_s = 600;
	int rc = CLI_ERROR, r;

	d.ctx = ctx;
	d.quiet = ctx->json;
	(void)argc; /* the table takes no arguments */
	(void)argv;
	d.headless = args_has(ctx->args, "headless");
	d.auto_approve = args_has(ctx->args, "auto-approve");
	if (timeout_arg != NULL &&
	    (cli_parse_count(timeout_arg, 1, &timeout_s) != 0 || timeout_s > 24 * 3600))
		return cli_usage(ctx, &cmd_demo_entry,
		                 "--timeout '%s': expected a number of seconds from 1 to 86400",
		                 timeout_arg);
	if (make_demo(ctx, &dir, &err) != 0)
		return cli_fail(ctx, &err);
	req_path = xasprintf("%s/requirements.md", dir);
	repo = xasprintf("%s/repo", dir);
	if (!d.quiet)
		printf("demo project: %s\nrequirements: %s\n", repo, req_path);
	if ((d.c = verb_connect(ctx, 1, &err)) == NULL) {
		rc = cli_fail(ctx, &err);
		goto out;
	}
	req = verb_read_file(req_path, &err);
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "requirements", req != NULL ? req : "");
	cJSON_AddStringToObject(args, "repo", repo);
	cJSON_AddStringToObject(args, "base", "main");
	cJSON_AddStringToObject(args, "template", "development");
	b = cJSON_AddObjectToObject(args, "backends");
	cJSON_AddStringToObject(b, "planner", "fake");
	cJSON_AddStringToObject(b, "implementer", "fake");
	cJSON_AddStringToObject(b, "reviewer", "fake");
	r = client_call(d.c, "start", args, &res, &err);
	cJSON_Delete(args);
	if (r != 0) {
		rc = cli_fail(ctx, &err);
		goto out;
	}
	{
		struct result_start st;

		if (result_start_parse(res, &st, &err) != 0) {
			rc = cli_fail(ctx, &err);
			goto out;
		}
		snprintf(d.run_id, sizeof(d.run_id), "%s", st.run_id);
	}
	cJSON_Delete(res);
	res = NULL;
	if (!d.quiet)
		printf("run %s started with the fake agent\n", d.run_id);
	/* In a terminal the demo is the TUI on the sample run (q detaches; the run goes on). */
	if (!d.headless && !d.auto_approve && !ctx->json &&
	    ((isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) ||
	     getenv("DEVFLOW_TUI_SCRIPT") != NULL)) {
		client_free(d.c);
		d.c = NULL;
		rc = tui_main(ctx->workspace, ctx->server_uid_set ? &ctx->server_uid : NULL,
		              d.run_id) == 0
		         ? CLI_OK
		         : CLI_ERROR;
		goto out;
	}
	r = follow(&d, (int)timeout_s, state, sizeof(state), &err);
	if (r < 0) {
		rc = cli_fail(ctx, &err);
		goto out;
	}
	if (r == 1) {
		if (ctx->json) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "runId", d.run_id);
			cJSON_AddStringToObject(o, "state", state);
			cli_print_json(o);
		} else {
			printf("run %s waits for you: devflow approve %s (or changes, reject)\n",
			       d.run_id, d.run_id);
		}
		rc = CLI_CONFLICT;
		goto out;
	}
	rc = demo_report(ctx, &d, state);
out:
	cJSON_Delete(res);
	client_free(d.c);
	free(req);
	free(dir);
	free(req_path);
	free(repo);
	return rc;
}
