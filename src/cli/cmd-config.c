/*
 * `devflow config`: the effective configuration, each value with where it
 * came from (a flag, an environment variable, a file of the configuration
 * folder, or the default), so "which workspace? which keys.conf? whose
 * backends?" has one answer. With --json an object of {value, source}.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/paths.h"
#include "server/notify.h"
#include "lib/xalloc.h"
#include "cli.h"
#include "verb.h"

static int cmd_config_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_config_entry = {
	.name = "config",
	.summary = "print the effective configuration and where each value comes from",
	.exec = cmd_config_exec,
};

/* One line (or one member of o): name, value, source. */
static void
item(cJSON *o, const char *name, const char *value, const char *source)
{
	if (o != NULL) {
		cJSON *it = cJSON_CreateObject();

		cJSON_AddStringToObject(it, "value", value);
		cJSON_AddStringToObject(it, "source", source);
		cJSON_AddItemToObject(o, name, it);
	} else {
		printf("%-18s %s\n%-18s %s%s\n", name, value, "",
		       strncmp(source, "absent", 6) == 0 ? "" : "from ", source);
	}
}

/* A file or folder of the configuration folder: the path, and whether it is there. */
static void
config_path(cJSON *o, const char *name, const char *dir, const char *file, const char *absent)
{
	char *path = xasprintf("%s/%s", dir, file), *source;
	struct stat st;

	if (stat(path, &st) != 0) {
		source = xasprintf("absent: %s", absent);
	} else if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		int n = 0;

		while (d != NULL && (e = readdir(d)) != NULL)
			n += strlen(e->d_name) > 5 &&
			     strcmp(e->d_name + strlen(e->d_name) - 5, ".json") == 0;
		if (d != NULL)
			closedir(d);
		source =
		    xasprintf("the configuration folder (%d .json file%s)", n, n == 1 ? "" : "s");
	} else {
		source = xstrdup("the configuration folder");
	}
	item(o, name, path, source);
	free(source);
	free(path);
}

/*
 * The server's settings from the configuration file (notifications), each
 * from the file or its default. Bad lines are items of their own, as the
 * server would skip them.
 */
static void
config_file(cJSON *o, const char *dir)
{
	char *path = xasprintf("%s/config", dir), **errors = NULL;
	char num[32];
	struct notify_config nc;
	size_t nerrors = 0;

	config_path(o, "config", dir, "config", "no notifications, the defaults below");
	notify_config_load(&nc, path, NULL, &errors, &nerrors);
	for (size_t i = 0; i < nc.ncommands; i++) {
		char name[40];

		snprintf(name, sizeof(name),
		         nc.ncommands > 1 ? "notify-command-%zu" : "notify-command", i + 1);
		item(o, name, nc.commands[i], path);
	}
	if (nc.ncommands == 0)
		item(o, "notify-command", "(none)", "default: no notifications");
	snprintf(num, sizeof(num), "%d s",
	         (nc.timeout_ms ? nc.timeout_ms : NOTIFY_DEFAULT_TIMEOUT_MS) / 1000);
	item(o, "notify-timeout", num, nc.timeout_ms ? path : "default");
	snprintf(num, sizeof(num), "%d a minute a run",
	         nc.rate_per_min ? nc.rate_per_min : NOTIFY_DEFAULT_RATE);
	item(o, "notify-rate", num, nc.rate_per_min ? path : "default");
	for (size_t i = 0; i < nerrors; i++) {
		char name[40];

		snprintf(name, sizeof(name), "config-error-%zu", i + 1);
		item(o, name, errors[i], "the server, which skips this line");
		free(errors[i]);
	}
	free(errors);
	notify_config_clear(&nc);
	free(path);
}

static int
cmd_config_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	cJSON *o = ctx->json ? cJSON_CreateObject() : NULL;
	char *ws = verb_workspace(ctx), *cfg = paths_config_dir(), uid[32];
	const char *size = getenv("DEVFLOW_MAX_ARTIFACT_SIZE");

	(void)argc; /* the table takes no arguments */
	(void)argv;
	item(o, "workspace", ws, paths_workspace_origin(ctx->workspace));
	snprintf(uid, sizeof(uid), "%lu",
	         (unsigned long)(ctx->server_uid_set ? ctx->server_uid : getuid()));
	item(o, "server-uid", uid, ctx->server_uid_set ? "--server-uid" : "default (your own uid)");
	item(o, "config-dir", cfg, paths_config_dir_origin());
	config_path(o, "keys", cfg, "keys.conf", "the built-in key bindings");
	config_file(o, cfg);
	config_path(o, "templates", cfg, "templates", "only the built-in templates");
	config_path(o, "personas", cfg, "personas", "only the built-in personas");
	config_path(o, "backends", cfg, "backends", "only the built-in backends");
	item(o, "share-dir", paths_share_dir(), paths_share_dir_origin());
	if (size != NULL && *size != '\0')
		item(o, "max-artifact-size", size, "$DEVFLOW_MAX_ARTIFACT_SIZE");
	else
		item(o, "max-artifact-size", "8M", "default (devflow server --max-artifact-size)");
	if (o != NULL)
		cli_print_json(o);
	free(ws);
	free(cfg);
	return CLI_OK;
}
