/* The protocol wire layer: frame decoding and encoding, and message round trips. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "lib/json.h"
#include "lib/xalloc.h"
#include "proto/proto.h"
#include "proto/result.h"

/* A frame with the given payload, header computed from its length. */
static void
put_frame(struct buf *b, const char *payload)
{
	size_t n = strlen(payload);
	unsigned char h[4] = { (unsigned char)(n >> 24), (unsigned char)(n >> 16),
		               (unsigned char)(n >> 8), (unsigned char)n };

	buf_append(b, h, 4);
	buf_append(b, payload, n);
}

static void
put_header(struct buf *b, uint32_t n)
{
	unsigned char h[4] = { (unsigned char)(n >> 24), (unsigned char)(n >> 16),
		               (unsigned char)(n >> 8), (unsigned char)n };

	buf_append(b, h, 4);
}

/* Feed one frame to a fresh reader and expect a protocol error containing want. */
static void
expect_frame_error(enum proto_dir dir, const char *payload, const char *want)
{
	struct proto_reader r;
	struct proto_msg msg;
	struct df_error err;
	struct buf b = BUF_INIT;

	proto_reader_init(&r, dir);
	put_frame(&b, payload);
	proto_reader_feed(&r, b.data, b.len);
	assert_int_equal(proto_reader_pop(&r, &msg, &err), -1);
	assert_int_equal(err.code, DF_E_PROTOCOL);
	if (strstr(err.message, want) == NULL)
		fail_msg("error \"%s\" does not contain \"%s\"", err.message, want);
	assert_null(msg.json);
	/* Sticky: the connection is unusable from now on. */
	memset(&err, 0, sizeof(err));
	assert_int_equal(proto_reader_pop(&r, &msg, &err), -1);
	assert_non_null(strstr(err.message, want));
	buf_free(&b);
	proto_reader_free(&r);
}

static void
test_reader_byte_at_a_time(void **state)
{
	struct proto_reader r;
	struct proto_msg msg;
	struct df_error err;
	struct buf b = BUF_INIT;
	uint64_t ids[3];
	int got = 0;

	(void)state;
	put_frame(&b, "{\"id\":1,\"op\":\"ls\"}");
	put_frame(&b, "{\"id\":2,\"op\":\"status\",\"args\":{\"run_id\":\"r1\"}}");
	put_frame(&b, "{\"op\":\"é\",\"id\":9007199254740991}");
	proto_reader_init(&r, PROTO_TO_SERVER);
	for (size_t i = 0; i < b.len; i++) {
		int rc;

		proto_reader_feed(&r, b.data + i, 1);
		rc = proto_reader_pop(&r, &msg, &err);
		assert_true(rc >= 0);
		if (rc == 1) {
			assert_int_equal(msg.kind, PROTO_MSG_REQUEST);
			ids[got++] = msg.id;
			if (msg.id == 2) {
				assert_string_equal(msg.op, "status");
				assert_string_equal(
				    cJSON_GetObjectItem(msg.args, "run_id")->valuestring, "r1");
			} else {
				assert_null(msg.args);
			}
			proto_msg_clear(&msg);
		}
	}
	assert_int_equal(got, 3);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 2);
	assert_int_equal(ids[2], PROTO_MAX_ID);
	assert_int_equal(proto_reader_buffered(&r), 0);
	assert_int_equal(proto_reader_eof(&r, &err), 0);
	buf_free(&b);
	proto_reader_free(&r);
}

static void
test_reader_several_frames_in_one_buffer(void **state)
{
	struct proto_reader r;
	struct proto_msg msg;
	struct df_error err;
	struct buf b = BUF_INIT;

	(void)state;
	put_frame(&b, "{\"id\":7,\"ok\":true,\"result\":{\"runs\":[]}}");
	put_frame(&b, "{\"type\":\"event\",\"event\":{\"runId\":\"r\",\"seq\":3,"
	              "\"type\":\"run.started\",\"payload\":{},\"ts\":\"2026-01-01T00:00:00Z\"}}");
	put_frame(&b, "{\"id\":8,\"ok\":false,\"error\":{\"class\":\"human_required\","
	              "\"code\":\"approval_conflict\",\"message\":\"m\",\"run_id\":\"r\"}}");
	put_frame(&b, "{\"type\":\"screen\",\"session\":\"s1\"}");
	put_header(&b, 10); /* and the start of a fifth frame */
	buf_append(&b, "{\"id\"", 5);
	proto_reader_init(&r, PROTO_TO_CLIENT);
	proto_reader_feed(&r, b.data, b.len);

	assert_int_equal(proto_reader_pop(&r, &msg, &err), 1);
	assert_int_equal(msg.kind, PROTO_MSG_REPLY);
	assert_int_equal(msg.id, 7);
	assert_true(msg.ok);
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(msg.result, "runs")));
	proto_msg_clear(&msg);

	assert_int_equal(proto_reader_pop(&r, &msg, &err), 1);
	assert_int_equal(msg.kind, PROTO_MSG_EVENT);
	proto_msg_clear(&msg);

	assert_int_equal(proto_reader_pop(&r, &msg, &err), 1);
	assert_int_equal(msg.kind, PROTO_MSG_REPLY);
	assert_false(msg.ok);
	assert_int_equal(msg.error.class, DF_HUMAN_REQUIRED);
	assert_int_equal(msg.error.code, DF_E_APPROVAL_CONFLICT);
	assert_string_equal(msg.error.run_id, "r");
	proto_msg_clear(&msg);

	assert_int_equal(proto_reader_pop(&r, &msg, &err), 1);
	assert_int_equal(msg.kind, PROTO_MSG_SCREEN);
	proto_msg_clear(&msg);

	assert_int_equal(proto_reader_pop(&r, &msg, &err), 0);
	assert_int_equal(proto_reader_buffered(&r), 9);
	assert_int_equal(proto_reader_eof(&r, &err), -1);
	assert_int_equal(err.code, DF_E_PROTOCOL);
	assert_string_equal(err.message,
	                    "truncated frame: the connection closed after 5 of 10 payload bytes");
	buf_free(&b);
	proto_reader_free(&r);
}

static void
test_reader_oversized_reported_from_header(void **state)
{
	struct proto_reader r;
	struct proto_msg msg;
	struct df_error err;
	struct buf b = BUF_INIT;

	(void)state;
	proto_reader_init(&r, PROTO_TO_SERVER);
	put_header(&b, PROTO_MAX_FRAME + 1);
	proto_reader_feed(&r, b.data, 3);
	assert_int_equal(proto_reader_pop(&r, &msg, &err), 0);
	proto_reader_feed(&r, b.data + 3, 1);
	assert_int_equal(proto_reader_pop(&r, &msg, &err), -1);
	assert_int_equal(err.code, DF_E_PROTOCOL);
	assert_string_equal(err.message, "frame length 1048577 exceeds the limit of 1048576 bytes");
	buf_free(&b);
	proto_reader_free(&r);

	/* Exactly the limit is fine. */
	proto_reader_init(&r, PROTO_TO_SERVER);
	buf_reset(&b);
	put_header(&b, PROTO_MAX_FRAME);
	buf_puts(&b, "{\"id\":1,\"op\":\"x\",\"args\":{\"pad\":\"");
	while (b.len < PROTO_HEADER + PROTO_MAX_FRAME - 3)
		buf_putc(&b, 'a');
	buf_puts(&b, "\"}}");
	assert_int_equal(b.len, PROTO_HEADER + PROTO_MAX_FRAME);
	proto_reader_feed(&r, b.data, b.len);
	assert_int_equal(proto_reader_pop(&r, &msg, &err), 1);
	assert_string_equal(msg.op, "x");
	proto_msg_clear(&msg);
	buf_free(&b);
	proto_reader_free(&r);
}

static void
test_reader_zero_length(void **state)
{
	(void)state;
	expect_frame_error(PROTO_TO_SERVER, "", "zero-length frame");
}

static void
test_reader_not_json(void **state)
{
	(void)state;
	expect_frame_error(PROTO_TO_SERVER, "{\"id\":1,", "frame is not JSON (syntax error");
	expect_frame_error(PROTO_TO_SERVER, "hello", "frame is not JSON");
	expect_frame_error(PROTO_TO_SERVER, "{\"id\":1,\"op\":\"a\"} {}",
	                   "frame is not JSON: trailing bytes after the value at byte 18");
}

static void
test_reader_nul_byte(void **state)
{
	struct proto_reader r;
	struct proto_msg msg;
	struct df_error err;
	struct buf b = BUF_INIT;

	(void)state;
	put_header(&b, 4);
	buf_append(&b, "{}\0 ", 4);
	proto_reader_init(&r, PROTO_TO_SERVER);
	proto_reader_feed(&r, b.data, b.len);
	assert_int_equal(proto_reader_pop(&r, &msg, &err), -1);
	assert_string_equal(err.message, "frame is not JSON: it contains a NUL byte");
	buf_free(&b);
	proto_reader_free(&r);
}

static void
test_reader_invalid_utf8(void **state)
{
	(void)state;
	expect_frame_error(PROTO_TO_SERVER, "{\"id\":1,\"op\":\"a\xff\"}",
	                   "frame is not JSON: invalid UTF-8 at byte 15");
	/* Overlong "/", a UTF-16 surrogate, past U+10FFFF, a cut sequence. */
	expect_frame_error(PROTO_TO_SERVER, "{\"id\":1,\"op\":\"\xc0\xaf\"}",
	                   "invalid UTF-8 at byte 14");
	expect_frame_error(PROTO_TO_SERVER, "{\"id\":1,\"op\":\"\xed\xa0\x80\"}",
	                   "invalid UTF-8 at byte 14");
	expect_frame_error(PROTO_TO_SERVER, "{\"id\":1,\"op\":\"\xf4\x90\x80\x80\"}",
	                   "invalid UTF-8 at byte 14");
	expect_frame_error(PROTO_TO_SERVER, "{\"id\":1,\"op\":\"\xe2\x82\"}",
	                   "invalid UTF-8 at byte 14");
}

static void
test_encoder_replaces_invalid_utf8(void **state)
{
	struct proto_msg m;
	struct proto_reader r;
	struct df_error err;
	unsigned char *frame;
	size_t len;
	cJSON *req = proto_request(1, "paste", NULL);

	(void)state;
	cJSON_AddItemToObject(req, "args", cJSON_CreateObject());
	cJSON_AddStringToObject(cJSON_GetObjectItem(req, "args"), "text",
	                        "caf\xe9 \xe2\x82\xac \xf0\x9f\x98\x80 \xed\xa0\x80.");
	frame = proto_encode(req, &len, &err);
	assert_non_null(frame);
	proto_reader_init(&r, PROTO_TO_SERVER);
	proto_reader_feed(&r, frame, len);
	assert_int_equal(proto_reader_pop(&r, &m, &err), 1);
	/* Latin-1 é and each byte of the surrogate become U+FFFD; € and 😀 stay. */
	assert_string_equal(cJSON_GetObjectItem(m.args, "text")->valuestring,
	                    "caf\xef\xbf\xbd \xe2\x82\xac \xf0\x9f\x98\x80 "
	                    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd.");
	proto_msg_clear(&m);
	proto_reader_free(&r);
	free(frame);
	cJSON_Delete(req);
}

static void
test_writer_queue_frame_shared(void **state)
{
	struct proto_event ev = { .run_id = "r", .seq = 1, .type = "run.started", .ts = "t" };
	struct proto_writer a, b;
	struct df_error err;
	unsigned char *frame;
	size_t len;
	cJSON *msg = proto_event_json(&ev);

	(void)state;
	frame = proto_encode(msg, &len, &err);
	assert_non_null(frame);
	proto_writer_init(&a);
	proto_writer_init(&b);
	proto_writer_queue_frame(&a, frame, len);
	proto_writer_queue_frame(&b, frame, len);
	assert_int_equal(proto_writer_queue(&b, msg, &err), 0);
	assert_int_equal(proto_writer_pending(&a), len);
	assert_int_equal(proto_writer_pending(&b), 2 * len);
	assert_memory_equal(b.data, frame, len);
	assert_memory_equal(b.data + len, frame, len);
	proto_writer_free(&a);
	proto_writer_free(&b);
	free(frame);
	cJSON_Delete(msg);
}

static void
test_reader_not_an_object(void **state)
{
	(void)state;
	expect_frame_error(PROTO_TO_SERVER, "[1,2]",
	                   "frame is JSON but not an object (got an array)");
	expect_frame_error(PROTO_TO_CLIENT, "\"x\"",
	                   "frame is JSON but not an object (got a string)");
	expect_frame_error(PROTO_TO_SERVER, "42", "not an object (got a number)");
}

static void
test_reader_bad_request_envelopes(void **state)
{
	(void)state;
	expect_frame_error(PROTO_TO_SERVER, "{\"op\":\"ls\"}", "request: missing \"id\"");
	expect_frame_error(PROTO_TO_SERVER, "{\"id\":\"1\",\"op\":\"ls\"}",
	                   "request.id: expected an integer, got a string");
	expect_frame_error(PROTO_TO_SERVER, "{\"id\":0,\"op\":\"ls\"}",
	                   "request.id: 0 is outside 1..");
	expect_frame_error(PROTO_TO_SERVER, "{\"id\":1.5,\"op\":\"ls\"}",
	                   "request.id: expected an integer, got 1.5");
	expect_frame_error(PROTO_TO_SERVER, "{\"id\":-3,\"op\":\"ls\"}",
	                   "request.id: -3 is outside");
	expect_frame_error(PROTO_TO_SERVER, "{\"id\":9007199254740992,\"op\":\"ls\"}",
	                   "request.id: 9007199254740992 is outside");
	expect_frame_error(PROTO_TO_SERVER, "{\"id\":1}", "request: missing \"op\"");
	expect_frame_error(PROTO_TO_SERVER, "{\"id\":1,\"op\":7}",
	                   "request.op: expected a string, got a number");
	expect_frame_error(PROTO_TO_SERVER, "{\"id\":1,\"op\":\"\"}",
	                   "request.op: must not be empty");
	expect_frame_error(PROTO_TO_SERVER, "{\"id\":1,\"op\":\"ls\",\"args\":[]}",
	                   "request.args: expected an object, got an array");
}

static void
test_reader_bad_server_envelopes(void **state)
{
	(void)state;
	expect_frame_error(PROTO_TO_CLIENT, "{\"id\":1}", "reply: missing \"ok\"");
	expect_frame_error(PROTO_TO_CLIENT, "{\"id\":1,\"ok\":1}",
	                   "reply.ok: expected a boolean, got a number");
	expect_frame_error(PROTO_TO_CLIENT, "{\"id\":1,\"ok\":false}", "reply: missing \"error\"");
	expect_frame_error(
	    PROTO_TO_CLIENT,
	    "{\"id\":1,\"ok\":false,\"error\":{\"class\":\"bad\",\"code\":\"io_error\","
	    "\"message\":\"m\"}}",
	    "reply.error.class: unknown error class \"bad\"");
	expect_frame_error(
	    PROTO_TO_CLIENT,
	    "{\"id\":1,\"ok\":false,\"error\":{\"class\":\"fatal\",\"code\":\"nope\","
	    "\"message\":\"m\"}}",
	    "reply.error.code: unknown error code \"nope\"");
	expect_frame_error(
	    PROTO_TO_CLIENT,
	    "{\"id\":1,\"ok\":false,\"error\":{\"class\":\"fatal\",\"code\":\"io_error\"}}",
	    "reply.error: missing \"message\"");
	expect_frame_error(PROTO_TO_CLIENT, "{\"type\":\"gossip\"}",
	                   "message.type: unknown message type \"gossip\"");
	expect_frame_error(PROTO_TO_CLIENT, "{\"type\":\"event\",\"event\":{\"runId\":\"r\"}}",
	                   "event: missing \"seq\"");
	expect_frame_error(PROTO_TO_CLIENT, "{\"type\":\"screen\"}", "screen: missing \"session\"");
}

static void
test_reader_truncated_at_eof(void **state)
{
	struct proto_reader r;
	struct df_error err;

	(void)state;
	proto_reader_init(&r, PROTO_TO_SERVER);
	assert_int_equal(proto_reader_eof(&r, &err), 0);
	proto_reader_feed(&r, "\0\0", 2);
	assert_int_equal(proto_reader_eof(&r, &err), -1);
	assert_int_equal(err.code, DF_E_PROTOCOL);
	assert_string_equal(err.message,
	                    "truncated frame: the connection closed after 2 of the 4 header bytes");
	proto_reader_free(&r);
}

static void
test_reader_reads_fd(void **state)
{
	struct proto_reader r;
	struct proto_msg msg;
	struct df_error err;
	struct buf b = BUF_INIT;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	proto_reader_init(&r, PROTO_TO_SERVER);
	assert_int_equal(proto_reader_read(&r, sv[0], &err), PROTO_IO_AGAIN);
	put_frame(&b, "{\"id\":3,\"op\":\"ping\"}");
	assert_int_equal(write(sv[1], b.data, b.len), (ssize_t)b.len);
	assert_int_equal(proto_reader_read(&r, sv[0], &err), PROTO_IO_DATA);
	assert_int_equal(proto_reader_pop(&r, &msg, &err), 1);
	assert_int_equal(msg.id, 3);
	proto_msg_clear(&msg);
	close(sv[1]);
	assert_int_equal(proto_reader_read(&r, sv[0], &err), PROTO_IO_EOF);
	assert_int_equal(proto_reader_eof(&r, &err), 0);
	close(sv[0]);
	buf_free(&b);
	proto_reader_free(&r);
}

static cJSON *
big_request(uint64_t id, size_t pad)
{
	cJSON *args = cJSON_CreateObject();
	char *s = xmalloc(pad + 1);

	memset(s, 'a' + (int)(id % 26), pad);
	s[pad] = '\0';
	cJSON_AddStringToObject(args, "pad", s);
	free(s);
	return proto_request(id, "bulk", args);
}

static void
test_writer_partial_writes(void **state)
{
	struct proto_writer w;
	struct proto_reader r;
	struct proto_msg msg;
	struct df_error err;
	int sv[2], size = 4096, partial = 0;
	uint64_t next = 1;
	const int nframes = 8;
	const size_t pad = 100000;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)), 0);
	assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);

	proto_writer_init(&w);
	proto_reader_init(&r, PROTO_TO_SERVER);
	for (int i = 1; i <= nframes; i++) {
		cJSON *req = big_request((uint64_t)i, pad);

		assert_int_equal(proto_writer_queue(&w, req, &err), 0);
		cJSON_Delete(req);
	}
	while (proto_writer_pending(&w) > 0 || next <= (uint64_t)nframes) {
		size_t before = proto_writer_pending(&w);
		enum proto_io io;

		assert_int_equal(proto_writer_flush(&w, sv[0], &err), 0);
		if (proto_writer_pending(&w) > 0 && proto_writer_pending(&w) < before)
			partial++;
		do
			io = proto_reader_read(&r, sv[1], &err);
		while (io == PROTO_IO_DATA);
		assert_int_equal(io, PROTO_IO_AGAIN);
		while (proto_reader_pop(&r, &msg, &err) == 1) {
			const char *s;

			assert_int_equal(msg.id, next);
			s = cJSON_GetObjectItem(msg.args, "pad")->valuestring;
			assert_int_equal(strlen(s), pad);
			assert_int_equal(s[0], 'a' + (int)(next % 26));
			assert_int_equal(s[pad - 1], 'a' + (int)(next % 26));
			next++;
			proto_msg_clear(&msg);
		}
	}
	/* The socket took the queue in many pieces, not in one write. */
	assert_true(partial > 10);
	assert_int_equal(next, nframes + 1);
	proto_writer_free(&w);
	proto_reader_free(&r);
	close(sv[0]);
	close(sv[1]);
}

static void
test_writer_refuses_oversized_and_non_objects(void **state)
{
	struct proto_writer w;
	struct df_error err;
	cJSON *big = big_request(1, PROTO_MAX_FRAME), *arr = cJSON_CreateArray();

	(void)state;
	proto_writer_init(&w);
	assert_int_equal(proto_writer_queue(&w, big, &err), -1);
	assert_int_equal(err.code, DF_E_PROTOCOL);
	assert_non_null(strstr(err.message, "exceeds the frame limit of 1048576 bytes"));
	assert_int_equal(proto_writer_pending(&w), 0);
	assert_int_equal(proto_writer_queue(&w, arr, &err), -1);
	assert_string_equal(err.message, "cannot send an array: a message must be a JSON object");
	assert_int_equal(proto_writer_pending(&w), 0);
	cJSON_Delete(big);
	cJSON_Delete(arr);
	proto_writer_free(&w);
}

static void
test_writer_peer_gone(void **state)
{
	struct proto_writer w;
	struct df_error err;
	cJSON *req = proto_request(1, "ping", NULL);
	int sv[2];

	(void)state;
	/* No SIGPIPE even with the default disposition. */
	signal(SIGPIPE, SIG_DFL);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	proto_writer_init(&w);
	assert_int_equal(proto_writer_queue(&w, req, &err), 0);
	assert_true(proto_writer_pending(&w) > 0);
	assert_int_equal(proto_writer_flush(&w, sv[0], &err), -1);
	assert_int_equal(err.code, DF_E_IO);
	assert_string_equal(err.message, "the peer closed the connection");
	cJSON_Delete(req);
	proto_writer_free(&w);
	close(sv[0]);
}

/* Encode msg, decode it with a reader in direction dir; msg is consumed. */
static void
round_trip(cJSON *msg, enum proto_dir dir, struct proto_msg *out)
{
	struct proto_reader r;
	struct df_error err;
	unsigned char *frame;
	size_t len;

	frame = proto_encode(msg, &len, &err);
	assert_non_null(frame);
	proto_reader_init(&r, dir);
	proto_reader_feed(&r, frame, len);
	if (proto_reader_pop(&r, out, &err) != 1)
		fail_msg("round trip failed: %s", err.message);
	assert_int_equal(proto_reader_buffered(&r), 0);
	free(frame);
	cJSON_Delete(msg);
	proto_reader_free(&r);
}

static void
test_round_trip_request_and_replies(void **state)
{
	struct proto_msg m;
	struct df_error e;
	cJSON *args = cJSON_CreateObject();

	(void)state;
	cJSON_AddStringToObject(args, "run_id", "run-1");
	round_trip(proto_request(42, "status", args), PROTO_TO_SERVER, &m);
	assert_int_equal(m.kind, PROTO_MSG_REQUEST);
	assert_int_equal(m.id, 42);
	assert_string_equal(m.op, "status");
	assert_string_equal(cJSON_GetObjectItem(m.args, "run_id")->valuestring, "run-1");
	proto_msg_clear(&m);

	round_trip(proto_reply_ok(42, cJSON_CreateString("fine")), PROTO_TO_CLIENT, &m);
	assert_int_equal(m.kind, PROTO_MSG_REPLY);
	assert_true(m.ok);
	assert_string_equal(m.result->valuestring, "fine");
	proto_msg_clear(&m);

	round_trip(proto_reply_ok(43, NULL), PROTO_TO_CLIENT, &m);
	assert_true(cJSON_IsNull(m.result));
	proto_msg_clear(&m);

	df_error_set(&e, DF_HUMAN_REQUIRED, DF_E_ACTIVE_RUN_EXISTS,
	             "run %s is already active on main", "run-0");
	df_error_hint(&e, "abort it first");
	strcpy(e.run_id, "run-0");
	strcpy(e.phase_id, "plan");
	round_trip(proto_reply_error(44, &e), PROTO_TO_CLIENT, &m);
	assert_false(m.ok);
	assert_int_equal(m.id, 44);
	assert_int_equal(m.error.class, DF_HUMAN_REQUIRED);
	assert_int_equal(m.error.code, DF_E_ACTIVE_RUN_EXISTS);
	assert_string_equal(m.error.message, "run run-0 is already active on main");
	assert_string_equal(m.error.hint, "abort it first");
	assert_string_equal(m.error.run_id, "run-0");
	assert_string_equal(m.error.phase_id, "plan");
	proto_msg_clear(&m);

	/* Optional fields are omitted when empty and come back empty. */
	df_error_set(&e, DF_RETRYABLE, DF_E_IO, "disk full");
	{
		cJSON *j = proto_error_json(&e);
		char *text = cJSON_PrintUnformatted(j);

		assert_string_equal(
		    text,
		    "{\"class\":\"retryable\",\"code\":\"io_error\",\"message\":\"disk full\"}");
		free(text);
		cJSON_Delete(j);
	}
	round_trip(proto_reply_error(0, &e), PROTO_TO_CLIENT, &m);
	assert_int_equal(m.id, 0);
	assert_int_equal(m.error.class, DF_RETRYABLE);
	assert_string_equal(m.error.hint, "");
	assert_string_equal(m.error.run_id, "");
	proto_msg_clear(&m);
}

static void
test_round_trip_event(void **state)
{
	struct proto_msg m;
	struct proto_event ev = { .run_id = "run-9",
		                  .seq = 12,
		                  .type = "phase.started",
		                  .ts = "2026-11-25T08:00:00.000Z" };
	struct df_error err;
	cJSON *payload = cJSON_Parse("{\"phase\":\"plan\",\"attempt\":1}");

	(void)state;
	ev.payload = payload;
	round_trip(proto_event_json(&ev), PROTO_TO_CLIENT, &m);
	cJSON_Delete(payload);
	assert_int_equal(m.kind, PROTO_MSG_EVENT);
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(proto_event_parse(m.json, &ev, &err), 0);
	assert_string_equal(ev.run_id, "run-9");
	assert_int_equal(ev.seq, 12);
	assert_string_equal(ev.type, "phase.started");
	assert_string_equal(ev.ts, "2026-11-25T08:00:00.000Z");
	assert_string_equal(cJSON_GetObjectItem(ev.payload, "phase")->valuestring, "plan");
	proto_msg_clear(&m);
}

static void
test_round_trip_screen(void **state)
{
	struct proto_screen s = { 0 }, t;
	struct proto_row *row;
	struct proto_msg m;
	struct df_error err;
	cJSON *span;

	(void)state;
	s.session = xstrdup("run-1/plan");
	s.full = 1;
	s.rows = 24;
	s.cols = 80;
	s.cursor_row = 3;
	s.cursor_col = 80;
	s.cursor_visible = 1;
	s.title = xstrdup("claude");
	row = proto_screen_add_row(&s, 0);
	proto_row_add_span(row, 0, "Hello ", 6, PROTO_COLOR_DEFAULT, PROTO_COLOR_DEFAULT, 0);
	proto_row_add_span(row, 6, "wörld", strlen("wörld"), 196, PROTO_COLOR_RGB(0x12, 0xab, 0xff),
	                   PROTO_ATTR_BOLD | PROTO_ATTR_UNDERLINE | PROTO_ATTR_REVERSE);
	row = proto_screen_add_row(&s, 23);
	proto_row_add_span(row, 0, "表", strlen("表"), 7, 0,
	                   PROTO_ATTR_ITALIC | PROTO_ATTR_BLINK | PROTO_ATTR_CONCEAL |
	                       PROTO_ATTR_STRIKE);

	round_trip(proto_screen_json(&s), PROTO_TO_CLIENT, &m);
	assert_int_equal(m.kind, PROTO_MSG_SCREEN);
	span = cJSON_GetArrayItem(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(m.json, "rows"), 0),
	                        "spans"),
	    1);
	/* The documented span encoding. */
	{
		char *text = cJSON_PrintUnformatted(span);

		assert_string_equal(
		    text,
		    "{\"x\":6,\"text\":\"wörld\",\"fg\":196,\"bg\":\"#12abff\",\"attrs\":\"bur\"}");
		free(text);
	}
	assert_int_equal(proto_screen_parse(m.json, &t, &err), 0);
	assert_string_equal(t.session, "run-1/plan");
	assert_true(t.full);
	assert_int_equal(t.rows, 24);
	assert_int_equal(t.cols, 80);
	assert_int_equal(t.cursor_row, 3);
	assert_int_equal(t.cursor_col, 80);
	assert_true(t.cursor_visible);
	assert_string_equal(t.title, "claude");
	assert_int_equal(t.nrows, 2);
	assert_int_equal(t.rowv[0].y, 0);
	assert_int_equal(t.rowv[0].nspans, 2);
	assert_string_equal(t.rowv[0].spans[0].text, "Hello ");
	assert_int_equal(t.rowv[0].spans[0].fg, PROTO_COLOR_DEFAULT);
	assert_int_equal(t.rowv[0].spans[0].bg, PROTO_COLOR_DEFAULT);
	assert_int_equal(t.rowv[0].spans[0].attrs, 0);
	assert_int_equal(t.rowv[0].spans[1].x, 6);
	assert_int_equal(t.rowv[0].spans[1].fg, 196);
	assert_true(PROTO_COLOR_IS_RGB(t.rowv[0].spans[1].bg));
	assert_int_equal(PROTO_COLOR_R(t.rowv[0].spans[1].bg), 0x12);
	assert_int_equal(PROTO_COLOR_G(t.rowv[0].spans[1].bg), 0xab);
	assert_int_equal(PROTO_COLOR_B(t.rowv[0].spans[1].bg), 0xff);
	assert_int_equal(t.rowv[0].spans[1].attrs,
	                 PROTO_ATTR_BOLD | PROTO_ATTR_UNDERLINE | PROTO_ATTR_REVERSE);
	assert_int_equal(t.rowv[1].y, 23);
	assert_string_equal(t.rowv[1].spans[0].text, "表");
	assert_int_equal(t.rowv[1].spans[0].fg, 7);
	assert_int_equal(t.rowv[1].spans[0].bg, 0);
	assert_int_equal(t.rowv[1].spans[0].attrs, PROTO_ATTR_ITALIC | PROTO_ATTR_BLINK |
	                                               PROTO_ATTR_CONCEAL | PROTO_ATTR_STRIKE);
	proto_screen_free(&t);
	proto_screen_free(&s);
	proto_msg_clear(&m);
}

static void
expect_screen_error(const char *json, const char *want)
{
	struct proto_screen s;
	struct df_error err;
	cJSON *j = cJSON_Parse(json);

	assert_non_null(j);
	assert_int_equal(proto_screen_parse(j, &s, &err), -1);
	assert_int_equal(err.code, DF_E_PROTOCOL);
	if (strstr(err.message, want) == NULL)
		fail_msg("error \"%s\" does not contain \"%s\"", err.message, want);
	proto_screen_free(&s);
	cJSON_Delete(j);
}

#define SCREEN_HEAD                                                                                \
	"{\"type\":\"screen\",\"session\":\"s\",\"full\":false,\"size\":{\"rows\":2,\"cols\":4},"  \
	"\"cursor\":{\"row\":0,\"col\":0,\"visible\":true},\"title\":\"\","

static void
test_screen_parse_errors(void **state)
{
	(void)state;
	expect_screen_error(SCREEN_HEAD "\"rows\":[{\"y\":2,\"spans\":[]}]}",
	                    "screen.rows[0].y: 2 is outside 0..1");
	expect_screen_error(SCREEN_HEAD "\"rows\":[{\"y\":1,\"spans\":[]},{\"y\":0,\"spans\":[]}]}",
	                    "screen.rows[1].y: rows must come in increasing y (0 after 1)");
	expect_screen_error(SCREEN_HEAD "\"rows\":[{\"y\":0,\"spans\":[{\"x\":0,\"text\":\"a\","
	                                "\"fg\":256}]}]}",
	                    "screen.rows[0].spans[0].fg: expected null, an integer 0..255 or");
	expect_screen_error(SCREEN_HEAD "\"rows\":[{\"y\":0,\"spans\":[{\"x\":0,\"text\":\"a\","
	                                "\"bg\":\"#12345g\"}]}]}",
	                    "screen.rows[0].spans[0].bg: expected null");
	expect_screen_error(SCREEN_HEAD "\"rows\":[{\"y\":0,\"spans\":[{\"x\":0,\"text\":\"a\","
	                                "\"attrs\":\"bz\"}]}]}",
	                    "screen.rows[0].spans[0].attrs: unknown attribute letter 'z'");
	expect_screen_error(SCREEN_HEAD "\"rows\":[{\"y\":0,\"spans\":[{\"x\":2,\"text\":\"a\"},"
	                                "{\"x\":1,\"text\":\"b\"}]}]}",
	                    "screen.rows[0].spans[1].x: spans must come in increasing x");
	expect_screen_error(SCREEN_HEAD
	                    "\"rows\":[{\"y\":0,\"spans\":[{\"x\":4,\"text\":\"a\"}]}]}",
	                    "screen.rows[0].spans[0].x: 4 is outside 0..3");
	expect_screen_error(SCREEN_HEAD "\"rows\":[{\"y\":0,\"spans\":[{\"x\":0}]}]}",
	                    "screen.rows[0].spans[0]: missing \"text\"");
	expect_screen_error(SCREEN_HEAD "\"rows\":{}}",
	                    "screen.rows: expected an array, got an object");
	expect_screen_error(
	    "{\"type\":\"screen\",\"session\":\"s\",\"full\":true,\"size\":{\"rows\":0,"
	    "\"cols\":4}}",
	    "screen.size.rows: 0 is outside 1..1000");
	expect_screen_error(
	    "{\"type\":\"screen\",\"session\":\"s\",\"full\":true,\"size\":{\"rows\":2,"
	    "\"cols\":4},\"cursor\":{\"row\":2,\"col\":0,\"visible\":true}}",
	    "screen.cursor.row: 2 is outside 0..1");
}

static void
test_round_trip_keys(void **state)
{
	struct proto_key k = { .session = "s1", .key = PROTO_KEY_UP, .mods = PROTO_MOD_CTRL };
	struct proto_key out;
	struct df_error err;
	cJSON *j;
	char *text;

	(void)state;
	j = proto_key_args(&k);
	text = cJSON_PrintUnformatted(j);
	assert_string_equal(text, "{\"session\":\"s1\",\"key\":\"Up\",\"mods\":\"c\"}");
	free(text);
	assert_int_equal(proto_key_parse(j, &out, &err), 0);
	assert_string_equal(out.session, "s1");
	assert_int_equal(out.key, PROTO_KEY_UP);
	assert_int_equal(out.mods, PROTO_MOD_CTRL);
	cJSON_Delete(j);

	k.key = PROTO_KEY_NONE;
	k.ch = 0x1f600; /* a 4-byte character */
	k.mods = PROTO_MOD_SHIFT | PROTO_MOD_ALT | PROTO_MOD_CTRL;
	j = proto_key_args(&k);
	assert_int_equal(proto_key_parse(j, &out, &err), 0);
	assert_int_equal(out.key, PROTO_KEY_NONE);
	assert_int_equal(out.ch, 0x1f600);
	assert_int_equal(out.mods, 7);
	assert_string_equal(cJSON_GetObjectItem(j, "mods")->valuestring, "sac");
	cJSON_Delete(j);

	for (int i = 1; i < PROTO_KEY__COUNT; i++)
		assert_int_equal(proto_key_from_name(proto_key_name((enum proto_key_name)i)), i);
	assert_int_equal(proto_key_from_name("Hyper"), PROTO_KEY_NONE);
	assert_null(proto_key_name(PROTO_KEY_NONE));
}

static void
expect_args_error(int (*parse)(const cJSON *, void *, struct df_error *), const char *json,
                  const char *want)
{
	char out[256];
	struct df_error err;
	cJSON *j = cJSON_Parse(json);

	assert_non_null(j);
	assert_int_equal(parse(j, out, &err), -1);
	assert_int_equal(err.code, DF_E_PROTOCOL);
	if (strstr(err.message, want) == NULL)
		fail_msg("error \"%s\" does not contain \"%s\"", err.message, want);
	cJSON_Delete(j);
}

static int
key_parse(const cJSON *j, void *out, struct df_error *err)
{
	return proto_key_parse(j, out, err);
}

static int
resize_parse(const cJSON *j, void *out, struct df_error *err)
{
	return proto_resize_parse(j, out, err);
}

static int
sub_parse(const cJSON *j, void *out, struct df_error *err)
{
	return proto_sub_parse(j, out, err);
}

static int
paste_parse(const cJSON *j, void *out, struct df_error *err)
{
	return proto_paste_parse(j, out, err);
}

static int
hello_parse(const cJSON *j, void *out, struct df_error *err)
{
	return proto_hello_parse(j, out, err);
}

static void
test_args_errors(void **state)
{
	(void)state;
	expect_args_error(key_parse, "{\"session\":\"s\",\"key\":\"Up\",\"char\":\"a\"}",
	                  "key: exactly one of \"key\" and \"char\" is required");
	expect_args_error(key_parse, "{\"session\":\"s\"}", "exactly one of");
	expect_args_error(key_parse, "{\"session\":\"s\",\"key\":\"Hyper\"}",
	                  "key.key: unknown key name \"Hyper\"");
	expect_args_error(key_parse, "{\"session\":\"s\",\"char\":\"ab\"}",
	                  "key.char: expected exactly one UTF-8 character");
	expect_args_error(key_parse, "{\"session\":\"s\",\"char\":\"\\u001b\"}",
	                  "key.char: control character U+001B");
	expect_args_error(key_parse, "{\"session\":\"s\",\"char\":\"a\",\"mods\":\"x\"}",
	                  "key.mods: unknown modifier 'x'");
	expect_args_error(key_parse, "{\"key\":\"Up\"}", "key: missing \"session\"");
	expect_args_error(resize_parse, "{\"session\":\"s\",\"rows\":0,\"cols\":80}",
	                  "resize.rows: 0 is outside 1..1000");
	expect_args_error(resize_parse, "{\"session\":\"s\",\"rows\":24}",
	                  "resize: missing \"cols\"");
	expect_args_error(sub_parse, "{\"topic\":\"weather\"}",
	                  "subscribe.topic: expected \"events\" or \"screen\", got \"weather\"");
	expect_args_error(sub_parse, "{\"topic\":\"screen\"}", "subscribe: missing \"session\"");
	expect_args_error(sub_parse, "{\"topic\":\"events\",\"session\":\"s\"}",
	                  "subscribe.session: not allowed with topic \"events\"");
	expect_args_error(paste_parse, "{\"session\":\"s\",\"text\":1}",
	                  "paste.text: expected a string, got a number");
	expect_args_error(hello_parse, "{\"version\":3,\"client\":\"devflow-tui 9\"}",
	                  "protocol version mismatch: devflow-tui 9 speaks protocol 3, this server "
	                  "speaks 2");
	expect_args_error(hello_parse, "{\"client\":\"x\"}", "hello: missing \"version\"");
}

static void
test_round_trip_session_args(void **state)
{
	struct proto_resize rz = { .session = "s2", .rows = 50, .cols = 132 }, rz2;
	struct proto_paste p = { .session = "s2", .text = "line1\nline2\x1b[201~" }, p2;
	struct proto_sub sub = { .topic = PROTO_TOPIC_EVENTS }, sub2;
	struct df_error err;
	cJSON *j;

	(void)state;
	j = proto_resize_args(&rz);
	assert_int_equal(proto_resize_parse(j, &rz2, &err), 0);
	assert_string_equal(rz2.session, "s2");
	assert_int_equal(rz2.rows, 50);
	assert_int_equal(rz2.cols, 132);
	cJSON_Delete(j);

	j = proto_paste_args(&p);
	assert_int_equal(proto_paste_parse(j, &p2, &err), 0);
	assert_string_equal(p2.text, p.text);
	cJSON_Delete(j);

	j = proto_sub_args(&sub);
	assert_int_equal(proto_sub_parse(j, &sub2, &err), 0);
	assert_int_equal(sub2.topic, PROTO_TOPIC_EVENTS);
	assert_null(sub2.run_id);
	cJSON_Delete(j);

	sub.run_id = "run-3";
	j = proto_sub_args(&sub);
	assert_int_equal(proto_sub_parse(j, &sub2, &err), 0);
	assert_string_equal(sub2.run_id, "run-3");
	cJSON_Delete(j);

	sub = (struct proto_sub){ .topic = PROTO_TOPIC_SCREEN, .session = "s2" };
	j = proto_sub_args(&sub);
	assert_int_equal(proto_sub_parse(j, &sub2, &err), 0);
	assert_int_equal(sub2.topic, PROTO_TOPIC_SCREEN);
	assert_string_equal(sub2.session, "s2");
	cJSON_Delete(j);
}

static void
test_hello(void **state)
{
	struct proto_hello h;
	struct df_error err;
	cJSON *args = proto_hello_args("devflow-cli 0.1.0"), *res;
	pid_t pid = 0;

	(void)state;
	assert_int_equal(proto_hello_parse(args, &h, &err), 0);
	assert_int_equal(h.version, PROTO_VERSION);
	assert_string_equal(h.client, "devflow-cli 0.1.0");
	cJSON_Delete(args);

	res = proto_hello_result(4242);
	assert_int_equal(proto_hello_check(res, &pid, &err), 0);
	assert_int_equal(pid, 4242);
	cJSON_ReplaceItemInObject(res, "protocol", cJSON_CreateNumber(PROTO_VERSION + 1));
	assert_int_equal(proto_hello_check(res, &pid, &err), -1);
	assert_int_equal(err.code, DF_E_PROTOCOL);
	assert_non_null(strstr(err.message, "speaks protocol 3, this client speaks 2"));
	assert_non_null(strstr(err.hint, "devflow kill-server"));
	cJSON_Delete(res);
}

/* Integers out of untrusted JSON: range-checked as doubles, never converted out of range. */
static void
test_json_int(void **state)
{
	static const char *const refused[] = { "1e300", "-1e300", "9.3e18", "-9.3e18", "1.5",
		                               "\"1\"", "null",   "true",   "1001",    "-1" };
	long long n = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		cJSON *v = cJSON_Parse(refused[i]);

		if (json_int(v, -0.0, 1000, &n) != -1)
			fail_msg("%s was taken as %lld", refused[i], n);
		assert_int_equal(n, 42);
		cJSON_Delete(v);
	}
	{
		cJSON *v = cJSON_CreateNumber(NAN);

		assert_int_equal(json_int(v, 0, 1000, &n), -1);
		cJSON_Delete(v);
		v = cJSON_Parse("1000");
		assert_int_equal(json_int(v, 0, 1000, &n), 0);
		assert_int_equal(n, 1000);
		cJSON_Delete(v);
		v = cJSON_Parse("-9007199254740992");
		assert_int_equal(json_int(v, -9007199254740992.0, 0, &n), 0);
		assert_true(n == -9007199254740992LL);
		cJSON_Delete(v);
	}
}

/* The keys of object o, in order, space-separated (a static buffer). */
static const char *
keys_of(const cJSON *o)
{
	static char buf[512];
	const cJSON *k;

	buf[0] = '\0';
	cJSON_ArrayForEach(k, o)
	{
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", buf[0] ? " " : "",
		         k->string);
	}
	return buf;
}

static void
test_result_simple_round_trips(void **state)
{
	struct df_error err;
	cJSON *pl = cJSON_Parse("{\"status\":\"completed\"}"), *j;
	struct result_start st, st2;
	struct result_decide d, d2;
	struct result_report r, r2;
	struct result_run_state rs;

	(void)state;
	st = (struct result_start){ .run_id = "r1", .state = "planning", .worktree_root = "/w" };
	j = result_start_json(&st);
	assert_string_equal(keys_of(j), "runId state worktreeRoot");
	assert_int_equal(result_start_parse(j, &st2, &err), 0);
	assert_string_equal(st2.run_id, "r1");
	assert_string_equal(st2.worktree_root, "/w");
	cJSON_Delete(j);

	d = (struct result_decide){
		.run_id = "r1", .action = "abort", .replayed = 1, .state = "x"
	};
	j = result_decide_json(&d);
	assert_string_equal(keys_of(j), "runId approvalId action replayed actor state");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "approvalId")));
	assert_int_equal(result_decide_parse(j, &d2, &err), 0);
	assert_null(d2.approval_id);
	assert_int_equal(d2.replayed, 1);
	assert_string_equal(d2.action, "abort");
	cJSON_Delete(j);

	r = (struct result_report){
		.run_id = "r1", .state = "completed", .markdown = "# r", .report = pl
	};
	j = result_report_json(&r);
	assert_string_equal(keys_of(j), "runId state markdownPath jsonPath markdown report");
	assert_int_equal(result_report_parse(j, &r2, &err), 0);
	assert_string_equal(cJSON_GetObjectItem(r2.report, "status")->valuestring, "completed");
	cJSON_Delete(j);

	j = result_run_state_json(&(struct result_run_state){ .run_id = "r1", .state = "paused" });
	assert_string_equal(keys_of(j), "runId state");
	cJSON_DeleteItemFromObject(j, "state");
	assert_int_equal(result_run_state_parse(j, &rs, &err), -1);
	assert_string_equal(err.message, "result: missing \"state\"");
	cJSON_Delete(j);
	cJSON_Delete(pl);
}

static void
test_result_ls_round_trip(void **state)
{
	struct df_error err;
	struct result_ls_run runs[2] = {
		{ .id = "r1",
		  .state = "executing",
		  .phase = "plan",
		  .pending_approvals = 2,
		  .actions = { { "pause", "abort" }, 2 } },
		{ .id = "r2", .state = "completed", .terminal = 1 },
	};
	struct result_ls ls = { runs, 2 }, back;
	cJSON *j = result_ls_json(&ls);

	(void)state;
	assert_string_equal(keys_of(j), "runs");
	assert_string_equal(keys_of(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "runs"), 0)),
	                    "id state template repoPath baseBranch phase phaseState "
	                    "pendingApprovals createdAt endedAt finalReportPath terminal actions");
	assert_int_equal(result_ls_parse(j, &back, &err), 0);
	assert_int_equal(back.nruns, 2);
	assert_int_equal(back.runs[0].pending_approvals, 2);
	assert_int_equal(back.runs[0].actions.n, 2);
	assert_true(result_actions_has(&back.runs[0].actions, "abort"));
	assert_false(result_actions_has(&back.runs[0].actions, "resume"));
	assert_true(back.runs[1].terminal);
	assert_null(back.runs[1].phase);
	result_ls_free(&back);
	/* A field of the wrong type names its path. */
	cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "runs"), 1), "terminal",
	                          cJSON_CreateString("yes"));
	assert_int_equal(result_ls_parse(j, &back, &err), -1);
	assert_int_equal(err.code, DF_E_PROTOCOL);
	assert_string_equal(err.message, "ls.runs[1].terminal: expected a boolean, got a string");
	result_ls_free(&back);
	cJSON_Delete(j);
}

static void
test_result_status_round_trip(void **state)
{
	struct df_error err;
	cJSON *pl = cJSON_Parse("{\"phaseKey\":\"plan\"}");
	struct result_decision dec = { .action = "approve", .actor = "me" };
	struct result_phase ph = { .id = "p1", .phase_key = "plan", .state = "running", .seq = 1 };
	struct result_binding bd = { .role_id = "planner",
		                     .persona = "planner",
		                     .backend = "fake" };
	struct result_approval ap = {
		.id = "a1", .state = "approved", .payload = pl, .decisions = &dec, .ndecisions = 1
	};
	struct result_session ss = { .id = "s1", .state = "EXITED", .has_exit_status = 1 };
	struct result_event ev = { .run_id = "r1", .seq = 3, .type = "run.created", .payload = pl };
	struct result_status st = { .run = { .id = "r1", .state = "executing" },
		                    .phases = &ph,
		                    .nphases = 1,
		                    .bindings = &bd,
		                    .nbindings = 1,
		                    .approvals = &ap,
		                    .napprovals = 1,
		                    .sessions = &ss,
		                    .nsessions = 1,
		                    .events = &ev,
		                    .nevents = 1 },
	                     back;
	cJSON *j = result_status_json(&st);

	(void)state;
	assert_string_equal(keys_of(j), "run phases bindings approvals sessions events checks");
	assert_string_equal(keys_of(cJSON_GetObjectItem(j, "run")),
	                    "id state pausedFromState repoPath baseBranch worktreeRoot "
	                    "templateHash currentPhaseId finalReportPath createdAt startedAt "
	                    "endedAt rebaseRunId rebaseOf terminal actions");
	assert_string_equal(keys_of(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "sessions"), 0)),
	                    "id phaseId roleId backend state transcriptPath exitStatus");
	assert_int_equal(result_status_parse(j, &back, &err), 0);
	assert_string_equal(back.phases[0].phase_key, "plan");
	assert_string_equal(back.bindings[0].role_id, "planner");
	assert_int_equal(back.approvals[0].ndecisions, 1);
	assert_string_equal(back.approvals[0].decisions[0].actor, "me");
	assert_true(back.sessions[0].has_exit_status);
	assert_int_equal(back.events[0].seq, 3);
	result_status_free(&back);
	cJSON_Delete(j);
	cJSON_Delete(pl);
}

static void
test_result_events_and_sessions(void **state)
{
	struct df_error err;
	struct result_event ev = { .run_id = "r1", .seq = 1, .type = "run.created" };
	struct result_events es = { .run_id = "r1",
		                    .state = "planning",
		                    .events = &ev,
		                    .nevents = 1 },
	                     eb;
	struct result_sessions_item it = {
		.id = "s1", .run_id = "r1", .state = "RUNNING", .live = 1, .screen = 1
	};
	struct result_sessions sl = { &it, 1 }, sb;
	cJSON *j = result_events_json(&es);

	(void)state;
	assert_string_equal(keys_of(j), "runId state events");
	assert_int_equal(result_events_parse(j, &eb, &err), 0);
	assert_int_equal(eb.nevents, 1);
	assert_null(eb.events[0].phase_id);
	result_events_free(&eb);
	cJSON_Delete(j);
	j = result_sessions_json(&sl);
	/* pid, rows and cols only while the server holds the session's terminal */
	assert_string_equal(keys_of(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "sessions"), 0)),
	                    "id runId phase roleId backend state live screen transcriptPath "
	                    "conversationId createdAt");
	assert_int_equal(result_sessions_parse(j, &sb, &err), 0);
	assert_false(sb.sessions[0].has_terminal);
	assert_true(sb.sessions[0].live);
	result_sessions_free(&sb);
	cJSON_Delete(j);
}

static void
test_result_diff_and_artifact(void **state)
{
	struct df_error err;
	struct result_diff_file f[2] = { { "a.c", "M" }, { "b.c", "?" } };
	struct result_diff d = { .run_id = "r1",
		                 .base = "main",
		                 .files = f,
		                 .nfiles = 2,
		                 .text = "",
		                 .files_truncated = 1 },
	                   db;
	struct result_artifact a = { .run_id = "r1", .phase = "plan", .file_error = "gone" }, ab;
	cJSON *j = result_diff_json(&d);

	(void)state;
	assert_string_equal(keys_of(j),
	                    "runId base worktreeRoot files text truncated filesTruncated");
	assert_int_equal(result_diff_parse(j, &db, &err), 0);
	assert_int_equal(db.nfiles, 2);
	assert_string_equal(db.files[1].status, "?");
	assert_true(db.files_truncated);
	result_diff_free(&db);
	cJSON_Delete(j);
	j = result_artifact_json(&a);
	assert_string_equal(keys_of(j), "runId phase phaseId path schema attempt valid errors hash "
	                                "validatedAt changed json text fileError");
	assert_int_equal(result_artifact_parse(j, &ab, &err), 0);
	assert_null(ab.json);
	assert_string_equal(ab.file_error, "gone");
	cJSON_Delete(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_byte_at_a_time),
		cmocka_unit_test(test_json_int),
		cmocka_unit_test(test_reader_several_frames_in_one_buffer),
		cmocka_unit_test(test_reader_oversized_reported_from_header),
		cmocka_unit_test(test_reader_zero_length),
		cmocka_unit_test(test_reader_not_json),
		cmocka_unit_test(test_reader_nul_byte),
		cmocka_unit_test(test_reader_invalid_utf8),
		cmocka_unit_test(test_encoder_replaces_invalid_utf8),
		cmocka_unit_test(test_writer_queue_frame_shared),
		cmocka_unit_test(test_reader_not_an_object),
		cmocka_unit_test(test_reader_bad_request_envelopes),
		cmocka_unit_test(test_reader_bad_server_envelopes),
		cmocka_unit_test(test_reader_truncated_at_eof),
		cmocka_unit_test(test_reader_reads_fd),
		cmocka_unit_test(test_writer_partial_writes),
		cmocka_unit_test(test_writer_refuses_oversized_and_non_objects),
		cmocka_unit_test(test_writer_peer_gone),
		cmocka_unit_test(test_round_trip_request_and_replies),
		cmocka_unit_test(test_round_trip_event),
		cmocka_unit_test(test_round_trip_screen),
		cmocka_unit_test(test_screen_parse_errors),
		cmocka_unit_test(test_round_trip_keys),
		cmocka_unit_test(test_args_errors),
		cmocka_unit_test(test_round_trip_session_args),
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_result_simple_round_trips),
		cmocka_unit_test(test_result_ls_round_trip),
		cmocka_unit_test(test_result_status_round_trip),
		cmocka_unit_test(test_result_events_and_sessions),
		cmocka_unit_test(test_result_diff_and_artifact),
	};

	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
