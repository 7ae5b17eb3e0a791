/* explicit_bzero(3) for systems without it: a zeroing the compiler keeps. */
#include "config.h"

#include <string.h>

#include "compat.h"

static void *(*volatile memset_keep)(void *, int, size_t) = memset;

void
explicit_bzero(void *p, size_t n)
{
	memset_keep(p, 0, n);
}
