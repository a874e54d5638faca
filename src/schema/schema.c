/*
 * JSON Schema draft 2020-12 validation over cJSON, with a registry of schema
 * documents resolved by URI.
 *
 * Adding a document walks it once, checking it and indexing its resources
 * and anchors (index.c). Validation then evaluates the schema directly over the
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
 * Patterns are ECMA-262 regular expressions, translated to POSIX extended
 * ones: ecma-re.c says which features are supported and how.
 */
#include "config.h"

#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/canon.h"
#include "lib/xalloc.h"
#include "ecma-re.h"
#include "schema-int.h"
#include "schema.h"
#include "uri.h"

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

/* -------------------------------------------------------------- helpers -- */

int
in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

void
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

void
pointer_push_index(struct buf *b, size_t i)
{
	buf_printf(b, "/%zu", i);
}

void
buf_truncate(struct buf *b, size_t len)
{
	b->len = len;
	if (b->data != NULL)
		b->data[len] = '\0';
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
