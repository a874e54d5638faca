/*
 * UTF-8 as the protocol, the schema validator and the worktree checks take
 * it: well-formed sequences only (no overlong forms, no surrogates, nothing
 * past U+10FFFF), and text that a JSON string carries whole (no NUL).
 */
#ifndef DEVFLOW_UTF8_H
#define DEVFLOW_UTF8_H

#include <stddef.h>
#include <stdint.h>

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

/*
 * Decode the well-formed sequence at p (at most n bytes) into *out: its
 * length, or 0 when there is none (utf8_seq's rules; *out untouched).
 */
size_t utf8_decode(const void *p, size_t n, uint32_t *out);

/*
 * Encode c into out: its length, 1 to 4. A value past U+10FFFF encodes as
 * U+FFFD; a surrogate is encoded as it is (callers that write text for
 * others replace it first).
 */
size_t utf8_encode(uint32_t c, char out[4]);

/* The code points in the NUL-terminated UTF-8 text s (continuation bytes not counted). */
size_t utf8_count(const char *s);

#endif
