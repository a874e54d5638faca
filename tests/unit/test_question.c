/*
 * A backend's answerable questions (agent/question.h): the built-in
 * backends' questions found on the screens recorded from the real CLIs
 * (tests/fixtures/screens), over the same last lines the detector looks
 * at, with the text a person sees and the answers' keys; a screen without
 * such a question gives none; and a bad definition is refused with the
 * JSON path of what is wrong.
 */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/detect.h"
#include "agent/question.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

/* A file of the source tree as a new string. */
static char *
slurp(const char *rel)
{
	struct buf b = BUF_INIT;
	char *path = xasprintf("%s/%s", DEVFLOW_SRCDIR, rel);

	assert_int_equal(buf_read_file(&b, path, 0), 0);
	free(path);
	return buf_detach(&b);
}

/*
 * The question backend's definition finds on fixture (NULL: none), its
 * text in *text and its keys ("1, 2, 3") in *keys.
 */
static int
find_on(const char *backend, const char *fixture, char **text, char **keys)
{
	char *rel = xasprintf("data/backends/%s.json", backend);
	char *json = slurp(rel), *screen, *tail;
	cJSON *doc = cJSON_Parse(json), *scr = cJSON_GetObjectItemCaseSensitive(doc, "screen");
	struct question_set qs;
	struct df_error err;
	const struct question_def *q;

	assert_non_null(doc);
	assert_int_equal(question_set_parse(cJSON_GetObjectItemCaseSensitive(scr, "questions"),
	                                    "/screen/questions", &qs, &err),
	                 0);
	free(rel);
	rel = xasprintf("tests/fixtures/screens/%s/%s", backend, fixture);
	screen = slurp(rel);
	tail = detect_last_lines(
	    screen, (unsigned)cJSON_GetObjectItemCaseSensitive(scr, "lastLines")->valueint);
	*text = *keys = NULL;
	q = question_find(&qs, tail, text);
	if (q != NULL)
		*keys = question_keys(q);
	question_set_free(&qs);
	cJSON_Delete(doc);
	free(json);
	free(rel);
	free(screen);
	free(tail);
	return q != NULL;
}

static void
expect(const char *backend, const char *fixture, const char *text, const char *keys)
{
	char *t, *k;

	if (!find_on(backend, fixture, &t, &k))
		fail_msg("%s/%s: no question found", backend, fixture);
	if (strcmp(t, text) != 0 || strcmp(k, keys) != 0)
		fail_msg("%s/%s: got \"%s\" [%s], want \"%s\" [%s]", backend, fixture, t, k, text,
		         keys);
	free(t);
	free(k);
}

static void
test_recorded_questions(void **state)
{
	(void)state;
	expect("claude", "needsInput-permission-80x24.txt", "Do you want to proceed?", "1, 2, 3");
	expect("claude", "needsInput-permission-100x30.txt", "Do you want to proceed?", "1, 2, 3");
	expect("claude", "needsInput-edit-80x24.txt", "Do you want to create plan.json?",
	       "1, 2, 3");
	expect("claude", "needsInput-apikey-100x30.txt", "Do you want to use this API key?",
	       "1, 2");
	expect("codex", "needsInput-permission-80x24.txt",
	       "Would you like to run the following command?", "1, 2, 3");
	expect("codex", "needsInput-permission-100x30.txt",
	       "Would you like to run the following command?", "1, 2, 3");
	/* Inside Gemini's box: the borders are not the question's. */
	expect("gemini", "needsInput-permission-80x24.txt", "Allow execution of [Shell]?",
	       "1, 2, 3");
	expect("aider", "needsInput-addfile-handwritten-80x24.txt",
	       "Add file to the chat? (Y)es/(N)o/(D)on't ask again [Yes]:", "y, n");
	expect("fake", "needsInput-ask-80x24.txt", "? Run the test suite? (y/n)", "y, n");
}

static void
test_no_question(void **state)
{
	char *t, *k;

	(void)state;
	/* Questions a person answers by attaching (a login) and screens without one. */
	assert_false(find_on("claude", "needsInput-login-80x24.txt", &t, &k));
	assert_false(find_on("claude", "ready-80x24.txt", &t, &k));
	assert_false(find_on("codex", "needsInput-login-80x24.txt", &t, &k));
	assert_false(find_on("fake", "ready-done-80x24.txt", &t, &k));
	assert_null(t);
}

/* The error parsing json gives, or "" when it parses. */
static char *
parse_error(const char *json)
{
	cJSON *doc = cJSON_Parse(json);
	struct question_set qs;
	struct df_error err;
	char *msg;

	assert_non_null(doc);
	if (question_set_parse(doc, "/screen/questions", &qs, &err) == 0) {
		question_set_free(&qs);
		msg = xstrdup("");
	} else {
		assert_int_equal(err.code, DF_E_CATALOG_INVALID);
		assert_null(qs.v);
		msg = xstrdup(err.message);
	}
	cJSON_Delete(doc);
	return msg;
}

static void
expect_error(const char *json, const char *want)
{
	char *got = parse_error(json);

	if (strcmp(got, want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", json, got, want);
	free(got);
}

static void
test_bad_definitions(void **state)
{
	(void)state;
	expect_error(
	    "[{\"match\":\"x\",\"answers\":[{\"key\":\"y\",\"label\":\"Yes\",\"send\":\"y\"}]}]",
	    "");
	expect_error("{}", "/screen/questions: not an array");
	expect_error("[{\"answers\":[]}]", "/screen/questions/0/match: missing or not a non-empty "
	                                   "string");
	expect_error("[{\"match\":\"x\",\"answers\":[]}]",
	             "/screen/questions/0/answers: missing or not a non-empty array");
	expect_error("[{\"match\":\"x(\",\"answers\":[{\"key\":\"y\",\"label\":\"Y\",\"send\":"
	             "\"y\"}]}]",
	             "/screen/questions/0/match: invalid regular expression 'x(': Unmatched ( or "
	             "\\(");
	expect_error(
	    "[{\"match\":\"x\",\"answers\":[{\"key\":\"y\",\"label\":\"Y\",\"send\":\"y\"},"
	    "{\"key\":\"Y\",\"label\":\"N\",\"send\":\"n\"}]}]",
	    "/screen/questions/0/answers/1/key: must be one digit or one lowercase letter");
	expect_error(
	    "[{\"match\":\"x\",\"answers\":[{\"key\":\"y\",\"label\":\"Y\",\"send\":\"y\"},"
	    "{\"key\":\"y\",\"label\":\"N\",\"send\":\"n\"}]}]",
	    "/screen/questions/0/answers/1/key: the same key as an earlier answer");
	expect_error(
	    "[{\"match\":\"x\",\"answers\":[{\"key\":\"1\",\"label\":\"\",\"send\":\"1\"}]}]",
	    "/screen/questions/0/answers/0/label: empty");
	expect_error("[{\"match\":\"x\",\"answers\":[{\"key\":\"1\",\"label\":\"Y\"}]}]",
	             "/screen/questions/0/answers/0: needs strings key, label and send");
}

static void
test_bad_send_keys(void **state)
{
	char *got;

	(void)state;
	got = parse_error("[{\"match\":\"x\",\"answers\":[{\"key\":\"1\",\"label\":\"Y\",\"send\":"
	                  "\"C-ab\"}]}]");
	/* The key list's own complaint, after the path of the bad send. */
	assert_string_equal(got, "/screen/questions/0/answers/0/send: key 'C-ab': a modifier needs "
	                         "one character or a key name");
	free(got);
}

static void
test_answer_lookup(void **state)
{
	cJSON *doc = cJSON_Parse("[{\"match\":\"\\\\(y/n\\\\)\",\"answers\":["
	                         "{\"key\":\"y\",\"label\":\"Yes\",\"send\":\"y\"},"
	                         "{\"key\":\"n\",\"label\":\"No\",\"send\":\"n Enter\"}]}]");
	struct question_set qs;
	const struct question_def *q;
	char *text = NULL;

	(void)state;
	assert_int_equal(question_set_parse(doc, "/q", &qs, NULL), 0);
	/* Every matching line is the question's; a box's borders are trimmed off. */
	q = question_find(&qs, "before\n│  Go on? (y/n)  │\nOK (y/n)", &text);
	assert_non_null(q);
	assert_string_equal(text, "Go on? (y/n) OK (y/n)");
	assert_string_equal(question_answer(q, "n")->send, "n Enter");
	assert_string_equal(question_answer(q, "y")->label, "Yes");
	assert_null(question_answer(q, "x"));
	assert_null(question_answer(q, NULL));
	assert_null(question_find(&qs, "nothing asked", NULL));
	free(text);
	question_set_free(&qs);
	cJSON_Delete(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded_questions), cmocka_unit_test(test_no_question),
		cmocka_unit_test(test_bad_definitions),    cmocka_unit_test(test_bad_send_keys),
		cmocka_unit_test(test_answer_lookup),
	};

	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
