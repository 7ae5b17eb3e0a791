/*
 * Exec a program N times, one after the other, and print the median
 * and the 90th percentile of fork+exec+exit+wait in microseconds:
 * "p50 US p90 US".  Used by bench/sd-startup.sh; measured from C so
 * that a shell's own costs do not dilute the difference.
 *
 *	exec-time N PROGRAM [ARG...]
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "compat.h"

extern char **environ;

static int
compare(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct timespec	 t0, t1;
	const char	*errstr;
	double		*us;
	long long	 n, i;
	pid_t		 pid;
	int		 status;

	if (argc < 3) {
		(void)fprintf(stderr, "usage: exec-time N PROGRAM [ARG...]\n");
		return 2;
	}
	n = strtonum(argv[1], 1, 1000000, &errstr);
	if (errstr != NULL) {
		(void)fprintf(stderr, "exec-time: N is %s\n", errstr);
		return 2;
	}
	if ((us = calloc((size_t)n, sizeof(*us))) == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		(void)clock_gettime(CLOCK_MONOTONIC, &t0);
		if (posix_spawn(&pid, argv[2], NULL, NULL, argv + 2,
		    environ) != 0) {
			(void)fprintf(stderr, "exec-time: cannot run %s\n",
			    argv[2]);
			return 1;
		}
		if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			(void)fprintf(stderr, "exec-time: %s failed\n", argv[2]);
			return 1;
		}
		(void)clock_gettime(CLOCK_MONOTONIC, &t1);
		us[i] = (double)(t1.tv_sec - t0.tv_sec) * 1e6 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
	}
	qsort(us, (size_t)n, sizeof(*us), compare);
	(void)printf("p50 %.0f p90 %.0f\n", us[n / 2], us[n * 9 / 10]);
	free(us);
	return 0;
}
