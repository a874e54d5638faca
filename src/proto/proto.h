/*
 * The wire layer of the client/server protocol (docs/protocol.md). A frame
 * is a 4-byte big-endian payload length followed by that many bytes of one
 * JSON object; payloads are at most PROTO_MAX_FRAME bytes. Clients send only
 * requests {id, op, args}; the server sends replies {id, ok, result|error}
 * and pushed messages {type: "event"|"screen", ...}.
 *
 * struct proto_reader is an incremental decoder for non-blocking sockets:
 * feed it whatever bytes arrived, pop complete, envelope-checked messages.
 * struct proto_writer is the matching output queue: queue frames, flush as
 * much as the socket accepts, ask how much is still pending. The rest of the
 * module builds and parses the typed messages (errors, events, screens, keys,
 * resizes, subscriptions, the hello handshake) so that neither side writes
 * JSON field names by hand.
 *
 * Every parse error is a df_error of code protocol_error whose message names
 * the offending field by its JSON path (e.g. "screen.rows[2].spans[0].fg").
 */
#ifndef DEVFLOW_PROTO_H
#define DEVFLOW_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "lib/error.h"

/* Bumped on any incompatible change; checked by the hello handshake. */
#define PROTO_VERSION 2
/* Largest payload (the JSON text, header excluded), in bytes. */
#define PROTO_MAX_FRAME (1024 * 1024)
#define PROTO_HEADER 4
/* Request ids are integers 1 .. PROTO_MAX_ID (exact in a JSON double). */
#define PROTO_MAX_ID 9007199254740991ULL
/* Longest session name, run id or op accepted on the wire (bytes). */
#define PROTO_MAX_NAME 255
/* Bounds of a terminal size in a resize or screen message. */
#define PROTO_MAX_ROWS 1000
#define PROTO_MAX_COLS 1000

/* Which way the frames a reader decodes travel. */
enum proto_dir {
	PROTO_TO_SERVER, /* requests only */
	PROTO_TO_CLIENT, /* replies and pushed messages */
};

enum proto_kind {
	PROTO_MSG_REQUEST = 1,
	PROTO_MSG_REPLY,
	PROTO_MSG_EVENT,
	PROTO_MSG_SCREEN,
};

/*
 * One decoded message. json owns everything; the other pointers borrow from
 * it and die with proto_msg_clear().
 */
struct proto_msg {
	enum proto_kind kind;
	uint64_t id;           /* request (>= 1) and reply (0: not tied to a request) */
	const char *op;        /* request */
	const cJSON *args;     /* request: the "args" object, NULL when absent */
	int ok;                /* reply */
	const cJSON *result;   /* reply with ok: the "result" value, NULL when absent */
	struct df_error error; /* reply without ok: the error it carries */
	cJSON *json;           /* the whole message, owned */
};

/* What a JSON value is, for messages: "a string", "an object", "null", "nothing" (NULL), ... */
const char *proto_type_name(const cJSON *j);

/* Release msg->json and zero msg. Safe on a zeroed or cleared msg. */
void proto_msg_clear(struct proto_msg *msg);

/*
 * Move the JSON out of msg: the caller owns (and cJSON_Deletes) the returned
 * tree; msg is cleared.
 */
cJSON *proto_msg_take_json(struct proto_msg *msg);

/* ------------------------------------------------------------------------ */
/* Decoding */

struct proto_reader {
	enum proto_dir dir;
	unsigned char *data; /* buffered bytes: data[off .. len) not yet decoded */
	size_t off, len, cap;
	int broken;            /* after a protocol error every pop fails the same way */
	struct df_error error; /* that error */
};

void proto_reader_init(struct proto_reader *r, enum proto_dir dir);
void proto_reader_free(struct proto_reader *r);

/* Buffer len bytes received from the peer. */
void proto_reader_feed(struct proto_reader *r, const void *data, size_t len);

/* Outcome of proto_reader_read(). */
enum proto_io {
	PROTO_IO_ERROR = -1, /* err is set (io_error) */
	PROTO_IO_AGAIN = 0,  /* nothing to read right now */
	PROTO_IO_DATA = 1,   /* bytes were buffered */
	PROTO_IO_EOF = 2,    /* the peer closed its end; call proto_reader_eof() */
};

/*
 * Read what fd has (at most 64 KiB, one read call; EINTR is retried) into
 * the reader. Works on blocking and non-blocking descriptors.
 */
enum proto_io proto_reader_read(struct proto_reader *r, int fd, struct df_error *err);

/*
 * Pop the next complete message. Returns 1 with *msg filled (the caller
 * clears it), 0 when more bytes are needed, -1 on a protocol error (err set,
 * code protocol_error): oversized or zero length, payload not JSON (or not
 * well-formed UTF-8, or holding a NUL byte), JSON but
 * not an object, a bad envelope (request without a valid id or op, reply
 * without ok, unknown push type). The connection is unusable after an error:
 * every later pop fails with the same error. An oversized length is reported
 * as soon as its 4 header bytes arrive, before its payload.
 */
int proto_reader_pop(struct proto_reader *r, struct proto_msg *msg, struct df_error *err);

/*
 * The peer closed the connection: returns 0 when no partial frame is
 * buffered, -1 (protocol_error, "truncated") when one is. Complete frames
 * still buffered are not an error: pop them first.
 */
int proto_reader_eof(struct proto_reader *r, struct df_error *err);

/* Bytes buffered and not yet popped. */
size_t proto_reader_buffered(const struct proto_reader *r);

/* ------------------------------------------------------------------------ */
/* Encoding */

struct proto_writer {
	unsigned char *data; /* data[off .. len) still to be written */
	size_t off, len, cap;
};

void proto_writer_init(struct proto_writer *w);
void proto_writer_free(struct proto_writer *w);

/*
 * Serialise msg (not consumed) as one frame at the end of the queue. Returns
 * 0, or -1 with err (protocol_error) when msg is not an object or its text
 * exceeds PROTO_MAX_FRAME; the queue is then unchanged.
 */
int proto_writer_queue(struct proto_writer *w, const cJSON *msg, struct df_error *err);

/*
 * Queue a frame made by proto_encode (copied), e.g. one event encoded once
 * for every subscribed client.
 */
void proto_writer_queue_frame(struct proto_writer *w, const unsigned char *frame, size_t len);

/*
 * Write as much of the queue as fd accepts without blocking (on a blocking
 * fd: until the queue is empty). Never raises SIGPIPE. Returns 0 (check
 * proto_writer_pending() for leftovers), or -1 with err (io_error) when the
 * peer is gone or the write fails.
 */
int proto_writer_flush(struct proto_writer *w, int fd, struct df_error *err);

/* Bytes queued and not yet written. */
size_t proto_writer_pending(const struct proto_writer *w);

/*
 * One frame as bytes: header + JSON text of msg. Bytes of strings that are
 * not well-formed UTF-8 are sent as U+FFFD, so that a frame never carries
 * what the reader would refuse. Returns a new buffer (the caller frees) and
 * its size in *len, or NULL with err as proto_writer_queue.
 */
unsigned char *proto_encode(const cJSON *msg, size_t *len, struct df_error *err);

/* ------------------------------------------------------------------------ */
/* Envelopes. Builders return a new tree the caller owns (cJSON_Delete). */

/* {id, op, args}; args is taken over (may be NULL: the key is omitted). */
cJSON *proto_request(uint64_t id, const char *op, cJSON *args);

/* {id, ok: true, result}; result is taken over (NULL: JSON null). */
cJSON *proto_reply_ok(uint64_t id, cJSON *result);

/* {id, ok: false, error: proto_error_json(e)}. */
cJSON *proto_reply_error(uint64_t id, const struct df_error *e);

/*
 * The error object {class, code, message, hint?, run_id?, phase_id?}; empty
 * hint, run_id and phase_id are omitted.
 */
cJSON *proto_error_json(const struct df_error *e);

/*
 * Read an error object into *out. class and code must be known names and
 * message a string; hint, run_id, phase_id are optional strings (truncated
 * to the df_error fields). Returns 0, or -1 with err (protocol_error naming
 * the path, prefixed by where).
 */
int proto_error_parse(const cJSON *obj, const char *where, struct df_error *out,
                      struct df_error *err);

/* ------------------------------------------------------------------------ */
/* Hello: the first request of every client. */

struct proto_hello {
	int version;        /* protocol version the client speaks */
	const char *client; /* e.g. "devflow-tui 0.1.0"; borrowed from args */
};

/* Arguments {version: PROTO_VERSION, client}. */
cJSON *proto_hello_args(const char *client);

/*
 * Server side: read hello arguments. Returns 0, or -1 with err
 * (protocol_error): bad fields, or a version other than PROTO_VERSION ("client
 * speaks protocol N, this server speaks M", with a hint).
 */
int proto_hello_parse(const cJSON *args, struct proto_hello *out, struct df_error *err);

/* Result {protocol: PROTO_VERSION, server: "devflow", version: PACKAGE_VERSION, pid}. */
cJSON *proto_hello_result(pid_t server_pid);

/*
 * Client side: check a hello result. Returns 0 (and the server's pid in
 * *pid when not NULL), or -1 with err (protocol_error) on a malformed result
 * or another protocol version.
 */
int proto_hello_check(const cJSON *result, pid_t *pid, struct df_error *err);

/* ------------------------------------------------------------------------ */
/* Events: {type: "event", event: {runId, seq, type, phaseId, payload, ts}} (result.h) */

struct proto_event {
	const char *run_id;
	int64_t seq;
	const char *type;     /* e.g. "phase.started" */
	const char *phase_id; /* NULL when none */
	const cJSON *payload;
	const char *ts; /* ISO 8601 time of the run_events row */
};

/* Build an event message; payload is copied (NULL: {}). */
cJSON *proto_event_json(const struct proto_event *ev);

/*
 * Read an event message; fields borrow from msg. Returns 0, or -1 with err
 * (protocol_error naming the field).
 */
int proto_event_parse(const cJSON *msg, struct proto_event *ev, struct df_error *err);

/* ------------------------------------------------------------------------ */
/* Screens: {type: "screen", session, full, size, cursor, title, rows: [...]} */

/*
 * Colours: PROTO_COLOR_DEFAULT (JSON null), a palette index 0..255 (JSON
 * integer), or PROTO_COLOR_RGB(r, g, b) (JSON "#rrggbb").
 */
#define PROTO_COLOR_DEFAULT (-1)
#define PROTO_COLOR_RGB_FLAG 0x1000000
#define PROTO_COLOR_RGB(r, g, b)                                                                   \
	((int32_t)(PROTO_COLOR_RGB_FLAG | ((uint32_t)(r) << 16) | ((uint32_t)(g) << 8) |           \
	           (uint32_t)(b)))
#define PROTO_COLOR_IS_RGB(c) (((c)&PROTO_COLOR_RGB_FLAG) != 0)
#define PROTO_COLOR_R(c) (((c) >> 16) & 0xff)
#define PROTO_COLOR_G(c) (((c) >> 8) & 0xff)
#define PROTO_COLOR_B(c) ((c)&0xff)

/* X(bit name, letter): span attributes, encoded as a string of letters. */
#define PROTO_ATTRS(X)                                                                             \
	X(BOLD, 'b')                                                                               \
	X(UNDERLINE, 'u')                                                                          \
	X(ITALIC, 'i')                                                                             \
	X(BLINK, 'k')                                                                              \
	X(REVERSE, 'r')                                                                            \
	X(CONCEAL, 'c')                                                                            \
	X(STRIKE, 's')

enum proto_attr_bit {
#define PROTO_X(name, letter) PROTO_ATTR_BIT_##name,
	PROTO_ATTRS(PROTO_X)
#undef PROTO_X
};

#define PROTO_ATTR_BOLD (1u << PROTO_ATTR_BIT_BOLD)
#define PROTO_ATTR_UNDERLINE (1u << PROTO_ATTR_BIT_UNDERLINE)
#define PROTO_ATTR_ITALIC (1u << PROTO_ATTR_BIT_ITALIC)
#define PROTO_ATTR_BLINK (1u << PROTO_ATTR_BIT_BLINK)
#define PROTO_ATTR_REVERSE (1u << PROTO_ATTR_BIT_REVERSE)
#define PROTO_ATTR_CONCEAL (1u << PROTO_ATTR_BIT_CONCEAL)
#define PROTO_ATTR_STRIKE (1u << PROTO_ATTR_BIT_STRIKE)

/*
 * A run of cells with one style, starting at column x. Its text (UTF-8)
 * covers the cells from x up to the next span's x (or the row's end); a
 * wide character covers two cells.
 */
struct proto_span {
	int x;
	char *text;
	int32_t fg, bg;
	unsigned attrs; /* PROTO_ATTR_* bits */
};

struct proto_row {
	int y;
	size_t nspans;
	struct proto_span *spans;
};

struct proto_screen {
	char *session;
	int full; /* 1: a snapshot (rows not listed are blank); 0: damaged rows only */
	int rows, cols;
	int cursor_row, cursor_col, cursor_visible;
	char *title; /* "" when the terminal has none */
	/*
	 * What the server's screen detection says of the agent now ("busy",
	 * "idle", "needs_input", "starting"), or NULL when it does not say:
	 * live, unlike the session's state in status, which no event follows
	 * from busy to idle and back.
	 */
	char *state;
	size_t nrows;
	struct proto_row *rowv;
};

/* Free everything a proto_screen holds (every string is malloc'd) and zero it. */
void proto_screen_free(struct proto_screen *s);

/* Append a row (y) and return it; spans are added with proto_row_add_span. */
struct proto_row *proto_screen_add_row(struct proto_screen *s, int y);

/* Free a row's spans (their texts too) and zero it. */
void proto_row_clear(struct proto_row *row);

/* Append a span to row; text is copied (len bytes). */
void proto_row_add_span(struct proto_row *row, int x, const char *text, size_t len, int32_t fg,
                        int32_t bg, unsigned attrs);

/* Build a screen message. */
cJSON *proto_screen_json(const struct proto_screen *s);

/*
 * A row's spans as the JSON array a screen message's row carries (the
 * history op's lines carry it too); a new tree the caller deletes.
 */
cJSON *proto_spans_json(const struct proto_row *row);

/*
 * Read such an array (path names it in errors: "<path>.spans[2].x") into
 * row, each span's x within 0..cols-1 and increasing. Returns 0, or -1
 * with err (the spans read so far stay in row for the caller to free).
 */
int proto_spans_parse(const cJSON *spans, const char *path, int cols, struct proto_row *row,
                      struct df_error *err);

/*
 * Read a screen message into *out (which the caller frees with
 * proto_screen_free, also after an error). Checks every bound: size within
 * 1..PROTO_MAX_ROWS/COLS, y and x inside it, rows in increasing y, spans in
 * increasing x, known colours and attribute letters, cursor inside (or on)
 * the size. Returns 0, or -1 with err naming the field.
 */
int proto_screen_parse(const cJSON *msg, struct proto_screen *out, struct df_error *err);

/* Attribute bits as letters (in PROTO_ATTRS order) into out (>= 8 bytes). */
void proto_attrs_string(unsigned attrs, char out[8]);

/* ------------------------------------------------------------------------ */
/* Client requests about sessions and subscriptions. */

/* X(id, name): named keys of a key request (mapped to VTermKey by the server). */
#define PROTO_KEYS(X)                                                                              \
	X(ENTER, "Enter")                                                                          \
	X(TAB, "Tab")                                                                              \
	X(BACKSPACE, "Backspace")                                                                  \
	X(ESCAPE, "Escape")                                                                        \
	X(UP, "Up")                                                                                \
	X(DOWN, "Down")                                                                            \
	X(LEFT, "Left")                                                                            \
	X(RIGHT, "Right")                                                                          \
	X(INSERT, "Insert")                                                                        \
	X(DELETE, "Delete")                                                                        \
	X(HOME, "Home")                                                                            \
	X(END, "End")                                                                              \
	X(PAGEUP, "PageUp")                                                                        \
	X(PAGEDOWN, "PageDown")                                                                    \
	X(F1, "F1")                                                                                \
	X(F2, "F2")                                                                                \
	X(F3, "F3")                                                                                \
	X(F4, "F4")                                                                                \
	X(F5, "F5")                                                                                \
	X(F6, "F6")                                                                                \
	X(F7, "F7")                                                                                \
	X(F8, "F8")                                                                                \
	X(F9, "F9")                                                                                \
	X(F10, "F10")                                                                              \
	X(F11, "F11")                                                                              \
	X(F12, "F12")

enum proto_key_name {
	PROTO_KEY_NONE, /* the key request carries a character instead */
#define PROTO_X(id, name) PROTO_KEY_##id,
	PROTO_KEYS(PROTO_X)
#undef PROTO_X
	    PROTO_KEY__COUNT
};

/* Modifier bits; the values are libvterm's VTERM_MOD_* values. */
#define PROTO_MOD_SHIFT 0x1u
#define PROTO_MOD_ALT 0x2u
#define PROTO_MOD_CTRL 0x4u

/* Static name of a key ("Up"), NULL for PROTO_KEY_NONE or out of range. */
const char *proto_key_name(enum proto_key_name key);
/* PROTO_KEY_NONE when the name is unknown. */
enum proto_key_name proto_key_from_name(const char *name);

/* Arguments of op "key": {session, key|char, mods}. */
struct proto_key {
	const char *session;
	enum proto_key_name key; /* PROTO_KEY_NONE: ch is the key */
	uint32_t ch;             /* a Unicode scalar value (not a control character) */
	unsigned mods;           /* PROTO_MOD_* */
};

cJSON *proto_key_args(const struct proto_key *k);
int proto_key_parse(const cJSON *args, struct proto_key *out, struct df_error *err);

/* Arguments of op "paste": {session, text}; the server strips ESC bytes. */
struct proto_paste {
	const char *session;
	const char *text;
};

cJSON *proto_paste_args(const struct proto_paste *p);
int proto_paste_parse(const cJSON *args, struct proto_paste *out, struct df_error *err);

/* Arguments of op "resize": {session, rows, cols}. */
struct proto_resize {
	const char *session;
	int rows, cols;
};

cJSON *proto_resize_args(const struct proto_resize *r);
int proto_resize_parse(const cJSON *args, struct proto_resize *out, struct df_error *err);

/* Arguments of ops "subscribe" and "unsubscribe". */
enum proto_topic {
	PROTO_TOPIC_EVENTS = 1, /* {topic: "events", run_id?}: all runs, or one */
	PROTO_TOPIC_SCREEN,     /* {topic: "screen", session} */
};

struct proto_sub {
	enum proto_topic topic;
	const char *run_id;  /* events: NULL for every run */
	const char *session; /* screen */
};

cJSON *proto_sub_args(const struct proto_sub *s);
int proto_sub_parse(const cJSON *args, struct proto_sub *out, struct df_error *err);

#endif
