/*
 * The ops' results (see result.h): each struct is described once, by a
 * table of its fields (JSON name, kind, offset), and one generic encoder
 * and decoder walk the table, so the name a server writes is the name a
 * client reads. Arrays of structs (runs, phases, ...) are tables too; the
 * few nested ones (an approval's decisions) are put together by hand.
 */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "proto.h"
#include "result.h"

enum fkind {
	F_STR,     /* const char *, required when decoding; null when NULL */
	F_OSTR,    /* const char *, optional: absent or null is NULL */
	F_INT,     /* int64_t, absent is 0 */
	F_OINT,    /* int64_t, written only when the int at has is set */
	F_BOOL,    /* int 0/1, absent is 0 */
	F_JSON,    /* const cJSON *, any value, borrowed; absent is NULL, written as null */
	F_ACTIONS, /* struct result_actions, an array of names */
};

struct field {
	const char *name;
	enum fkind kind;
	size_t off;
	size_t has; /* F_OINT: offset of its int flag */
};

#define FSTR(T, m, n)                                                                              \
	{                                                                                          \
		n, F_STR, offsetof(struct T, m), 0                                                 \
	}
#define FOSTR(T, m, n)                                                                             \
	{                                                                                          \
		n, F_OSTR, offsetof(struct T, m), 0                                                \
	}
#define FINT(T, m, n)                                                                              \
	{                                                                                          \
		n, F_INT, offsetof(struct T, m), 0                                                 \
	}
#define FOINT(T, m, n, h)                                                                          \
	{                                                                                          \
		n, F_OINT, offsetof(struct T, m), offsetof(struct T, h)                            \
	}
#define FBOOL(T, m, n)                                                                             \
	{                                                                                          \
		n, F_BOOL, offsetof(struct T, m), 0                                                \
	}
#define FJSON(T, m, n)                                                                             \
	{                                                                                          \
		n, F_JSON, offsetof(struct T, m), 0                                                \
	}
#define FACTIONS(T, m, n)                                                                          \
	{                                                                                          \
		n, F_ACTIONS, offsetof(struct T, m), 0                                             \
	}
#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* A struct's fields and size. */
struct shape {
	const struct field *f;
	size_t nf, size;
};

static const struct field start_fields[] = {
	FSTR(result_start, run_id, "runId"),
	FSTR(result_start, state, "state"),
	FOSTR(result_start, worktree_root, "worktreeRoot"),
};

static const struct field run_state_fields[] = {
	FSTR(result_run_state, run_id, "runId"),
	FSTR(result_run_state, state, "state"),
};

static const struct field decide_fields[] = {
	FSTR(result_decide, run_id, "runId"),  FOSTR(result_decide, approval_id, "approvalId"),
	FSTR(result_decide, action, "action"), FBOOL(result_decide, replayed, "replayed"),
	FOSTR(result_decide, actor, "actor"),  FSTR(result_decide, state, "state"),
};

static const struct field land_fields[] = {
	FSTR(result_land, run_id, "runId"),        FSTR(result_land, action, "action"),
	FOSTR(result_land, mode, "mode"),          FOSTR(result_land, how, "how"),
	FOSTR(result_land, commit, "commit"),      FOSTR(result_land, base, "base"),
	FOSTR(result_land, branch, "branch"),      FOSTR(result_land, checkout, "checkout"),
	FOSTR(result_land, remote, "remote"),      FOSTR(result_land, url, "url"),
	FOSTR(result_land, actor, "actor"),        FBOOL(result_land, already, "already"),
	FOSTR(result_land, follow_up, "followUp"), FOSTR(result_land, via, "via"),
};

static const struct field clean_fields[] = {
	FJSON(result_clean, runs, "runs"),
};

static const struct field answer_fields[] = {
	FSTR(result_answer, session, "session"), FSTR(result_answer, choice, "choice"),
	FOSTR(result_answer, label, "label"),    FOSTR(result_answer, question, "question"),
	FOSTR(result_answer, actor, "actor"),
};

static const struct field report_fields[] = {
	FSTR(result_report, run_id, "runId"),
	FSTR(result_report, state, "state"),
	FOSTR(result_report, markdown_path, "markdownPath"),
	FOSTR(result_report, json_path, "jsonPath"),
	FOSTR(result_report, markdown, "markdown"),
	FJSON(result_report, report, "report"),
};

static const struct field event_fields[] = {
	FSTR(result_event, run_id, "runId"),     FINT(result_event, seq, "seq"),
	FSTR(result_event, type, "type"),        FOSTR(result_event, phase_id, "phaseId"),
	FJSON(result_event, payload, "payload"), FOSTR(result_event, ts, "ts"),
};
static const struct shape event_shape = { event_fields, NFIELDS(event_fields),
	                                  sizeof(struct result_event) };

static const struct field events_fields[] = {
	FSTR(result_events, run_id, "runId"),
	FSTR(result_events, state, "state"),
};

static const struct field ls_run_fields[] = {
	FSTR(result_ls_run, id, "id"),
	FSTR(result_ls_run, state, "state"),
	FOSTR(result_ls_run, template_name, "template"),
	FOSTR(result_ls_run, repo_path, "repoPath"),
	FOSTR(result_ls_run, base_branch, "baseBranch"),
	FOSTR(result_ls_run, phase, "phase"),
	FOSTR(result_ls_run, phase_state, "phaseState"),
	FINT(result_ls_run, pending_approvals, "pendingApprovals"),
	FOSTR(result_ls_run, created_at, "createdAt"),
	FOSTR(result_ls_run, ended_at, "endedAt"),
	FOSTR(result_ls_run, final_report_path, "finalReportPath"),
	FBOOL(result_ls_run, terminal, "terminal"),
	FACTIONS(result_ls_run, actions, "actions"),
};
static const struct shape ls_run_shape = { ls_run_fields, NFIELDS(ls_run_fields),
	                                   sizeof(struct result_ls_run) };

static const struct field run_fields[] = {
	FSTR(result_run, id, "id"),
	FSTR(result_run, state, "state"),
	FOSTR(result_run, paused_from_state, "pausedFromState"),
	FOSTR(result_run, repo_path, "repoPath"),
	FOSTR(result_run, base_branch, "baseBranch"),
	FOSTR(result_run, worktree_root, "worktreeRoot"),
	FOSTR(result_run, template_hash, "templateHash"),
	FOSTR(result_run, current_phase_id, "currentPhaseId"),
	FOSTR(result_run, final_report_path, "finalReportPath"),
	FOSTR(result_run, created_at, "createdAt"),
	FOSTR(result_run, started_at, "startedAt"),
	FOSTR(result_run, ended_at, "endedAt"),
	FOSTR(result_run, rebase_run_id, "rebaseRunId"),
	FOSTR(result_run, rebase_of, "rebaseOf"),
	FBOOL(result_run, terminal, "terminal"),
	FACTIONS(result_run, actions, "actions"),
};

static const struct field phase_fields[] = {
	FSTR(result_phase, id, "id"),           FSTR(result_phase, phase_key, "phaseKey"),
	FOSTR(result_phase, title, "title"),    FINT(result_phase, seq, "seq"),
	FSTR(result_phase, state, "state"),     FINT(result_phase, attempts, "attempts"),
	FINT(result_phase, repairs, "repairs"), FOSTR(result_phase, deadline_at, "deadlineAt"),
};
static const struct shape phase_shape = { phase_fields, NFIELDS(phase_fields),
	                                  sizeof(struct result_phase) };

static const struct field check_fields[] = {
	FSTR(result_check, phase_id, "phaseId"), FSTR(result_check, phase_key, "phaseKey"),
	FSTR(result_check, name, "name"),        FSTR(result_check, state, "state"),
	FOSTR(result_check, how, "how"),         FOSTR(result_check, output_path, "outputPath"),
	FOSTR(result_check, tail, "tail"),       FINT(result_check, attempt, "attempt"),
	FINT(result_check, repair, "repair"),
};
static const struct shape check_shape = { check_fields, NFIELDS(check_fields),
	                                  sizeof(struct result_check) };

static const struct field binding_fields[] = {
	FSTR(result_binding, role_id, "roleId"),
	FOSTR(result_binding, persona, "persona"),
	FOSTR(result_binding, persona_id, "personaId"),
	FOSTR(result_binding, backend, "backend"),
};
static const struct shape binding_shape = { binding_fields, NFIELDS(binding_fields),
	                                    sizeof(struct result_binding) };

static const struct field approval_fields[] = {
	FSTR(result_approval, id, "id"),
	FOSTR(result_approval, phase_id, "phaseId"),
	FOSTR(result_approval, gate_key, "gateKey"),
	FOSTR(result_approval, kind, "kind"),
	FSTR(result_approval, state, "state"),
	FJSON(result_approval, payload, "payload"),
	FOSTR(result_approval, created_at, "createdAt"),
};
static const struct shape approval_shape = { approval_fields, NFIELDS(approval_fields),
	                                     sizeof(struct result_approval) };

static const struct field decision_fields[] = {
	FSTR(result_decision, action, "action"),
	FOSTR(result_decision, actor, "actor"),
	FOSTR(result_decision, comment, "comment"),
	FOSTR(result_decision, created_at, "createdAt"),
};
static const struct shape decision_shape = { decision_fields, NFIELDS(decision_fields),
	                                     sizeof(struct result_decision) };

static const struct field session_fields[] = {
	FSTR(result_session, id, "id"),
	FOSTR(result_session, phase_id, "phaseId"),
	FOSTR(result_session, role_id, "roleId"),
	FOSTR(result_session, backend, "backend"),
	FSTR(result_session, state, "state"),
	FOSTR(result_session, transcript_path, "transcriptPath"),
	FOINT(result_session, exit_status, "exitStatus", has_exit_status),
};
static const struct shape session_shape = { session_fields, NFIELDS(session_fields),
	                                    sizeof(struct result_session) };

static const struct field sessions_item_fields[] = {
	FSTR(result_sessions_item, id, "id"),
	FSTR(result_sessions_item, run_id, "runId"),
	FOSTR(result_sessions_item, phase, "phase"),
	FOSTR(result_sessions_item, role_id, "roleId"),
	FOSTR(result_sessions_item, backend, "backend"),
	FSTR(result_sessions_item, state, "state"),
	FBOOL(result_sessions_item, live, "live"),
	FBOOL(result_sessions_item, screen, "screen"),
	FOINT(result_sessions_item, pid, "pid", has_terminal),
	FOINT(result_sessions_item, rows, "rows", has_terminal),
	FOINT(result_sessions_item, cols, "cols", has_terminal),
	FOSTR(result_sessions_item, transcript_path, "transcriptPath"),
	FOSTR(result_sessions_item, conversation_id, "conversationId"),
	FOSTR(result_sessions_item, created_at, "createdAt"),
};
static const struct shape sessions_item_shape = { sessions_item_fields,
	                                          NFIELDS(sessions_item_fields),
	                                          sizeof(struct result_sessions_item) };

static const struct field diff_fields[] = {
	FSTR(result_diff, run_id, "runId"),
	FOSTR(result_diff, base, "base"),
	FOSTR(result_diff, worktree_root, "worktreeRoot"),
};
static const struct field diff_tail_fields[] = {
	FOSTR(result_diff, text, "text"),
	FBOOL(result_diff, truncated, "truncated"),
	FBOOL(result_diff, files_truncated, "filesTruncated"),
};

static const struct field diff_file_fields[] = {
	FSTR(result_diff_file, path, "path"),
	FSTR(result_diff_file, status, "status"),
};
static const struct shape diff_file_shape = { diff_file_fields, NFIELDS(diff_file_fields),
	                                      sizeof(struct result_diff_file) };

static const struct field artifact_fields[] = {
	FSTR(result_artifact, run_id, "runId"),
	FOSTR(result_artifact, phase, "phase"),
	FOSTR(result_artifact, phase_id, "phaseId"),
	FOSTR(result_artifact, path, "path"),
	FOSTR(result_artifact, schema, "schema"),
	FINT(result_artifact, attempt, "attempt"),
	FBOOL(result_artifact, valid, "valid"),
	FJSON(result_artifact, errors, "errors"),
	FOSTR(result_artifact, hash, "hash"),
	FOSTR(result_artifact, validated_at, "validatedAt"),
	FBOOL(result_artifact, changed, "changed"),
	FJSON(result_artifact, json, "json"),
	FOSTR(result_artifact, text, "text"),
	FOSTR(result_artifact, file_error, "fileError"),
};

static const struct field capture_fields[] = {
	FSTR(result_capture, session, "session"), FINT(result_capture, rows, "rows"),
	FINT(result_capture, cols, "cols"),       FOSTR(result_capture, text, "text"),
	FJSON(result_capture, screen, "screen"),
};

static const struct field backends_fields[] = {
	FOSTR(result_backends, template_name, "template"),
};
static const struct field backend_fields[] = {
	FSTR(result_backend, name, "name"),
	FBOOL(result_backend, available, "available"),
	FOSTR(result_backend, install, "install"),
};
static const struct shape backend_shape = { backend_fields, NFIELDS(backend_fields),
	                                    sizeof(struct result_backend) };
static const struct field role_fields[] = {
	FSTR(result_role, role, "role"),
};
static const struct shape role_shape = { role_fields, NFIELDS(role_fields),
	                                 sizeof(struct result_role) };

static const struct field history_fields[] = {
	FSTR(result_history, session, "session"), FINT(result_history, history_size, "historySize"),
	FINT(result_history, rows, "rows"),       FINT(result_history, cols, "cols"),
	FINT(result_history, dropped, "dropped"), FINT(result_history, first, "first"),
	FINT(result_history, start, "start"),     FINT(result_history, count, "count"),
	FBOOL(result_history, more, "more"),      FOSTR(result_history, text, "text"),
};

static const struct field history_search_fields[] = {
	FSTR(result_history_search, session, "session"),
	FBOOL(result_history_search, found, "found"),
	FOINT(result_history_search, line, "line", has_line),
	FOINT(result_history_search, start, "start", has_line),
	FBOOL(result_history_search, wrapped, "wrapped"),
	FINT(result_history_search, history_size, "historySize"),
	FINT(result_history_search, rows, "rows"),
	FINT(result_history_search, dropped, "dropped"),
};

static const struct field ping_fields[] = {
	FINT(result_ping, pid, "pid"),
	FOSTR(result_ping, workspace, "workspace"),
	FINT(result_ping, clients, "clients"),
};

static const struct field reload_fields[] = {
	FINT(result_reload, templates, "templates"),
	FINT(result_reload, personas, "personas"),
	FINT(result_reload, backends, "backends"),
	FINT(result_reload, available, "available"),
};

int
result_actions_has(const struct result_actions *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->name[i], name) == 0)
			return 1;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The generic encoder and decoder */

#define AT(r, off, T) ((T *)(void *)((char *)(r) + (off)))
#define CAT(r, off, T) ((const T *)(const void *)((const char *)(r) + (off)))

static void
enc_fields(cJSON *o, const struct field *f, size_t nf, const void *r)
{
	for (size_t i = 0; i < nf; i++) {
		const char *name = f[i].name;

		switch (f[i].kind) {
		case F_STR:
		case F_OSTR: {
			const char *s = *CAT(r, f[i].off, const char *);

			cJSON_AddItemToObject(
			    o, name, s != NULL ? cJSON_CreateString(s) : cJSON_CreateNull());
			break;
		}
		case F_OINT:
			if (!*CAT(r, f[i].has, int))
				break;
			/* fall through */
		case F_INT:
			cJSON_AddNumberToObject(o, name, (double)*CAT(r, f[i].off, int64_t));
			break;
		case F_BOOL:
			cJSON_AddBoolToObject(o, name, *CAT(r, f[i].off, int));
			break;
		case F_JSON: {
			const cJSON *v = *CAT(r, f[i].off, const cJSON *);

			cJSON_AddItemToObject(
			    o, name, v != NULL ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
			break;
		}
		case F_ACTIONS: {
			const struct result_actions *a = CAT(r, f[i].off, struct result_actions);
			cJSON *arr = cJSON_AddArrayToObject(o, name);

			for (size_t k = 0; k < a->n; k++)
				cJSON_AddItemToArray(arr, cJSON_CreateString(a->name[k]));
			break;
		}
		}
	}
}

static cJSON *
enc_object(const struct field *f, size_t nf, const void *r)
{
	cJSON *o = cJSON_CreateObject();

	enc_fields(o, f, nf, r);
	return o;
}

/* An array of n structs of shape sh at v, as member key of o. */
static void
enc_array(cJSON *o, const char *key, const struct shape *sh, const void *v, size_t n)
{
	cJSON *arr = cJSON_AddArrayToObject(o, key);

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr,
		                     enc_object(sh->f, sh->nf, (const char *)v + i * sh->size));
}

static int
fail_type(struct df_error *err, const char *where, const char *name, const char *want,
          const cJSON *v)
{
	return df_error_set(err, DF_FATAL, DF_E_PROTOCOL, "%s.%s: expected %s, got %s", where, name,
	                    want, proto_type_name(v));
}

static int
dec_actions(const cJSON *v, const char *where, const char *name, struct result_actions *a,
            struct df_error *err)
{
	const cJSON *it;

	if (!cJSON_IsArray(v))
		return fail_type(err, where, name, "an array", v);
	cJSON_ArrayForEach(it, v)
	{
		if (!cJSON_IsString(it))
			return fail_type(err, where, name, "an array of strings", it);
		if (a->n == RESULT_ACTIONS_MAX)
			return df_error_set(err, DF_FATAL, DF_E_PROTOCOL,
			                    "%s.%s: more than %d actions", where, name,
			                    RESULT_ACTIONS_MAX);
		a->name[a->n++] = it->valuestring;
	}
	return 0;
}

/* One member of an object into its field of r. */
static int
dec_field(const cJSON *v, const char *where, const struct field *f, void *r, struct df_error *err)
{
	double d;

	switch (f->kind) {
	case F_STR:
	case F_OSTR:
		if (cJSON_IsNull(v) && f->kind == F_OSTR)
			return 0;
		if (!cJSON_IsString(v))
			return fail_type(err, where, f->name, "a string", v);
		*AT(r, f->off, const char *) = v->valuestring;
		return 0;
	case F_INT:
	case F_OINT:
		d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
		if (!isfinite(d) || d != floor(d) || fabs(d) > (double)PROTO_MAX_ID)
			return fail_type(err, where, f->name, "an integer", v);
		*AT(r, f->off, int64_t) = (int64_t)d;
		if (f->kind == F_OINT)
			*AT(r, f->has, int) = 1;
		return 0;
	case F_BOOL:
		if (!cJSON_IsBool(v))
			return fail_type(err, where, f->name, "a boolean", v);
		*AT(r, f->off, int) = cJSON_IsTrue(v);
		return 0;
	case F_JSON:
		*AT(r, f->off, const cJSON *) = cJSON_IsNull(v) ? NULL : v;
		return 0;
	case F_ACTIONS:
		return dec_actions(v, where, f->name, AT(r, f->off, struct result_actions), err);
	}
	return 0;
}

static int
dec_fields(const cJSON *o, const char *where, const struct field *f, size_t nf, void *r,
           struct df_error *err)
{
	if (!cJSON_IsObject(o))
		return df_error_set(err, DF_FATAL, DF_E_PROTOCOL, "%s: expected an object, got %s",
		                    where, proto_type_name(o));
	for (size_t i = 0; i < nf; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, f[i].name);

		if (v == NULL) {
			if (f[i].kind == F_STR)
				return df_error_set(err, DF_FATAL, DF_E_PROTOCOL,
				                    "%s: missing \"%s\"", where, f[i].name);
			continue;
		}
		if (dec_field(v, where, &f[i], r, err) != 0)
			return -1;
	}
	return 0;
}

/*
 * Member key of o, an array of structs of shape sh, into a new array *out
 * of *n (absent: none). Returns 0, or -1 with err; *out is set either way.
 */
static int
dec_array(const cJSON *o, const char *where, const char *key, const struct shape *sh, void **out,
          size_t *n, struct df_error *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, key), *it;
	char path[160];

	*n = 0;
	*out = NULL;
	if (arr == NULL)
		return 0;
	if (!cJSON_IsArray(arr))
		return fail_type(err, where, key, "an array", arr);
	*out = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sh->size);
	cJSON_ArrayForEach(it, arr)
	{
		snprintf(path, sizeof(path), "%s.%s[%zu]", where, key, *n);
		if (dec_fields(it, path, sh->f, sh->nf, (char *)*out + *n * sh->size, err) != 0)
			return -1;
		(*n)++;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The results */

static int
dec_plain(const cJSON *j, const char *where, const struct field *f, size_t nf, void *r, size_t size,
          struct df_error *err)
{
	memset(r, 0, size);
	return dec_fields(j, where, f, nf, r, err);
}

cJSON *
result_start_json(const struct result_start *r)
{
	return enc_object(start_fields, NFIELDS(start_fields), r);
}

int
result_start_parse(const cJSON *j, struct result_start *r, struct df_error *err)
{
	return dec_plain(j, "start", start_fields, NFIELDS(start_fields), r, sizeof(*r), err);
}

cJSON *
result_run_state_json(const struct result_run_state *r)
{
	return enc_object(run_state_fields, NFIELDS(run_state_fields), r);
}

int
result_run_state_parse(const cJSON *j, struct result_run_state *r, struct df_error *err)
{
	return dec_plain(j, "result", run_state_fields, NFIELDS(run_state_fields), r, sizeof(*r),
	                 err);
}

cJSON *
result_decide_json(const struct result_decide *r)
{
	return enc_object(decide_fields, NFIELDS(decide_fields), r);
}

int
result_decide_parse(const cJSON *j, struct result_decide *r, struct df_error *err)
{
	return dec_plain(j, "decide", decide_fields, NFIELDS(decide_fields), r, sizeof(*r), err);
}

cJSON *
result_land_json(const struct result_land *r)
{
	return enc_object(land_fields, NFIELDS(land_fields), r);
}

int
result_land_parse(const cJSON *j, struct result_land *r, struct df_error *err)
{
	return dec_plain(j, "land", land_fields, NFIELDS(land_fields), r, sizeof(*r), err);
}

cJSON *
result_clean_json(const struct result_clean *r)
{
	return enc_object(clean_fields, NFIELDS(clean_fields), r);
}

int
result_clean_parse(const cJSON *j, struct result_clean *r, struct df_error *err)
{
	return dec_plain(j, "clean", clean_fields, NFIELDS(clean_fields), r, sizeof(*r), err);
}

cJSON *
result_answer_json(const struct result_answer *r)
{
	return enc_object(answer_fields, NFIELDS(answer_fields), r);
}

int
result_answer_parse(const cJSON *j, struct result_answer *r, struct df_error *err)
{
	return dec_plain(j, "answer", answer_fields, NFIELDS(answer_fields), r, sizeof(*r), err);
}

cJSON *
result_report_json(const struct result_report *r)
{
	return enc_object(report_fields, NFIELDS(report_fields), r);
}

int
result_report_parse(const cJSON *j, struct result_report *r, struct df_error *err)
{
	return dec_plain(j, "report", report_fields, NFIELDS(report_fields), r, sizeof(*r), err);
}

cJSON *
result_event_json(const struct result_event *r)
{
	return enc_object(event_fields, NFIELDS(event_fields), r);
}

int
result_event_parse(const cJSON *j, struct result_event *r, struct df_error *err)
{
	return dec_plain(j, "event", event_fields, NFIELDS(event_fields), r, sizeof(*r), err);
}

cJSON *
result_events_json(const struct result_events *r)
{
	cJSON *o = enc_object(events_fields, NFIELDS(events_fields), r);

	enc_array(o, "events", &event_shape, r->events, r->nevents);
	return o;
}

int
result_events_parse(const cJSON *j, struct result_events *r, struct df_error *err)
{
	memset(r, 0, sizeof(*r));
	if (dec_fields(j, "events", events_fields, NFIELDS(events_fields), r, err) != 0)
		return -1;
	return dec_array(j, "events", "events", &event_shape, (void **)&r->events, &r->nevents,
	                 err);
}

void
result_events_free(struct result_events *r)
{
	free(r->events);
	memset(r, 0, sizeof(*r));
}

cJSON *
result_ls_json(const struct result_ls *r)
{
	cJSON *o = cJSON_CreateObject();

	enc_array(o, "runs", &ls_run_shape, r->runs, r->nruns);
	return o;
}

int
result_ls_parse(const cJSON *j, struct result_ls *r, struct df_error *err)
{
	memset(r, 0, sizeof(*r));
	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "runs")))
		return fail_type(err, "ls", "runs", "an array",
		                 cJSON_GetObjectItemCaseSensitive(j, "runs"));
	return dec_array(j, "ls", "runs", &ls_run_shape, (void **)&r->runs, &r->nruns, err);
}

void
result_ls_free(struct result_ls *r)
{
	free(r->runs);
	memset(r, 0, sizeof(*r));
}

cJSON *
result_status_json(const struct result_status *r)
{
	cJSON *o = cJSON_CreateObject(), *arr;

	cJSON_AddItemToObject(o, "run", enc_object(run_fields, NFIELDS(run_fields), &r->run));
	enc_array(o, "phases", &phase_shape, r->phases, r->nphases);
	enc_array(o, "bindings", &binding_shape, r->bindings, r->nbindings);
	arr = cJSON_AddArrayToObject(o, "approvals");
	for (size_t i = 0; i < r->napprovals; i++) {
		const struct result_approval *a = &r->approvals[i];
		cJSON *x = enc_object(approval_fields, NFIELDS(approval_fields), a);

		enc_array(x, "decisions", &decision_shape, a->decisions, a->ndecisions);
		cJSON_AddItemToArray(arr, x);
	}
	enc_array(o, "sessions", &session_shape, r->sessions, r->nsessions);
	enc_array(o, "events", &event_shape, r->events, r->nevents);
	enc_array(o, "checks", &check_shape, r->checks, r->nchecks);
	return o;
}

int
result_status_parse(const cJSON *j, struct result_status *r, struct df_error *err)
{
	const cJSON *apv;
	char path[64];

	memset(r, 0, sizeof(*r));
	if (!cJSON_IsObject(j))
		return fail_type(err, "result", "status", "an object", j);
	if (dec_fields(cJSON_GetObjectItemCaseSensitive(j, "run"), "status.run", run_fields,
	               NFIELDS(run_fields), &r->run, err) != 0 ||
	    dec_array(j, "status", "phases", &phase_shape, (void **)&r->phases, &r->nphases, err) !=
	        0 ||
	    dec_array(j, "status", "bindings", &binding_shape, (void **)&r->bindings, &r->nbindings,
	              err) != 0 ||
	    dec_array(j, "status", "approvals", &approval_shape, (void **)&r->approvals,
	              &r->napprovals, err) != 0 ||
	    dec_array(j, "status", "sessions", &session_shape, (void **)&r->sessions, &r->nsessions,
	              err) != 0 ||
	    dec_array(j, "status", "events", &event_shape, (void **)&r->events, &r->nevents, err) !=
	        0 ||
	    dec_array(j, "status", "checks", &check_shape, (void **)&r->checks, &r->nchecks, err) !=
	        0)
		return -1;
	apv = cJSON_GetObjectItemCaseSensitive(j, "approvals");
	for (size_t i = 0; i < r->napprovals; i++) {
		struct result_approval *a = &r->approvals[i];

		snprintf(path, sizeof(path), "status.approvals[%zu]", i);
		if (dec_array(cJSON_GetArrayItem(apv, (int)i), path, "decisions", &decision_shape,
		              (void **)&a->decisions, &a->ndecisions, err) != 0)
			return -1;
	}
	return 0;
}

void
result_status_free(struct result_status *r)
{
	for (size_t i = 0; i < r->napprovals; i++)
		free(r->approvals[i].decisions);
	free(r->phases);
	free(r->bindings);
	free(r->approvals);
	free(r->sessions);
	free(r->events);
	free(r->checks);
	memset(r, 0, sizeof(*r));
}

cJSON *
result_sessions_json(const struct result_sessions *r)
{
	cJSON *o = cJSON_CreateObject();

	enc_array(o, "sessions", &sessions_item_shape, r->sessions, r->nsessions);
	return o;
}

int
result_sessions_parse(const cJSON *j, struct result_sessions *r, struct df_error *err)
{
	memset(r, 0, sizeof(*r));
	if (!cJSON_IsObject(j))
		return fail_type(err, "result", "sessions", "an object", j);
	return dec_array(j, "sessions", "sessions", &sessions_item_shape, (void **)&r->sessions,
	                 &r->nsessions, err);
}

void
result_sessions_free(struct result_sessions *r)
{
	free(r->sessions);
	memset(r, 0, sizeof(*r));
}

cJSON *
result_diff_json(const struct result_diff *r)
{
	cJSON *o = enc_object(diff_fields, NFIELDS(diff_fields), r);

	enc_array(o, "files", &diff_file_shape, r->files, r->nfiles);
	enc_fields(o, diff_tail_fields, NFIELDS(diff_tail_fields), r);
	return o;
}

int
result_diff_parse(const cJSON *j, struct result_diff *r, struct df_error *err)
{
	memset(r, 0, sizeof(*r));
	if (dec_fields(j, "diff", diff_fields, NFIELDS(diff_fields), r, err) != 0 ||
	    dec_fields(j, "diff", diff_tail_fields, NFIELDS(diff_tail_fields), r, err) != 0)
		return -1;
	return dec_array(j, "diff", "files", &diff_file_shape, (void **)&r->files, &r->nfiles, err);
}

void
result_diff_free(struct result_diff *r)
{
	free(r->files);
	memset(r, 0, sizeof(*r));
}

cJSON *
result_artifact_json(const struct result_artifact *r)
{
	return enc_object(artifact_fields, NFIELDS(artifact_fields), r);
}

int
result_artifact_parse(const cJSON *j, struct result_artifact *r, struct df_error *err)
{
	return dec_plain(j, "artifact", artifact_fields, NFIELDS(artifact_fields), r, sizeof(*r),
	                 err);
}

cJSON *
result_capture_json(const struct result_capture *r)
{
	return enc_object(capture_fields, NFIELDS(capture_fields), r);
}

int
result_capture_parse(const cJSON *j, struct result_capture *r, struct df_error *err)
{
	return dec_plain(j, "capture", capture_fields, NFIELDS(capture_fields), r, sizeof(*r), err);
}

cJSON *
result_backends_json(const struct result_backends *r)
{
	cJSON *o = enc_object(backends_fields, NFIELDS(backends_fields), r);

	enc_array(o, "backends", &backend_shape, r->backends, r->nbackends);
	enc_array(o, "roles", &role_shape, r->roles, r->nroles);
	return o;
}

int
result_backends_parse(const cJSON *j, struct result_backends *r, struct df_error *err)
{
	memset(r, 0, sizeof(*r));
	if (dec_fields(j, "backends", backends_fields, NFIELDS(backends_fields), r, err) != 0 ||
	    dec_array(j, "backends", "backends", &backend_shape, (void **)&r->backends,
	              &r->nbackends, err) != 0)
		return -1;
	return dec_array(j, "backends", "roles", &role_shape, (void **)&r->roles, &r->nroles, err);
}

void
result_backends_free(struct result_backends *r)
{
	free(r->backends);
	free(r->roles);
	memset(r, 0, sizeof(*r));
}

cJSON *
result_history_json(const struct result_history *r)
{
	cJSON *o = enc_object(history_fields, NFIELDS(history_fields), r), *arr;

	if (r->lines == NULL) {
		cJSON_AddNullToObject(o, "lines");
		return o;
	}
	arr = cJSON_AddArrayToObject(o, "lines");
	for (size_t i = 0; i < r->nlines; i++) {
		cJSON *line = cJSON_CreateObject();

		cJSON_AddItemToObject(line, "spans", proto_spans_json(&r->lines[i]));
		cJSON_AddItemToArray(arr, line);
	}
	return o;
}

int
result_history_parse(const cJSON *j, struct result_history *r, struct df_error *err)
{
	const cJSON *arr, *it;
	char path[64];
	int cols;

	memset(r, 0, sizeof(*r));
	if (dec_fields(j, "history", history_fields, NFIELDS(history_fields), r, err) != 0)
		return -1;
	arr = cJSON_GetObjectItemCaseSensitive(j, "lines");
	if (arr == NULL || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return fail_type(err, "history", "lines", "an array", arr);
	cols = r->cols >= 1 && r->cols <= PROTO_MAX_COLS ? (int)r->cols : PROTO_MAX_COLS;
	r->lines = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*r->lines));
	cJSON_ArrayForEach(it, arr)
	{
		struct proto_row *row = &r->lines[r->nlines];

		snprintf(path, sizeof(path), "history.lines[%zu]", r->nlines);
		row->y = (int)r->nlines++;
		if (!cJSON_IsObject(it))
			return fail_type(err, "history", path + 8, "an object", it);
		if (proto_spans_parse(cJSON_GetObjectItemCaseSensitive(it, "spans"), path, cols,
		                      row, err) != 0)
			return -1;
	}
	return 0;
}

void
result_history_free(struct result_history *r)
{
	for (size_t i = 0; i < r->nlines; i++)
		proto_row_clear(&r->lines[i]);
	free(r->lines);
	memset(r, 0, sizeof(*r));
}

cJSON *
result_history_search_json(const struct result_history_search *r)
{
	return enc_object(history_search_fields, NFIELDS(history_search_fields), r);
}

int
result_history_search_parse(const cJSON *j, struct result_history_search *r, struct df_error *err)
{
	return dec_plain(j, "history-search", history_search_fields, NFIELDS(history_search_fields),
	                 r, sizeof(*r), err);
}

cJSON *
result_ping_json(const struct result_ping *r)
{
	return enc_object(ping_fields, NFIELDS(ping_fields), r);
}

int
result_ping_parse(const cJSON *j, struct result_ping *r, struct df_error *err)
{
	return dec_plain(j, "ping", ping_fields, NFIELDS(ping_fields), r, sizeof(*r), err);
}

cJSON *
result_reload_json(const struct result_reload *r)
{
	return enc_object(reload_fields, NFIELDS(reload_fields), r);
}

int
result_reload_parse(const cJSON *j, struct result_reload *r, struct df_error *err)
{
	return dec_plain(j, "reload", reload_fields, NFIELDS(reload_fields), r, sizeof(*r), err);
}
