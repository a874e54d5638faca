/*
 * URI references for $id and $ref (RFC 3986), as strings. Internal to
 * src/schema/.
 */
#ifndef DEVFLOW_SCHEMA_URI_H
#define DEVFLOW_SCHEMA_URI_H

/* Resolve ref against base (RFC 3986 5.2.2); base may be NULL. Caller frees. */
char *uri_resolve(const char *base, const char *ref);

/* A copy of uri without its fragment. Caller frees. */
char *uri_strip_fragment(const char *uri);

/* s with its %XX escapes decoded (a malformed one stays as it is). Caller frees. */
char *sch_percent_decode(const char *s);

#endif
