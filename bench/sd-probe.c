/*
 * The smallest program that links libsystemd, or, built without
 * WITH_LIBSYSTEMD, the same program without it: bench/sd-startup.sh
 * execs both many times to measure what loading libsystemd (and the
 * libraries it pulls in) costs a process that runs once per connection,
 * as carapace-handler does.  sd_listen_fds is what a handler would call.
 */
#include "config.h"

#ifdef WITH_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

int
main(void)
{
#ifdef WITH_LIBSYSTEMD
	return sd_listen_fds(0) < 0;
#else
	return 0;
#endif
}
