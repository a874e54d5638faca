# Test harness. Every test speaks TAP: cmocka programs (CMOCKA_MESSAGE_OUTPUT=TAP)
# and shell scripts (tests/lib.sh). Scripts ending in .test use the plain
# exit-code driver (0 pass, 77 skip), for suites that may be absent.
TEST_EXTENSIONS = .sh .test
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_COMPILER = $(SHELL)
TEST_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	CMOCKA_MESSAGE_OUTPUT=TAP; export CMOCKA_MESSAGE_OUTPUT; \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	DEVFLOW='$(abs_top_builddir)/devflow'; export DEVFLOW;

UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SQLITE_CFLAGS) $(CJSON_CFLAGS) \
	$(LIBGIT2_CFLAGS) $(VTERM_CFLAGS) $(CRYPTO_CFLAGS) $(UUID_CFLAGS)
UNIT_LIBS = $(DEVFLOW_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_canon tests/unit/test_error
check_PROGRAMS += tests/unit/test_store tests/unit/test_catalog
tests_unit_test_catalog_SOURCES = tests/unit/test_catalog.c
tests_unit_test_catalog_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_catalog_LDADD = $(UNIT_LIBS)
tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_store_LDADD = $(UNIT_LIBS)
check_PROGRAMS += tests/unit/test_loop tests/unit/test_screen tests/unit/test_session \
	tests/unit/test_detect tests/unit/session_dump
tests_unit_test_loop_SOURCES = tests/unit/test_loop.c
tests_unit_test_loop_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_loop_LDADD = $(UNIT_LIBS)
tests_unit_test_screen_SOURCES = tests/unit/test_screen.c
tests_unit_test_screen_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_screen_LDADD = $(UNIT_LIBS)
tests_unit_test_session_SOURCES = tests/unit/test_session.c
tests_unit_test_session_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_session_LDADD = $(UNIT_LIBS)
tests_unit_test_detect_SOURCES = tests/unit/test_detect.c
tests_unit_test_detect_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_detect_LDADD = $(UNIT_LIBS)
tests_unit_session_dump_SOURCES = tests/unit/session_dump.c
tests_unit_session_dump_CFLAGS = $(UNIT_CFLAGS)
tests_unit_session_dump_LDADD = $(UNIT_LIBS)
tests_unit_test_canon_SOURCES = tests/unit/test_canon.c
tests_unit_test_canon_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_canon_LDADD = $(UNIT_LIBS)
tests_unit_test_error_SOURCES = tests/unit/test_error.c
tests_unit_test_error_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_error_LDADD = $(UNIT_LIBS)

check_PROGRAMS += tests/unit/test_worktree
tests_unit_test_worktree_SOURCES = tests/unit/test_worktree.c
tests_unit_test_worktree_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_worktree_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/test_worktree
# JSON Schema: unit tests, and the official test suite's runner (a plain
# check program driven by tests/integration/schema-suite.test).
check_PROGRAMS += tests/unit/test_schema tests/unit/schema_suite
tests_unit_test_schema_SOURCES = tests/unit/test_schema.c
tests_unit_test_schema_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_schema_LDADD = $(UNIT_LIBS)
tests_unit_schema_suite_SOURCES = tests/unit/schema_suite.c
tests_unit_schema_suite_CFLAGS = $(UNIT_CFLAGS)
tests_unit_schema_suite_LDADD = $(DEVFLOW_LIBS)
TESTS += tests/unit/test_schema tests/integration/schema-suite.test \
	tests/integration/cli-validate.sh
EXTRA_DIST += tests/integration/schema-suite.test tests/integration/cli-validate.sh

TESTS += tests/unit/test_canon tests/unit/test_error \
	tests/unit/test_store tests/unit/test_catalog \
	tests/integration/catalog-verbs.sh \
	tests/unit/test_loop tests/unit/test_screen tests/unit/test_session \
	tests/unit/test_detect tests/integration/session-render.sh \
	tests/integration/layers.sh \
	tests/integration/data-files.sh \
	tests/integration/cli-basics.sh

# The fake agent, driven in tmux; json-get reads its artifacts (no python or jq needed).
check_PROGRAMS += tests/tools/json-get
tests_tools_json_get_SOURCES = tests/tools/json-get.c
tests_tools_json_get_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS)
tests_tools_json_get_LDADD = libdevflow.a $(CJSON_LIBS)
TESTS += tests/integration/fake-agent.sh
EXTRA_DIST += tests/integration/fake-agent.sh
check_PROGRAMS += tests/unit/test_fake
tests_unit_test_fake_SOURCES = tests/unit/test_fake.c src/fake.c src/fake.h
tests_unit_test_fake_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fake_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/test_fake
EXTRA_DIST += tests/lib.sh tests/integration/layers.sh tests/integration/data-files.sh \
	tests/integration/catalog-verbs.sh tests/integration/cli-basics.sh
EXTRA_DIST += tests/integration/session-render.sh
# Built-in backends against screens recorded from the real agent CLIs.
check_PROGRAMS += tests/unit/test_backend_fixtures
tests_unit_test_backend_fixtures_SOURCES = tests/unit/test_backend_fixtures.c
tests_unit_test_backend_fixtures_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_backend_fixtures_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/test_backend_fixtures
EXTRA_DIST += tests/fixtures/screens tests/tools/screen-recording
