/*
 * The key under which a message to or from the owner is marked hidden
 * (owner.h): both the side that marks it (a notice before it is sent, a
 * reply once consumed) and the inbound veto that looks for it compute
 * it here, so they cannot disagree.
 */
#include "config.h"

#include <sys/types.h>

#include <string.h>

#include "compat.h"
#include "owner.h"
#include "sha256.h"

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void
owner_message_key(const char *channel, const char *sender, const char *text,
    char hash[65])
{
	struct sha256_ctx	 ctx;
	unsigned char		 md[SHA256_DIGEST_LENGTH];
	const char		*end;
	static const char	 hexd[] = "0123456789abcdef";
	size_t			 i;

	while (blank(*text))
		text++;
	end = text + strlen(text);
	while (end > text && blank(end[-1]))
		end--;
	sha256_init(&ctx);
	sha256_update(&ctx, "carapace-owner", 15);	/* with its NUL */
	sha256_update(&ctx, channel, strlen(channel) + 1);
	if (sender != NULL)
		sha256_update(&ctx, sender, strlen(sender) + 1);
	else
		sha256_update(&ctx, "", 1);
	sha256_update(&ctx, text, (size_t)(end - text));
	sha256_final(&ctx, md);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++) {
		hash[2 * i] = hexd[md[i] >> 4];
		hash[2 * i + 1] = hexd[md[i] & 0xf];
	}
	hash[2 * SHA256_DIGEST_LENGTH] = '\0';
}
