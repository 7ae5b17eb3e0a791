/*
 * SHA-256 as specified in FIPS 180-4, section 6.2.  Used to link the
 * records of the audit hash chain; not a general crypto library.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "compat.h"
#include "sha256.h"

static void	sha256_block(struct sha256_ctx *, const unsigned char *);

/* FIPS 180-4 4.2.2: first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes. */
static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

#define ROTR(x, n)	(((x) >> (n)) | ((x) << (32 - (n))))
#define CH(x, y, z)	(((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z)	(((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
#define BSIG0(x)	(ROTR(x, 2) ^ ROTR(x, 13) ^ ROTR(x, 22))
#define BSIG1(x)	(ROTR(x, 6) ^ ROTR(x, 11) ^ ROTR(x, 25))
#define SSIG0(x)	(ROTR(x, 7) ^ ROTR(x, 18) ^ ((x) >> 3))
#define SSIG1(x)	(ROTR(x, 17) ^ ROTR(x, 19) ^ ((x) >> 10))

void
sha256_init(struct sha256_ctx *ctx)
{
	/* FIPS 180-4 5.3.3 */
	ctx->state[0] = 0x6a09e667;
	ctx->state[1] = 0xbb67ae85;
	ctx->state[2] = 0x3c6ef372;
	ctx->state[3] = 0xa54ff53a;
	ctx->state[4] = 0x510e527f;
	ctx->state[5] = 0x9b05688c;
	ctx->state[6] = 0x1f83d9ab;
	ctx->state[7] = 0x5be0cd19;
	ctx->bitlen = 0;
	ctx->blocklen = 0;
}

static void
sha256_block(struct sha256_ctx *ctx, const unsigned char *p)
{
	uint32_t	w[64], a, b, c, d, e, f, g, h, t1, t2;
	int		i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (; i < 64; i++)
		w[i] = SSIG1(w[i - 2]) + w[i - 7] + SSIG0(w[i - 15]) +
		    w[i - 16];

	a = ctx->state[0];
	b = ctx->state[1];
	c = ctx->state[2];
	d = ctx->state[3];
	e = ctx->state[4];
	f = ctx->state[5];
	g = ctx->state[6];
	h = ctx->state[7];
	for (i = 0; i < 64; i++) {
		t1 = h + BSIG1(e) + CH(e, f, g) + sha256_k[i] + w[i];
		t2 = BSIG0(a) + MAJ(a, b, c);
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	ctx->state[0] += a;
	ctx->state[1] += b;
	ctx->state[2] += c;
	ctx->state[3] += d;
	ctx->state[4] += e;
	ctx->state[5] += f;
	ctx->state[6] += g;
	ctx->state[7] += h;
}

void
sha256_update(struct sha256_ctx *ctx, const void *data, size_t len)
{
	const unsigned char	*p = data;
	size_t			 take;

	ctx->bitlen += (uint64_t)len * 8;
	while (len > 0) {
		if (ctx->blocklen == 0 && len >= sizeof(ctx->block)) {
			sha256_block(ctx, p);
			p += sizeof(ctx->block);
			len -= sizeof(ctx->block);
			continue;
		}
		take = sizeof(ctx->block) - ctx->blocklen;
		if (take > len)
			take = len;
		memcpy(ctx->block + ctx->blocklen, p, take);
		ctx->blocklen += take;
		p += take;
		len -= take;
		if (ctx->blocklen == sizeof(ctx->block)) {
			sha256_block(ctx, ctx->block);
			ctx->blocklen = 0;
		}
	}
}

void
sha256_final(struct sha256_ctx *ctx, unsigned char out[SHA256_DIGEST_LENGTH])
{
	uint64_t	bitlen = ctx->bitlen;
	int		i;

	/* FIPS 180-4 5.1.1: a 1 bit, zeros to 56 mod 64, 64-bit length. */
	ctx->block[ctx->blocklen++] = 0x80;
	if (ctx->blocklen > 56) {
		memset(ctx->block + ctx->blocklen, 0,
		    sizeof(ctx->block) - ctx->blocklen);
		sha256_block(ctx, ctx->block);
		ctx->blocklen = 0;
	}
	memset(ctx->block + ctx->blocklen, 0, 56 - ctx->blocklen);
	for (i = 0; i < 8; i++)
		ctx->block[56 + i] = (unsigned char)(bitlen >> (56 - 8 * i));
	sha256_block(ctx, ctx->block);

	for (i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(ctx->state[i] >> 24);
		out[4 * i + 1] = (unsigned char)(ctx->state[i] >> 16);
		out[4 * i + 2] = (unsigned char)(ctx->state[i] >> 8);
		out[4 * i + 3] = (unsigned char)ctx->state[i];
	}
	explicit_bzero(ctx, sizeof(*ctx));
}

void
sha256_hex(const void *data, size_t len, char hex[65])
{
	static const char	 digits[] = "0123456789abcdef";
	struct sha256_ctx	 ctx;
	unsigned char		 md[SHA256_DIGEST_LENGTH];
	size_t			 i;

	sha256_init(&ctx);
	sha256_update(&ctx, data, len);
	sha256_final(&ctx, md);
	for (i = 0; i < sizeof(md); i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0x0f];
	}
	hex[2 * sizeof(md)] = '\0';
}
