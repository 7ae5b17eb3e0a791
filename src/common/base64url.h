/*
 * base64url (RFC 4648 section 5) without line breaks.
 */
#ifndef CARAPACE_BASE64URL_H
#define CARAPACE_BASE64URL_H

#include <stddef.h>

/*
 * Decode in (padding optional) into a new NUL-terminated buffer of
 * *outlen bytes; NULL if in is not base64url.
 */
char	*base64url_decode(const char *in, size_t *outlen);
/* Encode len bytes of in ('=' padding when pad); NULL if out of memory. */
char	*base64url_encode(const char *in, size_t len, int pad);

#endif /* CARAPACE_BASE64URL_H */
