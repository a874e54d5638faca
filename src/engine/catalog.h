/*
 * The catalog: workflow templates, agent personas and backends, loaded from
 * the built-in data directory (<share>/data/{templates,personas,backends})
 * and the user's configuration directory (<config>/{templates,personas,
 * backends}), each file validated against its own schema
 * (devflow/template@1, devflow/persona@1, devflow/backend@1), hashed with
 * canon_hash, checked for cross-references, and then stored in one
 * transaction.
 *
 * Rules:
 * - Every file is one JSON object. Files are read in name order; hidden
 *   files and files not ending in ".json" are ignored. A missing user
 *   directory is fine; a missing built-in directory is an io_error.
 * - Name + version identify an entry per kind. The same name and version
 *   with identical content (same hash) in two files is fine (the first,
 *   built-in before user, names the source); with other content it is a
 *   catalog_conflict naming both files. To override a built-in entry, a
 *   user file takes a higher version: lookups without a version take the
 *   highest.
 * - Cross-references checked at load: a template's phase keys are unique,
 *   its phases' roles are among the template's roles, an expected
 *   artifact's path stays inside the worktree (relative, no ".."), and its
 *   schema is in the schema registry; a persona's role is a bare role (no
 *   "#suffix"); a backend's screen patterns compile as POSIX extended
 *   regular expressions, its trust dialogs' keys are valid send-keys lists
 *   (screen_keys_valid), its configuration files (configFiles and
 *   hooks.configFiles) are "~/"-relative or worktree-relative paths that
 *   never climb out through "..", and a backend with prompt mode "argv" has
 *   "{prompt}" in its argv. docs/backends.md describes the fields.
 * - A persona whose backend is not in the catalog is accepted: it is simply
 *   unavailable when runs are bound (binding chooses another persona or
 *   fails with backend_unavailable), because a user may define personas for
 *   backends they will install later.
 * - The schema registry holds <share>/schemas and, when present,
 *   <config>/schemas (a user's own artifact schemas).
 *
 * Every error names the file, and the JSON path where there is one
 * ("/phases/0/roles/1"), or the line and column of a JSON syntax error.
 */
#ifndef DEVFLOW_CATALOG_H
#define DEVFLOW_CATALOG_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "lib/canon.h"
#include "lib/error.h"
#include "schema/schema.h"
#include "store/store.h"

struct catalog;

struct catalog_item {
	enum store_catalog_kind kind;
	char *name;
	int version;
	char hash[CANON_HASH_HEX];
	char *source; /* the file it came from */
	int user;     /* 1 when from the configuration directory */
	cJSON *json;  /* the definition, owned by the catalog */
};

/*
 * Load and check the catalog from share_dir (holding data/ and schemas/)
 * and config_dir (may be NULL: built-ins only). Returns the catalog (free
 * with catalog_free) or NULL with err: io_error, json_parse, catalog_invalid
 * (schema violation or bad cross-reference), schema_not_found (an expected
 * artifact's schema), catalog_conflict, or the registry's errors.
 */
struct catalog *catalog_load(const char *share_dir, const char *config_dir, struct df_error *err);

/* catalog_load with paths_share_dir() and paths_config_dir(). */
struct catalog *catalog_load_default(struct df_error *err);

void catalog_free(struct catalog *cat);

/* Number of entries of a kind, and entry i (sorted by name, then version ascending). */
size_t catalog_count(const struct catalog *cat, enum store_catalog_kind kind);
const struct catalog_item *catalog_get(const struct catalog *cat, enum store_catalog_kind kind,
                                       size_t i);

/* The entry with name and version (0: the highest version), or NULL. Owned by cat. */
const struct catalog_item *catalog_find(const struct catalog *cat, enum store_catalog_kind kind,
                                        const char *name, int version);

/* The schema registry the catalog was checked against. Owned by cat. */
struct schema_registry *catalog_registry(const struct catalog *cat);

/*
 * Store every entry in st in one transaction (st must not be inside one):
 * either all are stored or, on error, none. Returns 0 or -1 with err (the
 * store's errors, e.g. catalog_conflict when a stored entry that runs use
 * has other content).
 */
int catalog_store(const struct catalog *cat, struct store *st, struct df_error *err);

/*
 * What the CLI verbs show until the server owns the database: load the
 * default catalog (catalog_load_default) into a private in-memory store and
 * list one kind from it (*out and *n as store_catalog_list; free with
 * store_catalog_entries_free). Returns 0 or -1 with err.
 */
int catalog_snapshot(enum store_catalog_kind kind, struct store_catalog_entry **out, size_t *n,
                     struct df_error *err);

/*
 * Find an executable: prog itself when it contains a '/', else the first
 * match in devflow's own program directory (paths_bin_dir) and then $PATH.
 * Returns a new string (the caller frees) or NULL.
 */
char *catalog_which(const char *prog);

/*
 * A backend definition's command: the first item of its "argv" when that is a
 * string, else "" (def may be NULL). The string belongs to def.
 */
const char *catalog_backend_command(const cJSON *def);

#endif
