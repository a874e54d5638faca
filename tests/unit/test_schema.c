/*
 * The JSON Schema validator, one keyword family at a time: valid and invalid
 * instances, the error path, keyword and message, the registry (short ids,
 * cross-document references, load_dir atomicity) and schema errors.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/xalloc.h"
#include "schema/schema.h"

/* Validate instance text against schema text (no registry); returns 1, 0 or -1. */
static int
check(const char *schema, const char *instance, struct schema_errors *errs, struct df_error *err)
{
	cJSON *s = cJSON_Parse(schema), *i = cJSON_Parse(instance);
	int rc, quiet;
	struct df_error e2;

	assert_non_null(s);
	assert_non_null(i);
	rc = schema_validate_doc(NULL, s, i, errs, err);
	/* Without error collection the answer must be the same. */
	quiet = schema_validate_doc(NULL, s, i, NULL, &e2);
	assert_int_equal(quiet, rc);
	cJSON_Delete(s);
	cJSON_Delete(i);
	return rc;
}

static void
assert_valid(const char *schema, const char *instance)
{
	struct schema_errors errs;
	struct df_error err;
	int rc = check(schema, instance, &errs, &err);

	if (rc != 1)
		fprintf(stderr, "# expected valid: %s against %s (%s)\n", instance, schema,
		        rc < 0 ? err.message : errs.items[0].message);
	assert_int_equal(rc, 1);
	assert_int_equal(errs.count, 0);
	schema_errors_free(&errs);
}

/* Exactly one error, with this formatted text and keyword. */
static void
assert_invalid(const char *schema, const char *instance, const char *keyword, const char *text)
{
	struct schema_errors errs;
	struct df_error err;
	int rc = check(schema, instance, &errs, &err);
	char *got;

	if (rc < 0)
		fprintf(stderr, "# unexpected error: %s\n", err.message);
	assert_int_equal(rc, 0);
	for (size_t i = 0; i < errs.count; i++) {
		char *f = schema_error_format(&errs.items[i]);
		fprintf(stderr, "# error %zu: %s [%s]\n", i, f, errs.items[i].keyword);
		free(f);
	}
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.items[0].keyword, keyword);
	got = schema_error_format(&errs.items[0]);
	assert_string_equal(got, text);
	free(got);
	schema_errors_free(&errs);
}

/* Validation cannot proceed: -1 with this code and a message containing text. */
static void
assert_schema_error(const char *schema, const char *instance, enum df_code code, const char *text)
{
	struct schema_errors errs;
	struct df_error err;
	int rc = check(schema, instance, &errs, &err);

	assert_int_equal(rc, -1);
	assert_string_equal(df_code_name(err.code), df_code_name(code));
	if (strstr(err.message, text) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err.message, text);
}

static void
test_type(void **state)
{
	(void)state;
	assert_valid("{\"type\":\"string\"}", "\"x\"");
	assert_valid("{\"type\":\"integer\"}", "1.0");
	assert_valid("{\"type\":\"number\"}", "3");
	assert_valid("{\"type\":[\"null\",\"array\"]}", "[]");
	assert_invalid("{\"type\":\"integer\"}", "1.5", "type",
	               "(root): expected integer, got number");
	assert_invalid("{\"type\":[\"integer\",\"string\",\"null\"]}", "{}", "type",
	               "(root): expected integer, string or null, got object");
	assert_invalid(
	    "{\"properties\":{\"phases\":{\"items\":{\"properties\":{\"roles\":{\"type\":"
	    "\"array\"}}}}}}",
	    "{\"phases\":[{},{},{\"roles\":\"planner\"}]}", "type",
	    "/phases/2/roles: expected array, got string");
	assert_schema_error("{\"type\":\"strin\"}", "1", DF_E_SCHEMA_INVALID,
	                    "/type: unknown type \"strin\"");
}

static void
test_enum_const_json_equality(void **state)
{
	(void)state;
	assert_valid("{\"enum\":[1,\"a\",{\"x\":1,\"y\":[true]}]}", "1.0");
	assert_valid("{\"enum\":[1,\"a\",{\"x\":1,\"y\":[true]}]}", "{\"y\":[true],\"x\":1.0}");
	assert_invalid("{\"enum\":[\"paste\",\"argv\"]}", "\"tty\"", "enum",
	               "(root): expected one of [\"paste\",\"argv\"]");
	assert_invalid("{\"enum\":[[1,2]]}", "[2,1]", "enum", "(root): expected one of [[1,2]]");
	assert_valid("{\"const\":{\"a\":[1,{\"b\":null}]}}", "{\"a\":[1.0,{\"b\":null}]}");
	assert_invalid("{\"const\":false}", "0", "const", "(root): expected false");
	assert_invalid("{\"const\":null}", "{}", "const", "(root): expected null");
}

static void
test_object_keywords(void **state)
{
	const char *s = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}},"
	                "\"patternProperties\":{\"^x-\":{\"type\":\"integer\"}},"
	                "\"additionalProperties\":false,\"required\":[\"name\"]}";

	(void)state;
	assert_valid(s, "{\"name\":\"a\",\"x-n\":3}");
	assert_invalid(s, "{\"name\":\"a\",\"extra\":1}", "additionalProperties",
	               "(root): property \"extra\" is not allowed");
	assert_invalid(s, "{}", "required", "(root): missing required property \"name\"");
	assert_invalid(s, "{\"name\":\"a\",\"x-n\":\"3\"}", "type",
	               "/x-n: expected integer, got string");
	assert_invalid("{\"additionalProperties\":{\"type\":\"string\"}}", "{\"a/b~c\":1}", "type",
	               "/a~1b~0c: expected string, got integer");
	assert_invalid("{\"propertyNames\":{\"pattern\":\"^[a-z]+$\"}}", "{\"ok\":1,\"Bad\":2}",
	               "propertyNames", "(root): property name \"Bad\" is not allowed");
	assert_invalid("{\"minProperties\":2}", "{\"a\":1}", "minProperties",
	               "(root): expected at least 2 properties, got 1");
	assert_invalid("{\"maxProperties\":1}", "{\"a\":1,\"b\":2}", "maxProperties",
	               "(root): expected at most 1 property, got 2");
	assert_valid("{\"maxProperties\":1}", "[1,2,3]");
	assert_invalid(
	    "{\"dependentRequired\":{\"credit\":[\"billing\"]}}", "{\"credit\":1}",
	    "dependentRequired",
	    "(root): missing property \"billing\" (required when \"credit\" is present)");
	assert_valid("{\"dependentRequired\":{\"credit\":[\"billing\"]}}", "{\"billing\":1}");
	assert_invalid("{\"dependentSchemas\":{\"a\":{\"properties\":{\"b\":{\"type\":"
	               "\"integer\"}}}}}",
	               "{\"a\":0,\"b\":\"x\"}", "type", "/b: expected integer, got string");
	assert_valid("{\"dependentSchemas\":{\"a\":false}}", "{\"b\":1}");
}

static void
test_array_keywords(void **state)
{
	(void)state;
	assert_valid("{\"prefixItems\":[{\"type\":\"string\"}],\"items\":{\"type\":\"integer\"}}",
	             "[\"a\",1,2]");
	assert_invalid("{\"prefixItems\":[{\"type\":\"string\"}],\"items\":{\"type\":\"integer\"}}",
	               "[\"a\",1,\"b\"]", "type", "/2: expected integer, got string");
	assert_invalid("{\"prefixItems\":[true],\"items\":false}", "[1,2]", "false",
	               "/1: no value is allowed here");
	assert_invalid("{\"minItems\":1}", "[]", "minItems",
	               "(root): expected at least 1 item, got 0");
	assert_invalid("{\"maxItems\":1}", "[1,2]", "maxItems",
	               "(root): expected at most 1 item, got 2");
	assert_invalid("{\"uniqueItems\":true}", "[{\"a\":1,\"b\":2},3,{\"b\":2,\"a\":1.0}]",
	               "uniqueItems", "(root): items 0 and 2 are equal");
	assert_valid("{\"uniqueItems\":true}", "[[1,2],[2,1],\"1\",1]");
	assert_valid("{\"contains\":{\"const\":3}}", "[1,3]");
	assert_invalid("{\"contains\":{\"const\":3}}", "[1,2]", "contains",
	               "(root): no item matches the \"contains\" schema");
	assert_invalid("{\"contains\":{\"type\":\"integer\"},\"minContains\":2}", "[1,\"a\"]",
	               "minContains",
	               "(root): expected at least 2 items matching \"contains\", found 1");
	assert_invalid("{\"contains\":{\"type\":\"integer\"},\"maxContains\":1}", "[1,2]",
	               "maxContains",
	               "(root): expected at most 1 item matching \"contains\", found 2");
	assert_valid("{\"contains\":false,\"minContains\":0}", "[1]");
}

static void
test_string_lengths_in_code_points(void **state)
{
	(void)state;
	/* "héllo" is 6 bytes, 5 code points; the dragon is 4 bytes, 1 code point. */
	assert_valid("{\"maxLength\":5,\"minLength\":5}", "\"h\\u00e9llo\"");
	assert_valid("{\"maxLength\":1,\"minLength\":1}", "\"\xf0\x9f\x90\xb2\"");
	assert_valid("{\"minLength\":3,\"maxLength\":3}",
	             "\"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\"");
	assert_invalid("{\"maxLength\":2}", "\"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\"", "maxLength",
	               "(root): must be at most 2 characters long, got 3");
	assert_invalid("{\"minLength\":1}", "\"\"", "minLength",
	               "(root): must be at least 1 character long, got 0");
	assert_schema_error("{\"minLength\":-1}", "\"\"", DF_E_SCHEMA_INVALID,
	                    "\"minLength\" must be a non-negative integer");
}

static void
test_pattern(void **state)
{
	(void)state;
	assert_valid("{\"pattern\":\"a+\"}", "\"xxaayy\""); /* unanchored */
	assert_invalid("{\"pattern\":\"^[a-z][a-z0-9_-]*$\"}", "\"Plan\"", "pattern",
	               "(root): does not match pattern \"^[a-z][a-z0-9_-]*$\"");
	assert_valid("{\"pattern\":\"^\\\\d{3}-\\\\w+\\\\s\\\\S$\"}", "\"123-ab_9 x\"");
	assert_invalid("{\"pattern\":\"^\\\\d+$\"}", "\"12a\"", "pattern",
	               "(root): does not match pattern \"^\\d+$\"");
	assert_valid("{\"pattern\":\"^\\\\u00e9\\\\x41[\\\\u0430-\\\\u044f]+\\\\.$\"}",
	             "\"\\u00e9A\\u0436\\u0436.\"");
	assert_valid("{\"pattern\":\"^(?:ab)+?c{2,}$\"}", "\"ababcc\"");
	assert_valid("{\"pattern\":\"^a.c$\"}", "\"a\\u00e9c\"");
	assert_valid("{\"not\":{\"pattern\":\"^a.c$\"}}", "\"a\\nc\"");
	assert_valid("{\"pattern\":\"^\\\\p{Letter}+$\"}", "\"\\u03c0x\"");
	assert_valid("{\"pattern\":\"^\\\\p{Nd}+$\"}", "\"4\\u09ea\\u0662\"");
	assert_valid("{\"not\":{\"pattern\":\"^\\\\d+$\"}}", "\"\\u09ea\"");
	assert_valid("{\"pattern\":\"^\\\\P{Nd}$\"}", "\"x\"");
	assert_valid("{\"pattern\":\"^[\\\\]\\\\-^]+$\"}", "\"]-^\"");
	assert_valid("{\"pattern\":\"^{x}$\"}", "\"{x}\"");
	assert_schema_error("{\"pattern\":\"(\"}", "\"x\"", DF_E_SCHEMA_INVALID,
	                    "/pattern: invalid pattern \"(\"");
	assert_schema_error("{\"pattern\":\"a(?=b)\"}", "\"x\"", DF_E_SCHEMA_INVALID,
	                    "lookahead and lookbehind are not supported");
	assert_schema_error("{\"patternProperties\":{\"(a\\\\1)\":true}}", "{}",
	                    DF_E_SCHEMA_INVALID, "backreferences are not supported");
}

static void
test_numbers(void **state)
{
	(void)state;
	assert_valid("{\"minimum\":1,\"maximum\":3}", "3");
	assert_invalid("{\"minimum\":1.5}", "1", "minimum", "(root): must be >= 1.5, got 1");
	assert_invalid("{\"exclusiveMaximum\":3}", "3", "exclusiveMaximum",
	               "(root): must be < 3, got 3");
	assert_invalid("{\"exclusiveMinimum\":0}", "-0.1", "exclusiveMinimum",
	               "(root): must be > 0, got -0.1");
	assert_valid("{\"multipleOf\":0.0001}", "0.0075");
	assert_valid("{\"multipleOf\":0.1}", "0.3");
	assert_invalid("{\"multipleOf\":0.0001}", "0.00751", "multipleOf",
	               "(root): must be a multiple of 0.0001, got 0.00751");
	assert_invalid("{\"multipleOf\":2}", "7", "multipleOf",
	               "(root): must be a multiple of 2, got 7");
	assert_valid("{\"type\":\"integer\",\"multipleOf\":0.5}", "1e308");
	assert_valid("{\"maximum\":0}", "\"not a number\"");
	assert_schema_error("{\"multipleOf\":0}", "1", DF_E_SCHEMA_INVALID,
	                    "\"multipleOf\" must be greater than 0");
}

static void
test_combinators(void **state)
{
	const char *one = "{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":2}]}";
	const char *cond =
	    "{\"if\":{\"properties\":{\"mode\":{\"const\":\"argv\"}}},"
	    "\"then\":{\"required\":[\"argv\"]},\"else\":{\"required\":[\"paste\"]}}";

	(void)state;
	assert_valid("{\"allOf\":[{\"type\":\"integer\"},{\"minimum\":1}]}", "2");
	assert_invalid("{\"allOf\":[{\"type\":\"integer\"},{\"minimum\":1}]}", "0", "minimum",
	               "(root): must be >= 1, got 0");
	assert_valid("{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]}", "null");
	assert_invalid("{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]}", "1", "anyOf",
	               "(root): does not match any of the 2 \"anyOf\" schemas");
	assert_valid(one, "2.5");
	assert_valid(one, "1");
	assert_invalid(one, "3", "oneOf",
	               "(root): matches 2 of the \"oneOf\" schemas, expected exactly one");
	assert_invalid(one, "1.5", "oneOf",
	               "(root): does not match any of the 2 \"oneOf\" schemas");
	assert_invalid("{\"not\":{\"type\":\"null\"}}", "null", "not",
	               "(root): must not match the \"not\" schema");
	assert_valid(cond, "{\"mode\":\"argv\",\"argv\":1}");
	assert_valid(cond, "{\"mode\":\"x\",\"paste\":1}");
	assert_invalid(cond, "{\"mode\":\"argv\",\"paste\":1}", "required",
	               "(root): missing required property \"argv\"");
	/* "if" holds vacuously when "mode" is absent. */
	assert_invalid(cond, "{}", "required", "(root): missing required property \"argv\"");
}

static void
test_boolean_schemas(void **state)
{
	(void)state;
	assert_valid("true", "{\"anything\":[1]}");
	assert_invalid("false", "1", "false", "(root): no value is allowed here");
	assert_invalid("{\"properties\":{\"a\":false}}", "{\"a\":null}", "false",
	               "/a: no value is allowed here");
}

static void
test_refs_within_document(void **state)
{
	const char *tree = "{\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":{\"kids\":"
	                   "{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/node\"}}}}},"
	                   "\"$ref\":\"#/$defs/node\"}";

	(void)state;
	assert_valid("{\"$defs\":{\"a~b\":{\"type\":\"integer\"}},\"$ref\":\"#/$defs/a~0b\"}", "1");
	assert_valid("{\"$defs\":{\"a/b\":{\"type\":\"integer\"}},\"$ref\":\"#/$defs/a~1b\"}", "1");
	assert_invalid("{\"$defs\":{\"a%b\":{\"type\":\"integer\"}},\"$ref\":\"#/$defs/a%25b\"}",
	               "\"x\"", "type", "(root): expected integer, got string");
	assert_valid("{\"definitions\":{\"n\":{\"type\":\"null\"}},\"$ref\":\"#/definitions/n\"}",
	             "null");
	assert_valid("{\"$defs\":{\"x\":{\"$anchor\":\"here\",\"type\":\"string\"}},"
	             "\"$ref\":\"#here\"}",
	             "\"s\"");
	assert_valid(tree, "{\"kids\":[{\"kids\":[]},{}]}");
	assert_invalid(tree, "{\"kids\":[{\"kids\":[1]}]}", "type",
	               "/kids/0/kids/0: expected object, got integer");
	/* Relative references resolve against the nearest $id. */
	assert_valid("{\"$id\":\"https://example.com/root.json\",\"$defs\":{\"a\":{\"$id\":"
	             "\"sub/a.json\",\"$defs\":{\"b\":{\"type\":\"integer\"}},\"$ref\":"
	             "\"#/$defs/b\"}},\"$ref\":\"sub/a.json\"}",
	             "3");
	assert_schema_error("{\"$ref\":\"#/$defs/missing\"}", "1", DF_E_SCHEMA_NOT_FOUND,
	                    "cannot resolve $ref \"#/$defs/missing\"");
	assert_schema_error("{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"$ref\":"
	                    "\"#/$defs/a\"}},\"$ref\":\"#/$defs/a\"}",
	                    "1", DF_E_SCHEMA_INVALID, "infinite recursion");
	assert_schema_error("{\"$recursiveRef\":\"#\"}", "1", DF_E_SCHEMA_INVALID,
	                    "/$recursiveRef: keyword \"$recursiveRef\" is not supported");
	assert_schema_error("{\"$dynamicRef\":\"#nowhere\"}", "1", DF_E_SCHEMA_NOT_FOUND,
	                    "cannot resolve $ref \"#nowhere\"");
	/* Unknown keywords are ignored. */
	assert_valid("{\"frobnicate\":{\"type\":\"integer\"}}", "\"x\"");
}

static void
test_unevaluated(void **state)
{
	const char *props = "{\"allOf\":[{\"properties\":{\"a\":true}}],\"anyOf\":[{\"properties\":"
	                    "{\"b\":true}},{\"properties\":{\"c\":true},\"required\":[\"c\"]}],"
	                    "\"unevaluatedProperties\":false}";
	const char *items = "{\"prefixItems\":[{\"type\":\"string\"}],\"contains\":{\"type\":"
	                    "\"integer\"},\"unevaluatedItems\":{\"type\":\"null\"}}";

	(void)state;
	assert_valid(props, "{\"a\":1,\"b\":2}");
	assert_valid(props, "{\"a\":1,\"b\":2,\"c\":3}");
	assert_invalid(props, "{\"a\":1,\"d\":4}", "unevaluatedProperties",
	               "(root): property \"d\" is not allowed");
	/* A failed branch evaluates nothing: "c" is unevaluated when "anyOf" picks the first. */
	assert_invalid("{\"anyOf\":[{\"properties\":{\"c\":{\"type\":\"string\"}}},true],"
	               "\"unevaluatedProperties\":false}",
	               "{\"c\":1}", "unevaluatedProperties",
	               "(root): property \"c\" is not allowed");
	assert_valid(items, "[\"s\",1,null,2]");
	assert_invalid(items, "[\"s\",1,true]", "type", "/2: expected null, got boolean");
}

static void
test_dynamic_ref(void **state)
{
	/* A generic list whose item schema an extending schema supplies. */
	const char *s =
	    "{\"$id\":\"https://example.com/strings\",\"$ref\":\"list\",\"$defs\":{"
	    "\"item\":{\"$dynamicAnchor\":\"item\",\"type\":\"string\"},"
	    "\"list\":{\"$id\":\"list\",\"type\":\"array\",\"items\":{\"$dynamicRef\":\"#item\"},"
	    "\"$defs\":{\"any\":{\"$dynamicAnchor\":\"item\"}}}}}";

	(void)state;
	assert_valid(s, "[\"a\",\"b\"]");
	assert_invalid(s, "[\"a\",2]", "type", "/1: expected string, got integer");
	/* Without the extension the list's own anchor (anything) applies. */
	assert_valid(
	    "{\"$id\":\"https://example.com/list\",\"type\":\"array\",\"items\":"
	    "{\"$dynamicRef\":\"#item\"},\"$defs\":{\"any\":{\"$dynamicAnchor\":\"item\"}}}",
	    "[1,\"a\"]");
}

static void
test_vocabularies(void **state)
{
	struct schema_registry *reg = schema_registry_new();
	struct df_error err;
	cJSON *meta =
	    cJSON_Parse("{\"$id\":\"urn:meta:novalidation\",\"$vocabulary\":{"
	                "\"https://json-schema.org/draft/2020-12/vocab/core\":true,"
	                "\"https://json-schema.org/draft/2020-12/vocab/applicator\":true}}");
	cJSON *odd = cJSON_Parse("{\"$id\":\"urn:meta:odd\",\"$vocabulary\":{"
	                         "\"https://json-schema.org/draft/2020-12/vocab/core\":true,"
	                         "\"urn:vocab:mine\":true}}");
	cJSON *s = cJSON_Parse("{\"$schema\":\"urn:meta:novalidation\",\"properties\":{"
	                       "\"n\":{\"minimum\":10},\"bad\":false}}");
	cJSON *s2 = cJSON_Parse("{\"$schema\":\"urn:meta:odd\",\"type\":\"string\"}");
	cJSON *low = cJSON_Parse("{\"n\":1}"), *bad = cJSON_Parse("{\"bad\":1}");

	(void)state;
	assert_int_equal(schema_registry_add(reg, meta, NULL, "meta", &err), 0);
	assert_int_equal(schema_registry_add(reg, odd, NULL, "odd", &err), 0);
	/* Validation keywords are off, applicators still apply. */
	assert_int_equal(schema_validate_doc(reg, s, low, NULL, &err), 1);
	assert_int_equal(schema_validate_doc(reg, s, bad, NULL, &err), 0);
	assert_int_equal(schema_validate_doc(NULL, s, low, NULL, &err), 0);
	assert_int_equal(schema_validate_doc(reg, s2, low, NULL, &err), -1);
	assert_int_equal(err.code, DF_E_SCHEMA_INVALID);
	assert_non_null(strstr(err.message, "requires the vocabulary \"urn:vocab:mine\""));
	cJSON_Delete(meta);
	cJSON_Delete(odd);
	cJSON_Delete(s);
	cJSON_Delete(s2);
	cJSON_Delete(low);
	cJSON_Delete(bad);
	schema_registry_free(reg);
}

static void
test_errors_in_instance_order(void **state)
{
	const char *s = "{\"properties\":{\"a\":{\"type\":\"string\"},\"b\":{\"type\":\"string\"},"
	                "\"c\":{\"items\":{\"type\":\"string\"}}},\"required\":[\"z\"]}";
	struct schema_errors errs;
	struct df_error err;
	const char *want[] = { "(root): missing required property \"z\"",
		               "/b: expected string, got integer",
		               "/c/0: expected string, got integer",
		               "/c/1: expected string, got null",
		               "/a: expected string, got integer" };

	(void)state;
	assert_int_equal(check(s, "{\"b\":1,\"c\":[1,null],\"a\":2}", &errs, &err), 0);
	assert_int_equal(errs.count, 5);
	for (size_t i = 0; i < 5; i++) {
		char *f = schema_error_format(&errs.items[i]);
		assert_string_equal(f, want[i]);
		free(f);
	}
	assert_string_equal(errs.items[2].path, "/c/0");
	assert_string_equal(errs.items[2].keyword, "type");
	schema_errors_free(&errs);
}

/* A registry holding two devflow-style schemas and one foreign one. */
static struct schema_registry *
sample_registry(void)
{
	static const char *const docs[] = {
		"{\"$id\":\"https://schemas.devflow.local/devflow/template@1\",\"type\":\"object\","
		"\"properties\":{\"phases\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/"
		"phase\"}}},\"$defs\":{\"phase\":{\"type\":\"object\",\"required\":[\"key\"],"
		"\"properties\":{\"key\":{\"type\":\"string\",\"pattern\":\"^[a-z][a-z0-9_-]*$\"}}}"
		"}}",
		"{\"$id\":\"https://schemas.devflow.local/dev/phase-plan@1\",\"type\":\"object\","
		"\"properties\":{\"phases\":{\"type\":\"array\",\"items\":{\"$ref\":\"https://"
		"schemas.devflow.local/devflow/template@1#/$defs/phase\"}}}}",
		"{\"$id\":\"https://schemas.devflow.local/dev/by-short@1\",\"$ref\":\"devflow/"
		"template@1#/$defs/phase\"}",
		"{\"$id\":\"urn:example:other\",\"$anchor\":\"top\",\"type\":\"boolean\"}",
	};
	struct schema_registry *reg = schema_registry_new();
	struct df_error err;

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		cJSON *j = cJSON_Parse(docs[i]);
		assert_non_null(j);
		assert_int_equal(schema_registry_add(reg, j, NULL, "inline", &err), 0);
		cJSON_Delete(j);
	}
	return reg;
}

static int
validate_id(const struct schema_registry *reg, const char *id, const char *instance,
            struct schema_errors *errs, struct df_error *err)
{
	cJSON *i = cJSON_Parse(instance);
	int rc;

	assert_non_null(i);
	rc = schema_validate(reg, id, i, errs, err);
	cJSON_Delete(i);
	return rc;
}

static void
test_registry_lookup_and_cross_refs(void **state)
{
	struct schema_registry *reg = sample_registry();
	struct schema_errors errs;
	struct df_error err;
	const cJSON *a, *b;
	char *f;

	(void)state;
	a = schema_registry_get(reg, "devflow/template@1");
	b = schema_registry_get(reg, "https://schemas.devflow.local/devflow/template@1");
	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_null(schema_registry_get(reg, "devflow/template@2"));
	assert_non_null(schema_registry_get(reg, "urn:example:other#top"));

	assert_int_equal(validate_id(reg, "devflow/template@1", "{\"phases\":[{\"key\":\"plan\"}]}",
	                             &errs, &err),
	                 1);
	schema_errors_free(&errs);
	/* Cross-document by $id URI. */
	assert_int_equal(
	    validate_id(reg, "dev/phase-plan@1", "{\"phases\":[{\"key\":\"Impl\"}]}", &errs, &err),
	    0);
	assert_int_equal(errs.count, 1);
	f = schema_error_format(&errs.items[0]);
	assert_string_equal(f, "/phases/0/key: does not match pattern \"^[a-z][a-z0-9_-]*$\"");
	free(f);
	schema_errors_free(&errs);
	/* Cross-document by short id. */
	assert_int_equal(
	    validate_id(reg, "https://schemas.devflow.local/dev/by-short@1", "{}", &errs, &err), 0);
	assert_string_equal(errs.items[0].keyword, "required");
	schema_errors_free(&errs);
	/* A fragment in the schema id. */
	assert_int_equal(
	    validate_id(reg, "devflow/template@1#/$defs/phase", "{\"key\":\"x\"}", NULL, &err), 1);
	assert_int_equal(validate_id(reg, "urn:example:other#top", "true", NULL, &err), 1);

	assert_int_equal(validate_id(reg, "devflow/nope@1", "{}", &errs, &err), -1);
	assert_int_equal(err.code, DF_E_SCHEMA_NOT_FOUND);
	assert_non_null(strstr(err.message, "devflow/nope@1"));
	schema_errors_free(&errs);
	schema_registry_free(reg);
}

static void
test_registry_add_errors(void **state)
{
	struct schema_registry *reg = sample_registry();
	struct df_error err;
	cJSON *same = cJSON_Parse("{\"$id\":\"urn:example:other\",\"$anchor\":\"top\",\"type\":"
	                          "\"boolean\"}");
	cJSON *other = cJSON_Parse("{\"$id\":\"urn:example:other\",\"type\":\"string\"}");
	cJSON *noid = cJSON_Parse("{\"type\":\"string\"}");
	cJSON *badrx = cJSON_Parse("{\"$id\":\"urn:x:rx\",\"properties\":{\"a\":{\"pattern\":"
	                           "\"[z-a]\"}}}");

	(void)state;
	assert_int_equal(schema_registry_add(reg, same, NULL, "again.json", &err), 0);
	assert_int_equal(schema_registry_add(reg, other, NULL, "other.json", &err), -1);
	assert_int_equal(err.code, DF_E_SCHEMA_INVALID);
	assert_non_null(strstr(err.message, "other.json: duplicate $id \"urn:example:other\""));
	assert_int_equal(schema_registry_add(reg, noid, NULL, "noid.json", &err), -1);
	assert_non_null(strstr(err.message, "noid.json: the schema has no \"$id\""));
	/* With a retrieval URI the same document is fine, and found by it. */
	assert_int_equal(schema_registry_add(reg, noid, "http://localhost:1234/s.json", NULL, &err),
	                 0);
	assert_non_null(schema_registry_get(reg, "http://localhost:1234/s.json"));
	assert_int_equal(schema_registry_add(reg, badrx, NULL, "rx.json", &err), -1);
	assert_int_equal(err.code, DF_E_SCHEMA_INVALID);
	assert_non_null(
	    strstr(err.message, "rx.json: /properties/a/pattern: invalid pattern \"[z-a]\""));
	assert_null(schema_registry_get(reg, "urn:x:rx"));
	cJSON_Delete(same);
	cJSON_Delete(other);
	cJSON_Delete(noid);
	cJSON_Delete(badrx);
	schema_registry_free(reg);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_load_dir(void **state)
{
	char dir[] = "/tmp/test_schema.XXXXXX";
	struct schema_registry *reg = schema_registry_new();
	struct df_error err;
	char *sub, *good, *good2, *bad, *readme, *cmd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	sub = xasprintf("%s/devflow", dir);
	good = xasprintf("%s/devflow/a@1.json", dir);
	good2 = xasprintf("%s/devflow/b@1.json", dir);
	bad = xasprintf("%s/devflow/c@1.json", dir);
	readme = xasprintf("%s/README", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	write_file(good,
	           "{\"$id\":\"https://schemas.devflow.local/devflow/a@1\",\"type\":\"string\"}");
	write_file(good2, "{\"$id\":\"https://schemas.devflow.local/devflow/b@1\",\n"
	                  "\"$ref\":\"a@1\"}");
	write_file(bad,
	           "{\"$id\": \"https://schemas.devflow.local/devflow/c@1\",\n  \"type\": }\n");
	write_file(readme, "not json, not loaded");

	assert_int_equal(schema_registry_load_dir(reg, dir, &err), -1);
	assert_int_equal(err.code, DF_E_JSON_PARSE);
	assert_non_null(strstr(err.message, bad));
	assert_non_null(strstr(err.message, "line 2, column 11"));
	assert_null(schema_registry_get(reg, "devflow/a@1"));
	assert_null(schema_registry_get(reg, "devflow/b@1"));

	write_file(bad, "{\"$id\":\"https://schemas.devflow.local/devflow/c@1\",\"items\":[]}");
	assert_int_equal(schema_registry_load_dir(reg, dir, &err), -1);
	assert_int_equal(err.code, DF_E_SCHEMA_INVALID);
	assert_non_null(strstr(err.message, bad));
	assert_non_null(strstr(err.message, "/items: a schema must be an object or a boolean"));
	assert_null(schema_registry_get(reg, "devflow/a@1"));

	unlink(bad);
	assert_int_equal(schema_registry_load_dir(reg, dir, &err), 0);
	assert_non_null(schema_registry_get(reg, "devflow/a@1"));
	assert_int_equal(validate_id(reg, "devflow/b@1", "\"s\"", NULL, &err), 1);
	assert_int_equal(validate_id(reg, "devflow/b@1", "7", NULL, &err), 0);

	assert_int_equal(schema_registry_load_dir(reg, "/nonexistent/schemas", &err), -1);
	assert_int_equal(err.code, DF_E_IO);
	assert_non_null(strstr(err.message, "/nonexistent/schemas"));

	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(sub);
	free(good);
	free(good2);
	free(bad);
	free(readme);
	schema_registry_free(reg);
}

static void
test_json_load_errors(void **state)
{
	char path[] = "/tmp/test_schema_json.XXXXXX";
	struct df_error err;
	int fd;
	cJSON *j;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_file(path, "[1,\n 2,\n 3 x]");
	assert_null(schema_json_load(path, &err));
	assert_int_equal(err.code, DF_E_JSON_PARSE);
	assert_non_null(strstr(err.message, "line 3, column 4"));
	write_file(path, "{\"ok\": true}\n");
	j = schema_json_load(path, &err);
	assert_non_null(j);
	cJSON_Delete(j);
	unlink(path);
	assert_null(schema_json_load(path, &err));
	assert_int_equal(err.code, DF_E_IO);
	assert_non_null(strstr(err.message, path));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type),
		cmocka_unit_test(test_enum_const_json_equality),
		cmocka_unit_test(test_object_keywords),
		cmocka_unit_test(test_array_keywords),
		cmocka_unit_test(test_string_lengths_in_code_points),
		cmocka_unit_test(test_pattern),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_combinators),
		cmocka_unit_test(test_boolean_schemas),
		cmocka_unit_test(test_refs_within_document),
		cmocka_unit_test(test_unevaluated),
		cmocka_unit_test(test_dynamic_ref),
		cmocka_unit_test(test_vocabularies),
		cmocka_unit_test(test_errors_in_instance_order),
		cmocka_unit_test(test_registry_lookup_and_cross_refs),
		cmocka_unit_test(test_registry_add_errors),
		cmocka_unit_test(test_load_dir),
		cmocka_unit_test(test_json_load_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
