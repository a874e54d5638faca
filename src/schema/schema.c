/*
 * JSON Schema draft 2020-12 validation over cJSON, with a registry of schema
 * documents resolved by URI.
 *
 * Adding a document walks it once: every keyword that takes a subschema is
 * followed (so an "$id" inside "enum", "const" or an unknown keyword is not an
 * identifier), keyword values are checked for the right shape (errors name
 * the source and the JSON pointer inside the schema), patterns are compiled,
 * and every resource ($id), anchor ($anchor, $dynamicAnchor) and base-URI
 * change is indexed. Validation then evaluates the schema directly over the
 * cJSON tree, tracking the base URI for $ref, the instance path for errors,
 * and the position of each instance node so errors come out in document
 * order.
 *
 * Keywords: type, enum, const, properties, required, additionalProperties,
 * patternProperties, propertyNames, items, prefixItems, contains,
 * minContains, maxContains, minItems, maxItems, uniqueItems, minLength and
 * maxLength (Unicode code points), pattern, minimum, maximum,
 * exclusiveMinimum, exclusiveMaximum, multipleOf, minProperties,
 * maxProperties, dependentRequired, dependentSchemas, the legacy
 * "dependencies", allOf, anyOf, oneOf, not, if/then/else,
 * unevaluatedItems and unevaluatedProperties (from the annotations of the
 * successful subschemas at the same instance location, gathered only when
 * such a keyword needs them), $defs and legacy "definitions", $ref,
 * $dynamicRef, $id, $anchor, $dynamicAnchor, boolean schemas. Annotation
 * keywords (title, format, default, content*, ...) and unknown keywords
 * are ignored; draft 2019-09's $recursiveRef is refused with
 * schema_invalid rather than silently ignored. When a resource's "$schema"
 * (declared, or inherited from the enclosing resource) names a registered
 * metaschema with "$vocabulary", only the applicator, unevaluated and
 * validation vocabularies it lists apply; a required vocabulary other than
 * those, core, meta-data, format-annotation and content is schema_invalid.
 *
 * References: a $ref is resolved (RFC 3986) against the base URI in effect
 * (the nearest enclosing $id, else the retrieval URI, else SCHEMA_BASE_URI
 * for a document without either); the fragment is empty, a JSON pointer
 * (percent-decoded, then ~1 and ~0 unescaped) or an anchor name. A
 * $dynamicRef whose target carries a $dynamicAnchor of the fragment's name
 * goes to the outermost resource in the dynamic scope (the resources
 * entered on the way to it) that has a $dynamicAnchor of that name. A $ref
 * that does not resolve as a URI is also tried verbatim as a registry key,
 * so "$ref": "dev/phase-plan@1" finds the short id. More than 64 $ref hops
 * without moving into the instance, or an evaluation nesting deeper than
 * 2048, is reported as schema_invalid (an infinitely recursive schema).
 *
 * Numbers are IEEE doubles (cJSON), so integers beyond 2^53 compare only
 * approximately. multipleOf is exact (fmod) for an integral divisor and
 * when the quotient overflows; otherwise the quotient must lie within a
 * relative 1e-9 of an integer, so 0.0075 is a multiple of 0.0001.
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

#include <dirent.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/buf.h"
#include "lib/canon.h"
#include "lib/ere.h"
#include "lib/utf8.h"
#include "lib/xalloc.h"
#include "schema-int.h"
#include "schema.h"
#include "uri.h"

/* ---------------------------------------------------------------- index -- */

static const struct index_entry *
index_find(const struct index *idx, const char *key)
{
	for (size_t i = 0; i < idx->nkeys; i++)
		if (strcmp(idx->keys[i].key, key) == 0)
			return &idx->keys[i];
	return NULL;
}

static struct base_entry *
index_base_entry(const struct index *idx, const cJSON *node)
{
	for (size_t i = 0; i < idx->nbases; i++)
		if (idx->bases[i].node == node)
			return &idx->bases[i];
	return NULL;
}

static const char *
index_base_of(const struct index *idx, const cJSON *node)
{
	for (size_t i = 0; i < idx->nbases; i++)
		if (idx->bases[i].node == node)
			return idx->bases[i].uri;
	return NULL;
}

static void
index_add_key(struct index *idx, const char *key, const cJSON *node, const char *base, size_t doc)
{
	if (idx->nkeys == idx->capkeys) {
		idx->capkeys = idx->capkeys ? idx->capkeys * 2 : 16;
		idx->keys = xreallocarray(idx->keys, idx->capkeys, sizeof(*idx->keys));
	}
	idx->keys[idx->nkeys++] = (struct index_entry){ xstrdup(key), node, base, doc, 0 };
}

/* Record a base URI for node; returns the index-owned copy. */
static const char *
index_add_base(struct index *idx, const cJSON *node, const char *uri)
{
	if (idx->nbases == idx->capbases) {
		idx->capbases = idx->capbases ? idx->capbases * 2 : 16;
		idx->bases = xreallocarray(idx->bases, idx->capbases, sizeof(*idx->bases));
	}
	idx->bases[idx->nbases] = (struct base_entry){ node, xstrdup(uri), NULL };
	return idx->bases[idx->nbases++].uri;
}

/* Drop entries added after the marks (undoing a failed add). */
static void
index_truncate(struct index *idx, size_t nkeys, size_t nbases)
{
	while (idx->nkeys > nkeys)
		free(idx->keys[--idx->nkeys].key);
	while (idx->nbases > nbases) {
		free(idx->bases[--idx->nbases].uri);
		free(idx->bases[idx->nbases].dialect);
	}
}

static void
index_free(struct index *idx)
{
	index_truncate(idx, 0, 0);
	free(idx->keys);
	free(idx->bases);
	memset(idx, 0, sizeof(*idx));
}

/* ---------------------------------------------------------------- UTF-8 -- */

static size_t
utf8_length(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* Decode one code point at *p (advancing); invalid bytes decode as themselves. */
static uint32_t
utf8_next(const char **p)
{
	const unsigned char *s = (const unsigned char *)*p;
	uint32_t cp;
	int n;

	if (s[0] < 0x80) {
		*p += 1;
		return s[0];
	}
	if ((s[0] & 0xE0) == 0xC0) {
		cp = s[0] & 0x1F;
		n = 1;
	} else if ((s[0] & 0xF0) == 0xE0) {
		cp = s[0] & 0x0F;
		n = 2;
	} else if ((s[0] & 0xF8) == 0xF0) {
		cp = s[0] & 0x07;
		n = 3;
	} else {
		*p += 1;
		return s[0];
	}
	for (int i = 1; i <= n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*p += 1;
			return s[0];
		}
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	*p += n + 1;
	return cp;
}

static void
utf8_put(struct buf *b, uint32_t cp)
{
	char s[4];

	if (cp < 0x80) {
		buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		s[0] = (char)(0xC0 | (cp >> 6));
		s[1] = (char)(0x80 | (cp & 0x3F));
		buf_append(b, s, 2);
	} else if (cp < 0x10000) {
		s[0] = (char)(0xE0 | (cp >> 12));
		s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		s[2] = (char)(0x80 | (cp & 0x3F));
		buf_append(b, s, 3);
	} else {
		s[0] = (char)(0xF0 | (cp >> 18));
		s[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		s[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		s[3] = (char)(0x80 | (cp & 0x3F));
		buf_append(b, s, 4);
	}
}

/* ---------------------------------------------------------------- regex -- */

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
		int h = hexval((unsigned char)(*p)[i]);
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
				if (hexval((unsigned char)*q) < 0)
					return rx_fail(x, "bad \\u{...} escape");
				v = v * 16 + (uint32_t)hexval((unsigned char)*q);
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

/*
 * Translate and compile an ECMA-262 pattern. Returns 0, or -1 with why
 * filled (an unsupported feature or the regcomp error).
 */
static int
rx_compile(const char *pattern, regex_t *re, char *why, size_t whylen)
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

static int
rx_search(const regex_t *re, const char *s)
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

/* ------------------------------------------------------- schema walking -- */

/* Keywords whose value is one subschema, an array of them, or an object of them. */
static const char *const kw_single[] = { "additionalProperties",
	                                 "unevaluatedProperties",
	                                 "unevaluatedItems",
	                                 "propertyNames",
	                                 "items",
	                                 "contains",
	                                 "not",
	                                 "if",
	                                 "then",
	                                 "else",
	                                 NULL };
static const char *const kw_array[] = { "prefixItems", "allOf", "anyOf", "oneOf", NULL };
static const char *const kw_object[] = { "properties",  "patternProperties", "$defs",
	                                 "definitions", "dependentSchemas",  NULL };
static const char *const kw_unsupported[] = { "$recursiveRef", NULL };
static const char *const kw_count[] = { "minLength",     "maxLength",     "minItems",
	                                "maxItems",      "minContains",   "maxContains",
	                                "minProperties", "maxProperties", NULL };
static const char *const kw_number[] = { "minimum",          "maximum",    "exclusiveMinimum",
	                                 "exclusiveMaximum", "multipleOf", NULL };
static const char *const type_names[] = { "null",   "boolean", "object",  "array",
	                                  "number", "string",  "integer", NULL };

static int
in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

static void
pointer_push(struct buf *b, const char *token)
{
	buf_putc(b, '/');
	for (; *token; token++) {
		if (*token == '~')
			buf_puts(b, "~0");
		else if (*token == '/')
			buf_puts(b, "~1");
		else
			buf_putc(b, *token);
	}
}

static void
pointer_push_index(struct buf *b, size_t i)
{
	buf_printf(b, "/%zu", i);
}

static void
buf_truncate(struct buf *b, size_t len)
{
	b->len = len;
	if (b->data != NULL)
		b->data[len] = '\0';
}

static int
is_count(const cJSON *v)
{
	return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1e15 &&
	       floor(v->valuedouble) == v->valuedouble;
}

static int
is_anchor_name(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	for (s++; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

/* State of one document walk: where keys go and how errors name places. */
struct walk {
	const cJSON *root;
	const char *dialect; /* "$schema" of the enclosing resource */
	struct index *idx;
	size_t doc;
	const char *source; /* names the document in errors; NULL for none */
	struct buf spath;   /* JSON pointer of the current schema node */
	struct df_error *err;
};

static int walk_fail(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
walk_fail(struct walk *w, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->source == NULL)
		return df_error_set(w->err, DF_FATAL, DF_E_SCHEMA_INVALID, "%s: %s",
		                    w->spath.len ? w->spath.data : "(root)", msg);
	return df_error_set(w->err, DF_FATAL, DF_E_SCHEMA_INVALID, "%s: %s: %s", w->source,
	                    w->spath.len ? w->spath.data : "(root)", msg);
}

static int
walk_key(struct walk *w, const char *key, const cJSON *node, const char *base, int dynamic)
{
	const struct index_entry *e = index_find(w->idx, key);

	if (e != NULL && e->node != node)
		return walk_fail(w, "\"%s\" is defined twice", key);
	if (e == NULL)
		index_add_key(w->idx, key, node, base, w->doc);
	if (dynamic)
		w->idx->keys[e ? (size_t)(e - w->idx->keys) : w->idx->nkeys - 1].dynamic = 1;
	return 0;
}

static int walk_schema(struct walk *w, const cJSON *s, const char *base);

static int
walk_child(struct walk *w, const char *kw, const char *sub, size_t i, const cJSON *s,
           const char *base)
{
	size_t mark = w->spath.len;
	int rc;

	pointer_push(&w->spath, kw);
	if (sub != NULL)
		pointer_push(&w->spath, sub);
	else if (i != (size_t)-1)
		pointer_push_index(&w->spath, i);
	rc = walk_schema(w, s, base);
	buf_truncate(&w->spath, mark);
	return rc;
}

/* Check the value of one known keyword (not the subschema ones). */
static int
walk_keyword(struct walk *w, const cJSON *kv)
{
	const char *k = kv->string;
	char why[160];
	regex_t re;
	const cJSON *e;

	if (in_list(kw_unsupported, k))
		return walk_fail(w, "keyword \"%s\" is not supported", k);
	if (in_list(kw_count, k) && !is_count(kv))
		return walk_fail(w, "\"%s\" must be a non-negative integer", k);
	if (in_list(kw_number, k)) {
		if (!cJSON_IsNumber(kv))
			return walk_fail(w, "\"%s\" must be a number", k);
		if (strcmp(k, "multipleOf") == 0 && !(kv->valuedouble > 0))
			return walk_fail(w, "\"multipleOf\" must be greater than 0");
	}
	if (strcmp(k, "type") == 0) {
		if (cJSON_IsString(kv)) {
			if (!in_list(type_names, kv->valuestring))
				return walk_fail(w, "unknown type \"%s\"", kv->valuestring);
		} else if (cJSON_IsArray(kv)) {
			cJSON_ArrayForEach(e, kv)
			{
				if (!cJSON_IsString(e) || !in_list(type_names, e->valuestring))
					return walk_fail(w, "\"type\" must list type names");
			}
		} else {
			return walk_fail(w, "\"type\" must be a string or an array of strings");
		}
	} else if (strcmp(k, "enum") == 0 && !cJSON_IsArray(kv)) {
		return walk_fail(w, "\"enum\" must be an array");
	} else if (strcmp(k, "required") == 0) {
		if (!cJSON_IsArray(kv))
			return walk_fail(w, "\"required\" must be an array of strings");
		cJSON_ArrayForEach(e, kv)
		{
			if (!cJSON_IsString(e))
				return walk_fail(w, "\"required\" must be an array of strings");
		}
	} else if (strcmp(k, "dependentRequired") == 0 || strcmp(k, "dependencies") == 0) {
		if (!cJSON_IsObject(kv))
			return walk_fail(w, "\"%s\" must be an object", k);
		cJSON_ArrayForEach(e, kv)
		{
			const cJSON *n;
			if (!cJSON_IsArray(e)) {
				if (strcmp(k, "dependencies") == 0)
					continue; /* a schema, walked by the caller */
				return walk_fail(w, "\"%s\" values must be arrays of strings", k);
			}
			cJSON_ArrayForEach(n, e)
			{
				if (!cJSON_IsString(n))
					return walk_fail(
					    w, "\"%s\" values must be arrays of strings", k);
			}
		}
	} else if (strcmp(k, "uniqueItems") == 0 && !cJSON_IsBool(kv)) {
		return walk_fail(w, "\"uniqueItems\" must be a boolean");
	} else if (strcmp(k, "pattern") == 0) {
		if (!cJSON_IsString(kv))
			return walk_fail(w, "\"pattern\" must be a string");
		if (rx_compile(kv->valuestring, &re, why, sizeof(why)) < 0)
			return walk_fail(w, "invalid pattern \"%s\": %s", kv->valuestring, why);
		regfree(&re);
	} else if ((strcmp(k, "$ref") == 0 || strcmp(k, "$dynamicRef") == 0) &&
	           !cJSON_IsString(kv)) {
		return walk_fail(w, "\"%s\" must be a string", k);
	}
	return 0;
}

static int
walk_schema(struct walk *w, const cJSON *s, const char *base)
{
	const char *dialect = w->dialect;
	const cJSON *kv, *e;
	char *tmp;

	if (cJSON_IsBool(s))
		return 0;
	if (!cJSON_IsObject(s))
		return walk_fail(w, "a schema must be an object or a boolean");
	kv = cJSON_GetObjectItemCaseSensitive(s, "$schema");
	if (kv != NULL && !cJSON_IsString(kv))
		return pointer_push(&w->spath, "$schema"),
		       walk_fail(w, "\"$schema\" must be a string");
	kv = cJSON_GetObjectItemCaseSensitive(s, "$id");
	if (kv != NULL) {
		if (!cJSON_IsString(kv))
			return pointer_push(&w->spath, "$id"),
			       walk_fail(w, "\"$id\" must be a string");
		tmp = uri_resolve(base, kv->valuestring);
		if (strchr(tmp, '#') != NULL && strchr(tmp, '#')[1] != '\0') {
			free(tmp);
			pointer_push(&w->spath, "$id");
			return walk_fail(w, "\"$id\" must not have a fragment");
		}
		*strchrnul(tmp, '#') = '\0';
		base = index_base_of(w->idx, s);
		if (base == NULL)
			base = index_add_base(w->idx, s, tmp);
		free(tmp);
		if (walk_key(w, base, s, base, 0) < 0)
			return -1;
	}
	if (kv != NULL || s == w->root) { /* a resource: its dialect, declared or inherited */
		struct base_entry *be = index_base_entry(w->idx, s);
		const cJSON *sch = cJSON_GetObjectItemCaseSensitive(s, "$schema");

		if (sch != NULL)
			w->dialect = sch->valuestring;
		if (be != NULL && be->dialect == NULL && w->dialect != NULL)
			be->dialect = xstrdup(w->dialect);
	}
	static const char *const anchors[] = { "$anchor", "$dynamicAnchor" };
	for (size_t i = 0; i < 2; i++) {
		kv = cJSON_GetObjectItemCaseSensitive(s, anchors[i]);
		if (kv == NULL)
			continue;
		if (!cJSON_IsString(kv) || !is_anchor_name(kv->valuestring))
			return pointer_push(&w->spath, anchors[i]),
			       walk_fail(w, "\"%s\" must be a plain name", anchors[i]);
		tmp = xasprintf("%s#%s", base, kv->valuestring);
		int rc = walk_key(w, tmp, s, base, i == 1);
		free(tmp);
		if (rc < 0)
			return -1;
	}
	cJSON_ArrayForEach(kv, s)
	{
		const char *k = kv->string;
		size_t i = 0;

		size_t mark = w->spath.len;

		pointer_push(&w->spath, k);
		if (walk_keyword(w, kv) < 0)
			return -1;
		buf_truncate(&w->spath, mark);
		if (in_list(kw_single, k)) {
			if (walk_child(w, k, NULL, (size_t)-1, kv, base) < 0)
				return -1;
		} else if (in_list(kw_array, k)) {
			if (!cJSON_IsArray(kv) || cJSON_GetArraySize(kv) == 0)
				return pointer_push(&w->spath, k),
				       walk_fail(w, "\"%s\" must be a non-empty array of schemas",
				                 k);
			cJSON_ArrayForEach(e, kv)
			{
				if (walk_child(w, k, NULL, i++, e, base) < 0)
					return -1;
			}
		} else if (in_list(kw_object, k) || strcmp(k, "dependencies") == 0) {
			if (!cJSON_IsObject(kv))
				return pointer_push(&w->spath, k),
				       walk_fail(w, "\"%s\" must be an object of schemas", k);
			cJSON_ArrayForEach(e, kv)
			{
				if (strcmp(k, "dependencies") == 0 && cJSON_IsArray(e))
					continue;
				if (strcmp(k, "patternProperties") == 0) {
					char why[160];
					regex_t re;
					if (rx_compile(e->string, &re, why, sizeof(why)) < 0) {
						pointer_push(&w->spath, k);
						return walk_fail(w, "invalid pattern \"%s\": %s",
						                 e->string, why);
					}
					regfree(&re);
				}
				if (walk_child(w, k, e->string, 0, e, base) < 0)
					return -1;
			}
		}
	}
	w->dialect = dialect;
	return 0;
}

/*
 * Index one document into idx: its root under base (and under extra keys),
 * every embedded resource and anchor. On error idx is left as it was.
 */
static int
index_document(struct index *idx, size_t doc, const cJSON *root, const char *base,
               const char *const *extra, const char *source, struct df_error *err)
{
	struct walk w = { .root = root, .idx = idx, .doc = doc, .source = source, .err = err };
	size_t nk = idx->nkeys, nb = idx->nbases;
	const char *rootbase;
	int rc = 0;

	rootbase = index_add_base(idx, root, base);
	if (walk_key(&w, rootbase, root, rootbase, 0) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && extra && extra[i]; i++)
		if (strcmp(extra[i], rootbase) != 0 &&
		    walk_key(&w, extra[i], root, rootbase, 0) < 0)
			rc = -1;
	/* The root's own $id is already applied: walk from the root's base. */
	if (rc == 0)
		rc = walk_schema(&w, root, rootbase);
	buf_free(&w.spath);
	if (rc < 0)
		index_truncate(idx, nk, nb);
	return rc;
}

/* The base URI a document starts from: its $id against fallback, else fallback. */
static char *
document_base(const cJSON *root, const char *fallback)
{
	const cJSON *id =
	    cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "$id") : NULL;
	char *r;

	if (!cJSON_IsString(id))
		return xstrdup(fallback);
	r = uri_resolve(fallback, id->valuestring);
	*strchrnul(r, '#') = '\0';
	return r;
}

/* ------------------------------------------------------------- registry -- */

struct schema_registry *
schema_registry_new(void)
{
	return xcalloc(1, sizeof(struct schema_registry));
}

static void
registry_truncate(struct schema_registry *reg, size_t ndocs, size_t nkeys, size_t nbases)
{
	index_truncate(&reg->idx, nkeys, nbases);
	while (reg->ndocs > ndocs) {
		struct doc *d = &reg->docs[--reg->ndocs];
		cJSON_Delete(d->json);
		free(d->source);
	}
}

void
schema_registry_free(struct schema_registry *reg)
{
	if (reg == NULL)
		return;
	registry_truncate(reg, 0, 0, 0);
	index_free(&reg->idx);
	free(reg->docs);
	free(reg);
}

int
schema_registry_add(struct schema_registry *reg, const cJSON *schema, const char *uri,
                    const char *source, struct df_error *err)
{
	const cJSON *id =
	    cJSON_IsObject(schema) ? cJSON_GetObjectItemCaseSensitive(schema, "$id") : NULL;
	const char *extra[3] = { NULL, NULL, NULL };
	char *base, *shortid = NULL, *ruri = NULL;
	const struct index_entry *dup;
	size_t blen = strlen(SCHEMA_BASE_URI), n = 0;
	int rc;

	if (source == NULL)
		source = uri ? uri : "schema";
	if (!cJSON_IsObject(schema) && !cJSON_IsBool(schema))
		return df_error_set(err, DF_FATAL, DF_E_SCHEMA_INVALID,
		                    "%s: a schema must be an object or a boolean", source);
	if (id != NULL && !cJSON_IsString(id))
		return df_error_set(err, DF_FATAL, DF_E_SCHEMA_INVALID,
		                    "%s: /$id: \"$id\" must be a string", source);
	if (id == NULL && uri == NULL)
		return df_error_set(err, DF_FATAL, DF_E_SCHEMA_INVALID,
		                    "%s: the schema has no \"$id\"", source);
	if (uri != NULL)
		ruri = uri_strip_fragment(uri);
	base = document_base(schema, ruri ? ruri : SCHEMA_BASE_URI);
	/* The same document again is harmless; other content under a used $id is not. */
	dup = index_find(&reg->idx, base);
	if (dup != NULL) {
		const cJSON *old = reg->docs[dup->doc].json;
		if (dup->node == old && cJSON_Compare(old, schema, 1)) {
			free(base);
			free(ruri);
			return 0;
		}
		df_error_set(err, DF_FATAL, DF_E_SCHEMA_INVALID,
		             "%s: duplicate $id \"%s\" (already registered from %s)", source, base,
		             reg->docs[dup->doc].source);
		free(base);
		free(ruri);
		return -1;
	}
	if (strncmp(base, SCHEMA_BASE_URI, blen) == 0 && base[blen] != '\0')
		extra[n++] = shortid = xstrdup(base + blen);
	if (ruri != NULL)
		extra[n++] = ruri;
	if (reg->ndocs == reg->capdocs) {
		reg->capdocs = reg->capdocs ? reg->capdocs * 2 : 16;
		reg->docs = xreallocarray(reg->docs, reg->capdocs, sizeof(*reg->docs));
	}
	reg->docs[reg->ndocs] = (struct doc){ cJSON_Duplicate(schema, 1), xstrdup(source) };
	rc = index_document(&reg->idx, reg->ndocs, reg->docs[reg->ndocs].json, base, extra, source,
	                    err);
	if (rc == 0) {
		reg->ndocs++;
	} else {
		cJSON_Delete(reg->docs[reg->ndocs].json);
		free(reg->docs[reg->ndocs].source);
	}
	free(base);
	free(shortid);
	free(ruri);
	return rc;
}

/* ------------------------------------------------------------ file input -- */

cJSON *
schema_json_load(const char *path, struct df_error *err)
{
	struct buf b = BUF_INIT;
	cJSON *j;

	if (buf_read_file(&b, path, 0) != 0) {
		df_error_set(err, DF_FATAL, DF_E_IO, "%s: %s", path, strerror(errno));
		buf_free(&b);
		return NULL;
	}
	j = schema_json_parse(path, b.data, b.len, err);
	buf_free(&b);
	return j;
}

cJSON *
schema_json_parse(const char *source, const char *text, size_t len, struct df_error *err)
{
	const char *end = NULL;
	cJSON *j;

	if (strlen(text) != len) {
		df_error_set(err, DF_FATAL, DF_E_JSON_PARSE,
		             "%s: invalid JSON: NUL byte at offset %zu", source, strlen(text));
		return NULL;
	}
	j = cJSON_ParseWithOpts(text, &end, 1);
	if (j == NULL) {
		size_t off = end ? (size_t)(end - text) : 0, line = 1, col = 1;
		if (off > len)
			off = len;
		for (size_t i = 0; i < off; i++) {
			if (text[i] == '\n') {
				line++;
				col = 1;
			} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
				col++;
			}
		}
		df_error_set(err, DF_FATAL, DF_E_JSON_PARSE,
		             "%s: invalid JSON at line %zu, column %zu (offset %zu)", source, line,
		             col, off);
	}
	return j;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
load_dir_rec(struct schema_registry *reg, const char *dir, int depth, struct df_error *err)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (depth > 32) /* a symbolic link loop, most likely */
		return df_error_set(err, DF_FATAL, DF_E_IO, "%s: directories nested too deeply",
		                    dir);
	if ((d = opendir(dir)) == NULL)
		return df_error_set(err, DF_FATAL, DF_E_IO, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct stat st;
		size_t len = strlen(names[i]);

		if (stat(names[i], &st) < 0) {
			rc = df_error_set(err, DF_FATAL, DF_E_IO, "%s: %s", names[i],
			                  strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			rc = load_dir_rec(reg, names[i], depth + 1, err);
		} else if (S_ISREG(st.st_mode) && len > 5 &&
		           strcmp(names[i] + len - 5, ".json") == 0) {
			cJSON *j = schema_json_load(names[i], err);
			if (j == NULL)
				rc = -1;
			else
				rc = schema_registry_add(reg, j, NULL, names[i], err);
			cJSON_Delete(j);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int
schema_registry_load_dir(struct schema_registry *reg, const char *dir, struct df_error *err)
{
	size_t nd = reg->ndocs, nk = reg->idx.nkeys, nb = reg->idx.nbases;

	if (load_dir_rec(reg, dir, 0, err) < 0) {
		registry_truncate(reg, nd, nk, nb);
		return -1;
	}
	return 0;
}

const cJSON *
schema_registry_get(const struct schema_registry *reg, const char *id)
{
	const struct index_entry *e = index_find(&reg->idx, id);

	if (e == NULL && strchr(id, '#') != NULL && strchr(id, '#')[1] == '\0') {
		char *s = uri_strip_fragment(id);
		e = index_find(&reg->idx, s);
		free(s);
	}
	return e ? e->node : NULL;
}

/* ------------------------------------------------------------ validation -- */

struct verr {
	struct schema_error_item item;
	size_t *ord; /* positions of the instance node's ancestors, for sorting */
	size_t nord;
	size_t seq;
};

struct rx_cache {
	const char *pattern;
	regex_t re;
};

struct vctx {
	const struct schema_registry *reg;
	struct index local; /* the document of schema_validate_doc */
	struct buf path;
	size_t *ord;
	size_t nord, capord;
	struct verr *errs;
	size_t nerrs, caperrs;
	const char **scope; /* dynamic scope: base URIs of the resources entered */
	size_t nscope, capscope;
	unsigned vocab; /* V_* of the current resource */
	int collect;
	int depth, hops;
	struct rx_cache *rx;
	size_t nrx, caprx;
	struct df_error *err;
};

static const char *
json_type(const cJSON *v)
{
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsBool(v))
		return "boolean";
	if (cJSON_IsNumber(v))
		return (isfinite(v->valuedouble) && floor(v->valuedouble) == v->valuedouble)
		           ? "integer"
		           : "number";
	if (cJSON_IsString(v))
		return "string";
	if (cJSON_IsArray(v))
		return "array";
	if (cJSON_IsObject(v))
		return "object";
	return "invalid";
}

static int
has_type(const cJSON *v, const char *t)
{
	const char *vt = json_type(v);

	if (strcmp(t, vt) == 0)
		return 1;
	return strcmp(t, "number") == 0 && strcmp(vt, "integer") == 0;
}

/* JSON equality: numbers by value, objects regardless of key order. */
static int
json_equal(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;

	if (cJSON_IsNumber(a) || cJSON_IsNumber(b))
		return cJSON_IsNumber(a) && cJSON_IsNumber(b) && a->valuedouble == b->valuedouble;
	if ((a->type & 0xFF) != (b->type & 0xFF))
		return 0;
	if (cJSON_IsString(a))
		return strcmp(a->valuestring, b->valuestring) == 0;
	if (cJSON_IsArray(a)) {
		for (x = a->child, y = b->child; x && y; x = x->next, y = y->next)
			if (!json_equal(x, y))
				return 0;
		return x == NULL && y == NULL;
	}
	if (cJSON_IsObject(a)) {
		if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
			return 0;
		cJSON_ArrayForEach(x, a)
		{
			y = cJSON_GetObjectItemCaseSensitive(b, x->string);
			if (y == NULL || !json_equal(x, y))
				return 0;
		}
		return 1;
	}
	return 1; /* null, true, false */
}

static int verr_add(struct vctx *c, const char *keyword, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
verr_add(struct vctx *c, const char *keyword, const char *fmt, ...)
{
	struct verr *e;
	va_list ap;
	char msg[512];

	if (!c->collect)
		return 0;
	if (c->nerrs == c->caperrs) {
		c->caperrs = c->caperrs ? c->caperrs * 2 : 16;
		c->errs = xreallocarray(c->errs, c->caperrs, sizeof(*c->errs));
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e = &c->errs[c->nerrs];
	e->item.path = xstrdup(c->path.data ? c->path.data : "");
	e->item.keyword = xstrdup(keyword);
	e->item.message = xstrdup(msg);
	e->nord = c->nord;
	e->ord = NULL;
	if (c->nord) {
		e->ord = xreallocarray(NULL, c->nord, sizeof(*e->ord));
		memcpy(e->ord, c->ord, c->nord * sizeof(*e->ord));
	}
	e->seq = c->nerrs++;
	return 0;
}

static void
verrs_free(struct vctx *c)
{
	for (size_t i = 0; i < c->nerrs; i++) {
		free(c->errs[i].item.path);
		free(c->errs[i].item.keyword);
		free(c->errs[i].item.message);
		free(c->errs[i].ord);
	}
	free(c->errs);
	c->errs = NULL;
	c->nerrs = c->caperrs = 0;
}

static int
verr_cmp(const void *pa, const void *pb)
{
	const struct verr *a = pa, *b = pb;

	for (size_t i = 0; i < a->nord && i < b->nord; i++)
		if (a->ord[i] != b->ord[i])
			return a->ord[i] < b->ord[i] ? -1 : 1;
	if (a->nord != b->nord)
		return a->nord < b->nord ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

#define PLURAL(n) ((n) == 1 ? "" : "s")

/* A number as people write it: shortest form that reads back the same. */
static void
fmt_number(double d, char *out, size_t len)
{
	if (floor(d) == d && fabs(d) < 1e15) {
		snprintf(out, len, "%.0f", d);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, len, "%.*g", prec, d);
		if (strtod(out, NULL) == d)
			return;
	}
}

static const char *
base_of(const struct vctx *c, const cJSON *node)
{
	const char *b = index_base_of(&c->local, node);

	if (b == NULL && c->reg != NULL)
		b = index_base_of(&c->reg->idx, node);
	return b;
}

static const struct index_entry *
find_key(const struct vctx *c, const char *key)
{
	const struct index_entry *e = index_find(&c->local, key);

	if (e == NULL && c->reg != NULL)
		e = index_find(&c->reg->idx, key);
	return e;
}

/* Follow a JSON pointer (already percent-decoded) from node, tracking the base URI. */
static const cJSON *
pointer_walk(const struct vctx *c, const cJSON *node, const char *ptr, const char **base)
{
	while (*ptr == '/' && node != NULL) {
		const char *end = strchrnul(ptr + 1, '/');
		struct buf tok = BUF_INIT;
		const char *b;

		for (const char *p = ptr + 1; p < end; p++) {
			if (p[0] == '~' && p[1] == '1') {
				buf_putc(&tok, '/');
				p++;
			} else if (p[0] == '~' && p[1] == '0') {
				buf_putc(&tok, '~');
				p++;
			} else {
				buf_putc(&tok, *p);
			}
		}
		if (tok.data == NULL)
			buf_puts(&tok, "");
		if (cJSON_IsObject(node)) {
			node = cJSON_GetObjectItemCaseSensitive(node, tok.data);
		} else if (cJSON_IsArray(node)) {
			char *e;
			unsigned long i = strtoul(tok.data, &e, 10);
			int okn = tok.len > 0 && *e == '\0' && (tok.data[0] != '0' || tok.len == 1);
			node = okn ? cJSON_GetArrayItem(node, (int)i) : NULL;
		} else {
			node = NULL;
		}
		buf_free(&tok);
		if (node != NULL && (b = base_of(c, node)) != NULL)
			*base = b;
		ptr = end;
	}
	return *ptr == '\0' ? node : NULL;
}

/*
 * Resolve ref against base: the target node and the base URI in effect
 * there. Returns 0, or -1 with schema_not_found.
 */
static int
resolve_ref(struct vctx *c, const char *base, const char *ref, const cJSON **node,
            const char **nbase)
{
	char *full = uri_resolve(base, ref), *res = uri_strip_fragment(full);
	const char *hash = strchr(full, '#'), *frag = hash ? hash + 1 : "";
	const struct index_entry *e = find_key(c, res);
	int rc = 0;

	if (e == NULL) { /* a registry key verbatim, e.g. a short id */
		char *verb = uri_strip_fragment(ref);
		e = find_key(c, verb);
		free(verb);
	}
	*node = NULL;
	if (e != NULL) {
		*nbase = e->base;
		if (*frag == '\0') {
			*node = e->node;
		} else if (*frag == '/') {
			char *ptr = percent_decode(frag);
			*node = pointer_walk(c, e->node, ptr, nbase);
			free(ptr);
		} else {
			char *name = percent_decode(frag);
			char *key = xasprintf("%s#%s", e->base, name);
			const struct index_entry *a = find_key(c, key);
			if (a != NULL) {
				*node = a->node;
				*nbase = a->base;
			}
			free(key);
			free(name);
		}
	}
	if (*node == NULL)
		rc = df_error_set(c->err, DF_FATAL, DF_E_SCHEMA_NOT_FOUND,
		                  "cannot resolve $ref \"%s\" (%s)", ref, full);
	free(full);
	free(res);
	return rc;
}

/*
 * $dynamicRef: resolved as $ref; when that lands on a $dynamicAnchor of the
 * fragment's name, the outermost resource of the dynamic scope with a
 * $dynamicAnchor of that name wins.
 */
static int
resolve_dynamic_ref(struct vctx *c, const char *base, const char *ref, const cJSON **node,
                    const char **nbase)
{
	const char *hash = strchr(ref, '#');
	const cJSON *da;
	char *name;

	if (resolve_ref(c, base, ref, node, nbase) < 0)
		return -1;
	if (hash == NULL || hash[1] == '\0' || hash[1] == '/' || !cJSON_IsObject(*node))
		return 0;
	name = percent_decode(hash + 1);
	da = cJSON_GetObjectItemCaseSensitive(*node, "$dynamicAnchor");
	if (cJSON_IsString(da) && strcmp(da->valuestring, name) == 0) {
		for (size_t i = 0; i < c->nscope; i++) {
			char *key = xasprintf("%s#%s", c->scope[i], name);
			const struct index_entry *e = find_key(c, key);

			free(key);
			if (e != NULL && e->dynamic) {
				*node = e->node;
				*nbase = e->base;
				break;
			}
		}
	}
	free(name);
	return 0;
}

static int
rx_get(struct vctx *c, const char *pattern, const regex_t **re)
{
	char why[160];

	for (size_t i = 0; i < c->nrx; i++)
		if (c->rx[i].pattern == pattern || strcmp(c->rx[i].pattern, pattern) == 0) {
			*re = &c->rx[i].re;
			return 0;
		}
	if (c->nrx == c->caprx) {
		c->caprx = c->caprx ? c->caprx * 2 : 8;
		c->rx = xreallocarray(c->rx, c->caprx, sizeof(*c->rx));
	}
	if (rx_compile(pattern, &c->rx[c->nrx].re, why, sizeof(why)) < 0)
		return df_error_set(c->err, DF_FATAL, DF_E_SCHEMA_INVALID,
		                    "invalid pattern \"%s\": %s", pattern, why);
	c->rx[c->nrx].pattern = pattern;
	*re = &c->rx[c->nrx++].re;
	return 0;
}

/*
 * Annotations for unevaluatedProperties / unevaluatedItems: which members
 * and items of one instance location successful subschemas evaluated.
 * Only gathered when an enclosing schema at that location needs them.
 */
struct ann {
	const cJSON **props; /* evaluated members of an object instance */
	size_t nprops, capprops;
	size_t items;         /* items [0, items) evaluated */
	int all_items;        /* every item evaluated */
	unsigned char *found; /* per item: matched "contains" */
	size_t nfound;
};

static int
ann_has_prop(const struct ann *a, const cJSON *m)
{
	for (size_t i = 0; i < a->nprops; i++)
		if (a->props[i] == m)
			return 1;
	return 0;
}

static void
ann_prop(struct ann *a, const cJSON *m)
{
	if (a == NULL || ann_has_prop(a, m))
		return;
	if (a->nprops == a->capprops) {
		a->capprops = a->capprops ? a->capprops * 2 : 8;
		a->props = xreallocarray(a->props, a->capprops, sizeof(*a->props));
	}
	a->props[a->nprops++] = m;
}

static void
ann_found(struct ann *a, size_t i, size_t n)
{
	if (a == NULL)
		return;
	if (a->nfound < n) {
		a->found = xrealloc(a->found, n);
		memset(a->found + a->nfound, 0, n - a->nfound);
		a->nfound = n;
	}
	a->found[i] = 1;
}

static int
ann_has_item(const struct ann *a, size_t i)
{
	return a->all_items || i < a->items || (i < a->nfound && a->found[i]);
}

static void
ann_merge(struct ann *dst, const struct ann *src)
{
	for (size_t i = 0; i < src->nprops; i++)
		ann_prop(dst, src->props[i]);
	if (src->items > dst->items)
		dst->items = src->items;
	dst->all_items |= src->all_items;
	for (size_t i = 0; i < src->nfound; i++)
		if (src->found[i])
			ann_found(dst, i, src->nfound);
}

static void
ann_free(struct ann *a)
{
	free(a->props);
	free(a->found);
}

static int eval(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst,
                struct ann *ann);

/* Evaluate s against the child of the instance at key (or index), ordinal ord. */
static int
eval_child(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst, const char *key,
           size_t index, size_t ord)
{
	size_t mark = c->path.len;
	int hops = c->hops, rc;

	if (key != NULL)
		pointer_push(&c->path, key);
	else
		pointer_push_index(&c->path, index);
	if (c->nord == c->capord) {
		c->capord = c->capord ? c->capord * 2 : 16;
		c->ord = xreallocarray(c->ord, c->capord, sizeof(*c->ord));
	}
	c->ord[c->nord++] = ord;
	c->hops = 0;
	rc = eval(c, s, base, inst, NULL);
	c->hops = hops;
	c->nord--;
	buf_truncate(&c->path, mark);
	return rc;
}

/* Evaluate without recording errors: only whether inst is valid. */
static int
eval_quiet(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst, struct ann *ann)
{
	int save = c->collect, rc;

	c->collect = 0;
	rc = eval(c, s, base, inst, ann);
	c->collect = save;
	return rc;
}

static int
eval_child_quiet(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst,
                 const char *key, size_t index, size_t ord)
{
	int save = c->collect, rc;

	c->collect = 0;
	rc = eval_child(c, s, base, inst, key, index, ord);
	c->collect = save;
	return rc;
}

static const cJSON *
kw(const cJSON *s, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(s, name);
}

/* Vocabularies that a metaschema's "$vocabulary" can turn off. */
#define V_APPLICATOR 1u
#define V_UNEVALUATED 2u
#define V_VALIDATION 4u
#define V_ALL 7u

static const char *const vocab_applicator[] = { "properties",
	                                        "patternProperties",
	                                        "additionalProperties",
	                                        "propertyNames",
	                                        "items",
	                                        "prefixItems",
	                                        "contains",
	                                        "allOf",
	                                        "anyOf",
	                                        "oneOf",
	                                        "not",
	                                        "if",
	                                        "dependentSchemas",
	                                        "dependencies",
	                                        NULL };
static const char *const vocab_validation[] = { "type",
	                                        "enum",
	                                        "const",
	                                        "multipleOf",
	                                        "maximum",
	                                        "exclusiveMaximum",
	                                        "minimum",
	                                        "exclusiveMinimum",
	                                        "maxLength",
	                                        "minLength",
	                                        "pattern",
	                                        "maxItems",
	                                        "minItems",
	                                        "uniqueItems",
	                                        "maxContains",
	                                        "minContains",
	                                        "maxProperties",
	                                        "minProperties",
	                                        "required",
	                                        "dependentRequired",
	                                        NULL };

/* Keyword name of s, or NULL when its vocabulary is off for the current resource. */
static const cJSON *
kwc(const struct vctx *c, const cJSON *s, const char *name)
{
	if (c->vocab != V_ALL) {
		if (!(c->vocab & V_APPLICATOR) && in_list(vocab_applicator, name))
			return NULL;
		if (!(c->vocab & V_VALIDATION) && in_list(vocab_validation, name))
			return NULL;
		if (!(c->vocab & V_UNEVALUATED) && strncmp(name, "unevaluated", 11) == 0)
			return NULL;
	}
	return kw(s, name);
}

/*
 * The vocabularies in effect for the resource whose base URI is base: all,
 * unless its "$schema" names a registered metaschema with "$vocabulary".
 * -1 (schema_invalid) when that requires a vocabulary not implemented here.
 */
static int
vocab_for(struct vctx *c, const char *base, unsigned *out)
{
	static const char prefix[] = "https://json-schema.org/draft/2020-12/vocab/";
	const struct index *idxs[2] = { &c->local, c->reg ? &c->reg->idx : NULL };
	const char *dialect = NULL;
	const struct index_entry *e;
	const cJSON *v, *m;
	char *d;

	*out = V_ALL;
	for (size_t k = 0; k < 2 && dialect == NULL; k++)
		for (size_t i = 0; idxs[k] != NULL && i < idxs[k]->nbases; i++)
			if (idxs[k]->bases[i].uri == base ||
			    strcmp(idxs[k]->bases[i].uri, base) == 0) {
				dialect = idxs[k]->bases[i].dialect;
				break;
			}
	if (dialect == NULL)
		return 0;
	d = uri_strip_fragment(dialect);
	e = find_key(c, d);
	free(d);
	if (e == NULL || (v = kw(e->node, "$vocabulary")) == NULL || !cJSON_IsObject(v))
		return 0;
	*out = 0;
	cJSON_ArrayForEach(m, v)
	{
		const char *name = m->string;
		const char *tail = strncmp(name, prefix, sizeof(prefix) - 1) == 0
		                       ? name + sizeof(prefix) - 1
		                       : NULL;

		if (tail != NULL && strcmp(tail, "applicator") == 0)
			*out |= V_APPLICATOR;
		else if (tail != NULL && strcmp(tail, "unevaluated") == 0)
			*out |= V_UNEVALUATED;
		else if (tail != NULL && strcmp(tail, "validation") == 0)
			*out |= V_VALIDATION;
		else if (tail != NULL &&
		         (strcmp(tail, "core") == 0 || strcmp(tail, "meta-data") == 0 ||
		          strcmp(tail, "format-annotation") == 0 || strcmp(tail, "content") == 0))
			continue;
		else if (cJSON_IsTrue(m))
			return df_error_set(
			    c->err, DF_FATAL, DF_E_SCHEMA_INVALID,
			    "metaschema \"%s\" requires the vocabulary \"%s\", which "
			    "is not supported",
			    dialect, name);
	}
	return 0;
}

/* Accumulate one keyword's result r into ok; stop early when errors are not collected. */
#define STEP(expr)                                                                                 \
	do {                                                                                       \
		int r_ = (expr);                                                                   \
		if (r_ < 0)                                                                        \
			return -1;                                                                 \
		if (r_ == 0) {                                                                     \
			ok = 0;                                                                    \
			if (!c->collect)                                                           \
				return 0;                                                          \
		}                                                                                  \
	} while (0)

static int
eval_type(struct vctx *c, const cJSON *t, const cJSON *inst)
{
	struct buf want = BUF_INIT;
	const cJSON *e;
	int n = 0, total;

	if (cJSON_IsString(t)) {
		if (has_type(inst, t->valuestring))
			return 1;
		verr_add(c, "type", "expected %s, got %s", t->valuestring, json_type(inst));
		return 0;
	}
	if (!cJSON_IsArray(t))
		return 1;
	total = cJSON_GetArraySize(t);
	cJSON_ArrayForEach(e, t)
	{
		if (cJSON_IsString(e) && has_type(inst, e->valuestring)) {
			buf_free(&want);
			return 1;
		}
		if (cJSON_IsString(e))
			buf_printf(&want, "%s%s",
			           n == 0           ? ""
			           : n == total - 1 ? " or "
			                            : ", ",
			           e->valuestring);
		n++;
	}
	verr_add(c, "type", "expected %s, got %s", want.data ? want.data : "nothing",
	         json_type(inst));
	buf_free(&want);
	return 0;
}

static int
eval_enum(struct vctx *c, const cJSON *en, const cJSON *inst)
{
	const cJSON *e;
	char *list;

	if (!cJSON_IsArray(en))
		return 1;
	cJSON_ArrayForEach(e, en)
	{
		if (json_equal(e, inst))
			return 1;
	}
	if (!c->collect)
		return 0;
	list = canon_json(en);
	if (strlen(list) <= 200)
		verr_add(c, "enum", "expected one of %s", list);
	else
		verr_add(c, "enum", "value is not one of the %d allowed values",
		         cJSON_GetArraySize(en));
	free(list);
	return 0;
}

static int
eval_const(struct vctx *c, const cJSON *k, const cJSON *inst)
{
	char *want;

	if (json_equal(k, inst))
		return 1;
	if (!c->collect)
		return 0;
	want = canon_json(k);
	if (strlen(want) <= 200)
		verr_add(c, "const", "expected %s", want);
	else
		verr_add(c, "const", "value differs from the required constant");
	free(want);
	return 0;
}

static int
is_multiple(double x, double m)
{
	double q, r;

	if (floor(m) == m)
		return fmod(x, m) == 0;
	q = x / m;
	if (!isfinite(q))
		return fmod(x, m) == 0;
	r = nearbyint(q);
	return fabs(q - r) <= 1e-9 * fmax(1.0, fabs(q));
}

static int
eval_number(struct vctx *c, const cJSON *s, const cJSON *inst)
{
	double d = inst->valuedouble;
	char a[40], b[40];
	const cJSON *k;
	int ok = 1;

	if (cJSON_IsNumber(k = kwc(c, s, "minimum")) && !(d >= k->valuedouble)) {
		fmt_number(k->valuedouble, a, sizeof(a));
		fmt_number(d, b, sizeof(b));
		verr_add(c, "minimum", "must be >= %s, got %s", a, b);
		STEP(0);
	}
	if (cJSON_IsNumber(k = kwc(c, s, "maximum")) && !(d <= k->valuedouble)) {
		fmt_number(k->valuedouble, a, sizeof(a));
		fmt_number(d, b, sizeof(b));
		verr_add(c, "maximum", "must be <= %s, got %s", a, b);
		STEP(0);
	}
	if (cJSON_IsNumber(k = kwc(c, s, "exclusiveMinimum")) && !(d > k->valuedouble)) {
		fmt_number(k->valuedouble, a, sizeof(a));
		fmt_number(d, b, sizeof(b));
		verr_add(c, "exclusiveMinimum", "must be > %s, got %s", a, b);
		STEP(0);
	}
	if (cJSON_IsNumber(k = kwc(c, s, "exclusiveMaximum")) && !(d < k->valuedouble)) {
		fmt_number(k->valuedouble, a, sizeof(a));
		fmt_number(d, b, sizeof(b));
		verr_add(c, "exclusiveMaximum", "must be < %s, got %s", a, b);
		STEP(0);
	}
	if (cJSON_IsNumber(k = kwc(c, s, "multipleOf")) && k->valuedouble > 0 &&
	    !is_multiple(d, k->valuedouble)) {
		fmt_number(k->valuedouble, a, sizeof(a));
		fmt_number(d, b, sizeof(b));
		verr_add(c, "multipleOf", "must be a multiple of %s, got %s", a, b);
		STEP(0);
	}
	return ok;
}

static int
eval_string(struct vctx *c, const cJSON *s, const cJSON *inst)
{
	size_t len = utf8_length(inst->valuestring);
	const cJSON *k;
	const regex_t *re;
	int ok = 1;

	if (cJSON_IsNumber(k = kwc(c, s, "minLength")) && (double)len < k->valuedouble) {
		verr_add(c, "minLength", "must be at least %.0f character%s long, got %zu",
		         k->valuedouble, PLURAL(k->valuedouble), len);
		STEP(0);
	}
	if (cJSON_IsNumber(k = kwc(c, s, "maxLength")) && (double)len > k->valuedouble) {
		verr_add(c, "maxLength", "must be at most %.0f character%s long, got %zu",
		         k->valuedouble, PLURAL(k->valuedouble), len);
		STEP(0);
	}
	if (cJSON_IsString(k = kwc(c, s, "pattern"))) {
		if (rx_get(c, k->valuestring, &re) < 0)
			return -1;
		if (!rx_search(re, inst->valuestring)) {
			verr_add(c, "pattern", "does not match pattern \"%s\"", k->valuestring);
			STEP(0);
		}
	}
	return ok;
}

static int
eval_array(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst, struct ann *ann)
{
	size_t n = (size_t)cJSON_GetArraySize(inst), i, nprefix = 0;
	const cJSON *k, *e, *sub;
	int ok = 1;

	if (cJSON_IsNumber(k = kwc(c, s, "minItems")) && (double)n < k->valuedouble) {
		verr_add(c, "minItems", "expected at least %.0f item%s, got %zu", k->valuedouble,
		         PLURAL(k->valuedouble), n);
		STEP(0);
	}
	if (cJSON_IsNumber(k = kwc(c, s, "maxItems")) && (double)n > k->valuedouble) {
		verr_add(c, "maxItems", "expected at most %.0f item%s, got %zu", k->valuedouble,
		         PLURAL(k->valuedouble), n);
		STEP(0);
	}
	if (cJSON_IsTrue(kwc(c, s, "uniqueItems"))) {
		size_t a = 0, b;
		const cJSON *x, *y;
		int dup = 0;

		for (x = inst->child; x && !dup; x = x->next, a++)
			for (y = x->next, b = a + 1; y && !dup; y = y->next, b++)
				if (json_equal(x, y)) {
					dup = 1;
					verr_add(c, "uniqueItems", "items %zu and %zu are equal", a,
					         b);
				}
		if (dup)
			STEP(0);
	}
	if (cJSON_IsArray(k = kwc(c, s, "prefixItems"))) {
		for (i = 0, e = inst->child, sub = k->child; e && sub;
		     i++, e = e->next, sub = sub->next)
			STEP(eval_child(c, sub, base, e, NULL, i, i));
		nprefix = (size_t)cJSON_GetArraySize(k);
		if (ann != NULL && ann->items < nprefix)
			ann->items = nprefix;
	}
	if ((k = kwc(c, s, "items")) != NULL && (cJSON_IsObject(k) || cJSON_IsBool(k))) {
		for (i = 0, e = inst->child; e; i++, e = e->next)
			if (i >= nprefix)
				STEP(eval_child(c, k, base, e, NULL, i, i));
		if (ann != NULL)
			ann->all_items = 1;
	}
	if ((k = kwc(c, s, "contains")) != NULL) {
		const cJSON *kmin = kwc(c, s, "minContains"), *kmax = kwc(c, s, "maxContains");
		double min = cJSON_IsNumber(kmin) ? kmin->valuedouble : 1;
		size_t found = 0;
		int r;

		for (i = 0, e = inst->child; e; i++, e = e->next) {
			r = eval_child_quiet(c, k, base, e, NULL, i, i);
			if (r < 0)
				return -1;
			if (r == 1)
				ann_found(ann, i, n);
			found += (size_t)r;
		}
		if ((double)found < min) {
			if (found == 0 && !cJSON_IsNumber(kmin))
				verr_add(c, "contains", "no item matches the \"contains\" schema");
			else
				verr_add(c, cJSON_IsNumber(kmin) ? "minContains" : "contains",
				         "expected at least %.0f item%s matching \"contains\", "
				         "found %zu",
				         min, PLURAL(min), found);
			STEP(0);
		}
		if (cJSON_IsNumber(kmax) && (double)found > kmax->valuedouble) {
			verr_add(c, "maxContains",
			         "expected at most %.0f item%s matching \"contains\", found %zu",
			         kmax->valuedouble, PLURAL(kmax->valuedouble), found);
			STEP(0);
		}
	}
	return ok;
}

static int
eval_required_list(struct vctx *c, const cJSON *list, const cJSON *inst, const char *kwname,
                   const char *because)
{
	const cJSON *r;
	int ok = 1;

	cJSON_ArrayForEach(r, list)
	{
		if (cJSON_IsString(r) && !cJSON_HasObjectItem(inst, r->valuestring)) {
			if (because != NULL)
				verr_add(c, kwname,
				         "missing property \"%s\" (required when \"%s\" is "
				         "present)",
				         r->valuestring, because);
			else
				verr_add(c, kwname, "missing required property \"%s\"",
				         r->valuestring);
			STEP(0);
		}
	}
	return ok;
}

static int
eval_object(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst, struct ann *ann)
{
	const cJSON *props = kwc(c, s, "properties"), *pp = kwc(c, s, "patternProperties");
	const cJSON *k, *m, *p;
	size_t n = (size_t)cJSON_GetArraySize(inst), ord;
	const regex_t *re;
	int ok = 1, r;

	if (cJSON_IsNumber(k = kwc(c, s, "minProperties")) && (double)n < k->valuedouble) {
		verr_add(c, "minProperties", "expected at least %.0f propert%s, got %zu",
		         k->valuedouble, k->valuedouble == 1 ? "y" : "ies", n);
		STEP(0);
	}
	if (cJSON_IsNumber(k = kwc(c, s, "maxProperties")) && (double)n > k->valuedouble) {
		verr_add(c, "maxProperties", "expected at most %.0f propert%s, got %zu",
		         k->valuedouble, k->valuedouble == 1 ? "y" : "ies", n);
		STEP(0);
	}
	if (cJSON_IsArray(k = kwc(c, s, "required")))
		STEP(eval_required_list(c, k, inst, "required", NULL));
	if (cJSON_IsObject(k = kwc(c, s, "dependentRequired"))) {
		cJSON_ArrayForEach(m, k)
		{
			if (cJSON_HasObjectItem(inst, m->string))
				STEP(
				    eval_required_list(c, m, inst, "dependentRequired", m->string));
		}
	}
	if (cJSON_IsObject(k = kwc(c, s, "dependencies"))) {
		cJSON_ArrayForEach(m, k)
		{
			if (!cJSON_HasObjectItem(inst, m->string))
				continue;
			if (cJSON_IsArray(m))
				STEP(eval_required_list(c, m, inst, "dependencies", m->string));
			else
				STEP(eval(c, m, base, inst, ann));
		}
	}
	if (cJSON_IsObject(k = kwc(c, s, "dependentSchemas"))) {
		cJSON_ArrayForEach(m, k)
		{
			if (cJSON_HasObjectItem(inst, m->string))
				STEP(eval(c, m, base, inst, ann));
		}
	}
	ord = 0;
	cJSON_ArrayForEach(m, inst)
	{
		int known = 0;

		if (cJSON_IsObject(props) && (p = kw(props, m->string)) != NULL) {
			known = 1;
			ann_prop(ann, m);
			STEP(eval_child(c, p, base, m, m->string, 0, ord));
		}
		if (cJSON_IsObject(pp)) {
			cJSON_ArrayForEach(p, pp)
			{
				if (rx_get(c, p->string, &re) < 0)
					return -1;
				if (rx_search(re, m->string)) {
					known = 1;
					ann_prop(ann, m);
					STEP(eval_child(c, p, base, m, m->string, 0, ord));
				}
			}
		}
		if (!known && (k = kwc(c, s, "additionalProperties")) != NULL) {
			ann_prop(ann, m);
			if (cJSON_IsFalse(k)) {
				verr_add(c, "additionalProperties",
				         "property \"%s\" is not allowed", m->string);
				STEP(0);
			} else {
				STEP(eval_child(c, k, base, m, m->string, 0, ord));
			}
		}
		if ((k = kwc(c, s, "propertyNames")) != NULL) {
			cJSON *name = cJSON_CreateString(m->string);
			r = eval_quiet(c, k, base, name, NULL);
			cJSON_Delete(name);
			if (r == 0)
				verr_add(c, "propertyNames", "property name \"%s\" is not allowed",
				         m->string);
			STEP(r);
		}
		ord++;
	}
	return ok;
}

static int
eval_applicators(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst,
                 struct ann *ann)
{
	const cJSON *k, *e;
	int ok = 1, r;

	if (cJSON_IsArray(k = kwc(c, s, "allOf"))) {
		cJSON_ArrayForEach(e, k) STEP(eval(c, e, base, inst, ann));
	}
	if (cJSON_IsArray(k = kwc(c, s, "anyOf"))) {
		int any = 0;
		cJSON_ArrayForEach(e, k)
		{
			if ((r = eval_quiet(c, e, base, inst, ann)) < 0)
				return -1;
			if (r == 1) {
				any = 1;
				if (ann == NULL) /* annotations need every branch */
					break;
			}
		}
		if (!any) {
			verr_add(c, "anyOf", "does not match any of the %d \"anyOf\" schemas",
			         cJSON_GetArraySize(k));
			STEP(0);
		}
	}
	if (cJSON_IsArray(k = kwc(c, s, "oneOf"))) {
		int matched = 0;
		cJSON_ArrayForEach(e, k)
		{
			if ((r = eval_quiet(c, e, base, inst, ann)) < 0)
				return -1;
			matched += r;
		}
		if (matched == 0) {
			verr_add(c, "oneOf", "does not match any of the %d \"oneOf\" schemas",
			         cJSON_GetArraySize(k));
			STEP(0);
		} else if (matched > 1) {
			verr_add(c, "oneOf",
			         "matches %d of the \"oneOf\" schemas, expected exactly one",
			         matched);
			STEP(0);
		}
	}
	if ((k = kwc(c, s, "not")) != NULL) {
		if ((r = eval_quiet(c, k, base, inst, NULL)) < 0)
			return -1;
		if (r == 1) {
			verr_add(c, "not", "must not match the \"not\" schema");
			STEP(0);
		}
	}
	if ((k = kwc(c, s, "if")) != NULL) {
		const cJSON *branch;
		if ((r = eval_quiet(c, k, base, inst, ann)) < 0)
			return -1;
		branch = kw(s, r ? "then" : "else");
		if (branch != NULL)
			STEP(eval(c, branch, base, inst, ann));
	}
	return ok;
}

/* unevaluatedItems / unevaluatedProperties, after every other keyword of s. */
static int
eval_unevaluated(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst,
                 struct ann *ann)
{
	const cJSON *k, *e;
	size_t i;
	int ok = 1;

	if (cJSON_IsArray(inst) && (k = kwc(c, s, "unevaluatedItems")) != NULL) {
		for (i = 0, e = inst->child; e; i++, e = e->next) {
			if (ann_has_item(ann, i))
				continue;
			if (cJSON_IsFalse(k)) {
				verr_add(c, "unevaluatedItems", "item %zu is not allowed", i);
				STEP(0);
			} else {
				STEP(eval_child(c, k, base, e, NULL, i, i));
			}
		}
		ann->all_items = 1;
	}
	if (cJSON_IsObject(inst) && (k = kwc(c, s, "unevaluatedProperties")) != NULL) {
		i = 0;
		cJSON_ArrayForEach(e, inst)
		{
			if (!ann_has_prop(ann, e)) {
				if (cJSON_IsFalse(k)) {
					verr_add(c, "unevaluatedProperties",
					         "property \"%s\" is not allowed", e->string);
					STEP(0);
				} else {
					STEP(eval_child(c, k, base, e, e->string, 0, i));
				}
			}
			i++;
		}
		cJSON_ArrayForEach(e, inst) ann_prop(ann, e);
	}
	return ok;
}

static int
eval_body(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst, struct ann *ann)
{
	const cJSON *k;
	int ok = 1, r;

	if (cJSON_IsString(k = kwc(c, s, "$ref"))) {
		const cJSON *target;
		const char *tbase;

		if (++c->hops > MAX_REF_HOPS)
			return df_error_set(c->err, DF_FATAL, DF_E_SCHEMA_INVALID,
			                    "$ref \"%s\": more than %d references without "
			                    "progress (infinite recursion)",
			                    k->valuestring, MAX_REF_HOPS);
		if (resolve_ref(c, base, k->valuestring, &target, &tbase) < 0)
			return -1;
		r = eval(c, target, tbase, inst, ann);
		c->hops--;
		STEP(r);
	}
	if (cJSON_IsString(k = kwc(c, s, "$dynamicRef"))) {
		const cJSON *target;
		const char *tbase;

		if (++c->hops > MAX_REF_HOPS)
			return df_error_set(c->err, DF_FATAL, DF_E_SCHEMA_INVALID,
			                    "$dynamicRef \"%s\": more than %d references without "
			                    "progress (infinite recursion)",
			                    k->valuestring, MAX_REF_HOPS);
		if (resolve_dynamic_ref(c, base, k->valuestring, &target, &tbase) < 0)
			return -1;
		r = eval(c, target, tbase, inst, ann);
		c->hops--;
		STEP(r);
	}
	if ((k = kwc(c, s, "type")) != NULL)
		STEP(eval_type(c, k, inst));
	if ((k = kwc(c, s, "enum")) != NULL)
		STEP(eval_enum(c, k, inst));
	if ((k = kwc(c, s, "const")) != NULL)
		STEP(eval_const(c, k, inst));
	if (cJSON_IsNumber(inst))
		STEP(eval_number(c, s, inst));
	else if (cJSON_IsString(inst))
		STEP(eval_string(c, s, inst));
	else if (cJSON_IsArray(inst))
		STEP(eval_array(c, s, base, inst, ann));
	else if (cJSON_IsObject(inst))
		STEP(eval_object(c, s, base, inst, ann));
	STEP(eval_applicators(c, s, base, inst, ann));
	if (ann != NULL)
		STEP(eval_unevaluated(c, s, base, inst, ann));
	return ok;
}

/*
 * Evaluate schema s at instance location inst. ann (may be NULL) receives
 * what s evaluated there when s is valid; a schema with unevaluated*
 * gathers its own.
 */
static int
eval(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst, struct ann *ann)
{
	struct ann mine = { 0 };
	const char *b;
	unsigned vocab = c->vocab;
	int rc, need, pushed;

	if (cJSON_IsBool(s)) {
		if (cJSON_IsTrue(s))
			return 1;
		verr_add(c, "false", "no value is allowed here");
		return 0;
	}
	if (!cJSON_IsObject(s))
		return df_error_set(c->err, DF_FATAL, DF_E_SCHEMA_INVALID,
		                    "a schema must be an object or a boolean");
	if (c->depth >= MAX_DEPTH)
		return df_error_set(c->err, DF_FATAL, DF_E_SCHEMA_INVALID,
		                    "schema nesting deeper than %d (infinite recursion?)",
		                    MAX_DEPTH);
	if (kwc(c, s, "$id") != NULL && (b = base_of(c, s)) != NULL)
		base = b;
	need = ann != NULL || kwc(c, s, "unevaluatedItems") != NULL ||
	       kwc(c, s, "unevaluatedProperties") != NULL;
	pushed = c->nscope == 0 || strcmp(c->scope[c->nscope - 1], base) != 0;
	if (pushed) {
		if (c->nscope == c->capscope) {
			c->capscope = c->capscope ? c->capscope * 2 : 16;
			c->scope = xreallocarray(c->scope, c->capscope, sizeof(*c->scope));
		}
		c->scope[c->nscope++] = base;
		if (vocab_for(c, base, &c->vocab) < 0) {
			c->nscope--;
			c->vocab = vocab;
			return -1;
		}
	}
	c->depth++;
	rc = eval_body(c, s, base, inst, need ? &mine : NULL);
	c->depth--;
	if (pushed) {
		c->nscope--;
		c->vocab = vocab;
	}
	if (rc == 1 && ann != NULL)
		ann_merge(ann, &mine);
	ann_free(&mine);
	return rc;
}

static void
vctx_free(struct vctx *c)
{
	verrs_free(c);
	index_free(&c->local);
	buf_free(&c->path);
	free(c->ord);
	free(c->scope);
	for (size_t i = 0; i < c->nrx; i++)
		regfree(&c->rx[i].re);
	free(c->rx);
}

static int
run(struct vctx *c, const cJSON *schema, const char *base, const cJSON *instance,
    struct schema_errors *out)
{
	int rc;

	c->collect = out != NULL;
	rc = eval(c, schema, base, instance, NULL);
	if (rc >= 0 && out != NULL) {
		if (c->nerrs > 1)
			qsort(c->errs, c->nerrs, sizeof(*c->errs), verr_cmp);
		out->count = c->nerrs;
		out->items = c->nerrs ? xreallocarray(NULL, c->nerrs, sizeof(*out->items)) : NULL;
		for (size_t i = 0; i < c->nerrs; i++) {
			out->items[i] = c->errs[i].item;
			free(c->errs[i].ord);
		}
		free(c->errs);
		c->errs = NULL;
		c->nerrs = c->caperrs = 0;
	}
	vctx_free(c);
	return rc;
}

int
schema_validate(const struct schema_registry *reg, const char *schema_id, const cJSON *instance,
                struct schema_errors *out, struct df_error *err)
{
	struct vctx c = { .reg = reg, .err = err, .vocab = V_ALL };
	const cJSON *target;
	const char *base;

	if (out != NULL)
		*out = (struct schema_errors){ 0, NULL };
	if (resolve_ref(&c, NULL, schema_id, &target, &base) < 0) {
		vctx_free(&c);
		return df_error_set(err, DF_FATAL, DF_E_SCHEMA_NOT_FOUND, "unknown schema \"%s\"",
		                    schema_id);
	}
	return run(&c, target, base, instance, out);
}

int
schema_validate_doc(const struct schema_registry *reg, const cJSON *schema, const cJSON *instance,
                    struct schema_errors *out, struct df_error *err)
{
	struct vctx c = { .reg = reg, .err = err, .vocab = V_ALL };
	char *base = document_base(schema, SCHEMA_BASE_URI);
	const char *rootbase;

	if (out != NULL)
		*out = (struct schema_errors){ 0, NULL };
	if (index_document(&c.local, (size_t)-1, schema, base, NULL, NULL, err) < 0) {
		free(base);
		vctx_free(&c);
		return -1;
	}
	free(base);
	rootbase = index_base_of(&c.local, schema);
	return run(&c, schema, rootbase, instance, out);
}

char *
schema_error_format(const struct schema_error_item *item)
{
	return xasprintf("%s: %s", item->path[0] ? item->path : "(root)", item->message);
}

void
schema_errors_free(struct schema_errors *errs)
{
	if (errs == NULL)
		return;
	for (size_t i = 0; i < errs->count; i++) {
		free(errs->items[i].path);
		free(errs->items[i].keyword);
		free(errs->items[i].message);
	}
	free(errs->items);
	errs->items = NULL;
	errs->count = 0;
}
