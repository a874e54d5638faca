/*
 * A backend's answerable questions (see question.h). The catalog parses a
 * backend's questions once to judge them; the driver parses them again for
 * each session from the stored definition, so both read one shape.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/ere.h"
#include "lib/xalloc.h"
#include "question.h"
#include "screen.h"

static int
bad(struct df_error *err, const char *where, size_t i, const char *rest, const char *why)
{
	return df_error_set(err, DF_FATAL, DF_E_CATALOG_INVALID, "%s/%zu%s: %s", where, i, rest,
	                    why);
}

/* A string member of o, or NULL. */
static const char *
str_of(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Answer k of question i, at where/i/answers/k. */
static int
parse_answer(const cJSON *a, const char *where, size_t i, size_t k, struct question_def *q,
             struct df_error *err)
{
	const char *key = str_of(a, "key"), *label = str_of(a, "label"), *send = str_of(a, "send");
	char rest[64];
	struct df_error kerr;

	snprintf(rest, sizeof rest, "/answers/%zu", k);
	if (key == NULL || label == NULL || send == NULL)
		return bad(err, where, i, rest, "needs strings key, label and send");
	if (strlen(key) != 1 ||
	    !((key[0] >= '0' && key[0] <= '9') || (key[0] >= 'a' && key[0] <= 'z')))
		return bad(err, where, i, strcat(rest, "/key"),
		           "must be one digit or one lowercase letter");
	if (question_answer(q, key) != NULL)
		return bad(err, where, i, strcat(rest, "/key"),
		           "the same key as an earlier answer");
	if (label[0] == '\0')
		return bad(err, where, i, strcat(rest, "/label"), "empty");
	if (send[0] == '\0' || screen_keys_valid(send, &kerr) != 0)
		return bad(err, where, i, strcat(rest, "/send"),
		           send[0] == '\0' ? "no keys to send" : kerr.message);
	q->answers[q->nanswers].key = xstrdup(key);
	q->answers[q->nanswers].label = xstrdup(label);
	q->answers[q->nanswers].send = xstrdup(send);
	q->nanswers++;
	return 0;
}

static int
parse_question(const cJSON *x, const char *where, size_t i, struct question_def *q,
               struct df_error *err)
{
	const char *match = str_of(x, "match");
	const cJSON *answers = cJSON_GetObjectItemCaseSensitive(x, "answers"), *a;
	char why[256];
	size_t k = 0;

	if (!cJSON_IsObject(x))
		return bad(err, where, i, "", "not an object");
	if (match == NULL || match[0] == '\0')
		return bad(err, where, i, "/match", "missing or not a non-empty string");
	if (!cJSON_IsArray(answers) || cJSON_GetArraySize(answers) == 0)
		return bad(err, where, i, "/answers", "missing or not a non-empty array");
	if (cJSON_GetArraySize(answers) > QUESTION_MAX_ANSWERS)
		return bad(err, where, i, "/answers", "more than 10 answers");
	if (ere_compile(&q->re, match, REG_EXTENDED | REG_NEWLINE, why, sizeof why) != 0) {
		df_error_set(err, DF_FATAL, DF_E_CATALOG_INVALID,
		             "%s/%zu/match: invalid regular expression '%.120s': %s", where, i,
		             match, why);
		return -1;
	}
	q->match = xstrdup(match);
	q->answers = xcalloc(QUESTION_MAX_ANSWERS, sizeof *q->answers);
	cJSON_ArrayForEach(a, answers)
	{
		if (parse_answer(a, where, i, k++, q, err) != 0)
			return -1;
	}
	return 0;
}

int
question_set_parse(const cJSON *questions, const char *where, struct question_set *out,
                   struct df_error *err)
{
	const cJSON *x;
	size_t i = 0;

	memset(out, 0, sizeof *out);
	if (questions == NULL || cJSON_IsNull(questions))
		return 0;
	if (!cJSON_IsArray(questions))
		return df_error_set(err, DF_FATAL, DF_E_CATALOG_INVALID, "%s: not an array", where);
	out->v = xcalloc((size_t)cJSON_GetArraySize(questions) + 1, sizeof *out->v);
	cJSON_ArrayForEach(x, questions)
	{
		struct question_def *q = &out->v[i];

		if (parse_question(x, where, i++, q, err) != 0) {
			/* Count the half-made one so question_set_free frees what it has. */
			out->n = i;
			question_set_free(out);
			return -1;
		}
		out->n = i;
	}
	return 0;
}

void
question_set_free(struct question_set *qs)
{
	for (size_t i = 0; qs->v != NULL && i < qs->n; i++) {
		struct question_def *q = &qs->v[i];

		if (q->match != NULL)
			regfree(&q->re);
		free(q->match);
		for (size_t k = 0; k < q->nanswers; k++) {
			free(q->answers[k].key);
			free(q->answers[k].label);
			free(q->answers[k].send);
		}
		free(q->answers);
	}
	free(qs->v);
	memset(qs, 0, sizeof *qs);
}

/* Is c (at p) a blank or a box border, trimmed off a question's line? */
static size_t
border_len(const char *p)
{
	if (*p == ' ' || *p == '\t' || *p == '|')
		return 1;
	if (strncmp(p, "│", strlen("│")) == 0)
		return strlen("│");
	return 0;
}

/* The line [s, e) trimmed of blanks and box borders at both ends, appended to b. */
static void
put_trimmed(struct buf *b, const char *s, const char *e)
{
	size_t n;

	while (s < e && (n = border_len(s)) > 0)
		s += n;
	for (;;) {
		if (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '|'))
			e--;
		else if ((size_t)(e - s) >= strlen("│") &&
		         strncmp(e - strlen("│"), "│", strlen("│")) == 0)
			e -= strlen("│");
		else
			break;
	}
	if (e <= s)
		return;
	if (b->len > 0)
		buf_putc(b, ' ');
	buf_append(b, s, (size_t)(e - s));
}

const struct question_def *
question_find(const struct question_set *qs, const char *text, char **text_out)
{
	for (size_t i = 0; i < qs->n; i++) {
		const struct question_def *q = &qs->v[i];
		struct buf b = BUF_INIT;

		if (regexec(&q->re, text, 0, NULL, 0) != 0)
			continue;
		if (text_out == NULL)
			return q;
		/* The question's text: each line the pattern matches on its own. */
		for (const char *p = text; *p != '\0';) {
			const char *e = strchrnul(p, '\n');
			char *line = xstrndup(p, (size_t)(e - p));

			if (regexec(&q->re, line, 0, NULL, 0) == 0)
				put_trimmed(&b, p, e);
			free(line);
			p = *e ? e + 1 : e;
		}
		*text_out = b.data != NULL ? buf_detach(&b) : xstrdup("");
		return q;
	}
	return NULL;
}

const struct question_answer *
question_answer(const struct question_def *q, const char *key)
{
	for (size_t k = 0; key != NULL && k < q->nanswers; k++)
		if (strcmp(q->answers[k].key, key) == 0)
			return &q->answers[k];
	return NULL;
}

char *
question_keys(const struct question_def *q)
{
	struct buf b = BUF_INIT;

	for (size_t k = 0; k < q->nanswers; k++)
		buf_printf(&b, "%s%s", k ? ", " : "", q->answers[k].key);
	return b.data != NULL ? buf_detach(&b) : xstrdup("");
}
