/*
 * Values out of JSON read with cJSON, untrusted (frames, artifacts, data
 * files) or not, and the small builders that go with them.
 */
#ifndef DEVFLOW_JSON_H
#define DEVFLOW_JSON_H

#include <cjson/cJSON.h>

/*
 * The one way to take an integer out of untrusted JSON (frames, artifacts,
 * data files): v must be a number, finite and integral, within [min, max]
 * -- checked as a double before any conversion, since converting 1e300 to
 * an integer type is undefined behaviour. Returns 0 with *out, or -1 (*out
 * untouched). min and max should lie within +-2^53.
 */
int json_int(const cJSON *v, double min, double max, long long *out);

/* 2^53: beyond it a JSON number (a double) no longer holds every integer. */
#define JSON_INT_LIMIT 9007199254740992.0

/* The string member key of o, or dflt when o is NULL or the member is missing or not a string. */
const char *json_str(const cJSON *o, const char *key, const char *dflt);

/* A new string node of s, or a null node when s is NULL. */
cJSON *json_str_or_null(const char *s);

#endif
