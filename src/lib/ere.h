/*
 * Bounds on POSIX extended regular expressions before glibc compiles them.
 * glibc's regcomp and regexec have no limits of their own: stacked or
 * nested quantifiers over what can match the empty string ("^a**{9}+",
 * "^(((a*)*){9})+$") take minutes to compile, and counted repetitions
 * multiply ("(a{1,100}){1,100}" is 10,000 positions, seconds per match).
 * Patterns come from files people and agents write (schemas, backends), so
 * each is checked first and refused with a reason instead of hanging.
 */
#ifndef DEVFLOW_ERE_H
#define DEVFLOW_ERE_H

#include <regex.h>
#include <stddef.h>

/* The longest pattern accepted, in bytes (as written by the user). */
#define ERE_MAX_LENGTH 1000
/* The most positions a pattern may expand to once counted repetitions are unrolled. */
#define ERE_MAX_POSITIONS 1000

/*
 * Is the ERE within bounds? Refused: a quantifier right after another
 * ("a**", "a{2}+": ECMA-262 calls it a syntax error, POSIX leaves it
 * undefined), a quantifier other than "?" over an expression that can match
 * the empty string ("(a*)*", "(a|)+"), more than ERE_MAX_POSITIONS positions
 * once {n,m} are unrolled, groups nested deeper than 64. Syntax errors are
 * left to regcomp. Returns 0, or -1 with why filled ("pattern too complex:
 * ...").
 */
int ere_check(const char *ere, char *why, size_t whylen);

/*
 * ere_check (and the ERE_MAX_LENGTH limit), then regcomp with cflags.
 * Returns 0 (free re with regfree), or -1 with why filled (the bound, or
 * regcomp's message); re is then not to be freed.
 */
int ere_compile(regex_t *re, const char *ere, int cflags, char *why, size_t whylen);

#endif
