/*
 * Canonical JSON serialisation and SHA-256 hashing (libcrypto), the basis of
 * every content hash devflow records.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "buf.h"
#include "canon.h"
#include "xalloc.h"

static void
put_string(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			buf_puts(b, "\\\"");
			break;
		case '\\':
			buf_puts(b, "\\\\");
			break;
		case '\b':
			buf_puts(b, "\\b");
			break;
		case '\f':
			buf_puts(b, "\\f");
			break;
		case '\n':
			buf_puts(b, "\\n");
			break;
		case '\r':
			buf_puts(b, "\\r");
			break;
		case '\t':
			buf_puts(b, "\\t");
			break;
		default:
			if (*p < 0x20)
				buf_printf(b, "\\u%04x", *p);
			else
				buf_putc(b, (char)*p);
		}
	}
	buf_putc(b, '"');
}

static void
put_number(struct buf *b, double d)
{
	char tmp[64];

	if (!isfinite(d)) {
		buf_puts(b, "null"); /* as JSON.stringify */
		return;
	}
	if (d == floor(d) && fabs(d) < 1e15) {
		buf_printf(b, "%.0f", d == 0 ? 0.0 : d);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	buf_puts(b, tmp);
}

static int
cmp_keys(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a;
	const cJSON *y = *(const cJSON *const *)b;

	return strcmp(x->string, y->string);
}

static void
put_value(struct buf *b, const cJSON *j)
{
	if (cJSON_IsNull(j) || j == NULL) {
		buf_puts(b, "null");
	} else if (cJSON_IsTrue(j)) {
		buf_puts(b, "true");
	} else if (cJSON_IsFalse(j)) {
		buf_puts(b, "false");
	} else if (cJSON_IsNumber(j)) {
		put_number(b, j->valuedouble);
	} else if (cJSON_IsString(j)) {
		put_string(b, j->valuestring);
	} else if (cJSON_IsArray(j)) {
		const cJSON *it;
		int first = 1;

		buf_putc(b, '[');
		cJSON_ArrayForEach(it, j)
		{
			if (!first)
				buf_putc(b, ',');
			first = 0;
			put_value(b, it);
		}
		buf_putc(b, ']');
	} else if (cJSON_IsObject(j)) {
		size_t n = (size_t)cJSON_GetArraySize(j), i = 0;
		const cJSON **members = xcalloc(n ? n : 1, sizeof(*members));
		const cJSON *it;

		cJSON_ArrayForEach(it, j) members[i++] = it;
		qsort(members, n, sizeof(*members), cmp_keys);
		buf_putc(b, '{');
		for (i = 0; i < n; i++) {
			if (i > 0)
				buf_putc(b, ',');
			put_string(b, members[i]->string);
			buf_putc(b, ':');
			put_value(b, members[i]);
		}
		buf_putc(b, '}');
		free(members);
	} else if (cJSON_IsRaw(j)) {
		buf_puts(b, j->valuestring);
	} else {
		buf_puts(b, "null");
	}
}

char *
canon_json(const cJSON *json)
{
	struct buf b = BUF_INIT;

	put_value(&b, json);
	return buf_detach(&b);
}

void
canon_sha256_hex(const void *data, size_t len, char out[CANON_HASH_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		abort(); /* libcrypto cannot fail on SHA-256 short of a broken install */
	for (unsigned int i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

void
canon_hash(const cJSON *json, char out[CANON_HASH_HEX])
{
	char *s = canon_json(json);

	canon_sha256_hex(s, strlen(s), out);
	free(s);
}
