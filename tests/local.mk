# Test harness. Every test speaks TAP: cmocka programs (CMOCKA_MESSAGE_OUTPUT=TAP)
# and shell scripts (tests/lib.sh). Scripts ending in .test use the plain
# exit-code driver (0 pass, 77 skip), for suites that may be absent.
# A unit test tests/unit/test_x is built from tests/unit/test_x.c (automake's
# default source) and linked with libdevflow and cmocka: add its name to
# UNIT_TESTS; extra sources go in tests_unit_test_x_SOURCES.
# Shell tests make their environment hermetic by sourcing tests/lib.sh; the
# programs and the .test scripts run through tests/hermetic-run, which does
# the same for them (see the rules atop tests/lib.sh).
TEST_EXTENSIONS = .sh .test
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
LOG_COMPILER = $(SHELL) $(top_srcdir)/tests/hermetic-run
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_COMPILER = $(SHELL)
TEST_LOG_COMPILER = $(SHELL) $(top_srcdir)/tests/hermetic-run $(SHELL)
AM_TESTS_ENVIRONMENT = \
	CMOCKA_MESSAGE_OUTPUT=TAP; export CMOCKA_MESSAGE_OUTPUT; \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	DEVFLOW='$(abs_top_builddir)/devflow'; export DEVFLOW;

# Programs without their own _LDADD (the tests) link this.
LDADD = $(DEVFLOW_LIBS) $(CMOCKA_LIBS)

UNIT_TESTS = \
	tests/unit/test_agentcfg \
	tests/unit/test_args \
	tests/unit/test_backend_fixtures \
	tests/unit/test_binding \
	tests/unit/test_canon \
	tests/unit/test_conf \
	tests/unit/test_spawn \
	tests/unit/test_catalog \
	tests/unit/test_client \
	tests/unit/test_detect \
	tests/unit/test_driver \
	tests/unit/test_e2e_fake \
	tests/unit/test_engine_checks \
	tests/unit/test_engine_commit \
	tests/unit/test_engine_flow \
	tests/unit/test_engine_rebase \
	tests/unit/test_engine_recovery \
	tests/unit/test_engine_rules \
	tests/unit/test_ere \
	tests/unit/test_error \
	tests/unit/test_fault \
	tests/unit/test_fake \
	tests/unit/test_grid \
	tests/unit/test_histbuf \
	tests/unit/test_histnum \
	tests/unit/test_history \
	tests/unit/test_instructions \
	tests/unit/test_keyin \
	tests/unit/test_land \
	tests/unit/test_list \
	tests/unit/test_loop \
	tests/unit/test_messages \
	tests/unit/test_notify \
	tests/unit/test_proto \
	tests/unit/test_question \
	tests/unit/test_report \
	tests/unit/test_schema \
	tests/unit/test_screen \
	tests/unit/test_screen_parity \
	tests/unit/test_server \
	tests/unit/test_session \
	tests/unit/test_sock \
	tests/unit/test_states \
	tests/unit/test_store \
	tests/unit/test_tui \
	tests/unit/test_utf8 \
	tests/unit/test_watch \
	tests/unit/test_worker \
	tests/unit/test_worktree

SHELL_TESTS = \
	tests/integration/catalog-verbs.sh \
	tests/integration/cli-basics.sh \
	tests/integration/cli-config.sh \
	tests/integration/cli-errors.sh \
	tests/integration/cli-help.sh \
	tests/integration/cli-start-branch.sh \
	tests/integration/completion.sh \
	tests/integration/cli-validate.sh \
	tests/integration/data-files.sh \
	tests/integration/fake-agent.sh \
	tests/integration/hermetic.sh \
	tests/integration/install.sh \
	tests/integration/layers.sh \
	tests/integration/man.sh \
	tests/integration/schema-suite.test \
	tests/integration/screen-workout.sh \
	tests/integration/session-render.sh \
	tests/integration/proto-results.sh \
	tests/integration/server-clean.sh \
	tests/integration/server-commit.sh \
	tests/integration/server-cli.sh \
	tests/integration/server-land.sh \
	tests/integration/server-rebase.sh \
	tests/integration/server-clients.sh \
	tests/integration/server-process.sh \
	tests/integration/server-checks.sh \
	tests/integration/server-reload.sh \
	tests/integration/server-restart.sh \
	tests/integration/server-notify.sh \
	tests/integration/server-pause-restart.sh \
	tests/integration/server-self-check.sh \
	tests/integration/server-trust.sh \
	tests/integration/server-wait.sh \
	tests/integration/server-attach.sh \
	tests/integration/server-demo.sh \
	tests/integration/server-doctor.sh \
	tests/integration/server-hooks.sh \
	tests/integration/server-answer.sh \
	tests/integration/server-artifact-files.sh \
	tests/integration/server-frames.sh \
	tests/integration/server-history.sh \
	tests/integration/patterns.sh \
	tests/integration/tui-agent-state.sh \
	tests/integration/tui-ask.sh \
	tests/integration/tui-answer.sh \
	tests/integration/tui-demo.sh \
	tests/integration/tui-events.sh \
	tests/integration/tui-flow.sh \
	tests/integration/tui-form.sh \
	tests/integration/tui-history.sh \
	tests/integration/tui-input.sh \
	tests/integration/tui-land.sh \
	tests/integration/tui-rebase.sh \
	tests/integration/tui-layouts.sh \
	tests/integration/tui-lists.sh \
	tests/integration/tui-paste.sh \
	tests/integration/tui-reconnect.sh \
	tests/integration/tui-status.sh \
	tests/integration/tui-tmux.sh \
	tests/integration/tui-views.sh

# Helpers the tests run: the schema suite runner, a session screen dumper,
# json-get (reads JSON files; no python or jq needed), and echo-server (a
# tiny protocol server test_client starts through the client's autostart).
check_PROGRAMS += $(UNIT_TESTS) tests/unit/schema_suite tests/unit/session_dump \
	tests/tools/json-get tests/tools/rawframe tests/tools/subreaper tests/unit/echo-server \
	bench/tui-fill
TESTS += $(UNIT_TESTS) $(SHELL_TESTS)
EXTRA_DIST += tests/lib.sh tests/hermetic-run tests/integration/server-lib.sh tests/tui-lib.sh $(SHELL_TESTS) \
	tests/fixtures/screens tests/fixtures/jsonschema-test-suite tests/tools/screen-recording

# The engine's tests share a harness: fake clock, scripted driver, real git repos.
ENGINE_HARNESS = tests/unit/engine_harness.c tests/unit/engine_harness.h
TEST_SHELL = tests/unit/shell.c tests/unit/shell.h
tests_unit_test_land_SOURCES = tests/unit/test_land.c $(TEST_SHELL)
tests_unit_test_worktree_SOURCES = tests/unit/test_worktree.c $(TEST_SHELL)
tests_unit_test_engine_flow_SOURCES = tests/unit/test_engine_flow.c $(ENGINE_HARNESS)
tests_unit_test_engine_checks_SOURCES = tests/unit/test_engine_checks.c $(ENGINE_HARNESS)
tests_unit_test_engine_commit_SOURCES = tests/unit/test_engine_commit.c $(ENGINE_HARNESS)
tests_unit_test_engine_rules_SOURCES = tests/unit/test_engine_rules.c $(ENGINE_HARNESS)
tests_unit_test_engine_rebase_SOURCES = tests/unit/test_engine_rebase.c $(ENGINE_HARNESS)
tests_unit_test_engine_recovery_SOURCES = tests/unit/test_engine_recovery.c $(ENGINE_HARNESS)
tests_unit_test_report_SOURCES = tests/unit/test_report.c $(ENGINE_HARNESS)
tests_unit_test_fake_SOURCES = tests/unit/test_fake.c src/fake/fake.c src/fake/fake.h
tests_unit_test_args_SOURCES = tests/unit/test_args.c src/cli/args.c src/cli/args.h
ECHO_SERVER = tests/unit/echo_server.c tests/unit/echo_server.h
tests_unit_test_client_SOURCES = tests/unit/test_client.c $(ECHO_SERVER)
tests_unit_echo_server_SOURCES = tests/unit/echo-server-main.c $(ECHO_SERVER)
tests_unit_test_server_SOURCES = tests/unit/test_server.c $(ENGINE_HARNESS)
# The TUI's terminal-free parts (keys, model, colours, word wrapping), built from tui/ sources.
tests_unit_test_tui_SOURCES = tests/unit/test_tui.c tui/keys.c tui/model.c tui/colour.c tui/draw.c \
	tui/abbrev.c
tests_unit_test_tui_CFLAGS = $(AM_CFLAGS) $(NCURSESW_CFLAGS)
tests_unit_test_tui_LDADD = $(LDADD) $(NCURSESW_LIBS)
# The list panes' position (tui/list.c): no curses.
tests_unit_test_list_SOURCES = tests/unit/test_list.c tui/list.c
# The status line's messages: fitting, expiry and history (draw.c measures text).
tests_unit_test_messages_SOURCES = tests/unit/test_messages.c tui/messages.c tui/draw.c tui/colour.c
tests_unit_test_messages_CFLAGS = $(AM_CFLAGS) $(NCURSESW_CFLAGS)
tests_unit_test_messages_LDADD = $(LDADD) $(NCURSESW_LIBS)
# The history mode's cache of fetched lines, terminal-free.
tests_unit_test_histbuf_SOURCES = tests/unit/test_histbuf.c tui/histbuf.c tui/histbuf.h

# The kill -9 soak: runs, pauses, change requests, approvals and a server
# killed at random moments; never part of `make check` (SOAK_SECONDS,
# SOAK_SEED: see tests/soak/kill-soak.sh).
EXTRA_DIST += tests/soak/kill-soak.sh
soak: devflow$(EXEEXT) devflow-fake-agent$(EXEEXT)
	$(SHELL) $(srcdir)/tests/soak/kill-soak.sh $(builddir)
.PHONY: soak
