/*
 * Deadlines on the monotonic clock, and the one wait every client loop
 * uses: poll a descriptor until it is ready, the deadline passes, or a
 * cancel descriptor (a signal's self-pipe, a peer that went away)
 * becomes readable.
 */
#ifndef CARAPACE_DEADLINE_H
#define CARAPACE_DEADLINE_H

#include <stdint.h>

/*
 * A deadline is a util_mono_ms() instant; DEADLINE_NONE (0) means no
 * deadline: wait for ever.
 */
#define DEADLINE_NONE	0

enum deadline_wait {
	DEADLINE_READY,		/* fd has events (or an error/hangup) */
	DEADLINE_TIMEOUT,	/* the deadline passed first */
	DEADLINE_CANCELLED,	/* cancel_fd became readable */
	DEADLINE_ERROR		/* poll(2) failed; errno says why */
};

/* The deadline ms milliseconds from now; never DEADLINE_NONE. */
uint64_t	deadline_in(uint64_t ms);

/*
 * Milliseconds left before deadline, as poll(2) takes them: -1 for
 * DEADLINE_NONE, 0 once it has passed, at most INT_MAX.
 */
int		deadline_left_ms(uint64_t deadline);

/*
 * Wait until fd has one of events, deadline passes, or cancel_fd (when
 * not -1) is readable; a signal (EINTR) does not end the wait.  When
 * cancel_fd and fd are both ready, DEADLINE_CANCELLED wins: a stop
 * request is never starved by a busy peer.  Returns the enum above.
 */
enum deadline_wait deadline_wait(int fd, short events, int cancel_fd,
		    uint64_t deadline);

#endif /* CARAPACE_DEADLINE_H */
