/*
 * libFuzzer target for imsg rpc's input path: the bytes are what a
 * client writes on the shim's stdin (request lines, the last one maybe
 * without its newline), read by shim_imsg_rpc() and checked as the real
 * server checks them.  The gateway socket does not exist, so every
 * request that passes the checks is answered with the connection's
 * error; answers go to /dev/null.  Every run checks that the shim
 * returns and leaves no descriptor open.
 */
#include "config.h"

#include <sys/types.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "shim.h"

#define INPUT_MAX	16384	/* fits in a pipe: written before the run */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The lowest descriptor free now: a leak shows as a higher one later. */
static int
lowest_free(void)
{
	int	fd, n;

	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		abort();
	n = fd;
	(void)close(fd);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int	in[2], out, before;

	if (size > INPUT_MAX)
		return 0;
	before = lowest_free();
	if (pipe(in) == -1 ||
	    (out = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1)
		abort();
	if (size > 0 && write(in[1], data, size) != (ssize_t)size)
		abort();
	(void)close(in[1]);
	(void)shim_imsg_rpc(in[0], out, "/nonexistent/carapace-fuzz.sock",
	    1000, 0);
	(void)close(in[0]);
	(void)close(out);
	if (lowest_free() != before)
		abort();
	return 0;
}
