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
tests_unit_test_canon_SOURCES = tests/unit/test_canon.c
tests_unit_test_canon_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_canon_LDADD = $(UNIT_LIBS)
tests_unit_test_error_SOURCES = tests/unit/test_error.c
tests_unit_test_error_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_error_LDADD = $(UNIT_LIBS)

# The protocol wire layer (proto, sock, client). echo-server is not a test:
# test_client starts it through the client's autostart.
check_PROGRAMS += tests/unit/test_proto tests/unit/test_sock tests/unit/test_client \
	tests/unit/echo-server
tests_unit_test_proto_SOURCES = tests/unit/test_proto.c
tests_unit_test_proto_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_proto_LDADD = $(UNIT_LIBS)
tests_unit_test_sock_SOURCES = tests/unit/test_sock.c
tests_unit_test_sock_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sock_LDADD = $(UNIT_LIBS)
tests_unit_test_client_SOURCES = tests/unit/test_client.c \
	tests/unit/echo_server.c tests/unit/echo_server.h
tests_unit_test_client_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_client_LDADD = $(UNIT_LIBS)
tests_unit_echo_server_SOURCES = tests/unit/echo-server-main.c \
	tests/unit/echo_server.c tests/unit/echo_server.h
tests_unit_echo_server_CFLAGS = $(UNIT_CFLAGS)
tests_unit_echo_server_LDADD = $(DEVFLOW_LIBS)
TESTS += tests/unit/test_proto tests/unit/test_sock tests/unit/test_client

TESTS += tests/unit/test_canon tests/unit/test_error \
	tests/integration/layers.sh \
	tests/integration/cli-basics.sh

EXTRA_DIST += tests/lib.sh tests/integration/layers.sh tests/integration/cli-basics.sh
