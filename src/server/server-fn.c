/*
 * What the ops share (tmux's server-fn.c): their arguments read with
 * messages that name the op and the field, runs, sessions and approvals
 * named by a unique id prefix, the live session behind a name, and a run
 * event as the JSON both the events op and the event pushes send.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/buf.h"
#include "lib/json.h"
#include "lib/xalloc.h"
#include "server-int.h"

/* ------------------------------------------------------------------------ */
/* Argument helpers: every message names the op and the field. */

int
srv_arg_str(const char *op, const cJSON *args, const char *name, int required, const char **out,
            struct df_error *err)
{
	const cJSON *v = args != NULL ? cJSON_GetObjectItemCaseSensitive(args, name) : NULL;

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v)) {
		if (required)
			return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "%s.%s: missing",
			                    op, name);
		return 0;
	}
	if (!cJSON_IsString(v))
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "%s.%s: expected a string", op, name);
	if (required && v->valuestring[0] == '\0')
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "%s.%s: must not be empty", op, name);
	*out = v->valuestring;
	return 0;
}

int
srv_arg_int(const char *op, const cJSON *args, const char *name, long long lo, long long hi,
            long long def, long long *out, struct df_error *err)
{
	const cJSON *v = args != NULL ? cJSON_GetObjectItemCaseSensitive(args, name) : NULL;

	*out = def;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	/* Range-checked as a double first (json_int): 1e300 is out of range, not UB. */
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble != floor(v->valuedouble))
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "%s.%s: expected an integer", op, name);
	if (json_int(v, (double)lo, (double)hi, out) != 0)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    fabs(v->valuedouble) < 1e15
		                        ? "%s.%s: %.0f is outside %lld..%lld"
		                        : "%s.%s: %g is outside %lld..%lld",
		                    op, name, v->valuedouble, lo, hi);
	return 0;
}

int
srv_arg_bool(const char *op, const cJSON *args, const char *name, int *out, struct df_error *err)
{
	const cJSON *v = args != NULL ? cJSON_GetObjectItemCaseSensitive(args, name) : NULL;

	*out = 0;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v))
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "%s.%s: expected true or false", op, name);
	*out = cJSON_IsTrue(v);
	return 0;
}

int
srv_arg_run(struct op_ctx *x, char run_id[DF_ID_MAX], struct df_error *err)
{
	const char *name;

	if (srv_arg_str(x->op, x->args, "run", 1, &name, err) != 0)
		return -1;
	return srv_resolve_run(x->srv, name, run_id, err);
}

/* ------------------------------------------------------------------------ */
/* Names: runs, sessions and approvals by a unique id prefix. */

/* Pick the one candidate matching prefix; kind names the thing in messages. */
int
srv_pick_unique(const char *kind, const char *prefix, char **ids, size_t n, char out[DF_ID_MAX],
                enum df_code none_code, struct df_error *err)
{
	size_t matches = 0, first = 0, len = strlen(prefix);
	struct buf list = BUF_INIT;

	for (size_t i = 0; i < n; i++)
		if (strcmp(ids[i], prefix) == 0) {
			snprintf(out, DF_ID_MAX, "%s", ids[i]);
			return 0;
		}
	for (size_t i = 0; i < n; i++) {
		if (strncmp(ids[i], prefix, len) != 0)
			continue;
		if (matches++ == 0)
			first = i;
		buf_printf(&list, "%s%s", list.len ? ", " : "", ids[i]);
	}
	if (matches == 1) {
		snprintf(out, DF_ID_MAX, "%s", ids[first]);
		buf_free(&list);
		return 0;
	}
	if (matches == 0) {
		df_error_set(err, DF_FATAL, none_code, "no %s matches '%s'", kind, prefix);
		df_error_hint(err, "list them with `devflow %s`",
		              strcmp(kind, "session") == 0 ? "sessions" : "ls");
	} else {
		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		             "%s prefix '%s' is ambiguous: it matches %s", kind, prefix, list.data);
		df_error_hint(err, "give more characters of the %s id", kind);
	}
	buf_free(&list);
	return -1;
}

int
srv_resolve_run(struct server *srv, const char *prefix, char out[DF_ID_MAX], struct df_error *err)
{
	struct store_run *runs = NULL;
	size_t n = 0;
	char **ids;
	int rc;

	if (store_runs_list(srv->store, 0, &runs, &n, err) != 0)
		return -1;
	ids = xcalloc(n + 1, sizeof(*ids));
	for (size_t i = 0; i < n; i++)
		ids[i] = runs[i].id;
	rc = srv_pick_unique("run", prefix, ids, n, out, DF_E_RUN_NOT_FOUND, err);
	free(ids);
	store_runs_free(runs, n);
	return rc;
}

int
srv_all_sessions(struct server *srv, const char *run_id, struct sess_list *out,
                 struct df_error *err)
{
	struct store_run *runs = NULL;
	size_t nr = 0;

	out->v = NULL;
	out->n = 0;
	if (run_id != NULL)
		return store_sessions_list(srv->store, run_id, &out->v, &out->n, err);
	if (store_runs_list(srv->store, 0, &runs, &nr, err) != 0)
		return -1;
	for (size_t i = 0; i < nr; i++) {
		struct store_session *s = NULL;
		size_t ns = 0;

		if (store_sessions_list(srv->store, runs[i].id, &s, &ns, err) != 0) {
			store_sessions_free(out->v, out->n);
			store_runs_free(runs, nr);
			out->v = NULL;
			out->n = 0;
			return -1;
		}
		out->v = xreallocarray(out->v, out->n + ns + 1, sizeof(*out->v));
		memcpy(out->v + out->n, s, ns * sizeof(*s));
		out->n += ns;
		free(s); /* the strings moved into out */
	}
	store_runs_free(runs, nr);
	return 0;
}

struct session *
srv_live_session(struct server *srv, const char *id)
{
	if (srv->sops == NULL || srv->sops->get == NULL)
		return NULL;
	return srv->sops->get(srv->sctx, id);
}

const char *
srv_live_state(struct server *srv, const char *id)
{
	if (srv->sops == NULL || srv->sops->state == NULL)
		return NULL;
	return srv->sops->state(srv->sctx, id);
}

int
srv_resolve_session(struct server *srv, const char *prefix, char out[DF_ID_MAX],
                    struct df_error *err)
{
	struct sess_list sl;
	char **ids;
	int rc;

	if (srv_live_session(srv, prefix) != NULL && strlen(prefix) < DF_ID_MAX) {
		snprintf(out, DF_ID_MAX, "%s", prefix);
		return 0;
	}
	if (srv_all_sessions(srv, NULL, &sl, err) != 0)
		return -1;
	ids = xcalloc(sl.n + 1, sizeof(*ids));
	for (size_t i = 0; i < sl.n; i++)
		ids[i] = sl.v[i].id;
	rc = srv_pick_unique("session", prefix, ids, sl.n, out, DF_E_SESSION_NOT_FOUND, err);
	free(ids);
	store_sessions_free(sl.v, sl.n);
	return rc;
}

/*
 * The live session named (by prefix) in args.session; *id_out gets its full
 * id. The errors name the session, not the op: clients reach an op from
 * verbs of other names (`devflow attach` checks the session with capture),
 * and a run that is not found does not name the op either.
 */
struct session *
srv_need_live_session(struct server *srv, const char *name, char id_out[DF_ID_MAX],
                      struct df_error *err)
{
	struct session *s;

	if (srv_resolve_session(srv, name, id_out, err) != 0)
		return NULL;
	if ((s = srv_live_session(srv, id_out)) == NULL) {
		struct store_session row;

		if (store_session_get(srv->store, id_out, &row, NULL) == 1) {
			df_error_set(err, DF_FATAL, DF_E_SESSION_FAILED,
			             "session %s has no live terminal (state %s)", id_out,
			             row.state);
			store_session_clear(&row);
		} else {
			df_error_set(err, DF_FATAL, DF_E_SESSION_FAILED,
			             "session %s has no live terminal", id_out);
		}
		df_error_hint(err, "its transcript is kept under <workspace>/<run>/sessions/");
	}
	return s;
}

/* ------------------------------------------------------------------------ */
/* Events */

cJSON *
srv_event_json(const struct store_event *ev)
{
	cJSON *pl = cJSON_Parse(ev->payload ? ev->payload : "{}"), *o;

	if (pl == NULL)
		pl = cJSON_CreateObject();
	o = result_event_json(&(struct result_event){ .run_id = ev->run_id,
	                                              .seq = ev->seq,
	                                              .type = ev->type,
	                                              .phase_id = ev->phase_id,
	                                              .payload = pl,
	                                              .ts = ev->ts ? ev->ts : "" });
	cJSON_Delete(pl);
	return o;
}
