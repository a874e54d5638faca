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

/* The value of hex digit c, or -1 (uri.c; also for the regex escapes \xHH and \uXXXX). */
int hexval(int c);

#endif
