/*
 * base64url (RFC 4648 section 5), as Gmail's API carries message bodies:
 * decoding accepts input with or without padding; encoding pads on
 * request.  Shared by the Gmail channel, the gog shim and the tests.
 */
#include "config.h"

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "base64url.h"
#include "util.h"

static int
b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-' || c == '+')
		return 62;
	if (c == '_' || c == '/')
		return 63;
	return -1;
}

char *
base64url_decode(const char *in, size_t *outlen)
{
	size_t		 len = strlen(in), i, n = 0;
	unsigned int	 acc = 0;
	int		 bits = 0, v;
	char		*out;

	while (len > 0 && in[len - 1] == '=')
		len--;
	if ((out = malloc(len * 3 / 4 + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if ((v = b64_value((unsigned char)in[i])) == -1) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (len % 4 == 1) {
		free(out);
		return NULL;
	}
	out[n] = '\0';
	*outlen = n;
	return out;
}

char *
base64url_encode(const char *in, size_t len, int pad)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_";
	const unsigned char	*s = (const unsigned char *)in;
	char			*out;
	size_t			 i, n = 0;
	unsigned int		 v;

	if ((out = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned int)s[i] << 16 | (unsigned int)s[i + 1] << 8 |
		    s[i + 2];
		out[n++] = alphabet[(v >> 18) & 63];
		out[n++] = alphabet[(v >> 12) & 63];
		out[n++] = alphabet[(v >> 6) & 63];
		out[n++] = alphabet[v & 63];
	}
	if (len - i == 1) {
		v = (unsigned int)s[i] << 16;
		out[n++] = alphabet[(v >> 18) & 63];
		out[n++] = alphabet[(v >> 12) & 63];
		if (pad) {
			out[n++] = '=';
			out[n++] = '=';
		}
	} else if (len - i == 2) {
		v = (unsigned int)s[i] << 16 | (unsigned int)s[i + 1] << 8;
		out[n++] = alphabet[(v >> 18) & 63];
		out[n++] = alphabet[(v >> 12) & 63];
		out[n++] = alphabet[(v >> 6) & 63];
		if (pad)
			out[n++] = '=';
	}
	out[n] = '\0';
	return out;
}
