/*
 * Internal to src/schema/: the types and helpers the schema validator's files
 * share. Never included from outside this folder; the API is schema.h.
 *
 * A registry holds schema documents; its index maps every URI that names a
 * schema node (a resource's $id, an anchor, a retrieval URI, a short id) to
 * that node and the base URI in effect there, and records where the base URI
 * changes. schema_validate_doc builds an index of its own for a document
 * outside the registry.
 */
#ifndef DEVFLOW_SCHEMA_INT_H
#define DEVFLOW_SCHEMA_INT_H

#include <regex.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "lib/buf.h"
#include "lib/error.h"

/* Evaluation bounds: $ref hops without moving into the instance, nesting depth. */
#define MAX_REF_HOPS 64
#define MAX_DEPTH 2048

/* A URI (resource, anchor, retrieval or short id) naming a schema node. */
struct index_entry {
	char *key;
	const cJSON *node;
	const char *base; /* base URI in effect at node; points at a struct base_entry's uri */
	size_t doc;
	int dynamic; /* a $dynamicAnchor */
};

/* Where the base URI changes: a subschema with "$id", or a document root. */
struct base_entry {
	const cJSON *node;
	char *uri;
	char *dialect; /* the "$schema" in effect for this resource, or NULL */
};

struct index {
	struct index_entry *keys;
	size_t nkeys, capkeys;
	struct base_entry *bases;
	size_t nbases, capbases;
};

struct doc {
	cJSON *json;
	char *source;
};

struct schema_registry {
	struct doc *docs;
	size_t ndocs, capdocs;
	struct index idx;
};

/* index.c: the index of schema documents. */

/* The entry for key (a URI or a short id), or NULL. */
const struct index_entry *sch_index_find(const struct index *idx, const char *key);

/* The base URI recorded for node (a resource or a document root), or NULL. */
const char *sch_index_base_of(const struct index *idx, const cJSON *node);

/* Drop entries added after the marks (undoing a failed add). */
void sch_index_truncate(struct index *idx, size_t nkeys, size_t nbases);

/* Free every entry and reset idx to empty (idx itself is the caller's). */
void sch_index_free(struct index *idx);

/*
 * Index one document into idx: its root under base (and under extra keys,
 * a NULL-terminated list or NULL), every embedded resource and anchor, after
 * checking it (errors are schema_invalid, prefixed with source unless it is
 * NULL). doc is the document's number in the registry. On error idx is left
 * as it was.
 */
int sch_index_document(struct index *idx, size_t doc, const cJSON *root, const char *base,
                       const char *const *extra, const char *source, struct df_error *err);

/* The base URI a document starts from: its $id against fallback, else fallback. Caller frees. */
char *sch_document_base(const cJSON *root, const char *fallback);

/* schema.c: helpers the files share. */

/* Whether s is in the NULL-terminated list. */
int sch_in_list(const char *const *list, const char *s);

/* Append "/" and token to the JSON pointer in b, escaped ("~" "~0", "/" "~1"). */
void sch_pointer_push(struct buf *b, const char *token);

/* Append "/" and the array index i to the JSON pointer in b. */
void sch_pointer_push_index(struct buf *b, size_t i);

/* Cut b back to len bytes (a JSON pointer back to its parent). */
void sch_buf_truncate(struct buf *b, size_t len);

/* Validation: schema.c evaluates, keywords.c checks the keywords. */

/* Vocabularies that a metaschema's "$vocabulary" can turn off. */
#define V_APPLICATOR 1u
#define V_UNEVALUATED 2u
#define V_VALIDATION 4u
#define V_ALL 7u

struct verr;
struct rx_cache;

/* One validation: the instance path, errors, dynamic scope, compiled patterns. */
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

/* schema.c */

/*
 * Evaluate schema s at instance location inst. ann (may be NULL) receives
 * what s evaluated there when s is valid; a schema with unevaluated*
 * gathers its own. Returns 1 valid, 0 invalid, -1 error (c->err).
 */
int sch_eval(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst, struct ann *ann);

/* Evaluate s against the child of the instance at key (or index), ordinal ord. */
int sch_eval_child(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst,
                   const char *key, size_t index, size_t ord);

/* Evaluate without recording errors: only whether inst is valid. */
int sch_eval_quiet(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst,
                   struct ann *ann);
int sch_eval_child_quiet(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst,
                         const char *key, size_t index, size_t ord);

/* Record an error at the current instance path (when errors are collected). Returns 0. */
int sch_verr_add(struct vctx *c, const char *keyword, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The value of keyword name in the schema object s, or NULL. */
const cJSON *sch_kw(const cJSON *s, const char *name);

/* As sch_kw, and NULL also when the keyword's vocabulary is off for the current resource. */
const cJSON *sch_kwc(const struct vctx *c, const cJSON *s, const char *name);

/* The compiled pattern, from c's cache. Returns 0, or -1 with schema_invalid. */
int sch_rx_get(struct vctx *c, const char *pattern, const regex_t **re);

/*
 * Resolve ref against base: the target node and the base URI in effect
 * there. Returns 0, or -1 with schema_not_found.
 */
int sch_resolve_ref(struct vctx *c, const char *base, const char *ref, const cJSON **node,
                    const char **nbase);

/*
 * $dynamicRef: resolved as $ref; when that lands on a $dynamicAnchor of the
 * fragment's name, the outermost resource of the dynamic scope with a
 * $dynamicAnchor of that name wins.
 */
int sch_resolve_dynamic_ref(struct vctx *c, const char *base, const char *ref, const cJSON **node,
                            const char **nbase);

/* keywords.c */

/* Every keyword of the schema object s at inst ($ref first). Returns 1, 0 or -1 as sch_eval. */
int sch_eval_body(struct vctx *c, const cJSON *s, const char *base, const cJSON *inst,
                  struct ann *ann);

/* Add what src evaluated to dst. */
void sch_ann_merge(struct ann *dst, const struct ann *src);

/* Free what a holds (a itself is the caller's). */
void sch_ann_free(struct ann *a);

#endif
