/*
 * Bindings: which persona (and so which instructions) and which agent
 * backend play each role of a template in one run. The rules of the
 * reference's bindTemplatePersonas: every template role gets a persona whose
 * role is the template role without its "#n" suffix ("reviewer#2" is played
 * by a "reviewer" persona) and whose backend is available; overrides may pin
 * the persona ("name" or "name@version") or the backend of a role. Each
 * binding has a hash, and the run's input hash covers the template hash, the
 * sorted binding hashes and the run's inputs, so two runs with the same
 * inputs have the same input hash. Pure functions: no store, no I/O.
 */
#ifndef DEVFLOW_BINDING_H
#define DEVFLOW_BINDING_H

#include <stddef.h>

#include "lib/canon.h"
#include "lib/error.h"
#include "store/store.h"

/* A pin for one role: role id (exact, or the bare role); either field may be NULL. */
struct binding_override {
	const char *role;
	const char *persona; /* "name" or "name@version" */
	const char *backend;
};

struct binding_request {
	const char *template_hash;
	const char *const *roles; /* the template's roles */
	size_t nroles;
	const struct store_catalog_entry *personas; /* catalog, by name then version descending */
	size_t npersonas;
	const char *const *backends; /* names of the available backends */
	size_t nbackends;
	const struct binding_override *overrides;
	size_t noverrides;
};

struct binding {
	char *role_id;
	char *persona_id; /* the catalog row id */
	char *persona_name;
	int persona_version;
	char *persona_hash;
	char *backend;
	char *binding_hash; /* canon_hash({roleId, personaHash, backend, templateHash}) */
};

/*
 * Bind every role of req. Returns 0 with *out (n = nroles entries, in role
 * order; free with binding_free), or -1 with err (class human_required,
 * code binding_failed) naming the role and what is missing: no persona for
 * the role, a pinned persona that does not exist or plays another role, or
 * no available backend (listing the candidates and the available backends);
 * a persona definition that is not a persona is internal_state_corruption
 * naming its source.
 */
int binding_bind(const struct binding_request *req, struct binding **out, size_t *n,
                 struct df_error *err);

void binding_free(struct binding *b, size_t n);

/*
 * The run's input hash: canon_hash of {templateHash, bindings: [binding
 * hashes, sorted], requirementsMd, objective (JSON or null), repoPath,
 * baseBranch, extra (JSON object)}. objective_json may be NULL (null);
 * extra_json NULL means {}. Returns 0, or -1 with err (json_parse) when
 * objective or extra is not JSON.
 */
int binding_input_hash(const char *template_hash, const struct binding *b, size_t n,
                       const char *requirements_md, const char *objective_json,
                       const char *repo_path, const char *base_branch, const char *extra_json,
                       char out[CANON_HASH_HEX], struct df_error *err);

#endif
