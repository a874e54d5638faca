/*
 * `devflow kill-server`: ask the workspace's server to stop, and wait (up to
 * 15 s) until it has: its agent sessions end and every run is left for the
 * next server to recover. Never starts a server; with none running it says
 * so and exits 1.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "proto/sock.h"
#include "cli.h"
#include "verb.h"

static int cmd_kill_server_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_kill_server_entry = {
	.name = "kill-server",
	.summary = "stop the workspace's server (runs are recovered by the next one)",
	.exec = cmd_kill_server_exec,
};

static int
cmd_kill_server_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct df_error err;
	struct client *c;
	char *ws;
	pid_t pid;
	int rc;

	(void)argc; /* the table takes no arguments */
	(void)argv;
	if ((c = verb_connect(ctx, 0, &err)) == NULL)
		return cli_fail(ctx, &err);
	pid = client_server_pid(c);
	rc = client_call(c, "shutdown", NULL, NULL, &err);
	client_free(c);
	if (rc != 0)
		return cli_fail(ctx, &err);
	ws = verb_workspace(ctx);
	for (int i = 0; i < 1500 && sock_lock_owner(ws) == pid; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	if (sock_lock_owner(ws) == pid) {
		df_error_set(&err, DF_FATAL, DF_E_SERVER_RUNNING,
		             "the server (pid %ld) is still stopping after 15 s", (long)pid);
		free(ws);
		return cli_fail(ctx, &err);
	}
	free(ws);
	if (ctx->json) {
		cJSON *r = cJSON_CreateObject();

		cJSON_AddNumberToObject(r, "pid", pid);
		cli_print_json(r);
	} else {
		printf("stopped the devflow server (pid %ld)\n", (long)pid);
	}
	return CLI_OK;
}
