/*
 * The final report of a run: what it did, as JSON (common/final-report@1,
 * the reference's buildFinalReport) and as Markdown a person wants to read
 * (phases with states and attempts, approvals with who decided what and
 * their comments, findings, commands with exit codes, artifacts with their
 * hashes, what is left unresolved). Both files live in <workspace>/<run-id>/
 * as <run-id>.report.json and <run-id>.report.md and are written
 * atomically (temporary file, fsync, rename).
 */
#ifndef DEVFLOW_REPORT_H
#define DEVFLOW_REPORT_H

#include "lib/error.h"
#include "schema/schema.h"
#include "store/store.h"

/* How many of the last events the report carries. */
#define REPORT_EVENTS_TAIL 200

/*
 * Build the report of run_id with the given terminal status from the store,
 * validate it against common/final-report@1, write both files and record
 * the Markdown path (and ended_at = ended_at or now_ts) on the run. Returns 0,
 * or -1 with err (run_not_found; internal_state_corruption when the composed
 * report does not validate, the validator's errors in the hint; io_error
 * naming the file). Nothing is recorded on failure.
 */
int report_compose(struct store *st, const struct schema_registry *reg, const char *workspace,
                   const char *run_id, const char *status, const char *now_ts,
                   struct df_error *err);

/*
 * The fallback when report_compose failed: a stub report with empty
 * collections, inputs {} and unresolved ["final_report_compose_failed"],
 * written and recorded like the full one. Returns 0 or -1 with err.
 */
int report_write_stub(struct store *st, const char *workspace, const char *run_id,
                      const char *status, const char *now_ts, struct df_error *err);

/*
 * The Markdown rendering of a report (JSON text as written by
 * report_compose). Returns a string the caller frees, or NULL when
 * report_json is not a JSON object.
 */
char *report_markdown(const char *report_json);

#endif
