/*
 * Time handlers without an activator or a client: each PROGRAM is run
 * inetd-style with one end of a socketpair as its stdin and stdout, is
 * sent REQUEST (one line, then end of input), and is timed from spawn
 * to exit.  The programs take turns, N times each, so that load that
 * comes and goes hits them alike; prints each one's p50 and p90 in
 * milliseconds.  Used to compare handler builds, or a handler with
 * bench/null-handler, request by request (doc/HACKING.md).
 *
 *	handler-time N REQUEST PROGRAM [ARG...] [-- PROGRAM [ARG...]]...
 *
 * Run it as the gateway's user: the handler refuses root.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"

#define MAX_PROGRAMS	8

extern char **environ;

static int	compare(const void *, const void *);
static int	run_once(char **, const char *, double *);

static int
compare(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One run of argv: 0 with *ms set, or -1. */
static int
run_once(char **argv, const char *request, double *ms)
{
	posix_spawn_file_actions_t	 fa;
	struct timespec			 t0, t1;
	char				 buf[65536];
	pid_t				 pid;
	int				 sv[2], status, r, sent;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return -1;
	(void)posix_spawn_file_actions_init(&fa);
	(void)posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
	(void)posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
	(void)posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY,
	    0);
	(void)posix_spawn_file_actions_addclose(&fa, sv[0]);
	(void)posix_spawn_file_actions_addclose(&fa, sv[1]);
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	r = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	(void)posix_spawn_file_actions_destroy(&fa);
	(void)close(sv[1]);
	if (r != 0) {
		(void)close(sv[0]);
		return -1;
	}
	/* The answer is read and dropped; the exit ends the time. */
	sent = write(sv[0], request, strlen(request)) != -1 &&
	    write(sv[0], "\n", 1) != -1;
	(void)shutdown(sv[0], SHUT_WR);
	while (read(sv[0], buf, sizeof(buf)) > 0)
		;
	r = waitpid(pid, &status, 0);
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	(void)close(sv[0]);
	if (r == -1 || !sent)
		return -1;
	*ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	return 0;
}

int
main(int argc, char **argv)
{
	char		**programs[MAX_PROGRAMS];
	double		*ms[MAX_PROGRAMS];
	const char	*errstr;
	long long	 n, i;
	int		 count = 0, j, k;

	if (argc < 4) {
		(void)fprintf(stderr, "usage: handler-time N REQUEST PROGRAM "
		    "[ARG...] [-- PROGRAM [ARG...]]...\n");
		return 2;
	}
	n = strtonum(argv[1], 1, 1000000, &errstr);
	if (errstr != NULL) {
		(void)fprintf(stderr, "handler-time: N is %s\n", errstr);
		return 2;
	}
	(void)signal(SIGPIPE, SIG_IGN);
	programs[count++] = argv + 3;
	for (k = 3; k < argc; k++) {
		if (strcmp(argv[k], "--") != 0)
			continue;
		argv[k] = NULL;
		if (k + 1 >= argc || count == MAX_PROGRAMS) {
			(void)fprintf(stderr, "handler-time: at most %d "
			    "programs, each named\n", MAX_PROGRAMS);
			return 2;
		}
		programs[count++] = argv + k + 1;
	}
	for (j = 0; j < count; j++)
		if ((ms[j] = calloc((size_t)n, sizeof(double))) == NULL)
			return 1;
	for (i = 0; i < n; i++)
		for (j = 0; j < count; j++)
			if (run_once(programs[j], argv[2], &ms[j][i]) == -1) {
				(void)fprintf(stderr, "handler-time: cannot "
				    "run %s\n", programs[j][0]);
				return 1;
			}
	for (j = 0; j < count; j++) {
		qsort(ms[j], (size_t)n, sizeof(double), compare);
		(void)printf("%s p50 %.3f p90 %.3f\n", programs[j][0],
		    ms[j][n / 2], ms[j][n * 9 / 10]);
		free(ms[j]);
	}
	return 0;
}
