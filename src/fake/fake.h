/*
 * The brain of the bundled fake agent, kept apart from its terminal front end
 * (src/fake/fake-agent.c) so it can be unit-tested: reading the phase instruction
 * text of docs/instructions.md, choosing a scenario (docs/fake-agent.md), and
 * composing the artifact a scenario writes — a known shape for the dev/
 * schemas, a minimal instance generated from the schema for anything else.
 * Nothing here touches the terminal or the file system.
 */
#ifndef DEVFLOW_FAKE_H
#define DEVFLOW_FAKE_H

#include "lib/buf.h"
#include "lib/error.h"

/* What the fake agent needs from one instruction text. Strings are owned. */
struct fake_instr {
	char *phase_key;         /* "plan"; NULL when the header line is missing */
	char *phase_title;       /* "Plan the work"; NULL when absent */
	char *artifact_path;     /* relative to the working directory */
	char *schema_id;         /* "dev/phase-plan@1" */
	char *scenario;          /* the Scenario: line, or NULL */
	char *reviewer_comment;  /* the Reviewer comment: section, or NULL */
	char *schema_text;       /* body of the last ```json fence, or NULL */
	int repair;              /* a Validation errors: section is present */
	int n_validation_errors; /* its "- " lines */
	int n_lines;             /* lines in the whole text */
	int attempt;             /* the Attempt: line; 0 when absent */
	int check_repair;        /* a Check failures: section is present (devflow's checks) */
	int n_check_failures;    /* its "- " lines */
	char **fix_paths;        /* "devflow-fake-fix: PATH" lines in it (safe paths only) */
	int n_fix_paths;
	int n_review_findings; /* "- " lines of a Review findings: section */
	char *merge_ref;       /* REF of the first "`git merge REF`" in the text, or NULL */
	/* Set by the caller, not parsed: the review asks for changes (changes-then-approve). */
	int request_changes;
};

/*
 * Parse an instruction text (newlines may be \n, \r\n or \r). Fills *out
 * (call fake_instr_free afterwards, also on failure). Returns 0, or -1 with
 * DF_E_INVALID_ARGUMENT naming the missing line when the text has no
 * "Artifact path:" or "Artifact schema:" line, or the path is absolute or
 * climbs out with "..".
 */
int fake_instr_parse(const char *text, struct fake_instr *out, struct df_error *err);
void fake_instr_free(struct fake_instr *in);

/* X(id, name): the scenarios, in the order they are listed to users. */
#define FAKE_SCENARIOS(X)                                                                          \
	X(OK, "ok")                                                                                \
	X(INVALID_THEN_OK, "invalid-then-ok")                                                      \
	X(INVALID, "invalid")                                                                      \
	X(GARBAGE, "garbage")                                                                      \
	X(SILENT, "silent")                                                                        \
	X(ASK, "ask")                                                                              \
	X(PERMISSION, "permission")                                                                \
	X(CHATTY, "chatty")                                                                        \
	X(FIX_ON_CHECK, "fix-on-check")                                                            \
	X(CHANGES_THEN_APPROVE, "changes-then-approve")                                            \
	X(MERGE_BASE, "merge-base")                                                                \
	X(CRASH, "crash")

enum fake_scenario {
#define FAKE_X(id, name) FAKE_S_##id,
	FAKE_SCENARIOS(FAKE_X)
#undef FAKE_X
	    FAKE_S__COUNT
};

/* The scenario named name; -1 when unknown. */
int fake_scenario_lookup(const char *name);
const char *fake_scenario_name(enum fake_scenario s);
/* "ok, invalid-then-ok, …" — a static string. */
const char *fake_scenario_list(void);

/*
 * The scenario name for in: its Scenario: line; else the entry for its phase
 * key in map (DEVFLOW_FAKE_SCENARIOS, "key=name,...", "*" the default); else
 * single (DEVFLOW_FAKE_SCENARIO); else "merge-base" where the instructions
 * name a merge to make (in->merge_ref), "ok" elsewhere. map and single may be NULL or
 * empty. Returns a new string (caller frees); the name is not checked.
 * *source is set to a static description of where it came from.
 */
char *fake_scenario_pick(const struct fake_instr *in, const char *map, const char *single,
                         const char **source);

/*
 * Whether a scenario writes a schema-valid artifact for in: ok, ask,
 * permission, chatty, fix-on-check, changes-then-approve and merge-base always, invalid-then-ok
 * only on a repair attempt, others never.
 */
int fake_scenario_valid(enum fake_scenario s, const struct fake_instr *in);

/*
 * The JSON text (pretty, newline-terminated; caller frees) of the artifact
 * for in. valid chooses a schema-valid instance or valid JSON that violates
 * the schema. changed_file is the file the agent edited (reported by
 * dev/change-summary@1; may be NULL) and change_cmd the argv words of that
 * edit (NULL-terminated; may be NULL). One-line notes on what was done go to
 * notes (one per line) for the screen. Returns NULL with DF_E_SCHEMA_INVALID
 * when a generic schema is missing or not JSON.
 */
char *fake_artifact(const struct fake_instr *in, int valid, const char *changed_file,
                    const char *const *change_cmd, struct buf *notes, struct df_error *err);

/*
 * The text of a file git left with merge conflicts, resolved the fake
 * agent's way: each conflict block is replaced by both sides' lines, ours
 * then theirs (a diff3 base section is dropped), so nothing of either side
 * is lost. *blocks gets how many blocks there were. Returns a new string
 * (the caller frees).
 */
char *fake_resolve_conflicts(const char *text, int *blocks);

/* A command the merge-base scenario ran, for its artifact. */
struct fake_cmd {
	const char *kind;        /* "git" */
	const char *const *argv; /* NULL-terminated */
	int exit_code;
};

/*
 * The dev/change-summary@1 artifact of the merge-base scenario (pretty JSON
 * text, newline-terminated; the caller frees): a summary naming the
 * merged ref and how many conflicted files were resolved, those files as
 * filesChanged, and the commands it ran.
 */
char *fake_merge_artifact(const struct fake_instr *in, char *const *files, int nfiles,
                          const struct fake_cmd *cmds, int ncmds);

/* Text that is certainly not JSON, looking like a half-written artifact (caller frees). */
char *fake_garbage(const struct fake_instr *in);

#endif
