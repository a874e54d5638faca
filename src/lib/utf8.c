/*
 * UTF-8 well-formedness, decoding and encoding (see utf8.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "utf8.h"

size_t
utf8_seq(const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	/* The second byte's range excludes overlongs, surrogates and > U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

size_t
utf8_check(const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i = 0, k;

	while (i < n) {
		if ((k = utf8_seq(s + i, n - i)) == 0)
			return i;
		i += k;
	}
	return n;
}

int
utf8_text_check(const char *s, size_t n, char *why, size_t whylen)
{
	const char *nul = memchr(s, '\0', n);
	size_t bad = utf8_check(s, n);

	if (nul != NULL && (size_t)(nul - s) <= bad) {
		snprintf(why, whylen, "a NUL byte at offset %zu", (size_t)(nul - s));
		return -1;
	}
	if (bad < n) {
		snprintf(why, whylen, "invalid UTF-8 at offset %zu (byte 0x%02x)", bad,
		         (unsigned char)s[bad]);
		return -1;
	}
	return 0;
}

size_t
utf8_decode(const void *p, size_t n, uint32_t *out)
{
	const unsigned char *s = p;
	size_t len = n > 0 ? utf8_seq(s, n) : 0;
	static const unsigned char lead_mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t c;

	if (len == 0)
		return 0;
	c = s[0] & lead_mask[len];
	for (size_t i = 1; i < len; i++)
		c = (c << 6) | (s[i] & 0x3f);
	*out = c;
	return len;
}

size_t
utf8_encode(uint32_t c, char out[4])
{
	if (c > 0x10ffff)
		c = 0xfffd;
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

size_t
utf8_count(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}
