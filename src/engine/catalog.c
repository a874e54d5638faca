/*
 * Catalog loading: directory scans, JSON parsing with line and column on
 * syntax errors, validation of each file against its own schema, the
 * cross-reference checks a person wants caught before a run starts, name +
 * version uniqueness across the built-in and user directories, and storing
 * the result in one transaction. See catalog.h for the rules.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/question.h"
#include "agent/screen.h"
#include "lib/buf.h"
#include "lib/ere.h"
#include "lib/paths.h"
#include "lib/str.h"
#include "lib/xalloc.h"
#include "catalog.h"
#include "checkrun.h"
#include "worktree.h"

#define MAX_FILE_BYTES (4 * 1024 * 1024)
#define N_KINDS 3

struct item_list {
	struct catalog_item *v;
	size_t n, cap;
};

struct catalog {
	struct schema_registry *reg;
	struct item_list kinds[N_KINDS];
};

static const char *const kind_dirs[N_KINDS] = {
	[STORE_CATALOG_TEMPLATE] = "templates",
	[STORE_CATALOG_PERSONA] = "personas",
	[STORE_CATALOG_BACKEND] = "backends",
};

static const char *const kind_schemas[N_KINDS] = {
	[STORE_CATALOG_TEMPLATE] = "devflow/template@1",
	[STORE_CATALOG_PERSONA] = "devflow/persona@1",
	[STORE_CATALOG_BACKEND] = "devflow/backend@1",
};

static void
item_clear(struct catalog_item *it)
{
	free(it->name);
	free(it->source);
	cJSON_Delete(it->json);
	memset(it, 0, sizeof(*it));
}

void
catalog_free(struct catalog *cat)
{
	if (cat == NULL)
		return;
	for (int k = 0; k < N_KINDS; k++) {
		for (size_t i = 0; i < cat->kinds[k].n; i++)
			item_clear(&cat->kinds[k].v[i]);
		free(cat->kinds[k].v);
	}
	schema_registry_free(cat->reg);
	free(cat);
}

/* ---------------------------------------------------------------------------
 * Files.
 */

/* Read and parse one data file (at most MAX_FILE_BYTES); NULL with err naming it. */
static cJSON *
read_json(const char *path, struct df_error *err)
{
	struct buf b = BUF_INIT;
	cJSON *json;

	if (buf_read_file(&b, path, MAX_FILE_BYTES) != 0) {
		int e = errno;

		buf_free(&b);
		if (e == EFBIG)
			df_error_set(err, DF_FATAL, DF_E_IO, "%s is larger than %d bytes", path,
			             MAX_FILE_BYTES);
		else
			df_error_set(err, DF_FATAL, DF_E_IO, "cannot read %s: %s", path,
			             strerror(e));
		return NULL;
	}
	json = schema_json_parse(path, b.data, b.len, err);
	buf_free(&b);
	return json;
}

/*
 * The *.json files of dir, sorted, as full paths (*out, *n; free each and
 * the array). A missing dir gives no files when optional, else an error.
 */
static int
list_json(const char *dir, int optional, char ***out, size_t *n, struct df_error *err)
{
	char **v = NULL;
	size_t count = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	*out = NULL;
	*n = 0;
	if (d == NULL) {
		if (errno == ENOENT && optional)
			return 0;
		return df_error_set(err, DF_FATAL, DF_E_IO, "cannot read directory %s: %s", dir,
		                    strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		struct stat sb;
		char *path;

		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			free(path);
			continue;
		}
		if (count == cap) {
			cap = cap ? cap * 2 : 8;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[count++] = path;
	}
	closedir(d);
	if (count > 1)
		qsort(v, count, sizeof(*v), str_cmp_ptr);
	*out = v;
	*n = count;
	return 0;
}

/* ---------------------------------------------------------------------------
 * Checks. Each returns 0, or -1 with err naming the file and JSON path.
 */

static int invalid(struct df_error *err, const char *file, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
invalid(struct df_error *err, const char *file, const char *path, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return df_error_set(err, DF_FATAL, DF_E_CATALOG_INVALID, "%s: %s: %s", file, path, msg);
}

static int
validate_schema(struct catalog *cat, enum store_catalog_kind kind, const char *file,
                const cJSON *json, struct df_error *err)
{
	struct schema_errors errs = { 0 };
	struct buf msg = BUF_INIT;
	int rc;

	rc = schema_validate(cat->reg, kind_schemas[kind], json, &errs, err);
	if (rc < 0) {
		df_error_prefix(err, "%s", file);
		return -1;
	}
	if (rc == 1) {
		schema_errors_free(&errs);
		return 0;
	}
	for (size_t i = 0; i < errs.count; i++) {
		const struct schema_error_item *e = &errs.items[i];

		buf_printf(&msg, "%s%s: %s", i ? "; " : "", e->path[0] ? e->path : "/", e->message);
	}
	df_error_set(err, DF_FATAL, DF_E_CATALOG_INVALID, "%s: not a valid %s (%s): %s", file,
	             store_catalog_kind_name(kind), kind_schemas[kind],
	             msg.data ? msg.data : "invalid");
	buf_free(&msg);
	schema_errors_free(&errs);
	return -1;
}

static int
string_in(const cJSON *array, const char *s)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, array)
	{
		if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
			return 1;
	}
	return 0;
}

/* A phase's checks (checkrun_rules) and its reviews: an earlier phase of the template. */
static int
phase_rules(const cJSON *phases, const cJSON *phase, int i, const char *file, struct df_error *err)
{
	const cJSON *key = cJSON_GetObjectItemCaseSensitive(phase, "key");
	const cJSON *rv = cJSON_GetObjectItemCaseSensitive(phase, "reviews");
	char where[64], why[256], path[128];
	const cJSON *o;

	if (checkrun_rules(cJSON_GetObjectItemCaseSensitive(phase, "checks"), where, sizeof(where),
	                   why, sizeof(why)) != 0) {
		snprintf(path, sizeof(path), "/phases/%d%s", i, where);
		return invalid(err, file, path, "phase '%s': %s", key->valuestring, why);
	}
	if (!cJSON_IsString(rv))
		return 0;
	for (o = phases->child; o != phase; o = o->next)
		if (strcmp(cJSON_GetObjectItemCaseSensitive(o, "key")->valuestring,
		           rv->valuestring) == 0)
			return 0;
	snprintf(path, sizeof(path), "/phases/%d/reviews", i);
	return invalid(err, file, path, "phase '%s' reviews '%s', which is not an earlier phase",
	               key->valuestring, rv->valuestring);
}

static int
check_template(struct catalog *cat, const char *file, const cJSON *json, struct df_error *err)
{
	const cJSON *roles = cJSON_GetObjectItemCaseSensitive(json, "roles");
	const cJSON *phases = cJSON_GetObjectItemCaseSensitive(json, "phases");
	const cJSON *phase;
	int i = 0;

	cJSON_ArrayForEach(phase, phases)
	{
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(phase, "key");
		const cJSON *proles = cJSON_GetObjectItemCaseSensitive(phase, "roles");
		const cJSON *art = cJSON_GetObjectItemCaseSensitive(phase, "expectedArtifact");
		const cJSON *role, *other;
		char path[128];
		int j = 0;

		for (other = phases->child; other != phase; other = other->next) {
			const cJSON *okey = cJSON_GetObjectItemCaseSensitive(other, "key");

			if (strcmp(okey->valuestring, key->valuestring) == 0) {
				snprintf(path, sizeof(path), "/phases/%d/key", i);
				return invalid(err, file, path, "phase key '%s' is used twice",
				               key->valuestring);
			}
		}
		cJSON_ArrayForEach(role, proles)
		{
			if (!string_in(roles, role->valuestring)) {
				snprintf(path, sizeof(path), "/phases/%d/roles/%d", i, j);
				return invalid(err, file, path,
				               "role '%s' is not one of the template's roles",
				               role->valuestring);
			}
			j++;
		}
		if (phase_rules(phases, phase, i, file, err) != 0)
			return -1;
		if (art != NULL) {
			const char *apath =
			    cJSON_GetObjectItemCaseSensitive(art, "path")->valuestring;
			const char *schema =
			    cJSON_GetObjectItemCaseSensitive(art, "schema")->valuestring;

			char why[256];

			if (worktree_artifact_path_check(apath, why, sizeof(why)) != 0) {
				snprintf(path, sizeof(path), "/phases/%d/expectedArtifact/path", i);
				return invalid(err, file, path, "phase '%s': %s", key->valuestring,
				               why);
			}
			if (schema_registry_get(cat->reg, schema) == NULL) {
				df_error_set(
				    err, DF_FATAL, DF_E_SCHEMA_NOT_FOUND,
				    "%s: /phases/%d/expectedArtifact/schema: unknown schema "
				    "'%s'",
				    file, i, schema);
				df_error_hint(err,
				              "schemas live in <share>/schemas and "
				              "<config>/schemas as <ns>/<name>@<version>.json");
				return -1;
			}
		}
		i++;
	}
	return 0;
}

static int
check_persona(const char *file, const cJSON *json, struct df_error *err)
{
	const char *role = cJSON_GetObjectItemCaseSensitive(json, "role")->valuestring;

	if (strchr(role, '#') != NULL)
		return invalid(err, file, "/role",
		               "'%s' carries a binding suffix; a persona names the bare role",
		               role);
	return 0;
}

static int
check_pattern(const char *file, const char *path, const char *re, struct df_error *err)
{
	regex_t rx;
	char why[256];

	/* As the session's detector compiles it, bounded: a bad user file is an error, not a hang.
	 */
	if (ere_compile(&rx, re, REG_EXTENDED | REG_NEWLINE, why, sizeof(why)) != 0)
		return invalid(err, file, path, "bad regular expression '%.120s': %s", re, why);
	regfree(&rx);
	return 0;
}

/*
 * A configuration file's path: "~/..." (the agent's home) or relative to
 * the worktree, never absolute and never through "..".
 */
static int
check_config_files(const char *file, const char *where, const cJSON *files, struct df_error *err)
{
	const cJSON *it;
	char path[128];
	int i = 0;

	cJSON_ArrayForEach(it, files)
	{
		const char *p = cJSON_GetObjectItemCaseSensitive(it, "path")->valuestring;
		const char *rel = strncmp(p, "~/", 2) == 0 ? p + 2 : p;
		const char *seg;

		snprintf(path, sizeof(path), "%s/%d/path", where, i++);
		if (*rel == '/' || *rel == '\0' || (*p == '~' && rel == p))
			return invalid(err, file, path,
			               "'%s' must be relative to the worktree or start with \"~/\"",
			               p);
		for (seg = rel; seg != NULL; seg = strchr(seg, '/')) {
			if (*seg == '/')
				seg++;
			if (strncmp(seg, "..", 2) == 0 && (seg[2] == '/' || seg[2] == '\0'))
				return invalid(err, file, path,
				               "'%s' leaves its directory through \"..\"", p);
		}
	}
	return 0;
}

/*
 * resume.argv must name the conversation; a replacing argv is the whole
 * command line, so in prompt mode "argv" it must carry "{prompt}" too.
 */
static int
check_resume(const char *file, const cJSON *json, struct df_error *err)
{
	const cJSON *resume = cJSON_GetObjectItemCaseSensitive(json, "resume");
	const cJSON *rargv = cJSON_GetObjectItemCaseSensitive(resume, "argv");
	const cJSON *prompt = cJSON_GetObjectItemCaseSensitive(json, "prompt");
	const cJSON *it;
	int has_conv = 0, has_prompt = 0;

	if (resume == NULL)
		return 0;
	cJSON_ArrayForEach(it, rargv)
	{
		if (strstr(it->valuestring, "{conversation}") != NULL)
			has_conv = 1;
		if (strstr(it->valuestring, "{prompt}") != NULL)
			has_prompt = 1;
	}
	if (!has_conv)
		return invalid(err, file, "/resume/argv",
		               "no argument contains \"{conversation}\"");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(resume, "replace")) &&
	    strcmp(cJSON_GetObjectItemCaseSensitive(prompt, "mode")->valuestring, "argv") == 0 &&
	    !has_prompt)
		return invalid(err, file, "/resume/argv",
		               "it replaces argv in prompt mode \"argv\" but no argument contains "
		               "\"{prompt}\"");
	return 0;
}

static int
check_backend(const char *file, const cJSON *json, struct df_error *err)
{
	static const char *const lists[] = { "ready", "busy", "needsInput" };
	const cJSON *screen = cJSON_GetObjectItemCaseSensitive(json, "screen");
	const cJSON *prompt = cJSON_GetObjectItemCaseSensitive(json, "prompt");
	const cJSON *argv = cJSON_GetObjectItemCaseSensitive(json, "argv");
	const cJSON *it;
	char path[128];
	int i, has_prompt = 0;

	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		i = 0;
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(screen, lists[l]))
		{
			snprintf(path, sizeof(path), "/screen/%s/%d", lists[l], i++);
			if (check_pattern(file, path, it->valuestring, err) != 0)
				return -1;
		}
	}
	i = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(screen, "trust"))
	{
		const char *keys = cJSON_GetObjectItemCaseSensitive(it, "keys")->valuestring;
		struct df_error kerr;

		snprintf(path, sizeof(path), "/screen/trust/%d/match", i);
		if (check_pattern(file, path,
		                  cJSON_GetObjectItemCaseSensitive(it, "match")->valuestring,
		                  err) != 0)
			return -1;
		snprintf(path, sizeof(path), "/screen/trust/%d/keys", i++);
		if (screen_keys_valid(keys, &kerr) != 0)
			return invalid(err, file, path, "%s", kerr.message);
	}
	{
		struct question_set qs;
		struct df_error qerr;

		if (question_set_parse(cJSON_GetObjectItemCaseSensitive(screen, "questions"),
		                       "/screen/questions", &qs, &qerr) != 0)
			return df_error_set(err, DF_FATAL, DF_E_CATALOG_INVALID, "%s: %s", file,
			                    qerr.message);
		question_set_free(&qs);
	}
	if (check_config_files(file, "/configFiles",
	                       cJSON_GetObjectItemCaseSensitive(json, "configFiles"), err) != 0 ||
	    check_config_files(file, "/hooks/configFiles",
	                       cJSON_GetObjectItemCaseSensitive(
	                           cJSON_GetObjectItemCaseSensitive(json, "hooks"), "configFiles"),
	                       err) != 0)
		return -1;
	cJSON_ArrayForEach(it, argv)
	{
		if (strstr(it->valuestring, "{prompt}") != NULL)
			has_prompt = 1;
	}
	if (strcmp(cJSON_GetObjectItemCaseSensitive(prompt, "mode")->valuestring, "argv") == 0 &&
	    !has_prompt)
		return invalid(err, file, "/argv",
		               "prompt mode is \"argv\" but no argument contains \"{prompt}\"");
	return check_resume(file, json, err);
}

/* ---------------------------------------------------------------------------
 * Loading.
 */

static struct catalog_item *
find_item(struct item_list *l, const char *name, int version)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].version == version && strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

static int
load_file(struct catalog *cat, enum store_catalog_kind kind, const char *file, int user,
          struct df_error *err)
{
	struct item_list *l = &cat->kinds[kind];
	struct catalog_item item = { 0 }, *dup;
	cJSON *json;
	int rc = -1;

	if ((json = read_json(file, err)) == NULL)
		return -1;
	if (validate_schema(cat, kind, file, json, err) != 0)
		goto out;
	if (kind == STORE_CATALOG_TEMPLATE && check_template(cat, file, json, err) != 0)
		goto out;
	if (kind == STORE_CATALOG_PERSONA && check_persona(file, json, err) != 0)
		goto out;
	if (kind == STORE_CATALOG_BACKEND && check_backend(file, json, err) != 0)
		goto out;
	item.kind = kind;
	item.name = xstrdup(cJSON_GetObjectItemCaseSensitive(json, "name")->valuestring);
	item.version = cJSON_GetObjectItemCaseSensitive(json, "version")->valueint;
	canon_hash(json, item.hash);
	dup = find_item(l, item.name, item.version);
	if (dup != NULL) {
		if (strcmp(dup->hash, item.hash) != 0) {
			df_error_set(err, DF_FATAL, DF_E_CATALOG_CONFLICT,
			             "%s %s@%d is defined differently in %s and %s",
			             store_catalog_kind_name(kind), item.name, item.version,
			             dup->source, file);
			df_error_hint(err, "give one of them another name or a higher version");
			free(item.name);
			goto out;
		}
		free(item.name); /* the same entry twice: keep the first */
		rc = 0;
		goto out;
	}
	item.source = xstrdup(file);
	item.user = user;
	item.json = json;
	json = NULL;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = item;
	rc = 0;
out:
	cJSON_Delete(json);
	return rc;
}

static int
load_dir(struct catalog *cat, enum store_catalog_kind kind, const char *dir, int user,
         struct df_error *err)
{
	char **files;
	size_t n;
	int rc = 0;

	if (list_json(dir, user, &files, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = load_file(cat, kind, files[i], user, err);
		free(files[i]);
	}
	free(files);
	return rc;
}

static int
cmp_item(const void *a, const void *b)
{
	const struct catalog_item *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->version > y->version) - (x->version < y->version);
}

static int
load_schemas(struct catalog *cat, const char *share_dir, const char *config_dir,
             struct df_error *err)
{
	char *dir = xasprintf("%s/schemas", share_dir);
	struct stat sb;
	int rc = schema_registry_load_dir(cat->reg, dir, err);

	free(dir);
	if (rc != 0 || config_dir == NULL)
		return rc;
	dir = xasprintf("%s/schemas", config_dir);
	if (stat(dir, &sb) == 0)
		rc = schema_registry_load_dir(cat->reg, dir, err);
	free(dir);
	return rc;
}

struct catalog *
catalog_load(const char *share_dir, const char *config_dir, struct df_error *err)
{
	struct catalog *cat = xcalloc(1, sizeof(*cat));

	cat->reg = schema_registry_new();
	if (load_schemas(cat, share_dir, config_dir, err) != 0)
		goto fail;
	for (int k = 0; k < N_KINDS; k++) {
		char *dir = xasprintf("%s/data/%s", share_dir, kind_dirs[k]);
		int rc = load_dir(cat, (enum store_catalog_kind)k, dir, 0, err);

		free(dir);
		if (rc == 0 && config_dir != NULL) {
			dir = xasprintf("%s/%s", config_dir, kind_dirs[k]);
			rc = load_dir(cat, (enum store_catalog_kind)k, dir, 1, err);
			free(dir);
		}
		if (rc != 0)
			goto fail;
		if (cat->kinds[k].n > 1)
			qsort(cat->kinds[k].v, cat->kinds[k].n, sizeof(struct catalog_item),
			      cmp_item);
	}
	return cat;
fail:
	catalog_free(cat);
	return NULL;
}

struct catalog *
catalog_load_default(struct df_error *err)
{
	char *config = paths_config_dir();
	struct catalog *cat = catalog_load(paths_share_dir(), config, err);

	free(config);
	return cat;
}

size_t
catalog_count(const struct catalog *cat, enum store_catalog_kind kind)
{
	return (unsigned)kind < N_KINDS ? cat->kinds[kind].n : 0;
}

const struct catalog_item *
catalog_get(const struct catalog *cat, enum store_catalog_kind kind, size_t i)
{
	if ((unsigned)kind >= N_KINDS || i >= cat->kinds[kind].n)
		return NULL;
	return &cat->kinds[kind].v[i];
}

const struct catalog_item *
catalog_find(const struct catalog *cat, enum store_catalog_kind kind, const char *name, int version)
{
	const struct catalog_item *best = NULL;

	if ((unsigned)kind >= N_KINDS)
		return NULL;
	for (size_t i = 0; i < cat->kinds[kind].n; i++) {
		const struct catalog_item *it = &cat->kinds[kind].v[i];

		if (strcmp(it->name, name) != 0)
			continue;
		if (version > 0 ? it->version == version
		                : (best == NULL || it->version > best->version))
			best = it;
	}
	return best;
}

struct schema_registry *
catalog_registry(const struct catalog *cat)
{
	return cat->reg;
}

int
catalog_store(const struct catalog *cat, struct store *st, struct df_error *err)
{
	if (store_begin(st, err) != 0)
		return -1;
	for (int k = 0; k < N_KINDS; k++) {
		for (size_t i = 0; i < cat->kinds[k].n; i++) {
			const struct catalog_item *it = &cat->kinds[k].v[i];
			struct store_catalog_entry e = { 0 };
			char *def = cJSON_PrintUnformatted(it->json);
			int rc;

			e.name = it->name;
			e.version = it->version;
			e.hash = (char *)it->hash;
			e.definition = def;
			e.source = it->source;
			rc = store_catalog_put(st, (enum store_catalog_kind)k, &e, NULL, err);
			free(def);
			if (rc != 0) {
				store_rollback(st);
				return -1;
			}
		}
	}
	return store_commit(st, err);
}

int
catalog_snapshot(enum store_catalog_kind kind, struct store_catalog_entry **out, size_t *n,
                 struct df_error *err)
{
	struct catalog *cat = catalog_load_default(err);
	struct store *st;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (cat == NULL)
		return -1;
	st = store_open_path(":memory:", err);
	if (st != NULL && catalog_store(cat, st, err) == 0)
		rc = store_catalog_list(st, kind, out, n, err);
	store_close(st);
	catalog_free(cat);
	return rc;
}

const char *
catalog_backend_command(const cJSON *def)
{
	const cJSON *argv0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(def, "argv"), 0);

	return cJSON_IsString(argv0) ? argv0->valuestring : "";
}

char *
catalog_which(const char *prog)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL, *found = NULL;

	if (prog == NULL || *prog == '\0')
		return NULL;
	if (strchr(prog, '/') != NULL)
		return access(prog, X_OK) == 0 ? xstrdup(prog) : NULL;
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	/* devflow's own programs (the fake agent) are found beside devflow first. */
	copy = xasprintf("%s:%s", paths_bin_dir(), path);
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *cand = xasprintf("%s/%s", *dir ? dir : ".", prog);
		struct stat sb;

		if (stat(cand, &sb) == 0 && S_ISREG(sb.st_mode) && access(cand, X_OK) == 0) {
			found = cand;
			break;
		}
		free(cand);
	}
	free(copy);
	return found;
}
