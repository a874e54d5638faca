/*
 * The headless script mode (STYLE.md rule 10, like tig's TIG_SCRIPT; tui.h
 * says what the commands do): the script's next line runs only when the UI
 * is idle, keys go through the application as typed ones would, and `:dump`
 * writes the screen as text, the picture the tests compare.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "lib/clock.h"
#include "lib/xalloc.h"
#include "app.h"

static int script_fail(struct tui *t, struct script *sc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The screen as text, rows joined by newlines, trailing blanks trimmed. */
static char *
screen_text(void)
{
	struct buf b = BUF_INIT;

	for (int y = 0; y < LINES; y++) {
		size_t start = b.len, keep;

		for (int x = 0; x < COLS; x++) {
			cchar_t cc;
			wchar_t wc[CCHARW_MAX + 1];
			attr_t a;
			short pr;
			char mb[MB_LEN_MAX * (CCHARW_MAX + 1)];
			size_t n = 0;
			mbstate_t st;

			if (mvwin_wch(curscr, y, x, &cc) == ERR)
				break;
			wc[0] = 0;
			getcchar(&cc, wc, &a, &pr, NULL);
			if (wc[0] == 0)
				wc[0] = L' ', wc[1] = 0;
			memset(&st, 0, sizeof st);
			for (int i = 0; wc[i] != 0 && i < CCHARW_MAX; i++) {
				size_t k = wcrtomb(mb + n, wc[i], &st);

				if (k != (size_t)-1)
					n += k;
			}
			buf_append(&b, mb, n);
			if (wcwidth(wc[0]) == 2)
				x++;
		}
		keep = b.len;
		while (keep > start && b.data[keep - 1] == ' ')
			keep--;
		b.len = keep;
		buf_putc(&b, '\n');
	}
	return buf_detach(&b);
}

static int
script_fail(struct tui *t, struct script *sc, const char *fmt, ...)
{
	char *scr = screen_text();
	va_list ap;

	fprintf(stderr, "devflow tui script %s:%d: ", sc->path, sc->lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n--- screen ---\n%s--------------\n", scr);
	free(scr);
	t->rc = 1;
	t->quit = 1;
	return -1;
}

/* Is the script's wait met (the text shown, or gone)? Then it ends: 1. */
static int
wait_met(struct script *sc)
{
	char *scr = screen_text();
	int found = strstr(scr, sc->wait_text) != NULL;

	free(scr);
	if (found == sc->wait_gone)
		return 0;
	free(sc->wait_text);
	sc->wait_text = NULL;
	sc->waited_at = clock_mono_ms();
	return 1;
}

void
script_check_wait(struct script *sc)
{
	if (sc->wait_text != NULL)
		wait_met(sc);
}

/* A wait holds the script: 1 while it is not met (or failed on its deadline). */
static int
script_waiting(struct tui *t, struct script *sc)
{
	if (sc->wait_text == NULL)
		return 0;
	if (t->dirty)
		app_render(t);
	if (wait_met(sc))
		return 0;
	if (clock_mono_ms() > sc->wait_deadline)
		script_fail(t, sc, "timed out waiting for '%s'%s", sc->wait_text,
		            sc->wait_gone ? " to go" : "");
	return 1;
}

int
script_parse_size(const char *s, int *cols, int *rows)
{
	return sscanf(s, "%dx%d", cols, rows) == 2 && *cols >= 20 && *rows >= 6 && *cols <= 1000 &&
	               *rows <= 1000
	           ? 0
	           : -1;
}

/* `:dump FILE`: the screen as text into FILE. 0, or -1 (the script failed). */
static int
script_dump(struct tui *t, struct script *sc, const char *path)
{
	FILE *f;
	char *scr;

	app_render(t);
	scr = screen_text();
	f = fopen(path, "w");
	if (f == NULL) {
		free(scr);
		return script_fail(t, sc, "cannot write %s", path);
	}
	fputs(scr, f);
	fclose(f);
	free(scr);
	return 0;
}

/*
 * `:type TEXT`: each character of TEXT as a key, typed ahead: the rest is
 * dropped when one asks a question (as curses' flushinp drops a terminal's).
 */
static void
script_type(struct tui *t, const char *s)
{
	mbstate_t st;
	size_t n = strlen(s);

	memset(&st, 0, sizeof st);
	t->typeahead_dropped = 0;
	while (n > 0 && !t->typeahead_dropped) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s, n, &st);

		if (k == (size_t)-1 || k == (size_t)-2 || k == 0)
			break;
		app_key(t, (int)wc);
		s += k;
		n -= k;
	}
}

/* `:paste TEXT`: a bracketed paste of TEXT, with \n for newlines and \t for tabs. */
static void
script_paste(struct tui *t, const char *p)
{
	mbstate_t st;

	app_key(t, KEYS_FN | KEYS_PASTE_START);
	memset(&st, 0, sizeof st);
	while (*p != '\0') {
		wchar_t wc;
		size_t k;

		if (p[0] == '\\' && (p[1] == 'n' || p[1] == 't')) {
			app_key(t, p[1] == 'n' ? '\r' : '\t');
			p += 2;
			continue;
		}
		k = mbrtowc(&wc, p, strlen(p), &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0)
			break;
		app_key(t, (int)wc);
		p += k;
	}
	app_key(t, KEYS_FN | KEYS_PASTE_END);
}

/*
 * `:click COL ROW`, `:wheel up|down COL ROW`: the mouse as the terminal
 * reports it, columns and rows from 1 (as xterm counts, and as the lines
 * of a :dump are numbered). 0, or -1 (the script failed: a bad line).
 */
static int
script_mouse(struct tui *t, struct script *sc, const char *line)
{
	char dir[8] = "", extra;
	int col, row, n;
	enum mouse_kind kind = MOUSE_CLICK;

	if (strncmp(line, ":click ", 7) == 0)
		n = sscanf(line + 7, "%d %d %c", &col, &row, &extra) == 2 ? 2 : -1;
	else if (sscanf(line + 7, "%7s %d %d %c", dir, &col, &row, &extra) == 3 &&
	         (strcmp(dir, "up") == 0 || strcmp(dir, "down") == 0)) {
		kind = dir[0] == 'u' ? MOUSE_WHEEL_UP : MOUSE_WHEEL_DOWN;
		n = 2;
	} else
		n = -1;
	if (n < 0 || col < 1 || row < 1 || col > COLS || row > LINES)
		return script_fail(t, sc,
		                   "bad mouse line '%s' (:click COL ROW, :wheel up|down COL ROW, "
		                   "from 1 within %dx%d)",
		                   line, COLS, LINES);
	app_mouse(t, kind, row - 1, col - 1);
	return 0;
}

/*
 * Run the script command line (":..."): 1 when the script step ends there
 * (the UI has a key to act on, or the script failed), 0 to read on.
 */
static int
script_command(struct tui *t, struct script *sc, const char *line)
{
	if (strncmp(line, ":dump ", 6) == 0)
		return script_dump(t, sc, line + 6) != 0;
	if (strncmp(line, ":resize ", 8) == 0) {
		int c, r;

		if (script_parse_size(line + 8, &c, &r) != 0) {
			script_fail(t, sc, "bad size '%s' (COLSxROWS)", line + 8);
			return 1;
		}
		resizeterm(r, c);
		app_key(t, KEYS_FN | KEY_RESIZE);
		return 1;
	}
	if (strncmp(line, ":type ", 6) == 0) {
		script_type(t, line + 6);
		return 1;
	}
	if (strncmp(line, ":wait-for ", 10) == 0 || strncmp(line, ":wait-gone ", 11) == 0) {
		int gone = line[6] == 'g';
		const char *e = getenv("DEVFLOW_TUI_WAIT_MS");

		sc->wait_text = xstrdup(line + (gone ? 11 : 10));
		sc->wait_gone = gone;
		sc->wait_deadline = clock_mono_ms() + (e ? atoi(e) : 20000);
		return 0;
	}
	if (strncmp(line, ":click ", 7) == 0 || strncmp(line, ":wheel ", 7) == 0) {
		script_mouse(t, sc, line);
		return 1;
	}
	if (strncmp(line, ":paste ", 7) == 0) {
		script_paste(t, line + 7);
		return 1;
	}
	if (strncmp(line, ":sh ", 4) == 0) {
		/* A shell command between keys (tests: stop the server, start a run). */
		int st = system(line + 4);

		if (st != 0) {
			script_fail(t, sc, "command failed (status %d): %s", st, line + 4);
			return 1;
		}
		return 0;
	}
	if (strncmp(line, ":mark ", 6) == 0) {
		/* Right after a wait: the moment the screen met it. */
		if (sc->waited_at != 0)
			app_mark_at(line + 6, sc->waited_at);
		else
			app_mark(line + 6);
		return 0;
	}
	if (strncmp(line, ":sleep ", 7) == 0) {
		sc->sleep_until = clock_mono_ms() + atoi(line + 7);
		/* The messages' clock moves by as much, and only here. */
		t->vclock += atoi(line + 7);
		return 0;
	}
	script_fail(t, sc, "unknown script command '%s'", line);
	return 1;
}

void
script_step(struct tui *t, struct script *sc)
{
	char line[4096];

	app_flush_typed(t);
	while (!t->quit) {
		size_t len;

		if (sc->sleep_until > 0) {
			if (clock_mono_ms() < sc->sleep_until)
				return;
			sc->sleep_until = 0;
		}
		if (script_waiting(t, sc))
			return;
		if (fgets(line, sizeof line, sc->f) == NULL) {
			sc->done = 1;
			t->quit = 1;
			return;
		}
		sc->lineno++;
		if (strncmp(line, ":mark ", 6) != 0)
			sc->waited_at = 0;
		len = strcspn(line, "\r\n");
		line[len] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (line[0] != ':') {
			int key = keys_parse(line);

			if (key < 0) {
				script_fail(t, sc, "unknown key '%s'", line);
				return;
			}
			app_key(t, key);
			return;
		}
		if (script_command(t, sc, line))
			return;
	}
}

int
script_open(struct tui *t, struct script *sc, const char *path, FILE **in)
{
	const char *size = getenv("DEVFLOW_TUI_SIZE");
	const char *outp = getenv("DEVFLOW_TUI_OUTPUT");
	int c = 80, r = 24;
	char tmp[16];

	if (size != NULL && script_parse_size(size, &c, &r) != 0) {
		fprintf(stderr, "devflow: DEVFLOW_TUI_SIZE '%s': expected COLSxROWS\n", size);
		return -1;
	}
	sc->f = fopen(path, "r");
	sc->path = xstrdup(path);
	if (sc->f == NULL) {
		fprintf(stderr, "devflow: DEVFLOW_TUI_SCRIPT %s: %s\n", path, strerror(errno));
		return -1;
	}
	snprintf(tmp, sizeof tmp, "%d", r);
	setenv("LINES", tmp, 1);
	snprintf(tmp, sizeof tmp, "%d", c);
	setenv("COLUMNS", tmp, 1);
	t->out = fopen(outp && outp[0] ? outp : "/dev/null", "w");
	*in = fopen("/dev/null", "r");
	if (t->out == NULL || *in == NULL) {
		fprintf(stderr, "devflow: cannot open the headless terminal\n");
		return -1;
	}
	return 0;
}

void
script_close(struct script *sc)
{
	if (sc->f)
		fclose(sc->f);
	free(sc->path);
	free(sc->wait_text);
}
