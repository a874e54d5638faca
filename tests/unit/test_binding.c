/*
 * Persona binding (binding.c): the reference's bindTemplatePersonas rules,
 * overrides, error messages that name the role and what is missing, and the
 * binding and input hashes. Pure functions: catalog entries are built here.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/binding.h"

#define H64(c)                                                                                     \
	c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c  \
	    c c c c c c c c c c c c c c c c c c c

static struct store_catalog_entry personas[] = {
	{ .id = "p-plan-claude",
	  .name = "planner",
	  .version = 2,
	  .hash = H64("a"),
	  .definition = "{\"name\":\"planner\",\"version\":2,\"role\":\"planner\",\"backend\":"
	                "\"claude\",\"instructions\":\"Plan.\"}",
	  .source = "planner.json" },
	{ .id = "p-plan-fake",
	  .name = "planner",
	  .version = 1,
	  .hash = H64("b"),
	  .definition = "{\"name\":\"planner\",\"version\":1,\"role\":\"planner\",\"backend\":"
	                "\"fake\",\"instructions\":\"Plan.\"}",
	  .source = "planner1.json" },
	{ .id = "p-rev",
	  .name = "reviewer",
	  .version = 1,
	  .hash = H64("c"),
	  .definition = "{\"name\":\"reviewer\",\"version\":1,\"role\":\"reviewer\",\"backend\":"
	                "\"codex\",\"instructions\":\"Review.\"}",
	  .source = "reviewer.json" },
};

static struct binding_request
request(const char *const *roles, size_t nroles, const char *const *backends, size_t nb)
{
	struct binding_request r = { 0 };

	r.template_hash = H64("f");
	r.roles = roles;
	r.nroles = nroles;
	r.personas = personas;
	r.npersonas = 3;
	r.backends = backends;
	r.nbackends = nb;
	return r;
}

static void
test_binding_prefers_first_persona_with_available_backend(void **state)
{
	static const char *const roles[] = { "planner", "reviewer" };
	static const char *const backends[] = { "fake", "codex" };
	struct binding_request r = request(roles, 2, backends, 2);
	struct binding *b;
	struct df_error err;
	size_t n;

	(void)state;
	assert_int_equal(binding_bind(&r, &b, &n, &err), 0);
	assert_int_equal(n, 2);
	/* planner@2 wants claude (unavailable): planner@1 with fake. */
	assert_string_equal(b[0].persona_id, "p-plan-fake");
	assert_string_equal(b[0].backend, "fake");
	assert_int_equal(b[0].persona_version, 1);
	assert_string_equal(b[1].backend, "codex");
	assert_int_equal(strlen(b[0].binding_hash), 64);
	assert_string_not_equal(b[0].binding_hash, b[1].binding_hash);
	binding_free(b, n);
}

static void
test_binding_overrides_pin_persona_or_backend(void **state)
{
	static const char *const roles[] = { "planner", "reviewer#2" };
	static const char *const backends[] = { "fake", "claude" };
	static const struct binding_override ov[] = {
		{ .role = "planner", .persona = "planner@2" },
		{ .role = "reviewer", .backend = "fake" },
	};
	struct binding_request r = request(roles, 2, backends, 2);
	struct binding *b;
	struct df_error err;
	size_t n;

	(void)state;
	r.overrides = ov;
	r.noverrides = 2;
	assert_int_equal(binding_bind(&r, &b, &n, &err), 0);
	assert_string_equal(b[0].persona_id, "p-plan-claude");
	assert_string_equal(b[0].backend, "claude");
	/* A suffixed role is played by the bare role's persona; the bare override applies. */
	assert_string_equal(b[1].role_id, "reviewer#2");
	assert_string_equal(b[1].persona_id, "p-rev");
	assert_string_equal(b[1].backend, "fake");
	binding_free(b, n);
}

static void
test_binding_errors_name_role_and_what_is_missing(void **state)
{
	static const char *const roles[] = { "planner", "reviewer" };
	static const char *const noroles[] = { "deployer" };
	static const char *const backends[] = { "fake" };
	static const struct binding_override bad_persona[] = { { .role = "planner",
		                                                 .persona = "reviewer" } };
	static const struct binding_override missing[] = { { .role = "planner",
		                                             .persona = "ghost@3" } };
	static const struct binding_override bad_backend[] = { { .role = "planner",
		                                                 .backend = "aider" } };
	struct binding_request r = request(roles, 2, backends, 1);
	struct binding *b;
	struct df_error err;
	size_t n;

	(void)state;
	assert_int_equal(binding_bind(&r, &b, &n, &err), -1);
	assert_int_equal(err.code, DF_E_BINDING_FAILED);
	assert_int_equal(err.class, DF_HUMAN_REQUIRED);
	assert_non_null(strstr(err.message, "role reviewer"));
	assert_non_null(strstr(err.message, "reviewer@1 wants codex"));
	assert_non_null(strstr(err.message, "available: fake"));
	assert_null(b);

	r = request(noroles, 1, backends, 1);
	assert_int_equal(binding_bind(&r, &b, &n, &err), -1);
	assert_non_null(strstr(err.message, "no persona plays role 'deployer'"));

	r = request(roles, 1, backends, 1);
	r.overrides = bad_persona;
	r.noverrides = 1;
	assert_int_equal(binding_bind(&r, &b, &n, &err), -1);
	assert_non_null(strstr(err.message, "plays role 'reviewer', not 'planner'"));
	r.overrides = missing;
	assert_int_equal(binding_bind(&r, &b, &n, &err), -1);
	assert_non_null(strstr(err.message, "'ghost@3' is not in the catalog"));
	r.overrides = bad_backend;
	assert_int_equal(binding_bind(&r, &b, &n, &err), -1);
	assert_non_null(strstr(err.message, "pinned backend 'aider' is not available"));
}

static void
test_binding_input_hash_is_order_independent_and_input_sensitive(void **state)
{
	struct binding b1[2] = { { .binding_hash = H64("1") }, { .binding_hash = H64("2") } };
	struct binding b2[2] = { { .binding_hash = H64("2") }, { .binding_hash = H64("1") } };
	char h1[CANON_HASH_HEX], h2[CANON_HASH_HEX], h3[CANON_HASH_HEX];
	struct df_error err;

	(void)state;
	assert_int_equal(binding_input_hash(H64("f"), b1, 2, "req", "{\"goal\":1}", "/r", "main",
	                                    "{\"b\":1,\"a\":2}", h1, &err),
	                 0);
	assert_int_equal(binding_input_hash(H64("f"), b2, 2, "req", "{\"goal\":1}", "/r", "main",
	                                    "{\"a\":2,\"b\":1}", h2, &err),
	                 0);
	assert_string_equal(h1, h2);
	assert_int_equal(binding_input_hash(H64("f"), b1, 2, "req", "{\"goal\":1}", "/r", "dev",
	                                    "{\"b\":1,\"a\":2}", h3, &err),
	                 0);
	assert_string_not_equal(h1, h3);
	assert_int_equal(
	    binding_input_hash(H64("f"), b1, 2, "req", NULL, "/r", "main", "[1]", h3, &err), -1);
	assert_int_equal(err.code, DF_E_JSON_PARSE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_binding_prefers_first_persona_with_available_backend),
		cmocka_unit_test(test_binding_overrides_pin_persona_or_backend),
		cmocka_unit_test(test_binding_errors_name_role_and_what_is_missing),
		cmocka_unit_test(test_binding_input_hash_is_order_independent_and_input_sensitive),
	};

	return cmocka_run_group_tests_name("binding", tests, NULL, NULL);
}
