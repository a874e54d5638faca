/* Terminal keyboard decoding for attach: keys, modifiers, text, pastes, detach, split input. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "proto/keyin.h"

/*
 * Every callback appends a token to a log: K:Name/mods, C:x/mods, T:text,
 * P:text, D. Consecutive text runs merge (how input was split into reads
 * may cut text anywhere).
 */
static struct buf log_, text_;

static void
flush(void)
{
	if (text_.len > 0)
		buf_printf(&log_, "T:%s ", text_.data);
	buf_reset(&text_);
}

static void
on_key(void *arg, const char *name, uint32_t ch, unsigned mods)
{
	(void)arg;
	flush();
	if (name != NULL)
		buf_printf(&log_, "K:%s/%u ", name, mods);
	else
		buf_printf(&log_, "C:%c/%u ", (char)ch, mods);
}

static void
on_text(void *arg, const char *text, size_t len)
{
	(void)arg;
	buf_append(&text_, text, len);
}

static void
on_paste(void *arg, const char *text, size_t len)
{
	(void)arg;
	flush();
	buf_printf(&log_, "P:%.*s ", (int)len, text);
}

static void
on_detach(void *arg)
{
	(void)arg;
	flush();
	buf_puts(&log_, "D ");
}

static const struct keyin_ops ops = { on_key, on_text, on_paste, on_detach };

/* Feed s in pieces of step bytes (0: at once), then a timeout; return the log. */
static const char *
run(const char *s, size_t step)
{
	struct keyin k;
	size_t len = strlen(s);

	buf_reset(&log_);
	buf_puts(&log_, "");
	keyin_init(&k, 0x1d, &ops, NULL);
	if (step == 0)
		step = len;
	for (size_t i = 0; i < len; i += step)
		keyin_feed(&k, s + i, len - i < step ? len - i : step);
	keyin_timeout(&k);
	keyin_free(&k);
	flush();
	return log_.data;
}

static void
test_text_and_control(void **state)
{
	(void)state;
	assert_string_equal(run("héllo\r", 0), "T:héllo K:Enter/0 ");
	assert_string_equal(run("a\tb\x7f", 0), "T:a K:Tab/0 T:b K:Backspace/0 ");
	assert_string_equal(run("\x03\x01", 0), "C:c/4 C:a/4 ");
}

static void
test_escape_sequences(void **state)
{
	(void)state;
	assert_string_equal(run("\033[A\033OB\033[C\033[D", 0),
	                    "K:Up/0 K:Down/0 K:Right/0 K:Left/0 ");
	assert_string_equal(run("\033[1;5A\033[1;2D", 0), "K:Up/4 K:Left/1 ");
	assert_string_equal(run("\033[3~\033[5~\033[6~\033[15~\033[24~", 0),
	                    "K:Delete/0 K:PageUp/0 K:PageDown/0 K:F5/0 K:F12/0 ");
	assert_string_equal(run("\033OP\033[H\033[F\033[Z", 0), "K:F1/0 K:Home/0 K:End/0 K:Tab/1 ");
	assert_string_equal(run("\033x", 0), "C:x/2 ");
	/* an unknown sequence is dropped, what follows survives */
	assert_string_equal(run("\033[99~z", 0), "T:z ");
}

static void
test_lone_escape_needs_the_timeout(void **state)
{
	struct keyin k;

	(void)state;
	buf_reset(&log_);
	buf_puts(&log_, "");
	keyin_init(&k, 0x1d, &ops, NULL);
	keyin_feed(&k, "\033", 1);
	assert_true(keyin_pending(&k));
	assert_string_equal(log_.data, "");
	keyin_timeout(&k);
	assert_false(keyin_pending(&k));
	assert_string_equal(log_.data, "K:Escape/0 ");
	keyin_free(&k);
}

static void
test_split_anywhere(void **state)
{
	const char *in = "ab\033[1;5Cé\033[200~x\033y\r\n\033[201~\033[B";
	const char *want = "T:ab K:Right/4 T:é P:x\033y\r\n K:Down/0 ";

	(void)state;
	for (size_t step = 1; step <= 8; step++)
		assert_string_equal(run(in, step), want);
}

static void
test_detach(void **state)
{
	(void)state;
	assert_string_equal(run("ab\x1d"
	                        "cd",
	                        0),
	                    "T:ab D ");
	assert_int_equal(keyin_control_byte("C-]"), 0x1d);
	assert_int_equal(keyin_control_byte("C-b"), 0x02);
	assert_int_equal(keyin_control_byte("^A"), 0x01);
	assert_int_equal(keyin_control_byte("C-"), -1);
	assert_int_equal(keyin_control_byte("x"), -1);
	assert_int_equal(keyin_control_byte("C-ab"), -1);
	assert_int_equal(keyin_control_byte("C-1"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_and_control),
		cmocka_unit_test(test_escape_sequences),
		cmocka_unit_test(test_lone_escape_needs_the_timeout),
		cmocka_unit_test(test_split_anywhere),
		cmocka_unit_test(test_detach),
	};
	int rc = cmocka_run_group_tests_name("keyin", tests, NULL, NULL);

	buf_free(&log_);
	buf_free(&text_);
	return rc;
}
