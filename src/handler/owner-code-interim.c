/*
 * Interim: owner_code_hash as owner.h states it, until owner-notify.c
 * (which owns it) is merged; remove this file then (both define it, so
 * the link fails until one goes).  Approvals by reply (owner.c) and the
 * tests only call it, never compute a code's form themselves.
 */
#include "config.h"

#include <sys/types.h>

#include <string.h>

#include "compat.h"
#include "owner.h"
#include "sha256.h"

int
owner_code_hash(const char *typed, char hash[65])
{
	static const char	 alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	char			 form[OWNER_CODE_LEN];
	size_t			 n = 0;
	int			 c;

	for (; *typed != '\0'; typed++) {
		c = (unsigned char)*typed;
		if (c == '-' || c == ' ' || c == '\t')
			continue;
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (c == 'O')
			c = '0';
		else if (c == 'I' || c == 'L')
			c = '1';
		if (c == '\0' || strchr(alphabet, c) == NULL ||
		    n == sizeof(form))
			return -1;
		form[n++] = (char)c;
	}
	if (n != sizeof(form))
		return -1;
	sha256_hex(form, n, hash);
	explicit_bzero(form, sizeof(form));
	return 0;
}
