/*
 * A recursive-descent walk over glibc's ERE syntax that computes, for each
 * sub-expression, whether it can match the empty string and how many
 * positions it unrolls to; see ere.h for what is refused and why.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ere.h"

#define ERE_MAX_DEPTH 64

struct walk {
	const char *p;
	int depth;
	char *why;
	size_t whylen;
};

struct info {
	bool nullable; /* can match the empty string */
	double size;   /* positions once counted repetitions are unrolled */
};

static int fail(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(struct walk *w, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(w->why, w->whylen, "pattern too complex: %s", msg);
	return -1;
}

static int alt(struct walk *w, struct info *out);

/* A bracket expression; w->p is just after '['. */
static void
bracket(struct walk *w)
{
	const char *p = w->p;

	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p != '\0' && *p != ']') {
		if (p[0] == '[' && (p[1] == ':' || p[1] == '=' || p[1] == '.')) {
			const char *e = strchr(p + 2, p[1]);

			while (e != NULL && e[1] != ']')
				e = strchr(e + 1, p[1]);
			p = e != NULL ? e + 2 : p + 2;
			continue;
		}
		p++;
	}
	w->p = *p == ']' ? p + 1 : p;
}

/* Is w->p at a {n}, {n,} or {n,m} bound? Sets min and max (-1: none). */
static bool
bound(const char *p, const char **end, double *min, double *max)
{
	double a = 0, b = -1;

	if (*p != '{' || p[1] < '0' || p[1] > '9')
		return false;
	for (p++; *p >= '0' && *p <= '9'; p++)
		a = a * 10 + (*p - '0');
	if (*p == ',') {
		p++;
		if (*p >= '0' && *p <= '9')
			for (b = 0; *p >= '0' && *p <= '9'; p++)
				b = b * 10 + (*p - '0');
	} else {
		b = a;
	}
	if (*p != '}')
		return false;
	*end = p + 1;
	*min = a;
	*max = b;
	return true;
}

/* One atom at w->p: a group, a bracket, an escape, an anchor or a character. */
static int
atom(struct walk *w, struct info *a)
{
	char c = *w->p;

	a->nullable = false;
	a->size = 1;
	if (c == '(') {
		w->p++;
		if (++w->depth > ERE_MAX_DEPTH)
			return fail(w, "groups nested deeper than %d", ERE_MAX_DEPTH);
		if (alt(w, a) != 0)
			return -1;
		w->depth--;
		if (*w->p == ')')
			w->p++;
		return 0;
	}
	if (c == '[') {
		w->p++;
		bracket(w);
		return 0;
	}
	if (c == '\\' && w->p[1] != '\0') {
		/* GNU's zero-width operators match the empty string. */
		a->nullable = strchr("bB<>`'", w->p[1]) != NULL;
		a->size = a->nullable ? 0 : 1;
		w->p += 2;
		return 0;
	}
	if (c == '^' || c == '$') {
		a->nullable = true;
		a->size = 0;
	}
	w->p++;
	return 0;
}

/* A concatenation, up to '|', ')' or the end. */
static int
seq(struct walk *w, struct info *out)
{
	out->nullable = true;
	out->size = 0;
	while (*w->p != '\0' && *w->p != '|' && *w->p != ')') {
		struct info a;
		const char *q0 = w->p, *end;
		int quantified = 0;
		double min, max;

		if (atom(w, &a) != 0)
			return -1;
		for (;;) {
			char c = *w->p;
			const char *qs = w->p;

			if (c == '*' || c == '+' || c == '?') {
				min = c == '+' ? 1 : 0;
				max = c == '?' ? 1 : -1;
				end = w->p + 1;
			} else if (!bound(w->p, &end, &min, &max)) {
				break;
			}
			if (quantified)
				return fail(
				    w, "a quantifier on a quantifier (\"%.*s\" after \"%.*s\")",
				    (int)(end - qs), qs, (int)(qs - q0), q0);
			if (a.nullable && (max < 0 || max > 1))
				return fail(w,
				            "\"%.*s\" repeats \"%.*s\", which can match the empty "
				            "string",
				            (int)(end - qs), qs, (int)(qs - q0), q0);
			a.size *= max < 0 ? (min > 1 ? min : 1) : (max > 1 ? max : 1);
			a.nullable = a.nullable || min == 0;
			w->p = end;
			quantified = 1;
		}
		if (a.size > ERE_MAX_POSITIONS)
			return fail(w, "repetitions expand to %.0f positions, over the limit of %d",
			            a.size, ERE_MAX_POSITIONS);
		out->size += a.size;
		out->nullable = out->nullable && a.nullable;
	}
	return 0;
}

static int
alt(struct walk *w, struct info *out)
{
	out->nullable = false;
	out->size = 0;
	for (;;) {
		struct info b;

		if (seq(w, &b) != 0)
			return -1;
		out->size += b.size;
		out->nullable = out->nullable || b.nullable;
		if (out->size > ERE_MAX_POSITIONS)
			return fail(w, "repetitions expand to %.0f positions, over the limit of %d",
			            out->size, ERE_MAX_POSITIONS);
		if (*w->p != '|')
			return 0;
		w->p++;
	}
}

int
ere_check(const char *ere, char *why, size_t whylen)
{
	struct walk w = { ere, 0, why, whylen };
	struct info all;

	while (alt(&w, &all) == 0) {
		if (*w.p == '\0')
			return 0;
		w.p++; /* an unmatched ')': regcomp's to judge */
	}
	return -1;
}

int
ere_compile(regex_t *re, const char *ere, int cflags, char *why, size_t whylen)
{
	size_t len = strlen(ere);
	int rc;

	if (len > ERE_MAX_LENGTH) {
		snprintf(why, whylen, "pattern too long: %zu bytes, over the limit of %d", len,
		         ERE_MAX_LENGTH);
		return -1;
	}
	if (ere_check(ere, why, whylen) != 0)
		return -1;
	rc = regcomp(re, ere, cflags);
	if (rc != 0) {
		char msg[160];

		regerror(rc, re, msg, sizeof(msg));
		snprintf(why, whylen, "%s", msg);
		return -1;
	}
	return 0;
}
