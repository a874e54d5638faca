/*
 * tui-fill: fill a workspace's database for the TUI benchmark, through the
 * store API (as the engine would): RUNS finished runs (completed, with a
 * report path so the server's recovery leaves them alone) of EVENTS events
 * each, spread over the last days. The workspace's server must have run
 * once (it loads the catalog; the runs need a template row) and must be
 * stopped while this runs.
 *
 * Usage: tui-fill WORKSPACE RUNS EVENTS-PER-RUN
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"

static int
fail(const struct df_error *err)
{
	fprintf(stderr, "tui-fill: %s\n", err->message);
	return 1;
}

int
main(int argc, char **argv)
{
	struct df_error err;
	struct store *st;
	struct store_catalog_entry *tpl = NULL;
	size_t ntpl = 0;
	long runs, events;
	int64_t now_ms = (int64_t)time(NULL) * 1000;

	if (argc != 4 || (runs = atol(argv[2])) <= 0 || (events = atol(argv[3])) < 0) {
		fprintf(stderr, "usage: tui-fill WORKSPACE RUNS EVENTS-PER-RUN\n");
		return 2;
	}
	if ((st = store_open(argv[1], &err)) == NULL)
		return fail(&err);
	if (store_catalog_list(st, STORE_CATALOG_TEMPLATE, &tpl, &ntpl, &err) != 0)
		return fail(&err);
	if (ntpl == 0) {
		fprintf(stderr, "tui-fill: no template in %s: run its server once first\n",
		        argv[1]);
		return 1;
	}
	if (store_begin(st, &err) != 0)
		return fail(&err);
	for (long r = 0; r < runs; r++) {
		char id[64], repo[64], base[32], wt[256], ts[STORE_TS_MAX], report[300];
		struct store_run_new rn = { 0 };
		int64_t t0 = now_ms - (runs - r) * 60000;

		snprintf(id, sizeof id, "bench%03ld-0000-4000-8000-%012ld", r % 1000, r);
		snprintf(repo, sizeof repo, "/srv/repos/project-%ld", r % 37);
		snprintf(base, sizeof base, "branch-%ld", r);
		snprintf(wt, sizeof wt, "%s/%s/main", argv[1], id);
		snprintf(report, sizeof report, "%s/%s/%s.report.md", argv[1], id, id);
		store_format_ts(t0, ts);
		rn.id = id;
		rn.template_id = tpl[0].id;
		rn.template_hash = tpl[0].hash;
		rn.state = "created";
		rn.repo_path = repo;
		rn.base_branch = base;
		rn.worktree_root = wt;
		rn.created_at = ts;
		if (store_run_insert(st, &rn, &err) != 0)
			goto rollback;
		for (long e = 0; e < events; e++) {
			char key[128], pl[128];

			snprintf(key, sizeof key, "bench:%s:%ld", id, e);
			snprintf(pl, sizeof pl, "{\"phaseKey\":\"plan\",\"attempt\":%ld}", e);
			store_format_ts(t0 + e * 10, ts);
			if (store_event_append(st, id, e == 0 ? "run.created" : "phase.started", pl,
			                       key, ts, NULL, &err) != 0)
				goto rollback;
		}
		store_format_ts(t0 + events * 10 + 1, ts);
		if (store_run_transition(st, id, "completed", NULL, ts, &err) != 0 ||
		    store_run_set_report(st, id, report, ts, &err) != 0)
			goto rollback;
	}
	if (store_commit(st, &err) != 0)
		return fail(&err);
	store_catalog_entries_free(tpl, ntpl);
	store_close(st);
	printf("tui-fill: %ld runs, %ld events\n", runs, runs * events);
	return 0;
rollback:
	store_rollback(st);
	return fail(&err);
}
