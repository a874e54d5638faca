/*
 * Values out of JSON, and a few builders (see json.h).
 */
#include "config.h"

#include <math.h>

#include "json.h"

int
json_int(const cJSON *v, double min, double max, long long *out)
{
	double d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < min || d > max)
		return -1;
	*out = (long long)d;
	return 0;
}

const char *
json_str(const cJSON *o, const char *key, const char *dflt)
{
	const cJSON *v = o != NULL ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;

	return cJSON_IsString(v) ? v->valuestring : dflt;
}

cJSON *
json_str_or_null(const char *s)
{
	return s != NULL ? cJSON_CreateString(s) : cJSON_CreateNull();
}
