/*
 * Test driver: run a command in a session at a given size, feed it key steps
 * once its output has settled, and print the screen as text (like
 * `tmux capture-pane -p`), so shell tests can compare a session with tmux.
 *
 *   session_dump [-r ROWS] [-c COLS] [-s SETTLE_MS] [-t TIMEOUT_MS]
 *                [-T TRANSCRIPT] [-x] [-k KEYS | -w TEXT | -p MS | -d]... -- ARGV...
 *
 * Steps run in order: -k sends KEYS after output settles (a single word is
 * send-keys syntax: a key name like Enter or C-c, or literal text; an
 * argument with spaces is typed as is, like one `tmux send-keys` argument);
 * -w waits until TEXT is on screen; -p pauses; -d prints the screen once
 * output settles (for a program whose screen after its quit key is not the
 * one to compare). At the end the driver waits for output to settle (or the
 * program to exit) and, unless a -d step printed it already, prints the
 * screen; with -x a last line "exit: REASON" follows. Exit status 0, or 1 on a spawn error or a
 * step timeout (with a message on stderr).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/session.h"
#include "lib/clock.h"
#include "lib/loop.h"

struct state {
	uint64_t last_output;
	bool exited;
	char reason[256];
};

static uint64_t
now_ms(void)
{
	return (uint64_t)clock_mono_ms();
}

static void
on_output(struct session *s, void *arg)
{
	struct state *st = arg;

	(void)s;
	st->last_output = now_ms();
}

static void
on_exited(struct session *s, const struct session_exit *ex, void *arg)
{
	struct state *st = arg;

	(void)s;
	st->exited = true;
	snprintf(st->reason, sizeof st->reason, "%s", ex->reason);
}

static const struct session_ops ops = { on_output, NULL, on_exited };

/* Run the loop until output has been quiet for settle ms (or exit); false on timeout. */
static bool
settle(struct loop *loop, struct state *st, unsigned settle_ms, uint64_t deadline)
{
	while (!st->exited) {
		uint64_t now = now_ms();
		if (now >= st->last_output + settle_ms)
			return true;
		if (now >= deadline)
			return false;
		loop_run_once(loop, (int)(st->last_output + settle_ms - now), NULL);
	}
	return true;
}

static bool
wait_text(struct loop *loop, struct session *s, struct state *st, const char *text,
          uint64_t deadline)
{
	for (;;) {
		char *d = screen_dump_text(session_screen(s));
		bool found = strstr(d, text) != NULL;
		free(d);
		if (found)
			return true;
		if (st->exited || now_ms() >= deadline)
			return false;
		loop_run_once(loop, 50, NULL);
	}
}

static void
print_screen(struct session *s)
{
	char *dump = screen_dump_text(session_screen(s));

	fputs(dump, stdout);
	free(dump);
	fflush(stdout);
}

static void
usage(void)
{
	fprintf(stderr, "usage: session_dump [-r ROWS] [-c COLS] [-s SETTLE_MS] [-t TIMEOUT_MS] "
	                "[-T FILE] [-x] [-k KEYS | -w TEXT | -p MS | -d]... -- ARGV...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct session_config cfg = { .rows = 24, .cols = 80, .grace_ms = 1000 };
	unsigned settle_ms = 300, timeout_ms = 10000;
	bool show_exit = false, dumped = false;
	int opt;
	/* Steps are re-read from argv in order after option parsing. */
	int first = 1;

	while ((opt = getopt(argc, argv, "+r:c:s:t:T:xk:w:p:d")) != -1) {
		switch (opt) {
		case 'r':
			cfg.rows = atoi(optarg);
			break;
		case 'c':
			cfg.cols = atoi(optarg);
			break;
		case 's':
			settle_ms = (unsigned)atoi(optarg);
			break;
		case 't':
			timeout_ms = (unsigned)atoi(optarg);
			break;
		case 'T':
			cfg.transcript_path = optarg;
			break;
		case 'x':
			show_exit = true;
			break;
		case 'k':
		case 'w':
		case 'p':
		case 'd':
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	cfg.argv = (const char *const *)&argv[optind];

	struct loop *loop = loop_new(NULL);
	struct state st = { now_ms(), false, "" };
	struct df_error err;
	struct session *s = session_spawn(loop, &cfg, &ops, &st, &err);
	if (s == NULL) {
		fprintf(stderr, "session_dump: %s\n", err.message);
		loop_free(loop);
		return 1;
	}
	int rc = 0;
	uint64_t deadline = now_ms() + timeout_ms;
	for (int i = first; i < optind && rc == 0; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || a[1] == 0 || a[2] != 0)
			continue;
		const char *v = argv[i + 1];
		if (a[1] == 'k') {
			i++;
			if (!settle(loop, &st, settle_ms, deadline)) {
				fprintf(stderr, "session_dump: output never settled before '%s'\n",
				        v);
				rc = 1;
			} else if (st.exited) {
				fprintf(stderr, "session_dump: exited before '%s'\n", v);
				rc = 1;
			} else if (strchr(v, ' ') != NULL) {
				session_write(s, v, strlen(v), NULL);
			} else if (session_send_keys(s, v, &err) < 0) {
				fprintf(stderr, "session_dump: %s\n", err.message);
				rc = 1;
			}
			st.last_output = now_ms();
		} else if (a[1] == 'w') {
			i++;
			if (!wait_text(loop, s, &st, v, deadline)) {
				fprintf(stderr, "session_dump: '%s' never appeared\n", v);
				rc = 1;
			}
		} else if (a[1] == 'p') {
			i++;
			uint64_t end = now_ms() + (uint64_t)atoi(v);
			while (now_ms() < end)
				loop_run_once(loop, (int)(end - now_ms()), NULL);
		} else if (a[1] == 'd') {
			if (!settle(loop, &st, settle_ms, deadline)) {
				fprintf(stderr, "session_dump: output never settled before -d\n");
				rc = 1;
			} else {
				print_screen(s);
				dumped = true;
			}
		} else if (strchr("rcstT", a[1]) != NULL) {
			i++;
		}
	}
	if (rc == 0 && !settle(loop, &st, settle_ms, deadline)) {
		fprintf(stderr, "session_dump: output never settled\n");
		rc = 1;
	}
	if (!dumped)
		print_screen(s);
	if (show_exit) {
		if (!st.exited) {
			session_stop(s);
			while (!st.exited)
				loop_run_once(loop, -1, NULL);
		}
		printf("exit: %s\n", st.reason);
	}
	session_free(s);
	loop_free(loop);
	return rc;
}
