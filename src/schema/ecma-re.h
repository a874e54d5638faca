/*
 * ECMA-262 regular expressions, as schema patterns are written, translated
 * to POSIX extended ones (ecma-re.c lists what is supported). Internal to
 * src/schema/.
 */
#ifndef DEVFLOW_SCHEMA_ECMA_RE_H
#define DEVFLOW_SCHEMA_ECMA_RE_H

#include <regex.h>
#include <stddef.h>

/*
 * Translate and compile an ECMA-262 pattern. Returns 0 (free re with
 * regfree), or -1 with why filled (an unsupported feature or the regcomp
 * error).
 */
int sch_rx_compile(const char *pattern, regex_t *re, char *why, size_t whylen);

/* Whether the compiled pattern matches anywhere in the NUL-terminated s. */
int sch_rx_search(const regex_t *re, const char *s);

#endif
