/*
 * Final reports (see report.h). The JSON follows the reference's
 * buildFinalReport field for field; the Markdown is rendered from that JSON
 * (so the stub report renders too) and is meant for a person: tables for
 * phases and artifacts, and each approval with its decisions, who made them
 * and the comment they left.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "lib/buf.h"
#include "lib/json.h"
#include "lib/paths.h"
#include "store/states.h"
#include "lib/xalloc.h"
#include "report.h"

static cJSON *
json_or(const char *text, cJSON *fallback)
{
	cJSON *v = text ? cJSON_Parse(text) : NULL;

	if (v == NULL)
		return fallback;
	cJSON_Delete(fallback);
	return v;
}

static int
write_atomic(const char *path, const char *data, struct df_error *err)
{
	char *tmp = xasprintf("%s.%ld.tmp", path, (long)getpid());
	size_t len = strlen(data), off = 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0) {
		df_error_set(err, DF_FATAL, DF_E_IO, "cannot write %s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)w;
	}
	if (off < len || fsync(fd) != 0) {
		df_error_set(err, DF_FATAL, DF_E_IO, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		df_error_set(err, DF_FATAL, DF_E_IO, "cannot rename %s to %s: %s", tmp, path,
		             strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

/* Write <ws>/<run>/<run>.report.{json,md} and record the path. */
static int
write_report(struct store *st, const char *workspace, const char *run_id, const cJSON *report,
             const char *now_ts, struct df_error *err)
{
	char *dir = xasprintf("%s/%s", workspace, run_id);
	char *json_path = xasprintf("%s/%s.report.json", dir, run_id);
	char *md_path = xasprintf("%s/%s.report.md", dir, run_id);
	char *text = cJSON_Print(report);
	char *json_text = xasprintf("%s\n", text);
	char *md = report_markdown(json_text);
	int rc = -1;

	if (paths_mkdir_p(dir, 0700) != 0) {
		df_error_set(err, DF_FATAL, DF_E_IO, "cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	if (write_atomic(json_path, json_text, err) != 0 || write_atomic(md_path, md, err) != 0)
		goto out;
	rc = store_run_set_report(st, run_id, md_path, now_ts, err);
out:
	cJSON_free(text);
	free(json_text);
	free(md);
	free(dir);
	free(json_path);
	free(md_path);
	return rc;
}

static void
report_bindings(cJSON *r, const struct store_binding *b, size_t nb)
{
	cJSON *arr = cJSON_AddArrayToObject(r, "bindings");

	for (size_t i = 0; i < nb; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "roleId", b[i].role_id);
		cJSON_AddStringToObject(o, "personaHash", b[i].persona_hash);
		cJSON_AddStringToObject(o, "backend", b[i].backend);
		cJSON_AddItemToArray(arr, o);
	}
}

static void
report_inputs(cJSON *r, const struct store_run_inputs *in)
{
	cJSON *o = cJSON_AddObjectToObject(r, "inputs");

	cJSON_AddStringToObject(o, "requirementsMd",
	                        in->requirements_md ? in->requirements_md : "");
	cJSON_AddItemToObject(o, "objective", json_or(in->objective, cJSON_CreateNull()));
	cJSON_AddItemToObject(o, "extra", json_or(in->extra, cJSON_CreateNull()));
	cJSON_AddStringToObject(o, "inputHash", in->input_hash ? in->input_hash : "");
}

/* An item of unresolved: {"type": TYPE, "<TYPE>Id": ID, KEY_NAME: KEY, "state": STATE}. */
static void
unresolved_add(cJSON *unresolved, const char *type, const char *id, const char *key_name,
               const char *key, const char *state)
{
	cJSON *u = cJSON_CreateObject();
	char id_name[32];

	snprintf(id_name, sizeof(id_name), "%sId", type);
	cJSON_AddStringToObject(u, "type", type);
	cJSON_AddStringToObject(u, id_name, id);
	cJSON_AddStringToObject(u, key_name, key);
	cJSON_AddStringToObject(u, "state", state);
	cJSON_AddItemToArray(unresolved, u);
}

/*
 * The phases; those that failed, or did not finish in a run that did not
 * complete, are added to unresolved.
 */
static void
report_phases(cJSON *r, const struct store_phase *p, size_t np, const char *status,
              cJSON *unresolved)
{
	cJSON *arr = cJSON_AddArrayToObject(r, "phases");

	for (size_t i = 0; i < np; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "id", p[i].id);
		cJSON_AddStringToObject(o, "phaseKey", p[i].phase_key);
		cJSON_AddNumberToObject(o, "seq", p[i].seq);
		cJSON_AddStringToObject(o, "state", p[i].state);
		cJSON_AddNumberToObject(o, "attempts", p[i].attempts);
		cJSON_AddNumberToObject(o, "repairs", p[i].repairs);
		cJSON_AddItemToObject(o, "startedAt", json_str_or_null(p[i].started_at));
		cJSON_AddItemToObject(o, "endedAt", json_str_or_null(p[i].ended_at));
		cJSON_AddItemToArray(arr, o);
		if (strcmp(p[i].state, DF_PHASE(FAILED)) == 0 ||
		    (strcmp(status, DF_RUN(COMPLETED)) != 0 &&
		     strcmp(p[i].state, DF_PHASE(COMPLETED)) != 0 &&
		     strcmp(p[i].state, DF_PHASE(SKIPPED)) != 0)) {
			unresolved_add(unresolved, "phase", p[i].id, "phaseKey", p[i].phase_key,
			               p[i].state);
		}
	}
}

/*
 * The approval requests with their decisions (read here); pending ones are
 * added to unresolved. 0, or -1 with err.
 */
static int
report_approvals(struct store *st, cJSON *r, const struct store_approval *a, size_t na,
                 cJSON *unresolved, struct df_error *err)
{
	cJSON *arr = cJSON_AddArrayToObject(r, "approvals");

	for (size_t i = 0; i < na; i++) {
		struct store_decision *d = NULL;
		size_t nd = 0;
		cJSON *o, *darr;

		if (store_decisions_list(st, a[i].id, &d, &nd, err) != 0)
			return -1;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", a[i].id);
		cJSON_AddItemToObject(o, "phaseId", json_str_or_null(a[i].phase_id));
		cJSON_AddStringToObject(o, "gateKey", a[i].gate_key);
		cJSON_AddStringToObject(o, "kind", a[i].kind);
		cJSON_AddStringToObject(o, "state", a[i].state);
		cJSON_AddStringToObject(o, "createdAt", a[i].created_at);
		cJSON_AddItemToObject(o, "resolvedAt", json_str_or_null(a[i].resolved_at));
		darr = cJSON_AddArrayToObject(o, "decisions");
		for (size_t j = 0; j < nd; j++) {
			cJSON *x = cJSON_CreateObject();

			cJSON_AddStringToObject(x, "action", d[j].action);
			cJSON_AddStringToObject(x, "actor", d[j].actor);
			cJSON_AddItemToObject(x, "comment", json_str_or_null(d[j].comment));
			cJSON_AddStringToObject(x, "createdAt", d[j].created_at);
			cJSON_AddItemToArray(darr, x);
		}
		store_decisions_free(d, nd);
		cJSON_AddItemToArray(arr, o);
		if (strcmp(a[i].state, DF_APPROVAL(PENDING)) == 0)
			unresolved_add(unresolved, "approval", a[i].id, "gateKey", a[i].gate_key,
			               a[i].state);
	}
	return 0;
}

static void
report_findings(cJSON *r, const struct store_finding *f, size_t nf)
{
	cJSON *arr = cJSON_AddArrayToObject(r, "findings");

	for (size_t i = 0; i < nf; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddItemToObject(o, "phaseId", json_str_or_null(f[i].phase_id));
		cJSON_AddStringToObject(o, "severity", f[i].severity);
		cJSON_AddStringToObject(o, "message", f[i].message);
		cJSON_AddItemToObject(o, "file", json_str_or_null(f[i].file));
		if (f[i].line > 0)
			cJSON_AddNumberToObject(o, "line", f[i].line);
		else
			cJSON_AddNullToObject(o, "line");
		cJSON_AddItemToArray(arr, o);
	}
}

static void
report_commands(cJSON *r, const struct store_command *c, size_t nc)
{
	cJSON *arr = cJSON_AddArrayToObject(r, "commands");

	for (size_t i = 0; i < nc; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "kind", c[i].kind);
		cJSON_AddItemToObject(o, "argv", json_or(c[i].argv, cJSON_CreateArray()));
		if (c[i].has_exit_code)
			cJSON_AddNumberToObject(o, "exit_code", c[i].exit_code);
		else
			cJSON_AddNullToObject(o, "exit_code");
		cJSON_AddStringToObject(o, "source", "agent");
		cJSON_AddItemToArray(arr, o);
	}
}

/* A check devflow ran (check.passed / check.failed payload) as a report command. */
static cJSON *
devflow_command(const struct store_event *ev)
{
	cJSON *pl = json_or(ev->payload, cJSON_CreateObject()), *o = cJSON_CreateObject();
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(pl, "exitCode");
	const char *keys[] = { "name",   "phaseKey",   "attempt",    "repair", "timedOut",
		               "signal", "durationMs", "outputPath", "capped", "error" };

	cJSON_AddStringToObject(o, "kind", "check");
	cJSON_AddItemToObject(o, "argv",
	                      cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(pl, "argv"))
	                          ? cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(pl, "argv"), 1)
	                          : cJSON_CreateArray());
	if (cJSON_IsNumber(code) && code->valueint >= 0)
		cJSON_AddNumberToObject(o, "exit_code", code->valueint);
	else
		cJSON_AddNullToObject(o, "exit_code");
	cJSON_AddStringToObject(o, "source", "devflow");
	cJSON_AddBoolToObject(o, "passed", strcmp(ev->type, "check.passed") == 0);
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(pl, keys[k]);

		if (v != NULL)
			cJSON_AddItemToObject(o, keys[k], cJSON_Duplicate(v, 1));
	}
	cJSON_Delete(pl);
	return o;
}

/* A review round (review.round payload) as the report tells it. */
static cJSON *
review_round(const struct store_event *ev)
{
	cJSON *pl = json_or(ev->payload, cJSON_CreateObject()), *o = cJSON_CreateObject();
	const char *keys[] = { "phaseKey", "targetPhaseKey", "round",  "cause",
		               "actor",    "comment",        "summary" };

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(pl, keys[k]);

		if (v != NULL)
			cJSON_AddItemToObject(o, keys[k], cJSON_Duplicate(v, 1));
	}
	cJSON_AddNumberToObject(
	    o, "findings", cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(pl, "findings")));
	cJSON_Delete(pl);
	return o;
}

/* The checks devflow ran (into commands, source "devflow") and the review rounds, from events. */
static void
report_from_events(cJSON *r, const struct store_event *ev, size_t nev)
{
	cJSON *cmds = cJSON_GetObjectItemCaseSensitive(r, "commands");
	cJSON *rounds = cJSON_AddArrayToObject(r, "reviewRounds");

	for (size_t i = 0; i < nev; i++) {
		if (strcmp(ev[i].type, "check.passed") == 0 ||
		    strcmp(ev[i].type, "check.failed") == 0)
			cJSON_AddItemToArray(cmds, devflow_command(&ev[i]));
		else if (strcmp(ev[i].type, "review.round") == 0)
			cJSON_AddItemToArray(rounds, review_round(&ev[i]));
	}
}

static void
report_artifacts(cJSON *r, const struct store_artifact *art, size_t nart)
{
	cJSON *arr = cJSON_AddArrayToObject(r, "artifacts");

	for (size_t i = 0; i < nart; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "path", art[i].path);
		cJSON_AddStringToObject(o, "schemaId", art[i].schema_id);
		cJSON_AddStringToObject(o, "hash", art[i].hash);
		cJSON_AddBoolToObject(o, "valid", art[i].valid);
		cJSON_AddItemToObject(o, "phaseId", json_str_or_null(art[i].phase_id));
		cJSON_AddNumberToObject(o, "attempt", art[i].attempt);
		cJSON_AddStringToObject(o, "createdAt", art[i].created_at);
		cJSON_AddItemToArray(arr, o);
	}
}

static void
report_events(cJSON *r, const struct store_event *ev, size_t nev)
{
	cJSON *arr = cJSON_AddArrayToObject(cJSON_AddObjectToObject(r, "events"), "tail");

	for (size_t i = 0; i < nev; i++) {
		cJSON *x = cJSON_CreateObject();
		char id[32];

		snprintf(id, sizeof(id), "%lld", (long long)ev[i].id);
		cJSON_AddStringToObject(x, "id", id);
		cJSON_AddNumberToObject(x, "seq", (double)ev[i].seq);
		cJSON_AddStringToObject(x, "type", ev[i].type);
		cJSON_AddItemToObject(x, "payload", json_or(ev[i].payload, cJSON_CreateObject()));
		cJSON_AddStringToObject(x, "ts", ev[i].ts);
		cJSON_AddItemToArray(arr, x);
	}
}

static cJSON *
build_report(struct store *st, const struct store_run *run, const char *status, const char *now_ts,
             struct df_error *err)
{
	struct store_run_inputs in;
	struct store_binding *b = NULL;
	struct store_phase *p = NULL;
	struct store_approval *a = NULL;
	struct store_finding *f = NULL;
	struct store_command *c = NULL;
	struct store_artifact *art = NULL;
	struct store_event *ev = NULL, *all = NULL;
	size_t nb = 0, np = 0, na = 0, nf = 0, nc = 0, nart = 0, nev = 0, nall = 0;
	cJSON *r = NULL, *unresolved;
	int rc;

	rc = store_run_inputs_get(st, run->id, &in, err);
	if (rc < 0)
		return NULL;
	if (store_bindings_list(st, run->id, &b, &nb, err) != 0 ||
	    store_phases_list(st, run->id, &p, &np, err) != 0 ||
	    store_approvals_list(st, run->id, &a, &na, err) != 0 ||
	    store_findings_list(st, run->id, &f, &nf, err) != 0 ||
	    store_commands_list(st, run->id, &c, &nc, err) != 0 ||
	    store_artifacts_list(st, run->id, &art, &nart, err) != 0 ||
	    store_events_tail(st, run->id, REPORT_EVENTS_TAIL, &ev, &nev, err) != 0 ||
	    store_events_list(st, run->id, 0, 0, &all, &nall, err) != 0)
		goto out;

	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "runId", run->id);
	cJSON_AddStringToObject(r, "templateHash", run->template_hash);
	report_bindings(r, b, nb);
	report_inputs(r, &in);
	unresolved = cJSON_CreateArray();
	report_phases(r, p, np, status, unresolved);
	if (report_approvals(st, r, a, na, unresolved, err) != 0) {
		cJSON_Delete(unresolved);
		cJSON_Delete(r);
		r = NULL;
		goto out;
	}
	report_findings(r, f, nf);
	report_commands(r, c, nc);
	report_from_events(r, all, nall);
	report_artifacts(r, art, nart);
	report_events(r, ev, nev);
	cJSON_AddItemToObject(r, "unresolved", unresolved);
	cJSON_AddStringToObject(r, "endedAt", run->ended_at ? run->ended_at : now_ts);
	cJSON_AddStringToObject(r, "status", status);
out:
	store_run_inputs_clear(&in);
	store_bindings_free(b, nb);
	store_phases_free(p, np);
	store_approvals_free(a, na);
	store_findings_free(f, nf);
	store_commands_free(c, nc);
	store_artifacts_free(art, nart);
	store_events_free(ev, nev);
	store_events_free(all, nall);
	return r;
}

static int
get_run(struct store *st, const char *run_id, struct store_run *run, struct df_error *err)
{
	int rc = store_run_get(st, run_id, run, err);

	if (rc == 0) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_RUN_NOT_FOUND, "run %s does not exist",
		             run_id);
		if (err)
			snprintf(err->run_id, sizeof(err->run_id), "%s", run_id);
	}
	return rc == 1 ? 0 : -1;
}

int
report_compose(struct store *st, const struct schema_registry *reg, const char *workspace,
               const char *run_id, const char *status, const char *now_ts, struct df_error *err)
{
	struct schema_errors errs = { 0 };
	struct store_run run;
	cJSON *report;
	int rc = -1, valid;

	if (get_run(st, run_id, &run, err) != 0)
		return -1;
	report = build_report(st, &run, status, now_ts, err);
	if (report == NULL)
		goto out;
	if (reg == NULL) {
		df_error_set(err, DF_FATAL, DF_E_SCHEMA_NOT_FOUND,
		             "no schema registry to validate the final report of run %s", run_id);
		goto out;
	}
	valid = schema_validate(reg, "common/final-report@1", report, &errs, err);
	if (valid < 0)
		goto out;
	if (valid == 0) {
		char *first = errs.count ? schema_error_format(&errs.items[0]) : xstrdup("?");

		df_error_set(err, DF_FATAL, DF_E_INTERNAL_STATE_CORRUPTION,
		             "the final report of run %s does not validate against "
		             "common/final-report@1 (%zu errors)",
		             run_id, errs.count);
		df_error_hint(err, "%s", first);
		if (err)
			snprintf(err->run_id, sizeof(err->run_id), "%s", run_id);
		free(first);
		goto out;
	}
	rc = write_report(st, workspace, run_id, report, now_ts, err);
out:
	schema_errors_free(&errs);
	cJSON_Delete(report);
	store_run_clear(&run);
	return rc;
}

int
report_write_stub(struct store *st, const char *workspace, const char *run_id, const char *status,
                  const char *now_ts, struct df_error *err)
{
	struct store_run run;
	cJSON *r, *o;
	int rc, have = store_run_get(st, run_id, &run, err);

	if (have < 0)
		return -1;
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "runId", run_id);
	cJSON_AddStringToObject(
	    r, "templateHash",
	    have && run.template_hash
	        ? run.template_hash
	        : "0000000000000000000000000000000000000000000000000000000000000000");
	cJSON_AddArrayToObject(r, "bindings");
	cJSON_AddObjectToObject(r, "inputs");
	cJSON_AddArrayToObject(r, "phases");
	cJSON_AddArrayToObject(r, "approvals");
	cJSON_AddArrayToObject(r, "findings");
	cJSON_AddArrayToObject(r, "commands");
	cJSON_AddArrayToObject(r, "artifacts");
	o = cJSON_AddObjectToObject(r, "events");
	cJSON_AddArrayToObject(o, "tail");
	o = cJSON_AddArrayToObject(r, "unresolved");
	cJSON_AddItemToArray(o, cJSON_CreateString("final_report_compose_failed"));
	cJSON_AddStringToObject(r, "endedAt", have && run.ended_at ? run.ended_at : now_ts);
	cJSON_AddStringToObject(r, "status", status);
	rc = have ? write_report(st, workspace, run_id, r, now_ts, err)
	          : df_error_set(err, DF_HUMAN_REQUIRED, DF_E_RUN_NOT_FOUND,
	                         "run %s does not exist", run_id);
	cJSON_Delete(r);
	store_run_clear(&run);
	return rc;
}

/* ---- Markdown ---- */

static long
jint(const cJSON *o, const char *key, long dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	long long n;

	return json_int(v, -JSON_INT_LIMIT, JSON_INT_LIMIT, &n) == 0 ? (long)n : dflt;
}

/* Markdown table cells may not hold '|' or newlines. */
static void
cell(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			buf_puts(b, "\\|");
		else if (*s == '\n')
			buf_putc(b, ' ');
		else
			buf_putc(b, *s);
	}
}

/* A quoted block: every line prefixed with "> ". */
static void
quote(struct buf *b, const char *indent, const char *s)
{
	buf_printf(b, "%s> ", indent);
	for (; *s; s++) {
		buf_putc(b, *s);
		if (*s == '\n' && s[1])
			buf_printf(b, "%s> ", indent);
	}
	buf_putc(b, '\n');
}

static const char *
phase_key_of(const cJSON *phases, const char *phase_id)
{
	const cJSON *p;

	if (phase_id == NULL)
		return NULL;
	cJSON_ArrayForEach(p, phases)
	{
		if (strcmp(json_str(p, "id", ""), phase_id) == 0)
			return json_str(p, "phaseKey", NULL);
	}
	return NULL;
}

/* The title, the run's status, times and hashes, and the requirements quoted. */
static void
md_header(struct buf *b, const cJSON *r)
{
	const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(r, "inputs");

	buf_printf(b, "# devflow run %s\n\n", json_str(r, "runId", "?"));
	buf_printf(b, "- Status: **%s**\n", json_str(r, "status", "?"));
	buf_printf(b, "- Ended: %s\n", json_str(r, "endedAt", "?"));
	buf_printf(b, "- Template hash: `%s`\n", json_str(r, "templateHash", "?"));
	if (json_str(inputs, "inputHash", NULL))
		buf_printf(b, "- Input hash: `%s`\n", json_str(inputs, "inputHash", ""));
	buf_putc(b, '\n');

	if (json_str(inputs, "requirementsMd", NULL)) {
		buf_puts(b, "## Requirements\n\n");
		quote(b, "", json_str(inputs, "requirementsMd", ""));
		buf_putc(b, '\n');
	}
}

/*
 * "## TITLE" and a blank line; for an empty (or missing) list NONE after it
 * and NULL, else the list, for the caller to write its items.
 */
static const cJSON *
md_section(struct buf *b, const char *title, const cJSON *list, const char *none)
{
	buf_printf(b, "## %s\n\n", title);
	if (cJSON_GetArraySize(list) > 0)
		return list;
	buf_puts(b, none);
	return NULL;
}

/* A table row's first two cells, "| ONE | TWO", escaped. */
static void
md_cells(struct buf *b, const char *one, const char *two)
{
	buf_puts(b, "| ");
	cell(b, one);
	buf_puts(b, " | ");
	cell(b, two);
}

static void
md_bindings(struct buf *b, const cJSON *r)
{
	const cJSON *x, *list;

	list = md_section(b, "Bindings", cJSON_GetObjectItemCaseSensitive(r, "bindings"),
	                  "None recorded.\n\n");
	if (list == NULL)
		return;
	buf_puts(b, "| Role | Backend | Persona hash |\n|---|---|---|\n");
	cJSON_ArrayForEach(x, list)
	{
		md_cells(b, json_str(x, "roleId", "?"), json_str(x, "backend", "?"));
		buf_printf(b, " | `%.12s` |\n", json_str(x, "personaHash", ""));
	}
	buf_putc(b, '\n');
}

static void
md_phases(struct buf *b, const cJSON *phases)
{
	const cJSON *x;

	if (md_section(b, "Phases", phases, "None recorded.\n\n") == NULL)
		return;
	buf_puts(b, "| # | Phase | State | Attempts | Repairs |\n|---|---|---|---|---|\n");
	cJSON_ArrayForEach(x, phases)
	{
		buf_printf(b, "| %ld | ", jint(x, "seq", 0));
		cell(b, json_str(x, "phaseKey", "?"));
		buf_printf(b, " | %s | %ld | %ld |\n", json_str(x, "state", "?"),
		           jint(x, "attempts", 0), jint(x, "repairs", 0));
	}
	buf_putc(b, '\n');
}

/* Each gate with its phase and state, and each decision: who, when, and the comment quoted. */
static void
md_approvals(struct buf *b, const cJSON *r, const cJSON *phases)
{
	const cJSON *x, *list;

	list = md_section(b, "Approvals", cJSON_GetObjectItemCaseSensitive(r, "approvals"),
	                  "None.\n\n");
	if (list == NULL)
		return;
	cJSON_ArrayForEach(x, list)
	{
		const char *key = phase_key_of(phases, json_str(x, "phaseId", NULL));
		const cJSON *d;

		buf_printf(b, "- Gate **%s**", json_str(x, "gateKey", "?"));
		if (key)
			buf_printf(b, " (phase %s)", key);
		buf_printf(b, ": %s\n", json_str(x, "state", "?"));
		cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(x, "decisions"))
		{
			const char *comment = json_str(d, "comment", NULL);

			buf_printf(b, "  - %s by %s at %s%s\n", json_str(d, "action", "?"),
			           json_str(d, "actor", "?"), json_str(d, "createdAt", "?"),
			           comment && *comment ? ":" : "");
			if (comment && *comment)
				quote(b, "    ", comment);
		}
	}
	buf_putc(b, '\n');
}

static void
md_findings(struct buf *b, const cJSON *r)
{
	const cJSON *x, *list;

	list =
	    md_section(b, "Findings", cJSON_GetObjectItemCaseSensitive(r, "findings"), "None.\n\n");
	if (list == NULL)
		return;
	cJSON_ArrayForEach(x, list)
	{
		buf_printf(b, "- [%s] ", json_str(x, "severity", "?"));
		if (json_str(x, "file", NULL)) {
			buf_printf(b, "`%s", json_str(x, "file", ""));
			if (jint(x, "line", 0) > 0)
				buf_printf(b, ":%ld", jint(x, "line", 0));
			buf_puts(b, "` ");
		}
		buf_printf(b, "%s\n", json_str(x, "message", ""));
	}
	buf_putc(b, '\n');
}

static void
md_commands(struct buf *b, const cJSON *r)
{
	const cJSON *x, *list;

	list =
	    md_section(b, "Commands", cJSON_GetObjectItemCaseSensitive(r, "commands"), "None.\n\n");
	if (list == NULL)
		return;
	cJSON_ArrayForEach(x, list)
	{
		const cJSON *a, *ec = cJSON_GetObjectItemCaseSensitive(x, "exit_code");
		int first = 1;

		if (strcmp(json_str(x, "source", "agent"), "devflow") == 0)
			buf_printf(b, "- %s %s (run by devflow, %s): `", json_str(x, "kind", "?"),
			           json_str(x, "name", "?"),
			           cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "passed"))
			               ? "passed"
			               : "failed");
		else
			buf_printf(b, "- %s: `", json_str(x, "kind", "?"));
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(x, "argv"))
		{
			buf_printf(b, "%s%s", first ? "" : " ",
			           cJSON_IsString(a) ? a->valuestring : "?");
			first = 0;
		}
		if (cJSON_IsNumber(ec))
			buf_printf(b, "` exit %d\n", ec->valueint);
		else
			buf_puts(b, "` exit unknown\n");
	}
	buf_putc(b, '\n');
}

/* "- round 1: review sent implement back (2 findings): summary", or "… (bob's change request):
 * comment". */
static void
md_review_rounds(struct buf *b, const cJSON *r)
{
	const cJSON *x, *list = cJSON_GetObjectItemCaseSensitive(r, "reviewRounds");

	if (cJSON_GetArraySize(list) == 0)
		return; /* no section for runs without review rounds (and older reports) */
	md_section(b, "Review rounds", list, "");
	cJSON_ArrayForEach(x, list)
	{
		int human = strcmp(json_str(x, "cause", ""), "human") == 0;

		if (human)
			buf_printf(b, "- %s sent %s back (%s's change request)",
			           json_str(x, "phaseKey", "?"), json_str(x, "targetPhaseKey", "?"),
			           json_str(x, "actor", "a person"));
		else
			buf_printf(b, "- round %ld: %s sent %s back (%ld findings)",
			           jint(x, "round", 0), json_str(x, "phaseKey", "?"),
			           json_str(x, "targetPhaseKey", "?"), jint(x, "findings", 0));
		if (json_str(x, human ? "comment" : "summary", NULL) != NULL)
			buf_printf(b, ": %s", json_str(x, human ? "comment" : "summary", ""));
		buf_putc(b, '\n');
	}
	buf_putc(b, '\n');
}

static void
md_artifacts(struct buf *b, const cJSON *r)
{
	const cJSON *x, *list;

	list = md_section(b, "Artifacts", cJSON_GetObjectItemCaseSensitive(r, "artifacts"),
	                  "None.\n\n");
	if (list == NULL)
		return;
	buf_puts(b, "| Path | Schema | Valid | SHA-256 |\n|---|---|---|---|\n");
	cJSON_ArrayForEach(x, list)
	{
		md_cells(b, json_str(x, "path", "?"), json_str(x, "schemaId", "?"));
		buf_printf(b, " | %s | `%s` |\n",
		           cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "valid")) ? "yes"
		                                                                      : "no",
		           json_str(x, "hash", ""));
	}
	buf_putc(b, '\n');
}

static void
md_unresolved(struct buf *b, const cJSON *r)
{
	const cJSON *x, *list;

	list = md_section(b, "Unresolved", cJSON_GetObjectItemCaseSensitive(r, "unresolved"),
	                  "Nothing.\n");
	if (list == NULL)
		return;
	cJSON_ArrayForEach(x, list)
	{
		if (cJSON_IsString(x))
			buf_printf(b, "- %s\n", x->valuestring);
		else if (strcmp(json_str(x, "type", ""), "approval") == 0)
			buf_printf(b, "- approval %s (gate %s) is %s\n",
			           json_str(x, "approvalId", "?"), json_str(x, "gateKey", "?"),
			           json_str(x, "state", "?"));
		else
			buf_printf(b, "- phase %s is %s\n", json_str(x, "phaseKey", "?"),
			           json_str(x, "state", "?"));
	}
}

char *
report_markdown(const char *report_json)
{
	cJSON *r = cJSON_Parse(report_json ? report_json : "");
	const cJSON *phases;
	struct buf b = BUF_INIT;

	if (!cJSON_IsObject(r)) {
		cJSON_Delete(r);
		return NULL;
	}
	phases = cJSON_GetObjectItemCaseSensitive(r, "phases");
	md_header(&b, r);
	md_bindings(&b, r);
	md_phases(&b, phases);
	md_approvals(&b, r, phases);
	md_findings(&b, r);
	md_review_rounds(&b, r);
	md_commands(&b, r);
	md_artifacts(&b, r);
	md_unresolved(&b, r);
	cJSON_Delete(r);
	return buf_detach(&b);
}
