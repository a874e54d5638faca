/*
 * `devflow hook EVENT [ARG...]`: what an agent CLI's hook runs to tell the
 * server about its session (a hook beats a screen pattern). EVENT is idle,
 * busy or needs-input (or Claude Code's Stop, Notification,
 * UserPromptSubmit). The session is $DEVFLOW_SESSION_ID, which the driver
 * puts in every agent's environment, and the server is the one of
 * $DEVFLOW_WORKSPACE; without DEVFLOW_SESSION_ID the verb does nothing, so
 * a hook left in a user's own CLI configuration is harmless there.
 *
 * What the CLI passes along is used when it helps and never required: a
 * JSON object on standard input (Claude Code, Gemini CLI: "session_id", the
 * conversation id, and a notification's "message") and JSON arguments after
 * EVENT (Codex's notify: "thread-id"). Standard input is read only when it
 * is not a terminal, for at most half a second.
 *
 * A hook must never break the agent: the verb never starts a server, and it
 * always exits 0; a failure is one line on standard error.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/xalloc.h"
#include "cli.h"
#include "verb.h"

#define STDIN_MAX (1024 * 1024)
#define STDIN_WAIT_MS 500
#define CONVERSATION_MAX 256

static int cmd_hook_exec(struct cli_ctx *ctx, int argc, char **argv);

/* EVENT is optional so a hook without one still exits 0 (with a message): see above. */
static const struct args_pos hook_args[] = {
	{ .name = "EVENT",
	  .kind = ARGS_OPTIONAL,
	  .help = "idle, busy or needs-input (or Claude Code's Stop, Notification, "
	          "UserPromptSubmit)" },
	{ .name = "ARG",
	  .kind = ARGS_REST,
	  .help = "what the agent CLI passes, taken as it is (Codex: a JSON object)" },
	{ 0 },
};

const struct cmd_entry cmd_hook_entry = {
	.name = "hook",
	.summary = "report an agent CLI's hook: idle, busy or needs-input",
	.args = hook_args,
	.exec = cmd_hook_exec,
};

/* Standard input as JSON when it is not a terminal and gives an object in time; else NULL. */
static cJSON *
stdin_json(void)
{
	struct buf b = BUF_INIT;
	int64_t deadline = clock_mono_ms() + STDIN_WAIT_MS;
	char chunk[4096];
	cJSON *doc = NULL;

	if (isatty(STDIN_FILENO))
		return NULL;
	for (;;) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		int64_t left = deadline - clock_mono_ms();
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break; /* a writer that never closes: use what came */
		r = read(STDIN_FILENO, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		buf_append(&b, chunk, (size_t)r);
		if (b.len > STDIN_MAX)
			break;
	}
	if (b.len > 0 && b.len <= STDIN_MAX)
		doc = cJSON_Parse(b.data);
	buf_free(&b);
	if (doc != NULL && !cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		doc = NULL;
	}
	return doc;
}

/* obj[name] when it is a usable conversation id: 1..CONVERSATION_MAX printable bytes. */
static const char *
conversation_of(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	size_t n;

	if (!cJSON_IsString(v) || (n = strlen(v->valuestring)) == 0 || n > CONVERSATION_MAX)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)v->valuestring; *p; p++)
		if (*p < 0x21 || *p == 0x7f)
			return NULL;
	return v->valuestring;
}

/*
 * A Codex notify for a turn of a helper thread the CLI started itself: its
 * title generation runs as a turn of its own whose input quotes the
 * instructions devflow pasted after text of its own ("Generate a concise,
 * single-line task title ... User prompt:\ndevflow phase: ..."), and it
 * notifies "agent-turn-complete" with that thread's id, which names no
 * saved conversation and says nothing of the agent's own turn (still
 * running). The agent's turns start with the instructions themselves.
 */
static int
helper_turn(const cJSON *notify)
{
	static const char mark[] = "devflow phase: ";
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(notify, "input-messages");
	const cJSON *first = cJSON_IsArray(in) ? cJSON_GetArrayItem(in, 0) : NULL;

	return cJSON_IsString(first) && strncmp(first->valuestring, mark, strlen(mark)) != 0 &&
	       strstr(first->valuestring, mark) != NULL;
}

static int
cmd_hook_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *session = getenv("DEVFLOW_SESSION_ID"), *conv = NULL, *detail = NULL;
	cJSON *in = NULL, *args, **extra;
	struct df_error err;
	struct client *c;
	int rc;

	if (argc < 2) {
		fprintf(stderr, "devflow hook: expected EVENT (idle, busy, needs-input)\n");
		return CLI_OK;
	}
	if (session == NULL || session[0] == '\0')
		return CLI_OK; /* not an agent of devflow's */
	/* Codex appends its notification as one JSON argument. */
	extra = xcalloc((size_t)argc, sizeof(*extra));
	for (int i = 2; i < argc; i++) {
		extra[i] = cJSON_Parse(argv[i]);
		if (helper_turn(extra[i])) {
			for (int j = 2; j <= i; j++)
				cJSON_Delete(extra[j]);
			free(extra);
			return CLI_OK; /* not the agent's turn: nothing to report */
		}
		if (conv == NULL)
			conv = conversation_of(extra[i], "thread-id");
		if (conv == NULL)
			conv = conversation_of(extra[i], "session_id");
	}
	if ((in = stdin_json()) != NULL) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(in, "message");

		if (conv == NULL)
			conv = conversation_of(in, "session_id");
		if (cJSON_IsString(m) && m->valuestring[0] != '\0')
			detail = m->valuestring;
	}
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "session", session);
	cJSON_AddStringToObject(args, "event", argv[1]);
	if (conv != NULL)
		cJSON_AddStringToObject(args, "conversation", conv);
	if (detail != NULL)
		cJSON_AddStringToObject(args, "detail", detail);
	rc = -1;
	if ((c = verb_connect(ctx, 0, &err)) != NULL) {
		rc = client_call(c, "hook", args, NULL, &err);
		client_free(c);
	}
	if (rc != 0)
		fprintf(stderr, "devflow hook: %s\n", err.message);
	else if (ctx->json)
		cli_print_json(cJSON_CreateNull());
	cJSON_Delete(args);
	cJSON_Delete(in);
	for (int i = 2; i < argc; i++)
		cJSON_Delete(extra[i]);
	free(extra);
	return CLI_OK;
}
