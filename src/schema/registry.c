/*
 * The registry of schema documents (schema.h): each document kept as a copy
 * with the name of its source, indexed by every URI that names a node of it
 * (index.c), and loaded from a directory of *.json files in name order. A
 * document that fails to index, or a directory with one bad file, leaves the
 * registry as it was.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/str.h"
#include "lib/xalloc.h"
#include "schema-int.h"
#include "schema.h"
#include "uri.h"

struct schema_registry *
schema_registry_new(void)
{
	return xcalloc(1, sizeof(struct schema_registry));
}

static void
registry_truncate(struct schema_registry *reg, size_t ndocs, size_t nkeys, size_t nbases)
{
	sch_index_truncate(&reg->idx, nkeys, nbases);
	while (reg->ndocs > ndocs) {
		struct doc *d = &reg->docs[--reg->ndocs];
		cJSON_Delete(d->json);
		free(d->source);
	}
}

void
schema_registry_free(struct schema_registry *reg)
{
	if (reg == NULL)
		return;
	registry_truncate(reg, 0, 0, 0);
	sch_index_free(&reg->idx);
	free(reg->docs);
	free(reg);
}

int
schema_registry_add(struct schema_registry *reg, const cJSON *schema, const char *uri,
                    const char *source, struct df_error *err)
{
	const cJSON *id =
	    cJSON_IsObject(schema) ? cJSON_GetObjectItemCaseSensitive(schema, "$id") : NULL;
	const char *extra[3] = { NULL, NULL, NULL };
	char *base, *shortid = NULL, *ruri = NULL;
	const struct index_entry *dup;
	size_t blen = strlen(SCHEMA_BASE_URI), n = 0;
	int rc;

	if (source == NULL)
		source = uri ? uri : "schema";
	if (!cJSON_IsObject(schema) && !cJSON_IsBool(schema))
		return df_error_set(err, DF_FATAL, DF_E_SCHEMA_INVALID,
		                    "%s: a schema must be an object or a boolean", source);
	if (id != NULL && !cJSON_IsString(id))
		return df_error_set(err, DF_FATAL, DF_E_SCHEMA_INVALID,
		                    "%s: /$id: \"$id\" must be a string", source);
	if (id == NULL && uri == NULL)
		return df_error_set(err, DF_FATAL, DF_E_SCHEMA_INVALID,
		                    "%s: the schema has no \"$id\"", source);
	if (uri != NULL)
		ruri = uri_strip_fragment(uri);
	base = sch_document_base(schema, ruri ? ruri : SCHEMA_BASE_URI);
	/* The same document again is harmless; other content under a used $id is not. */
	dup = sch_index_find(&reg->idx, base);
	if (dup != NULL) {
		const cJSON *old = reg->docs[dup->doc].json;
		if (dup->node == old && cJSON_Compare(old, schema, 1)) {
			free(base);
			free(ruri);
			return 0;
		}
		df_error_set(err, DF_FATAL, DF_E_SCHEMA_INVALID,
		             "%s: duplicate $id \"%s\" (already registered from %s)", source, base,
		             reg->docs[dup->doc].source);
		free(base);
		free(ruri);
		return -1;
	}
	if (strncmp(base, SCHEMA_BASE_URI, blen) == 0 && base[blen] != '\0')
		extra[n++] = shortid = xstrdup(base + blen);
	if (ruri != NULL)
		extra[n++] = ruri;
	if (reg->ndocs == reg->capdocs) {
		reg->capdocs = reg->capdocs ? reg->capdocs * 2 : 16;
		reg->docs = xreallocarray(reg->docs, reg->capdocs, sizeof(*reg->docs));
	}
	reg->docs[reg->ndocs] = (struct doc){ cJSON_Duplicate(schema, 1), xstrdup(source) };
	rc = sch_index_document(&reg->idx, reg->ndocs, reg->docs[reg->ndocs].json, base, extra,
	                        source, err);
	if (rc == 0) {
		reg->ndocs++;
	} else {
		cJSON_Delete(reg->docs[reg->ndocs].json);
		free(reg->docs[reg->ndocs].source);
	}
	free(base);
	free(shortid);
	free(ruri);
	return rc;
}

static int
load_dir_rec(struct schema_registry *reg, const char *dir, int depth, struct df_error *err)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (depth > 32) /* a symbolic link loop, most likely */
		return df_error_set(err, DF_FATAL, DF_E_IO, "%s: directories nested too deeply",
		                    dir);
	if ((d = opendir(dir)) == NULL)
		return df_error_set(err, DF_FATAL, DF_E_IO, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), str_cmp_ptr);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct stat st;
		size_t len = strlen(names[i]);

		if (stat(names[i], &st) < 0) {
			rc = df_error_set(err, DF_FATAL, DF_E_IO, "%s: %s", names[i],
			                  strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			rc = load_dir_rec(reg, names[i], depth + 1, err);
		} else if (S_ISREG(st.st_mode) && len > 5 &&
		           strcmp(names[i] + len - 5, ".json") == 0) {
			cJSON *j = schema_json_load(names[i], err);
			if (j == NULL)
				rc = -1;
			else
				rc = schema_registry_add(reg, j, NULL, names[i], err);
			cJSON_Delete(j);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int
schema_registry_load_dir(struct schema_registry *reg, const char *dir, struct df_error *err)
{
	size_t nd = reg->ndocs, nk = reg->idx.nkeys, nb = reg->idx.nbases;

	if (load_dir_rec(reg, dir, 0, err) < 0) {
		registry_truncate(reg, nd, nk, nb);
		return -1;
	}
	return 0;
}

const cJSON *
schema_registry_get(const struct schema_registry *reg, const char *id)
{
	const struct index_entry *e = sch_index_find(&reg->idx, id);

	if (e == NULL && strchr(id, '#') != NULL && strchr(id, '#')[1] == '\0') {
		char *s = uri_strip_fragment(id);
		e = sch_index_find(&reg->idx, s);
		free(s);
	}
	return e ? e->node : NULL;
}
