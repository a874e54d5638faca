/*
 * The name and flag tables of the state lists in states.h.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "states.h"

struct state_def {
	const char *name;
	unsigned flags;
};

#define DEF_(e, n, f) [e] = { n, f },
#define NOSEP_
static const struct state_def run_states[] = { DF_RUN_STATES(DEF_, NOSEP_) };
static const struct state_def phase_states[] = { DF_PHASE_STATES(DEF_, NOSEP_) };
static const struct state_def approval_states[] = { DF_APPROVAL_STATES(DEF_, NOSEP_) };
static const struct state_def session_states[] = { DF_SESSION_STATES(DEF_, NOSEP_) };
#undef DEF_
#undef NOSEP_

static const struct state_def *
find(const struct state_def *defs, size_t n, const char *name)
{
	if (name != NULL)
		for (size_t i = 0; i < n; i++)
			if (strcmp(defs[i].name, name) == 0)
				return &defs[i];
	return NULL;
}

#define STATE_FUNCS(kind, table)                                                                   \
	const char *df_##kind##_state_name(enum df_##kind##_state s)                               \
	{                                                                                          \
		return (size_t)s < sizeof(table) / sizeof(table[0]) ? table[s].name : "?";         \
	}                                                                                          \
	int df_##kind##_state_parse(const char *name, enum df_##kind##_state *out)                 \
	{                                                                                          \
		const struct state_def *d = find(table, sizeof(table) / sizeof(table[0]), name);   \
                                                                                                   \
		if (d == NULL)                                                                     \
			return -1;                                                                 \
		*out = (enum df_##kind##_state)(d - table);                                        \
		return 0;                                                                          \
	}                                                                                          \
	unsigned df_##kind##_state_flags(const char *name)                                         \
	{                                                                                          \
		const struct state_def *d = find(table, sizeof(table) / sizeof(table[0]), name);   \
                                                                                                   \
		return d != NULL ? d->flags : 0u;                                                  \
	}

STATE_FUNCS(run, run_states)
STATE_FUNCS(phase, phase_states)
STATE_FUNCS(approval, approval_states)
STATE_FUNCS(session, session_states)
