/* timingsafe_bcmp(3) for systems without it. */
#include "config.h"

#include "compat.h"

int
timingsafe_bcmp(const void *b1, const void *b2, size_t n)
{
	const unsigned char	*p1 = b1, *p2 = b2;
	int			 ret = 0;

	for (; n > 0; n--)
		ret |= *p1++ ^ *p2++;
	return ret != 0;
}
