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

TESTS += tests/unit/test_canon tests/unit/test_error \
	tests/unit/test_loop tests/unit/test_screen tests/unit/test_session \
	tests/unit/test_detect tests/integration/session-render.sh \
	tests/integration/layers.sh \
	tests/integration/cli-basics.sh

EXTRA_DIST += tests/integration/session-render.sh tests/lib.sh tests/integration/layers.sh tests/integration/cli-basics.sh
