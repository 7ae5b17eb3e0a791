/*
 * Unit tests for sha256.c: the FIPS 180-2 / NIST example vectors, the
 * padding boundaries and incremental updates against one-shot hashing.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compat.h"
#include "sha256.h"

static void
check(const char *msg, size_t len, const char *expect)
{
	char	hex[65];

	sha256_hex(msg, len, hex);
	assert_string_equal(hex, expect);
}

static void
test_nist_vectors(void **unused)
{
	static const char	m448[] =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char	m896[] =
	    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

	(void)unused;
	check("", 0,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check("abc", 3,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(strlen(m448) * 8, 448);
	check(m448, strlen(m448),
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	assert_int_equal(strlen(m896) * 8, 896);
	check(m896, strlen(m896),
	    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void
test_million_a(void **unused)
{
	struct sha256_ctx	ctx;
	unsigned char		md[SHA256_DIGEST_LENGTH], chunk[1000];
	static const unsigned char expect[SHA256_DIGEST_LENGTH] = {
		0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92,
		0x81, 0xa1, 0xc7, 0xe2, 0x84, 0xd7, 0x3e, 0x67,
		0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97, 0x20, 0x0e,
		0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0
	};
	char			*big;
	int			 i;

	(void)unused;
	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&ctx);
	for (i = 0; i < 1000; i++)
		sha256_update(&ctx, chunk, sizeof(chunk));
	sha256_final(&ctx, md);
	assert_memory_equal(md, expect, sizeof(expect));

	/* The same through the one-shot path. */
	big = malloc(1000000);
	assert_non_null(big);
	memset(big, 'a', 1000000);
	check(big, 1000000,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(big);
}

/* Lengths around the 55/56/64-byte padding boundaries (values from an
 * independent implementation, coreutils sha256sum). */
static void
test_padding_boundaries(void **unused)
{
	static const struct {
		size_t		 len;
		const char	*hex;
	} cases[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 57, "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
	};
	char	buf[128];
	size_t	i;

	(void)unused;
	memset(buf, 'a', sizeof(buf));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(buf, cases[i].len, cases[i].hex);
}

/* Feeding the input in pieces of every size gives the one-shot digest. */
static void
test_incremental(void **unused)
{
	struct sha256_ctx	ctx;
	unsigned char		msg[300], md[SHA256_DIGEST_LENGTH];
	unsigned char		whole[SHA256_DIGEST_LENGTH];
	size_t			i, step, off, take;

	(void)unused;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)(i * 7 + 3);
	sha256_init(&ctx);
	sha256_update(&ctx, msg, sizeof(msg));
	sha256_final(&ctx, whole);

	for (step = 1; step <= 130; step++) {
		sha256_init(&ctx);
		sha256_update(&ctx, msg, 0);
		for (off = 0; off < sizeof(msg); off += take) {
			take = sizeof(msg) - off < step ?
			    sizeof(msg) - off : step;
			sha256_update(&ctx, msg + off, take);
		}
		sha256_final(&ctx, md);
		assert_memory_equal(md, whole, sizeof(md));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nist_vectors),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_padding_boundaries),
		cmocka_unit_test(test_incremental),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
