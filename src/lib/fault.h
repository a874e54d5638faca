/*
 * Test faults: $DEVFLOW_TEST_FAULT names points where a test makes the
 * server die (kill -9 at a chosen step) or slow down, so the integration
 * tests can show that a crash there loses nothing and that slow git work
 * does not hold the loop. Its value is a comma-separated list of "name" or
 * "name:arg" (e.g. "commit-slow:3000,phase-completed:implement"); unset in
 * real use, where every check below is a no-op.
 */
#ifndef DEVFLOW_FAULT_H
#define DEVFLOW_FAULT_H

#include <stddef.h>

/*
 * Is the fault name set? 1 with its argument in arg ("" when it has none;
 * cut to n - 1 bytes), or 0 when it is not set. arg may be NULL when n is 0.
 */
int fault_get(const char *name, char *arg, size_t n);

/* Is the fault name set with exactly the argument value ("name:value")? */
int fault_is(const char *name, const char *value);

#endif
