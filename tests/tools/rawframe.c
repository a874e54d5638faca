/*
 * rawframe: a deliberately bad protocol client for the server's tests.
 * `rawframe SOCKET MODE` connects, says hello, then sends one bad frame —
 * MODE is "garbage" (a payload that is not JSON), "oversize" (a header
 * announcing 2 MiB), "array" (JSON that is not an object), "truncated" (half
 * a frame, then the write side closed) or "nohello" (a request before
 * hello) — and prints what came back: the message of the server's
 * closing reply ("error: ..."), then "closed" once the server has closed
 * the connection. Exit 0 when the server closed it, 1 otherwise.
 * `rawframe SOCKET raw JSON` sends JSON, as written, as one frame after
 * hello (a request with id 2, say) and prints the reply to it ("ok", or
 * "reply: <code>: <message>") or the closing reply; exit 0 when either came.
 * `rawframe SOCKET result JSON` does the same but prints a successful
 * reply's result as compact JSON instead of "ok".
 */
#include "config.h"

#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/proto.h"
#include "proto/sock.h"

static void
send_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		struct pollfd pf = { fd, POLLOUT, 0 };
		ssize_t k;

		poll(&pf, 1, 1000);
		k = write(fd, s, n);
		if (k <= 0)
			return;
		s += k;
		n -= (size_t)k;
	}
}

int
main(int argc, char **argv)
{
	struct proto_reader rd;
	struct proto_msg m;
	struct df_error err;
	int fd, closed = 0, replied = 0;
	unsigned char *frame;
	size_t len;

	int result = argc == 4 && strcmp(argv[2], "result") == 0;

	if (argc != 3 && !(argc == 4 && (strcmp(argv[2], "raw") == 0 || result))) {
		fprintf(stderr, "usage: rawframe SOCKET garbage|oversize|array|truncated|nohello\n"
		                "       rawframe SOCKET raw|result JSON\n");
		return 64;
	}
	if ((fd = sock_connect(argv[1], 2000, &err)) < 0) {
		fprintf(stderr, "rawframe: %s\n", err.message);
		return 2;
	}
	proto_reader_init(&rd, PROTO_TO_CLIENT);
	if (strcmp(argv[2], "nohello") != 0) {
		cJSON *req = proto_request(1, "hello", proto_hello_args("rawframe"));

		frame = proto_encode(req, &len, NULL);
		send_all(fd, frame, len);
		free(frame);
		cJSON_Delete(req);
	}
	if (strcmp(argv[2], "garbage") == 0) {
		send_all(fd, "\0\0\0\x07{nope!}", 11);
	} else if (strcmp(argv[2], "oversize") == 0) {
		send_all(fd, "\0\x20\0\0", 4);
	} else if (strcmp(argv[2], "array") == 0) {
		send_all(fd, "\0\0\0\x02[]", 6);
	} else if (strcmp(argv[2], "truncated") == 0) {
		send_all(fd, "\0\0\0\x20{\"id\":2,", 11);
		shutdown(fd, SHUT_WR);
	} else if (strcmp(argv[2], "raw") == 0 || result) {
		unsigned char hdr[4];
		size_t n = strlen(argv[3]);

		hdr[0] = (unsigned char)(n >> 24);
		hdr[1] = (unsigned char)(n >> 16);
		hdr[2] = (unsigned char)(n >> 8);
		hdr[3] = (unsigned char)n;
		send_all(fd, hdr, 4);
		send_all(fd, argv[3], n);
	} else if (strcmp(argv[2], "nohello") == 0) {
		cJSON *req = proto_request(1, "ls", NULL);

		frame = proto_encode(req, &len, NULL);
		send_all(fd, frame, len);
		free(frame);
		cJSON_Delete(req);
	} else {
		fprintf(stderr, "rawframe: unknown mode %s\n", argv[2]);
		return 64;
	}
	for (int i = 0; i < 500 && !closed && !replied; i++) {
		struct pollfd pf = { fd, POLLIN, 0 };
		enum proto_io io;

		if (poll(&pf, 1, 10) <= 0)
			continue;
		io = proto_reader_read(&rd, fd, &err);
		while (proto_reader_pop(&rd, &m, &err) == 1) {
			if (m.kind == PROTO_MSG_REPLY && m.id == 0) {
				printf("error: %s\n", m.error.message);
			} else if (m.kind == PROTO_MSG_REPLY && m.id > 1 && argc == 4) {
				if (m.ok && result) {
					char *s = cJSON_PrintUnformatted(m.result);

					printf("%s\n", s != NULL ? s : "null");
					cJSON_free(s);
				} else if (m.ok)
					printf("ok\n");
				else
					printf("reply: %s: %s\n", df_code_name(m.error.code),
					       m.error.message);
				replied = 1;
			}
			proto_msg_clear(&m);
		}
		if (io == PROTO_IO_EOF || io == PROTO_IO_ERROR)
			closed = 1;
	}
	if (closed)
		printf("closed\n");
	proto_reader_free(&rd);
	close(fd);
	return closed || replied ? 0 : 1;
}
