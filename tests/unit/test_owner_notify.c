/*
 * Unit tests for the owner's reply codes (owner-notify.c): the alphabet
 * and length of a new code, the forms an owner may type it in (case,
 * '-' and blanks, O for 0, I and L for 1) all hashing to one value,
 * what is not a code refused, distinct codes hashing apart, and no
 * repeats over many codes.
 */
#include "config.h"

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compat.h"
#include "owner.h"
#include "sha256.h"

#define MANY	20000

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void
test_new_code_shape(void **state)
{
	char	 code[OWNER_CODE_LEN + 1];
	int	 seen[256];
	size_t	 i, j;

	(void)state;
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 2000; i++) {
		memset(code, 'x', sizeof(code));
		owner_code_new(code);
		assert_int_equal(strlen(code), OWNER_CODE_LEN);
		/* A letter and a digit in each: the veto's first test. */
		assert_non_null(strpbrk(code, "0123456789"));
		assert_non_null(strpbrk(code, "ABCDEFGHJKMNPQRSTVWXYZ"));
		for (j = 0; j < OWNER_CODE_LEN; j++) {
			assert_non_null(strchr(alphabet, code[j]));
			seen[(unsigned char)code[j]]++;
		}
	}
	/* 16000 draws from 32 characters: every one turns up. */
	for (j = 0; alphabet[j] != '\0'; j++)
		assert_true(seen[(unsigned char)alphabet[j]] > 0);
	/* Never a letter Crockford leaves out. */
	assert_int_equal(seen['I'] + seen['L'] + seen['O'] + seen['U'], 0);
}

static void
test_typed_forms(void **state)
{
	static const char *const same[] = {
		"K7QX2M01", "k7qx2m01", "K7QX-2M01", "k7qx-2mo1", "K7QX 2MOI",
		"K7QX2MOL", " K7QX2M01 ", "K7-QX-2M-0l", "k7qx\t2m0i",
	};
	char	 want[65], got[65];
	size_t	 i;

	(void)state;
	assert_int_equal(owner_code_hash("K7QX2M01", want), 0);
	assert_int_equal(strlen(want), 64);
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		assert_int_equal(owner_code_hash(same[i], got), 0);
		assert_string_equal(want, got);
	}
}

static void
test_not_codes(void **state)
{
	static const char *const bad[] = {
		"", "K7QX2M0", "K7QX2M012", "K7QX2M0U", "K7QX2M0!",
		"K7QX_2M01", "K7QX.2M01", "K7QX2M0\xc3\xa9", "approve K7QX2M01",
		"--------", "K7QX2M01\n",
	};
	char	 h[65];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(owner_code_hash(bad[i], h), -1);
}

/* The hash is the code's own: not the bare SHA-256 a guess would try. */
static void
test_hash_domain(void **state)
{
	char	 h[65], bare[65];

	(void)state;
	assert_int_equal(owner_code_hash("ABCD2345", h), 0);
	sha256_hex("ABCD2345", 8, bare);
	assert_string_not_equal(h, bare);
	assert_int_equal(owner_code_hash("ABCD2346", bare), 0);
	assert_string_not_equal(h, bare);
}

static int
cmp(const void *a, const void *b)
{
	return memcmp(a, b, OWNER_CODE_LEN + 1);
}

static void
test_many_distinct(void **state)
{
	char	(*codes)[OWNER_CODE_LEN + 1];
	char	 h1[65], h2[65];
	size_t	 i;

	(void)state;
	codes = calloc(MANY, sizeof(*codes));
	assert_non_null(codes);
	for (i = 0; i < MANY; i++)
		owner_code_new(codes[i]);
	qsort(codes, MANY, sizeof(*codes), cmp);
	/* 40 bits: a repeat in 20000 has odds of about 2 in 10^4. */
	for (i = 1; i < MANY; i++)
		assert_string_not_equal(codes[i - 1], codes[i]);
	for (i = 1; i < 200; i++) {
		assert_int_equal(owner_code_hash(codes[i - 1], h1), 0);
		assert_int_equal(owner_code_hash(codes[i], h2), 0);
		assert_string_not_equal(h1, h2);
	}
	free(codes);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_code_shape),
		cmocka_unit_test(test_typed_forms),
		cmocka_unit_test(test_not_codes),
		cmocka_unit_test(test_hash_domain),
		cmocka_unit_test(test_many_distinct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
