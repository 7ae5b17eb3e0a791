/* strlcpy(3) for systems without it. */
#include "config.h"

#include <string.h>

#include "compat.h"

size_t
strlcpy(char *dst, const char *src, size_t dsize)
{
	size_t	srclen = strlen(src);

	if (dsize != 0) {
		size_t n = srclen >= dsize ? dsize - 1 : srclen;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return srclen;
}
