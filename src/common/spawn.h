/*
 * Running a real tool: posix_spawn of an absolute path with a fixed
 * argv, an environment built from scratch, only stdin/stdout/stderr
 * open, default signal dispositions, its own process group, a deadline
 * (the whole group is killed when it passes) and bounded capture of
 * stdout and stderr.  There is no shell anywhere.  Where the system has
 * a parent-death signal (Linux), the tool is killed when the process
 * that started it dies, however it dies.
 */
#ifndef CARAPACE_SPAWN_H
#define CARAPACE_SPAWN_H

#include <stddef.h>
#include <sys/types.h>
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
	int		 refused;	/* spawn_run_gated: its gate stayed
					   shut; the tool was killed before
					   any input */
	int		 unfed;		/* spawn_run_gated: the gate opened
					   but the tool could not be given
					   the request (the gate's deadline
					   passed, or it was gone): killed */
};

/*
 * A tool's whole stdin in a pipe, written before the tool starts: the
 * read end (close-on-exec, blocking), or -1 with errno set, EAGAIN when
 * len is more than the pipe holds (the caller then uses a file).
 * Cheaper than a file: nothing is created in, or unlinked from, a
 * directory.
 */
int	 spawn_input(const char *data, size_t len);
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
/*
 * A request held back until a gate opens, so that the tool's start-up
 * overlaps what must be done before it may act (a record made durable):
 * the tool is started with an empty pipe as its stdin, then open(arg)
 * runs; only if it returns 0 are the len bytes of data written into the
 * pipe, and the pipe closed.  Otherwise the tool's whole group is
 * killed before it has had a byte (res->refused).  Only for a tool that
 * does nothing but start until its request arrives on stdin.  len is at
 * most SPAWN_GATED_MAX, which every pipe holds without blocking: the
 * write cannot wait on the tool.  The tool's timeout starts once the
 * gate has opened; deadline_ms (util_mono_ms time, 0 for none) bounds
 * both: past it, the request is not given (res->unfed) and the tool's
 * run ends there.  Should the caller die while the gate is open, the
 * tool sees the end of an empty input (and on Linux, its parent-death
 * signal): a tool that acts only on a request does nothing.
 */
#define SPAWN_GATED_MAX	4096
struct spawn_gate {
	int		(*open)(void *);
	void		*arg;
	const char	*data;
	size_t		 len;
	uint64_t	 deadline_ms;
};
/* spawn_run with the request behind gate (stdin: that pipe). */
int	 spawn_run_gated(const char *path, char *const argv[],
	    char *const envp[], const struct spawn_gate *gate,
	    uint64_t timeout_ms, size_t max_out, struct spawn_result *res);
void	 spawn_result_free(struct spawn_result *);
/*
 * Kill the process group of the tool spawn_run is running, if any.
 * Async-signal-safe: for a last-resort deadline handler only; the
 * normal path is spawn_run's own deadline.
 */
void	 spawn_kill_running(void);

/*
 * A long-running tool whose stdout is read as a stream (watchers): the
 * same confinement as spawn_run, stdin from /dev/null, stderr shared
 * with the caller's (a log), stdout on st->out (close-on-exec).
 */
struct spawn_stream {
	pid_t		 pid;		/* -1 once reaped */
	int		 out;		/* read end of its stdout, or -1 */
};

/* Returns 0, or -1 with errno set. */
int	 spawn_stream_start(const char *path, char *const argv[],
	    char *const envp[], struct spawn_stream *st);
/*
 * Has it exited?  Reaps it (and kills its process group) if so, with
 * *status as from waitpid; returns 1 then, 0 while it runs.
 */
int	 spawn_stream_exited(struct spawn_stream *st, int *status);
/* Close its stdout, kill its process group and reap it. */
void	 spawn_stream_stop(struct spawn_stream *st);

/* The minimal environment given to every tool: PATH, HOME, LANG. */
char	**spawn_default_env(void);

#endif /* CARAPACE_SPAWN_H */
