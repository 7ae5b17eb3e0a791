/*
 * Address normalisation (address.c): one canonical form per address,
 * before anything compares it.  Pure: no configuration, no I/O.
 */
#ifndef CARAPACE_ADDRESS_H
#define CARAPACE_ADDRESS_H

#include <stddef.h>

#define ADDR_MAX	320	/* longest normalised address, with NUL */

enum addr_kind {
	ADDR_PHONE = 1,		/* "+14155550100" (E.164) */
	ADDR_EMAIL,		/* "user@example.com" (lower case) */
	ADDR_CHAT,		/* "chat:<id>" */
	ADDR_GROUP,		/* "group:<id>" */
	ADDR_CHANNEL,		/* "channel:<snowflake>" (discord) */
	ADDR_USER		/* "user:<snowflake>" (discord DM) */
};

/*
 * Normalise one address as given by a client or a tool: phone numbers
 * to E.164 (spaces, dashes, dots, parentheses, "tel:", "00" and national
 * numbers using region), emails trimmed and lower-cased, "chat:<id>" and
 * "group:<id>" kept with a validated id.  Returns 0 and writes the
 * normalised form into out, or -1 if the input cannot be normalised (it
 * must then not be allowed).  *cause, when not NULL, gets a static
 * string saying why.
 */
int	 addr_normalize(const char *in, const char *region, char *out,
	    size_t outlen, enum addr_kind *kind, const char **cause);

/*
 * The kind of an address addr_normalize produced (its form says it);
 * 0 for a string that is none.
 */
int	 addr_kind_of(const char *normalized);

/* Is d (len bytes) a well-formed ASCII domain name?  1 or 0. */
int	 addr_valid_domain(const char *d, size_t len);

/* Skip leading and trailing white space of s (len bytes). */
void	 addr_trim(const char **s, size_t *len);

#endif /* CARAPACE_ADDRESS_H */
