/*
 * Session throughput benchmark: how fast a session (pty + libvterm + the
 * transcript) consumes a 64 MiB stream of mixed text and escape sequences
 * (colours 16/256/RGB, attributes, cursor moves, erases, scroll regions,
 * UTF-8 with wide characters), compared with tmux processing the same
 * stream at the same size, plus the session's peak memory growth.
 *
 *   session-throughput [-m MIB] [-r ROWS] [-c COLS] [-f STREAM] [-k] DIR
 *
 * DIR receives the stream and the transcript (removed at the end unless -k).
 * With -f the stream is that file instead (e.g. one made by agent-stream),
 * left in place.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/session.h"
#include "lib/buf.h"
#include "lib/loop.h"
#include "procstat.h"

#define USAGE "usage: session-throughput [-m MIB] [-r ROWS] [-c COLS] [-f STREAM] [-k] DIR\n"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static const char *const words[] = {
	"the",
	"quick",
	"brown",
	"fox",
	"jumps",
	"over",
	"lazy",
	"dog",
	"agent",
	"review",
	"plan",
	"build",
	"test",
	"merge",
	"worktree",
	"phase",
	"caf\xc3\xa9",
	"\xce\xb1\xce\xb2\xce\xb3",
	"na\xc3\xafve",
	"stra\xc3\x9f"
	"e",
	"\xe4\xb8\xad\xe6\x96\x87",
	"\xe6\xbc\xa2\xe5\xad\x97",
	"\xf0\x9f\x98\x80",
	"\xf0\x9f\x9a\x80",
	"\xed\x95\x9c\xea\xb8\x80",
};

/* One random piece of terminal output. */
static void
piece(struct buf *b, int rows, int cols)
{
	switch (rnd(20)) {
	case 0:
	case 1:
		buf_printf(b, "\033[%um", 30 + rnd(8) + (rnd(2) ? 60 : 0));
		break;
	case 2:
		buf_printf(b, "\033[38;5;%um", rnd(256));
		break;
	case 3:
		buf_printf(b, "\033[48;2;%u;%u;%um", rnd(256), rnd(256), rnd(256));
		break;
	case 4:
		buf_puts(b, rnd(2) ? "\033[1m" : rnd(2) ? "\033[7m" : "\033[0m");
		break;
	case 5:
		buf_printf(b, "\033[%u;%uH", 1 + rnd((uint32_t)rows), 1 + rnd((uint32_t)cols));
		break;
	case 6:
		buf_printf(b, "\033[%u%c", 1 + rnd(5), "ABCD"[rnd(4)]);
		break;
	case 7:
		buf_printf(b, "\033[%uK", rnd(3));
		break;
	case 8:
		if (rnd(50) == 0)
			buf_puts(b, "\033[2J");
		else
			buf_printf(b, "\033[%uX", 1 + rnd(10));
		break;
	case 9:
		if (rnd(4) == 0) {
			int top = 1 + (int)rnd((uint32_t)rows / 2);
			buf_printf(b, "\033[%d;%dr\033[%d;1H\n\n\n\033M\033[r", top,
			           top + 5 + (int)rnd(10), top);
		} else {
			buf_printf(b, "\033[%u%c", 1 + rnd(3), rnd(2) ? 'S' : 'T');
		}
		break;
	default:
		for (uint32_t n = 1 + rnd(8); n > 0; n--) {
			buf_puts(b, words[rnd(sizeof words / sizeof words[0])]);
			buf_putc(b, ' ');
		}
		if (rnd(3) == 0)
			buf_puts(b, "\r\n");
		break;
	}
}

static int
generate(const char *path, size_t bytes, int rows, int cols)
{
	FILE *f = fopen(path, "wb");
	struct buf b = BUF_INIT;
	size_t done = 0;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	while (done < bytes) {
		buf_reset(&b);
		while (b.len < 65536)
			piece(&b, rows, cols);
		size_t n = b.len < bytes - done ? b.len : bytes - done;
		if (fwrite(b.data, 1, n, f) != n) {
			perror(path);
			fclose(f);
			buf_free(&b);
			return -1;
		}
		done += n;
	}
	buf_free(&b);
	return fclose(f);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct result {
	bool done;
	struct session_exit ex;
};

static void
on_exited(struct session *s, const struct session_exit *ex, void *arg)
{
	struct result *r = arg;

	(void)s;
	r->done = true;
	r->ex = *ex;
}

int
main(int argc, char **argv)
{
	int rows = 40, cols = 120, opt;
	size_t mib = 64;
	bool keep = false;
	const char *given = NULL;

	while ((opt = getopt(argc, argv, "m:r:c:f:k")) != -1) {
		switch (opt) {
		case 'm':
			mib = (size_t)atol(optarg);
			break;
		case 'r':
			rows = atoi(optarg);
			break;
		case 'c':
			cols = atoi(optarg);
			break;
		case 'k':
			keep = true;
			break;
		case 'f':
			given = optarg;
			break;
		default:
			fputs(USAGE, stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fputs(USAGE, stderr);
		return 2;
	}
	const char *dir = argv[optind];
	char stream[4096], transcript[4096], cmd[8192];
	snprintf(stream, sizeof stream, "%s/stream.bin", dir);
	snprintf(transcript, sizeof transcript, "%s/session.raw", dir);
	if (given != NULL) {
		struct stat st;
		if (stat(given, &st) != 0) {
			perror(given);
			return 1;
		}
		snprintf(stream, sizeof stream, "%s", given);
		mib = (size_t)st.st_size >> 20;
		printf("stream: %s, %zu MiB, %dx%d\n", given, mib, cols, rows);
	} else {
		if (generate(stream, mib << 20, rows, cols) < 0)
			return 1;
		printf("stream: %zu MiB of mixed text and escape sequences, %dx%d\n", mib, cols,
		       rows);
	}

	/* The session. */
	long rss_before = procstat_kib("VmRSS");
	struct loop *loop = loop_new(NULL);
	const char *args[] = { "cat", stream, NULL };
	struct session_config cfg = {
		.argv = args, .rows = rows, .cols = cols, .transcript_path = transcript
	};
	struct result res = { false, { 0 } };
	struct df_error err;
	const struct session_ops ops = { NULL, NULL, on_exited };
	double t0 = now_s();
	struct session *s = session_spawn(loop, &cfg, &ops, &res, &err);
	if (s == NULL) {
		fprintf(stderr, "session-throughput: %s\n", err.message);
		return 1;
	}
	while (!res.done)
		if (loop_run_once(loop, -1, &err) < 0) {
			fprintf(stderr, "session-throughput: %s\n", err.message);
			return 1;
		}
	double t_session = now_s() - t0;
	long rss_peak = procstat_kib("VmHWM");
	size_t got = session_transcript_bytes(s);
	session_free(s);
	loop_free(loop);

	/* tmux, same stream, same size. */
	snprintf(cmd, sizeof cmd,
	         "printf 'set -g status off\\nset -g history-limit 10000\\n"
	         "set -g remain-on-exit on\\n' > '%s/tmux.conf' && "
	         "tmux -L devflow-bench-%ld -f '%s/tmux.conf' new-session -d -x %d -y %d "
	         "\"cat '%s'; tmux wait-for -S done\" && "
	         "tmux -L devflow-bench-%ld wait-for done; "
	         "rc=$?; tmux -L devflow-bench-%ld kill-server 2>/dev/null; exit $rc",
	         dir, (long)getpid(), dir, cols, rows, stream, (long)getpid(), (long)getpid());
	double t1 = now_s();
	int rc = system(cmd);
	double t_tmux = now_s() - t1;

	printf("session: %.2f s (%.1f MiB/s), %s, transcript %zu bytes\n", t_session,
	       (double)mib / t_session, res.ex.reason, got);
	if (rc == 0)
		printf("tmux:    %.2f s (%.1f MiB/s)\n", t_tmux, (double)mib / t_tmux);
	else
		printf("tmux:    failed (status %d)\n", rc);
	if (rc == 0)
		printf("ratio:   session/tmux = %.2f\n", t_session / t_tmux);
	printf("memory:  RSS %ld KiB before, peak %ld KiB: +%ld KiB for the session\n", rss_before,
	       rss_peak, rss_peak - rss_before);
	if (!keep) {
		if (given == NULL)
			unlink(stream);
		unlink(transcript);
		snprintf(cmd, sizeof cmd, "%s/tmux.conf", dir);
		unlink(cmd);
	}
	return res.ex.code == 0 && !res.ex.signaled && got > 0 ? 0 : 1;
}
