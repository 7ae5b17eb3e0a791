/*
 * Running a real tool: posix_spawn of an absolute path with a fixed
 * argv, an environment built from scratch, only stdin/stdout/stderr
 * open, default signal dispositions, its own process group, a deadline
 * (the whole group is killed when it passes) and bounded capture of
 * stdout and stderr.  There is no shell anywhere.
 */
#ifndef CARAPACE_SPAWN_H
#define CARAPACE_SPAWN_H

#include <stddef.h>
#include <stdint.h>

struct spawn_result {
	int		 exited;	/* 1 if it exited normally */
	int		 status;	/* exit status, or the signal */
	int		 timed_out;	/* killed at the deadline */
	char		*out;		/* NUL-terminated captured stdout */
	size_t		 outlen;
	int		 out_truncated;
	char		*err;		/* NUL-terminated captured stderr */
	size_t		 errlen;
	int		 err_truncated;
};

/*
 * Run path (must be absolute) with argv (argv[0] included, NULL
 * terminated) and envp (NULL terminated).  stdin_fd is given to the
 * child as its stdin, or /dev/null when -1.  Output past max_out bytes
 * per stream is read and discarded (out_truncated set).  Returns 0 once
 * the child is reaped (inspect res), or -1 with errno set if it could
 * not be started; on -1 res holds nothing to free.
 */
int	 spawn_run(const char *path, char *const argv[], char *const envp[],
	    int stdin_fd, uint64_t timeout_ms, size_t max_out,
	    struct spawn_result *res);
void	 spawn_result_free(struct spawn_result *);

/* The minimal environment given to every tool: PATH, HOME, LANG. */
char	**spawn_default_env(void);

#endif /* CARAPACE_SPAWN_H */
