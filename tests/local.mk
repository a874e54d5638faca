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
tests_unit_test_canon_SOURCES = tests/unit/test_canon.c
tests_unit_test_canon_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_canon_LDADD = $(UNIT_LIBS)
tests_unit_test_error_SOURCES = tests/unit/test_error.c
tests_unit_test_error_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_error_LDADD = $(UNIT_LIBS)

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
check_PROGRAMS += tests/unit/test_worktree
tests_unit_test_worktree_SOURCES = tests/unit/test_worktree.c
tests_unit_test_worktree_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_worktree_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/test_worktree

TESTS += tests/unit/test_canon tests/unit/test_error \
	tests/unit/test_store tests/unit/test_catalog \
	tests/integration/catalog-verbs.sh \
	tests/integration/layers.sh \
	tests/integration/data-files.sh \
	tests/integration/cli-basics.sh

EXTRA_DIST += tests/lib.sh tests/integration/layers.sh tests/integration/data-files.sh \
	tests/integration/catalog-verbs.sh tests/integration/cli-basics.sh

# The engine: bindings, reports, rules and flows (one cmocka group each).
ENGINE_TEST_SOURCES = tests/unit/engine_harness.c tests/unit/engine_harness.h
check_PROGRAMS += tests/unit/test_engine_flow
tests_unit_test_engine_flow_SOURCES = tests/unit/test_engine_flow.c $(ENGINE_TEST_SOURCES)
tests_unit_test_engine_flow_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_engine_flow_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/test_engine_flow
check_PROGRAMS += tests/unit/test_engine_rules
tests_unit_test_engine_rules_SOURCES = tests/unit/test_engine_rules.c $(ENGINE_TEST_SOURCES)
tests_unit_test_engine_rules_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_engine_rules_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/test_engine_rules
check_PROGRAMS += tests/unit/test_binding
tests_unit_test_binding_SOURCES = tests/unit/test_binding.c
tests_unit_test_binding_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_binding_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/test_binding
check_PROGRAMS += tests/unit/test_report
tests_unit_test_report_SOURCES = tests/unit/test_report.c $(ENGINE_TEST_SOURCES)
tests_unit_test_report_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_report_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/test_report
check_PROGRAMS += tests/unit/test_instructions
tests_unit_test_instructions_SOURCES = tests/unit/test_instructions.c
tests_unit_test_instructions_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_instructions_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/test_instructions
