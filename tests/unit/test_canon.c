/* Canonical JSON and SHA-256 with fixed vectors. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/canon.h"

static void
check_canon(const char *in, const char *want)
{
	cJSON *j = cJSON_Parse(in);
	char *got;

	assert_non_null(j);
	got = canon_json(j);
	assert_string_equal(got, want);
	free(got);
	cJSON_Delete(j);
}

static void
hash_of(const char *in, char out[CANON_HASH_HEX])
{
	cJSON *j = cJSON_Parse(in);

	assert_non_null(j);
	canon_hash(j, out);
	cJSON_Delete(j);
}

static void
test_sha256_known_vectors(void **state)
{
	char out[CANON_HASH_HEX];

	(void)state;
	canon_sha256_hex("", 0, out);
	assert_string_equal(out,
	                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	canon_sha256_hex("abc", 3, out);
	assert_string_equal(out,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
test_keys_sorted_whitespace_removed(void **state)
{
	(void)state;
	check_canon("{ \"b\" : 1, \"a\" : { \"d\": [3, 2, 1], \"c\": null } }",
	            "{\"a\":{\"c\":null,\"d\":[3,2,1]},\"b\":1}");
	check_canon("[ true , false , \"x\" ]", "[true,false,\"x\"]");
	check_canon("{}", "{}");
	check_canon("[]", "[]");
}

static void
test_keys_sort_by_bytes(void **state)
{
	(void)state;
	check_canon("{\"b\":1,\"B\":2,\"a\":3,\"_\":4,\"aa\":5}",
	            "{\"B\":2,\"_\":4,\"a\":3,\"aa\":5,\"b\":1}");
}

static void
test_string_escapes(void **state)
{
	(void)state;
	check_canon("\"q\\\"b\\\\n\\n\\t\\u0001/é\"", "\"q\\\"b\\\\n\\n\\t\\u0001/é\"");
}

static void
test_numbers(void **state)
{
	(void)state;
	check_canon("[0, -0, 1, -17, 1.5, 0.1, 1e3, 123456789012, 3.14159]",
	            "[0,0,1,-17,1.5,0.1,1000,123456789012,3.14159]");
}

static void
test_hash_ignores_key_order_and_whitespace(void **state)
{
	char a[CANON_HASH_HEX], b[CANON_HASH_HEX], c[CANON_HASH_HEX];

	(void)state;
	hash_of("{\"name\":\"development\",\"version\":1,\"phases\":[{\"key\":\"plan\"}]}", a);
	hash_of("{ \"version\" : 1,\n \"phases\" : [ { \"key\" : \"plan\" } "
	        "],\"name\":\"development\" }",
	        b);
	assert_string_equal(a, b);
	/* The fixed vector: SHA-256 of the canonical text. */
	canon_sha256_hex("{\"name\":\"development\",\"phases\":[{\"key\":\"plan\"}],\"version\":1}",
	                 60, c);
	assert_string_equal(a, c);
}

static void
test_hash_arrays_keep_order(void **state)
{
	char a[CANON_HASH_HEX], b[CANON_HASH_HEX];

	(void)state;
	hash_of("{\"x\":[[1,2],[3]]}", a);
	hash_of("{\"x\":[[3],[1,2]]}", b);
	assert_string_not_equal(a, b);
	hash_of("{\"x\":[[2,1],[3]]}", b);
	assert_string_not_equal(a, b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_known_vectors),
		cmocka_unit_test(test_keys_sorted_whitespace_removed),
		cmocka_unit_test(test_keys_sort_by_bytes),
		cmocka_unit_test(test_string_escapes),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_hash_ignores_key_order_and_whitespace),
		cmocka_unit_test(test_hash_arrays_keep_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
