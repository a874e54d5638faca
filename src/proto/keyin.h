/*
 * Keyboard input of a terminal, decoded into what the protocol sends: named
 * keys with modifiers (xterm's cursor, keypad and function-key sequences,
 * their modifier parameters, ESC-prefixed meta keys), control characters
 * as characters with the ctrl modifier, runs of printable UTF-8 text, and
 * bracketed pastes (ESC[200~ ... ESC[201~) as one paste. A configurable
 * control byte (C-] by default in `devflow attach`) detaches. Incomplete
 * sequences wait for more bytes; keyin_timeout settles a lone ESC. Used by
 * `devflow attach`; no I/O of its own.
 */
#ifndef DEVFLOW_KEYIN_H
#define DEVFLOW_KEYIN_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

struct keyin_ops {
	/* A named key ("Up", "F5", "Enter", ...; PROTO_KEYS names), or a character (name NULL). */
	void (*key)(void *arg, const char *name, uint32_t ch, unsigned mods);
	/* A run of printable UTF-8 text (no control bytes). */
	void (*text)(void *arg, const char *text, size_t len);
	/* The content of a bracketed paste. */
	void (*paste)(void *arg, const char *text, size_t len);
	/* The detach byte arrived; nothing after it is decoded. */
	void (*detach)(void *arg);
};

struct keyin {
	const struct keyin_ops *ops;
	void *arg;
	int detach_byte; /* -1: none */
	struct buf pending, text, paste;
	int in_paste;
	int detached;
};

/* Start decoding; detach_byte is a control byte (0x1d for C-]) or -1. */
void keyin_init(struct keyin *k, int detach_byte, const struct keyin_ops *ops, void *arg);
void keyin_free(struct keyin *k);

/* Decode len bytes; a sequence cut short waits for the next call. */
void keyin_feed(struct keyin *k, const void *bytes, size_t len);

/* No more bytes came for a while: what is pending is complete (a lone ESC is Escape). */
void keyin_timeout(struct keyin *k);

/* 1 while bytes wait for the rest of a sequence (call keyin_timeout after a pause). */
int keyin_pending(const struct keyin *k);

/* "C-]", "C-b", "^]" -> the control byte; -1 when spec is not a control key. */
int keyin_control_byte(const char *spec);

#endif
