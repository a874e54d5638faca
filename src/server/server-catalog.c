/*
 * The backends op: what a client needs to offer a choice of agent backend
 * for a new run — every backend of the catalog, whether this server can run
 * it (the engine's list of the backends whose command it found), how to
 * install one that is missing, and the roles of a template that a start
 * binds to one.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/json.h"
#include "lib/xalloc.h"
#include "server-int.h"

/* The bare roles of template name@1 ("reviewer#2" as "reviewer", once each) into r. */
static int
template_roles(struct server *srv, const char *name, struct result_backends *r, char ***owned,
               struct df_error *err)
{
	struct store_catalog_entry tpl;
	const cJSON *role;
	cJSON *def;
	int rc = store_catalog_get(srv->store, STORE_CATALOG_TEMPLATE, name, 1, &tpl, err);

	if (rc <= 0)
		return rc;
	def = cJSON_Parse(tpl.definition);
	role = cJSON_GetObjectItemCaseSensitive(def, "roles");
	r->roles = xcalloc((size_t)cJSON_GetArraySize(role) + 1, sizeof(*r->roles));
	*owned = xcalloc((size_t)cJSON_GetArraySize(role) + 1, sizeof(**owned));
	for (role = role != NULL ? role->child : NULL; role != NULL; role = role->next) {
		char *bare;
		int dup = 0;

		if (!cJSON_IsString(role))
			continue;
		bare = xstrndup(role->valuestring, strcspn(role->valuestring, "#"));
		for (size_t i = 0; i < r->nroles; i++)
			dup |= strcmp(r->roles[i].role, bare) == 0;
		if (dup) {
			free(bare);
			continue;
		}
		(*owned)[r->nroles] = bare;
		r->roles[r->nroles++].role = bare;
	}
	r->template_name = name;
	cJSON_Delete(def);
	store_catalog_entry_clear(&tpl);
	return 1;
}

int
srv_op_backends(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	struct store_catalog_entry *v = NULL;
	struct result_backends r;
	const char *tname;
	char **owned = NULL;
	size_t n = 0, navail;
	const char *const *avail = engine_backends(x->srv->engine, &navail);
	cJSON **defs;

	memset(&r, 0, sizeof(r));
	if (srv_arg_str("backends", x->args, "template", 0, &tname, err) != 0 ||
	    store_catalog_list(x->srv->store, STORE_CATALOG_BACKEND, &v, &n, err) != 0)
		return -1;
	if (tname != NULL && template_roles(x->srv, tname, &r, &owned, err) < 0) {
		store_catalog_entries_free(v, n);
		return -1;
	}
	r.backends = xcalloc(n + 1, sizeof(*r.backends));
	defs = xcalloc(n + 1, sizeof(*defs));
	for (size_t i = 0; i < n; i++) {
		/* The catalog lists every version: the newest (listed first) speaks for its name.
		 */
		int seen = 0;

		for (size_t k = 0; k < r.nbackends; k++)
			seen |= strcmp(r.backends[k].name, v[i].name) == 0;
		if (seen)
			continue;
		defs[i] = cJSON_Parse(v[i].definition);
		r.backends[r.nbackends].name = v[i].name;
		r.backends[r.nbackends].install = json_str(defs[i], "install", NULL);
		for (size_t k = 0; k < navail; k++)
			r.backends[r.nbackends].available |= strcmp(avail[k], v[i].name) == 0;
		r.nbackends++;
	}
	*result = result_backends_json(&r);
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(defs[i]);
	free(defs);
	for (size_t i = 0; owned != NULL && owned[i] != NULL; i++)
		free(owned[i]);
	free(owned);
	result_backends_free(&r);
	store_catalog_entries_free(v, n);
	return 0;
}
