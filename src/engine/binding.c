/*
 * Persona binding and the binding and input hashes (see binding.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/buf.h"
#include "lib/str.h"
#include "lib/xalloc.h"
#include "binding.h"

struct persona_view {
	const struct store_catalog_entry *entry;
	char *role, *backend;
};

static int
parse_personas(const struct binding_request *req, struct persona_view *v, struct df_error *err)
{
	for (size_t i = 0; i < req->npersonas; i++) {
		const struct store_catalog_entry *e = &req->personas[i];
		cJSON *def = cJSON_Parse(e->definition ? e->definition : "");
		const cJSON *role = cJSON_GetObjectItemCaseSensitive(def, "role");
		const cJSON *backend = cJSON_GetObjectItemCaseSensitive(def, "backend");

		v[i].entry = e;
		if (!cJSON_IsString(role) || !cJSON_IsString(backend)) {
			cJSON_Delete(def);
			return df_error_set(err, DF_FATAL, DF_E_INTERNAL_STATE_CORRUPTION,
			                    "persona %s@%d (%s): definition has no string \"role\" "
			                    "and \"backend\"",
			                    e->name, e->version, e->source ? e->source : "?");
		}
		v[i].role = xstrdup(role->valuestring);
		v[i].backend = xstrdup(backend->valuestring);
		cJSON_Delete(def);
	}
	return 0;
}

static int
backend_available(const struct binding_request *req, const char *name)
{
	for (size_t i = 0; i < req->nbackends; i++)
		if (strcmp(req->backends[i], name) == 0)
			return 1;
	return 0;
}

static const struct binding_override *
find_override(const struct binding_request *req, const char *role_id, const char *bare)
{
	for (size_t i = 0; i < req->noverrides; i++)
		if (req->overrides[i].role && strcmp(req->overrides[i].role, role_id) == 0)
			return &req->overrides[i];
	for (size_t i = 0; i < req->noverrides; i++)
		if (req->overrides[i].role && strcmp(req->overrides[i].role, bare) == 0)
			return &req->overrides[i];
	return NULL;
}

static void
list_backends(const struct binding_request *req, struct buf *b)
{
	if (req->nbackends == 0)
		buf_puts(b, "none");
	for (size_t i = 0; i < req->nbackends; i++)
		buf_printf(b, "%s%s", i ? ", " : "", req->backends[i]);
}

/* Choose the persona and backend of one role; 0 or -1 with err. */
static int
bind_role(const struct binding_request *req, const struct persona_view *v, const char *role_id,
          const struct persona_view **pv_out, const char **backend_out, struct df_error *err)
{
	const char *hash = strchr(role_id, '#');
	char *bare = hash ? xstrndup(role_id, (size_t)(hash - role_id)) : xstrdup(role_id);
	const struct binding_override *ov = find_override(req, role_id, bare);
	const char *pin_backend = ov ? ov->backend : NULL;
	struct buf msg = BUF_INIT;
	int rc = -1;

	*pv_out = NULL;
	if (pin_backend && !backend_available(req, pin_backend)) {
		list_backends(req, &msg);
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_BINDING_FAILED,
		             "role %s: pinned backend '%s' is not available (available: %s)",
		             role_id, pin_backend, msg.data);
		goto out;
	}
	if (ov && ov->persona) {
		const char *at = strchr(ov->persona, '@');
		size_t nlen = at ? (size_t)(at - ov->persona) : strlen(ov->persona);
		int want = at ? atoi(at + 1) : 0;

		for (size_t i = 0; i < req->npersonas; i++) {
			const struct store_catalog_entry *e = v[i].entry;

			if (strlen(e->name) == nlen && strncmp(e->name, ov->persona, nlen) == 0 &&
			    (want == 0 || e->version == want)) {
				*pv_out = &v[i]; /* highest version first in catalog order */
				break;
			}
		}
		if (*pv_out == NULL) {
			df_error_set(err, DF_HUMAN_REQUIRED, DF_E_BINDING_FAILED,
			             "role %s: pinned persona '%s' is not in the catalog", role_id,
			             ov->persona);
			goto out;
		}
		if (strcmp((*pv_out)->role, bare) != 0) {
			df_error_set(err, DF_HUMAN_REQUIRED, DF_E_BINDING_FAILED,
			             "role %s: pinned persona '%s' plays role '%s', not '%s'",
			             role_id, ov->persona, (*pv_out)->role, bare);
			*pv_out = NULL;
			goto out;
		}
		*backend_out = pin_backend ? pin_backend : (*pv_out)->backend;
		if (!backend_available(req, *backend_out)) {
			list_backends(req, &msg);
			df_error_set(err, DF_HUMAN_REQUIRED, DF_E_BINDING_FAILED,
			             "role %s: persona %s@%d wants backend '%s', which is not "
			             "available (available: %s)",
			             role_id, (*pv_out)->entry->name, (*pv_out)->entry->version,
			             *backend_out, msg.data);
			*pv_out = NULL;
			goto out;
		}
		rc = 0;
		goto out;
	}
	for (size_t i = 0; i < req->npersonas; i++) {
		if (strcmp(v[i].role, bare) != 0)
			continue;
		if (msg.len)
			buf_puts(&msg, ", ");
		buf_printf(&msg, "%s@%d wants %s", v[i].entry->name, v[i].entry->version,
		           v[i].backend);
		if (pin_backend || backend_available(req, v[i].backend)) {
			*pv_out = &v[i];
			*backend_out = pin_backend ? pin_backend : v[i].backend;
			rc = 0;
			goto out;
		}
	}
	if (msg.len == 0) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_BINDING_FAILED,
		             "role %s: no persona plays role '%s'", role_id, bare);
	} else {
		struct buf av = BUF_INIT;

		list_backends(req, &av);
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_BINDING_FAILED,
		             "role %s: no persona with an available backend (%s; available: %s)",
		             role_id, msg.data, av.data);
		buf_free(&av);
	}
	df_error_hint(err, "pin a backend for the role, e.g. an override %s=<backend>", role_id);
out:
	buf_free(&msg);
	free(bare);
	return rc;
}

static char *
binding_hash(const char *role_id, const char *persona_hash, const char *backend,
             const char *template_hash)
{
	cJSON *o = cJSON_CreateObject();
	char hex[CANON_HASH_HEX];

	cJSON_AddStringToObject(o, "roleId", role_id);
	cJSON_AddStringToObject(o, "personaHash", persona_hash);
	cJSON_AddStringToObject(o, "backend", backend);
	cJSON_AddStringToObject(o, "templateHash", template_hash);
	canon_hash(o, hex);
	cJSON_Delete(o);
	return xstrdup(hex);
}

int
binding_bind(const struct binding_request *req, struct binding **out, size_t *n,
             struct df_error *err)
{
	struct persona_view *v = xcalloc(req->npersonas + 1, sizeof(*v));
	struct binding *b = xcalloc(req->nroles + 1, sizeof(*b));
	size_t i;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (parse_personas(req, v, err) != 0)
		goto done;
	for (i = 0; i < req->nroles; i++) {
		const struct persona_view *pv;
		const char *backend;

		for (size_t j = 0; j < i; j++)
			if (strcmp(req->roles[j], req->roles[i]) == 0) {
				df_error_set(err, DF_FATAL, DF_E_BINDING_FAILED,
				             "role %s appears twice in the template",
				             req->roles[i]);
				goto done;
			}
		if (bind_role(req, v, req->roles[i], &pv, &backend, err) != 0)
			goto done;
		b[i].role_id = xstrdup(req->roles[i]);
		b[i].persona_id = xstrdup(pv->entry->id ? pv->entry->id : "");
		b[i].persona_name = xstrdup(pv->entry->name);
		b[i].persona_version = pv->entry->version;
		b[i].persona_hash = xstrdup(pv->entry->hash);
		b[i].backend = xstrdup(backend);
		b[i].binding_hash =
		    binding_hash(b[i].role_id, b[i].persona_hash, b[i].backend, req->template_hash);
	}
	rc = 0;
	*out = b;
	*n = req->nroles;
	b = NULL;
done:
	if (b)
		binding_free(b, req->nroles);
	for (i = 0; i < req->npersonas; i++) {
		free(v[i].role);
		free(v[i].backend);
	}
	free(v);
	return rc;
}

void
binding_free(struct binding *b, size_t n)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(b[i].role_id);
		free(b[i].persona_id);
		free(b[i].persona_name);
		free(b[i].persona_hash);
		free(b[i].backend);
		free(b[i].binding_hash);
	}
	free(b);
}

int
binding_input_hash(const char *template_hash, const struct binding *b, size_t n,
                   const char *requirements_md, const char *objective_json, const char *repo_path,
                   const char *base_branch, const char *extra_json, char out[CANON_HASH_HEX],
                   struct df_error *err)
{
	cJSON *o, *arr, *objective = NULL, *extra = NULL;
	const char **hashes;

	if (objective_json && (objective = cJSON_Parse(objective_json)) == NULL)
		return df_error_set(err, DF_FATAL, DF_E_JSON_PARSE, "run objective is not JSON");
	extra = cJSON_Parse(extra_json ? extra_json : "{}");
	if (!cJSON_IsObject(extra)) {
		cJSON_Delete(objective);
		cJSON_Delete(extra);
		return df_error_set(err, DF_FATAL, DF_E_JSON_PARSE,
		                    "run extra is not a JSON object");
	}
	hashes = xcalloc(n + 1, sizeof(*hashes));
	for (size_t i = 0; i < n; i++)
		hashes[i] = b[i].binding_hash;
	qsort(hashes, n, sizeof(*hashes), str_cmp_ptr);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "templateHash", template_hash);
	arr = cJSON_AddArrayToObject(o, "bindings");
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(hashes[i]));
	cJSON_AddStringToObject(o, "requirementsMd", requirements_md ? requirements_md : "");
	cJSON_AddItemToObject(o, "objective", objective ? objective : cJSON_CreateNull());
	cJSON_AddStringToObject(o, "repoPath", repo_path);
	cJSON_AddStringToObject(o, "baseBranch", base_branch);
	cJSON_AddItemToObject(o, "extra", extra);
	canon_hash(o, out);
	cJSON_Delete(o);
	free(hashes);
	return 0;
}
