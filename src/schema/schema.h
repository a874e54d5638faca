/*
 * JSON Schema (draft 2020-12) validation over cJSON. A registry holds schema
 * documents by their $id; devflow's own schemas live in schemas/<ns>/<name>@<v>.json
 * with "$id": "https://schemas.devflow.local/<ns>/<name>@<v>" and are also
 * found by their short id "<ns>/<name>@<v>" (what templates and phase plans
 * name). $ref resolves JSON pointers inside a document and other documents
 * of the registry by URI (a $ref that resolves to nothing is also tried as a
 * registry key, so a short id works too). Patterns are ECMA-262 regular
 * expressions translated to POSIX extended ones; src/schema/keywords.c lists
 * the keywords supported, src/schema/ecma-re.c the regex features. Nothing is
 * fetched over the network: only registered documents can be referenced.
 */
#ifndef DEVFLOW_SCHEMA_H
#define DEVFLOW_SCHEMA_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "lib/error.h"

#define SCHEMA_BASE_URI "https://schemas.devflow.local/"

struct schema_registry;

struct schema_error_item {
	char *path;    /* JSON pointer into the instance, "" for the root */
	char *keyword; /* the failing keyword, e.g. "type" */
	char *message; /* e.g. "expected array, got string" */
};

struct schema_errors {
	size_t count;
	struct schema_error_item *items;
};

struct schema_registry *schema_registry_new(void);
void schema_registry_free(struct schema_registry *reg);

/*
 * Add a schema document (the registry keeps its own copy). It is indexed by
 * its "$id" (resolved against uri, else SCHEMA_BASE_URI), by the short id
 * when that $id lies under SCHEMA_BASE_URI, by uri when not NULL (a
 * retrieval URI, e.g. a test suite remote), and by every embedded $id,
 * $anchor and $dynamicAnchor inside it. The whole document is checked:
 * keyword values of the right kind, patterns that compile. source names the
 * document in errors (a file path; NULL: uri). Adding the same document
 * again is a no-op. Returns 0, or -1 with err (schema_invalid: not a schema,
 * a malformed keyword or pattern with its JSON pointer, no $id and no uri,
 * a $id or anchor already registered with other content); on error the
 * registry is unchanged.
 */
int schema_registry_add(struct schema_registry *reg, const cJSON *schema, const char *uri,
                        const char *source, struct df_error *err);

/*
 * Load every *.json file below dir (recursively, in name order, skipping
 * dot files) with schema_registry_add; each needs a "$id". Returns 0, or -1
 * with err naming the file (io_error, json_parse with line and column,
 * schema_invalid); on error nothing from this call stays in the registry.
 */
int schema_registry_load_dir(struct schema_registry *reg, const char *dir, struct df_error *err);

/* The schema registered under id (URI or short id), or NULL. Owned by the registry. */
const cJSON *schema_registry_get(const struct schema_registry *reg, const char *id);

/*
 * Validate instance against the schema registered as schema_id (a URI or
 * short id, optionally with a "#" fragment: a JSON pointer or an anchor).
 * Returns 1 when valid, 0 when invalid, -1 when validation itself cannot
 * proceed (err: schema_not_found for an unknown id or an unresolvable $ref,
 * schema_invalid for a malformed schema or regex, or a $ref cycle that
 * never reaches the instance). out, when not NULL, is always reset and
 * receives every error, in instance document order (free it with
 * schema_errors_free); with out NULL validation stops at the first error.
 */
int schema_validate(const struct schema_registry *reg, const char *schema_id, const cJSON *instance,
                    struct schema_errors *out, struct df_error *err);

/*
 * As schema_validate, with a schema document not (necessarily) in the
 * registry; reg may be NULL. The document is checked as schema_registry_add
 * does (its errors carry no source name: the caller prefixes one); its base
 * URI is its "$id", else SCHEMA_BASE_URI, and its own resources shadow the
 * registry's.
 */
int schema_validate_doc(const struct schema_registry *reg, const cJSON *schema,
                        const cJSON *instance, struct schema_errors *out, struct df_error *err);

/*
 * Read and parse a JSON file. Returns the document (the caller frees it with
 * cJSON_Delete), or NULL with err naming the file: io_error, or json_parse
 * with the line, column and byte offset of the syntax error.
 */
cJSON *schema_json_load(const char *path, struct df_error *err);

/*
 * Parse len bytes of text as one JSON document, as schema_json_load does
 * once the file is read; source names the text in errors (json_parse: a NUL
 * byte, or a syntax error with its line, column and byte offset).
 */
cJSON *schema_json_parse(const char *source, const char *text, size_t len, struct df_error *err);

/*
 * "<path>: <message>" for an item ("/phases/2/roles: expected array, got
 * string"; "(root)" for the empty path). The caller frees the result.
 */
char *schema_error_format(const struct schema_error_item *item);

/* Free the items and reset errs to empty (errs itself is the caller's). */
void schema_errors_free(struct schema_errors *errs);

#endif
