/*
 * Memory per session screen with a full history: N screens (as the server
 * holds them, ROWSxCOLS) each fed LINES lines of 80-column text, a third of
 * them coloured, so that every history is full; the growth of the process's
 * resident set divided by N is what one session's screen costs.
 *
 *   screen-rss [-n SCREENS] [-l LINES] [-r ROWS] [-c COLS]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/screen.h"
#include "lib/buf.h"
#include "procstat.h"

int
main(int argc, char **argv)
{
	int n = 20, lines = 10000, rows = 40, cols = 120, opt;

	while ((opt = getopt(argc, argv, "n:l:r:c:")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'l')
			lines = atoi(optarg);
		else if (opt == 'r')
			rows = atoi(optarg);
		else if (opt == 'c')
			cols = atoi(optarg);
		else {
			fprintf(stderr,
			        "usage: screen-rss [-n SCREENS] [-l LINES] [-r ROWS] [-c COLS]\n");
			return 2;
		}
	}
	if (n < 1 || lines < 1) {
		fprintf(stderr, "screen-rss: SCREENS and LINES must be at least 1\n");
		return 2;
	}
	struct screen **s = calloc((size_t)n, sizeof *s);
	struct buf b = BUF_INIT;
	long before = procstat_kib("VmRSS");

	for (int i = 0; i < n; i++) {
		s[i] = screen_new(rows, cols, (size_t)lines, NULL, NULL);
		for (int l = 0; l < lines + rows; l++) {
			buf_reset(&b);
			if (l % 3 == 0)
				buf_printf(&b, "\033[3%dm", 1 + l % 6);
			buf_printf(&b, "%06d ", l);
			while (b.len < 88)
				buf_puts(&b, "lorem ipsum ");
			b.len = (l % 3 == 0 ? 5 : 0) + 80; /* 80 columns of text */
			buf_puts(&b, "\033[0m\r\n");
			screen_feed(s[i], b.data, b.len);
		}
		screen_flush(s[i]);
	}
	long after = procstat_kib("VmRSS");
	printf("screen-rss: %d screens %dx%d, %zu history lines each (%d fed): RSS +%ld KiB, "
	       "%.2f MiB per screen\n",
	       n, cols, rows, screen_scrollback_count(s[0]), lines + rows, after - before,
	       (double)(after - before) / 1024.0 / n);
	for (int i = 0; i < n; i++)
		screen_free(s[i]);
	free(s);
	buf_free(&b);
	return 0;
}
