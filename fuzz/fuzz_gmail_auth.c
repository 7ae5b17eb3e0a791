/*
 * libFuzzer target for Gmail's Authentication-Results parser
 * (src/channel/gmail-auth.c).  The input is a From domain, a NUL, and a
 * header value.  Checked: the answer is one of the three verdicts; the
 * domain's case changes nothing; a pass is only ever Gmail's, and stays
 * a pass behind a leading comment and before one more (failing) result,
 * which are both well-formed additions.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "chan-gmail.h"

int		 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*nul;
	char		*domain, *value, *upper, *more;
	size_t		 dlen, i;
	int		 r;

	if ((nul = memchr(data, '\0', size)) == NULL)
		return 0;
	dlen = (size_t)(nul - (const char *)data);
	if ((domain = strndup((const char *)data, dlen)) == NULL ||
	    (value = strndup(nul + 1, size - dlen - 1)) == NULL ||
	    (upper = strdup(domain)) == NULL) {
		free(domain);
		return 0;
	}
	for (i = 0; upper[i] != '\0'; i++)
		upper[i] = (char)toupper((unsigned char)upper[i]);
	r = gmail_auth_result(value, domain);
	if (r != GMAIL_AUTH_OTHER && r != GMAIL_AUTH_FAIL &&
	    r != GMAIL_AUTH_PASS)
		abort();
	if (gmail_auth_result(value, upper) != r)
		abort();
	if (r == GMAIL_AUTH_PASS) {
		/* Gmail's id and a pass are in the text, in some case. */
		for (i = 0; value[i] != '\0'; i++)
			value[i] = (char)tolower((unsigned char)value[i]);
		if (strstr(value, "mx.google.com") == NULL ||
		    strstr(value, "pass") == NULL)
			abort();
		if (asprintf(&more, "(c) %s; dmarc=fail header.from=x",
		    value) == -1)
			abort();
		if (gmail_auth_result(more, domain) != GMAIL_AUTH_PASS)
			abort();
		free(more);
	}
	free(upper);
	free(value);
	free(domain);
	return 0;
}
