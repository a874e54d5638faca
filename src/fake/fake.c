/*
 * The fake agent's logic: it reads the instruction text the engine composes
 * (docs/instructions.md), picks what to do (docs/fake-agent.md) and writes the
 * JSON an agent would. The dev/ schemas get artifacts shaped like a real
 * agent's; any other schema gets the smallest instance its schema text
 * allows, so new templates work with the fake agent without code changes.
 * Invalid artifacts are always well-formed JSON that breaks the schema, so
 * they exercise validation rather than parsing.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/xalloc.h"
#include "fake.h"

#define GEN_MAX_DEPTH 32

static const char *const scenario_names[] = {
#define FAKE_X(id, name) name,
	FAKE_SCENARIOS(FAKE_X)
#undef FAKE_X
};

int
fake_scenario_lookup(const char *name)
{
	for (int i = 0; i < FAKE_S__COUNT; i++)
		if (strcmp(name, scenario_names[i]) == 0)
			return i;
	return -1;
}

const char *
fake_scenario_name(enum fake_scenario s)
{
	return (unsigned)s < FAKE_S__COUNT ? scenario_names[s] : "?";
}

const char *
fake_scenario_list(void)
{
	static char list[256];

	if (list[0] == '\0') {
		for (int i = 0; i < FAKE_S__COUNT; i++) {
			if (i > 0)
				strcat(list, ", ");
			strcat(list, scenario_names[i]);
		}
	}
	return list;
}

/* --- reading the instructions ------------------------------------------- */

/* Split a copy of text into lines, whatever the line ends; *copy holds the storage. */
static char **
split_lines(const char *text, char **copy, int *n_out)
{
	size_t len = strlen(text);
	char *c = xmalloc(len + 1);
	size_t j = 0;
	int n = 1, k = 0;
	char **lines;

	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\r') {
			c[j++] = '\n';
			if (text[i + 1] == '\n')
				i++;
		} else {
			c[j++] = text[i];
		}
	}
	c[j] = '\0';
	for (size_t i = 0; i < j; i++)
		if (c[i] == '\n')
			n++;
	if (j > 0 && c[j - 1] == '\n')
		n--; /* a final newline ends the last line, it does not start one */
	lines = xcalloc((size_t)n + 1, sizeof *lines);
	if (n > 0) {
		char *p = c;
		lines[k++] = p;
		for (; *p != '\0'; p++) {
			if (*p == '\n') {
				*p = '\0';
				if (k < n)
					lines[k++] = p + 1;
			}
		}
	}
	*copy = c;
	*n_out = n;
	return lines;
}

static char *
trimmed_dup(const char *s)
{
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return xstrndup(s, len);
}

static int
is_blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t')
			return 0;
	return 1;
}

/* Whether line, without trailing blanks, equals want. */
static int
line_is(const char *line, const char *want)
{
	size_t n = strlen(want);

	return strncmp(line, want, n) == 0 && is_blank(line + n);
}

static const char *
value_of(const char *line, const char *key)
{
	size_t n = strlen(key);

	return strncmp(line, key, n) == 0 ? line + n : NULL;
}

static char *
join_lines(char **lines, int from, int to)
{
	struct buf b = BUF_INIT;

	for (int i = from; i < to; i++) {
		buf_puts(&b, lines[i]);
		if (i + 1 < to)
			buf_putc(&b, '\n');
	}
	return buf_detach(&b);
}

static void
parse_phase_line(const char *v, struct fake_instr *out)
{
	static const char *const dashes[] = { " \xe2\x80\x94 ", " -- ", " - " };
	const char *sep = NULL;
	size_t seplen = 0;

	for (size_t i = 0; i < sizeof dashes / sizeof dashes[0] && sep == NULL; i++) {
		sep = strstr(v, dashes[i]);
		seplen = strlen(dashes[i]);
	}
	if (sep == NULL) {
		out->phase_key = trimmed_dup(v);
		return;
	}
	char *key = xstrndup(v, (size_t)(sep - v));
	out->phase_key = trimmed_dup(key);
	free(key);
	out->phase_title = trimmed_dup(sep + seplen);
}

static int
path_is_safe(const char *p)
{
	if (p[0] == '/')
		return 0;
	for (const char *s = p; (s = strstr(s, "..")) != NULL; s += 2) {
		int starts = s == p || s[-1] == '/';
		int ends = s[2] == '\0' || s[2] == '/';
		if (starts && ends)
			return 0;
	}
	return 1;
}

/*
 * The Check failures: section (lines from..limit): its "- " entries, and the
 * "devflow-fake-fix: PATH" lines of their output tails, the files the
 * fix-on-check scenario writes. The section holds fenced output with blank
 * lines, so it runs to the line devflow ends it with ("Fix what ...").
 */
static void
parse_check_failures(char **lines, int from, int limit, struct fake_instr *out)
{
	out->check_repair = 1;
	for (int e = from; e < limit && strncmp(lines[e], "Fix what makes them fail", 24) != 0;
	     e++) {
		const char *v = value_of(lines[e], "devflow-fake-fix:");

		if (strncmp(lines[e], "- ", 2) == 0)
			out->n_check_failures++;
		if (v != NULL) {
			char *p = trimmed_dup(v);

			if (p[0] != '\0' && path_is_safe(p)) {
				out->fix_paths =
				    xreallocarray(out->fix_paths, (size_t)out->n_fix_paths + 1,
				                  sizeof(*out->fix_paths));
				out->fix_paths[out->n_fix_paths++] = p;
			} else {
				free(p);
			}
		}
	}
}

/*
 * REF of the first "`git merge REF`" in text (the rebase follow-up's
 * requirements say which base to merge so), or NULL. A REF that could be
 * read as an option or holds a space is not taken.
 */
static char *
merge_ref_of(const char *text)
{
	const char *p = strstr(text, "`git merge ");
	size_t len;

	if (p == NULL)
		return NULL;
	p += strlen("`git merge ");
	len = strcspn(p, "` \t\r\n");
	if (len == 0 || p[len] != '`' || p[0] == '-')
		return NULL;
	return xstrndup(p, len);
}

int
fake_instr_parse(const char *text, struct fake_instr *out, struct df_error *err)
{
	char *copy;
	int n, i, first, header_end, fence = -1, limit;
	char **lines = split_lines(text, &copy, &n);
	int rc = 0;

	memset(out, 0, sizeof *out);
	out->n_lines = n;

	/* The header: from the first non-blank line to the next blank one. */
	for (first = 0; first < n && is_blank(lines[first]); first++)
		;
	for (header_end = first; header_end < n && !is_blank(lines[header_end]); header_end++) {
		const char *l = lines[header_end], *v;
		char **slot = NULL;

		if ((v = value_of(l, "devflow phase:")) != NULL && out->phase_key == NULL)
			parse_phase_line(v, out);
		else if ((v = value_of(l, "Artifact path:")) != NULL)
			slot = &out->artifact_path;
		else if ((v = value_of(l, "Artifact schema:")) != NULL)
			slot = &out->schema_id;
		else if ((v = value_of(l, "Scenario:")) != NULL)
			slot = &out->scenario;
		else if ((v = value_of(l, "Attempt:")) != NULL)
			out->attempt = atoi(v);
		if (slot != NULL) {
			free(*slot);
			*slot = trimmed_dup(v);
		}
	}

	/* The schema: the last ```json fence. */
	for (i = n - 1; i >= header_end; i--) {
		if (line_is(lines[i], "```json")) {
			fence = i;
			break;
		}
	}
	if (fence >= 0) {
		int close;
		for (close = fence + 1; close < n && !line_is(lines[close], "```"); close++)
			;
		out->schema_text = join_lines(lines, fence + 1, close);
	}

	/*
	 * Reviewer comment and validation errors come after the verbatim
	 * requirements and instructions, so the last such heading before the
	 * schema is the real one even when the requirements quote the format.
	 */
	limit = fence >= 0 ? fence : n;
	for (i = limit - 1; i >= header_end; i--) {
		if (out->reviewer_comment == NULL && line_is(lines[i], "Reviewer comment:")) {
			int end;
			for (end = i + 1; end < limit && !is_blank(lines[end]); end++)
				;
			out->reviewer_comment = join_lines(lines, i + 1, end);
		} else if (!out->check_repair && line_is(lines[i], "Check failures:")) {
			parse_check_failures(lines, i + 1, limit, out);
		} else if (out->n_review_findings == 0 && line_is(lines[i], "Review findings:")) {
			for (int e = i + 1; e < limit && !is_blank(lines[e]); e++)
				if (strncmp(lines[e], "- ", 2) == 0)
					out->n_review_findings++;
		} else if (!out->repair && line_is(lines[i], "Validation errors:")) {
			out->repair = 1;
			for (int e = i + 1; e < limit && !is_blank(lines[e]); e++)
				if (strncmp(lines[e], "- ", 2) == 0)
					out->n_validation_errors++;
		}
	}

	out->merge_ref = merge_ref_of(text);
	if (out->artifact_path == NULL || out->artifact_path[0] == '\0')
		rc = df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                  "instructions: no 'Artifact path:' line in the header");
	else if (out->schema_id == NULL || out->schema_id[0] == '\0')
		rc = df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                  "instructions: no 'Artifact schema:' line in the header");
	else if (!path_is_safe(out->artifact_path))
		rc = df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                  "instructions: artifact path '%s' must stay inside the working "
		                  "directory (relative, no '..')",
		                  out->artifact_path);
	free(lines);
	free(copy);
	return rc;
}

void
fake_instr_free(struct fake_instr *in)
{
	free(in->phase_key);
	free(in->phase_title);
	free(in->artifact_path);
	free(in->schema_id);
	free(in->scenario);
	free(in->reviewer_comment);
	free(in->schema_text);
	free(in->merge_ref);
	for (int i = 0; i < in->n_fix_paths; i++)
		free(in->fix_paths[i]);
	free(in->fix_paths);
	memset(in, 0, sizeof *in);
}

/* --- choosing a scenario ------------------------------------------------- */

/* The value for key in "k=v,k=v" (whitespace around items ignored), or NULL. */
static char *
map_lookup(const char *map, const char *key)
{
	char *copy = xstrdup(map), *save = NULL, *found = NULL;

	for (char *item = strtok_r(copy, ",", &save); item != NULL && found == NULL;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		char *k = trimmed_dup(item);
		if (strcmp(k, key) == 0)
			found = trimmed_dup(eq + 1);
		free(k);
	}
	free(copy);
	return found;
}

char *
fake_scenario_pick(const struct fake_instr *in, const char *map, const char *single,
                   const char **source)
{
	char *v = NULL;

	if (in->scenario != NULL && in->scenario[0] != '\0') {
		*source = "the Scenario: line";
		return xstrdup(in->scenario);
	}
	if (map != NULL && map[0] != '\0') {
		if (in->phase_key != NULL && (v = map_lookup(map, in->phase_key)) != NULL) {
			*source = "DEVFLOW_FAKE_SCENARIOS";
			return v;
		}
		if ((v = map_lookup(map, "*")) != NULL) {
			*source = "DEVFLOW_FAKE_SCENARIOS (*)";
			return v;
		}
	}
	if (single != NULL && single[0] != '\0') {
		*source = "DEVFLOW_FAKE_SCENARIO";
		return trimmed_dup(single);
	}
	if (in->merge_ref != NULL) {
		/* The rebase follow-up's phase: the work is the merge it names. */
		*source = "the default for a merge to make";
		return xstrdup("merge-base");
	}
	*source = "the default";
	return xstrdup("ok");
}

int
fake_scenario_valid(enum fake_scenario s, const struct fake_instr *in)
{
	switch (s) {
	case FAKE_S_OK:
	case FAKE_S_ASK:
	case FAKE_S_PERMISSION:
	case FAKE_S_CHATTY:
	case FAKE_S_FIX_ON_CHECK:
	case FAKE_S_CHANGES_THEN_APPROVE:
	case FAKE_S_MERGE_BASE:
		return 1;
	case FAKE_S_INVALID_THEN_OK:
		return in->repair;
	default:
		return 0;
	}
}

/* --- artifacts ------------------------------------------------------------ */

static const char *
title_of(const struct fake_instr *in)
{
	if (in->phase_title != NULL && in->phase_title[0] != '\0')
		return in->phase_title;
	if (in->phase_key != NULL && in->phase_key[0] != '\0')
		return in->phase_key;
	return "the work";
}

/* base, plus the reviewer's comment quoted when there is one (caller frees). */
static char *
summary_text(const struct fake_instr *in, const char *base)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, base);
	if (in->n_review_findings > 0)
		buf_printf(&b, " Addressed %d review finding%s.", in->n_review_findings,
		           in->n_review_findings == 1 ? "" : "s");
	if (in->check_repair)
		buf_printf(&b, " Fixed %d failing check%s.", in->n_check_failures,
		           in->n_check_failures == 1 ? "" : "s");
	if (in->reviewer_comment != NULL && in->reviewer_comment[0] != '\0')
		buf_printf(&b, " Addressed the reviewer comment: \"%s\"", in->reviewer_comment);
	return buf_detach(&b);
}

static void
add_summary(cJSON *obj, const struct fake_instr *in, const char *base)
{
	char *s = summary_text(in, base);
	cJSON_AddStringToObject(obj, "summary", s);
	free(s);
}

/* The artifact file's text: doc printed, with a final newline; doc is freed. The caller frees. */
static char *
doc_text(cJSON *doc)
{
	char *text = cJSON_Print(doc), *out;

	cJSON_Delete(doc);
	if (text == NULL)
		abort(); /* cJSON fails only on allocation */
	out = xasprintf("%s\n", text);
	cJSON_free(text);
	return out;
}

static cJSON *
string_array(const char *const *words)
{
	cJSON *a = cJSON_CreateArray();

	for (; words != NULL && *words != NULL; words++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*words));
	return a;
}

static cJSON *
plan_phase(const char *key, const char *title, const char *role, const char *path,
           const char *schema, const char *gate)
{
	cJSON *p = cJSON_CreateObject(), *art = cJSON_CreateObject();
	const char *roles[] = { role, NULL }, *gates[] = { gate, NULL };

	cJSON_AddStringToObject(p, "key", key);
	cJSON_AddStringToObject(p, "title", title);
	cJSON_AddItemToObject(p, "roles", string_array(roles));
	cJSON_AddStringToObject(art, "path", path);
	cJSON_AddStringToObject(art, "schema", schema);
	cJSON_AddItemToObject(p, "expectedArtifact", art);
	cJSON_AddItemToObject(p, "gates", string_array(gate != NULL ? gates : NULL));
	return p;
}

static cJSON *
make_plan(const struct fake_instr *in, int valid)
{
	cJSON *o = cJSON_CreateObject(), *phases;
	char *base = xasprintf(
	    "Plan for \"%s\": implement the requirements, then review the change.", title_of(in));

	add_summary(o, in, base);
	free(base);
	if (!valid) {
		/* phases must be an array of phase objects */
		cJSON_AddStringToObject(o, "phases", "implement, then review");
		return o;
	}
	phases = cJSON_AddArrayToObject(o, "phases");
	cJSON_AddItemToArray(phases,
	                     plan_phase("implement", "Implement the change", "implementer",
	                                "change-summary.json", "dev/change-summary@1", NULL));
	cJSON_AddItemToArray(phases,
	                     plan_phase("review", "Review the change", "reviewer", "review.json",
	                                "dev/review-findings@1", "final_review"));
	return o;
}

static cJSON *
make_change_summary(const struct fake_instr *in, int valid, const char *file,
                    const char *const *cmd)
{
	cJSON *o = cJSON_CreateObject(), *cmds, *c;
	const char *files[] = { file, NULL };
	char *base = file != NULL ? xasprintf("%s: appended a line to %s.", title_of(in), file)
	                          : xasprintf("%s: no files changed.", title_of(in));

	add_summary(o, in, base);
	free(base);
	cJSON_AddItemToObject(o, "filesChanged", string_array(file != NULL ? files : NULL));
	if (!valid)
		return o; /* commands is required */
	cmds = cJSON_AddArrayToObject(o, "commands");
	if (cmd != NULL && cmd[0] != NULL) {
		c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "kind", "edit");
		cJSON_AddItemToObject(c, "argv", string_array(cmd));
		cJSON_AddNumberToObject(c, "exit_code", 0);
		cJSON_AddItemToArray(cmds, c);
	}
	return o;
}

char *
fake_resolve_conflicts(const char *text, int *blocks)
{
	struct buf b = BUF_INIT;
	enum { OUTSIDE, OURS, BASE, THEIRS } at = OUTSIDE;
	const char *p = text;

	*blocks = 0;
	while (*p != '\0') {
		size_t len = strcspn(p, "\n");
		int nl = p[len] == '\n';

		if (at == OUTSIDE && strncmp(p, "<<<<<<<", 7) == 0) {
			at = OURS;
			(*blocks)++;
		} else if (at == OURS && strncmp(p, "|||||||", 7) == 0) {
			at = BASE;
		} else if ((at == OURS || at == BASE) && strncmp(p, "=======", 7) == 0 &&
		           (len == 7 || p[7] == '\r')) {
			at = THEIRS;
		} else if (at == THEIRS && strncmp(p, ">>>>>>>", 7) == 0) {
			at = OUTSIDE;
		} else if (at != BASE) {
			buf_printf(&b, "%.*s%s", (int)len, p, nl ? "\n" : "");
		}
		p += len + nl;
	}
	if (b.data == NULL)
		return xstrdup("");
	return buf_detach(&b);
}

char *
fake_merge_artifact(const struct fake_instr *in, char *const *files, int nfiles,
                    const struct fake_cmd *cmds, int ncmds)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	char *base = xasprintf("%s: merged %s into the branch; resolved the conflicts in %d "
	                       "file%s, keeping both sides' lines, and committed the merge.",
	                       title_of(in), in->merge_ref != NULL ? in->merge_ref : "?", nfiles,
	                       nfiles == 1 ? "" : "s");

	add_summary(o, in, base);
	free(base);
	arr = cJSON_AddArrayToObject(o, "filesChanged");
	for (int i = 0; i < nfiles; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(files[i]));
	arr = cJSON_AddArrayToObject(o, "commands");
	for (int i = 0; i < ncmds; i++) {
		cJSON *c = cJSON_CreateObject();

		cJSON_AddStringToObject(c, "kind", cmds[i].kind);
		cJSON_AddItemToObject(c, "argv", string_array(cmds[i].argv));
		cJSON_AddNumberToObject(c, "exit_code", cmds[i].exit_code);
		cJSON_AddItemToArray(arr, c);
	}
	return doc_text(o);
}

static cJSON *
make_review(const struct fake_instr *in, int valid)
{
	cJSON *o = cJSON_CreateObject(), *f, *findings;
	char *base =
	    xasprintf("Reviewed \"%s\": the change is small and consistent.", title_of(in));

	/* verdict must be approve or changes_requested */
	cJSON_AddStringToObject(o, "verdict",
	                        !valid                ? "looks good to me"
	                        : in->request_changes ? "changes_requested"
	                                              : "approve");
	if (valid && in->request_changes) {
		free(base);
		base = xasprintf("Reviewed \"%s\": the notes line needs a date.", title_of(in));
	}
	add_summary(o, in, base);
	free(base);
	findings = cJSON_AddArrayToObject(o, "findings");
	if (valid && in->request_changes) {
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "severity", "major");
		cJSON_AddStringToObject(f, "message", "Add the date to the new notes line.");
		cJSON_AddStringToObject(f, "file", "NOTES.md");
		cJSON_AddNumberToObject(f, "line", 1);
		cJSON_AddItemToArray(findings, f);
		return o;
	}
	f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "severity", "info");
	cJSON_AddStringToObject(f, "message", "No problems found; the notes file gained one line.");
	cJSON_AddItemToArray(findings, f);
	return o;
}

/* Follow a local JSON pointer ("#/$defs/x") from root; NULL when it leads nowhere. */
static const cJSON *
resolve_pointer(const cJSON *root, const char *ref)
{
	const cJSON *cur = root;
	const char *p = ref + 1;

	while (cur != NULL && *p == '/') {
		const char *end = strchr(p + 1, '/');
		size_t len = end != NULL ? (size_t)(end - p - 1) : strlen(p + 1);
		char *tok = xmalloc(len + 1);
		size_t k = 0;

		for (size_t i = 0; i < len; i++) {
			char ch = p[1 + i];
			if (ch == '~' && i + 1 < len && (p[2 + i] == '0' || p[2 + i] == '1')) {
				tok[k++] = p[2 + i] == '0' ? '~' : '/';
				i++;
			} else {
				tok[k++] = ch;
			}
		}
		tok[k] = '\0';
		if (cJSON_IsArray(cur)) {
			char *e;
			long idx = strtol(tok, &e, 10);
			cur = *e == '\0' && idx >= 0 && idx < INT_MAX
			          ? cJSON_GetArrayItem(cur, (int)idx)
			          : NULL;
		} else {
			cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
		}
		free(tok);
		p += 1 + len;
	}
	return *p == '\0' ? cur : NULL;
}

static const char *
schema_type(const cJSON *s)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(s, "type");

	if (cJSON_IsString(t))
		return t->valuestring;
	if (cJSON_IsArray(t)) {
		const cJSON *e;
		cJSON_ArrayForEach(e, t)
		{
			if (cJSON_IsString(e) && strcmp(e->valuestring, "null") != 0)
				return e->valuestring;
		}
		return "null";
	}
	if (cJSON_GetObjectItemCaseSensitive(s, "properties") != NULL ||
	    cJSON_GetObjectItemCaseSensitive(s, "required") != NULL)
		return "object";
	if (cJSON_GetObjectItemCaseSensitive(s, "items") != NULL ||
	    cJSON_GetObjectItemCaseSensitive(s, "prefixItems") != NULL)
		return "array";
	return NULL;
}

static double
num_or(const cJSON *s, const char *key, double dflt, int *present)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, key);

	if (cJSON_IsNumber(v)) {
		if (present != NULL)
			*present = 1;
		return v->valuedouble;
	}
	return dflt;
}

static cJSON *gen(const cJSON *s, const cJSON *root, int depth, int seed, struct buf *notes);

/* The characters a [...] class starting at p (after '[') admits, up to one
 * closing ']'; *end is set past it. Returns 0 for negated or unclosed classes. */
static size_t
class_chars(const char *p, const char **end, char *out, size_t cap)
{
	size_t n = 0;

	if (*p == '^')
		return 0;
	for (int first = 1; *p != '\0' && (*p != ']' || first); first = 0) {
		char lo = *p;
		if (*p == '\\' && p[1] != '\0') {
			lo = p[1] == 'd' ? '0' : p[1] == 'w' ? 'a' : p[1] == 's' ? ' ' : p[1];
			p++;
		}
		p++;
		if (*p == '-' && p[1] != ']' && p[1] != '\0' && p[1] != '\\') {
			for (int c = (unsigned char)lo; c <= (unsigned char)p[1] && n < cap; c++)
				out[n++] = (char)c;
			p += 2;
		} else if (n < cap) {
			out[n++] = lo;
		}
	}
	if (*p != ']')
		return 0;
	*end = p + 1;
	return n;
}

/*
 * A string matching pattern, when it is a plain sequence of literals, [...]
 * classes, \d \w \s and '.', each with an optional quantifier (* + ? {n}
 * {n,} {n,m}), optionally anchored; NULL for anything else (groups,
 * alternatives, negated classes). seed picks the character of the first
 * class, so that array items differ.
 */
static char *
pattern_example(const char *pat, int seed)
{
	struct buf b = BUF_INIT;
	const char *p = pat;
	int classes = 0;

	if (*p == '^')
		p++;
	while (*p != '\0' && !(*p == '$' && p[1] == '\0')) {
		char c, set[128];
		long n = 1;

		if (*p == '[') {
			size_t k = class_chars(p + 1, &p, set, sizeof set);
			if (k == 0)
				goto fail;
			c = set[classes++ == 0 ? (size_t)seed % k : 0];
		} else if (*p == '\\') {
			if (p[1] == 'd')
				c = '0';
			else if (p[1] == 'w')
				c = 'a';
			else if (p[1] == 's')
				c = ' ';
			else if (p[1] != '\0' && strchr(".^$|?*+()[]{}\\/-", p[1]) != NULL)
				c = p[1];
			else
				goto fail;
			p += 2;
		} else if (strchr("()|*+?{}^$", *p) != NULL) {
			goto fail;
		} else {
			c = *p == '.' ? 'a' : *p;
			p++;
		}
		if (*p == '*' || *p == '?') {
			n = 0;
			p++;
		} else if (*p == '+') {
			p++;
		} else if (*p == '{') {
			char *e;
			n = strtol(p + 1, &e, 10);
			if (e == p + 1 || n < 0 || n > 4096)
				goto fail;
			while (*e != '\0' && *e != '}')
				e++;
			if (*e != '}')
				goto fail;
			p = e + 1;
		}
		if (*p == '?')
			p++; /* lazy quantifier: same minimum */
		for (long i = 0; i < n; i++)
			buf_putc(&b, c);
	}
	return buf_detach(&b);
fail:
	buf_free(&b);
	return NULL;
}

static cJSON *
gen_string(const cJSON *s, int seed, struct buf *notes)
{
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(s, "format");
	const cJSON *pat = cJSON_GetObjectItemCaseSensitive(s, "pattern");
	int has_max = 0;
	double minl = num_or(s, "minLength", 0, NULL), maxl = num_or(s, "maxLength", 0, &has_max);
	struct buf b = BUF_INIT;
	cJSON *r;
	char *str;

	if (cJSON_IsString(pat) && (str = pattern_example(pat->valuestring, seed)) != NULL) {
		if (strlen(str) < (size_t)(minl > 0 ? minl : 0) ||
		    (has_max && strlen(str) > (size_t)(maxl >= 0 ? maxl : 0)))
			buf_printf(notes,
			           "the example for pattern %s breaks minLength or maxLength\n",
			           pat->valuestring);
		r = cJSON_CreateString(str);
		free(str);
		return r;
	}
	if (cJSON_IsString(fmt) && strcmp(fmt->valuestring, "date-time") == 0)
		buf_puts(&b, "1970-01-01T00:00:00Z");
	else if (cJSON_IsString(fmt) && strcmp(fmt->valuestring, "uri") == 0)
		buf_puts(&b, "https://example.invalid/");
	else if (seed > 0)
		buf_printf(&b, "example-%d", seed);
	else
		buf_puts(&b, "example");
	while (b.len < (size_t)(minl > 0 ? minl : 0))
		buf_putc(&b, 'x');
	if (has_max && maxl >= 0 && b.len > (size_t)maxl) {
		b.len = (size_t)maxl;
		b.data[b.len] = '\0';
	}
	if (cJSON_IsString(pat))
		buf_printf(notes, "the pattern %s is too complex to follow; used \"%s\"\n",
		           pat->valuestring, b.data);
	str = buf_detach(&b);
	r = cJSON_CreateString(str);
	free(str);
	return r;
}

static cJSON *
gen_number(const cJSON *s, int integer, int seed)
{
	int has_min = 0, has_xmin = 0, has_max = 0, has_xmax = 0;
	double min = num_or(s, "minimum", 0, &has_min);
	double xmin = num_or(s, "exclusiveMinimum", 0, &has_xmin);
	double max = num_or(s, "maximum", 0, &has_max);
	double xmax = num_or(s, "exclusiveMaximum", 0, &has_xmax);
	double v = seed;

	if (has_min)
		v = min + seed;
	if (has_xmin && v <= xmin)
		v = xmin + 1 + seed;
	if (has_max && v > max)
		v = max;
	if (has_xmax && v >= xmax)
		v = xmax - 1;
	if (integer)
		v = (double)(long long)v;
	return cJSON_CreateNumber(v);
}

static cJSON *
gen_object(const cJSON *s, const cJSON *root, int depth, struct buf *notes)
{
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(s, "required");
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(s, "properties");
	const cJSON *name;
	cJSON *o = cJSON_CreateObject();

	cJSON_ArrayForEach(name, req)
	{
		if (!cJSON_IsString(name) ||
		    cJSON_GetObjectItemCaseSensitive(o, name->valuestring) != NULL)
			continue;
		const cJSON *ps = cJSON_GetObjectItemCaseSensitive(props, name->valuestring);
		cJSON_AddItemToObject(o, name->valuestring, gen(ps, root, depth + 1, 0, notes));
	}
	return o;
}

static cJSON *
gen_array(const cJSON *s, const cJSON *root, int depth, struct buf *notes)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(s, "items");
	const cJSON *prefix = cJSON_GetObjectItemCaseSensitive(s, "prefixItems");
	int n = (int)num_or(s, "minItems", 0, NULL), np = cJSON_GetArraySize(prefix);
	cJSON *a = cJSON_CreateArray();

	if (n > 1000)
		n = 1000;
	for (int i = 0; i < n; i++) {
		const cJSON *is = i < np ? cJSON_GetArrayItem(prefix, i) : items;
		cJSON_AddItemToArray(a, gen(is, root, depth + 1, i, notes));
	}
	return a;
}

/* Merge the objects of allOf into one; the first non-object wins otherwise. */
static cJSON *
gen_all_of(const cJSON *all, const cJSON *root, int depth, int seed, struct buf *notes)
{
	cJSON *acc = NULL;
	const cJSON *sub;

	cJSON_ArrayForEach(sub, all)
	{
		cJSON *v = gen(sub, root, depth + 1, seed, notes);
		if (acc == NULL) {
			acc = v;
		} else if (cJSON_IsObject(acc) && cJSON_IsObject(v)) {
			while (v->child != NULL) {
				cJSON *m = cJSON_DetachItemViaPointer(v, v->child);
				if (cJSON_GetObjectItemCaseSensitive(acc, m->string) != NULL)
					cJSON_Delete(m);
				else
					cJSON_AddItemToObject(acc, m->string, m);
			}
			cJSON_Delete(v);
		} else {
			cJSON_Delete(v);
		}
	}
	return acc != NULL ? acc : cJSON_CreateNull();
}

/*
 * The smallest instance of schema s (root is the document for local $refs).
 * seed varies strings and numbers between items of one array, so that
 * uniqueItems holds.
 */
static cJSON *
gen(const cJSON *s, const cJSON *root, int depth, int seed, struct buf *notes)
{
	const cJSON *v;
	const char *type;

	if (depth > GEN_MAX_DEPTH) {
		buf_puts(notes, "the schema nests too deep; stopped with null\n");
		return cJSON_CreateNull();
	}
	if (!cJSON_IsObject(s))
		return cJSON_CreateNull(); /* absent or boolean schema: anything goes */
	if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(s, "$ref"))) {
		const cJSON *target =
		    v->valuestring[0] == '#' ? resolve_pointer(root, v->valuestring) : NULL;
		if (target == NULL) {
			buf_printf(notes, "could not follow $ref %s; used {}\n", v->valuestring);
			return cJSON_CreateObject();
		}
		return gen(target, root, depth + 1, seed, notes);
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "const")) != NULL)
		return cJSON_Duplicate(v, 1);
	if (cJSON_IsArray(v = cJSON_GetObjectItemCaseSensitive(s, "enum")) && v->child != NULL)
		return cJSON_Duplicate(v->child, 1);
	if (cJSON_IsArray(v = cJSON_GetObjectItemCaseSensitive(s, "allOf")) && v->child != NULL &&
	    schema_type(s) == NULL)
		return gen_all_of(v, root, depth, seed, notes);
	if ((cJSON_IsArray(v = cJSON_GetObjectItemCaseSensitive(s, "anyOf")) ||
	     cJSON_IsArray(v = cJSON_GetObjectItemCaseSensitive(s, "oneOf"))) &&
	    v->child != NULL && schema_type(s) == NULL)
		return gen(v->child, root, depth + 1, seed, notes);
	type = schema_type(s);
	if (type == NULL || strcmp(type, "null") == 0)
		return cJSON_CreateNull();
	if (strcmp(type, "object") == 0)
		return gen_object(s, root, depth, notes);
	if (strcmp(type, "array") == 0)
		return gen_array(s, root, depth, notes);
	if (strcmp(type, "string") == 0)
		return gen_string(s, seed, notes);
	if (strcmp(type, "integer") == 0)
		return gen_number(s, 1, seed);
	if (strcmp(type, "number") == 0)
		return gen_number(s, 0, seed);
	if (strcmp(type, "boolean") == 0)
		return cJSON_CreateFalse();
	buf_printf(notes, "unknown type '%s'; used null\n", type);
	return cJSON_CreateNull();
}

/* Turn a valid minimal instance into valid JSON that breaks schema s. */
static cJSON *
spoil(cJSON *inst, const cJSON *s, struct buf *notes)
{
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(s, "required");
	const char *type = schema_type(s);

	if (cJSON_IsObject(inst) && cJSON_IsArray(req) && cJSON_IsString(req->child)) {
		buf_printf(notes, "left out the required property '%s'\n", req->child->valuestring);
		cJSON_DeleteItemFromObjectCaseSensitive(inst, req->child->valuestring);
		return inst;
	}
	cJSON_Delete(inst);
	if (type == NULL) {
		buf_puts(notes, "the schema accepts any value; wrote a string anyway\n");
		return cJSON_CreateString("invalid");
	}
	buf_printf(notes, "wrote a value that is not of type %s\n", type);
	if (strcmp(type, "string") == 0)
		return cJSON_CreateNumber(42);
	if (strcmp(type, "array") == 0)
		return cJSON_CreateObject();
	return cJSON_CreateString("invalid");
}

static cJSON *
make_generic(const struct fake_instr *in, int valid, struct buf *notes, struct df_error *err)
{
	cJSON *schema, *inst, *sum;

	if (in->schema_text == NULL) {
		df_error_set(err, DF_FATAL, DF_E_SCHEMA_INVALID,
		             "instructions: no ```json schema block for %s", in->schema_id);
		return NULL;
	}
	schema = cJSON_Parse(in->schema_text);
	if (schema == NULL) {
		df_error_set(err, DF_FATAL, DF_E_SCHEMA_INVALID,
		             "instructions: the schema block for %s is not JSON", in->schema_id);
		return NULL;
	}
	inst = gen(schema, schema, 0, 0, notes);
	sum = cJSON_GetObjectItemCaseSensitive(inst, "summary");
	if (cJSON_IsString(sum) && in->reviewer_comment != NULL) {
		char *s = summary_text(in, sum->valuestring);
		cJSON_ReplaceItemInObjectCaseSensitive(inst, "summary", cJSON_CreateString(s));
		free(s);
	}
	buf_printf(notes, "generated a minimal instance of %s from its schema (%d properties)\n",
	           in->schema_id, cJSON_IsObject(inst) ? cJSON_GetArraySize(inst) : 0);
	if (!valid)
		inst = spoil(inst, schema, notes);
	cJSON_Delete(schema);
	return inst;
}

char *
fake_artifact(const struct fake_instr *in, int valid, const char *changed_file,
              const char *const *change_cmd, struct buf *notes, struct df_error *err)
{
	cJSON *doc;

	if (strcmp(in->schema_id, "dev/phase-plan@1") == 0)
		doc = make_plan(in, valid);
	else if (strcmp(in->schema_id, "dev/change-summary@1") == 0)
		doc = make_change_summary(in, valid, changed_file, change_cmd);
	else if (strcmp(in->schema_id, "dev/review-findings@1") == 0)
		doc = make_review(in, valid);
	else if ((doc = make_generic(in, valid, notes, err)) == NULL)
		return NULL;
	return doc_text(doc);
}

char *
fake_garbage(const struct fake_instr *in)
{
	return xasprintf("{\n  \"summary\": \"working on %s\n  <<< this is not JSON >>>\n",
	                 title_of(in));
}
