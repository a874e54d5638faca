/*
 * The keyword validators: each keyword of a schema object checked against an
 * instance (eval_body), with the annotations unevaluatedItems and
 * unevaluatedProperties need. Evaluation itself, $ref resolution and the
 * vocabularies in effect are schema.c's.
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
 * Numbers are IEEE doubles (cJSON), so integers beyond 2^53 compare only
 * approximately. multipleOf is exact (fmod) for an integral divisor and
 * when the quotient overflows; otherwise the quotient must lie within a
 * relative 1e-9 of an integer, so 0.0075 is a multiple of 0.0001.
 */
#include "config.h"

#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/canon.h"
#include "lib/utf8.h"
#include "lib/xalloc.h"
#include "ecma-re.h"
#include "schema-int.h"

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

void
sch_ann_merge(struct ann *dst, const struct ann *src)
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

void
sch_ann_free(struct ann *a)
{
	free(a->props);
	free(a->found);
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
		sch_verr_add(c, "type", "expected %s, got %s", t->valuestring, json_type(inst));
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
	sch_verr_add(c, "type", "expected %s, got %s", want.data ? want.data : "nothing",
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
		sch_verr_add(c, "enum", "expected one of %s", list);
	else
		sch_verr_add(c, "enum", "value is not one of the %d allowed values",
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
		sch_verr_add(c, "const", "expected %s", want);
	else
		sch_verr_add(c, "const", "value differs from the required constant");
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

	if (cJSON_IsNumber(k = sch_kwc(c, s, "minimum")) && !(d >= k->valuedouble)) {
		fmt_number(k->valuedouble, a, sizeof(a));
		fmt_number(d, b, sizeof(b));
		sch_verr_add(c, "minimum", "must be >= %s, got %s", a, b);
		STEP(0);
	}
	if (cJSON_IsNumber(k = sch_kwc(c, s, "maximum")) && !(d <= k->valuedouble)) {
		fmt_number(k->valuedouble, a, sizeof(a));
		fmt_number(d, b, sizeof(b));
		sch_verr_add(c, "maximum", "must be <= %s, got %s", a, b);
		STEP(0);
	}
	if (cJSON_IsNumber(k = sch_kwc(c, s, "exclusiveMinimum")) && !(d > k->valuedouble)) {
		fmt_number(k->valuedouble, a, sizeof(a));
		fmt_number(d, b, sizeof(b));
		sch_verr_add(c, "exclusiveMinimum", "must be > %s, got %s", a, b);
		STEP(0);
	}
	if (cJSON_IsNumber(k = sch_kwc(c, s, "exclusiveMaximum")) && !(d < k->valuedouble)) {
		fmt_number(k->valuedouble, a, sizeof(a));
		fmt_number(d, b, sizeof(b));
		sch_verr_add(c, "exclusiveMaximum", "must be < %s, got %s", a, b);
		STEP(0);
	}
	if (cJSON_IsNumber(k = sch_kwc(c, s, "multipleOf")) && k->valuedouble > 0 &&
	    !is_multiple(d, k->valuedouble)) {
		fmt_number(k->valuedouble, a, sizeof(a));
		fmt_number(d, b, sizeof(b));
		sch_verr_add(c, "multipleOf", "must be a multiple of %s, got %s", a, b);
		STEP(0);
	}
	return ok;
}

static int
eval_string(struct vctx *c, const cJSON *s, const cJSON *inst)
{
	size_t len = utf8_count(inst->valuestring);
	const cJSON *k;
	const regex_t *re;
	int ok = 1;

	if (cJSON_IsNumber(k = sch_kwc(c, s, "minLength")) && (double)len < k->valuedouble) {
		sch_verr_add(c, "minLength", "must be at least %.0f character%s long, got %zu",
		             k->valuedouble, PLURAL(k->valuedouble), len);
		STEP(0);
	}
	if (cJSON_IsNumber(k = sch_kwc(c, s, "maxLength")) && (double)len > k->valuedouble) {
		sch_verr_add(c, "maxLength", "must be at most %.0f character%s long, got %zu",
		             k->valuedouble, PLURAL(k->valuedouble), len);
		STEP(0);
	}
	if (cJSON_IsString(k = sch_kwc(c, s, "pattern"))) {
		if (sch_rx_get(c, k->valuestring, &re) < 0)
			return -1;
		if (!sch_rx_search(re, inst->valuestring)) {
			sch_verr_add(c, "pattern", "does not match pattern \"%s\"", k->valuestring);
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

	if (cJSON_IsNumber(k = sch_kwc(c, s, "minItems")) && (double)n < k->valuedouble) {
		sch_verr_add(c, "minItems", "expected at least %.0f item%s, got %zu",
		             k->valuedouble, PLURAL(k->valuedouble), n);
		STEP(0);
	}
	if (cJSON_IsNumber(k = sch_kwc(c, s, "maxItems")) && (double)n > k->valuedouble) {
		sch_verr_add(c, "maxItems", "expected at most %.0f item%s, got %zu", k->valuedouble,
		             PLURAL(k->valuedouble), n);
		STEP(0);
	}
	if (cJSON_IsTrue(sch_kwc(c, s, "uniqueItems"))) {
		size_t a = 0, b;
		const cJSON *x, *y;
		int dup = 0;

		for (x = inst->child; x && !dup; x = x->next, a++)
			for (y = x->next, b = a + 1; y && !dup; y = y->next, b++)
				if (json_equal(x, y)) {
					dup = 1;
					sch_verr_add(c, "uniqueItems",
					             "items %zu and %zu are equal", a, b);
				}
		if (dup)
			STEP(0);
	}
	if (cJSON_IsArray(k = sch_kwc(c, s, "prefixItems"))) {
		for (i = 0, e = inst->child, sub = k->child; e && sub;
		     i++, e = e->next, sub = sub->next)
			STEP(sch_eval_child(c, sub, base, e, NULL, i, i));
		nprefix = (size_t)cJSON_GetArraySize(k);
		if (ann != NULL && ann->items < nprefix)
			ann->items = nprefix;
	}
	if ((k = sch_kwc(c, s, "items")) != NULL && (cJSON_IsObject(k) || cJSON_IsBool(k))) {
		for (i = 0, e = inst->child; e; i++, e = e->next)
			if (i >= nprefix)
				STEP(sch_eval_child(c, k, base, e, NULL, i, i));
		if (ann != NULL)
			ann->all_items = 1;
	}
	if ((k = sch_kwc(c, s, "contains")) != NULL) {
		const cJSON *kmin = sch_kwc(c, s, "minContains"),
		            *kmax = sch_kwc(c, s, "maxContains");
		double min = cJSON_IsNumber(kmin) ? kmin->valuedouble : 1;
		size_t found = 0;
		int r;

		for (i = 0, e = inst->child; e; i++, e = e->next) {
			r = sch_eval_child_quiet(c, k, base, e, NULL, i, i);
			if (r < 0)
				return -1;
			if (r == 1)
				ann_found(ann, i, n);
			found += (size_t)r;
		}
		if ((double)found < min) {
			if (found == 0 && !cJSON_IsNumber(kmin))
				sch_verr_add(c, "contains",
				             "no item matches the \"contains\" schema");
			else
				sch_verr_add(c, cJSON_IsNumber(kmin) ? "minContains" : "contains",
				             "expected at least %.0f item%s matching \"contains\", "
				             "found %zu",
				             min, PLURAL(min), found);
			STEP(0);
		}
		if (cJSON_IsNumber(kmax) && (double)found > kmax->valuedouble) {
			sch_verr_add(
			    c, "maxContains",
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
				sch_verr_add(c, kwname,
				             "missing property \"%s\" (required when \"%s\" is "
				             "present)",
				             r->valuestring, because);
			else
				sch_verr_add(c, kwname, "missing required property \"%s\"",
				             r->valuestring);
			STEP(0);
		}
	}
	return ok;
}

static int
eval_object(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst, struct ann *ann)
{
	const cJSON *props = sch_kwc(c, s, "properties"), *pp = sch_kwc(c, s, "patternProperties");
	const cJSON *k, *m, *p;
	size_t n = (size_t)cJSON_GetArraySize(inst), ord;
	const regex_t *re;
	int ok = 1, r;

	if (cJSON_IsNumber(k = sch_kwc(c, s, "minProperties")) && (double)n < k->valuedouble) {
		sch_verr_add(c, "minProperties", "expected at least %.0f propert%s, got %zu",
		             k->valuedouble, k->valuedouble == 1 ? "y" : "ies", n);
		STEP(0);
	}
	if (cJSON_IsNumber(k = sch_kwc(c, s, "maxProperties")) && (double)n > k->valuedouble) {
		sch_verr_add(c, "maxProperties", "expected at most %.0f propert%s, got %zu",
		             k->valuedouble, k->valuedouble == 1 ? "y" : "ies", n);
		STEP(0);
	}
	if (cJSON_IsArray(k = sch_kwc(c, s, "required")))
		STEP(eval_required_list(c, k, inst, "required", NULL));
	if (cJSON_IsObject(k = sch_kwc(c, s, "dependentRequired"))) {
		cJSON_ArrayForEach(m, k)
		{
			if (cJSON_HasObjectItem(inst, m->string))
				STEP(
				    eval_required_list(c, m, inst, "dependentRequired", m->string));
		}
	}
	if (cJSON_IsObject(k = sch_kwc(c, s, "dependencies"))) {
		cJSON_ArrayForEach(m, k)
		{
			if (!cJSON_HasObjectItem(inst, m->string))
				continue;
			if (cJSON_IsArray(m))
				STEP(eval_required_list(c, m, inst, "dependencies", m->string));
			else
				STEP(sch_eval(c, m, base, inst, ann));
		}
	}
	if (cJSON_IsObject(k = sch_kwc(c, s, "dependentSchemas"))) {
		cJSON_ArrayForEach(m, k)
		{
			if (cJSON_HasObjectItem(inst, m->string))
				STEP(sch_eval(c, m, base, inst, ann));
		}
	}
	ord = 0;
	cJSON_ArrayForEach(m, inst)
	{
		int known = 0;

		if (cJSON_IsObject(props) && (p = sch_kw(props, m->string)) != NULL) {
			known = 1;
			ann_prop(ann, m);
			STEP(sch_eval_child(c, p, base, m, m->string, 0, ord));
		}
		if (cJSON_IsObject(pp)) {
			cJSON_ArrayForEach(p, pp)
			{
				if (sch_rx_get(c, p->string, &re) < 0)
					return -1;
				if (sch_rx_search(re, m->string)) {
					known = 1;
					ann_prop(ann, m);
					STEP(sch_eval_child(c, p, base, m, m->string, 0, ord));
				}
			}
		}
		if (!known && (k = sch_kwc(c, s, "additionalProperties")) != NULL) {
			ann_prop(ann, m);
			if (cJSON_IsFalse(k)) {
				sch_verr_add(c, "additionalProperties",
				             "property \"%s\" is not allowed", m->string);
				STEP(0);
			} else {
				STEP(sch_eval_child(c, k, base, m, m->string, 0, ord));
			}
		}
		if ((k = sch_kwc(c, s, "propertyNames")) != NULL) {
			cJSON *name = cJSON_CreateString(m->string);
			r = sch_eval_quiet(c, k, base, name, NULL);
			cJSON_Delete(name);
			if (r == 0)
				sch_verr_add(c, "propertyNames",
				             "property name \"%s\" is not allowed", m->string);
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

	if (cJSON_IsArray(k = sch_kwc(c, s, "allOf"))) {
		cJSON_ArrayForEach(e, k) STEP(sch_eval(c, e, base, inst, ann));
	}
	if (cJSON_IsArray(k = sch_kwc(c, s, "anyOf"))) {
		int any = 0;
		cJSON_ArrayForEach(e, k)
		{
			if ((r = sch_eval_quiet(c, e, base, inst, ann)) < 0)
				return -1;
			if (r == 1) {
				any = 1;
				if (ann == NULL) /* annotations need every branch */
					break;
			}
		}
		if (!any) {
			sch_verr_add(c, "anyOf", "does not match any of the %d \"anyOf\" schemas",
			             cJSON_GetArraySize(k));
			STEP(0);
		}
	}
	if (cJSON_IsArray(k = sch_kwc(c, s, "oneOf"))) {
		int matched = 0;
		cJSON_ArrayForEach(e, k)
		{
			if ((r = sch_eval_quiet(c, e, base, inst, ann)) < 0)
				return -1;
			matched += r;
		}
		if (matched == 0) {
			sch_verr_add(c, "oneOf", "does not match any of the %d \"oneOf\" schemas",
			             cJSON_GetArraySize(k));
			STEP(0);
		} else if (matched > 1) {
			sch_verr_add(c, "oneOf",
			             "matches %d of the \"oneOf\" schemas, expected exactly one",
			             matched);
			STEP(0);
		}
	}
	if ((k = sch_kwc(c, s, "not")) != NULL) {
		if ((r = sch_eval_quiet(c, k, base, inst, NULL)) < 0)
			return -1;
		if (r == 1) {
			sch_verr_add(c, "not", "must not match the \"not\" schema");
			STEP(0);
		}
	}
	if ((k = sch_kwc(c, s, "if")) != NULL) {
		const cJSON *branch;
		if ((r = sch_eval_quiet(c, k, base, inst, ann)) < 0)
			return -1;
		branch = sch_kw(s, r ? "then" : "else");
		if (branch != NULL)
			STEP(sch_eval(c, branch, base, inst, ann));
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

	if (cJSON_IsArray(inst) && (k = sch_kwc(c, s, "unevaluatedItems")) != NULL) {
		for (i = 0, e = inst->child; e; i++, e = e->next) {
			if (ann_has_item(ann, i))
				continue;
			if (cJSON_IsFalse(k)) {
				sch_verr_add(c, "unevaluatedItems", "item %zu is not allowed", i);
				STEP(0);
			} else {
				STEP(sch_eval_child(c, k, base, e, NULL, i, i));
			}
		}
		ann->all_items = 1;
	}
	if (cJSON_IsObject(inst) && (k = sch_kwc(c, s, "unevaluatedProperties")) != NULL) {
		i = 0;
		cJSON_ArrayForEach(e, inst)
		{
			if (!ann_has_prop(ann, e)) {
				if (cJSON_IsFalse(k)) {
					sch_verr_add(c, "unevaluatedProperties",
					             "property \"%s\" is not allowed", e->string);
					STEP(0);
				} else {
					STEP(sch_eval_child(c, k, base, e, e->string, 0, i));
				}
			}
			i++;
		}
		cJSON_ArrayForEach(e, inst) ann_prop(ann, e);
	}
	return ok;
}

int
sch_eval_body(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst, struct ann *ann)
{
	const cJSON *k;
	int ok = 1, r;

	if (cJSON_IsString(k = sch_kwc(c, s, "$ref"))) {
		const cJSON *target;
		const char *tbase;

		if (++c->hops > MAX_REF_HOPS)
			return df_error_set(c->err, DF_FATAL, DF_E_SCHEMA_INVALID,
			                    "$ref \"%s\": more than %d references without "
			                    "progress (infinite recursion)",
			                    k->valuestring, MAX_REF_HOPS);
		if (sch_resolve_ref(c, base, k->valuestring, &target, &tbase) < 0)
			return -1;
		r = sch_eval(c, target, tbase, inst, ann);
		c->hops--;
		STEP(r);
	}
	if (cJSON_IsString(k = sch_kwc(c, s, "$dynamicRef"))) {
		const cJSON *target;
		const char *tbase;

		if (++c->hops > MAX_REF_HOPS)
			return df_error_set(c->err, DF_FATAL, DF_E_SCHEMA_INVALID,
			                    "$dynamicRef \"%s\": more than %d references without "
			                    "progress (infinite recursion)",
			                    k->valuestring, MAX_REF_HOPS);
		if (sch_resolve_dynamic_ref(c, base, k->valuestring, &target, &tbase) < 0)
			return -1;
		r = sch_eval(c, target, tbase, inst, ann);
		c->hops--;
		STEP(r);
	}
	if ((k = sch_kwc(c, s, "type")) != NULL)
		STEP(eval_type(c, k, inst));
	if ((k = sch_kwc(c, s, "enum")) != NULL)
		STEP(eval_enum(c, k, inst));
	if ((k = sch_kwc(c, s, "const")) != NULL)
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
