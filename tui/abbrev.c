/*
 * The short forms of names in narrow list columns (abbrev.h): one table,
 * shown in the help screen's legend.
 */
#include "config.h"

#include <string.h>

#include "abbrev.h"

/* Only the names longer than ABBREV_STATE_WIDTH: the others fit as they are. */
static const struct {
	const char *name, *abbr;
} states[] = {
	{ "awaiting_approval", "await_appr" },
	{ "awaiting_artifact", "await_art" },
};

const char *
abbrev_state(const char *state)
{
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
		if (strcmp(states[i].name, state) == 0)
			return states[i].abbr;
	return state;
}

void
abbrev_legend(struct buf *b, const char *indent)
{
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
		buf_printf(b, "%s%-14s %s\n", indent, states[i].abbr, states[i].name);
}
