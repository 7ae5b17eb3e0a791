/*
 * SHA-256 (FIPS 180-4) for the audit hash chain.  Small and local so the
 * per-connection handler need not load a crypto library.
 */
#ifndef CARAPACE_SHA256_H
#define CARAPACE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LENGTH	32

struct sha256_ctx {
	uint32_t	 state[8];
	uint64_t	 bitlen;
	unsigned char	 block[64];
	size_t		 blocklen;
};

void	 sha256_init(struct sha256_ctx *);
void	 sha256_update(struct sha256_ctx *, const void *, size_t);
void	 sha256_final(struct sha256_ctx *, unsigned char out[SHA256_DIGEST_LENGTH]);
/* One-shot; hex gets 65 bytes (64 hex digits and NUL). */
void	 sha256_hex(const void *, size_t, char hex[65]);

#endif /* CARAPACE_SHA256_H */
