/*
 * Canonical JSON and content hashes. Canonical form: object keys sorted by
 * their UTF-8 bytes, no insignificant whitespace, strings escaped as
 * JSON.stringify does, integers without exponent or fraction, other numbers
 * in the shortest form that reads back to the same double. Hash = lowercase
 * hex SHA-256 of the canonical form. Template, persona, binding and input
 * hashes are all computed this way.
 */
#ifndef DEVFLOW_CANON_H
#define DEVFLOW_CANON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define CANON_HASH_HEX 65 /* 64 hex digits + NUL */

/* Canonical serialisation of json; the caller frees the result. */
char *canon_json(const cJSON *json);

/* out = hex SHA-256 of canon_json(json). */
void canon_hash(const cJSON *json, char out[CANON_HASH_HEX]);

/* out = hex SHA-256 of the bytes. */
void canon_sha256_hex(const void *data, size_t len, char out[CANON_HASH_HEX]);

#endif
