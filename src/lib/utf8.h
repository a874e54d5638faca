/*
 * UTF-8 as the protocol, the schema validator and the worktree checks take
 * it: well-formed sequences only (no overlong forms, no surrogates, nothing
 * past U+10FFFF), and text that a JSON string carries whole (no NUL).
 */
#ifndef DEVFLOW_UTF8_H
#define DEVFLOW_UTF8_H

#include <stddef.h>

/*
 * Length of the well-formed UTF-8 sequence at p (at most n bytes), 0 when
 * there is none: no overlong forms, no surrogates, nothing past U+10FFFF.
 */
size_t utf8_seq(const void *p, size_t n);

/* Offset of the first byte of p that is not well-formed UTF-8, or n. */
size_t utf8_check(const void *p, size_t n);

/*
 * Is s (n bytes) text that a JSON string carries whole: UTF-8 without NUL?
 * Returns 0, or -1 with why filled ("a NUL byte at offset 12", "invalid
 * UTF-8 at offset 3 (byte 0xff)").
 */
int utf8_text_check(const char *s, size_t n, char *why, size_t whylen);

#endif
