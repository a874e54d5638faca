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
const struct index_entry *index_find(const struct index *idx, const char *key);

/* The base URI recorded for node (a resource or a document root), or NULL. */
const char *index_base_of(const struct index *idx, const cJSON *node);

/* Drop entries added after the marks (undoing a failed add). */
void index_truncate(struct index *idx, size_t nkeys, size_t nbases);

/* Free every entry and reset idx to empty (idx itself is the caller's). */
void index_free(struct index *idx);

/*
 * Index one document into idx: its root under base (and under extra keys,
 * a NULL-terminated list or NULL), every embedded resource and anchor, after
 * checking it (errors are schema_invalid, prefixed with source unless it is
 * NULL). doc is the document's number in the registry. On error idx is left
 * as it was.
 */
int index_document(struct index *idx, size_t doc, const cJSON *root, const char *base,
                   const char *const *extra, const char *source, struct df_error *err);

/* The base URI a document starts from: its $id against fallback, else fallback. Caller frees. */
char *document_base(const cJSON *root, const char *fallback);

/* schema.c: helpers the files share. */

/* Whether s is in the NULL-terminated list. */
int in_list(const char *const *list, const char *s);

/* Append "/" and token to the JSON pointer in b, escaped ("~" "~0", "/" "~1"). */
void pointer_push(struct buf *b, const char *token);

/* Append "/" and the array index i to the JSON pointer in b. */
void pointer_push_index(struct buf *b, size_t i);

/* Cut b back to len bytes (a JSON pointer back to its parent). */
void buf_truncate(struct buf *b, size_t len);

/* uri.c: the value of hex digit c, or -1 (also for the regex escapes \xHH and \uXXXX). */
int hexval(int c);

#endif
