/*
 * The status line's messages (tui/messages.c): fitted to a width at word
 * boundaries, abbreviated before a hint kept whole, expired on the app's
 * clock, and kept in full in the history.
 */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "lib/str.h"
#include "tui/draw.h"
#include "tui/messages.h"

static const char conflict[] = "approval decision conflicts with the current request state "
                               "(paused runs must be resumed before approval decisions)";

/* Every word of each row is a whole word of text (or "…", or a hint word). */
static void
assert_whole_words(char **rows, const char *text)
{
	for (size_t i = 0; rows[i] != NULL; i++) {
		char *copy = strdup(rows[i]), *save = NULL;

		for (char *w = strtok_r(copy, " ", &save); w != NULL;
		     w = strtok_r(NULL, " ", &save)) {
			char word[256];
			size_t len = strlen(w);
			const char *p = text;
			int found = 0;

			snprintf(word, sizeof word, "%s", w);
			/* An abbreviated last word ends with "…". */
			if (len >= 3 && strcmp(w + len - 3, "…") == 0)
				word[len - 3] = '\0';
			if (word[0] == '\0')
				continue;
			while ((p = strstr(p, word)) != NULL && !found) {
				size_t wl = strlen(word);

				found = (p == text || p[-1] == ' ') &&
				        (p[wl] == ' ' || p[wl] == '\0' || strchr(",;:-(", p[wl]));
				p++;
			}
			if (!found)
				fail_msg("'%s' of row '%s' is not a whole word of '%s'", w, rows[i],
				         text);
		}
		free(copy);
	}
}

static void
test_fit_wraps_at_words(void **state)
{
	struct message msg = { (char *)conflict, NULL, 1, 0, 0 };
	struct buf joined = BUF_INIT;
	char **rows;
	size_t n;

	(void)state;
	rows = messages_fit(&msg, 78, 2, &n);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		assert_true(str_width(rows[i]) <= 78);
		buf_printf(&joined, "%s%s", i ? " " : "", rows[i]);
	}
	assert_null(rows[n]);
	/* Nothing lost, nothing cut: the rows read as the message. */
	assert_string_equal(joined.data, conflict);
	buf_free(&joined);
	str_vec_free(rows);
	/* Short enough: one row, as it is. */
	msg.text = (char *)"started run 1a2b3c4d";
	rows = messages_fit(&msg, 78, 2, &n);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0], "started run 1a2b3c4d");
	str_vec_free(rows);
}

static void
test_fit_abbreviates_before_the_hint(void **state)
{
	struct message msg = { (char *)"an active run already exists for /home/someone/src/project "
		                       "on main: run 1a2b3c4d (awaiting_approval)",
		               (char *)"abort it or wait for it to end", 1, 0, 0 };
	char **rows;
	size_t n;

	(void)state;
	rows = messages_fit(&msg, 64, 1, &n);
	assert_int_equal(n, 1);
	assert_true(str_width(rows[0]) <= 64);
	/* The hint is whole at the end, the text cut at a word with "…". */
	assert_non_null(strstr(rows[0], "… (abort it or wait for it to end)"));
	assert_int_equal(strncmp(rows[0], "an active run already exists", 28), 0);
	assert_whole_words(rows, "an active run already exists for /home/someone/src/project on "
	                         "main: run 1a2b3c4d (awaiting_approval) (abort it or wait for "
	                         "it to end)");
	str_vec_free(rows);
	/* Without a hint: the text abbreviated at a word boundary. */
	msg.text = (char *)conflict;
	msg.hint = NULL;
	rows = messages_fit(&msg, 50, 1, &n);
	assert_int_equal(n, 1);
	assert_true(str_width(rows[0]) <= 50);
	assert_string_equal(rows[0], "approval decision conflicts with the current…");
	str_vec_free(rows);
	/* A hint too long for the rows goes; the text still ends at a word. */
	msg.hint = (char *)"a hint far longer than the row it would have to be drawn in";
	rows = messages_fit(&msg, 30, 1, &n);
	assert_string_equal(rows[0], "approval decision conflicts…");
	str_vec_free(rows);
}

static void
test_fit_breaks_a_long_word(void **state)
{
	struct message msg = { (char *)"cannot read /a/very/long/path/that/has/no/spaces/in/it.md",
		               NULL, 1, 0, 0 };
	char **rows;
	size_t n;

	(void)state;
	rows = messages_fit(&msg, 20, 4, &n);
	assert_int_equal(n, 4);
	assert_string_equal(rows[0], "cannot read");
	assert_string_equal(rows[1], "/a/very/long/path/th");
	assert_string_equal(rows[2], "at/has/no/spaces/in/");
	assert_string_equal(rows[3], "it.md");
	str_vec_free(rows);
	/* Wide characters count their cells. */
	msg.text = (char *)"ｗｉｄｅ ｔｅｘｔ";
	rows = messages_fit(&msg, 9, 2, &n);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0], "ｗｉｄｅ");
	assert_string_equal(rows[1], "ｔｅｘｔ");
	str_vec_free(rows);
}

static void
test_hint_said_once_and_expiry(void **state)
{
	struct messages m = { 0 };
	char *full;

	(void)state;
	messages_add(&m, 1, conflict, "paused runs must be resumed before approval decisions", 1000,
	             0);
	/* The hint is in the message already: not said twice. */
	full = messages_full(messages_current(&m));
	assert_string_equal(full, conflict);
	free(full);
	assert_int_equal(messages_due(&m), 1000 + MESSAGES_ERROR_MS);
	assert_int_equal(messages_expire(&m, 1000 + MESSAGES_ERROR_MS - 1), 0);
	assert_non_null(messages_current(&m));
	assert_int_equal(messages_expire(&m, 1000 + MESSAGES_ERROR_MS), 1);
	assert_null(messages_current(&m));
	assert_int_equal(messages_due(&m), -1);
	messages_add(&m, 0, "started run 1a2b3c4d", "", 20000, 0);
	assert_int_equal(messages_due(&m), 20000 + MESSAGES_INFO_MS);
	messages_hide(&m);
	assert_null(messages_current(&m));
	assert_int_equal(messages_expire(&m, 90000), 0);
	assert_int_equal(m.n, 2);
	messages_free(&m);
}

static void
test_history(void **state)
{
	struct messages m = { 0 };
	char *h;

	(void)state;
	h = messages_history(&m, 80);
	assert_string_equal(h, "(no messages yet)");
	free(h);
	messages_add(&m, 0, "started run 1a2b3c4d", NULL, 0, 3600 * 9 + 60 * 3 + 5);
	messages_add(&m, 1, "cannot read /tmp/req.md: No such file or directory", "pick a file", 0,
	             3600 * 9 + 60 * 4);
	setenv("TZ", "UTC", 1);
	h = messages_history(&m, 40);
	/* Newest first, the error marked, long text wrapped under its time. */
	assert_string_equal(h, "09:04:00  error: cannot read\n"
	                       "          /tmp/req.md: No such file or\n"
	                       "          directory (pick a file)\n"
	                       "09:03:05  started run 1a2b3c4d\n");
	free(h);
	for (int i = 0; i < MESSAGES_KEEP + 5; i++)
		messages_add(&m, 0, "again", NULL, i, 0);
	assert_int_equal(m.n, MESSAGES_KEEP);
	messages_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fit_wraps_at_words),
		cmocka_unit_test(test_fit_abbreviates_before_the_hint),
		cmocka_unit_test(test_fit_breaks_a_long_word),
		cmocka_unit_test(test_hint_said_once_and_expiry),
		cmocka_unit_test(test_history),
	};

	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
