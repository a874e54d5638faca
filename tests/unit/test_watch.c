/* Artifact watching: real inotify on a real loop, in a temporary directory. */
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

#include "lib/loop.h"
#include "lib/watch.h"
#include "lib/xalloc.h"

struct fx {
	char dir[64];
	struct loop *loop;
	struct watch *w;
	char *hits[32];
	size_t nhits;
};

static void
on_file(struct watch *w, const char *path, void *arg)
{
	struct fx *f = arg;

	(void)w;
	assert_true(f->nhits < 32);
	f->hits[f->nhits++] = xstrdup(path);
}

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	struct df_error err;

	snprintf(f->dir, sizeof(f->dir), "/tmp/devflow-watch.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->loop = loop_new(NULL);
	f->w = watch_new(f->loop, on_file, f, &err);
	assert_non_null(f->w);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	watch_free(f->w);
	loop_free(f->loop);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	for (size_t i = 0; i < f->nhits; i++)
		free(f->hits[i]);
	free(f);
	return 0;
}

/* Run the loop until n hits or 2 s; returns the number of hits. */
static size_t
pump(struct fx *f, size_t n)
{
	for (int i = 0; i < 200 && f->nhits < n; i++)
		assert_true(loop_run_once(f->loop, 10, NULL) >= 0);
	/* Anything more that is already queued. */
	for (int i = 0; i < 5; i++)
		loop_run_once(f->loop, 0, NULL);
	return f->nhits;
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static char *
p(struct fx *f, const char *rel)
{
	return xasprintf("%s/%s", f->dir, rel);
}

static void
test_written_and_renamed(void **state)
{
	struct fx *f = *state;
	char *a = p(f, "a.json"), *tmp = p(f, ".a.json.tmp"), *other = p(f, "b.json");

	assert_int_equal(watch_add(f->w, a, NULL), 0);
	assert_int_equal(pump(f, 1), 0); /* nothing there yet */
	write_file(other, "{}");         /* another file in the directory: not ours */
	write_file(a, "{}");
	assert_int_equal(pump(f, 1), 1);
	assert_string_equal(f->hits[0], a);
	write_file(tmp, "{\"x\":1}");
	assert_int_equal(rename(tmp, a), 0);
	assert_int_equal(pump(f, 2), 2);
	assert_string_equal(f->hits[1], a);
	watch_remove(f->w, a);
	write_file(a, "{}");
	assert_int_equal(pump(f, 3), 2);
	free(a);
	free(tmp);
	free(other);
}

static void
test_directories_that_appear_later(void **state)
{
	struct fx *f = *state;
	char *target = p(f, "x/y/z/out.json"), *d1 = p(f, "x"), *d2 = p(f, "x/y"),
	     *d3 = p(f, "x/y/z");

	assert_int_equal(watch_add(f->w, target, NULL), 0);
	assert_int_equal(mkdir(d1, 0700), 0);
	assert_int_equal(pump(f, 1), 0);
	/* Two levels at once, then the file straight away: not missed. */
	assert_int_equal(mkdir(d2, 0700), 0);
	assert_int_equal(mkdir(d3, 0700), 0);
	write_file(target, "{}");
	assert_int_equal(pump(f, 1), 1);
	assert_string_equal(f->hits[0], target);
	free(target);
	free(d1);
	free(d2);
	free(d3);
}

static void
test_reference_counts_and_existing_file(void **state)
{
	struct fx *f = *state;
	char *a = p(f, "a.json");
	struct df_error err;

	write_file(a, "{}");
	assert_int_equal(watch_add(f->w, a, NULL), 0);
	/* Already there: reported from the loop, once. */
	assert_int_equal(f->nhits, 0);
	assert_int_equal(pump(f, 1), 1);
	assert_int_equal(watch_add(f->w, a, NULL), 0);
	assert_int_equal(watch_refs(f->w, a), 2);
	assert_int_equal(pump(f, 2), 2); /* the second add sees it too */
	watch_remove(f->w, a);
	assert_int_equal(watch_refs(f->w, a), 1);
	write_file(a, "{\"v\":2}");
	assert_int_equal(pump(f, 3), 3);
	watch_remove(f->w, a);
	assert_int_equal(watch_refs(f->w, a), 0);
	watch_remove(f->w, a); /* unknown: ignored */
	write_file(a, "{}");
	assert_int_equal(pump(f, 4), 3);
	assert_int_equal(watch_add(f->w, "relative/path.json", &err), -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	assert_non_null(strstr(err.message, "relative/path.json"));
	free(a);
}

static void
test_directory_removed_and_recreated(void **state)
{
	struct fx *f = *state;
	char *d = p(f, "sub"), *a = p(f, "sub/a.json");
	char *cmd = xasprintf("rm -rf '%s'", d);

	assert_int_equal(mkdir(d, 0700), 0);
	assert_int_equal(watch_add(f->w, a, NULL), 0);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(pump(f, 1), 0);
	assert_int_equal(mkdir(d, 0700), 0);
	assert_int_equal(pump(f, 1), 0);
	write_file(a, "{}");
	assert_int_equal(pump(f, 1), 1);
	assert_string_equal(f->hits[0], a);
	free(cmd);
	free(d);
	free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_written_and_renamed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directories_that_appear_later, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_reference_counts_and_existing_file, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_directory_removed_and_recreated, setup,
		                                teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
