/* closefrom(3) for systems without it. */
#include "config.h"

#include <unistd.h>

#include "compat.h"

void
closefrom(int lowfd)
{
	long	max = sysconf(_SC_OPEN_MAX);
	int	fd;

	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = lowfd; fd < max; fd++)
		(void)close(fd);
}
