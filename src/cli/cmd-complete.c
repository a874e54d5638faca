/*
 * `devflow complete WHAT [VERB]`: what the shell completion (data/
 * completions/) offers, one word a line, read from the same tables the
 * verbs are parsed with, so the completion cannot drift from them: `verbs`;
 * `options VERB` (each spelling, with its value's name after a space: the
 * completion completes values by that name); `args VERB` (the positional
 * arguments' names, RUN, SESSION, FILE..., a last one ending in "...");
 * `global` (the options before the verb); and the names a value can be:
 * `runs` and `sessions` (ids, from a running server: a completion never
 * starts one), `templates`, `personas`, `backends` (the catalog). Hidden
 * from the help: it is for scripts. Always exits 0: a completion that
 * finds nothing offers nothing.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "engine/catalog.h"
#include "cli.h"
#include "verb.h"

static int cmd_complete_exec(struct cli_ctx *ctx, int argc, char **argv);

static const struct args_pos complete_args[] = {
	{ .name = "WHAT",
	  .kind = ARGS_REQUIRED,
	  .help = "verbs, options, args, global, runs, sessions, templates, personas or backends" },
	{ .name = "VERB", .kind = ARGS_OPTIONAL, .help = "the verb, for options and args" },
	{ 0 },
};

const struct cmd_entry cmd_complete_entry = {
	.name = "complete",
	.summary = "print what the shell completion offers",
	.args = complete_args,
	.hidden = 1,
	.exec = cmd_complete_exec,
};

/* Each spelling of each option, with its value's name; -h and --help are every verb's. */
static void
print_opts(const struct args_opt *opts)
{
	for (size_t k = 0; opts != NULL && (opts[k].name != NULL || opts[k].short_name); k++) {
		const char *arg = opts[k].arg;

		if (opts[k].name != NULL)
			printf("--%s%s%s\n", opts[k].name, arg ? " " : "", arg ? arg : "");
		if (opts[k].short_name != 0)
			printf("-%c%s%s\n", opts[k].short_name, arg ? " " : "", arg ? arg : "");
	}
	printf("--help\n-h\n");
}

static void
print_catalog(enum store_catalog_kind kind)
{
	struct store_catalog_entry *v;
	struct df_error err;
	size_t n;

	if (catalog_snapshot(kind, &v, &n, &err) != 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(v[i].name, v[i - 1].name) != 0)
			printf("%s\n", v[i].name);
	store_catalog_entries_free(v, n);
}

/* The ids of the runs or sessions of a running server (none started). */
static void
print_ids(const struct cli_ctx *ctx, int sessions)
{
	struct df_error err;
	struct client *c = verb_connect(ctx, 0, &err);
	cJSON *res = NULL;

	if (c == NULL)
		return;
	if (client_call(c, sessions ? "sessions" : "ls", NULL, &res, &err) == 0) {
		if (sessions) {
			struct result_sessions sl;

			if (result_sessions_parse(res, &sl, &err) == 0)
				for (size_t i = 0; i < sl.nsessions; i++)
					printf("%s\n", sl.sessions[i].id);
			result_sessions_free(&sl);
		} else {
			struct result_ls ls;

			if (result_ls_parse(res, &ls, &err) == 0)
				for (size_t i = 0; i < ls.nruns; i++)
					printf("%s\n", ls.runs[i].id);
			result_ls_free(&ls);
		}
	}
	cJSON_Delete(res);
	client_free(c);
}

static int
cmd_complete_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *what = argv[1];
	const struct cmd_entry *cmd = argc > 2 ? cli_find(argv[2]) : NULL;

	if (strcmp(what, "verbs") == 0) {
		for (size_t i = 0; cli_commands[i] != NULL; i++)
			if (!cli_commands[i]->hidden)
				printf("%s\n", cli_commands[i]->name);
	} else if (strcmp(what, "global") == 0) {
		print_opts(cli_global_opts);
	} else if (strcmp(what, "options") == 0 && cmd != NULL) {
		print_opts(cmd->opts);
	} else if (strcmp(what, "args") == 0 && cmd != NULL) {
		for (size_t p = 0; cmd->args != NULL && cmd->args[p].name != NULL; p++)
			printf("%s%s\n", cmd->args[p].name,
			       cmd->args[p].kind == ARGS_REST ? "..." : "");
	} else if (strcmp(what, "runs") == 0 || strcmp(what, "sessions") == 0) {
		print_ids(ctx, what[0] == 's');
	} else if (strcmp(what, "templates") == 0) {
		print_catalog(STORE_CATALOG_TEMPLATE);
	} else if (strcmp(what, "personas") == 0) {
		print_catalog(STORE_CATALOG_PERSONA);
	} else if (strcmp(what, "backends") == 0) {
		print_catalog(STORE_CATALOG_BACKEND);
	}
	return CLI_OK;
}
