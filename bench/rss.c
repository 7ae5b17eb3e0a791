/*
 * Benchmark helper: run a command once and append its peak resident
 * set size, in KiB, as one line to a file.  The figure comes from
 * wait4()'s rusage, so it is the peak of the command and of any child
 * it waited for (the larger of them, not the sum).
 *
 * Placed between an activator and a handler, it keeps socket
 * activation working: LISTEN_PID is rewritten to the command's own pid
 * (that is why this forks instead of using posix_spawn), and this
 * process lets go of the connection so that only the command holds it.
 *
 * usage: rss -o FILE /absolute/path/to/command [args...]
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void	usage(void) __attribute__((__noreturn__));

static void
usage(void)
{
	fprintf(stderr, "usage: rss -o file command [argument ...]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct rusage	 ru;
	const char	*outfile = NULL;
	char		 line[64];
	long		 kib;
	pid_t		 pid;
	int		 ch, status, fd, null, len;

	while ((ch = getopt(argc, argv, "+o:")) != -1) {
		switch (ch) {
		case 'o':
			outfile = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (outfile == NULL || argc < 1 || argv[0][0] != '/')
		usage();

	switch (pid = fork()) {
	case -1:
		perror("rss: fork");
		return 1;
	case 0:
		if (getenv("LISTEN_PID") != NULL) {
			(void)snprintf(line, sizeof(line), "%ld",
			    (long)getpid());
			if (setenv("LISTEN_PID", line, 1) == -1)
				_exit(127);
		}
		execv(argv[0], argv);
		perror("rss: exec");
		_exit(127);
	default:
		break;
	}

	/* Only the command may hold the connection now. */
	if (getenv("LISTEN_FDS") != NULL)
		(void)close(3);
	else if ((null = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(null, STDIN_FILENO);
		(void)dup2(null, STDOUT_FILENO);
		if (null > STDERR_FILENO)
			(void)close(null);
	}

	while (wait4(pid, &status, 0, &ru) == -1) {
		if (errno != EINTR) {
			perror("rss: wait4");
			return 1;
		}
	}
#ifdef __APPLE__
	kib = ru.ru_maxrss / 1024;	/* bytes there, KiB elsewhere */
#else
	kib = ru.ru_maxrss;
#endif
	len = snprintf(line, sizeof(line), "%ld\n", kib);
	if ((fd = open(outfile, O_WRONLY | O_CREAT | O_APPEND, 0644)) == -1 ||
	    write(fd, line, (size_t)len) != len) {
		perror(outfile);
		return 1;
	}
	(void)close(fd);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
