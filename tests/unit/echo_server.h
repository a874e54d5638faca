/*
 * A tiny protocol server for tests: the real wire layer (proto, sock) with
 * a handful of ops instead of the engine. Ops: hello; echo (result {op,
 * args}); emit {count, run_id?, screen?} (pushes count events, and a screen
 * when screen is true, then replies {emitted}); fail {message} (replies with
 * a full error object); hangup (closes without a reply); garbage (sends a
 * frame that is not JSON); silence (never replies); shutdown (replies, then
 * the server exits). A bad frame from a client gets a reply with id 0
 * naming the problem, then that client is closed.
 */
#ifndef DEVFLOW_TEST_ECHO_SERVER_H
#define DEVFLOW_TEST_ECHO_SERVER_H

/*
 * Serve until "shutdown", or until the last connection closes when there
 * is no listener. listen_fd and conn_fd may each be -1.
 */
void echo_server_run(int listen_fd, int conn_fd);

#endif
