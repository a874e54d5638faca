/*
 * The two clocks devflow reads: a monotonic one for deadlines and timers
 * (never jumps with the wall clock) and the wall clock for timestamps.
 * Modules that need time to be injectable (the loop, the engine) take a
 * clock of their own and use these as the production defaults.
 */
#ifndef DEVFLOW_CLOCK_H
#define DEVFLOW_CLOCK_H

#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC (an arbitrary origin). */
int64_t clock_mono_ms(void);

/* Milliseconds since the epoch (CLOCK_REALTIME). */
int64_t clock_wall_ms(void);

#endif
