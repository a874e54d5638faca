/*
 * The catalog tables (workflow templates, agent personas, backends): one
 * set of statements a kind, an entry put once per name and version, and
 * the rule that a definition a run uses cannot change under it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "lib/xalloc.h"
#include "store-int.h"

static void
new_uuid(char out[37])
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

struct catalog_sql {
	const char *name;
	const char *select_one; /* by name, version */
	const char *select_top; /* by name, highest version */
	const char *select_all;
	const char *insert;
	const char *refresh;    /* same content: new source */
	const char *replace;    /* other content, unreferenced */
	const char *referenced; /* count of rows that pin it */
};

/* The columns of each catalog table read into struct store_catalog_entry (store-int.h: rows as
 * data). */
#define CATALOG_COLUMNS(FIRST, X)                                                                  \
	FIRST(id, TEXT)                                                                            \
	X(name, TEXT)                                                                              \
	X(version, INT)                                                                            \
	X(hash, TEXT)                                                                              \
	X(definition, TEXT)                                                                        \
	X(source, TEXT)
#define CATALOG_COLS STORE_COLS(CATALOG_COLUMNS)
#define CATALOG_SQL(table, kindname, refsql)                                                       \
	{                                                                                          \
		kindname, "SELECT " CATALOG_COLS " FROM " table " WHERE name = ? AND version = ?", \
		    "SELECT " CATALOG_COLS " FROM " table                                          \
		    " WHERE name = ? ORDER BY version DESC LIMIT 1",                               \
		    "SELECT " CATALOG_COLS " FROM " table " ORDER BY name, version DESC",          \
		    "INSERT INTO " table " (id, name, version, hash, definition, source) "         \
		    "VALUES (?, ?, ?, ?, ?, ?)",                                                   \
		    "UPDATE " table " SET source = ?, updated_at = " NOW_TS " WHERE id = ?",       \
		    "UPDATE " table                                                                \
		    " SET hash = ?, definition = ?, source = ?, updated_at = " NOW_TS              \
		    " WHERE id = ?",                                                               \
		    refsql                                                                         \
	}

static const struct catalog_sql catalog_sql[] = {
	[STORE_CATALOG_TEMPLATE] = CATALOG_SQL("workflow_templates", "template",
	                                       "SELECT count(*) FROM runs WHERE template_id = ?"),
	[STORE_CATALOG_PERSONA] = CATALOG_SQL(
	    "agent_personas", "persona", "SELECT count(*) FROM run_bindings WHERE persona_id = ?"),
	/* Bindings name backends by name, not by row: nothing pins a backend row. */
	[STORE_CATALOG_BACKEND] =
	    CATALOG_SQL("backends", "backend", "SELECT 0 WHERE ? IS NOT NULL"),
};

const char *
store_catalog_kind_name(enum store_catalog_kind kind)
{
	if ((unsigned)kind > STORE_CATALOG_BACKEND)
		return "unknown";
	return catalog_sql[kind].name;
}

STORE_ROWS(catalog, struct store_catalog_entry, CATALOG_COLUMNS)

static int
catalog_put_tx(struct store *st, const struct catalog_sql *q, const struct store_catalog_entry *e,
               char **id_out, struct df_error *err)
{
	struct store_catalog_entry old = { 0 };
	sqlite3_stmt *s;
	int rc;

	s = st_q_prepare(st, err, q->select_one, "si", e->name, e->version);
	if (s == NULL)
		return -1;
	rc = st_q_step(st, s, err, "reading the catalog");
	if (rc < 0)
		return -1;
	if (rc == 0) {
		char id[37];

		new_uuid(id);
		if (st_q_exec(st, err, "adding to the catalog", q->insert, "ssisss", id, e->name,
		              e->version, e->hash, e->definition, e->source) != 0)
			goto fail;
		if (id_out)
			*id_out = xstrdup(id);
		return 0;
	}
	catalog_fill(s, &old);
	sqlite3_reset(s);
	if (strcmp(old.hash, e->hash) == 0) {
		rc =
		    st_q_exec(st, err, "updating the catalog", q->refresh, "ss", e->source, old.id);
	} else {
		int64_t refs;

		s = st_q_prepare(st, err, q->referenced, "s", old.id);
		if (s == NULL || st_q_step(st, s, err, "reading the catalog") != 1)
			goto fail;
		refs = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		if (refs > 0) {
			df_error_set(
			    err, DF_FATAL, DF_E_CATALOG_CONFLICT,
			    "%s %s@%d in %s differs from the one stored from %s, which %lld "
			    "run(s) use",
			    q->name, e->name, e->version, e->source, old.source, (long long)refs);
			df_error_hint(err, "give the changed %s a new version", q->name);
			goto fail;
		}
		rc = st_q_exec(st, err, "updating the catalog", q->replace, "ssss", e->hash,
		               e->definition, e->source, old.id);
	}
	if (rc != 0)
		goto fail;
	if (id_out)
		*id_out = xstrdup(old.id);
	store_catalog_entry_clear(&old);
	return 0;
fail:
	if (err && err->code != DF_E_CATALOG_CONFLICT)
		df_error_prefix(err, "%s %s@%d from %s", q->name, e->name, e->version, e->source);
	store_catalog_entry_clear(&old);
	return -1;
}

int
store_catalog_put(struct store *st, enum store_catalog_kind kind,
                  const struct store_catalog_entry *entry, char **id_out, struct df_error *err)
{
	int own, rc;

	if ((unsigned)kind > STORE_CATALOG_BACKEND || entry->name == NULL || entry->hash == NULL ||
	    entry->definition == NULL || entry->source == NULL)
		return df_error_set(
		    err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		    "a catalog entry needs a kind, name, hash, definition and source");
	if (id_out)
		*id_out = NULL;
	if (st_tx_enter(st, &own, err) != 0)
		return -1;
	rc = catalog_put_tx(st, &catalog_sql[kind], entry, id_out, err);
	rc = st_tx_leave(st, own, rc, err);
	if (rc != 0 && id_out) {
		free(*id_out);
		*id_out = NULL;
	}
	return rc;
}

int
store_catalog_list(struct store *st, enum store_catalog_kind kind, struct store_catalog_entry **out,
                   size_t *n, struct df_error *err)
{
	*out = NULL;
	*n = 0;
	if ((unsigned)kind > STORE_CATALOG_BACKEND)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "unknown catalog kind");
	return st_q_list(st, st_q_prepare(st, err, catalog_sql[kind].select_all, NULL),
	                 sizeof(**out), catalog_fill, catalog_clear, (void **)out, n, err,
	                 "listing the catalog");
}

int
store_catalog_get(struct store *st, enum store_catalog_kind kind, const char *name, int version,
                  struct store_catalog_entry *out, struct df_error *err)
{
	sqlite3_stmt *s;

	memset(out, 0, sizeof(*out));
	if ((unsigned)kind > STORE_CATALOG_BACKEND || name == NULL)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "a catalog lookup needs a kind and a name");
	if (version > 0)
		s = st_q_prepare(st, err, catalog_sql[kind].select_one, "si", name, version);
	else
		s = st_q_prepare(st, err, catalog_sql[kind].select_top, "s", name);
	return st_q_one(st, s, out, sizeof(*out), catalog_fill, err, "reading the catalog");
}

void
store_catalog_entry_clear(struct store_catalog_entry *e)
{
	catalog_clear(e);
}

void
store_catalog_entries_free(struct store_catalog_entry *entries, size_t n)
{
	st_rows_free(entries, n, sizeof(*entries), catalog_clear);
}
