/*
 * Values out of untrusted JSON (see json.h).
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
