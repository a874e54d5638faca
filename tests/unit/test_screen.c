/* The screen model: bytes in, cells, spans, text, damage, scrollback and keys out. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/screen.h"
#include "lib/buf.h"

static struct buf replies;

static void
collect(const char *bytes, size_t len, void *arg)
{
	(void)arg;
	buf_append(&replies, bytes, len);
}

static struct screen *
make(int rows, int cols, const char *bytes)
{
	struct screen *s = screen_new(rows, cols, 10000, collect, NULL);

	buf_reset(&replies);
	screen_feed(s, bytes, strlen(bytes));
	screen_flush(s);
	return s;
}

static void
test_text_and_cursor(void **state)
{
	struct screen *s = make(5, 20, "hello\r\nworld   \x1b[3;5Hx");
	int row, col;
	bool vis;

	(void)state;
	char *dump = screen_dump_text(s);
	assert_string_equal(dump, "hello\nworld\n    x\n\n\n");
	free(dump);
	screen_cursor(s, &row, &col, &vis);
	assert_int_equal(row, 2);
	assert_int_equal(col, 5);
	assert_true(vis);
	screen_feed(s, "\x1b[?25l", 6);
	screen_flush(s);
	screen_cursor(s, NULL, NULL, &vis);
	assert_false(vis);
	char *r = screen_row_text(s, 1);
	assert_string_equal(r, "world");
	free(r);
	screen_free(s);
}

static void
test_colors_16_256_rgb(void **state)
{
	struct screen *s =
	    make(3, 40, "\x1b[31mR\x1b[0m\x1b[38;5;200mP\x1b[48;2;1;2;3mQ\x1b[0m\x1b[97mB\x1b[0mD");
	struct screen_cell c;

	(void)state;
	screen_cell(s, 0, 0, &c);
	assert_int_equal(c.chars[0], 'R');
	assert_int_equal(c.attrs.fg.kind, SCREEN_COLOR_INDEX);
	assert_int_equal(c.attrs.fg.index, 1);
	assert_int_equal(c.attrs.bg.kind, SCREEN_COLOR_DEFAULT);
	screen_cell(s, 0, 1, &c);
	assert_int_equal(c.attrs.fg.kind, SCREEN_COLOR_INDEX);
	assert_int_equal(c.attrs.fg.index, 200);
	screen_cell(s, 0, 2, &c);
	assert_int_equal(c.attrs.fg.index, 200);
	assert_int_equal(c.attrs.bg.kind, SCREEN_COLOR_RGB);
	assert_int_equal(c.attrs.bg.r, 1);
	assert_int_equal(c.attrs.bg.g, 2);
	assert_int_equal(c.attrs.bg.b, 3);
	screen_cell(s, 0, 3, &c);
	assert_int_equal(c.attrs.fg.kind, SCREEN_COLOR_INDEX);
	assert_int_equal(c.attrs.fg.index, 15);
	screen_cell(s, 0, 4, &c);
	assert_int_equal(c.attrs.fg.kind, SCREEN_COLOR_DEFAULT);

	struct screen_row row;
	screen_row_spans(s, 0, &row);
	assert_int_equal(row.n, 5);
	assert_string_equal(row.spans[0].text, "R");
	assert_int_equal(row.spans[0].col, 0);
	assert_string_equal(row.spans[1].text, "P");
	assert_string_equal(row.spans[2].text, "Q");
	assert_string_equal(row.spans[4].text, "D");
	assert_int_equal(row.spans[4].col, 4);
	screen_row_free(&row);
	screen_free(s);
}

static void
test_attributes_and_spans(void **state)
{
	struct screen *s = make(2, 30, "ab\x1b[1mcd\x1b[7mef\x1b[0;3;4mgh\x1b[0m  ij");
	struct screen_row row;

	(void)state;
	screen_row_spans(s, 0, &row);
	assert_int_equal(row.n, 5);
	assert_string_equal(row.spans[0].text, "ab");
	assert_false(row.spans[0].attrs.bold);
	assert_string_equal(row.spans[1].text, "cd");
	assert_true(row.spans[1].attrs.bold);
	assert_false(row.spans[1].attrs.reverse);
	assert_string_equal(row.spans[2].text, "ef");
	assert_true(row.spans[2].attrs.bold);
	assert_true(row.spans[2].attrs.reverse);
	assert_string_equal(row.spans[3].text, "gh");
	assert_true(row.spans[3].attrs.italic);
	assert_true(row.spans[3].attrs.underline);
	assert_false(row.spans[3].attrs.bold);
	/* Blank cells keep their place inside a plain span; trailing blanks are dropped. */
	assert_string_equal(row.spans[4].text, "  ij");
	assert_int_equal(row.spans[4].col, 8);
	assert_int_equal(row.spans[4].width, 4);
	screen_row_free(&row);
	/* An empty row has no spans; a row with only a coloured blank keeps it. */
	screen_row_spans(s, 1, &row);
	assert_int_equal(row.n, 0);
	screen_row_free(&row);
	screen_feed(s, "\r\n\x1b[44m \x1b[0m", 11);
	screen_flush(s);
	screen_row_spans(s, 1, &row);
	assert_int_equal(row.n, 1);
	assert_string_equal(row.spans[0].text, " ");
	assert_int_equal(row.spans[0].attrs.bg.index, 4);
	screen_row_free(&row);
	screen_free(s);
}

static void
test_wide_characters(void **state)
{
	/* CJK (2 cells each), an emoji (2 cells), then ASCII. */
	struct screen *s = make(2, 20, "\xe4\xb8\xad\xe6\x96\x87\xf0\x9f\x98\x80x");
	struct screen_cell c;
	int col;

	(void)state;
	screen_cell(s, 0, 0, &c);
	assert_int_equal(c.chars[0], 0x4e2d);
	assert_int_equal(c.width, 2);
	screen_cell(s, 0, 1, &c);
	assert_int_equal(c.width, 0);
	screen_cell(s, 0, 2, &c);
	assert_int_equal(c.chars[0], 0x6587);
	screen_cell(s, 0, 4, &c);
	assert_int_equal(c.chars[0], 0x1f600);
	assert_int_equal(c.width, 2);
	screen_cell(s, 0, 6, &c);
	assert_int_equal(c.chars[0], 'x');
	screen_cursor(s, NULL, &col, NULL);
	assert_int_equal(col, 7);
	char *t = screen_row_text(s, 0);
	assert_string_equal(t, "\xe4\xb8\xad\xe6\x96\x87\xf0\x9f\x98\x80x");
	free(t);
	struct screen_row row;
	screen_row_spans(s, 0, &row);
	assert_int_equal(row.n, 1);
	assert_int_equal(row.spans[0].width, 7);
	assert_string_equal(row.spans[0].text, "\xe4\xb8\xad\xe6\x96\x87\xf0\x9f\x98\x80x");
	screen_row_free(&row);
	screen_free(s);
}

static void
test_altscreen_enter_leave(void **state)
{
	struct screen *s = make(3, 10, "main");

	(void)state;
	assert_false(screen_altscreen(s));
	screen_feed(s, "\x1b[?1049h\x1b[H\x1b[2Jalt", 19);
	screen_flush(s);
	assert_true(screen_altscreen(s));
	char *d = screen_dump_text(s);
	assert_string_equal(d, "alt\n\n\n");
	free(d);
	screen_feed(s, "\x1b[?1049l", 8);
	screen_flush(s);
	assert_false(screen_altscreen(s));
	d = screen_dump_text(s);
	assert_string_equal(d, "main\n\n\n");
	free(d);
	screen_free(s);
}

static void
test_scrollback_push_and_pop(void **state)
{
	struct screen *s = screen_new(5, 20, 10000, collect, NULL);
	char line[64];

	(void)state;
	for (int i = 0; i < 12000; i++) {
		int n =
		    snprintf(line, sizeof line, "%sline %d\x1b[0m\r\n", i % 2 ? "\x1b[32m" : "", i);
		screen_feed(s, line, (size_t)n);
	}
	screen_flush(s);
	/* 12000 lines + the empty cursor line on 5 rows: 11996 pushed, 10000 kept. */
	assert_int_equal(screen_scrollback_count(s), 10000);
	assert_int_equal(screen_scrollback_dropped(s), 1996);
	char *t = screen_scrollback_text(s, 0);
	assert_string_equal(t, "line 1996");
	free(t);
	t = screen_scrollback_text(s, 9999);
	assert_string_equal(t, "line 11995");
	free(t);
	struct screen_row row;
	screen_scrollback_spans(s, 9999, &row);
	assert_int_equal(row.n, 1);
	assert_int_equal(row.spans[0].attrs.fg.kind, SCREEN_COLOR_INDEX);
	assert_int_equal(row.spans[0].attrs.fg.index, 2);
	screen_row_free(&row);
	t = screen_row_text(s, 0);
	assert_string_equal(t, "line 11996");
	free(t);

	/* Growing the screen pulls lines back from the scrollback, wide chars intact. */
	screen_feed(s, "\xe4\xb8\xad\xe6\x96\x87 wide\r\n\r\n\r\n\r\n\r\n", 22);
	screen_flush(s);
	screen_resize(s, 8, 20);
	/* Lines pulled back come off the bottom: the top's numbering holds. */
	assert_int_equal(screen_scrollback_dropped(s), 2001);
	t = screen_row_text(s, 0);
	assert_string_equal(t, "line 11998");
	free(t);
	char *d = screen_dump_text(s);
	assert_non_null(strstr(d, "\xe4\xb8\xad\xe6\x96\x87 wide\n"));
	free(d);
	struct screen_cell c;
	int r;
	for (r = 0; r < 8; r++) {
		screen_cell(s, r, 0, &c);
		if (c.chars[0] == 0x4e2d)
			break;
	}
	assert_true(r < 8);
	assert_int_equal(c.width, 2);
	screen_free(s);
}

static void
test_scrollback_byte_budget(void **state)
{
	struct screen *s = screen_new(5, 80, 10000, collect, NULL);
	char line[128];

	(void)state;
	/* 80 columns of text: about 100 bytes a line, 10000 lines fit in the default 4 MiB. */
	for (int i = 0; i < 10005; i++) {
		int n = snprintf(
		    line, sizeof line, "%06d %.*s\r\n", i, 73,
		    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstu"
		    "vwxyz");
		screen_feed(s, line, (size_t)n);
	}
	assert_int_equal(screen_scrollback_count(s), 10000);
	assert_true(screen_scrollback_bytes(s) < (size_t)2 << 20);
	/* A smaller budget drops the oldest lines at once, and keeps to it. */
	screen_set_scrollback_bytes(s, 300000);
	size_t kept = screen_scrollback_count(s);
	assert_true(kept > 1000 && kept < 2500);
	assert_true(screen_scrollback_bytes(s) <= 300000);
	assert_int_equal(screen_scrollback_dropped(s), 10001 - kept);
	char *t = screen_scrollback_text(s, kept - 1);
	assert_memory_equal(t, "010000 abc", 10);
	free(t);
	for (int i = 0; i < 1000; i++)
		screen_feed(s, "more\r\n", 6);
	assert_true(screen_scrollback_bytes(s) <= 300000);
	screen_free(s);
}

static void
test_damage_bits_cleared_on_read(void **state)
{
	struct screen *s = make(10, 10, "");
	unsigned char bits[2];

	(void)state;
	screen_damage_take(s, bits, sizeof bits);
	assert_false(screen_damaged(s));
	screen_feed(s, "\x1b[3;1Ha\x1b[9;1Hb", 14);
	screen_flush(s);
	assert_true(screen_damaged(s));
	/* Exactly the rows written to: 3 and 9 (not libvterm's merged rectangle 3-9). */
	assert_int_equal(screen_damage_take(s, bits, sizeof bits), 2);
	assert_int_equal(bits[0], 1 << 2);
	assert_int_equal(bits[1], 1 << 0);
	/* A line feed at the bottom scrolls: every row changed. */
	screen_feed(s, "\x1b[10;1H\n", 9);
	assert_int_equal(screen_damage_take(s, bits, sizeof bits), 10);
	assert_int_equal(screen_damage_take(s, bits, sizeof bits), 0);
	assert_int_equal(bits[0], 0);
	screen_free(s);
}

/* The rows damaged by feeding bytes to s (after clearing), as a bit string "0110...". */
static const char *
damage_after(struct screen *s, const char *bytes)
{
	static char out[16];
	unsigned char bits[2];
	int rows;

	screen_damage_take(s, NULL, 0);
	screen_feed(s, bytes, strlen(bytes));
	screen_damage_take(s, bits, sizeof bits);
	screen_size(s, &rows, NULL);
	for (int r = 0; r < rows; r++)
		out[r] = bits[r / 8] & (1 << (r % 8)) ? '1' : '0';
	out[rows] = 0;
	return out;
}

/* The server sends only damaged rows: every kind of change must mark its rows. */
static void
test_damage_follows_every_change(void **state)
{
	struct screen *s = make(6, 10, "a\r\nb\r\nc\r\nd\r\ne\r\nf");

	(void)state;
	assert_string_equal(damage_after(s, "\x1b[2;3Hx"), "010000");       /* a glyph */
	assert_string_equal(damage_after(s, "\x1b[3;1H\x1b[K"), "001000");  /* EL */
	assert_string_equal(damage_after(s, "\x1b[4;1H\x1b[2@"), "000100"); /* ICH: cells moved */
	assert_string_equal(damage_after(s, "\x1b[2;4r\x1b[4;1H\n"), "011100"); /* region scroll */
	assert_string_equal(damage_after(s, "\x1b[r\x1b[6;1H\n"), "111111");    /* full scroll */
	assert_string_equal(damage_after(s, "\x1b[1;2H\x1b[1J"), "100000");     /* ED above */
	assert_string_equal(damage_after(s, "\x1b[?5h"), "111111");             /* DECSCNM */
	assert_string_equal(damage_after(s, "\x1b[?5l\x1b[?1049h"), "111111");  /* alt screen */
	assert_string_equal(damage_after(s, "\x1b[?1049l"), "111111");          /* and back */
	assert_string_equal(damage_after(s, "\x1b[5;1H\x1b#6"), "000010");      /* DECDWL */
	/* A cursor move damages no row, but the screen has changed. */
	screen_damage_take(s, NULL, 0);
	screen_feed(s, "\x1b[H", 3);
	assert_true(screen_damaged(s));
	assert_int_equal(screen_damage_take(s, NULL, 0), 0);
	screen_resize(s, 4, 10);
	assert_int_equal(screen_damage_take(s, NULL, 0), 4);
	screen_free(s);
}

/*
 * Streams that crashed libvterm's screen layer (and so the server): a
 * repeat (REP) of a wide character from the last column wrote past the row;
 * shrinking with text far below the cursor scrolled the cursor off the top
 * and the next erase wrote above the buffer.
 */
static void
test_streams_that_crashed_libvterm_screen(void **state)
{
	struct screen *s = make(5, 10, "\xe4\xb8\xad\x1b[1;10H\x1b[2b");
	int row, col;

	(void)state;
	char *t = screen_row_text(s, 0);
	/* The state puts it in the last column, where only half of it fits. */
	assert_string_equal(t, "\xe4\xb8\xad       \xe4\xb8\xad");
	free(t);
	screen_free(s);

	s = make(10, 10, "top\x1b[10;1Hbottom\x1b[2;1H");
	screen_resize(s, 3, 10);
	screen_cursor(s, &row, &col, NULL);
	assert_int_equal(row, 0); /* scrolled up to the cursor, no further */
	screen_feed(s, "\x1b[Jok", 6);
	char *d = screen_dump_text(s);
	assert_string_equal(d, "ok\n\n\n");
	free(d);
	assert_int_equal(screen_scrollback_count(s), 1);
	t = screen_scrollback_text(s, 0);
	assert_string_equal(t, "top");
	free(t);
	screen_free(s);

	/*
	 * A cursor saved on row 10, restored (as it was) after a shrink to 3
	 * rows, then a double-width line there: libvterm's state asks about a
	 * row past its line table, and wrote past it when the screen agreed
	 * (caught by the sanitizer build).
	 */
	s = make(10, 10,
	         "\x1b[10;1H\x1b"
	         "7");
	screen_resize(s, 3, 10);
	screen_feed(s,
	            "\x1b"
	            "8\x1b#6x\x1b[Hok",
	            11);
	d = screen_dump_text(s);
	assert_string_equal(d, "ok\n\n\n");
	free(d);
	screen_free(s);
}

static void
test_title(void **state)
{
	struct screen *s = make(2, 10, "\x1b]2;my title\x07");

	(void)state;
	assert_string_equal(screen_title(s), "my title");
	screen_free(s);
}

static void
test_device_attributes_answered(void **state)
{
	struct screen *s = make(2, 10, "\x1b[c");

	(void)state;
	assert_true(replies.len > 3);
	assert_memory_equal(replies.data, "\x1b[?", 3);
	buf_reset(&replies);
	screen_feed(s, "ab\x1b[6n", 6);
	assert_string_equal(replies.data, "\x1b[1;3R");
	screen_free(s);
}

static void
test_keys_follow_cursor_key_mode(void **state)
{
	struct screen *s = make(2, 10, "");
	struct df_error err;

	(void)state;
	assert_int_equal(screen_key(s, "Up", 0, &err), 0);
	assert_string_equal(replies.data, "\x1b[A");
	buf_reset(&replies);
	screen_feed(s, "\x1b[?1h", 5); /* DECCKM: application cursor keys */
	assert_int_equal(screen_key(s, "Up", 0, &err), 0);
	assert_string_equal(replies.data, "\x1bOA");
	buf_reset(&replies);
	assert_int_equal(screen_key(s, "Nope", 0, &err), -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	assert_non_null(strstr(err.message, "Nope"));
	screen_char(s, 'c', SCREEN_MOD_CTRL);
	assert_string_equal(replies.data, "\x03");
	buf_reset(&replies);
	assert_int_equal(screen_send_keys(s, "ls Space -l Enter C-d F1", &err), 0);
	assert_string_equal(replies.data, "ls -l\r\x04\x1bOP");
	buf_reset(&replies);
	assert_int_equal(screen_send_keys(s, "a C-xy", &err), -1);
	assert_int_equal(replies.len, 0); /* nothing partial */
	assert_int_equal(screen_keys_valid("Down Enter", &err), 0);
	screen_free(s);
}

static void
test_paste_strips_escape_and_brackets(void **state)
{
	struct screen *s = make(2, 10, "");

	(void)state;
	screen_paste(s, "a\x1b[201~b\nc", 10);
	assert_string_equal(replies.data, "a[201~b\rc");
	buf_reset(&replies);
	screen_feed(s, "\x1b[?2004h", 8);
	screen_paste(s, "x\r\ny\xff", 5);
	assert_string_equal(replies.data, "\x1b[200~x\ry\x1b[201~");
	screen_free(s);
}

static void
test_garbage_input_survives(void **state)
{
	struct screen *s =
	    make(3, 10, "\xff\xfe\xc3\x1b[99999999;;;;m\x1b]unterminated\x1b[?h\x1bPq\x9b");

	(void)state;
	screen_feed(s, "\x1b\\ok", 4);
	screen_flush(s);
	char *d = screen_dump_text(s);
	assert_non_null(strstr(d, "ok"));
	free(d);
	screen_free(s);
}

/*
 * Escape soup: fragments of sequences (cursor saves and restores, line
 * attributes, margins, the alternate screen, wide and combining
 * characters, bad UTF-8) glued at random, with resizes, budget changes and
 * reads in between; the screen must stay consistent (the sanitizer build
 * checks every access). REP is left out: libvterm repeats a glyph as many
 * times as the parameter says, however large.
 */
static uint64_t soup_rng = 88172645463325252ull;

static int
soup_rnd(int n)
{
	soup_rng ^= soup_rng << 13;
	soup_rng ^= soup_rng >> 7;
	soup_rng ^= soup_rng << 17;
	return (int)(soup_rng % (uint64_t)n);
}

static void
test_escape_soup_survives(void **state)
{
	static const char *const bits[] = {
		"\x1b[",
		";",
		"?",
		"h",
		"l",
		"m",
		"H",
		"J",
		"K",
		"@",
		"P",
		"L",
		"M",
		"S",
		"T",
		"X",
		"r",
		"s",
		"\x1b#6",
		"\x1b#3",
		"\x1b#5",
		"\x1b"
		"7",
		"\x1b"
		"8",
		"\x1b"
		"D",
		"\x1bM",
		"\x1b"
		"E",
		"\r",
		"\n",
		"\t",
		"\b",
		"\xe4\xb8\xad",
		"\xf0\x9f\x98\x80",
		"\xcc\x81",
		"x",
		"1",
		"2",
		"5",
		"9",
		"20",
		"69",
		"1049",
		"47",
		"\"q",
		"\x1b]2;t\x07",
		"\x1b"
		"c",
		"\x1b[!p",
		"\xff",
		"\xc3",
		"80",
		"200",
	};
	(void)state;
	for (int k = 0; k < 200; k++) {
		int rows = 1 + soup_rnd(30);
		struct screen *s =
		    screen_new(rows, 1 + soup_rnd(90), (size_t)soup_rnd(50), NULL, NULL);
		for (int i = 0; i < 2000; i++) {
			const char *p = bits[soup_rnd(sizeof bits / sizeof bits[0])];
			screen_feed(s, p, strlen(p));
			if (soup_rnd(300) == 0) {
				screen_resize(s, 1 + soup_rnd(30), 1 + soup_rnd(90));
				screen_size(s, &rows, NULL);
			}
			if (soup_rnd(500) == 0)
				screen_set_scrollback_bytes(s, (size_t)soup_rnd(100000));
			if (soup_rnd(100) == 0) {
				struct screen_row r;
				size_t n = screen_scrollback_count(s);
				free(screen_dump_text(s));
				screen_row_spans(s, soup_rnd(rows), &r);
				screen_row_free(&r);
				if (n > 0) {
					screen_scrollback_spans(s, (size_t)soup_rnd(n), &r);
					screen_row_free(&r);
					free(screen_scrollback_text(s, (size_t)soup_rnd(n)));
				}
			}
		}
		screen_feed(s,
		            "\x1b"
		            "c\x1b[Hok",
		            7);
		char *d = screen_dump_text(s);
		assert_memory_equal(d, "ok\n", 3);
		free(d);
		screen_free(s);
	}
}

static int
teardown(void **state)
{
	(void)state;
	buf_free(&replies);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_and_cursor),
		cmocka_unit_test(test_colors_16_256_rgb),
		cmocka_unit_test(test_attributes_and_spans),
		cmocka_unit_test(test_wide_characters),
		cmocka_unit_test(test_altscreen_enter_leave),
		cmocka_unit_test(test_scrollback_push_and_pop),
		cmocka_unit_test(test_scrollback_byte_budget),
		cmocka_unit_test(test_damage_bits_cleared_on_read),
		cmocka_unit_test(test_damage_follows_every_change),
		cmocka_unit_test(test_streams_that_crashed_libvterm_screen),
		cmocka_unit_test(test_title),
		cmocka_unit_test(test_device_attributes_answered),
		cmocka_unit_test(test_keys_follow_cursor_key_mode),
		cmocka_unit_test(test_paste_strips_escape_and_brackets),
		cmocka_unit_test(test_garbage_input_survives),
		cmocka_unit_test(test_escape_soup_survives),
	};
	return cmocka_run_group_tests_name("screen", tests, NULL, teardown);
}
