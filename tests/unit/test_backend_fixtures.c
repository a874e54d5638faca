/*
 * The built-in backends against screens recorded from the real agent CLIs
 * (tests/fixtures/screens/<backend>/<state>[-<what>]-<cols>x<rows>.txt,
 * plain `tmux capture-pane -p` text). Each backend is loaded through the
 * catalog from the source tree; each fixture is fed to a real screen model
 * of its recorded size and then judged twice:
 *
 * - pattern by pattern, over the same last lines the detector looks at
 *   (detect_last_lines with the backend's lastLines, patterns compiled as
 *   the detector compiles them): the expected state's patterns match and the
 *   others do not, with one allowance: a busy screen may also match ready,
 *   because busy vetoes ready in the detector (Codex keeps its input line
 *   and footer on screen while it works);
 * - by the detector itself (detect.c on a fake clock): after the backend's
 *   quiet and stable times it ends idle for a ready screen, busy for a busy
 *   one, needs_input for a question, answers a trust dialog with its keys,
 *   and stays starting for a screen no state claims ("none").
 *
 * A trust screen is expected to match the backend's trust patterns when it
 * has some; a backend without trust patterns pre-accepts trust through the
 * CLI's configuration, so a trust dialog that still shows is a question for
 * a person (needsInput). Both checks run in the C locale and in C.UTF-8,
 * because patterns hold multibyte characters and the server runs in the
 * user's locale. Every backend in the catalog must have fixtures for ready,
 * busy and needsInput; every fixture directory must name a backend.
 */
#include "config.h"

#include <dirent.h>
#include <locale.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/detect.h"
#include "agent/screen.h"
#include "engine/catalog.h"
#include "lib/buf.h"
#include "lib/loop.h"
#include "lib/xalloc.h"

#define FIXTURES DEVFLOW_SRCDIR "/tests/fixtures/screens"

enum kind { K_READY, K_BUSY, K_NEEDS, K_TRUST, K_NONE, K_COUNT };
static const char *const kind_names[K_COUNT] = { "ready", "busy", "needsInput", "trust", "none" };

struct fixture {
	char *backend; /* directory name */
	char *file;    /* file name */
	char *path;
	enum kind kind;
	int cols, rows;
	char *bad_name; /* why the name does not parse, or NULL */
};

static struct catalog *cat;
static struct fixture *fixtures;
static size_t n_fixtures;

/* ---------------------------------------------------------------------------
 * Backend patterns as the detector gets them.
 */

struct patterns {
	const char **v[K_COUNT - 1]; /* ready, busy, needsInput, trust (match) */
	size_t n[K_COUNT - 1];
	struct detect_dialog *dialogs;
	unsigned last_lines, stable_ms;
};

static const char **
strings_of(const cJSON *arr, size_t *n)
{
	const char **v = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*v));
	const cJSON *it;

	*n = 0;
	cJSON_ArrayForEach(it, arr) v[(*n)++] = it->valuestring;
	return v;
}

static void
patterns_load(const cJSON *backend, struct patterns *p)
{
	const cJSON *screen = cJSON_GetObjectItemCaseSensitive(backend, "screen");
	const cJSON *trust = cJSON_GetObjectItemCaseSensitive(screen, "trust");
	const cJSON *it;
	size_t i = 0;

	p->v[K_READY] =
	    strings_of(cJSON_GetObjectItemCaseSensitive(screen, "ready"), &p->n[K_READY]);
	p->v[K_BUSY] = strings_of(cJSON_GetObjectItemCaseSensitive(screen, "busy"), &p->n[K_BUSY]);
	p->v[K_NEEDS] =
	    strings_of(cJSON_GetObjectItemCaseSensitive(screen, "needsInput"), &p->n[K_NEEDS]);
	p->n[K_TRUST] = (size_t)cJSON_GetArraySize(trust);
	p->v[K_TRUST] = xcalloc(p->n[K_TRUST] + 1, sizeof(char *));
	p->dialogs = xcalloc(p->n[K_TRUST] + 1, sizeof(*p->dialogs));
	cJSON_ArrayForEach(it, trust)
	{
		p->dialogs[i].pattern = cJSON_GetObjectItemCaseSensitive(it, "match")->valuestring;
		p->dialogs[i].keys = cJSON_GetObjectItemCaseSensitive(it, "keys")->valuestring;
		p->v[K_TRUST][i] = p->dialogs[i].pattern;
		i++;
	}
	p->last_lines = (unsigned)cJSON_GetObjectItemCaseSensitive(screen, "lastLines")->valueint;
	p->stable_ms = (unsigned)cJSON_GetObjectItemCaseSensitive(screen, "stableMs")->valueint;
}

static void
patterns_free(struct patterns *p)
{
	for (int k = 0; k < K_COUNT - 1; k++)
		free(p->v[k]);
	free(p->dialogs);
}

/* ---------------------------------------------------------------------------
 * The fixture on a real screen.
 */

static char *
read_file(const char *path)
{
	struct buf b = BUF_INIT;

	if (buf_read_file(&b, path, 0) != 0)
		fail_msg("cannot read %s", path);
	return buf_detach(&b);
}

/* The fixture text as the screen model renders it (rows joined with '\n'). */
static char *
rendered(const struct fixture *fx)
{
	char *text = read_file(fx->path);
	struct screen *s = screen_new(fx->rows, fx->cols, 100, NULL, NULL);
	struct buf bytes = BUF_INIT;
	char *p, *e, *dump;
	int row = 0;

	/* Home, then each line at its row: no scrolling, whatever the line widths. */
	for (p = text; *p != '\0' && row < fx->rows; p = e + 1, row++) {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		buf_printf(&bytes, "\x1b[%d;1H", row + 1);
		buf_append(&bytes, p, (size_t)(e - p));
		if (*e == '\0')
			break;
	}
	screen_feed(s, bytes.data, bytes.len);
	screen_flush(s);
	dump = screen_dump_text(s);
	screen_free(s);
	buf_free(&bytes);
	free(text);
	return dump;
}

/* ---------------------------------------------------------------------------
 * Pattern checks.
 */

/* The first pattern of kind k matching tail, or NULL. */
static const char *
first_match(const struct patterns *p, enum kind k, const char *tail)
{
	for (size_t i = 0; i < p->n[k]; i++) {
		regex_t re;
		int rc = regcomp(&re, p->v[k][i], REG_EXTENDED | REG_NEWLINE | REG_NOSUB);

		if (rc != 0)
			fail_msg("pattern '%s' does not compile", p->v[k][i]);
		rc = regexec(&re, tail, 0, NULL, 0);
		regfree(&re);
		if (rc == 0)
			return p->v[k][i];
	}
	return NULL;
}

static void
check_patterns(const struct fixture *fx, const struct patterns *p, enum kind want, const char *tail,
               const char *locale)
{
	const char *m[K_COUNT - 1];

	for (int k = 0; k < K_COUNT - 1; k++)
		m[k] = first_match(p, (enum kind)k, tail);
	for (int k = 0; k < K_COUNT - 1; k++) {
		bool allowed = (enum kind)k == want || (want == K_BUSY && k == K_READY);

		if (m[k] != NULL && !allowed)
			fail_msg("%s/%s (%s): %s pattern '%s' matches a %s screen; last lines:\n%s",
			         fx->backend, fx->file, locale, kind_names[k], m[k],
			         kind_names[want], tail);
	}
	if (want != K_NONE && m[want] == NULL)
		fail_msg("%s/%s (%s): no %s pattern matches; last %u lines:\n%s", fx->backend,
		         fx->file, locale, kind_names[want], p->last_lines, tail);
}

/* ---------------------------------------------------------------------------
 * The detector on a fake clock.
 */

static uint64_t fake_now;

static uint64_t
fake_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

struct run {
	const char *text;
	struct buf keys; /* keys the detector sent, ';'-separated */
	int dialogs;
};

static char *
io_text(void *arg)
{
	return xstrdup(((struct run *)arg)->text);
}

static int
io_keys(void *arg, const char *keys)
{
	struct run *r = arg;

	if (r->keys.len > 0)
		buf_putc(&r->keys, ';');
	buf_append(&r->keys, keys, strlen(keys));
	return 0;
}

static int
io_paste(void *arg, const char *text)
{
	(void)arg;
	(void)text;
	fail_msg("the detector pasted without a prompt");
	return -1;
}

static void
io_dialog(void *arg, size_t index)
{
	(void)index;
	((struct run *)arg)->dialogs++;
}

static void
check_detector(const struct fixture *fx, const struct patterns *p, enum kind want,
               const char *screen, const char *locale)
{
	static const struct loop_clock clock = { fake_clock, NULL };
	static const struct detect_io io = { io_text, io_keys, io_paste, NULL, NULL, io_dialog };
	struct detect_config cfg = {
		.ready = p->v[K_READY],
		.n_ready = p->n[K_READY],
		.busy = p->v[K_BUSY],
		.n_busy = p->n[K_BUSY],
		.needs_input = p->v[K_NEEDS],
		.n_needs_input = p->n[K_NEEDS],
		.trust = p->dialogs,
		.n_trust = p->n[K_TRUST],
		.last_lines = p->last_lines,
		.stable_ms = p->stable_ms,
	};
	struct run r = { .text = screen, .keys = BUF_INIT };
	struct df_error err;
	struct loop *loop;
	struct detect *d;
	enum detect_state got, expect;

	fake_now = 1000;
	loop = loop_new(&clock);
	d = detect_new(loop, &cfg, &io, &r, &err);
	if (d == NULL)
		fail_msg("%s: detect_new: %s", fx->backend, err.message);
	/* Well past the quiet and stable times: the screen never changes. */
	for (int i = 0; i < 4; i++) {
		fake_now += p->stable_ms + 1000;
		while (loop_next_timeout(loop) == 0)
			loop_run_once(loop, 0, NULL);
	}
	got = detect_state(d);
	detect_free(d);
	loop_free(loop);

	switch (want) {
	case K_READY:
		expect = DETECT_IDLE;
		break;
	case K_BUSY:
		expect = DETECT_BUSY;
		break;
	case K_NEEDS:
		expect = DETECT_NEEDS_INPUT;
		break;
	default:
		expect = DETECT_STARTING; /* trust answered by keys, or nothing claims it */
		break;
	}
	if (got != expect)
		fail_msg("%s/%s (%s): the detector says %s, expected %s", fx->backend, fx->file,
		         locale, detect_state_name(got), detect_state_name(expect));
	if (want == K_TRUST) {
		if (r.dialogs != 1)
			fail_msg("%s/%s (%s): trust dialog answered %d times", fx->backend,
			         fx->file, locale, r.dialogs);
	} else if (r.keys.len > 0) {
		fail_msg("%s/%s (%s): the detector sent keys '%s'", fx->backend, fx->file, locale,
		         r.keys.data);
	}
	buf_free(&r.keys);
}

/* ---------------------------------------------------------------------------
 * Tests.
 */

static void
test_fixture(void **state)
{
	const struct fixture *fx = *state;
	static const char *const locales[] = { "C", "C.UTF-8" };
	const struct catalog_item *item = catalog_find(cat, STORE_CATALOG_BACKEND, fx->backend, 0);
	struct patterns p = { 0 };
	enum kind want = fx->kind;
	char *screen, *tail;

	if (fx->bad_name != NULL)
		fail_msg("%s", fx->bad_name);
	if (item == NULL)
		fail_msg("fixture directory %s names no backend in the catalog", fx->backend);
	patterns_load(item->json, &p);
	if (want == K_TRUST && p.n[K_TRUST] == 0)
		want = K_NEEDS; /* trust is pre-accepted by configuration: a person decides */
	screen = rendered(fx);
	tail = detect_last_lines(screen, p.last_lines);
	for (size_t l = 0; l < sizeof(locales) / sizeof(locales[0]); l++) {
		if (setlocale(LC_ALL, locales[l]) == NULL)
			fail_msg("locale %s is not available", locales[l]);
		check_patterns(fx, &p, want, tail, locales[l]);
		check_detector(fx, &p, want, screen, locales[l]);
	}
	setlocale(LC_ALL, "C");
	free(tail);
	free(screen);
	patterns_free(&p);
}

static void
test_every_backend_has_fixtures(void **state)
{
	(void)state;
	for (size_t i = 0; i < catalog_count(cat, STORE_CATALOG_BACKEND); i++) {
		const struct catalog_item *it = catalog_get(cat, STORE_CATALOG_BACKEND, i);
		bool have[K_COUNT] = { false };

		for (size_t f = 0; f < n_fixtures; f++)
			if (strcmp(fixtures[f].backend, it->name) == 0 &&
			    fixtures[f].kind < K_COUNT)
				have[fixtures[f].kind] = true;
		for (int k = K_READY; k <= K_NEEDS; k++)
			if (!have[k])
				fail_msg("backend %s has no %s fixture under %s/%s/", it->name,
				         kind_names[k], FIXTURES, it->name);
	}
}

/* ---------------------------------------------------------------------------
 * Fixture discovery.
 */

static int
by_path(const void *a, const void *b)
{
	return strcmp(((const struct fixture *)a)->path, ((const struct fixture *)b)->path);
}

/* "<state>[-<what>]-<cols>x<rows>.txt"; a bad name fails the fixture's test. */
static void
parse_name(struct fixture *fx)
{
	const char *dash = strchr(fx->file, '-');
	const char *last = strrchr(fx->file, '-');
	size_t len = dash ? (size_t)(dash - fx->file) : 0;
	char x, rest[8];
	int k;

	for (k = 0; k < K_COUNT; k++)
		if (strlen(kind_names[k]) == len && strncmp(fx->file, kind_names[k], len) == 0)
			break;
	fx->kind = (enum kind)k;
	if (k == K_COUNT)
		fx->bad_name =
		    xasprintf("%s/%s: the name does not start with a state (ready, busy, "
		              "needsInput, trust or none) and a dash",
		              fx->backend, fx->file);
	else if (sscanf(last + 1, "%d%c%d%7s", &fx->cols, &x, &fx->rows, rest) != 4 || x != 'x' ||
	         strcmp(rest, ".txt") != 0 || fx->cols < 20 || fx->rows < 5 || fx->cols > 500 ||
	         fx->rows > 500)
		fx->bad_name = xasprintf("%s/%s: the name does not end in -<cols>x<rows>.txt",
		                         fx->backend, fx->file);
}

static void
discover(void)
{
	DIR *top = opendir(FIXTURES), *dir;
	struct dirent *b, *f;
	size_t cap = 0;

	if (top == NULL) {
		fprintf(stderr, "cannot open %s\n", FIXTURES);
		exit(1);
	}
	while ((b = readdir(top)) != NULL) {
		char *sub;

		if (b->d_name[0] == '.')
			continue;
		sub = xasprintf("%s/%s", FIXTURES, b->d_name);
		dir = opendir(sub);
		if (dir == NULL) {
			free(sub);
			continue;
		}
		while ((f = readdir(dir)) != NULL) {
			size_t len = strlen(f->d_name);

			if (len < 5 || strcmp(f->d_name + len - 4, ".txt") != 0)
				continue;
			if (n_fixtures == cap) {
				cap = cap ? 2 * cap : 64;
				fixtures = xrealloc(fixtures, cap * sizeof(*fixtures));
			}
			fixtures[n_fixtures].backend = xstrdup(b->d_name);
			fixtures[n_fixtures].file = xstrdup(f->d_name);
			fixtures[n_fixtures].path = xasprintf("%s/%s", sub, f->d_name);
			fixtures[n_fixtures].bad_name = NULL;
			parse_name(&fixtures[n_fixtures]);
			n_fixtures++;
		}
		closedir(dir);
		free(sub);
	}
	closedir(top);
	qsort(fixtures, n_fixtures, sizeof(*fixtures), by_path);
}

int
main(void)
{
	struct df_error err;
	struct CMUnitTest *tests;
	char **names;
	int rc;

	setlocale(LC_ALL, "C");
	cat = catalog_load(DEVFLOW_SRCDIR, NULL, &err);
	if (cat == NULL) {
		fprintf(stderr, "catalog_load: %s\n", err.message);
		return 1;
	}
	discover();
	tests = xcalloc(n_fixtures + 1, sizeof(*tests));
	names = xcalloc(n_fixtures, sizeof(*names));
	tests[0] = (struct CMUnitTest)cmocka_unit_test(test_every_backend_has_fixtures);
	for (size_t i = 0; i < n_fixtures; i++) {
		names[i] = xasprintf("%s/%s", fixtures[i].backend, fixtures[i].file);
		tests[i + 1] = (struct CMUnitTest){ .name = names[i],
			                            .test_func = test_fixture,
			                            .initial_state = &fixtures[i] };
	}
	rc = _cmocka_run_group_tests("backend_fixtures", tests, n_fixtures + 1, NULL, NULL);
	for (size_t i = 0; i < n_fixtures; i++) {
		free(names[i]);
		free(fixtures[i].backend);
		free(fixtures[i].file);
		free(fixtures[i].path);
		free(fixtures[i].bad_name);
	}
	free(names);
	free(tests);
	free(fixtures);
	catalog_free(cat);
	return rc;
}
