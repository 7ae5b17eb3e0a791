/*
 * Running a real tool without a shell: posix_spawn of an absolute path
 * with a fixed argv and a from-scratch environment, only stdin, stdout
 * and stderr open, an empty signal mask and default dispositions, its
 * own process group, a deadline after which the whole group is killed,
 * and bounded capture of stdout and stderr.
 *
 * A gated request (spawn_run_gated).  The tool is started with an empty
 * pipe as its stdin, and the caller's gate runs while it starts; the
 * request is written only once the gate has opened.  If it stays shut,
 * the group is killed before the pipe is closed, so the tool sees
 * neither a byte nor the end of its input.  A small request only: it
 * must fit the pipe, or the write would wait on the tool.
 *
 * Descriptors.  The capture pipes are created close-on-exec.  Where the
 * system has posix_spawn_file_actions_addclosefrom_np, the child also
 * closes every descriptor above 2 before the exec, whatever its flags.
 * Elsewhere the child inherits whatever is not close-on-exec, so every
 * program that uses this module opens all of its descriptors
 * close-on-exec (O_CLOEXEC, SOCK_CLOEXEC, accept4, F_DUPFD_CLOEXEC);
 * the handler does.
 *
 * SIGCHLD.  A caller that ignores SIGCHLD (or set SA_NOCLDWAIT) would
 * have the kernel reap the child and lose its status, so for the length
 * of spawn_run SIGCHLD is put back to SIG_DFL, and the caller's action
 * is restored before returning; so is SIGPIPE's, ignored for the length
 * of a gated request's write.  That is a process-wide change: the
 * module expects a single-threaded caller (a handler is one process per
 * connection) that does not reap with waitpid(-1, ...) from a SIGCHLD
 * handler.  No other disposition of the caller is touched.
 *
 * The process group.  The child's group id is its pid.  The leader is
 * reaped only after its group was sent SIGKILL, so that id cannot have
 * been reused by an unrelated group when the signal is sent.  When
 * spawn_run returns, every process still in the tool's group has been
 * sent SIGKILL: a tool cannot leave anything running behind it.
 *
 * A parent that dies.  A handler or watcher killed outright (SIGKILL,
 * the OOM killer, the last-resort alarm's _exit) runs none of the
 * above.  Where the system has a parent-death signal (Linux's
 * PR_SET_PDEATHSIG), the tool is started with SIGKILL as that signal,
 * so it dies with the process that started it.  posix_spawn cannot ask
 * for it, so there the child is started with vfork and sets itself up
 * exactly as the posix_spawn attributes below would (glibc's
 * posix_spawn is itself a vfork-like clone), sets the signal, and checks
 * that its parent did not die before the signal was armed.  What the
 * tool itself starts in its group is not covered by that signal: under
 * systemd the unit's control group ends it (KillMode=control-group).
 * Elsewhere (macOS) the tool is started with posix_spawn and a parent
 * killed outright leaves it to launchd (see doc/HACKING.md).
 */
#include "config.h"

/*
 * The descriptor guarantees above depend on what configure found:
 * refuse to build if some other config.h came first.
 */
#ifndef PACKAGE_NAME
#error "config.h is not the configure header: check the include path order"
#endif

#include <sys/types.h>
#if HAVE_DECL_PR_SET_PDEATHSIG
#include <sys/prctl.h>
#endif
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * The project's own spawn.h must not hide the system's: project headers
 * are found through -iquote, system headers through <>.
 */
#ifndef POSIX_SPAWN_SETPGROUP
#error "<spawn.h> is src/common/spawn.h: give project headers with -iquote, not -I"
#endif

#include "compat.h"
#include "spawn.h"
#include "util.h"

/* Bytes taken from a pipe per wake-up, so the deadline is checked. */
#define SPAWN_READ_CHUNK	65536
/* First allocation for a capture buffer; it doubles up to the limit. */
#define SPAWN_INITIAL_CAPACITY	1024
/*
 * After the group was killed, how long the pipes may stay open: only a
 * process that left the group (setsid) can still hold them.
 */
#define SPAWN_KILL_GRACE_MS	1000
/* Longest pause between checks on a leader that closed its pipes. */
#define SPAWN_PAUSE_MAX_US	20000

struct capture {
	int	 fd;		/* read end of the pipe, -1 once closed */
	char	*buf;		/* always NUL-terminated */
	size_t	 len;
	size_t	 cap;		/* allocated bytes, the NUL included */
	size_t	 max;		/* bytes kept; the rest is discarded */
	int	 truncated;
};

static int	 capture_init(struct capture *, size_t);
static void	 capture_close(struct capture *);
static void	 capture_store(struct capture *, const char *, size_t);
static void	 capture_read(struct capture *);
static int	 fd_move_above_stdio(int *);
static int	 spawn_pipe(int [2]);
static int	 input_pipe(int [2]);
static int	 leader_exited(pid_t);
static void	 pause_us(uint64_t);
static int	 supervise(pid_t, struct capture *, struct capture *,
		    uint64_t);
static int	 reap(pid_t, int *);
static int	 gate_pass(const struct spawn_gate *, int);
static int	 run(const char *, char *const [], char *const [], int,
		    const struct spawn_gate *, uint64_t, size_t,
		    struct spawn_result *);
static int	 spawn_child(const char *, char *const [], char *const [], int,
		    int, int, pid_t *);
#if !HAVE_DECL_PR_SET_PDEATHSIG
static int	 spawn_child_posix(const char *, char *const [],
		    char *const [], int, int, int, pid_t *);
#endif
#if HAVE_DECL_PR_SET_PDEATHSIG
struct child_plan;
static void	 child_exec(struct child_plan *) __attribute__((__noreturn__));
static int	 spawn_child_linked(const char *, char *const [],
		    char *const [], int, int, int, pid_t *);
#endif

static int
capture_init(struct capture *c, size_t max)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->max = max;
	c->cap = (max < SPAWN_INITIAL_CAPACITY ? max :
	    SPAWN_INITIAL_CAPACITY) + 1;
	if ((c->buf = malloc(c->cap)) == NULL)
		return -1;
	c->buf[0] = '\0';
	return 0;
}

static void
capture_close(struct capture *c)
{
	if (c->fd != -1) {
		(void)close(c->fd);
		c->fd = -1;
	}
}

/*
 * Keep what fits under the limit and drop the rest.  If the buffer
 * cannot grow, the output is reported truncated rather than failing the
 * run: the tool has already acted.
 */
static void
capture_store(struct capture *c, const char *data, size_t n)
{
	size_t	 room, take, want;
	char	*p;

	room = c->max - c->len;
	take = n < room ? n : room;
	if (take < n)
		c->truncated = 1;
	if (take == 0)
		return;
	if (c->len + take + 1 > c->cap) {
		want = c->cap;
		while (want < c->len + take + 1)
			want = want > (c->max + 1) / 2 ? c->max + 1 : want * 2;
		if ((p = realloc(c->buf, want)) != NULL) {
			c->buf = p;
			c->cap = want;
		} else {
			c->truncated = 1;
			take = c->cap - 1 - c->len;
		}
	}
	memcpy(c->buf + c->len, data, take);
	c->len += take;
	c->buf[c->len] = '\0';
}

/* One read per wake-up: an endless writer cannot hold off the deadline. */
static void
capture_read(struct capture *c)
{
	char	 chunk[SPAWN_READ_CHUNK];
	ssize_t	 n;

	if (c->fd == -1)
		return;
	n = read(c->fd, chunk, sizeof(chunk));
	if (n > 0) {
		capture_store(c, chunk, (size_t)n);
		return;
	}
	if (n == -1 && (errno == EINTR || errno == EAGAIN ||
	    errno == EWOULDBLOCK))
		return;
	/* End of file, or an error that will not go away. */
	capture_close(c);
}

/*
 * A descriptor that is 0, 1 or 2 would be overwritten by the child's
 * own dup2 onto those numbers; move it out of the way (close-on-exec).
 */
static int
fd_move_above_stdio(int *fd)
{
	int	 nfd;

	if (*fd > STDERR_FILENO)
		return 0;
	if ((nfd = fcntl(*fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1)) == -1)
		return -1;
	(void)close(*fd);
	*fd = nfd;
	return 0;
}

/* A close-on-exec pipe whose read end does not block. */
static int
spawn_pipe(int fds[2])
{
	int	 flags, saved_errno;

#ifdef HAVE_PIPE2
	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
#else
	/* Without pipe2 the parent must not run other threads here. */
	if (pipe(fds) == -1)
		return -1;
	if (fcntl(fds[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(fds[1], F_SETFD, FD_CLOEXEC) == -1)
		goto fail;
#endif
	if (fd_move_above_stdio(&fds[0]) == -1 ||
	    fd_move_above_stdio(&fds[1]) == -1)
		goto fail;
	if ((flags = fcntl(fds[0], F_GETFL)) == -1 ||
	    fcntl(fds[0], F_SETFL, flags | O_NONBLOCK) == -1)
		goto fail;
	return 0;

fail:
	saved_errno = errno;
	(void)close(fds[0]);
	(void)close(fds[1]);
	fds[0] = fds[1] = -1;
	errno = saved_errno;
	return -1;
}

/*
 * A pipe for a tool's stdin: the tool's end (fds[0]) blocks, ours
 * (fds[1]) does not, both close-on-exec.  0, or -1 with errno set.
 */
static int
input_pipe(int fds[2])
{
	int	 flags, saved_errno;

	if (spawn_pipe(fds) == -1)
		return -1;
	if ((flags = fcntl(fds[0], F_GETFL)) == -1 ||
	    fcntl(fds[0], F_SETFL, flags & ~O_NONBLOCK) == -1 ||
	    (flags = fcntl(fds[1], F_GETFL)) == -1 ||
	    fcntl(fds[1], F_SETFL, flags | O_NONBLOCK) == -1) {
		saved_errno = errno;
		(void)close(fds[0]);
		(void)close(fds[1]);
		errno = saved_errno;
		return -1;
	}
	return 0;
}

int
spawn_input(const char *data, size_t len)
{
	size_t	 off = 0;
	ssize_t	 w;
	int	 fds[2], saved_errno;

	/* Written here, before the tool exists: the write must not block. */
	if (input_pipe(fds) == -1)
		return -1;
	while (off < len) {
		w = write(fds[1], data + off, len - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			goto fail;	/* EAGAIN: more than the pipe holds */
		off += (size_t)w;
	}
	(void)close(fds[1]);
	return fds[0];

fail:
	saved_errno = errno;
	(void)close(fds[0]);
	(void)close(fds[1]);
	errno = saved_errno;
	return -1;
}

/*
 * Has the leader exited?  It is left unreaped (WNOWAIT) so that its pid,
 * which is also the group id, stays reserved until the group is killed.
 * If it cannot be waited for at all, say yes: reap() reports the error.
 */
static int
leader_exited(pid_t pid)
{
	siginfo_t	 si;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)pid, &si,
		    WEXITED | WNOHANG | WNOWAIT) == 0)
			return si.si_pid == pid;
		if (errno != EINTR)
			return 1;
	}
}

static void
pause_us(uint64_t us)
{
	struct timespec	 ts;

	ts.tv_sec = (time_t)(us / 1000000);
	ts.tv_nsec = (long)(us % 1000000) * 1000;
	/* Interrupted or not, the caller checks the clock again. */
	(void)nanosleep(&ts, NULL);
}

/*
 * Read both pipes until both are closed and the leader has exited, or
 * until the deadline.  At the deadline the whole group is killed and
 * the pipes are drained for a short grace.  A leader that exits while
 * something it started still holds the pipes is given the rest of the
 * deadline, then its group is killed too.  Returns 1 if the leader was
 * still running at the deadline, else 0.  The leader is not reaped.
 */
static int
supervise(pid_t pid, struct capture *out, struct capture *err,
    uint64_t deadline)
{
	struct pollfd	 pfd[2];
	struct capture	*polled[2];
	uint64_t	 now, pause = 50;
	int		 exited = 0, killed = 0, timed_out = 0;
	int		 i, n, nfds, wait_ms;

	for (;;) {
		now = util_mono_ms();
		if (!killed && now >= deadline) {
			if (!exited)
				exited = leader_exited(pid);
			timed_out = !exited;
			(void)kill(-pid, SIGKILL);
			killed = 1;
			deadline = now + SPAWN_KILL_GRACE_MS;
			continue;
		}
		if (killed && now >= deadline) {
			/* Held open from outside the group: stop reading. */
			capture_close(out);
			capture_close(err);
			break;
		}

		if (out->fd == -1 && err->fd == -1) {
			if (exited || (exited = leader_exited(pid)))
				break;
			/* Output closed but still running: look again soon. */
			if (deadline - now < pause / 1000 + 1)
				pause = (deadline - now) * 1000;
			pause_us(pause);
			pause = pause * 2 > SPAWN_PAUSE_MAX_US ?
			    SPAWN_PAUSE_MAX_US : pause * 2;
			continue;
		}

		nfds = 0;
		if (out->fd != -1) {
			pfd[nfds].fd = out->fd;
			pfd[nfds].events = POLLIN;
			polled[nfds++] = out;
		}
		if (err->fd != -1) {
			pfd[nfds].fd = err->fd;
			pfd[nfds].events = POLLIN;
			polled[nfds++] = err;
		}
		wait_ms = deadline - now > INT_MAX ? INT_MAX :
		    (int)(deadline - now);
		n = poll(pfd, (nfds_t)nfds, wait_ms);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			/* Cannot watch the pipes: end the run now. */
			capture_close(out);
			capture_close(err);
			break;
		}
		for (i = 0; i < nfds; i++) {
			if (pfd[i].revents != 0)
				capture_read(polled[i]);
		}
	}

	/* Nothing started by the tool outlives the run. */
	(void)kill(-pid, SIGKILL);
	return timed_out;
}

static int
reap(pid_t pid, int *status)
{
	for (;;) {
		if (waitpid(pid, status, 0) == pid)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/*
 * Start path with stdin from in_fd (/dev/null when -1), stdout on
 * out_fd and stderr on err_fd (left as the caller's when err_fd is
 * STDERR_FILENO), an empty signal mask, default dispositions and its own
 * process group.  Returns 0 with *pid set, or -1 with errno set.
 */
#if HAVE_DECL_PR_SET_PDEATHSIG
/*
 * What the vfork child needs, prepared by the parent: the child shares
 * the parent's memory until it execs, so it allocates nothing and only
 * makes system calls.  error is how it tells the parent why it could
 * not exec (the parent is suspended until then, so it is read after).
 */
struct child_plan {
	const char	*path;
	char *const	*argv;
	char *const	*envp;
	int		 in_fd;
	int		 out_fd;
	int		 err_fd;
	pid_t		 parent;
	volatile int	 error;
};

/*
 * The child side: default dispositions, its own process group, the
 * parent-death signal (then a look at whether the parent is already
 * gone: the signal only covers a death after it was set), the
 * standard descriptors, nothing else open, an empty mask, exec.
 */
static void
child_exec(struct child_plan *p)
{
	struct sigaction	 sa;
	sigset_t		 empty;
	int			 sig, fd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	(void)sigemptyset(&sa.sa_mask);
	/* Signals the C library keeps for itself refuse, harmlessly. */
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL);
	if (setpgid(0, 0) == -1 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		goto fail;
	if (getppid() != p->parent)
		_exit(127);	/* nobody is left to run it for */
	if (p->in_fd == -1) {
		if ((fd = open("/dev/null", O_RDONLY)) == -1)
			goto fail;
		if (fd != STDIN_FILENO) {
			if (dup2(fd, STDIN_FILENO) == -1)
				goto fail;
			(void)close(fd);
		}
	} else if (dup2(p->in_fd, STDIN_FILENO) == -1)
		goto fail;
	if (dup2(p->out_fd, STDOUT_FILENO) == -1)
		goto fail;
	if (p->err_fd != STDERR_FILENO &&
	    dup2(p->err_fd, STDERR_FILENO) == -1)
		goto fail;
#ifdef HAVE_CLOSE_RANGE
	/* Not fatal: every descriptor of ours is close-on-exec anyway. */
	(void)close_range(STDERR_FILENO + 1, ~0U, 0);
#endif
	(void)sigemptyset(&empty);
	(void)sigprocmask(SIG_SETMASK, &empty, NULL);
	(void)execve(p->path, p->argv, p->envp);
fail:
	p->error = errno != 0 ? errno : EINVAL;
	_exit(127);
}

/*
 * spawn_child with the parent-death signal.  Every signal is blocked
 * around the vfork, so no handler of the parent's runs in the child
 * while it shares the parent's memory; the child resets them all
 * before it unblocks.
 */
static int
spawn_child_linked(const char *path, char *const argv[], char *const envp[],
    int in_fd, int out_fd, int err_fd, pid_t *pid)
{
	struct child_plan	 plan;
	sigset_t		 all, saved;
	pid_t			 child;
	int			 status, saved_errno;

	plan.path = path;
	plan.argv = argv;
	plan.envp = envp;
	plan.in_fd = in_fd;
	plan.out_fd = out_fd;
	plan.err_fd = err_fd;
	plan.parent = getpid();
	plan.error = 0;
	(void)sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, &saved) == -1)
		return -1;
	child = vfork();
	if (child == 0)
		child_exec(&plan);
	saved_errno = errno;
	(void)sigprocmask(SIG_SETMASK, &saved, NULL);
	if (child == -1) {
		errno = saved_errno;
		return -1;
	}
	if (plan.error != 0) {
		/* It never ran the tool: reap it, report why. */
		saved_errno = plan.error;
		(void)reap(child, &status);
		errno = saved_errno;
		return -1;
	}
	*pid = child;
	return 0;
}
#endif

static int
spawn_child(const char *path, char *const argv[], char *const envp[],
    int in_fd, int out_fd, int err_fd, pid_t *pid)
{
#if HAVE_DECL_PR_SET_PDEATHSIG
	return spawn_child_linked(path, argv, envp, in_fd, out_fd, err_fd,
	    pid);
#else
	return spawn_child_posix(path, argv, envp, in_fd, out_fd, err_fd,
	    pid);
#endif
}

#if !HAVE_DECL_PR_SET_PDEATHSIG
/* spawn_child where no parent-death signal exists: posix_spawn. */
static int
spawn_child_posix(const char *path, char *const argv[], char *const envp[],
    int in_fd, int out_fd, int err_fd, pid_t *pid)
{
	posix_spawn_file_actions_t	 actions;
	posix_spawnattr_t		 attr;
	sigset_t			 mask, defaults;
	int				 rc, have_attr = 0;

	if ((rc = posix_spawn_file_actions_init(&actions)) != 0) {
		errno = rc;
		return -1;
	}
	if (in_fd == -1)
		rc = posix_spawn_file_actions_addopen(&actions, STDIN_FILENO,
		    "/dev/null", O_RDONLY, 0);
	else
		rc = posix_spawn_file_actions_adddup2(&actions, in_fd,
		    STDIN_FILENO);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&actions, out_fd,
		    STDOUT_FILENO);
	if (rc == 0 && err_fd != STDERR_FILENO)
		rc = posix_spawn_file_actions_adddup2(&actions, err_fd,
		    STDERR_FILENO);
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCLOSEFROM_NP
	if (rc == 0)
		rc = posix_spawn_file_actions_addclosefrom_np(&actions,
		    STDERR_FILENO + 1);
#endif
	if (rc != 0) {
		errno = rc;
		goto out;
	}

	if ((rc = posix_spawnattr_init(&attr)) != 0) {
		errno = rc;
		goto out;
	}
	have_attr = 1;
	(void)sigemptyset(&mask);
	(void)sigfillset(&defaults);
	(void)sigdelset(&defaults, SIGKILL);
	(void)sigdelset(&defaults, SIGSTOP);
	if ((rc = posix_spawnattr_setsigmask(&attr, &mask)) != 0 ||
	    (rc = posix_spawnattr_setsigdefault(&attr, &defaults)) != 0 ||
	    (rc = posix_spawnattr_setpgroup(&attr, 0)) != 0 ||
	    (rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP)) != 0) {
		errno = rc;
		goto out;
	}

	/* posix_spawn returns an error number; it does not set errno. */
	rc = posix_spawn(pid, path, &actions, &attr, argv, envp);
	if (rc != 0)
		errno = rc;
out:
	(void)posix_spawn_file_actions_destroy(&actions);
	if (have_attr)
		(void)posix_spawnattr_destroy(&attr);
	if (rc != 0)
		errno = rc;
	return rc == 0 ? 0 : -1;
}
#endif

/*
 * The process group of the tool spawn_run is supervising, or 0: what a
 * last-resort deadline handler must kill before the process exits, so
 * that no tool outlives the record of what it was doing.
 */
static volatile sig_atomic_t spawn_running_group;

void
spawn_kill_running(void)
{
	pid_t	group = (pid_t)spawn_running_group;

	if (group > 0)
		(void)kill(-group, SIGKILL);
}

int
spawn_run(const char *path, char *const argv[], char *const envp[],
    int stdin_fd, uint64_t timeout_ms, size_t max_out,
    struct spawn_result *res)
{
	return run(path, argv, envp, stdin_fd, NULL, timeout_ms, max_out, res);
}

int
spawn_run_gated(const char *path, char *const argv[], char *const envp[],
    const struct spawn_gate *gate, uint64_t timeout_ms, size_t max_out,
    struct spawn_result *res)
{
	if (gate == NULL || gate->open == NULL || gate->data == NULL ||
	    gate->len > SPAWN_GATED_MAX) {
		if (res != NULL)
			memset(res, 0, sizeof(*res));
		errno = EINVAL;
		return -1;
	}
	return run(path, argv, envp, -1, gate, timeout_ms, max_out, res);
}

/*
 * Give the started tool its gated request, or nothing: 0 when all of it
 * is written, 1 when the gate stayed shut, -1 when it opened but the
 * request cannot be given (the gate's deadline passed while it opened,
 * or the tool is gone).
 * Unless 0, the caller kills the group before it closes in_w: the end of
 * input must not reach a tool that is to have none.
 */
static int
gate_pass(const struct spawn_gate *gate, int in_w)
{
	struct sigaction	 ign, saved;
	size_t			 off = 0;
	ssize_t			 w;
	int			 r = 0;

	if (gate->open(gate->arg) != 0)
		return 1;
	if (gate->deadline_ms != 0 && util_mono_ms() >= gate->deadline_ms)
		return -1;
	/* A tool that is already gone is an error here, not our death. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	(void)sigemptyset(&ign.sa_mask);
	if (sigaction(SIGPIPE, &ign, &saved) == -1)
		return -1;
	while (r == 0 && off < gate->len) {
		w = write(in_w, gate->data + off, gate->len - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			r = -1;		/* gone, or not under SPAWN_GATED_MAX */
		else
			off += (size_t)w;
	}
	(void)sigaction(SIGPIPE, &saved, NULL);
	return r;
}

static int
run(const char *path, char *const argv[], char *const envp[],
    int stdin_fd, const struct spawn_gate *gate, uint64_t timeout_ms,
    size_t max_out, struct spawn_result *res)
{
	struct sigaction		 saved_chld, dfl;
	struct capture			 out, err;
	uint64_t			 now, deadline;
	pid_t				 pid;
	int				 outpipe[2] = { -1, -1 };
	int				 errpipe[2] = { -1, -1 };
	int				 in_copy = -1, in_w = -1, restore_chld = 0;
	int				 status, timed_out, saved_errno;
	int				 inpipe[2], shut = 0;

	if (res == NULL) {
		errno = EINVAL;
		return -1;
	}
	memset(res, 0, sizeof(*res));
	/* No search path, no shell, no unbounded run. */
	if (path == NULL || path[0] != '/' || argv == NULL ||
	    argv[0] == NULL || envp == NULL || stdin_fd < -1 ||
	    timeout_ms == 0 || max_out == SIZE_MAX) {
		errno = EINVAL;
		return -1;
	}

	out.buf = err.buf = NULL;
	if (capture_init(&out, max_out) == -1 ||
	    capture_init(&err, max_out) == -1) {
		free(out.buf);
		free(err.buf);
		errno = ENOMEM;
		return -1;
	}

	if (spawn_pipe(outpipe) == -1 || spawn_pipe(errpipe) == -1)
		goto fail;
	out.fd = outpipe[0];
	err.fd = errpipe[0];
	outpipe[0] = errpipe[0] = -1;

	/*
	 * A caller's stdin_fd of 0, 1 or 2 could be clobbered by the
	 * dup2 onto those numbers, and dup2 of a descriptor onto itself
	 * does not clear close-on-exec everywhere: give the child a copy.
	 */
	if (stdin_fd != -1) {
		if ((in_copy = fcntl(stdin_fd, F_DUPFD_CLOEXEC,
		    STDERR_FILENO + 1)) == -1)
			goto fail;
	} else if (gate != NULL) {
		if (input_pipe(inpipe) == -1)
			goto fail;
		in_copy = inpipe[0];
		in_w = inpipe[1];
	}

	/* The child's status must come to us, not be discarded. */
	if (sigaction(SIGCHLD, NULL, &saved_chld) == -1)
		goto fail;
	if (saved_chld.sa_handler == SIG_IGN ||
	    (saved_chld.sa_flags & SA_NOCLDWAIT)) {
		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		(void)sigemptyset(&dfl.sa_mask);
		if (sigaction(SIGCHLD, &dfl, NULL) == -1)
			goto fail;
		restore_chld = 1;
	}

	if (spawn_child(path, argv, envp, in_copy, outpipe[1], errpipe[1],
	    &pid) == -1)
		goto fail;
	spawn_running_group = (sig_atomic_t)pid;
	/* Only the child may hold the write ends, or EOF never comes. */
	(void)close(outpipe[1]);
	(void)close(errpipe[1]);
	outpipe[1] = errpipe[1] = -1;
	if (in_copy != -1) {
		(void)close(in_copy);
		in_copy = -1;
	}
	/*
	 * The gate's work runs while the tool starts.  Shut, or the
	 * request not all written: the group is killed before it can act
	 * on a byte of it (nor on the end of its input: the kill comes
	 * before the close), and supervise only collects what is left.
	 */
	if (gate != NULL) {
		if ((shut = gate_pass(gate, in_w)) != 0)
			(void)kill(-pid, SIGKILL);
		(void)close(in_w);
		in_w = -1;
	}
	/* The tool's time starts once it can act, never past the gate's. */
	now = util_mono_ms();
	deadline = timeout_ms > UINT64_MAX - now ? UINT64_MAX :
	    now + timeout_ms;
	if (gate != NULL && gate->deadline_ms != 0 &&
	    deadline > gate->deadline_ms)
		deadline = gate->deadline_ms;

	timed_out = supervise(pid, &out, &err, deadline);
	/* supervise killed the group: nothing of it is left to stop. */
	spawn_running_group = 0;
	if (reap(pid, &status) == -1)
		goto fail;
	if (restore_chld)
		(void)sigaction(SIGCHLD, &saved_chld, NULL);

	if (WIFEXITED(status)) {
		res->exited = 1;
		res->status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status))
		res->status = WTERMSIG(status);
	else
		res->status = -1;
	res->timed_out = timed_out;
	res->refused = shut == 1;
	res->unfed = shut == -1;
	res->out = out.buf;
	res->outlen = out.len;
	res->out_truncated = out.truncated;
	res->err = err.buf;
	res->errlen = err.len;
	res->err_truncated = err.truncated;
	return 0;

fail:
	saved_errno = errno;
	if (restore_chld)
		(void)sigaction(SIGCHLD, &saved_chld, NULL);
	if (in_copy != -1)
		(void)close(in_copy);
	if (in_w != -1)
		(void)close(in_w);
	if (outpipe[0] != -1)
		(void)close(outpipe[0]);
	if (outpipe[1] != -1)
		(void)close(outpipe[1]);
	if (errpipe[0] != -1)
		(void)close(errpipe[0]);
	if (errpipe[1] != -1)
		(void)close(errpipe[1]);
	capture_close(&out);
	capture_close(&err);
	free(out.buf);
	free(err.buf);
	memset(res, 0, sizeof(*res));
	errno = saved_errno;
	return -1;
}

void
spawn_result_free(struct spawn_result *res)
{
	if (res == NULL)
		return;
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof(*res));
}

/*
 * Nothing comes from the caller's environment.  HOME is the effective
 * user's home directory (a tool may keep its settings there), or "/"
 * when there is none usable.  The array is static and is rebuilt only
 * when the effective uid changes.
 */
char **
spawn_default_env(void)
{
	static char	 path_var[] = "PATH=/usr/bin:/bin";
	static char	 lang_var[] = "LANG=C.UTF-8";
	static char	 home_var[PATH_MAX + sizeof("HOME=")];
	static char	*env[4];
	static uid_t	 built_for;
	static int	 built;
	struct passwd	*pw;
	uid_t		 uid;
	int		 r;

	uid = geteuid();
	if (built && built_for == uid)
		return env;

	pw = getpwuid(uid);
	r = -1;
	if (pw != NULL && pw->pw_dir != NULL && pw->pw_dir[0] == '/')
		r = snprintf(home_var, sizeof(home_var), "HOME=%s",
		    pw->pw_dir);
	if (r < 0 || (size_t)r >= sizeof(home_var))
		(void)strlcpy(home_var, "HOME=/", sizeof(home_var));

	env[0] = path_var;
	env[1] = home_var;
	env[2] = lang_var;
	env[3] = NULL;
	built_for = uid;
	built = 1;
	return env;
}

int
spawn_stream_start(const char *path, char *const argv[], char *const envp[],
    struct spawn_stream *st)
{
	int	pipefd[2] = { -1, -1 }, saved;

	st->pid = -1;
	st->out = -1;
	if (path == NULL || path[0] != '/' || argv == NULL ||
	    argv[0] == NULL || envp == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (spawn_pipe(pipefd) == -1)
		return -1;
	if (spawn_child(path, argv, envp, -1, pipefd[1], STDERR_FILENO,
	    &st->pid) == -1) {
		saved = errno;
		(void)close(pipefd[0]);
		(void)close(pipefd[1]);
		errno = saved;
		return -1;
	}
	(void)close(pipefd[1]);
	st->out = pipefd[0];
	return 0;
}

int
spawn_stream_exited(struct spawn_stream *st, int *status)
{
	if (st->pid == -1)
		return 1;
	if (!leader_exited(st->pid))
		return 0;
	/* Whatever it started goes with it, before its id can be reused. */
	(void)kill(-st->pid, SIGKILL);
	if (reap(st->pid, status) == -1)
		*status = -1;
	st->pid = -1;
	return 1;
}

void
spawn_stream_stop(struct spawn_stream *st)
{
	int	status;

	if (st->out != -1) {
		(void)close(st->out);
		st->out = -1;
	}
	if (st->pid == -1)
		return;
	(void)kill(-st->pid, SIGKILL);
	(void)reap(st->pid, &status);
	st->pid = -1;
}
