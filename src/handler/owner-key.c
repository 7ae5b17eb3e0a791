/*
 * The key under which a message to or from the owner is marked hidden
 * (owner.h): both the side that marks it (a notice before it is sent, a
 * reply once consumed) and the inbound veto that looks for it compute
 * it here, so they cannot disagree.
 */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <string.h>

#include "compat.h"
#include "address.h"
#include "owner.h"
#include "sha256.h"
#include "util.h"

void
owner_message_key(const char *channel, const char *sender, const char *text,
    char hash[65])
{
	struct sha256_ctx	 ctx;
	unsigned char		 md[SHA256_DIGEST_LENGTH];
	size_t			 len = strlen(text), n;

	addr_trim(&text, &len);
	sha256_init(&ctx);
	sha256_update(&ctx, "carapace-owner", 15);	/* with its NUL */
	sha256_update(&ctx, channel, strlen(channel) + 1);
	if (sender != NULL)
		sha256_update(&ctx, sender, strlen(sender) + 1);
	else
		sha256_update(&ctx, "", 1);
	while (len > 0) {
		n = strcspn(text, "\r");
		if (n > len)
			n = len;
		sha256_update(&ctx, text, n);
		if (n < len)
			n++;		/* the '\r' */
		text += n;
		len -= n;
	}
	sha256_final(&ctx, md);
	util_hex(md, sizeof(md), hash);
}

int
owner_code_mixed(const char *s, size_t n)
{
	size_t	i;
	int	letter = 0, digit = 0;

	for (i = 0; i < n; i++) {
		if (isdigit((unsigned char)s[i]))
			digit = 1;
		else if (isalpha((unsigned char)s[i]))
			letter = 1;
	}
	return letter && digit;
}
