/*
 * Agent state detection over a rendered screen, and prompt delivery. Given a
 * backend's patterns (POSIX extended regular expressions for ready, busy,
 * needs-input and trust dialogs, all data: no agent CLI is named in C) it
 * decides whether the agent is busy, idle or waiting for a person, looking
 * only at the last few non-empty lines and only once output has quieted. It
 * answers trust dialogs with their configured keys (once per appearance) and
 * delivers prompts the way agent CLIs need: bracketed paste, a pause, Enter
 * as its own write, then a check that the input line no longer holds the
 * text, with one retry of Enter. It is a state machine driven by loop
 * timers and screen-change notifications; it reaches the terminal and the
 * caller only through the callbacks in struct detect_io.
 */
#ifndef DEVFLOW_DETECT_H
#define DEVFLOW_DETECT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/error.h"
#include "lib/loop.h"

/* A dialog answered automatically: when pattern matches, send keys (screen_send_keys syntax). */
struct detect_dialog {
	const char *pattern;
	const char *keys;
};

struct detect_config {
	const char *const *ready; /* the agent waits for a prompt */
	size_t n_ready;
	const char *const *busy; /* the agent works (vetoes idle) */
	size_t n_busy;
	const char *const *needs_input; /* the agent asks a person */
	size_t n_needs_input;
	const struct detect_dialog *trust; /* answered with keys */
	size_t n_trust;
	unsigned last_lines;      /* match within this many last non-empty lines; 0 means 8 */
	unsigned stable_ms;       /* unchanged this long (and ready) = idle; 0 means 1500 */
	unsigned quiet_ms;        /* output quiet this long before dialogs and questions are
	                             looked at; 0 means min(500, stable_ms) */
	unsigned submit_delay_ms; /* paste to Enter; 0 means 300 */
	unsigned verify_delay_ms; /* Enter to the input-line check; 0 means 500 */
};

enum detect_state {
	DETECT_STARTING,
	DETECT_BUSY,
	DETECT_IDLE,
	DETECT_NEEDS_INPUT,
	DETECT_EXITED,
};

enum detect_prompt_result {
	DETECT_PROMPT_SUBMITTED,   /* our text left the input line */
	DETECT_PROMPT_UNCONFIRMED, /* still there after the one retry of Enter */
	DETECT_PROMPT_FAILED,      /* the agent exited first */
};

struct detect_io {
	/* The screen as text, rows separated by '\n' (screen_dump_text); the detector frees it. */
	char *(*screen_text)(void *arg);
	/* Send keys in screen_send_keys syntax; returns 0 or -1. */
	int (*send_keys)(void *arg, const char *keys);
	/* Paste text (bracketed when the program asked for it); returns 0 or -1. */
	int (*paste)(void *arg, const char *text);
	/* The state changed; matched is the pattern that decided it, or NULL. */
	void (*state)(void *arg, enum detect_state state, const char *matched);
	/* A prompt from detect_send_prompt() finished; retried says Enter was sent twice. */
	void (*prompt)(void *arg, enum detect_prompt_result result, bool retried);
	/* A trust dialog (index into cfg->trust) was answered; may be NULL. */
	void (*dialog)(void *arg, size_t index);
};

struct detect;

/*
 * A detector on loop, in DETECT_STARTING; the screen is first looked at
 * quiet_ms from now even if it never changes. cfg's strings are copied. Returns
 * NULL with DF_E_INVALID_ARGUMENT naming the field (e.g. "needs_input[1]" or
 * "trust[0].keys") and the regcomp message when a pattern or a key list is
 * invalid. Free with detect_free().
 */
struct detect *detect_new(struct loop *loop, const struct detect_config *cfg,
                          const struct detect_io *io, void *arg, struct df_error *err);
void detect_free(struct detect *d);

/* The screen changed (call after each batch of output). */
void detect_screen_changed(struct detect *d);

/*
 * A person answered the question on screen (its keys were sent): the state
 * is busy at once, without a state callback (the caller reports the
 * answer), and the screen is looked at afresh stable_ms from now even if it
 * never changes, so a question still or again on screen is reported again.
 */
void detect_answered(struct detect *d);

/* The agent exited: state DETECT_EXITED, a pending prompt fails, timers stop. */
void detect_exited(struct detect *d);

enum detect_state detect_state(const struct detect *d);
const char *detect_state_name(enum detect_state state);

/*
 * Deliver text as the next prompt: at once when idle, otherwise at the next
 * idle; the io's prompt callback reports the outcome. Returns 0, or -1 with
 * DF_E_INVALID_ARGUMENT when a prompt is already in flight, or
 * DF_E_SESSION_FAILED when the agent has exited.
 */
int detect_send_prompt(struct detect *d, const char *text, struct df_error *err);

/*
 * Is a prompt from detect_send_prompt() waiting for its Enter (not yet
 * delivered, or pasted and not submitted)? The idle it waits for, or shows
 * meanwhile, is the agent ready for it, not the end of a turn.
 */
bool detect_prompt_unsent(const struct detect *d);

/*
 * The last n non-empty lines of text (lines of only spaces count as empty),
 * joined with '\n'. The caller frees. Exposed for tests and the engine.
 */
char *detect_last_lines(const char *text, unsigned n);

#endif
