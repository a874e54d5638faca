/*
 * JSON Schema (draft 2020-12) validation over cJSON. A registry holds schema
 * documents by their $id; devflow's own schemas live in schemas/<ns>/<name>@<v>.json
 * with "$id": "https://schemas.devflow.local/<ns>/<name>@<v>" and are also
 * found by their short id "<ns>/<name>@<v>" (what templates and phase plans
 * name). $ref resolves JSON pointers inside a document and other documents
 * of the registry by URI. Patterns are POSIX extended regular expressions.
 */
#ifndef DEVFLOW_SCHEMA_H
#define DEVFLOW_SCHEMA_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "error.h"

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
 * its "$id" (resolved against SCHEMA_BASE_URI), by the short id when that $id
 * lies under SCHEMA_BASE_URI, by uri when not NULL (a retrieval URI, e.g. a
 * test suite remote), and by every embedded $id and $anchor inside it.
 * source names the document in errors (a file path). Returns 0, or -1 with
 * err (schema_invalid: not a schema, duplicate $id with other content).
 */
int schema_registry_add(struct schema_registry *reg, const cJSON *schema, const char *uri,
			const char *source, struct df_error *err);

/*
 * Load every *.json file below dir (recursively) with schema_registry_add.
 * Returns 0, or -1 with err naming the file (io_error, json_parse,
 * schema_invalid); on error nothing from this call stays in the registry.
 */
int schema_registry_load_dir(struct schema_registry *reg, const char *dir, struct df_error *err);

/* The schema registered under id (URI or short id), or NULL. Owned by the registry. */
const cJSON *schema_registry_get(const struct schema_registry *reg, const char *id);

/*
 * Validate instance against the schema registered as schema_id. Returns 1
 * when valid, 0 when invalid (out, when not NULL, receives every error, in
 * instance order), -1 when validation itself cannot proceed (err:
 * schema_not_found for an unknown id or an unresolvable $ref, schema_invalid
 * for a malformed schema or regex).
 */
int schema_validate(const struct schema_registry *reg, const char *schema_id, const cJSON *instance,
		    struct schema_errors *out, struct df_error *err);

/* As schema_validate, with a schema document not (necessarily) in the registry. */
int schema_validate_doc(const struct schema_registry *reg, const cJSON *schema,
			const cJSON *instance, struct schema_errors *out, struct df_error *err);

/* "<path>: <message>" for item i ("/phases/2/roles: expected array, got string"); caller frees. */
char *schema_error_format(const struct schema_error_item *item);

void schema_errors_free(struct schema_errors *errs);

#endif
