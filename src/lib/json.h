/*
 * Values out of untrusted JSON (frames, artifacts, data files), read with
 * cJSON.
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

#endif
