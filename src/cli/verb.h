/*
 * What the CLI verbs that talk to the server share: connecting to the
 * workspace's server (starting it in the background when none runs), one
 * request with its error printed the CLI way, fresh client tokens for
 * decisions, and the decision verbs themselves (approve, changes, reject,
 * abort differ only in their action). Front-end code: it prints.
 */
#ifndef DEVFLOW_VERB_H
#define DEVFLOW_VERB_H

#include <cjson/cJSON.h>

#include "lib/buf.h"
#include "lib/error.h"
#include "proto/client.h"
#include "proto/proto.h"
#include "proto/result.h"
#include "cli.h"

/* The absolute workspace path for ctx (--workspace, $DEVFLOW_WORKSPACE, XDG). Caller frees. */
char *verb_workspace(const struct cli_ctx *ctx);

/*
 * Connect to the workspace's server, starting one when autostart and none
 * runs. Returns the client (client_free), or NULL with err.
 */
struct client *verb_connect(const struct cli_ctx *ctx, int autostart, struct df_error *err);

/*
 * Connect (autostart), send op with args (consumed; NULL for none), and
 * return CLI_OK with *result (the caller cJSON_Deletes), or print the error
 * (cli_fail) and return its exit code. result may be NULL.
 */
int verb_call(const struct cli_ctx *ctx, const char *op, cJSON *args, cJSON **result);

/*
 * For verbs of the form `devflow VERB RUN` (args = cli_run_arg, so argv[1]
 * is the RUN): verb_call(op, {run}). Returns as verb_call.
 */
int verb_run_call(const struct cli_ctx *ctx, const struct cmd_entry *cmd, const char *op, int argc,
                  char **argv, cJSON **result);

/*
 * A result that does not decode (result.h): free res, print err (cli_fail)
 * and return its exit code.
 */
int verb_bad_result(const struct cli_ctx *ctx, cJSON *res, const struct df_error *err);

/* A new random client token (a UUID) into out. */
void verb_token(char out[37]);

/*
 * The contents of path ("-": standard input) as a string, or NULL with err:
 * io_error, or invalid_argument when it is not UTF-8 text without NUL (a JSON
 * string would carry it cut short or mangled), naming the byte offset.
 * Caller frees.
 */
char *verb_read_file(const char *path, struct df_error *err);

/*
 * `devflow approve|changes|reject|abort RUN ...`: the decision verbs, once
 * cmd's table has parsed RUN, its --comment (NULL when not given) and its
 * --approval (NULL: the gate the run waits at). Returns the exit code.
 */
int verb_decide(struct cli_ctx *ctx, const struct cmd_entry *cmd, const char *action,
                const char *run, const char *comment, const char *approval);

/* Append the SGR sequence selecting fg, bg and attrs (after a reset) to b. */
void verb_sgr(struct buf *b, int32_t fg, int32_t bg, unsigned attrs);

/*
 * Append row's spans to b as text, with SGR escapes when sgr (ending with a
 * reset). Cells before a span's x are filled with blanks.
 */
void verb_row_text(struct buf *b, const struct proto_row *row, int sgr);

#endif
