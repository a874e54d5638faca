/*
 * The short forms the list columns use when a name does not fit: a fixed
 * table, so a state is shortened the same way everywhere and the help
 * screen can list them (its legend), instead of a name cut where the
 * column happens to end. No curses: unit-tested.
 */
#ifndef DEVFLOW_TUI_ABBREV_H
#define DEVFLOW_TUI_ABBREV_H

#include "lib/buf.h"

/* The width (in cells) of the widest short state name. */
#define ABBREV_STATE_WIDTH 10

/* The short form of a run's or phase's state ("await_appr"), or state itself. */
const char *abbrev_state(const char *state);

/*
 * Append the legend to b, one "short  long" line per entry, each after
 * indent (the help screen's).
 */
void abbrev_legend(struct buf *b, const char *indent);

#endif
