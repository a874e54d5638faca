/*
 * Our grid against libvterm's own screen layer, the reference the parity
 * tests with tmux were written against: the same random streams (text, wide
 * and combining characters, every SGR attribute, cursor moves, erases,
 * insert/delete, scroll regions with and without margins, the alternate
 * screen, reverse video, protected cells, double-width lines, resizes) go
 * into a screen and into a VTerm with a VTermScreen, and every cell (code
 * points, width, colours, attributes), the cursor and the history must
 * agree.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <vterm.h>

#include "agent/screen.h"
#include "lib/buf.h"
#include "lib/utf8.h"

/* The reference: a VTermScreen whose scrollback keeps every pushed line. */
struct ref {
	VTerm *vt;
	VTermScreen *vs;
	VTermScreenCell **lines;
	int *widths;
	size_t n, cap;
};

static int
ref_push(int cols, const VTermScreenCell *cells, void *user)
{
	struct ref *r = user;

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->lines = realloc(r->lines, r->cap * sizeof *r->lines);
		r->widths = realloc(r->widths, r->cap * sizeof *r->widths);
	}
	r->lines[r->n] = malloc((size_t)cols * sizeof *cells);
	memcpy(r->lines[r->n], cells, (size_t)cols * sizeof *cells);
	/* Trailing blanks are not kept (nor were they before our grid). */
	while (cols > 0) {
		const VTermScreenCell *c = &cells[cols - 1];
		if ((c->chars[0] != 0 && c->chars[0] != ' ') || c->attrs.bold ||
		    c->attrs.underline || c->attrs.italic || c->attrs.reverse || c->attrs.blink ||
		    c->attrs.strike || c->attrs.font || !VTERM_COLOR_IS_DEFAULT_FG(&c->fg) ||
		    !VTERM_COLOR_IS_DEFAULT_BG(&c->bg))
			break;
		cols--;
	}
	r->widths[r->n++] = cols;
	return 1;
}

static int
ref_pop(int cols, VTermScreenCell *cells, void *user)
{
	struct ref *r = user;
	VTermColor fg, bg;

	if (r->n == 0)
		return 0;
	VTermScreenCell *l = r->lines[--r->n];
	vterm_state_get_default_colors(vterm_obtain_state(r->vt), &fg, &bg);
	for (int i = 0; i < cols; i++) {
		if (i < r->widths[r->n]) {
			cells[i] = l[i];
			continue;
		}
		memset(&cells[i], 0, sizeof cells[i]);
		cells[i].width = 1;
		cells[i].fg = fg;
		cells[i].bg = bg;
	}
	free(l);
	return 1;
}

static const VTermScreenCallbacks ref_callbacks = {
	.sb_pushline = ref_push,
	.sb_popline = ref_pop,
};

static void
ref_init(struct ref *r, int rows, int cols)
{
	memset(r, 0, sizeof *r);
	r->vt = vterm_new(rows, cols);
	vterm_set_utf8(r->vt, 1);
	r->vs = vterm_obtain_screen(r->vt);
	vterm_screen_set_callbacks(r->vs, &ref_callbacks, r);
	vterm_screen_enable_altscreen(r->vs, 1);
	vterm_screen_set_damage_merge(r->vs, VTERM_DAMAGE_SCROLL);
	vterm_screen_reset(r->vs, 1);
}

static void
ref_free(struct ref *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->lines[i]);
	free(r->lines);
	free(r->widths);
	vterm_free(r->vt);
}

static struct screen_color
ref_color(const VTermColor *c, bool fg)
{
	struct screen_color o = { SCREEN_COLOR_DEFAULT, 0, 0, 0, 0 };

	if (fg ? VTERM_COLOR_IS_DEFAULT_FG(c) : VTERM_COLOR_IS_DEFAULT_BG(c))
		return o;
	if (VTERM_COLOR_IS_INDEXED(c)) {
		o.kind = SCREEN_COLOR_INDEX;
		o.index = c->indexed.idx;
	} else {
		o.kind = SCREEN_COLOR_RGB;
		o.r = c->rgb.red;
		o.g = c->rgb.green;
		o.b = c->rgb.blue;
	}
	return o;
}

/* A reference cell the way the screen API reports cells. */
static void
ref_cell(const VTermScreenCell *v, struct screen_cell *out)
{
	memset(out, 0, sizeof *out);
	out->attrs.fg = ref_color(&v->fg, true);
	out->attrs.bg = ref_color(&v->bg, false);
	out->attrs.bold = v->attrs.bold;
	out->attrs.underline = v->attrs.underline != 0;
	out->attrs.reverse = v->attrs.reverse;
	out->attrs.italic = v->attrs.italic;
	if (v->chars[0] == (uint32_t)-1)
		return; /* width 0 */
	for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && v->chars[i]; i++)
		out->chars[i] = v->chars[i];
	out->width = v->width > 0 ? v->width : 1;
}

/* A line of the reference history as text, like screen_scrollback_text. */
static char *
ref_line_text(const struct ref *r, size_t i)
{
	struct buf b = BUF_INIT;
	char o[4];

	for (int c = 0; c < r->widths[i]; c++) {
		const VTermScreenCell *v = &r->lines[i][c];
		if (v->chars[0] == (uint32_t)-1)
			continue;
		if (v->chars[0] == 0)
			buf_putc(&b, ' ');
		for (int k = 0; k < VTERM_MAX_CHARS_PER_CELL && v->chars[k]; k++)
			buf_append(&b, o, utf8_encode(v->chars[k], o));
	}
	while (b.len > 0 && b.data[b.len - 1] == ' ')
		b.data[--b.len] = 0;
	return buf_detach(&b);
}

static bool
color_same(const struct screen_color *a, const struct screen_color *b)
{
	return a->kind == b->kind && a->index == b->index && a->r == b->r && a->g == b->g &&
	       a->b == b->b;
}

/* Compare everything; print the first difference. */
static void
compare(struct screen *s, struct ref *r, size_t step)
{
	int rows, cols;
	VTermPos ra;
	int crow, ccol;

	screen_size(s, &rows, &cols);
	for (int y = 0; y < rows; y++)
		for (int x = 0; x < cols; x++) {
			struct screen_cell a, b;
			VTermScreenCell v;
			screen_cell(s, y, x, &a);
			vterm_screen_get_cell(r->vs, (VTermPos){ .row = y, .col = x }, &v);
			ref_cell(&v, &b);
			bool same =
			    memcmp(a.chars, b.chars, sizeof a.chars) == 0 && a.width == b.width &&
			    color_same(&a.attrs.fg, &b.attrs.fg) &&
			    color_same(&a.attrs.bg, &b.attrs.bg) && a.attrs.bold == b.attrs.bold &&
			    a.attrs.underline == b.attrs.underline &&
			    a.attrs.reverse == b.attrs.reverse && a.attrs.italic == b.attrs.italic;
			if (!same)
				fail_msg(
				    "step %zu: cell %d,%d: ours U+%04X w%d fg%d/%d bg%d/%d b%d u%d "
				    "r%d i%d, libvterm U+%04X w%d fg%d/%d bg%d/%d b%d u%d r%d i%d",
				    step, y, x, a.chars[0], a.width, a.attrs.fg.kind,
				    a.attrs.fg.index, a.attrs.bg.kind, a.attrs.bg.index,
				    a.attrs.bold, a.attrs.underline, a.attrs.reverse,
				    a.attrs.italic, b.chars[0], b.width, b.attrs.fg.kind,
				    b.attrs.fg.index, b.attrs.bg.kind, b.attrs.bg.index,
				    b.attrs.bold, b.attrs.underline, b.attrs.reverse,
				    b.attrs.italic);
		}
	screen_cursor(s, &crow, &ccol, NULL);
	vterm_state_get_cursorpos(vterm_obtain_state(r->vt), &ra);
	if (crow != ra.row || ccol != ra.col)
		fail_msg("step %zu: cursor ours %d,%d libvterm %d,%d", step, crow, ccol, ra.row,
		         ra.col);
	if (screen_scrollback_count(s) != r->n)
		fail_msg("step %zu: history ours %zu lines, libvterm %zu", step,
		         screen_scrollback_count(s), r->n);
	/* The newest lines' text (all of them at the end). */
	size_t from = r->n > 8 && step != (size_t)-1 ? r->n - 8 : 0;
	for (size_t i = from; i < r->n; i++) {
		char *a = screen_scrollback_text(s, i), *b = ref_line_text(r, i);
		if (strcmp(a, b) != 0)
			fail_msg("step %zu: history line %zu: ours \"%s\" libvterm \"%s\"", step, i,
			         a, b);
		free(a);
		free(b);
	}
}

static uint64_t rng;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static const char *const texts[] = {
	"hello ",
	"world",
	"x",
	"\xe4\xb8\xad\xe6\x96\x87",  /* wide */
	"\xf0\x9f\x98\x80",          /* emoji, wide */
	"e\xcc\x81",                 /* e + combining acute */
	"a\xcc\x81\xcc\x82\xcc\x83", /* several marks */
	"\xe4\xb8\xad\xcc\x81",      /* wide + mark */
	"caf\xc3\xa9 ",
	"\t",
	"\b",
	"0123456789012345678901234567890123456789",
};

static const char *const sgr[] = {
	"0",           "1",          "3",
	"4",           "4:3",        "21",
	"5",           "7",          "9",
	"11",          "22",         "23",
	"24",          "25",         "27",
	"29",          "10",         "31",
	"42",          "38;5;99",    "48;5;200",
	"39",          "49",         "97",
	"107",         "38;2;1;2;3", "48;2;200;100;50",
	"1;4;7;31;44",
};

/* One random piece of terminal output into b. */
static void
piece(struct buf *b, int rows, int cols)
{
	switch (rnd(30)) {
	case 0:
	case 1:
	case 2:
		buf_printf(b, "\033[%sm", sgr[rnd(sizeof sgr / sizeof sgr[0])]);
		break;
	case 3:
		buf_printf(b, "\033[%u;%uH", 1 + rnd((uint32_t)rows + 1),
		           1 + rnd((uint32_t)cols + 2));
		break;
	case 4:
		buf_printf(b, "\033[%u%c", 1 + rnd(5), "ABCDEFG"[rnd(7)]);
		break;
	case 5:
		buf_printf(b, "\033[%uK", rnd(3));
		break;
	case 6:
		buf_printf(b, "\033[%uJ", rnd(4) == 0 ? 2 : rnd(2));
		break;
	case 7:
		buf_printf(b, "\033[%u%c", 1 + rnd(6), "X@PLM"[rnd(5)]);
		break;
	case 8:
		buf_printf(b, "\033[%u%c", 1 + rnd(4), "ST"[rnd(2)]);
		break;
	case 9: { /* a scroll region, lines fed through it, reset */
		int top = 1 + (int)rnd((uint32_t)rows);
		int bot = top + (int)rnd((uint32_t)(rows - top + 1));
		buf_printf(b, "\033[%d;%dr\033[%d;1H\n\n\033M\033[%uS\033[r", top, bot, bot,
		           rnd(3));
		break;
	}
	case 10: { /* left/right margins (DECLRMM), then scrolls and inserts inside */
		int l = 1 + (int)rnd((uint32_t)cols / 2), r = l + 1 + (int)rnd((uint32_t)cols / 2);
		buf_printf(
		    b,
		    "\033[?69h\033[%d;%ds\033[2;%dr\033[%d;%dH\n\nab\033[2@\033[S\033[T\033[L"
		    "\033[s\033[?69l\033[r",
		    l, r, rows, rows, l + 1);
		break;
	}
	case 11:
		buf_puts(b, rnd(2) ? "\033[?1049h" : "\033[?1049l");
		break;
	case 12:
		buf_puts(b, rnd(3) ? "\033[?5l" : "\033[?5h");
		break;
	case 13:
		buf_puts(b, rnd(2) ? "\0337" : "\0338");
		break;
	case 14: /* protected text, then a selective erase */
		buf_puts(b, rnd(2) ? "\033[1\"qPROT\033[0\"q" : "\033[?2K\033[?1J");
		break;
	case 15:
		buf_puts(b, "\033#5");
		break;
	case 16:
		/* REP of a narrow character: of a wide one in the last column, it
		 * crashes libvterm's screen (screen.c, cb_putglyph). */
		buf_printf(b, "x\033[%ub", 1 + rnd(5));
		break;
	case 17:
		buf_puts(b, rnd(2) ? "\033[?47h" : "\033[?47l");
		break;
	case 18:
		buf_puts(b, "\033D\033E\033M");
		break;
	default:
		for (uint32_t n = 1 + rnd(6); n > 0; n--)
			buf_puts(b, texts[rnd(sizeof texts / sizeof texts[0])]);
		if (rnd(3) == 0)
			buf_puts(b, "\r\n");
		break;
	}
}

/*
 * Would libvterm's screen keep the cursor on screen shrinking from rows to
 * to? It scrolls away every row down to the last non-blank one, cursor or
 * not, and then crashes on the next erase; our screen stops at the cursor.
 */
static bool
shrink_safe(struct ref *r, int rows, int to)
{
	VTermPos cursor;
	int y;

	vterm_state_get_cursorpos(vterm_obtain_state(r->vt), &cursor);
	for (y = rows - 1; y >= to; y--)
		if (!vterm_screen_is_eol(r->vs, (VTermPos){ .row = y, .col = 0 }) ||
		    cursor.row == y)
			break;
	return y + 1 - to <= cursor.row;
}

static void
run(uint64_t seed, int rows, int cols, int pieces, bool resizes)
{
	struct screen *s = screen_new(rows, cols, 1000000, NULL, NULL);
	struct ref r;
	struct buf b = BUF_INIT;

	rng = seed;
	ref_init(&r, rows, cols);
	for (int i = 0; i < pieces; i++) {
		buf_reset(&b);
		piece(&b, rows, cols);
		/* PARITY_DEBUG=1: every piece printed and compared, to find the first difference.
		 */
		if (getenv("PARITY_DEBUG") != NULL) {
			fprintf(stderr, "%d: ", i);
			for (size_t k = 0; k < b.len; k++)
				fprintf(stderr, (unsigned char)b.data[k] < 0x20 ? "^%c" : "%c",
				        (unsigned char)b.data[k] < 0x20 ? b.data[k] + 64
				                                        : b.data[k]);
			fprintf(stderr, "\n");
		}
		screen_feed(s, b.data, b.len);
		vterm_input_write(r.vt, b.data, b.len);
		if (resizes && rnd(200) == 0 && !screen_altscreen(s)) {
			/* Rows only: libvterm's screen cannot pop a line with a wide
			 * character in the last column into a narrower screen. */
			int to = 2 + (int)rnd(30);
			if (shrink_safe(&r, rows, to)) {
				rows = to;
				screen_resize(s, rows, cols);
				vterm_set_size(r.vt, rows, cols);
			}
		}
		if (i % 16 == 0 || getenv("PARITY_DEBUG") != NULL)
			compare(s, &r, (size_t)i);
	}
	compare(s, &r, (size_t)-1);
	buf_free(&b);
	ref_free(&r);
	screen_free(s);
}

static void
test_random_streams_80x24(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 6; seed++)
		run(seed * 0x9e3779b97f4a7c15ull, 24, 80, 20000, false);
}

static void
test_random_streams_with_resizes(void **state)
{
	(void)state;
	for (uint64_t seed = 7; seed <= 12; seed++)
		run(seed * 0x9e3779b97f4a7c15ull, 10 + (int)seed, 30 + 7 * (int)seed, 20000, true);
}

static void
test_width_changes(void **state)
{
	struct screen *s = screen_new(6, 20, 100, NULL, NULL);
	struct ref r;
	const char *text = "\033[1;31mone\033[0m\r\ntwo \xe4\xb8\xad\r\n"
	                   "three-three-three-x\r\nfour\r\n";

	(void)state;
	ref_init(&r, 6, 20);
	screen_feed(s, text, strlen(text));
	vterm_input_write(r.vt, text, strlen(text));
	compare(s, &r, 0);
	static const int sizes[][2] = { { 6, 30 }, { 3, 30 }, { 3, 10 }, { 8, 10 }, { 4, 25 } };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		screen_resize(s, sizes[i][0], sizes[i][1]);
		vterm_set_size(r.vt, sizes[i][0], sizes[i][1]);
		compare(s, &r, i + 1);
	}
	ref_free(&r);
	screen_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_streams_80x24),
		cmocka_unit_test(test_random_streams_with_resizes),
		cmocka_unit_test(test_width_changes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
