/*
 * The patterns of "pattern" and "patternProperties": ECMA-262 regular
 * expressions translated to POSIX extended ones.
 *
 * Patterns are ECMA-262 regular expressions, searched unanchored, with
 * code-point semantics (as with the "u" flag). They are translated to POSIX
 * extended regular expressions and run by regcomp/regexec in the C.UTF-8
 * locale (REG_EXTENDED | REG_NOSUB). Translated: \d \D \w \W \s \S (ECMA
 * sets: ASCII digits and word characters, ECMA white space and line
 * terminators), \b \B (GNU word-boundary operators: word characters are the
 * locale's alphanumerics and "_", not ASCII only), \t \n \v \f \r, \cX,
 * \xHH, \uXXXX (surrogate pairs combined), \u{X...}, identity escapes,
 * \p{L} \p{Letter} \p{Lu} \p{Uppercase_Letter} \p{Ll} \p{Lowercase_Letter}
 * (as the C.UTF-8 locale's alpha/upper/lower classes) and \p{Nd}
 * \p{Decimal_Number} \p{digit} (the Unicode decimal digits, listed), with
 * their \P negations outside character classes, "."
 * (any code point but \n \r U+2028 U+2029), (?:...) and (?<name>...) as
 * plain groups, lazy quantifiers (laziness cannot change whether a match
 * exists), "{" that does not start a quantifier (a literal), character
 * classes with escapes and ranges (ranges between non-ASCII code points are
 * expanded when they span at most 1024 code points). Not supported (the
 * schema is refused with schema_invalid naming the feature): lookahead and
 * lookbehind (?= (?! (?<= (?<!, backreferences \1..\9 and \k<name>, \0 and
 * any NUL, \D \W \S \P{..} inside a character class, the empty classes []
 * and [^], larger non-ASCII ranges, other \p{..} properties, flags and
 * modifiers. Other differences from ECMA-262 follow POSIX: alternation is
 * leftmost-longest (irrelevant for a yes/no search) and syntax errors are
 * whatever regcomp rejects. Patterns are bounded before regcomp (ere.h: at
 * most 1000 bytes, no stacked quantifiers, none over what can match the
 * empty string, at most 1000 positions unrolled; ECMA-262 refuses stacked
 * quantifiers too) and searched as "^.*(P)", one pass over the subject
 * (with its bytes that are not UTF-8 as U+FFFD), since glibc's unanchored
 * search is quadratic in the subject.
 */
#include "config.h"

#include <locale.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/ere.h"
#include "lib/str.h"
#include "lib/utf8.h"
#include "lib/xalloc.h"
#include "ecma-re.h"
#include "schema-int.h"

/* Decode one code point at *p (advancing); invalid bytes decode as themselves. */
static uint32_t
utf8_next(const char **p)
{
	uint32_t cp;
	size_t n = utf8_decode(*p, strnlen(*p, 4), &cp);

	if (n == 0) {
		cp = (unsigned char)**p;
		n = 1;
	}
	*p += n;
	return cp;
}

static void
utf8_put(struct buf *b, uint32_t cp)
{
	char s[4];

	buf_append(b, s, utf8_encode(cp, s));
}

/* ECMA-262 WhiteSpace and LineTerminator code points (\s). */
static const uint32_t ecma_space[] = { 0x09,   0x0A,   0x0B,   0x0C,   0x0D,   0x20,   0xA0,
	                               0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
	                               0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029,
	                               0x202F, 0x205F, 0x3000, 0xFEFF };

struct rx {
	const char *p; /* the ECMA pattern, advancing */
	struct buf out;
	char why[160];
};

static int rx_fail(struct rx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
rx_fail(struct rx *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->why, sizeof(x->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* A literal code point outside a bracket expression. */
static int
rx_literal(struct rx *x, uint32_t cp)
{
	if (cp == 0)
		return rx_fail(x, "NUL characters are not supported");
	if (cp < 0x80 && strchr(".[\\()*+?{|^$", (int)cp) != NULL)
		buf_putc(&x->out, '\\');
	utf8_put(&x->out, cp);
	return 0;
}

static int
rx_hex(const char **p, int n, uint32_t *cp)
{
	uint32_t v = 0;

	for (int i = 0; i < n; i++) {
		int h = str_hexval((unsigned char)(*p)[i]);
		if (h < 0)
			return -1;
		v = v * 16 + (uint32_t)h;
	}
	*p += n;
	*cp = v;
	return 0;
}

/*
 * An escape that denotes one code point (\t, \xHH, \u..., \cX, identity);
 * *p is just after the backslash. Returns 0, or -1 when the escape is not a
 * single character (the caller handles classes first).
 */
static int
rx_char_escape(struct rx *x, uint32_t *cp)
{
	const char *p = x->p;
	char c = *p;

	switch (c) {
	case 't':
		*cp = '\t';
		break;
	case 'n':
		*cp = '\n';
		break;
	case 'v':
		*cp = '\v';
		break;
	case 'f':
		*cp = '\f';
		break;
	case 'r':
		*cp = '\r';
		break;
	case '0':
		if (p[1] >= '0' && p[1] <= '9')
			return rx_fail(x, "octal escapes are not supported");
		return rx_fail(x, "\\0 (NUL) is not supported");
	case 'c':
		if ((p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z')) {
			*cp = (uint32_t)(p[1] % 32);
			x->p = p + 2;
			return 0;
		}
		*cp = '\\'; /* Annex B: "\c" not followed by a letter is a backslash */
		return 0;
	case 'x':
		p++;
		if (rx_hex(&p, 2, cp) < 0)
			return rx_fail(x, "bad \\x escape");
		x->p = p;
		return 0;
	case 'u':
		p++;
		if (*p == '{') {
			const char *e = strchr(p, '}');
			uint32_t v = 0;

			if (e == NULL || e == p + 1 || e - p > 9)
				return rx_fail(x, "bad \\u{...} escape");
			for (const char *q = p + 1; q < e; q++) {
				if (str_hexval((unsigned char)*q) < 0)
					return rx_fail(x, "bad \\u{...} escape");
				v = v * 16 + (uint32_t)str_hexval((unsigned char)*q);
			}
			p = e + 1;
			*cp = v;
		} else {
			if (rx_hex(&p, 4, cp) < 0)
				return rx_fail(x, "bad \\u escape");
			if (*cp >= 0xD800 && *cp <= 0xDBFF && p[0] == '\\' && p[1] == 'u') {
				const char *q = p + 2;
				uint32_t lo;

				if (rx_hex(&q, 4, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
					*cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
					p = q;
				}
			}
		}
		if ((*cp >= 0xD800 && *cp <= 0xDFFF) || *cp > 0x10FFFF)
			return rx_fail(x, "lone surrogates and code points above U+10FFFF are not "
			                  "supported");
		x->p = p;
		return 0;
	default:
		if (c >= '1' && c <= '9')
			return rx_fail(x, "backreferences are not supported");
		if (c == 'k')
			return rx_fail(x, "named backreferences are not supported");
		if (c == '\0')
			return rx_fail(x, "pattern ends with a backslash");
		*cp = utf8_next(&p);
		x->p = p;
		return 0;
	}
	x->p = p + 1;
	return 0;
}

/* \p{...}: the POSIX class name for a supported property, else NULL. */
static const char *
rx_property(struct rx *x)
{
	static const struct {
		const char *name, *cls;
	} props[] = {
		{ "L", "alpha" },  { "Letter", "alpha" },
		{ "Lu", "upper" }, { "Uppercase_Letter", "upper" },
		{ "Ll", "lower" }, { "Lowercase_Letter", "lower" },
		{ "Nd", "Nd" },    { "Decimal_Number", "Nd" },
		{ "digit", "Nd" },
	};
	const char *e;

	if (x->p[1] != '{' || (e = strchr(x->p + 2, '}')) == NULL) {
		rx_fail(x, "bad \\p escape");
		return NULL;
	}
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++)
		if (strlen(props[i].name) == (size_t)(e - x->p - 2) &&
		    strncmp(props[i].name, x->p + 2, (size_t)(e - x->p - 2)) == 0) {
			x->p = e + 1;
			return props[i].cls;
		}
	rx_fail(x, "Unicode property \\p{%.*s} is not supported", (int)(e - x->p - 2), x->p + 2);
	return NULL;
}

struct rx_item {
	uint32_t lo, hi;
	const char *cls; /* POSIX class name instead of lo..hi */
};

struct rx_set {
	struct rx_item *items;
	size_t n, cap;
};

static void
rx_set_add(struct rx_set *s, uint32_t lo, uint32_t hi, const char *cls)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->items = xreallocarray(s->items, s->cap, sizeof(*s->items));
	}
	s->items[s->n++] = (struct rx_item){ lo, hi, cls };
}

static void
rx_set_add_list(struct rx_set *s, const uint32_t *cps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rx_set_add(s, cps[i], cps[i], NULL);
}

/* Add the members of \d \w \s to s. */
static void
rx_set_add_class(struct rx_set *s, char c)
{
	switch (c) {
	case 'd':
		rx_set_add(s, '0', '9', NULL);
		break;
	case 'w':
		rx_set_add(s, 'A', 'Z', NULL);
		rx_set_add(s, 'a', 'z', NULL);
		rx_set_add(s, '0', '9', NULL);
		rx_set_add(s, '_', '_', NULL);
		break;
	case 's':
		rx_set_add_list(s, ecma_space, sizeof(ecma_space) / sizeof(ecma_space[0]));
		break;
	}
}

/*
 * First code points of the runs of Unicode decimal digits (general category
 * Nd, Unicode 15): ten each, but for the 50 mathematical digits at U+1D7CE.
 */
static const uint32_t nd_starts[] = {
	0x0030,  0x0660,  0x06F0,  0x07C0,  0x0966,  0x09E6,  0x0A66,  0x0AE6,  0x0B66,  0x0BE6,
	0x0C66,  0x0CE6,  0x0D66,  0x0DE6,  0x0E50,  0x0ED0,  0x0F20,  0x1040,  0x1090,  0x17E0,
	0x1810,  0x1946,  0x19D0,  0x1A80,  0x1A90,  0x1B50,  0x1BB0,  0x1C40,  0x1C50,  0xA620,
	0xA8D0,  0xA900,  0xA9D0,  0xA9F0,  0xAA50,  0xABF0,  0xFF10,  0x104A0, 0x10D30, 0x11066,
	0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0,
	0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x11F50, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1E140,
	0x1E2F0, 0x1E4F0, 0x1E950, 0x1FBF0,
};

/* Add a \p{..} property (a POSIX class name, or "Nd") to s. */
static void
rx_set_add_property(struct rx_set *s, const char *cls)
{
	if (strcmp(cls, "Nd") != 0) {
		rx_set_add(s, 0, 0, cls);
		return;
	}
	for (size_t i = 0; i < sizeof(nd_starts) / sizeof(nd_starts[0]); i++)
		rx_set_add(s, nd_starts[i], nd_starts[i] + (nd_starts[i] == 0x1D7CE ? 49 : 9),
		           NULL);
}

/* Emit a bracket expression for the set, arranged so POSIX reads it literally. */
static int
rx_emit_set(struct rx *x, const struct rx_set *s, int negated)
{
	int rbracket = 0, caret = 0, lbracket = 0, dash = 0;
	struct buf body = BUF_INIT;

	for (size_t i = 0; i < s->n; i++) {
		const struct rx_item *it = &s->items[i];

		if (it->cls != NULL) {
			buf_printf(&body, "[:%s:]", it->cls);
			continue;
		}
		if (it->lo == 0)
			return buf_free(&body), rx_fail(x, "NUL characters are not supported");
		if (it->lo == it->hi) {
			if (it->lo == ']')
				rbracket = 1;
			else if (it->lo == '^')
				caret = 1;
			else if (it->lo == '[')
				lbracket = 1;
			else if (it->lo == '-')
				dash = 1;
			else
				utf8_put(&body, it->lo);
			continue;
		}
		if (it->lo > it->hi)
			return buf_free(&body), rx_fail(x, "character class range out of order");
		/* glibc refuses ranges with non-ASCII ends in C.UTF-8: list them. */
		uint32_t lo = it->lo, hi = it->hi;
		if (lo < 0x80) {
			uint32_t top = hi < 0x80 ? hi : 0x7F;
			if (strchr("]^[-", (int)lo) != NULL || strchr("]^[-", (int)top) != NULL) {
				for (uint32_t c = lo; c <= top; c++) {
					if (c == 0)
						continue;
					if (c == ']')
						rbracket = 1;
					else if (c == '^')
						caret = 1;
					else if (c == '[')
						lbracket = 1;
					else if (c == '-')
						dash = 1;
					else
						utf8_put(&body, c);
				}
			} else if (top == lo) {
				utf8_put(&body, lo);
			} else {
				buf_printf(&body, "%c-%c", (char)lo, (char)top);
			}
			lo = 0x80;
		}
		if (hi >= 0x80 && lo <= hi) {
			if (hi - lo > 1024)
				return buf_free(&body), rx_fail(x, "ranges spanning more than 1024 "
				                                   "non-ASCII code points are not "
				                                   "supported");
			for (uint32_t c = lo; c <= hi; c++)
				if (c < 0xD800 || c > 0xDFFF)
					utf8_put(&body, c);
		}
	}
	if (!rbracket && !caret && !lbracket && !dash && body.len == 0) {
		buf_free(&body);
		return rx_fail(x, "empty character classes are not supported");
	}
	if (!negated && caret && !rbracket && body.len == 0 && !lbracket && !dash) {
		buf_puts(&x->out, "\\^");
		buf_free(&body);
		return 0;
	}
	buf_putc(&x->out, '[');
	if (negated)
		buf_putc(&x->out, '^');
	if (rbracket)
		buf_putc(&x->out, ']');
	if (body.len)
		buf_append(&x->out, body.data, body.len);
	if (!negated && !rbracket && body.len == 0) {
		/* '^' must not come first: lead with '[' or '-' instead. */
		if (lbracket)
			buf_putc(&x->out, '[');
		else if (dash)
			buf_putc(&x->out, '-');
		if (caret)
			buf_putc(&x->out, '^');
		if (lbracket && dash)
			buf_putc(&x->out, '-');
	} else {
		if (caret)
			buf_putc(&x->out, '^');
		if (lbracket)
			buf_putc(&x->out, '[');
		if (dash)
			buf_putc(&x->out, '-');
	}
	buf_putc(&x->out, ']');
	buf_free(&body);
	return 0;
}

/* One class atom: *cp and 0, or a class escape (\d \w \s \p) added to s and 1. */
static int
rx_class_atom(struct rx *x, struct rx_set *s, uint32_t *cp)
{
	if (*x->p != '\\') {
		*cp = utf8_next(&x->p);
		return 0;
	}
	x->p++;
	switch (*x->p) {
	case 'd':
	case 'w':
	case 's':
		rx_set_add_class(s, *x->p);
		x->p++;
		return 1;
	case 'D':
	case 'W':
	case 'S':
		return rx_fail(x, "\\%c inside a character class is not supported", *x->p);
	case 'p': {
		const char *cls = rx_property(x);
		if (cls == NULL)
			return -1;
		rx_set_add_property(s, cls);
		return 1;
	}
	case 'P':
		return rx_fail(x, "\\P inside a character class is not supported");
	case 'b':
		x->p++;
		*cp = '\b';
		return 0;
	case '-':
		x->p++;
		*cp = '-';
		return 0;
	default:
		return rx_char_escape(x, cp) < 0 ? -1 : 0;
	}
}

/* A character class; x->p is just after '['. */
static int
rx_class(struct rx *x)
{
	struct rx_set s = { 0 };
	int negated = 0, rc;

	if (*x->p == '^') {
		negated = 1;
		x->p++;
	}
	while (*x->p != ']') {
		uint32_t lo, hi;
		int k;

		if (*x->p == '\0') {
			free(s.items);
			return rx_fail(x, "unterminated character class");
		}
		k = rx_class_atom(x, &s, &lo);
		if (k < 0) {
			free(s.items);
			return -1;
		}
		if (k == 1)
			continue;
		if (x->p[0] == '-' && x->p[1] != ']' && x->p[1] != '\0') {
			x->p++;
			k = rx_class_atom(x, &s, &hi);
			if (k < 0) {
				free(s.items);
				return -1;
			}
			if (k == 1) { /* [a-\d]: '-' is literal (Annex B) */
				rx_set_add(&s, lo, lo, NULL);
				rx_set_add(&s, '-', '-', NULL);
				continue;
			}
			rx_set_add(&s, lo, hi, NULL);
		} else {
			rx_set_add(&s, lo, lo, NULL);
		}
	}
	x->p++;
	rc = rx_emit_set(x, &s, negated);
	free(s.items);
	return rc;
}

/* Is x->p at a {n}, {n,} or {n,m} quantifier? Sets *len to its length. */
static int
rx_is_brace_quant(const char *p, size_t *len)
{
	const char *q = p + 1;

	if (*q < '0' || *q > '9')
		return 0;
	while (*q >= '0' && *q <= '9')
		q++;
	if (*q == ',') {
		q++;
		while (*q >= '0' && *q <= '9')
			q++;
	}
	if (*q != '}')
		return 0;
	*len = (size_t)(q - p) + 1;
	return 1;
}

static void
rx_put_set(struct rx *x, int negated, char cls)
{
	struct rx_set s = { 0 };

	rx_set_add_class(&s, cls);
	rx_emit_set(x, &s, negated);
	free(s.items);
}

static int
rx_translate(struct rx *x)
{
	int rc;

	while (*x->p) {
		char c = *x->p;
		size_t qlen;

		switch (c) {
		case '\\':
			x->p++;
			switch (*x->p) {
			case 'd':
			case 'w':
			case 's':
				rx_put_set(x, 0, *x->p);
				x->p++;
				break;
			case 'D':
			case 'W':
			case 'S':
				rx_put_set(x, 1, (char)(*x->p - 'A' + 'a'));
				x->p++;
				break;
			case 'b':
			case 'B':
				buf_putc(&x->out, '\\');
				buf_putc(&x->out, *x->p);
				x->p++;
				break;
			case 'p':
			case 'P': {
				int neg = *x->p == 'P';
				const char *cls = rx_property(x);
				if (cls == NULL)
					return -1;
				struct rx_set set = { 0 };
				rx_set_add_property(&set, cls);
				rc = rx_emit_set(x, &set, neg);
				free(set.items);
				if (rc < 0)
					return -1;
				break;
			}
			default: {
				uint32_t cp;
				if (rx_char_escape(x, &cp) < 0 || rx_literal(x, cp) < 0)
					return -1;
			}
			}
			break;
		case '.':
			buf_puts(&x->out, "[^\n\r\xe2\x80\xa8\xe2\x80\xa9]");
			x->p++;
			break;
		case '[':
			x->p++;
			if (rx_class(x) < 0)
				return -1;
			break;
		case '(':
			x->p++;
			if (*x->p == '?') {
				if (x->p[1] == ':') {
					x->p += 2;
				} else if (x->p[1] == '=' || x->p[1] == '!' ||
				           (x->p[1] == '<' && (x->p[2] == '=' || x->p[2] == '!'))) {
					return rx_fail(
					    x, "lookahead and lookbehind are not supported");
				} else if (x->p[1] == '<') {
					const char *e = strchr(x->p, '>');
					if (e == NULL)
						return rx_fail(x, "bad group name");
					x->p = e + 1;
				} else {
					return rx_fail(x, "group modifiers are not supported");
				}
			}
			buf_putc(&x->out, '(');
			break;
		case '*':
		case '+':
		case '?':
			buf_putc(&x->out, c);
			x->p++;
			if (*x->p == '?') /* lazy: same match existence */
				x->p++;
			break;
		case '{':
			if (rx_is_brace_quant(x->p, &qlen)) {
				buf_append(&x->out, x->p, qlen);
				x->p += qlen;
				if (*x->p == '?')
					x->p++;
			} else {
				buf_puts(&x->out, "\\{");
				x->p++;
			}
			break;
		case ')':
		case '|':
		case '^':
		case '$':
			buf_putc(&x->out, c);
			x->p++;
			break;
		default: {
			uint32_t cp = utf8_next(&x->p);
			if (rx_literal(x, cp) < 0)
				return -1;
		}
		}
	}
	return 0;
}

/* The C.UTF-8 locale regexes run in, so code points match whatever the process locale. */
static locale_t
rx_locale(void)
{
	static locale_t loc;
	static int tried;

	if (!tried) {
		tried = 1;
		loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	return loc;
}

int
sch_rx_compile(const char *pattern, regex_t *re, char *why, size_t whylen)
{
	struct rx x = { .p = pattern };
	locale_t loc = rx_locale(), old = (locale_t)0;
	char *anchored;
	int rc;

	if (strlen(pattern) > ERE_MAX_LENGTH) {
		snprintf(why, whylen, "pattern too long: %zu bytes, over the limit of %d",
		         strlen(pattern), ERE_MAX_LENGTH);
		return -1;
	}
	if (rx_translate(&x) < 0) {
		snprintf(why, whylen, "%s", x.why);
		buf_free(&x.out);
		return -1;
	}
	/* Bounded before regcomp sees it: "a**{9}+" would compile for minutes. */
	if (ere_check(x.out.data ? x.out.data : "", why, whylen) != 0) {
		buf_free(&x.out);
		return -1;
	}
	/*
	 * Searched as "^.*(P)": one pass over the subject. glibc retries an
	 * unanchored search from every start, quadratic in the subject
	 * ("[a-z]+$" against 8 MiB of letters: hours); rx_search makes "."
	 * match every character of the subject.
	 */
	anchored = xasprintf("^.*(%s)", x.out.data ? x.out.data : "");
	buf_free(&x.out);
	if (loc != (locale_t)0)
		old = uselocale(loc);
	rc = regcomp(re, anchored, REG_EXTENDED | REG_NOSUB);
	if (loc != (locale_t)0)
		uselocale(old);
	free(anchored);
	if (rc != 0) {
		char msg[128];
		regerror(rc, re, msg, sizeof(msg));
		snprintf(why, whylen, "%s", msg);
		return -1;
	}
	return 0;
}

int
sch_rx_search(const regex_t *re, const char *s)
{
	locale_t loc = rx_locale(), old = (locale_t)0;
	size_t len = strlen(s);
	struct buf fixed = BUF_INIT;
	int rc;

	/*
	 * "." matches no byte that is not UTF-8, so "^.*" would stop there:
	 * such bytes (JSON text should have none) are searched as U+FFFD.
	 */
	if (utf8_check(s, len) != len) {
		for (size_t i = 0, k; i < len; i += k) {
			k = utf8_seq(s + i, len - i);
			if (k == 0) {
				buf_puts(&fixed, "\xef\xbf\xbd");
				k = 1;
			} else {
				buf_append(&fixed, s + i, k);
			}
		}
		s = fixed.data;
	}
	if (loc != (locale_t)0)
		old = uselocale(loc);
	rc = regexec(re, s, 0, NULL, 0);
	if (loc != (locale_t)0)
		uselocale(old);
	buf_free(&fixed);
	return rc == 0;
}
