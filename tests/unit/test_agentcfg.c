/*
 * Agent configuration: placeholder substitution, the deep merge, and the
 * merge into real files in a temporary directory (HOME points there too):
 * a user's file full of other keys keeps them, missing files and parents
 * are created, a file that is not a JSON object is refused and left byte for
 * byte, the mode is kept, a symbolic link stays a link.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/agentcfg.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

struct fx {
	char dir[64];
};

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/devflow-agentcfg.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	setenv("HOME", f->dir, 1); /* never the real home */
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f);
	return 0;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static char *
read_file(const char *path)
{
	struct buf b = BUF_INIT;

	assert_int_equal(buf_read_file(&b, path, 0), 0);
	return buf_detach(&b);
}

static cJSON *
parse_file(const char *path)
{
	char *s = read_file(path);
	cJSON *j = cJSON_Parse(s);

	assert_non_null(j);
	free(s);
	return j;
}

static void
assert_json_equal(const cJSON *got, const char *want_text)
{
	cJSON *want = cJSON_Parse(want_text);
	char *g = cJSON_PrintUnformatted(got);

	assert_non_null(want);
	if (!cJSON_Compare(got, want, 1))
		fail_msg("got %s, want %s", g, want_text);
	free(g);
	cJSON_Delete(want);
}

static void
test_subst(void **state)
{
	struct agentcfg_vars v = { .worktree = "/w/my tree", .devflow = "/opt/bin/devflow" };
	struct agentcfg_vars only_wt = { .worktree = "/w" };
	char *s;

	(void)state;
	s = agentcfg_subst("projects={\"{worktree}\"={trust_level=\"trusted\"}}", &v);
	assert_string_equal(s, "projects={\"/w/my tree\"={trust_level=\"trusted\"}}");
	free(s);
	s = agentcfg_subst("{devflow} hook idle; cd {worktree}{worktree} {prompt} {other}", &v);
	assert_string_equal(s,
	                    "/opt/bin/devflow hook idle; cd /w/my tree/w/my tree {prompt} {other}");
	free(s);
	s = agentcfg_subst("{devflow} {worktree", &only_wt);
	assert_string_equal(s, "{devflow} {worktree");
	free(s);
	s = agentcfg_subst("", &v);
	assert_string_equal(s, "");
	free(s);
	s = agentcfg_subst("{worktree}", NULL);
	assert_string_equal(s, "{worktree}");
	free(s);
	s = agentcfg_subst("--resume={conversation} {conversation}", &v);
	assert_string_equal(s, "--resume={conversation} {conversation}"); /* none given */
	free(s);
	{
		struct agentcfg_vars c = { .worktree = "/w", .conversation = "{worktree}-1" };

		s = agentcfg_subst("{conversation} {worktree}", &c);
		assert_string_equal(s, "{worktree}-1 /w"); /* replaced text is not scanned again */
		free(s);
	}
}

static void
test_subst_json(void **state)
{
	struct agentcfg_vars v = { .worktree = "/w/t", .devflow = "/b/devflow" };
	cJSON *in = cJSON_Parse("{\"projects\":{\"{worktree}\":{\"hasTrustDialogAccepted\":true,"
	                        "\"n\":3,\"x\":null}},\"hooks\":[{\"command\":\"{devflow} hook "
	                        "idle\",\"list\":[\"{worktree}/a\",1.5]}]}");
	cJSON *out;

	(void)state;
	assert_non_null(in);
	out = agentcfg_subst_json(in, &v);
	assert_json_equal(out, "{\"projects\":{\"/w/t\":{\"hasTrustDialogAccepted\":true,\"n\":3,"
	                       "\"x\":null}},\"hooks\":[{\"command\":\"/b/devflow hook idle\","
	                       "\"list\":[\"/w/t/a\",1.5]}]}");
	/* The input is not changed. */
	assert_non_null(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(in, "projects"), "{worktree}"));
	cJSON_Delete(out);
	cJSON_Delete(in);
}

static void
test_merge(void **state)
{
	cJSON *dst = cJSON_Parse("{\"a\":{\"b\":1,\"c\":{\"d\":2}},\"arr\":[1,2,3],\"s\":\"x\","
	                         "\"o\":{\"k\":1},\"keep\":true}");
	cJSON *src = cJSON_Parse("{\"a\":{\"c\":{\"e\":3},\"f\":[4]},\"arr\":[9,2],\"s\":{\"now\":"
	                         "\"obj\"},\"o\":5,\"new\":{\"n\":null}}");

	(void)state;
	agentcfg_merge(dst, src);
	/* Arrays are unions: the existing entries stay, new ones are appended once. */
	assert_json_equal(dst,
	                  "{\"a\":{\"b\":1,\"c\":{\"d\":2,\"e\":3},\"f\":[4]},\"arr\":[1,2,3,9],"
	                  "\"s\":{\"now\":\"obj\"},\"o\":5,\"keep\":true,\"new\":{\"n\":null}}");
	agentcfg_merge(dst, src);
	assert_json_equal(dst,
	                  "{\"a\":{\"b\":1,\"c\":{\"d\":2,\"e\":3},\"f\":[4]},\"arr\":[1,2,3,9],"
	                  "\"s\":{\"now\":\"obj\"},\"o\":5,\"keep\":true,\"new\":{\"n\":null}}");
	/* src is copied, not taken. */
	assert_json_equal(src, "{\"a\":{\"c\":{\"e\":3},\"f\":[4]},\"arr\":[9,2],\"s\":{\"now\":"
	                       "\"obj\"},\"o\":5,\"new\":{\"n\":null}}");
	cJSON_Delete(dst);
	cJSON_Delete(src);
}

/* A ~/.claude.json as Claude Code leaves it: many keys, other projects. */
static const char CLAUDE_JSON[] =
    "{\n"
    "  \"numStartups\": 12,\n"
    "  \"installMethod\": \"npm\",\n"
    "  \"autoUpdates\": false,\n"
    "  \"userID\": \"0f3c9a7e5b\",\n"
    "  \"firstStartTime\": \"2026-01-02T03:04:05.678Z\",\n"
    "  \"tipsHistory\": {\"new-user-warmup\": 7, \"memory-command\": 3},\n"
    "  \"oauthAccount\": {\"accountUuid\": \"u-1\", \"emailAddress\": \"a@b.c\"},\n"
    "  \"mcpServers\": {\"files\": {\"command\": \"npx\", \"args\": [\"-y\", \"srv\"]}},\n"
    "  \"projects\": {\n"
    "    \"/home/u/other\": {\"allowedTools\": [\"Bash\"], \"hasTrustDialogAccepted\": true,\n"
    "                         \"lastCost\": 0.25, \"history\": [{\"display\": \"hi\"}]},\n"
    "    \"/w/t\": {\"allowedTools\": [], \"hasTrustDialogAccepted\": false, \"mine\": 1}\n"
    "  },\n"
    "  \"hasCompletedOnboarding\": true\n"
    "}\n";

static void
test_merge_file_keeps_other_keys(void **state)
{
	struct fx *f = *state;
	char *path = xasprintf("%s/.claude.json", f->dir);
	cJSON *merge = cJSON_Parse("{\"projects\":{\"/w/t\":{\"hasTrustDialogAccepted\":true},"
	                           "\"/w/u\":{\"hasTrustDialogAccepted\":true}}}");
	cJSON *before = cJSON_Parse(CLAUDE_JSON), *after, *x;
	struct df_error err;
	struct stat st;

	assert_non_null(before);
	write_file(path, CLAUDE_JSON, 0600);
	assert_int_equal(agentcfg_merge_file(path, merge, &err), 0);
	after = parse_file(path);
	/* Every top-level key but projects is exactly as it was. */
	cJSON_ArrayForEach(x, before)
	{
		if (strcmp(x->string, "projects") == 0)
			continue;
		assert_true(
		    cJSON_Compare(x, cJSON_GetObjectItemCaseSensitive(after, x->string), 1));
	}
	assert_int_equal(cJSON_GetArraySize(after), cJSON_GetArraySize(before));
	assert_json_equal(
	    cJSON_GetObjectItemCaseSensitive(after, "projects"),
	    "{\"/home/u/other\":{\"allowedTools\":[\"Bash\"],\"hasTrustDialogAccepted\":true,"
	    "\"lastCost\":0.25,\"history\":[{\"display\":\"hi\"}]},"
	    "\"/w/t\":{\"allowedTools\":[],\"hasTrustDialogAccepted\":true,\"mine\":1},"
	    "\"/w/u\":{\"hasTrustDialogAccepted\":true}}");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* Merging again changes nothing. */
	assert_int_equal(agentcfg_merge_file(path, merge, &err), 0);
	x = parse_file(path);
	assert_true(cJSON_Compare(x, after, 1));
	cJSON_Delete(x);
	cJSON_Delete(after);
	cJSON_Delete(before);
	cJSON_Delete(merge);
	free(path);
}

static void
test_merge_file_creates(void **state)
{
	struct fx *f = *state;
	char *path = xasprintf("%s/.gemini/deeper/settings.json", f->dir);
	char *parent = xasprintf("%s/.gemini", f->dir);
	char *empty = xasprintf("%s/empty.json", f->dir);
	cJSON *merge = cJSON_Parse("{\"hooks\":{\"AfterAgent\":[{\"hooks\":[{\"type\":\"command\","
	                           "\"command\":\"/b/devflow hook idle\"}]}]}}");
	cJSON *got;
	struct df_error err;
	struct stat st;

	assert_int_equal(agentcfg_merge_file(path, merge, &err), 0);
	got = parse_file(path);
	assert_true(cJSON_Compare(got, merge, 1));
	cJSON_Delete(got);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(parent, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* An empty file is an empty object. */
	write_file(empty, "  \n", 0644);
	assert_int_equal(agentcfg_merge_file(empty, merge, &err), 0);
	got = parse_file(empty);
	assert_true(cJSON_Compare(got, merge, 1));
	cJSON_Delete(got);
	assert_int_equal(stat(empty, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	cJSON_Delete(merge);
	free(path);
	free(parent);
	free(empty);
}

static void
refused(struct fx *f, const char *name, const char *text, const char *why)
{
	char *path = xasprintf("%s/%s", f->dir, name), *got, *cmd;
	cJSON *merge = cJSON_Parse("{\"projects\":{\"/w\":{\"hasTrustDialogAccepted\":true}}}");
	struct df_error err;
	struct stat st;

	write_file(path, text, 0640);
	assert_int_equal(agentcfg_merge_file(path, merge, &err), -1);
	assert_int_equal(err.code, DF_E_JSON_PARSE);
	assert_non_null(strstr(err.message, path));
	assert_non_null(strstr(err.message, why));
	assert_non_null(strstr(err.message, "left the file as it is"));
	got = read_file(path);
	assert_string_equal(got, text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* No temporary file left behind. */
	cmd = xasprintf("ls -A '%s' | grep -q devflow-", f->dir);
	assert_int_not_equal(system(cmd), 0);
	free(cmd);
	free(got);
	cJSON_Delete(merge);
	free(path);
}

/* A configuration file in the worktree is the agent's: a FIFO there must not block the server. */
static void
test_merge_file_refuses_a_fifo(void **state)
{
	struct fx *f = *state;
	char *path = xasprintf("%s/settings.json", f->dir);
	cJSON *merge = cJSON_Parse("{\"a\":1}");
	struct df_error err;
	struct stat st;

	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(60);
	assert_int_equal(agentcfg_merge_file(path, merge, &err), -1);
	alarm(0);
	assert_int_equal(err.code, DF_E_IO);
	assert_non_null(strstr(err.message, "settings.json is a FIFO, not a regular file"));
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode)); /* left as it is */
	cJSON_Delete(merge);
	free(path);
}

static void
test_merge_file_refuses_non_json(void **state)
{
	struct fx *f = *state;

	refused(f, "a.json", "{\n  // a comment\n  \"x\": 1\n}\n", "not valid JSON");
	refused(f, "b.json", "{\"x\": 1} trailing", "not valid JSON");
	refused(f, "c.json", "[1, 2]\n", "not a JSON object");
	refused(f, "d.json", "key = value\n", "not valid JSON");
}

static void
test_merge_file_keeps_mode_and_link(void **state)
{
	struct fx *f = *state;
	char *real = xasprintf("%s/dotfiles-settings.json", f->dir);
	char *link = xasprintf("%s/settings.json", f->dir);
	cJSON *merge = cJSON_Parse("{\"b\":{\"c\":true}}"), *got;
	struct df_error err;
	struct stat st;

	write_file(real, "{\"a\":1,\"b\":{\"d\":false}}", 0640);
	assert_int_equal(symlink(real, link), 0);
	assert_int_equal(agentcfg_merge_file(link, merge, &err), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat(real, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	got = parse_file(real);
	assert_json_equal(got, "{\"a\":1,\"b\":{\"d\":false,\"c\":true}}");
	cJSON_Delete(got);
	cJSON_Delete(merge);
	free(real);
	free(link);
}

static void
test_apply_files(void **state)
{
	struct fx *f = *state;
	char *home = xasprintf("%s/home", f->dir), *wt = xasprintf("%s/wt", f->dir);
	char *p;
	struct agentcfg_vars v = { .worktree = wt, .devflow = "/b/devflow" };
	cJSON *files = cJSON_Parse(
	    "[{\"path\":\"~/"
	    ".claude.json\",\"merge\":{\"projects\":{\"{worktree}\":{\"ok\":true}}}},"
	    "{\"path\":\".agent/settings.json\",\"merge\":{\"cmd\":\"{devflow} hook idle\"}}]");
	cJSON *bad = cJSON_Parse("[{\"path\":\"~/x.json\",\"merge\":{}}]");
	cJSON *got;
	struct df_error err;
	char want[512];

	assert_int_equal(mkdir(home, 0700), 0);
	assert_int_equal(mkdir(wt, 0700), 0);
	assert_int_equal(agentcfg_apply_files(files, "/configFiles", &v, home, &err), 0);
	p = xasprintf("%s/.claude.json", home);
	got = parse_file(p);
	snprintf(want, sizeof(want), "{\"projects\":{\"%s\":{\"ok\":true}}}", wt);
	assert_json_equal(got, want);
	cJSON_Delete(got);
	free(p);
	p = xasprintf("%s/.agent/settings.json", wt);
	got = parse_file(p);
	assert_json_equal(got, "{\"cmd\":\"/b/devflow hook idle\"}");
	cJSON_Delete(got);
	free(p);

	/* No home: a clear error naming the entry. */
	assert_int_equal(agentcfg_apply_files(bad, "/hooks/configFiles", &v, NULL, &err), -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	assert_non_null(strstr(err.message, "/hooks/configFiles/0/path"));
	assert_non_null(strstr(err.message, "HOME"));

	/* A refused file names the entry and the file. */
	p = xasprintf("%s/.claude.json", home);
	write_file(p, "not json", 0600);
	assert_int_equal(agentcfg_apply_files(files, "/configFiles", &v, home, &err), -1);
	assert_int_equal(err.code, DF_E_JSON_PARSE);
	assert_non_null(strstr(err.message, "/configFiles/0"));
	assert_non_null(strstr(err.message, p));
	free(p);
	p = agentcfg_path("~/a", "/h/", "/w", &err);
	assert_string_equal(p, "/h/a");
	free(p);
	p = agentcfg_path("a/b", "/h", "/w", &err);
	assert_string_equal(p, "/w/a/b");
	free(p);
	cJSON_Delete(files);
	cJSON_Delete(bad);
	free(home);
	free(wt);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subst),
		cmocka_unit_test(test_subst_json),
		cmocka_unit_test(test_merge),
		cmocka_unit_test_setup_teardown(test_merge_file_keeps_other_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_file_creates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_file_refuses_non_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_file_refuses_a_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_file_keeps_mode_and_link, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_apply_files, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
