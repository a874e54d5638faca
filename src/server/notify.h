/*
 * Notifications from the server itself, whether or not a client watches:
 * when a gate waits for a decision (approval.requested), an agent asks a
 * question (session.needs_input), or a run completes or fails, each
 * configured command runs with the event as JSON on its standard input and
 * in environment variables (DEVFLOW_EVENT, DEVFLOW_RUN, DEVFLOW_PHASE,
 * DEVFLOW_GATE, DEVFLOW_MESSAGE, ...), so ntfy, notify-send, mail or curl
 * to a webhook all work (docs/notify.md).
 *
 * Commands run through /bin/sh -c in a child process started from a worker
 * thread, never on the loop, each command on a worker of its own: a command
 * that hangs is killed at its timeout and delays only its own later
 * messages, one that fails is logged, and neither delays the engine, the
 * diffs or the other sinks. One message per event the engine appended (its
 * idempotency key: one per gate, one per question, never one per screen
 * change), at most rate messages a minute per run (the end of a run is
 * always told).
 *
 * The settings come from the server's configuration file,
 * $XDG_CONFIG_HOME/devflow/config, in keys.conf's line syntax (lib/conf.h)
 * with quotes:
 *
 *     set notify-command 'ntfy publish mytopic'   (repeatable: one per sink)
 *     set notify-timeout 10                       (seconds, 1..600)
 *     set notify-rate 6                           (messages a minute per run, 1..600)
 */
#ifndef DEVFLOW_NOTIFY_H
#define DEVFLOW_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "lib/error.h"
#include "lib/loop.h"
#include "store/store.h"

#define NOTIFY_DEFAULT_TIMEOUT_MS (10 * 1000)
#define NOTIFY_DEFAULT_RATE 6

struct notify_config {
	char **commands; /* shell command lines */
	size_t ncommands;
	int timeout_ms;   /* 0: NOTIFY_DEFAULT_TIMEOUT_MS */
	int rate_per_min; /* 0: NOTIFY_DEFAULT_RATE */
};

/*
 * Read the settings in path into cfg (zeroed first; a missing file is no
 * settings). Each bad line (an unknown command or setting, a bad value, an
 * unbalanced quote, a line too long) is skipped and described as
 * "shown:LINE: what" in a string appended to *errors (*nerrors counts them;
 * free each and the array). shown is how messages name the file (NULL:
 * path). Returns the number of bad lines, or -1 when the file exists but
 * cannot be read (also described in *errors).
 */
int notify_config_load(struct notify_config *cfg, const char *path, const char *shown,
                       char ***errors, size_t *nerrors);
void notify_config_clear(struct notify_config *cfg);

/* Where the notifier writes what happened (a line, without newline). */
typedef void notify_log_fn(void *ctx, const char *line);

struct notify;

/*
 * A notifier posting to loop (borrowed), with a copy of cfg, logging through
 * log(ctx, line). With no command configured it is inert (until a reconfigure gives it some).
 * Returns NULL with err (io_error) when its worker cannot be made.
 */
struct notify *notify_new(struct loop *loop, const struct notify_config *cfg, notify_log_fn *log,
                          void *log_ctx, struct df_error *err);

/*
 * The settings again (a reload of the configuration file): later events go
 * to cfg's commands (copied); the commands running keep running, on workers
 * freed with the notifier. Returns 0, or -1 with err (io_error) when a
 * worker cannot be made: the settings in use stay.
 */
int notify_reconfigure(struct notify *n, const struct notify_config *cfg, struct df_error *err);

/* How many commands are configured (0: inert; NULL counts none). */
size_t notify_commands(const struct notify *n);

/*
 * A run event was committed (on the loop thread): notify when it is one of
 * the four kinds, not seen before and within the run's rate. phase_key is
 * the key of the event's phase, or NULL. now_ms is the wall clock.
 */
void notify_event(struct notify *n, const struct store_event *ev, const char *phase_key,
                  int64_t now_ms);

/* Commands started and not finished yet (tests). */
int notify_pending(const struct notify *n);

/*
 * Stop: commands still running are waited for (each at most its timeout),
 * those not started are dropped. NULL is a no-op.
 */
void notify_free(struct notify *n);

#endif
