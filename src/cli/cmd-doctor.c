/*
 * `devflow doctor`: what devflow depends on and what state it is in — the
 * libraries' runtime versions (SQLite, cJSON, libgit2, OpenSSL; libvterm's
 * as built), tmux and git, which agent CLIs are installed (with the install
 * hint of each missing one), where the data and programs are found, and the
 * workspace, its socket and its server (it never starts one). Exit 0 when
 * everything needed to run is there (agent CLIs are optional: the fake
 * agent is enough), else 1.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <git2.h>
#include <openssl/crypto.h>
#include <vterm.h>

#include "engine/catalog.h"
#include "lib/json.h"
#include "lib/paths.h"
#include "lib/xalloc.h"
#include "proto/sock.h"
#include "store/store.h"
#include "cli.h"
#include "verb.h"

static int cmd_doctor_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_doctor_entry = {
	.name = "doctor",
	.summary = "check dependencies, agent CLIs, workspace and server",
	.exec = cmd_doctor_exec,
};

/* First line of a command's output, or NULL when it cannot run. Caller frees. */
static char *
first_line(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char line[256] = "";
	size_t n;
	int st;

	if (p == NULL)
		return NULL;
	if (fgets(line, sizeof(line), p) == NULL)
		line[0] = '\0';
	st = pclose(p);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return st == 0 && n > 0 ? xstrdup(line) : NULL;
}

struct report {
	const struct cli_ctx *ctx;
	cJSON *root, *section;
	int problems;
};

static void
section(struct report *r, const char *name)
{
	if (r->ctx->json)
		r->section = cJSON_AddObjectToObject(r->root, name);
	else
		printf("\n%s:\n", name);
}

/* One item: ok (1), missing (0, counts as a problem when needed), with a value or hint. */
static void
item(struct report *r, const char *name, const char *value, int ok, int needed, const char *hint)
{
	if (!ok && needed)
		r->problems++;
	if (r->ctx->json) {
		cJSON *o = cJSON_AddObjectToObject(r->section, name);

		cJSON_AddBoolToObject(o, "ok", ok);
		if (value != NULL)
			cJSON_AddStringToObject(o, "value", value);
		if (!ok && hint != NULL)
			cJSON_AddStringToObject(o, "hint", hint);
		return;
	}
	printf("  %-4s %-16s %s\n",
	       ok       ? "ok"
	       : needed ? "FAIL"
	                : "--",
	       name, value != NULL ? value : "not found");
	if (!ok && hint != NULL)
		printf("       %-16s %s\n", "", hint);
}

static void
check_libraries(struct report *r)
{
	char v[128];
	int maj, min, rev;

	section(r, "libraries");
	item(r, "sqlite", store_library_version(), 1, 1, NULL);
	item(r, "cjson", cJSON_Version(), 1, 1, NULL);
	git_libgit2_version(&maj, &min, &rev);
	snprintf(v, sizeof(v), "%d.%d.%d", maj, min, rev);
	item(r, "libgit2", v, 1, 1, NULL);
	item(r, "openssl", OpenSSL_version(OPENSSL_VERSION), 1, 1, NULL);
	snprintf(v, sizeof(v), "%d.%d (as built; libvterm has no runtime version)",
	         VTERM_VERSION_MAJOR, VTERM_VERSION_MINOR);
	/* vterm_check_version aborts on a mismatch; reaching the next line means it holds. */
	vterm_check_version(VTERM_VERSION_MAJOR, VTERM_VERSION_MINOR);
	item(r, "libvterm", v, 1, 1, NULL);
}

static void
check_tools(struct report *r)
{
	char *tmux = first_line("tmux -V 2>/dev/null"),
	     *git = first_line("git --version 2>/dev/null");
	char *fake = xasprintf("%s/devflow-fake-agent", paths_bin_dir());

	section(r, "tools");
	item(r, "git", git, git != NULL, 1, "install git (apt-get install git)");
	item(r, "tmux", tmux, tmux != NULL, 0,
	     "optional: the attach tests and tmux users need it (apt-get install tmux)");
	item(r, "fake agent", fake, access(fake, X_OK) == 0, 1,
	     "devflow-fake-agent belongs beside devflow: rebuild or reinstall");
	free(tmux);
	free(git);
	free(fake);
}

static void
check_agents(struct report *r)
{
	struct store_catalog_entry *v = NULL;
	struct df_error err;
	size_t n = 0;

	section(r, "agent CLIs");
	if (catalog_snapshot(STORE_CATALOG_BACKEND, &v, &n, &err) != 0) {
		item(r, "catalog", err.message, 0, 1, "check data/backends and your config dir");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		cJSON *def = cJSON_Parse(v[i].definition);
		const char *cmd = catalog_backend_command(def);
		char *found = catalog_which(cmd);
		char *val = found != NULL ? xasprintf("%s (%s)", cmd, found) : NULL;

		item(r, v[i].name, val, found != NULL, 0, json_str(def, "install", NULL));
		free(val);
		free(found);
		cJSON_Delete(def);
	}
	store_catalog_entries_free(v, n);
}

static void
check_workspace(struct report *r)
{
	char *ws = verb_workspace(r->ctx), *sockp, *share = xstrdup(paths_share_dir());
	struct df_error err;
	struct stat st;
	pid_t owner;

	section(r, "workspace");
	item(r, "share dir", share, stat(share, &st) == 0, 1, "set DEVFLOW_SHARE_DIR");
	item(r, "bin dir", paths_bin_dir(), 1, 1, NULL);
	if (stat(ws, &st) == 0) {
		char *v = xasprintf("%s (mode %03o%s)", ws, (unsigned)st.st_mode & 0777,
		                    st.st_uid == getuid() ? "" : ", owned by another user");

		item(r, "workspace", v, st.st_uid == getuid(), 1,
		     "the workspace must belong to you; use --workspace");
		free(v);
	} else {
		char *v = xasprintf("%s (not created yet: the first run makes it)", ws);

		item(r, "workspace", v, 1, 0, NULL);
		free(v);
	}
	sockp = sock_path(ws, &err);
	item(r, "socket", sockp != NULL ? sockp : err.message, sockp != NULL, 1,
	     "the socket path is too long: use a shorter --workspace");
	owner = sock_lock_owner(ws);
	if (owner > 0) {
		struct client *c = verb_connect(r->ctx, 0, &err);
		char *v;

		if (c != NULL) {
			v = xasprintf("running, pid %ld, answering", (long)client_server_pid(c));
			item(r, "server", v, 1, 1, NULL);
			client_free(c);
		} else {
			v = xasprintf("pid %ld holds the lock but does not answer: %s", (long)owner,
			              err.message);
			item(r, "server", v, 0, 1,
			     "stop it (kill the pid); the next client restarts it");
		}
		free(v);
	} else {
		item(r, "server", "not running (the next client starts it)", 1, 0, NULL);
	}
	free(sockp);
	free(share);
	free(ws);
}

static int
cmd_doctor_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct report r = { ctx, NULL, NULL, 0 };

	(void)argc; /* the table takes no arguments */
	(void)argv;
	r.root = cJSON_CreateObject();
	if (!ctx->json)
		printf("devflow %s\n", PACKAGE_VERSION);
	check_libraries(&r);
	check_tools(&r);
	check_agents(&r);
	check_workspace(&r);
	if (ctx->json) {
		cJSON_AddNumberToObject(r.root, "problems", r.problems);
		cli_print_json(r.root);
	} else {
		cJSON_Delete(r.root);
		printf("\n%s\n", r.problems == 0 ? "everything devflow needs is here"
		                                 : "some things devflow needs are missing (FAIL)");
	}
	return r.problems == 0 ? CLI_OK : CLI_ERROR;
}
