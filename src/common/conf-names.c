/*
 * The names a configuration file gives: contact aliases, and user and
 * group names.  Pure checks on strings, shared by the loader
 * (config.c) and anything that must read names the way it does.
 */
#include "config.h"

#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include "conf.h"

/* A contact alias: a letter, then letters, digits, '_', '-' or '.'. */
int
conf_valid_alias(const char *s)
{
	const char	*c;

	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return 0;
	for (c = s + 1; *c != '\0'; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' ||
		    *c == '.'))
			return 0;
	}
	return 1;
}

/*
 * Would the policy read this allow or deny entry as a contact alias?
 * Addresses and patterns have an '@', a '+', a ':' or a '*', or start
 * with a digit or '(' (a national phone number).
 */
int
conf_looks_like_alias(const char *s)
{
	if ((*s >= '0' && *s <= '9') || *s == '(')
		return 0;
	return strpbrk(s, "@+:*") == NULL;
}

/* A user or group name, or a decimal id. */
int
conf_valid_account_name(const char *s)
{
	const char	*c;
	uint64_t	 id = 0;

	if (*s >= '0' && *s <= '9') {
		for (c = s; *c != '\0'; c++) {
			if (*c < '0' || *c > '9')
				return 0;
			id = id * 10 + (uint64_t)(*c - '0');
			if (id > UINT32_MAX - 1)
				return 0;
		}
		return 1;
	}
	if (*s == '-' || strlen(s) > 256)
		return 0;
	for (c = s; *c != '\0'; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' ||
		    *c == '.' || *c == '@' || (*c == '$' && c[1] == '\0')))
			return 0;
	}
	return 1;
}
