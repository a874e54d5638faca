/*
 * Test faults (see fault.h): $DEVFLOW_TEST_FAULT read at each check, so a
 * test sets it for the one server it starts.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

int
fault_get(const char *name, char *arg, size_t n)
{
	const char *p = getenv("DEVFLOW_TEST_FAULT");
	size_t len = strlen(name);

	while (p != NULL && *p != '\0') {
		size_t item = strcspn(p, ",");

		if (item >= len && strncmp(p, name, len) == 0 && (item == len || p[len] == ':')) {
			const char *a = item == len ? p + len : p + len + 1;
			size_t alen = (size_t)(p + item - a);

			if (n > 0)
				snprintf(arg, n, "%.*s", (int)alen, a);
			return 1;
		}
		p += item;
		if (*p == ',')
			p++;
	}
	return 0;
}

int
fault_is(const char *name, const char *value)
{
	char arg[256];

	return fault_get(name, arg, sizeof(arg)) && strcmp(arg, value) == 0;
}
