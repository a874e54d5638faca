/*
 * Generator of an agent-like terminal stream, what a coding-agent CLI prints
 * while it works: prose and code lines (some coloured with SGR 16/256/RGB,
 * bold, dim), diff hunks on coloured backgrounds, a spinner redrawn in place
 * with `\r ESC[2K`, a status box at the bottom redrawn after moving the
 * cursor up, and wide characters (CJK, emoji). Deterministic: the same size
 * always gives the same bytes.
 *
 *   agent-stream [-m MIB] [-c COLS] FILE
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/buf.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* Words with their display width: ASCII, accented, CJK (2 cells each), emoji. */
static const struct {
	const char *s;
	int width;
} words[] = {
	{ "the", 3 },
	{ "agent", 5 },
	{ "reads", 5 },
	{ "file", 4 },
	{ "src/main.c", 10 },
	{ "function", 8 },
	{ "returns", 7 },
	{ "error", 5 },
	{ "test", 4 },
	{ "passes", 6 },
	{ "worktree", 8 },
	{ "branch", 6 },
	{ "review", 6 },
	{ "plan", 4 },
	{ "caf\xc3\xa9", 4 },
	{ "na\xc3\xafve", 5 },
	{ "struct", 6 },
	{ "buffer", 6 },
	{ "(void)", 6 },
	{ "{", 1 },
	{ "}", 1 },
	{ "->", 2 },
	{ "if", 2 },
	{ "return", 6 },
	{ "\xe4\xb8\xad\xe6\x96\x87", 4 },
	{ "\xe6\xbc\xa2\xe5\xad\x97", 4 },
	{ "\xf0\x9f\x9a\x80", 2 },
	{ "\xe2\x9c\x93", 1 },
};

/* A line of words at most width cells wide. */
static void
words_line(struct buf *b, int width)
{
	int used = 0;

	for (;;) {
		size_t w = rnd(sizeof words / sizeof words[0]);
		if (used + words[w].width + 1 > width)
			break;
		buf_puts(b, words[w].s);
		buf_putc(b, ' ');
		used += words[w].width + 1;
		if (rnd(12) == 0)
			break;
	}
}

static const char *const spinner[] = { "\xe2\xa0\x8b", "\xe2\xa0\x99", "\xe2\xa0\xb9",
	                               "\xe2\xa0\xb8", "\xe2\xa0\xbc", "\xe2\xa0\xb4" };

/* One event of agent output. */
static void
event(struct buf *b, int cols)
{
	uint32_t k = rnd(100);

	if (k < 55) { /* plain or lightly coloured prose / code */
		if (rnd(4) == 0)
			buf_printf(b, "\033[38;5;%um", rnd(256));
		else if (rnd(6) == 0)
			buf_puts(b, "\033[1m");
		buf_puts(b, "  ");
		words_line(b, cols - 4);
		buf_puts(b, "\033[0m\r\n");
	} else if (k < 70) { /* a diff hunk line on a coloured background */
		int add = (int)rnd(2);
		buf_printf(b, "\033[%sm%4u %c ", add ? "48;5;22" : "48;2;80;16;16", rnd(9999),
		           add ? '+' : '-');
		words_line(b, cols - 12);
		buf_puts(b, "\033[K\033[0m\r\n");
	} else if (k < 88) { /* a spinner redrawn in place a few times */
		for (uint32_t n = 2 + rnd(6); n > 0; n--)
			buf_printf(b,
			           "\r\033[2K\033[38;2;215;119;87m%s\033[0m Thinking\xe2\x80\xa6 "
			           "(%us \xc2\xb7 esc to interrupt)",
			           spinner[rnd(6)], rnd(120));
		buf_puts(b, "\r\033[2K");
	} else if (k < 96) { /* the status box: up three rows, redraw, come back */
		buf_puts(b, "\033[3A\r");
		for (int r = 0; r < 3; r++) {
			buf_puts(b, "\033[2K\033[2m\xe2\x94\x82\033[0m ");
			if (r == 1)
				buf_printf(b, "> %u tokens \xc2\xb7 ", rnd(100000));
			words_line(b, cols / 2);
			buf_puts(b, r < 2 ? "\r\n" : "\r");
		}
		buf_puts(b, "\033[3B\r");
	} else { /* a heading */
		buf_printf(b, "\r\n\033[1;4;%um\xe2\x97\x8f ", 31 + rnd(6));
		words_line(b, cols / 2);
		buf_puts(b, "\033[0m\r\n");
	}
}

int
main(int argc, char **argv)
{
	size_t mib = 64;
	int cols = 120, opt;

	while ((opt = getopt(argc, argv, "m:c:")) != -1) {
		if (opt == 'm')
			mib = (size_t)atol(optarg);
		else if (opt == 'c')
			cols = atoi(optarg);
		else
			goto usage;
	}
	if (optind + 1 != argc || cols < 40)
		goto usage;
	FILE *f = fopen(argv[optind], "wb");
	if (f == NULL) {
		perror(argv[optind]);
		return 1;
	}
	struct buf b = BUF_INIT;
	size_t bytes = mib << 20, done = 0;
	while (done < bytes) {
		buf_reset(&b);
		while (b.len < 65536)
			event(&b, cols);
		size_t n = b.len < bytes - done ? b.len : bytes - done;
		if (fwrite(b.data, 1, n, f) != n) {
			perror(argv[optind]);
			fclose(f);
			return 1;
		}
		done += n;
	}
	buf_free(&b);
	return fclose(f) == 0 ? 0 : 1;
usage:
	fprintf(stderr, "usage: agent-stream [-m MIB] [-c COLS (>= 40)] FILE\n");
	return 2;
}
