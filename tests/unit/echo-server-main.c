/*
 * The test server as a program, started by the client's autostart in
 * tests: `echo-server server --workspace W`, the same command line as
 * `devflow server`. It takes the workspace lock, listens, serves (see
 * echo_server.h) until "shutdown", then removes its socket.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "proto/sock.h"
#include "echo_server.h"

int
main(int argc, char **argv)
{
	struct sock_listener l;
	struct sock_lock lk;
	struct df_error err;

	if (argc != 4 || strcmp(argv[1], "server") != 0 || strcmp(argv[2], "--workspace") != 0) {
		fprintf(stderr, "usage: echo-server server --workspace DIR\n");
		return 2;
	}
	if (sock_lock_acquire(argv[3], &lk, &err) < 0) {
		fprintf(stderr, "echo-server: %s\n", err.message);
		return 1;
	}
	if (sock_listen(argv[3], &l, &err) < 0) {
		fprintf(stderr, "echo-server: %s\n", err.message);
		sock_lock_release(&lk);
		return 1;
	}
	echo_server_run(l.fd, -1);
	sock_listener_close(&l);
	sock_lock_release(&lk);
	return 0;
}
