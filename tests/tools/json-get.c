/*
 * json-get: read one value out of a JSON file, for shell tests on machines
 * without python or jq. `json-get FILE` checks that FILE is JSON;
 * `json-get FILE PATH` prints the value at PATH, a dot-separated list of
 * object keys and array indexes ("phases.0.key"): strings raw, anything
 * else as compact JSON; `json-get -k FILE PATH` prints the keys of the object
 * there, in order, separated by spaces. Exit status: 0 found, 1 FILE unreadable or not
 * JSON, 2 PATH not there, 64 usage.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/buf.h"
#include "lib/xalloc.h"


static const cJSON *
walk(const cJSON *cur, const char *path)
{
	char *copy = xstrdup(path), *save = NULL;

	for (char *tok = strtok_r(copy, ".", &save); tok != NULL && cur != NULL;
	     tok = strtok_r(NULL, ".", &save)) {
		if (cJSON_IsArray(cur)) {
			char *end;
			long i = strtol(tok, &end, 10);
			cur = *end == '\0' && i >= 0 && i < cJSON_GetArraySize(cur)
			          ? cJSON_GetArrayItem(cur, (int)i)
			          : NULL;
		} else if (cJSON_IsObject(cur)) {
			cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
		} else {
			cur = NULL;
		}
	}
	free(copy);
	return cur;
}

int
main(int argc, char **argv)
{
	char *text;
	cJSON *doc;
	const cJSON *v;
	int rc = 0, keys = 0;

	if (argc > 1 && strcmp(argv[1], "-k") == 0) {
		keys = 1;
		argc--;
		argv++;
	}
	if (argc < 2 || argc > 3 || (keys && argc != 3)) {
		fprintf(stderr, "usage: json-get [-k] FILE [PATH]\n");
		return 64;
	}
	if ((text = buf_file_text(argv[1], 0)) == NULL) {
		fprintf(stderr, "json-get: cannot read %s\n", argv[1]);
		return 1;
	}
	doc = cJSON_Parse(text);
	free(text);
	if (doc == NULL) {
		fprintf(stderr, "json-get: %s is not JSON\n", argv[1]);
		return 1;
	}
	if (argc == 3) {
		if ((v = walk(doc, argv[2])) == NULL) {
			fprintf(stderr, "json-get: %s has no %s\n", argv[1], argv[2]);
			rc = 2;
		} else if (keys) {
			const cJSON *k;

			cJSON_ArrayForEach(k, v)
			{
				if (k->string != NULL)
					printf("%s%s", k == v->child ? "" : " ", k->string);
			}
			putchar('\n');
		} else if (cJSON_IsString(v)) {
			printf("%s\n", v->valuestring);
		} else {
			char *s = cJSON_PrintUnformatted(v);
			printf("%s\n", s);
			cJSON_free(s);
		}
	}
	cJSON_Delete(doc);
	return rc;
}
