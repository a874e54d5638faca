/*
 * Error values: construction, formatting and the code name table generated
 * from the DF_ERROR_CODES X-macro.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static const char *const code_names[] = {
#define DF_X(id, name) name,
	DF_ERROR_CODES(DF_X)
#undef DF_X
};

int
df_error_set(struct df_error *err, enum df_class class, enum df_code code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	memset(err, 0, sizeof(*err));
	err->class = class;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

void
df_error_hint(struct df_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
	va_end(ap);
}

void
df_error_prefix(struct df_error *err, const char *fmt, ...)
{
	char prefix[512];
	size_t plen, mlen, cap = sizeof(err->message);
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	/* Shift the message right, truncating its tail if the whole does not fit. */
	plen = strlen(prefix) + 2;
	mlen = strnlen(err->message, cap - 1);
	if (mlen > cap - 1 - plen)
		mlen = cap - 1 - plen;
	memmove(err->message + plen, err->message, mlen);
	err->message[plen + mlen] = '\0';
	memcpy(err->message, prefix, plen - 2);
	memcpy(err->message + plen - 2, ": ", 2);
}

void
df_error_clear(struct df_error *err)
{
	if (err != NULL)
		memset(err, 0, sizeof(*err));
}

const char *
df_code_name(enum df_code code)
{
	if ((unsigned)code >= DF_E__COUNT)
		return "unknown";
	return code_names[code];
}

const char *df_class_name(enum df_class class)
{
	switch (class) {
	case DF_FATAL:
		return "fatal";
	case DF_HUMAN_REQUIRED:
		return "human_required";
	case DF_RETRYABLE:
		return "retryable";
	}
	return "unknown";
}

enum df_code
df_code_from_name(const char *name)
{
	for (size_t i = 0; i < DF_E__COUNT; i++)
		if (strcmp(code_names[i], name) == 0)
			return (enum df_code)i;
	return DF_E_NONE;
}
