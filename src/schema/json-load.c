/*
 * JSON text into cJSON for the schema files, the catalog and devflow
 * validate: a file or a buffer, with a syntax error located by line, column
 * (in code points) and byte offset, and a NUL byte refused rather than taken
 * for the end of the text. Nothing here knows about schemas.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "lib/buf.h"
#include "schema.h"

cJSON *
schema_json_load(const char *path, struct df_error *err)
{
	struct buf b = BUF_INIT;
	cJSON *j;

	if (buf_read_file(&b, path, 0) != 0) {
		df_error_set(err, DF_FATAL, DF_E_IO, "%s: %s", path, strerror(errno));
		buf_free(&b);
		return NULL;
	}
	j = schema_json_parse(path, b.data, b.len, err);
	buf_free(&b);
	return j;
}

cJSON *
schema_json_parse(const char *source, const char *text, size_t len, struct df_error *err)
{
	const char *end = NULL;
	cJSON *j;

	if (strlen(text) != len) {
		df_error_set(err, DF_FATAL, DF_E_JSON_PARSE,
		             "%s: invalid JSON: NUL byte at offset %zu", source, strlen(text));
		return NULL;
	}
	j = cJSON_ParseWithOpts(text, &end, 1);
	if (j == NULL) {
		size_t off = end ? (size_t)(end - text) : 0, line = 1, col = 1;
		if (off > len)
			off = len;
		for (size_t i = 0; i < off; i++) {
			if (text[i] == '\n') {
				line++;
				col = 1;
			} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
				col++;
			}
		}
		df_error_set(err, DF_FATAL, DF_E_JSON_PARSE,
		             "%s: invalid JSON at line %zu, column %zu (offset %zu)", source, line,
		             col, off);
	}
	return j;
}
