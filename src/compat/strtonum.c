/* strtonum(3) for systems without it: checked decimal conversion. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "compat.h"

long long
strtonum(const char *s, long long minval, long long maxval,
    const char **errstrp)
{
	long long	 ll = 0;
	char		*end;
	int		 saved = errno;
	const char	*err = NULL;

	if (minval > maxval)
		err = "invalid";
	else {
		errno = 0;
		ll = strtoll(s, &end, 10);
		if (s == end || *end != '\0')
			err = "invalid";
		else if ((ll == LLONG_MIN && errno == ERANGE) || ll < minval)
			err = "too small";
		else if ((ll == LLONG_MAX && errno == ERANGE) || ll > maxval)
			err = "too large";
	}
	if (errstrp != NULL)
		*errstrp = err;
	errno = err != NULL ? (err[0] == 'i' ? EINVAL : ERANGE) : saved;
	return err != NULL ? 0 : ll;
}
