/*
 * Small string helpers (see str.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "str.h"

int
str_cmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
str_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
str_vec_free(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

long
str_search(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	int fold = 1;

	for (const char *p = needle; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			fold = 0;
	if (n == 0)
		return -1;
	if (!fold) {
		const char *hit = strstr(hay, needle);

		return hit != NULL ? (long)(hit - hay) : -1;
	}
	for (const char *h = hay; *h; h++) {
		size_t i = 0;

		while (i < n && h[i] != '\0' &&
		       lower((unsigned char)h[i]) == (unsigned char)needle[i])
			i++;
		if (i == n)
			return (long)(h - hay);
	}
	return -1;
}
