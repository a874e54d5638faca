/*
 * Protocol frames and messages: the incremental reader, the output queue,
 * and builders/parsers for every message type, so that the server, the CLI
 * and the TUI agree on one encoding (documented in docs/protocol.md). Parsers
 * are strict: a message either matches its shape exactly or is refused with
 * an error naming the JSON path that is wrong.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/str.h"
#include "lib/utf8.h"
#include "lib/xalloc.h"
#include "proto.h"

#define READ_CHUNK 65536

static int proto_fail(struct df_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
proto_fail(struct df_error *err, const char *fmt, ...)
{
	char msg[sizeof(err->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return df_error_set(err, DF_FATAL, DF_E_PROTOCOL, "%s", msg);
}

/* ------------------------------------------------------------------------ */
/* Field helpers: each names the path "<where>.<key>" in its error. */

const char *
proto_type_name(const cJSON *j)
{
	if (j == NULL)
		return "nothing";
	if (cJSON_IsObject(j))
		return "an object";
	if (cJSON_IsArray(j))
		return "an array";
	if (cJSON_IsString(j))
		return "a string";
	if (cJSON_IsNumber(j))
		return "a number";
	if (cJSON_IsBool(j))
		return "a boolean";
	if (cJSON_IsNull(j))
		return "null";
	return "an invalid value";
}

/* A string field; optional fields may be absent (*out = NULL). */
static int
get_string(const cJSON *obj, const char *where, const char *key, int required, size_t maxlen,
           const char **out, struct df_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	*out = NULL;
	if (v == NULL) {
		if (required)
			return proto_fail(err, "%s: missing \"%s\"", where, key);
		return 0;
	}
	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return proto_fail(err, "%s.%s: expected a string, got %s", where, key,
		                  proto_type_name(v));
	if (maxlen > 0 && v->valuestring[0] == '\0')
		return proto_fail(err, "%s.%s: must not be empty", where, key);
	if (maxlen > 0 && strlen(v->valuestring) > maxlen)
		return proto_fail(err, "%s.%s: longer than %zu bytes", where, key, maxlen);
	*out = v->valuestring;
	return 0;
}

/* An integral number field within [min, max]. */
static int
get_int(const cJSON *obj, const char *where, const char *key, double min, double max, double *out,
        struct df_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	double d;

	if (v == NULL)
		return proto_fail(err, "%s: missing \"%s\"", where, key);
	if (!cJSON_IsNumber(v))
		return proto_fail(err, "%s.%s: expected an integer, got %s", where, key,
		                  proto_type_name(v));
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d))
		return proto_fail(err, "%s.%s: expected an integer, got %g", where, key, d);
	if (d < min || d > max)
		return proto_fail(err, "%s.%s: %.0f is outside %.0f..%.0f", where, key, d, min,
		                  max);
	*out = d;
	return 0;
}

static int
get_bool(const cJSON *obj, const char *where, const char *key, int *out, struct df_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (v == NULL)
		return proto_fail(err, "%s: missing \"%s\"", where, key);
	if (!cJSON_IsBool(v))
		return proto_fail(err, "%s.%s: expected a boolean, got %s", where, key,
		                  proto_type_name(v));
	*out = cJSON_IsTrue(v);
	return 0;
}

static const cJSON *
get_object(const cJSON *obj, const char *where, const char *key, struct df_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (v == NULL) {
		proto_fail(err, "%s: missing \"%s\"", where, key);
		return NULL;
	}
	if (!cJSON_IsObject(v)) {
		proto_fail(err, "%s.%s: expected an object, got %s", where, key,
		           proto_type_name(v));
		return NULL;
	}
	return v;
}

static int
check_args(const cJSON *args, const char *where, struct df_error *err)
{
	if (!cJSON_IsObject(args))
		return proto_fail(err, "%s: expected an object, got %s", where,
		                  proto_type_name(args));
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Messages */

void
proto_msg_clear(struct proto_msg *msg)
{
	cJSON_Delete(msg->json);
	memset(msg, 0, sizeof(*msg));
}

cJSON *
proto_msg_take_json(struct proto_msg *msg)
{
	cJSON *j = msg->json;

	msg->json = NULL;
	proto_msg_clear(msg);
	return j;
}

static int
parse_id(const cJSON *obj, const char *where, uint64_t min, uint64_t *out, struct df_error *err)
{
	double d;

	if (get_int(obj, where, "id", (double)min, (double)PROTO_MAX_ID, &d, err) < 0)
		return -1;
	*out = (uint64_t)d;
	return 0;
}

static int
parse_request(struct proto_msg *msg, struct df_error *err)
{
	const cJSON *j = msg->json, *args;
	const char *op;

	msg->kind = PROTO_MSG_REQUEST;
	if (parse_id(j, "request", 1, &msg->id, err) < 0)
		return -1;
	if (get_string(j, "request", "op", 1, PROTO_MAX_NAME, &op, err) < 0)
		return -1;
	msg->op = op;
	args = cJSON_GetObjectItemCaseSensitive(j, "args");
	if (args != NULL && !cJSON_IsObject(args))
		return proto_fail(err, "request.args: expected an object, got %s",
		                  proto_type_name(args));
	msg->args = args;
	return 0;
}

static int
parse_reply(struct proto_msg *msg, struct df_error *err)
{
	const cJSON *j = msg->json, *e;

	msg->kind = PROTO_MSG_REPLY;
	if (parse_id(j, "reply", 0, &msg->id, err) < 0)
		return -1;
	if (get_bool(j, "reply", "ok", &msg->ok, err) < 0)
		return -1;
	if (msg->ok) {
		msg->result = cJSON_GetObjectItemCaseSensitive(j, "result");
		return 0;
	}
	if ((e = get_object(j, "reply", "error", err)) == NULL)
		return -1;
	return proto_error_parse(e, "reply.error", &msg->error, err);
}

static int
parse_push(struct proto_msg *msg, struct df_error *err)
{
	const char *type;

	if (get_string(msg->json, "message", "type", 1, PROTO_MAX_NAME, &type, err) < 0)
		return -1;
	if (strcmp(type, "event") == 0) {
		struct proto_event ev;

		msg->kind = PROTO_MSG_EVENT;
		return proto_event_parse(msg->json, &ev, err);
	}
	if (strcmp(type, "screen") == 0) {
		/* The full check allocates; the TUI does it with proto_screen_parse. */
		msg->kind = PROTO_MSG_SCREEN;
		if (get_string(msg->json, "screen", "session", 1, PROTO_MAX_NAME, &type, err) < 0)
			return -1;
		return 0;
	}
	return proto_fail(err, "message.type: unknown message type \"%s\"", type);
}

/* The value of the four hex digits at p (valid JSON: they are there). */
static unsigned
hex4(const char *p)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

/*
 * Scan one JSON string starting at the quote t[*i]: sets *i to its closing
 * quote and returns the offset, in the decoded string, of its first \u0000
 * escape, or -1. cJSON would cut the string there without a word.
 */
static long
scan_string(const char *t, size_t *i)
{
	size_t j = *i + 1, decoded = 0;
	long nul = -1;

	while (t[j] != '"') {
		if (t[j] == '\\' && t[j + 1] == 'u') {
			unsigned cp = hex4(t + j + 2);

			if (cp == 0 && nul < 0)
				nul = (long)decoded;
			/* A surrogate pair is 4 bytes: counted on its first half. */
			decoded += cp < 0x80                     ? 1
			           : cp < 0x800                  ? 2
			           : cp >= 0xdc00 && cp < 0xe000 ? 0
			           : cp >= 0xd800 && cp < 0xdc00 ? 4
			                                         : 3;
			j += 6;
		} else {
			j += t[j] == '\\' ? 2 : 1;
			decoded++;
		}
	}
	*i = j;
	return nul;
}

/*
 * A string of the frame (valid JSON text) that holds \u0000: 1 with its
 * JSON path ("args.requirements", "args.list[2]") in path and the byte
 * offset in the decoded string in *at; 0 when there is none.
 */
static int
nul_escape_find(const char *t, size_t n, struct buf *path, long *at)
{
	struct seg {
		int array;
		const char *key; /* raw, as written */
		size_t keylen;
		long idx;
	} st[64];
	int depth = 0, expect_key = 0;

	if (memmem(t, n, "\\u0000", 6) == NULL)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];

		if (c == '{' || c == '[') {
			if (depth < 64)
				st[depth] = (struct seg){ c == '[', NULL, 0, 0 };
			depth++;
			expect_key = c == '{';
		} else if (c == '}' || c == ']') {
			depth--;
		} else if (c == ',') {
			if (depth > 0 && depth <= 64 && st[depth - 1].array)
				st[depth - 1].idx++;
			else
				expect_key = 1;
		} else if (c == ':') {
			expect_key = 0;
		} else if (c == '"') {
			size_t start = i + 1;
			int is_key = expect_key && depth > 0 && depth <= 64 && !st[depth - 1].array;
			long nul = scan_string(t, &i);

			if (is_key) {
				st[depth - 1].key = t + start;
				st[depth - 1].keylen = i - start;
			}
			if (nul < 0)
				continue;
			for (int d = 0; d < depth && d < 64; d++) {
				if (st[d].array)
					buf_printf(path, "[%ld]", st[d].idx);
				else if (st[d].key != NULL && !(is_key && d == depth - 1))
					buf_printf(path, "%s%.*s", path->len ? "." : "",
					           (int)st[d].keylen, st[d].key);
			}
			if (is_key)
				buf_printf(path, "%s(a key)", path->len ? "." : "");
			*at = nul;
			return 1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Reader */

void
proto_reader_init(struct proto_reader *r, enum proto_dir dir)
{
	memset(r, 0, sizeof(*r));
	r->dir = dir;
}

void
proto_reader_free(struct proto_reader *r)
{
	free(r->data);
	memset(r, 0, sizeof(*r));
}

static void
reader_reserve(struct proto_reader *r, size_t extra)
{
	/* Reclaim consumed bytes before growing. */
	if (r->off > 0 && (r->off == r->len || r->len + extra > r->cap)) {
		memmove(r->data, r->data + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	if (r->len + extra > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;

		while (cap < r->len + extra)
			cap *= 2;
		r->data = xrealloc(r->data, cap);
		r->cap = cap;
	}
}

void
proto_reader_feed(struct proto_reader *r, const void *data, size_t len)
{
	if (len == 0)
		return;
	reader_reserve(r, len);
	memcpy(r->data + r->len, data, len);
	r->len += len;
}

enum proto_io
proto_reader_read(struct proto_reader *r, int fd, struct df_error *err)
{
	ssize_t n;

	reader_reserve(r, READ_CHUNK);
	do
		n = read(fd, r->data + r->len, READ_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		r->len += (size_t)n;
		return PROTO_IO_DATA;
	}
	if (n == 0)
		return PROTO_IO_EOF;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return PROTO_IO_AGAIN;
	if (errno == ECONNRESET)
		return PROTO_IO_EOF;
	df_error_set(err, DF_RETRYABLE, DF_E_IO, "reading from the socket: %s", strerror(errno));
	return PROTO_IO_ERROR;
}

static uint32_t
get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int
reader_break(struct proto_reader *r, struct df_error *err)
{
	r->broken = 1;
	if (err != NULL)
		r->error = *err;
	return -1;
}

int
proto_reader_pop(struct proto_reader *r, struct proto_msg *msg, struct df_error *err)
{
	struct df_error local;
	const char *text, *end;
	size_t avail = r->len - r->off;
	uint32_t n;
	cJSON *j;

	memset(msg, 0, sizeof(*msg));
	if (err == NULL)
		err = &local;
	if (r->broken) {
		*err = r->error;
		return -1;
	}
	if (avail < PROTO_HEADER)
		return 0;
	n = get_be32(r->data + r->off);
	if (n == 0) {
		proto_fail(err, "zero-length frame");
		return reader_break(r, err);
	}
	if (n > PROTO_MAX_FRAME) {
		proto_fail(err, "frame length %" PRIu32 " exceeds the limit of %d bytes", n,
		           PROTO_MAX_FRAME);
		return reader_break(r, err);
	}
	if (avail - PROTO_HEADER < n)
		return 0;
	text = (const char *)r->data + r->off + PROTO_HEADER;
	r->off += PROTO_HEADER + n;
	if (memchr(text, '\0', n) != NULL) {
		proto_fail(err, "frame is not JSON: it contains a NUL byte");
		return reader_break(r, err);
	}
	if ((end = text + utf8_check(text, n)) != text + n) {
		proto_fail(err, "frame is not JSON: invalid UTF-8 at byte %zu",
		           (size_t)(end - text));
		return reader_break(r, err);
	}
	j = cJSON_ParseWithLengthOpts(text, n, &end, 0);
	if (j == NULL) {
		const char *at = cJSON_GetErrorPtr();
		size_t pos = (at != NULL && at >= text && at <= text + n) ? (size_t)(at - text) : 0;

		proto_fail(err, "frame is not JSON (syntax error at byte %zu of %" PRIu32 ")", pos,
		           n);
		return reader_break(r, err);
	}
	while (end < text + n && strchr(" \t\r\n", *end) != NULL)
		end++;
	if (end != text + n) {
		cJSON_Delete(j);
		proto_fail(err, "frame is not JSON: trailing bytes after the value at byte %zu",
		           (size_t)(end - text));
		return reader_break(r, err);
	}
	if (!cJSON_IsObject(j)) {
		proto_fail(err, "frame is JSON but not an object (got %s)", proto_type_name(j));
		cJSON_Delete(j);
		return reader_break(r, err);
	}
	msg->json = j;
	if (r->dir == PROTO_TO_SERVER) {
		if (parse_request(msg, err) < 0)
			goto bad;
	} else if (cJSON_GetObjectItemCaseSensitive(j, "type") != NULL) {
		if (parse_push(msg, err) < 0)
			goto bad;
	} else if (parse_reply(msg, err) < 0) {
		goto bad;
	}
	{
		/* C strings end at NUL: a string with \u0000 would be kept cut short. */
		struct buf path = BUF_INIT;
		long at;

		if (nul_escape_find(text, n, &path, &at)) {
			int in_args = strncmp(path.data, "args.", 5) == 0 && msg->op != NULL;

			proto_fail(err,
			           "%s%s: a NUL character (\\u0000) at byte %ld; text with NUL is "
			           "refused, never stored cut short",
			           in_args ? msg->op : "", in_args ? path.data + 4 : path.data, at);
			buf_free(&path);
			goto bad;
		}
		buf_free(&path);
	}
	return 1;
bad:
	proto_msg_clear(msg);
	return reader_break(r, err);
}

int
proto_reader_eof(struct proto_reader *r, struct df_error *err)
{
	size_t avail = r->len - r->off;

	if (avail == 0)
		return 0;
	if (avail < PROTO_HEADER)
		return proto_fail(err,
		                  "truncated frame: the connection closed after %zu of the 4 "
		                  "header bytes",
		                  avail);
	return proto_fail(
	    err, "truncated frame: the connection closed after %zu of %" PRIu32 " payload bytes",
	    avail - PROTO_HEADER, get_be32(r->data + r->off));
}

size_t
proto_reader_buffered(const struct proto_reader *r)
{
	return r->len - r->off;
}

/* ------------------------------------------------------------------------ */
/* Writer */

void
proto_writer_init(struct proto_writer *w)
{
	memset(w, 0, sizeof(*w));
}

void
proto_writer_free(struct proto_writer *w)
{
	free(w->data);
	memset(w, 0, sizeof(*w));
}

unsigned char *
proto_encode(const cJSON *msg, size_t *len, struct df_error *err)
{
	unsigned char *frame;
	char *text;
	size_t n;

	if (!cJSON_IsObject(msg)) {
		proto_fail(err, "cannot send %s: a message must be a JSON object",
		           proto_type_name(msg));
		return NULL;
	}
	text = cJSON_PrintUnformatted(msg);
	if (text == NULL) {
		proto_fail(err, "cannot serialise the message");
		return NULL;
	}
	n = strlen(text);
	if (utf8_check(text, n) != n) {
		/* Bytes that are not UTF-8 can only sit inside strings: mark them U+FFFD. */
		struct buf b = BUF_INIT;
		const unsigned char *t = (const unsigned char *)text;

		for (size_t i = 0, k; i < n; i += k) {
			if ((k = utf8_seq(t + i, n - i)) == 0) {
				buf_puts(&b, "\xef\xbf\xbd");
				k = 1;
			} else {
				buf_append(&b, t + i, k);
			}
		}
		free(text);
		n = b.len;
		text = buf_detach(&b);
	}
	if (n > PROTO_MAX_FRAME) {
		free(text);
		proto_fail(err, "message of %zu bytes exceeds the frame limit of %d bytes", n,
		           PROTO_MAX_FRAME);
		return NULL;
	}
	frame = xmalloc(n + PROTO_HEADER);
	frame[0] = (unsigned char)(n >> 24);
	frame[1] = (unsigned char)(n >> 16);
	frame[2] = (unsigned char)(n >> 8);
	frame[3] = (unsigned char)n;
	memcpy(frame + PROTO_HEADER, text, n);
	free(text);
	*len = n + PROTO_HEADER;
	return frame;
}

int
proto_writer_queue(struct proto_writer *w, const cJSON *msg, struct df_error *err)
{
	unsigned char *frame;
	size_t n;

	if ((frame = proto_encode(msg, &n, err)) == NULL)
		return -1;
	proto_writer_queue_frame(w, frame, n);
	free(frame);
	return 0;
}

void
proto_writer_queue_frame(struct proto_writer *w, const unsigned char *frame, size_t n)
{
	if (w->off > 0 && (w->off == w->len || w->len + n > w->cap)) {
		memmove(w->data, w->data + w->off, w->len - w->off);
		w->len -= w->off;
		w->off = 0;
	}
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;

		while (cap < w->len + n)
			cap *= 2;
		w->data = xrealloc(w->data, cap);
		w->cap = cap;
	}
	memcpy(w->data + w->len, frame, n);
	w->len += n;
}

int
proto_writer_flush(struct proto_writer *w, int fd, struct df_error *err)
{
	while (w->off < w->len) {
		ssize_t n = send(fd, w->data + w->off, w->len - w->off, MSG_NOSIGNAL);

		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, w->data + w->off, w->len - w->off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EPIPE || errno == ECONNRESET)
				return df_error_set(err, DF_RETRYABLE, DF_E_IO,
				                    "the peer closed the connection");
			return df_error_set(err, DF_RETRYABLE, DF_E_IO, "writing to the socket: %s",
			                    strerror(errno));
		}
		w->off += (size_t)n;
	}
	w->off = w->len = 0;
	return 0;
}

size_t
proto_writer_pending(const struct proto_writer *w)
{
	return w->len - w->off;
}

/* ------------------------------------------------------------------------ */
/* Envelopes */

cJSON *
proto_request(uint64_t id, const char *op, cJSON *args)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "id", (double)id);
	cJSON_AddStringToObject(j, "op", op);
	if (args != NULL)
		cJSON_AddItemToObject(j, "args", args);
	return j;
}

cJSON *
proto_reply_ok(uint64_t id, cJSON *result)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "id", (double)id);
	cJSON_AddTrueToObject(j, "ok");
	cJSON_AddItemToObject(j, "result", result != NULL ? result : cJSON_CreateNull());
	return j;
}

cJSON *
proto_reply_error(uint64_t id, const struct df_error *e)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "id", (double)id);
	cJSON_AddFalseToObject(j, "ok");
	cJSON_AddItemToObject(j, "error", proto_error_json(e));
	return j;
}

cJSON *
proto_error_json(const struct df_error *e)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "class", df_class_name(e->class));
	cJSON_AddStringToObject(j, "code", df_code_name(e->code));
	cJSON_AddStringToObject(j, "message", e->message);
	if (e->hint[0] != '\0')
		cJSON_AddStringToObject(j, "hint", e->hint);
	if (e->run_id[0] != '\0')
		cJSON_AddStringToObject(j, "run_id", e->run_id);
	if (e->phase_id[0] != '\0')
		cJSON_AddStringToObject(j, "phase_id", e->phase_id);
	return j;
}

static void
copy_str(char *dst, size_t cap, const char *src)
{
	if (src != NULL)
		snprintf(dst, cap, "%s", src);
}

int
proto_error_parse(const cJSON *obj, const char *where, struct df_error *out, struct df_error *err)
{
	const char *cls, *code, *message, *hint, *run_id, *phase_id;
	enum df_class c;
	enum df_code k;

	if (check_args(obj, where, err) < 0)
		return -1;
	if (get_string(obj, where, "class", 1, PROTO_MAX_NAME, &cls, err) < 0 ||
	    get_string(obj, where, "code", 1, PROTO_MAX_NAME, &code, err) < 0 ||
	    get_string(obj, where, "message", 1, 0, &message, err) < 0 ||
	    get_string(obj, where, "hint", 0, 0, &hint, err) < 0 ||
	    get_string(obj, where, "run_id", 0, 0, &run_id, err) < 0 ||
	    get_string(obj, where, "phase_id", 0, 0, &phase_id, err) < 0)
		return -1;
	if (strcmp(cls, "fatal") == 0)
		c = DF_FATAL;
	else if (strcmp(cls, "human_required") == 0)
		c = DF_HUMAN_REQUIRED;
	else if (strcmp(cls, "retryable") == 0)
		c = DF_RETRYABLE;
	else
		return proto_fail(err, "%s.class: unknown error class \"%s\"", where, cls);
	k = df_code_from_name(code);
	if (k == DF_E_NONE && strcmp(code, "none") != 0)
		return proto_fail(err, "%s.code: unknown error code \"%s\"", where, code);
	memset(out, 0, sizeof(*out));
	out->class = c;
	out->code = k;
	copy_str(out->message, sizeof(out->message), message);
	copy_str(out->hint, sizeof(out->hint), hint);
	copy_str(out->run_id, sizeof(out->run_id), run_id);
	copy_str(out->phase_id, sizeof(out->phase_id), phase_id);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Hello */

cJSON *
proto_hello_args(const char *client)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "version", PROTO_VERSION);
	cJSON_AddStringToObject(j, "client", client);
	return j;
}

int
proto_hello_parse(const cJSON *args, struct proto_hello *out, struct df_error *err)
{
	double v;

	if (check_args(args, "hello", err) < 0 ||
	    get_int(args, "hello", "version", 1, 1e6, &v, err) < 0 ||
	    get_string(args, "hello", "client", 1, PROTO_MAX_NAME, &out->client, err) < 0)
		return -1;
	out->version = (int)v;
	if (out->version != PROTO_VERSION) {
		proto_fail(
		    err, "protocol version mismatch: %s speaks protocol %d, this server speaks %d",
		    out->client, out->version, PROTO_VERSION);
		df_error_hint(
		    err, "stop the running server with `devflow kill-server` (runs resume when "
		         "it restarts) and use one devflow version");
		return -1;
	}
	return 0;
}

cJSON *
proto_hello_result(pid_t server_pid)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "protocol", PROTO_VERSION);
	cJSON_AddStringToObject(j, "server", PACKAGE_NAME);
	cJSON_AddStringToObject(j, "version", PACKAGE_VERSION);
	cJSON_AddNumberToObject(j, "pid", (double)server_pid);
	return j;
}

int
proto_hello_check(const cJSON *result, pid_t *pid, struct df_error *err)
{
	const char *server, *version;
	double proto, p;

	if (check_args(result, "hello result", err) < 0 ||
	    get_int(result, "hello result", "protocol", 1, 1e6, &proto, err) < 0 ||
	    get_string(result, "hello result", "server", 1, PROTO_MAX_NAME, &server, err) < 0 ||
	    get_string(result, "hello result", "version", 1, PROTO_MAX_NAME, &version, err) < 0 ||
	    get_int(result, "hello result", "pid", 1, 4194304, &p, err) < 0)
		return -1;
	if ((int)proto != PROTO_VERSION) {
		proto_fail(
		    err,
		    "protocol version mismatch: the server (%s %s, pid %.0f) speaks protocol "
		    "%.0f, this client speaks %d",
		    server, version, p, proto, PROTO_VERSION);
		df_error_hint(
		    err, "stop the running server with `devflow kill-server` (runs resume when "
		         "it restarts) and use one devflow version");
		return -1;
	}
	if (pid != NULL)
		*pid = (pid_t)p;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Events */

cJSON *
proto_event_json(const struct proto_event *ev)
{
	cJSON *j = cJSON_CreateObject(), *e = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "type", "event");
	cJSON_AddStringToObject(e, "runId", ev->run_id);
	cJSON_AddNumberToObject(e, "seq", (double)ev->seq);
	cJSON_AddStringToObject(e, "type", ev->type);
	if (ev->phase_id != NULL)
		cJSON_AddStringToObject(e, "phaseId", ev->phase_id);
	else
		cJSON_AddNullToObject(e, "phaseId");
	cJSON_AddItemToObject(e, "payload",
	                      ev->payload != NULL ? cJSON_Duplicate(ev->payload, 1)
	                                          : cJSON_CreateObject());
	cJSON_AddStringToObject(e, "ts", ev->ts);
	cJSON_AddItemToObject(j, "event", e);
	return j;
}

int
proto_event_parse(const cJSON *msg, struct proto_event *ev, struct df_error *err)
{
	const cJSON *e, *payload;
	double seq;

	memset(ev, 0, sizeof(*ev));
	if (check_args(msg, "message", err) < 0 ||
	    (e = get_object(msg, "message", "event", err)) == NULL)
		return -1;
	if (get_string(e, "event", "runId", 1, PROTO_MAX_NAME, &ev->run_id, err) < 0 ||
	    get_int(e, "event", "seq", 0, (double)PROTO_MAX_ID, &seq, err) < 0 ||
	    get_string(e, "event", "type", 1, PROTO_MAX_NAME, &ev->type, err) < 0 ||
	    (!cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(e, "phaseId")) &&
	     get_string(e, "event", "phaseId", 0, 0, &ev->phase_id, err) < 0) ||
	    get_string(e, "event", "ts", 1, PROTO_MAX_NAME, &ev->ts, err) < 0 ||
	    (payload = get_object(e, "event", "payload", err)) == NULL)
		return -1;
	ev->seq = (int64_t)seq;
	ev->payload = payload;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Screens */

static const char attr_letters[] = {
#define PROTO_X(name, letter) letter,
	PROTO_ATTRS(PROTO_X)
#undef PROTO_X
};

void
proto_attrs_string(unsigned attrs, char out[8])
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(attr_letters); i++)
		if (attrs & (1u << i))
			out[n++] = attr_letters[i];
	out[n] = '\0';
}

void
proto_screen_free(struct proto_screen *s)
{
	for (size_t i = 0; i < s->nrows; i++)
		proto_row_clear(&s->rowv[i]);
	free(s->rowv);
	free(s->session);
	free(s->title);
	free(s->state);
	memset(s, 0, sizeof(*s));
}

struct proto_row *
proto_screen_add_row(struct proto_screen *s, int y)
{
	struct proto_row *row;

	s->rowv = xreallocarray(s->rowv, s->nrows + 1, sizeof(*s->rowv));
	row = &s->rowv[s->nrows++];
	memset(row, 0, sizeof(*row));
	row->y = y;
	return row;
}

void
proto_row_clear(struct proto_row *row)
{
	for (size_t k = 0; k < row->nspans; k++)
		free(row->spans[k].text);
	free(row->spans);
	memset(row, 0, sizeof(*row));
}

void
proto_row_add_span(struct proto_row *row, int x, const char *text, size_t len, int32_t fg,
                   int32_t bg, unsigned attrs)
{
	struct proto_span *sp;

	row->spans = xreallocarray(row->spans, row->nspans + 1, sizeof(*row->spans));
	sp = &row->spans[row->nspans++];
	sp->x = x;
	sp->text = xstrndup(text, len);
	sp->fg = fg;
	sp->bg = bg;
	sp->attrs = attrs;
}

static cJSON *
color_json(int32_t c)
{
	char hex[8];

	if (c == PROTO_COLOR_DEFAULT)
		return cJSON_CreateNull();
	if (PROTO_COLOR_IS_RGB(c)) {
		snprintf(hex, sizeof(hex), "#%02x%02x%02x", (unsigned)PROTO_COLOR_R(c),
		         (unsigned)PROTO_COLOR_G(c), (unsigned)PROTO_COLOR_B(c));
		return cJSON_CreateString(hex);
	}
	return cJSON_CreateNumber(c & 0xff);
}

cJSON *
proto_spans_json(const struct proto_row *row)
{
	cJSON *spans = cJSON_CreateArray();

	for (size_t k = 0; k < row->nspans; k++) {
		const struct proto_span *sp = &row->spans[k];
		cJSON *span = cJSON_CreateObject();
		char attrs[8];

		cJSON_AddNumberToObject(span, "x", sp->x);
		cJSON_AddStringToObject(span, "text", sp->text);
		cJSON_AddItemToObject(span, "fg", color_json(sp->fg));
		cJSON_AddItemToObject(span, "bg", color_json(sp->bg));
		proto_attrs_string(sp->attrs, attrs);
		cJSON_AddStringToObject(span, "attrs", attrs);
		cJSON_AddItemToArray(spans, span);
	}
	return spans;
}

cJSON *
proto_screen_json(const struct proto_screen *s)
{
	cJSON *j = cJSON_CreateObject(), *o, *rows;

	cJSON_AddStringToObject(j, "type", "screen");
	cJSON_AddStringToObject(j, "session", s->session);
	cJSON_AddBoolToObject(j, "full", s->full);
	o = cJSON_AddObjectToObject(j, "size");
	cJSON_AddNumberToObject(o, "rows", s->rows);
	cJSON_AddNumberToObject(o, "cols", s->cols);
	o = cJSON_AddObjectToObject(j, "cursor");
	cJSON_AddNumberToObject(o, "row", s->cursor_row);
	cJSON_AddNumberToObject(o, "col", s->cursor_col);
	cJSON_AddBoolToObject(o, "visible", s->cursor_visible);
	cJSON_AddStringToObject(j, "title", s->title != NULL ? s->title : "");
	if (s->state != NULL)
		cJSON_AddStringToObject(j, "state", s->state);
	rows = cJSON_AddArrayToObject(j, "rows");
	for (size_t i = 0; i < s->nrows; i++) {
		cJSON *r = cJSON_CreateObject();

		cJSON_AddNumberToObject(r, "y", s->rowv[i].y);
		cJSON_AddItemToObject(r, "spans", proto_spans_json(&s->rowv[i]));
		cJSON_AddItemToArray(rows, r);
	}
	return j;
}

static int
parse_color(const cJSON *span, const char *path, const char *key, int32_t *out,
            struct df_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(span, key);

	if (v == NULL || cJSON_IsNull(v)) {
		*out = PROTO_COLOR_DEFAULT;
		return 0;
	}
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 255 &&
	    v->valuedouble == floor(v->valuedouble)) {
		*out = (int32_t)v->valuedouble;
		return 0;
	}
	if (cJSON_IsString(v) && strlen(v->valuestring) == 7 && v->valuestring[0] == '#') {
		uint32_t rgb = 0;
		int i;

		for (i = 1; i < 7; i++) {
			int h = str_hexval(v->valuestring[i]);

			if (h < 0)
				break;
			rgb = rgb << 4 | (uint32_t)h;
		}
		if (i == 7) {
			*out = (int32_t)(PROTO_COLOR_RGB_FLAG | rgb);
			return 0;
		}
	}
	return proto_fail(err, "%s.%s: expected null, an integer 0..255 or \"#rrggbb\"", path, key);
}

static int
parse_attrs(const cJSON *span, const char *path, unsigned *out, struct df_error *err)
{
	const char *s;

	*out = 0;
	if (get_string(span, path, "attrs", 0, 0, &s, err) < 0)
		return -1;
	for (; s != NULL && *s != '\0'; s++) {
		const char *hit = memchr(attr_letters, *s, sizeof(attr_letters));

		if (hit == NULL)
			return proto_fail(err,
			                  "%s.attrs: unknown attribute letter '%c' (known: %.*s)",
			                  path, *s, (int)sizeof(attr_letters), attr_letters);
		*out |= 1u << (hit - attr_letters);
	}
	return 0;
}

int
proto_spans_parse(const cJSON *spans, const char *path, int cols, struct proto_row *row,
                  struct df_error *err)
{
	const cJSON *span;
	size_t k = 0;
	int last_x = -1;

	if (!cJSON_IsArray(spans))
		return proto_fail(err, "%s.spans: expected an array, got %s", path,
		                  proto_type_name(spans));
	cJSON_ArrayForEach(span, spans)
	{
		char spath[128];
		const char *text;
		int32_t fg, bg;
		unsigned attrs;
		double x;

		snprintf(spath, sizeof(spath), "%s.spans[%zu]", path, k++);
		if (check_args(span, spath, err) < 0 ||
		    get_int(span, spath, "x", 0, cols - 1, &x, err) < 0 ||
		    get_string(span, spath, "text", 1, 0, &text, err) < 0 ||
		    parse_color(span, spath, "fg", &fg, err) < 0 ||
		    parse_color(span, spath, "bg", &bg, err) < 0 ||
		    parse_attrs(span, spath, &attrs, err) < 0)
			return -1;
		if ((int)x <= last_x)
			return proto_fail(err,
			                  "%s.x: spans must come in increasing x (%d after %d)",
			                  spath, (int)x, last_x);
		last_x = (int)x;
		proto_row_add_span(row, (int)x, text, strlen(text), fg, bg, attrs);
	}
	return 0;
}

static int
parse_row(const cJSON *r, const char *path, struct proto_screen *out, struct df_error *err)
{
	double y;

	if (check_args(r, path, err) < 0 || get_int(r, path, "y", 0, out->rows - 1, &y, err) < 0)
		return -1;
	if (out->nrows > 0 && (int)y <= out->rowv[out->nrows - 1].y)
		return proto_fail(err, "%s.y: rows must come in increasing y (%d after %d)", path,
		                  (int)y, out->rowv[out->nrows - 1].y);
	return proto_spans_parse(cJSON_GetObjectItemCaseSensitive(r, "spans"), path, out->cols,
	                         proto_screen_add_row(out, (int)y), err);
}

int
proto_screen_parse(const cJSON *msg, struct proto_screen *out, struct df_error *err)
{
	const cJSON *size, *cursor, *rows, *r;
	const char *type, *session, *title, *state;
	double nrows, ncols, crow, ccol;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	if (check_args(msg, "screen", err) < 0 ||
	    get_string(msg, "screen", "type", 1, PROTO_MAX_NAME, &type, err) < 0)
		return -1;
	if (strcmp(type, "screen") != 0)
		return proto_fail(err, "screen.type: expected \"screen\", got \"%s\"", type);
	if (get_string(msg, "screen", "session", 1, PROTO_MAX_NAME, &session, err) < 0 ||
	    get_bool(msg, "screen", "full", &out->full, err) < 0 ||
	    (size = get_object(msg, "screen", "size", err)) == NULL ||
	    get_int(size, "screen.size", "rows", 1, PROTO_MAX_ROWS, &nrows, err) < 0 ||
	    get_int(size, "screen.size", "cols", 1, PROTO_MAX_COLS, &ncols, err) < 0 ||
	    (cursor = get_object(msg, "screen", "cursor", err)) == NULL ||
	    get_int(cursor, "screen.cursor", "row", 0, nrows - 1, &crow, err) < 0 ||
	    /* libvterm parks the cursor one past the last column after a full line. */
	    get_int(cursor, "screen.cursor", "col", 0, ncols, &ccol, err) < 0 ||
	    get_bool(cursor, "screen.cursor", "visible", &out->cursor_visible, err) < 0 ||
	    get_string(msg, "screen", "title", 0, 0, &title, err) < 0 ||
	    get_string(msg, "screen", "state", 0, PROTO_MAX_NAME, &state, err) < 0)
		return -1;
	out->session = xstrdup(session);
	out->title = xstrdup(title != NULL ? title : "");
	out->state = state != NULL ? xstrdup(state) : NULL;
	out->rows = (int)nrows;
	out->cols = (int)ncols;
	out->cursor_row = (int)crow;
	out->cursor_col = (int)ccol;
	rows = cJSON_GetObjectItemCaseSensitive(msg, "rows");
	if (!cJSON_IsArray(rows))
		return proto_fail(err, "screen.rows: expected an array, got %s",
		                  proto_type_name(rows));
	cJSON_ArrayForEach(r, rows)
	{
		char path[64];

		snprintf(path, sizeof(path), "screen.rows[%zu]", i++);
		if (parse_row(r, path, out, err) < 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Keys, pastes, resizes, subscriptions */

static const char *const key_names[] = { NULL,
#define PROTO_X(id, name) name,
	                                 PROTO_KEYS(PROTO_X)
#undef PROTO_X
};

const char *
proto_key_name(enum proto_key_name key)
{
	if ((unsigned)key >= PROTO_KEY__COUNT)
		return NULL;
	return key_names[key];
}

enum proto_key_name
proto_key_from_name(const char *name)
{
	for (size_t i = 1; i < PROTO_KEY__COUNT; i++)
		if (strcmp(key_names[i], name) == 0)
			return (enum proto_key_name)i;
	return PROTO_KEY_NONE;
}

static const char mod_letters[] = "sac"; /* shift, alt, ctrl: bits 0, 1, 2 */

static void
mods_string(unsigned mods, char out[4])
{
	size_t n = 0;

	for (size_t i = 0; i < 3; i++)
		if (mods & (1u << i))
			out[n++] = mod_letters[i];
	out[n] = '\0';
}

static int
parse_mods(const cJSON *args, const char *where, unsigned *out, struct df_error *err)
{
	const char *s;

	*out = 0;
	if (get_string(args, where, "mods", 0, 0, &s, err) < 0)
		return -1;
	for (; s != NULL && *s != '\0'; s++) {
		const char *hit = strchr(mod_letters, *s);

		if (hit == NULL)
			return proto_fail(err,
			                  "%s.mods: unknown modifier '%c' (s shift, a alt, c ctrl)",
			                  where, *s);
		*out |= 1u << (hit - mod_letters);
	}
	return 0;
}

cJSON *
proto_key_args(const struct proto_key *k)
{
	cJSON *j = cJSON_CreateObject();
	char buf[8];

	cJSON_AddStringToObject(j, "session", k->session);
	if (k->key != PROTO_KEY_NONE) {
		cJSON_AddStringToObject(j, "key", proto_key_name(k->key));
	} else {
		buf[utf8_encode(k->ch, buf)] = '\0';
		cJSON_AddStringToObject(j, "char", buf);
	}
	mods_string(k->mods, buf);
	cJSON_AddStringToObject(j, "mods", buf);
	return j;
}

int
proto_key_parse(const cJSON *args, struct proto_key *out, struct df_error *err)
{
	const char *name, *ch;

	memset(out, 0, sizeof(*out));
	if (check_args(args, "key", err) < 0 ||
	    get_string(args, "key", "session", 1, PROTO_MAX_NAME, &out->session, err) < 0 ||
	    get_string(args, "key", "key", 0, PROTO_MAX_NAME, &name, err) < 0 ||
	    get_string(args, "key", "char", 0, 0, &ch, err) < 0 ||
	    parse_mods(args, "key", &out->mods, err) < 0)
		return -1;
	if ((name == NULL) == (ch == NULL))
		return proto_fail(err, "key: exactly one of \"key\" and \"char\" is required");
	if (name != NULL) {
		out->key = proto_key_from_name(name);
		if (out->key == PROTO_KEY_NONE)
			return proto_fail(err, "key.key: unknown key name \"%s\"", name);
		return 0;
	}
	if (ch[0] == '\0' || utf8_decode(ch, strlen(ch), &out->ch) != strlen(ch))
		return proto_fail(err, "key.char: expected exactly one UTF-8 character");
	if (out->ch < 0x20 || out->ch == 0x7f || (out->ch >= 0x80 && out->ch < 0xa0))
		return proto_fail(err,
		                  "key.char: control character U+%04X; send a named key or a "
		                  "character with mods \"c\"",
		                  (unsigned)out->ch);
	return 0;
}

cJSON *
proto_paste_args(const struct proto_paste *p)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "session", p->session);
	cJSON_AddStringToObject(j, "text", p->text);
	return j;
}

int
proto_paste_parse(const cJSON *args, struct proto_paste *out, struct df_error *err)
{
	memset(out, 0, sizeof(*out));
	if (check_args(args, "paste", err) < 0 ||
	    get_string(args, "paste", "session", 1, PROTO_MAX_NAME, &out->session, err) < 0 ||
	    get_string(args, "paste", "text", 1, 0, &out->text, err) < 0)
		return -1;
	return 0;
}

cJSON *
proto_resize_args(const struct proto_resize *r)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "session", r->session);
	cJSON_AddNumberToObject(j, "rows", r->rows);
	cJSON_AddNumberToObject(j, "cols", r->cols);
	return j;
}

int
proto_resize_parse(const cJSON *args, struct proto_resize *out, struct df_error *err)
{
	double rows, cols;

	memset(out, 0, sizeof(*out));
	if (check_args(args, "resize", err) < 0 ||
	    get_string(args, "resize", "session", 1, PROTO_MAX_NAME, &out->session, err) < 0 ||
	    get_int(args, "resize", "rows", 1, PROTO_MAX_ROWS, &rows, err) < 0 ||
	    get_int(args, "resize", "cols", 1, PROTO_MAX_COLS, &cols, err) < 0)
		return -1;
	out->rows = (int)rows;
	out->cols = (int)cols;
	return 0;
}

cJSON *
proto_sub_args(const struct proto_sub *s)
{
	cJSON *j = cJSON_CreateObject();

	if (s->topic == PROTO_TOPIC_SCREEN) {
		cJSON_AddStringToObject(j, "topic", "screen");
		cJSON_AddStringToObject(j, "session", s->session);
	} else {
		cJSON_AddStringToObject(j, "topic", "events");
		if (s->run_id != NULL)
			cJSON_AddStringToObject(j, "run_id", s->run_id);
	}
	return j;
}

int
proto_sub_parse(const cJSON *args, struct proto_sub *out, struct df_error *err)
{
	const char *topic;

	memset(out, 0, sizeof(*out));
	if (check_args(args, "subscribe", err) < 0 ||
	    get_string(args, "subscribe", "topic", 1, PROTO_MAX_NAME, &topic, err) < 0)
		return -1;
	if (strcmp(topic, "events") == 0) {
		out->topic = PROTO_TOPIC_EVENTS;
		if (cJSON_GetObjectItemCaseSensitive(args, "session") != NULL)
			return proto_fail(err,
			                  "subscribe.session: not allowed with topic \"events\"");
		return get_string(args, "subscribe", "run_id", 0, DF_ID_MAX - 1, &out->run_id, err);
	}
	if (strcmp(topic, "screen") == 0) {
		out->topic = PROTO_TOPIC_SCREEN;
		if (cJSON_GetObjectItemCaseSensitive(args, "run_id") != NULL)
			return proto_fail(err,
			                  "subscribe.run_id: not allowed with topic \"screen\"");
		return get_string(args, "subscribe", "session", 1, PROTO_MAX_NAME, &out->session,
		                  err);
	}
	return proto_fail(err, "subscribe.topic: expected \"events\" or \"screen\", got \"%s\"",
	                  topic);
}
