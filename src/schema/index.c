/*
 * The index of schema documents: every URI that names a schema node (a
 * resource's $id, an anchor, a retrieval URI, a short id) with the node and
 * the base URI in effect there, and where the base URI changes.
 *
 * Indexing a document walks it once: every keyword that takes a subschema is
 * followed (so an "$id" inside "enum", "const" or an unknown keyword is not an
 * identifier), keyword values are checked for the right shape (errors name
 * the source and the JSON pointer inside the schema), patterns are compiled,
 * and every resource ($id), anchor ($anchor, $dynamicAnchor), base-URI
 * change and resource's dialect ("$schema") is recorded.
 */
#include "config.h"

#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/xalloc.h"
#include "ecma-re.h"
#include "schema-int.h"
#include "uri.h"

const struct index_entry *
sch_index_find(const struct index *idx, const char *key)
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

const char *
sch_index_base_of(const struct index *idx, const cJSON *node)
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

void
sch_index_truncate(struct index *idx, size_t nkeys, size_t nbases)
{
	while (idx->nkeys > nkeys)
		free(idx->keys[--idx->nkeys].key);
	while (idx->nbases > nbases) {
		free(idx->bases[--idx->nbases].uri);
		free(idx->bases[idx->nbases].dialect);
	}
}

void
sch_index_free(struct index *idx)
{
	sch_index_truncate(idx, 0, 0);
	free(idx->keys);
	free(idx->bases);
	memset(idx, 0, sizeof(*idx));
}

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
	const struct index_entry *e = sch_index_find(w->idx, key);

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

	sch_pointer_push(&w->spath, kw);
	if (sub != NULL)
		sch_pointer_push(&w->spath, sub);
	else if (i != (size_t)-1)
		sch_pointer_push_index(&w->spath, i);
	rc = walk_schema(w, s, base);
	sch_buf_truncate(&w->spath, mark);
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

	if (sch_in_list(kw_unsupported, k))
		return walk_fail(w, "keyword \"%s\" is not supported", k);
	if (sch_in_list(kw_count, k) && !is_count(kv))
		return walk_fail(w, "\"%s\" must be a non-negative integer", k);
	if (sch_in_list(kw_number, k)) {
		if (!cJSON_IsNumber(kv))
			return walk_fail(w, "\"%s\" must be a number", k);
		if (strcmp(k, "multipleOf") == 0 && !(kv->valuedouble > 0))
			return walk_fail(w, "\"multipleOf\" must be greater than 0");
	}
	if (strcmp(k, "type") == 0) {
		if (cJSON_IsString(kv)) {
			if (!sch_in_list(type_names, kv->valuestring))
				return walk_fail(w, "unknown type \"%s\"", kv->valuestring);
		} else if (cJSON_IsArray(kv)) {
			cJSON_ArrayForEach(e, kv)
			{
				if (!cJSON_IsString(e) || !sch_in_list(type_names, e->valuestring))
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
		if (sch_rx_compile(kv->valuestring, &re, why, sizeof(why)) < 0)
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
		return sch_pointer_push(&w->spath, "$schema"),
		       walk_fail(w, "\"$schema\" must be a string");
	kv = cJSON_GetObjectItemCaseSensitive(s, "$id");
	if (kv != NULL) {
		if (!cJSON_IsString(kv))
			return sch_pointer_push(&w->spath, "$id"),
			       walk_fail(w, "\"$id\" must be a string");
		tmp = uri_resolve(base, kv->valuestring);
		if (strchr(tmp, '#') != NULL && strchr(tmp, '#')[1] != '\0') {
			free(tmp);
			sch_pointer_push(&w->spath, "$id");
			return walk_fail(w, "\"$id\" must not have a fragment");
		}
		*strchrnul(tmp, '#') = '\0';
		base = sch_index_base_of(w->idx, s);
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
			return sch_pointer_push(&w->spath, anchors[i]),
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

		sch_pointer_push(&w->spath, k);
		if (walk_keyword(w, kv) < 0)
			return -1;
		sch_buf_truncate(&w->spath, mark);
		if (sch_in_list(kw_single, k)) {
			if (walk_child(w, k, NULL, (size_t)-1, kv, base) < 0)
				return -1;
		} else if (sch_in_list(kw_array, k)) {
			if (!cJSON_IsArray(kv) || cJSON_GetArraySize(kv) == 0)
				return sch_pointer_push(&w->spath, k),
				       walk_fail(w, "\"%s\" must be a non-empty array of schemas",
				                 k);
			cJSON_ArrayForEach(e, kv)
			{
				if (walk_child(w, k, NULL, i++, e, base) < 0)
					return -1;
			}
		} else if (sch_in_list(kw_object, k) || strcmp(k, "dependencies") == 0) {
			if (!cJSON_IsObject(kv))
				return sch_pointer_push(&w->spath, k),
				       walk_fail(w, "\"%s\" must be an object of schemas", k);
			cJSON_ArrayForEach(e, kv)
			{
				if (strcmp(k, "dependencies") == 0 && cJSON_IsArray(e))
					continue;
				if (strcmp(k, "patternProperties") == 0) {
					char why[160];
					regex_t re;
					if (sch_rx_compile(e->string, &re, why, sizeof(why)) < 0) {
						sch_pointer_push(&w->spath, k);
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

int
sch_index_document(struct index *idx, size_t doc, const cJSON *root, const char *base,
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
		sch_index_truncate(idx, nk, nb);
	return rc;
}

char *
sch_document_base(const cJSON *root, const char *fallback)
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
