/*
 * JSON Schema draft 2020-12 validation over cJSON: schema_validate and
 * schema_validate_doc, the evaluation of a schema at an instance location,
 * $ref resolution and the vocabularies in effect. The registry of schema
 * documents is registry.c's; adding a document walks it once, checking it
 * and indexing its resources and anchors (index.c). Validation then
 * evaluates the schema directly over the cJSON tree, tracking the base URI
 * for $ref, the instance path for errors, and the position of each instance
 * node so errors come out in document order.
 *
 * The keywords supported are listed in keywords.c, which evaluates them.
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
 * Patterns are ECMA-262 regular expressions, translated to POSIX extended
 * ones: ecma-re.c says which features are supported and how.
 */
#include "config.h"

#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/xalloc.h"
#include "ecma-re.h"
#include "schema-int.h"
#include "schema.h"
#include "uri.h"

/* -------------------------------------------------------------- helpers -- */

int
sch_in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

void
sch_pointer_push(struct buf *b, const char *token)
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
sch_pointer_push_index(struct buf *b, size_t i)
{
	buf_printf(b, "/%zu", i);
}

void
sch_buf_truncate(struct buf *b, size_t len)
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

int
sch_verr_add(struct vctx *c, const char *keyword, const char *fmt, ...)
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

static const char *
base_of(const struct vctx *c, const cJSON *node)
{
	const char *b = sch_index_base_of(&c->local, node);

	if (b == NULL && c->reg != NULL)
		b = sch_index_base_of(&c->reg->idx, node);
	return b;
}

static const struct index_entry *
find_key(const struct vctx *c, const char *key)
{
	const struct index_entry *e = sch_index_find(&c->local, key);

	if (e == NULL && c->reg != NULL)
		e = sch_index_find(&c->reg->idx, key);
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

int
sch_resolve_ref(struct vctx *c, const char *base, const char *ref, const cJSON **node,
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
			char *ptr = sch_percent_decode(frag);
			*node = pointer_walk(c, e->node, ptr, nbase);
			free(ptr);
		} else {
			char *name = sch_percent_decode(frag);
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

int
sch_resolve_dynamic_ref(struct vctx *c, const char *base, const char *ref, const cJSON **node,
                        const char **nbase)
{
	const char *hash = strchr(ref, '#');
	const cJSON *da;
	char *name;

	if (sch_resolve_ref(c, base, ref, node, nbase) < 0)
		return -1;
	if (hash == NULL || hash[1] == '\0' || hash[1] == '/' || !cJSON_IsObject(*node))
		return 0;
	name = sch_percent_decode(hash + 1);
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

int
sch_rx_get(struct vctx *c, const char *pattern, const regex_t **re)
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
	if (sch_rx_compile(pattern, &c->rx[c->nrx].re, why, sizeof(why)) < 0)
		return df_error_set(c->err, DF_FATAL, DF_E_SCHEMA_INVALID,
		                    "invalid pattern \"%s\": %s", pattern, why);
	c->rx[c->nrx].pattern = pattern;
	*re = &c->rx[c->nrx++].re;
	return 0;
}

int
sch_eval_child(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst, const char *key,
               size_t index, size_t ord)
{
	size_t mark = c->path.len;
	int hops = c->hops, rc;

	if (key != NULL)
		sch_pointer_push(&c->path, key);
	else
		sch_pointer_push_index(&c->path, index);
	if (c->nord == c->capord) {
		c->capord = c->capord ? c->capord * 2 : 16;
		c->ord = xreallocarray(c->ord, c->capord, sizeof(*c->ord));
	}
	c->ord[c->nord++] = ord;
	c->hops = 0;
	rc = sch_eval(c, s, base, inst, NULL);
	c->hops = hops;
	c->nord--;
	sch_buf_truncate(&c->path, mark);
	return rc;
}

int
sch_eval_quiet(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst, struct ann *ann)
{
	int save = c->collect, rc;

	c->collect = 0;
	rc = sch_eval(c, s, base, inst, ann);
	c->collect = save;
	return rc;
}

int
sch_eval_child_quiet(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst,
                     const char *key, size_t index, size_t ord)
{
	int save = c->collect, rc;

	c->collect = 0;
	rc = sch_eval_child(c, s, base, inst, key, index, ord);
	c->collect = save;
	return rc;
}

const cJSON *
sch_kw(const cJSON *s, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(s, name);
}

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

const cJSON *
sch_kwc(const struct vctx *c, const cJSON *s, const char *name)
{
	if (c->vocab != V_ALL) {
		if (!(c->vocab & V_APPLICATOR) && sch_in_list(vocab_applicator, name))
			return NULL;
		if (!(c->vocab & V_VALIDATION) && sch_in_list(vocab_validation, name))
			return NULL;
		if (!(c->vocab & V_UNEVALUATED) && strncmp(name, "unevaluated", 11) == 0)
			return NULL;
	}
	return sch_kw(s, name);
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
	if (e == NULL || (v = sch_kw(e->node, "$vocabulary")) == NULL || !cJSON_IsObject(v))
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

int
sch_eval(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst, struct ann *ann)
{
	struct ann mine = { 0 };
	const char *b;
	unsigned vocab = c->vocab;
	int rc, need, pushed;

	if (cJSON_IsBool(s)) {
		if (cJSON_IsTrue(s))
			return 1;
		sch_verr_add(c, "false", "no value is allowed here");
		return 0;
	}
	if (!cJSON_IsObject(s))
		return df_error_set(c->err, DF_FATAL, DF_E_SCHEMA_INVALID,
		                    "a schema must be an object or a boolean");
	if (c->depth >= MAX_DEPTH)
		return df_error_set(c->err, DF_FATAL, DF_E_SCHEMA_INVALID,
		                    "schema nesting deeper than %d (infinite recursion?)",
		                    MAX_DEPTH);
	if (sch_kwc(c, s, "$id") != NULL && (b = base_of(c, s)) != NULL)
		base = b;
	need = ann != NULL || sch_kwc(c, s, "unevaluatedItems") != NULL ||
	       sch_kwc(c, s, "unevaluatedProperties") != NULL;
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
	rc = sch_eval_body(c, s, base, inst, need ? &mine : NULL);
	c->depth--;
	if (pushed) {
		c->nscope--;
		c->vocab = vocab;
	}
	if (rc == 1 && ann != NULL)
		sch_ann_merge(ann, &mine);
	sch_ann_free(&mine);
	return rc;
}

static void
vctx_free(struct vctx *c)
{
	verrs_free(c);
	sch_index_free(&c->local);
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
	rc = sch_eval(c, schema, base, instance, NULL);
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
	if (sch_resolve_ref(&c, NULL, schema_id, &target, &base) < 0) {
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
	char *base = sch_document_base(schema, SCHEMA_BASE_URI);
	const char *rootbase;

	if (out != NULL)
		*out = (struct schema_errors){ 0, NULL };
	if (sch_index_document(&c.local, (size_t)-1, schema, base, NULL, NULL, err) < 0) {
		free(base);
		vctx_free(&c);
		return -1;
	}
	free(base);
	rootbase = sch_index_base_of(&c.local, schema);
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
