/*
 * Deadlines on the monotonic clock and the wait built on them
 * (deadline.h).  poll(2) is always given the time left, re-read after
 * every wake-up, so a signal or a spurious wake-up neither ends a wait
 * early nor stretches it past the deadline.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>

#include "deadline.h"
#include "util.h"

uint64_t
deadline_in(uint64_t ms)
{
	uint64_t	now = util_mono_ms();

	if (ms > UINT64_MAX - now)
		return UINT64_MAX;
	/* The monotonic clock may start at 0: never return "none". */
	if (now + ms == DEADLINE_NONE)
		return 1;
	return now + ms;
}

int
deadline_left_ms(uint64_t deadline)
{
	uint64_t	now;

	if (deadline == DEADLINE_NONE)
		return -1;
	now = util_mono_ms();
	if (now >= deadline)
		return 0;
	if (deadline - now > INT_MAX)
		return INT_MAX;
	return (int)(deadline - now);
}

enum deadline_wait
deadline_wait(int fd, short events, int cancel_fd, uint64_t deadline)
{
	struct pollfd	pfd[2];
	nfds_t		n;
	int		ms, r;

	for (;;) {
		if ((ms = deadline_left_ms(deadline)) == 0)
			return DEADLINE_TIMEOUT;
		pfd[0].fd = fd;
		pfd[0].events = events;
		pfd[0].revents = 0;
		n = 1;
		if (cancel_fd != -1) {
			pfd[1].fd = cancel_fd;
			pfd[1].events = POLLIN;
			pfd[1].revents = 0;
			n = 2;
		}
		r = poll(pfd, n, ms);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return DEADLINE_ERROR;
		}
		if (n == 2 && pfd[1].revents != 0)
			return DEADLINE_CANCELLED;
		if (r == 0)
			continue;	/* re-check the clock */
		return DEADLINE_READY;
	}
}
