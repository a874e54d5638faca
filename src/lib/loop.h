/*
 * The single-threaded poll() reactor shared by the server, the agent sessions
 * and the engine. It watches file descriptors for readability and
 * writability, runs one-shot timers against an injectable monotonic clock,
 * and turns asynchronous signals (SIGCHLD, SIGTERM, SIGINT, ...) into
 * ordinary callbacks through a self-pipe. It never busy-waits: poll() sleeps
 * until the next timer deadline, or forever when no timer is armed.
 *
 * Callbacks may add or remove any registration (their own included) while
 * the loop dispatches; a removed registration is never called again.
 */
#ifndef DEVFLOW_LOOP_H
#define DEVFLOW_LOOP_H

#include <stdint.h>

#include "error.h"

struct loop;

/* Milliseconds on a clock that never goes backwards. */
struct loop_clock {
	uint64_t (*now_ms)(void *ctx);
	void *ctx;
};

enum {
	LOOP_READ = 1 << 0,
	LOOP_WRITE = 1 << 1,
	/* Reported only, never requested: the peer hung up or the fd failed. */
	LOOP_HUP = 1 << 2,
};

typedef void loop_fd_cb(struct loop *loop, int fd, unsigned events, void *arg);
typedef void loop_timer_cb(struct loop *loop, void *arg);
typedef void loop_signal_cb(struct loop *loop, int signo, void *arg);

/*
 * A new loop. clock may be NULL for CLOCK_MONOTONIC; otherwise it is copied
 * (its ctx must outlive the loop). Free with loop_free().
 */
struct loop *loop_new(const struct loop_clock *clock);

/*
 * Free the loop: every registration is dropped without being called, and the
 * signal dispositions the loop installed are restored.
 */
void loop_free(struct loop *loop);

/* The loop's clock, now. */
uint64_t loop_now(struct loop *loop);

/*
 * Watch fd for the events in interest (LOOP_READ | LOOP_WRITE; 0 keeps the fd
 * registered but idle). The callback receives the events that occurred,
 * LOOP_HUP included. Returns 0, or -1 with DF_E_INVALID_ARGUMENT when fd is
 * negative or already registered. The loop never closes fd.
 */
int loop_fd_add(struct loop *loop, int fd, unsigned interest, loop_fd_cb *cb, void *arg,
                struct df_error *err);

/* Change the interest of a registered fd; no-op for an unknown fd. */
void loop_fd_set(struct loop *loop, int fd, unsigned interest);

/* Stop watching fd; no-op for an unknown fd. Safe inside any callback. */
void loop_fd_remove(struct loop *loop, int fd);

/*
 * Call cb once, delay_ms from now. Returns the timer's id (never 0), for
 * loop_timer_cancel(). Timers with equal deadlines fire in the order added.
 */
uint64_t loop_timer_add(struct loop *loop, uint64_t delay_ms, loop_timer_cb *cb, void *arg);

/* Cancel a pending timer; no-op for 0, a fired or an unknown id. */
void loop_timer_cancel(struct loop *loop, uint64_t id);

/* Milliseconds until the next timer is due: 0 when overdue, -1 when none. */
int64_t loop_next_timeout(struct loop *loop);

/*
 * Call cb whenever signo arrives (several callbacks may share a signal; each
 * is called). The first registration for a signal installs a handler that
 * only writes to the loop's self-pipe. Only one loop per process may watch
 * signals. Returns the registration id (never 0), or 0 with
 * DF_E_INVALID_ARGUMENT / DF_E_IO in err.
 */
uint64_t loop_signal_add(struct loop *loop, int signo, loop_signal_cb *cb, void *arg,
                         struct df_error *err);

/* Drop a signal registration; the last one for a signal restores its old disposition. */
void loop_signal_remove(struct loop *loop, uint64_t id);

/*
 * Wait for at most timeout_ms (-1: until something happens; it is shortened
 * to the next timer deadline), then dispatch the fd events, due timers and
 * pending signals. Returns the number of callbacks run, or -1 with DF_E_IO
 * when poll() fails for a reason other than EINTR.
 */
int loop_run_once(struct loop *loop, int timeout_ms, struct df_error *err);

/* Run until loop_stop() is called. Returns 0, or -1 as loop_run_once(). */
int loop_run(struct loop *loop, struct df_error *err);

/* Make loop_run() return after the current dispatch. */
void loop_stop(struct loop *loop);

#endif
