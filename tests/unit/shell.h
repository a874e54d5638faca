/*
 * Shell commands for the unit tests that build real git repositories with
 * git itself (test_land, test_worktree): run one, or read its output. A
 * command that cannot be started fails the test (cmocka).
 */
#ifndef DEVFLOW_TEST_SHELL_H
#define DEVFLOW_TEST_SHELL_H

#include <stdarg.h>

/* Run the command (printf format) with sh; returns its exit status, -1 when it did not run. */
int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The command's standard output without its trailing newlines. The caller frees. */
char *sh_vout(const char *fmt, va_list ap);
char *sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
