/*
 * Tests for spawn.c: how real tools are run.  Exit status and signal
 * death, capture of stdout and stderr, bounded capture of a flood, the
 * deadline killing the whole process group, a leader that exits while
 * something it started holds the pipes, the from-scratch environment,
 * descriptors, signal mask and dispositions seen by the child, stdin,
 * and refusal of relative paths.  /bin/sh and other system programs are
 * used as tools here; the product itself never runs a shell.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "compat.h"
#include "spawn.h"
#include "util.h"

#define MAX_OUT		65536
#define TIMEOUT		10000

static char *const empty_env[] = { NULL };

/* Run /bin/sh -c script and return what spawn_run returned. */
static int
run_sh(const char *script, uint64_t timeout_ms, size_t max_out,
    struct spawn_result *res)
{
	char *const argv[] = { (char *)"sh", (char *)"-c", (char *)script,
	    NULL };

	return spawn_run("/bin/sh", argv, spawn_default_env(), -1, timeout_ms,
	    max_out, res);
}

/* A fresh temporary file name (the file exists, empty). */
static void
temp_path(char *buf, size_t len)
{
	const char	*dir;
	int		 fd;

	if ((dir = getenv("TMPDIR")) == NULL || *dir == '\0')
		dir = "/tmp";
	assert_true((size_t)snprintf(buf, len, "%s/test_spawn.XXXXXX", dir) <
	    len);
	fd = mkstemp(buf);
	assert_true(fd != -1);
	close(fd);
}

static pid_t
read_pid_file(const char *path)
{
	char		 buf[32];
	const char	*errstr;
	ssize_t		 n;
	long long	 v;
	int		 fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd != -1);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	v = strtonum(buf, 2, INT32_MAX, &errstr);
	assert_null(errstr);
	return (pid_t)v;
}

/*
 * Is pid gone?  A killed orphan may stay a zombie until its new parent
 * reaps it; a zombie has finished running, so it counts as gone.
 */
static int
process_gone(pid_t pid)
{
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	char		 path[64], buf[512], *p;
	FILE		*f;
	int		 i, zombie;

	for (i = 0; i < 500; i++) {
		if (kill(pid, 0) == -1 && errno == ESRCH)
			return 1;
		zombie = 0;
		(void)snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
		if ((f = fopen(path, "re")) != NULL) {
			if (fgets(buf, sizeof(buf), f) != NULL &&
			    (p = strrchr(buf, ')')) != NULL && p[1] == ' ' &&
			    p[2] == 'Z')
				zombie = 1;
			fclose(f);
		}
		if (zombie)
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

static void
test_exit_status(void **state)
{
	struct spawn_result	 res;

	(void)state;
	assert_int_equal(run_sh("exit 7", TIMEOUT, MAX_OUT, &res), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 7);
	assert_int_equal(res.timed_out, 0);
	assert_int_equal(res.outlen, 0);
	assert_string_equal(res.out, "");
	assert_string_equal(res.err, "");
	spawn_result_free(&res);

	assert_int_equal(run_sh("exit 0", TIMEOUT, MAX_OUT, &res), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 0);
	spawn_result_free(&res);
}

static void
test_signal_death(void **state)
{
	struct spawn_result	 res;

	(void)state;
	assert_int_equal(run_sh("kill -USR1 $$; sleep 5", TIMEOUT, MAX_OUT,
	    &res), 0);
	assert_int_equal(res.exited, 0);
	assert_int_equal(res.status, SIGUSR1);
	assert_int_equal(res.timed_out, 0);
	spawn_result_free(&res);
}

/* The SigIgn bit mask from a /proc/PID/status text; 1 if found. */
static int
sig_ignored_mask(const char *status, unsigned long long *mask)
{
	const char	*p;
	char		*end;

	if ((p = strstr(status, "\nSigIgn:\t")) == NULL)
		return 0;
	p += strlen("\nSigIgn:\t");
	errno = 0;
	*mask = strtoull(p, &end, 16);
	return errno == 0 && end != p && *end == '\n';
}

/*
 * Signals the caller ignores or blocks come back to their defaults in
 * the child: a shell started with SIGTERM ignored could not be killed
 * by it, since a shell cannot reset a signal ignored on entry.
 */
static void
test_signal_defaults(void **state)
{
	struct spawn_result	 res;
	struct sigaction	 ign, old_term, old_pipe;
	sigset_t		 block, old_mask;
	unsigned long long	 ignored;
	int			 sig;

	(void)state;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	assert_int_equal(sigaction(SIGTERM, &ign, &old_term), 0);
	assert_int_equal(sigaction(SIGPIPE, &ign, &old_pipe), 0);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigaddset(&block, SIGHUP);
	assert_int_equal(sigprocmask(SIG_BLOCK, &block, &old_mask), 0);

	assert_int_equal(run_sh("kill -TERM $$; sleep 5", TIMEOUT, MAX_OUT,
	    &res), 0);
	assert_int_equal(res.exited, 0);
	assert_int_equal(res.status, SIGTERM);
	spawn_result_free(&res);

	/* SIGUSR2 blocked in the caller must not be blocked in the child. */
	assert_int_equal(run_sh("kill -USR2 $$; sleep 5", TIMEOUT, MAX_OUT,
	    &res), 0);
	assert_int_equal(res.exited, 0);
	assert_int_equal(res.status, SIGUSR2);
	spawn_result_free(&res);

	/* Where the kernel shows them, check the masks bit for bit. */
	if (access("/proc/self/status", R_OK) == 0) {
		char *const argv[] = { (char *)"cat",
		    (char *)"/proc/self/status", NULL };

		assert_int_equal(spawn_run("/bin/cat", argv, empty_env, -1,
		    TIMEOUT, MAX_OUT, &res), 0);
		assert_int_equal(res.exited, 1);
		assert_int_equal(res.status, 0);
		assert_non_null(strstr(res.out, "\nSigBlk:\t0000000000000000\n"));
		assert_true(sig_ignored_mask(res.out, &ignored));
		/*
		 * Signals between 31 and SIGRTMIN belong to the C library,
		 * which may ignore them in the child on its own.
		 */
		for (sig = 1; sig < 32; sig++)
			assert_true((ignored & (1ULL << (sig - 1))) == 0);
		for (sig = SIGRTMIN; sig <= SIGRTMAX && sig <= 64; sig++)
			assert_true((ignored & (1ULL << (sig - 1))) == 0);
		spawn_result_free(&res);
	}

	assert_int_equal(sigprocmask(SIG_SETMASK, &old_mask, NULL), 0);
	assert_int_equal(sigaction(SIGTERM, &old_term, NULL), 0);
	assert_int_equal(sigaction(SIGPIPE, &old_pipe, NULL), 0);
}

static void
test_capture(void **state)
{
	struct spawn_result	 res;

	(void)state;
	assert_int_equal(run_sh("printf 'to out\\n'; printf 'to err' >&2; "
	    "printf 'more out'; exit 3", TIMEOUT, MAX_OUT, &res), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 3);
	assert_string_equal(res.out, "to out\nmore out");
	assert_int_equal(res.outlen, strlen("to out\nmore out"));
	assert_string_equal(res.err, "to err");
	assert_int_equal(res.errlen, strlen("to err"));
	assert_int_equal(res.out_truncated, 0);
	assert_int_equal(res.err_truncated, 0);
	spawn_result_free(&res);
}

/* Exactly at the limit is not truncated; one byte more is. */
static void
test_limit_boundary(void **state)
{
	struct spawn_result	 res;

	(void)state;
	assert_int_equal(run_sh("printf abcd; printf wxyz >&2", TIMEOUT, 4,
	    &res), 0);
	assert_string_equal(res.out, "abcd");
	assert_int_equal(res.out_truncated, 0);
	assert_string_equal(res.err, "wxyz");
	assert_int_equal(res.err_truncated, 0);
	spawn_result_free(&res);

	assert_int_equal(run_sh("printf abcde; printf vwxyz >&2", TIMEOUT, 4,
	    &res), 0);
	assert_string_equal(res.out, "abcd");
	assert_int_equal(res.outlen, 4);
	assert_int_equal(res.out_truncated, 1);
	assert_string_equal(res.err, "vwxy");
	assert_int_equal(res.err_truncated, 1);
	spawn_result_free(&res);

	assert_int_equal(run_sh("printf a", TIMEOUT, 0, &res), 0);
	assert_string_equal(res.out, "");
	assert_int_equal(res.outlen, 0);
	assert_int_equal(res.out_truncated, 1);
	spawn_result_free(&res);
}

/*
 * A flood is read to the end and discarded past the limit: the writer
 * finishes normally (it is not stopped by a full pipe or SIGPIPE).
 */
static void
test_flood(void **state)
{
	struct spawn_result	 res;
	size_t			 i;

	(void)state;
	assert_int_equal(run_sh("head -c 10000000 /dev/zero; "
	    "head -c 3000000 /dev/zero >&2; echo done >&2", TIMEOUT, 4096,
	    &res), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.timed_out, 0);
	assert_int_equal(res.outlen, 4096);
	assert_int_equal(res.out_truncated, 1);
	assert_int_equal(res.errlen, 4096);
	assert_int_equal(res.err_truncated, 1);
	for (i = 0; i < res.outlen; i++)
		assert_int_equal(res.out[i], '\0');
	assert_int_equal(res.out[4096], '\0');
	spawn_result_free(&res);
}

/* At the deadline the child and its own children are killed. */
static void
test_timeout_kills_group(void **state)
{
	struct spawn_result	 res;
	char			 pidfile[256], script[2048];
	uint64_t		 start, elapsed;
	pid_t			 grandchild;

	(void)state;
	temp_path(pidfile, sizeof(pidfile));
	/* "leader" is printed once the grandchild has written its pid. */
	assert_true((size_t)snprintf(script, sizeof(script),
	    "/bin/sh -c 'echo $$ > %s.tmp; mv %s.tmp %s; exec sleep 100' & "
	    "while [ ! -s %s ]; do sleep 0.01; done; "
	    "echo leader; exec sleep 100", pidfile, pidfile, pidfile,
	    pidfile) < sizeof(script));
	unlink(pidfile);
	start = util_mono_ms();
	assert_int_equal(run_sh(script, 1500, MAX_OUT, &res), 0);
	elapsed = util_mono_ms() - start;
	assert_true(elapsed >= 1500);
	assert_true(elapsed < 5000);
	assert_int_equal(res.timed_out, 1);
	assert_int_equal(res.exited, 0);
	assert_int_equal(res.status, SIGKILL);
	assert_string_equal(res.out, "leader\n");
	spawn_result_free(&res);

	grandchild = read_pid_file(pidfile);
	assert_true(process_gone(grandchild));
	unlink(pidfile);
}

/*
 * The leader exits at once but leaves a process holding its stdout:
 * the run ends at the deadline with the leader's status and the
 * leftover process is killed.
 */
static void
test_leader_exits_grandchild_holds_pipe(void **state)
{
	struct spawn_result	 res;
	const char		*errstr;
	uint64_t		 start, elapsed;
	long long		 pid;

	(void)state;
	start = util_mono_ms();
	assert_int_equal(run_sh("sleep 100 & echo $!", 700, MAX_OUT, &res),
	    0);
	elapsed = util_mono_ms() - start;
	assert_true(elapsed >= 700);
	assert_true(elapsed < 5000);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.timed_out, 0);
	assert_true(res.outlen > 1 && res.out[res.outlen - 1] == '\n');
	res.out[res.outlen - 1] = '\0';
	pid = strtonum(res.out, 2, INT32_MAX, &errstr);
	assert_null(errstr);
	spawn_result_free(&res);
	assert_true(process_gone((pid_t)pid));
}

/* A process left behind with its output closed is killed as well. */
static void
test_leftover_without_pipes_killed(void **state)
{
	struct spawn_result	 res;
	const char		*errstr;
	long long		 pid;

	(void)state;
	assert_int_equal(run_sh("sleep 100 >/dev/null 2>&1 & echo $!",
	    TIMEOUT, MAX_OUT, &res), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.timed_out, 0);
	res.out[strcspn(res.out, "\n")] = '\0';
	pid = strtonum(res.out, 2, INT32_MAX, &errstr);
	assert_null(errstr);
	spawn_result_free(&res);
	assert_true(process_gone((pid_t)pid));
}

/* A leader that closes its output but keeps running meets the deadline. */
static void
test_closed_output_still_timed(void **state)
{
	struct spawn_result	 res;
	uint64_t		 start, elapsed;

	(void)state;
	start = util_mono_ms();
	assert_int_equal(run_sh("exec >&- 2>&-; exec sleep 100", 500,
	    MAX_OUT, &res), 0);
	elapsed = util_mono_ms() - start;
	assert_true(elapsed >= 500 && elapsed < 5000);
	assert_int_equal(res.timed_out, 1);
	assert_int_equal(res.exited, 0);
	assert_int_equal(res.status, SIGKILL);
	spawn_result_free(&res);
}

/* The child runs in a process group of its own: pid and pgrp agree. */
static void
test_own_process_group(void **state)
{
	struct spawn_result	 res;
	char *const		 argv[] = { (char *)"cat",
	    (char *)"/proc/self/stat", NULL };
	char			*p, *field[4], *save;
	const char		*e1, *e2;
	long long		 pid, pgid;
	int			 i;

	(void)state;
	if (access("/proc/self/stat", R_OK) != 0)
		skip();
	assert_int_equal(spawn_run("/bin/cat", argv, empty_env, -1, TIMEOUT,
	    MAX_OUT, &res), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 0);
	/* "pid (comm) state ppid pgrp ...": split after the comm. */
	assert_non_null(p = strrchr(res.out, ')'));
	*p = '\0';
	field[0] = res.out;
	p += 2;
	for (i = 1; i < 4; i++) {
		field[i] = strtok_r(i == 1 ? p : NULL, " ", &save);
		assert_non_null(field[i]);
	}
	field[0][strcspn(field[0], " ")] = '\0';
	pid = strtonum(field[0], 1, INT32_MAX, &e1);
	pgid = strtonum(field[3], 1, INT32_MAX, &e2);
	assert_null(e1);
	assert_null(e2);
	assert_int_equal(pid, pgid);
	assert_true(pgid != getpgrp());
	spawn_result_free(&res);
}

/* The environment is exactly PATH, HOME and LANG, nothing inherited. */
static void
test_default_env(void **state)
{
	struct spawn_result	 res;
	struct passwd		*pw;
	char			 expect[4096];
	char			**env;
	char *const		 argv[] = { (char *)"env", NULL };
	const char		*home = "/";

	(void)state;
	assert_int_equal(setenv("CARAPACE_TEST_SECRET", "leak", 1), 0);
	pw = getpwuid(geteuid());
	if (pw != NULL && pw->pw_dir != NULL && pw->pw_dir[0] == '/')
		home = pw->pw_dir;
	assert_true((size_t)snprintf(expect, sizeof(expect),
	    "PATH=/usr/bin:/bin\nHOME=%s\nLANG=C.UTF-8\n", home) <
	    sizeof(expect));

	env = spawn_default_env();
	assert_non_null(env);
	assert_string_equal(env[0], "PATH=/usr/bin:/bin");
	assert_string_equal(env[2], "LANG=C.UTF-8");
	assert_null(env[3]);
	assert_ptr_equal(spawn_default_env(), env);

	assert_int_equal(spawn_run("/usr/bin/env", argv, env, -1, TIMEOUT,
	    MAX_OUT, &res), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.out, expect);
	spawn_result_free(&res);

	/* An empty environment stays empty. */
	assert_int_equal(spawn_run("/usr/bin/env", argv, empty_env, -1,
	    TIMEOUT, MAX_OUT, &res), 0);
	assert_int_equal(res.exited, 1);
	assert_string_equal(res.out, "");
	spawn_result_free(&res);
	unsetenv("CARAPACE_TEST_SECRET");
}

/*
 * The child sees 0, 1 and 2 and nothing else (ls's own directory
 * descriptor aside), whatever the caller holds open.
 */
static void
test_no_fd_leak(void **state)
{
	struct spawn_result	 res;
	char *const		 argv[] = { (char *)"ls", (char *)"-l",
	    (char *)"/proc/self/fd", NULL };
	char			*line, *arrow, *num, *save;
	int			 cloexec_fd, plain_fd, seen[4] = { 0 };
	int			 count = 0;
	const char		*errstr;
	long long		 fd;

	(void)state;
	if (access("/proc/self/fd", R_OK) != 0)
		skip();
	cloexec_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(cloexec_fd > 2);
	/* Put it somewhere ls's directory cannot be. */
	assert_true(dup2(cloexec_fd, 40) == 40);
	assert_int_equal(fcntl(40, F_SETFD, FD_CLOEXEC), 0);
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCLOSEFROM_NP
	/* Only closed for us where the system can close it in the child. */
	plain_fd = open("/dev/null", O_RDONLY);
	assert_true(plain_fd > 2);
	assert_true(dup2(plain_fd, 41) == 41);
	assert_int_equal(fcntl(41, F_SETFD, 0), 0);
	close(plain_fd);
	plain_fd = 41;
#else
	plain_fd = -1;
#endif

	assert_int_equal(spawn_run("/bin/ls", argv, empty_env, -1, TIMEOUT,
	    MAX_OUT, &res), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 0);
	for (line = strtok_r(res.out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((arrow = strstr(line, " -> ")) == NULL)
			continue;
		*arrow = '\0';
		num = strrchr(line, ' ');
		assert_non_null(num);
		fd = strtonum(num + 1, 0, 1000000, &errstr);
		assert_null(errstr);
		assert_true(fd >= 0 && fd <= 3);
		assert_int_equal(seen[fd], 0);
		seen[fd] = 1;
		count++;
		if (fd == 0)
			assert_string_equal(arrow + 4, "/dev/null");
		if (fd == 1 || fd == 2)
			assert_non_null(strstr(arrow + 4, "pipe:"));
	}
	assert_int_equal(count, 4);
	spawn_result_free(&res);

	close(40);
	close(cloexec_fd);
	if (plain_fd != -1)
		close(plain_fd);
}

/* stdin_fd is the child's stdin; without one it reads /dev/null. */
static void
test_stdin(void **state)
{
	struct spawn_result	 res;
	char *const		 argv[] = { (char *)"cat", NULL };
	int			 p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "hello\nworld\n", 12), 12);
	close(p[1]);
	assert_int_equal(spawn_run("/bin/cat", argv, empty_env, p[0],
	    TIMEOUT, MAX_OUT, &res), 0);
	close(p[0]);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.out, "hello\nworld\n");
	spawn_result_free(&res);

	assert_int_equal(spawn_run("/bin/cat", argv, empty_env, -1,
	    TIMEOUT, MAX_OUT, &res), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.out, "");
	spawn_result_free(&res);
}

/*
 * spawn_input: the tool reads the whole of what was given, to its end,
 * through a blocking, close-on-exec descriptor; what the pipe cannot
 * hold is refused with EAGAIN (the caller then uses a file), never
 * half-written and never blocking.
 */
static void
test_spawn_input(void **state)
{
	struct spawn_result	 res;
	char *const		 argv[] = { (char *)"cat", NULL };
	char			*big;
	size_t			 bigsize = 16 * 1024 * 1024;
	int			 fd;

	(void)state;
	assert_true((fd = spawn_input("hello\nworld\n", 12)) > 2);
	assert_true((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	assert_int_equal(spawn_run("/bin/cat", argv, empty_env, fd, TIMEOUT,
	    MAX_OUT, &res), 0);
	close(fd);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.out, "hello\nworld\n");
	spawn_result_free(&res);

	/* Empty: the tool sees the end at once. */
	assert_true((fd = spawn_input("", 0)) > 2);
	assert_int_equal(spawn_run("/bin/cat", argv, empty_env, fd, TIMEOUT,
	    MAX_OUT, &res), 0);
	close(fd);
	assert_string_equal(res.out, "");
	spawn_result_free(&res);

	/* More than any pipe holds (Linux's largest default is 1 MiB). */
	assert_non_null(big = malloc(bigsize));
	memset(big, 'x', bigsize);
	errno = 0;
	assert_int_equal(spawn_input(big, bigsize), -1);
	assert_int_equal(errno, EAGAIN);
	free(big);
}

/* stdin_fd may itself be 0: the child still gets it (not closed). */
static void
test_stdin_is_fd0(void **state)
{
	struct spawn_result	 res;
	char *const		 argv[] = { (char *)"cat", NULL };
	int			 p[2], saved0;

	(void)state;
	assert_true((saved0 = dup(0)) != -1);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "zero\n", 5), 5);
	close(p[1]);
	assert_true(dup2(p[0], 0) == 0);
	close(p[0]);
	assert_int_equal(fcntl(0, F_SETFD, FD_CLOEXEC), 0);
	assert_int_equal(spawn_run("/bin/cat", argv, empty_env, 0, TIMEOUT,
	    MAX_OUT, &res), 0);
	assert_true(dup2(saved0, 0) == 0);
	close(saved0);
	assert_int_equal(res.exited, 1);
	assert_string_equal(res.out, "zero\n");
	spawn_result_free(&res);
}

/* The status comes back even when the caller ignores SIGCHLD. */
static void
test_sigchld_ignored(void **state)
{
	struct spawn_result	 res;
	struct sigaction	 ign, old, now;

	(void)state;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	assert_int_equal(sigaction(SIGCHLD, &ign, &old), 0);
	assert_int_equal(run_sh("echo x; exit 5", TIMEOUT, MAX_OUT, &res), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 5);
	assert_string_equal(res.out, "x\n");
	spawn_result_free(&res);
	/* And the caller's choice is back in place. */
	assert_int_equal(sigaction(SIGCHLD, NULL, &now), 0);
	assert_true(now.sa_handler == SIG_IGN);
	assert_int_equal(sigaction(SIGCHLD, &old, NULL), 0);
}

static void
test_refused(void **state)
{
	struct spawn_result	 res;
	char *const		 argv[] = { (char *)"sh", (char *)"-c",
	    (char *)"exit 0", NULL };
	char *const		 no_argv[] = { NULL };

	(void)state;
	res.out = (char *)"sentinel";
	errno = 0;
	assert_int_equal(spawn_run("sh", argv, empty_env, -1, TIMEOUT,
	    MAX_OUT, &res), -1);
	assert_int_equal(errno, EINVAL);
	assert_null(res.out);
	assert_null(res.err);
	spawn_result_free(&res);

	errno = 0;
	assert_int_equal(spawn_run("bin/sh", argv, empty_env, -1, TIMEOUT,
	    MAX_OUT, &res), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(spawn_run("./sh", argv, empty_env, -1, TIMEOUT,
	    MAX_OUT, &res), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(spawn_run("", argv, empty_env, -1, TIMEOUT,
	    MAX_OUT, &res), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(spawn_run(NULL, argv, empty_env, -1, TIMEOUT,
	    MAX_OUT, &res), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(spawn_run("/bin/sh", no_argv, empty_env, -1, TIMEOUT,
	    MAX_OUT, &res), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(spawn_run("/bin/sh", argv, NULL, -1, TIMEOUT,
	    MAX_OUT, &res), -1);
	assert_int_equal(errno, EINVAL);
	/* No deadline is not allowed. */
	errno = 0;
	assert_int_equal(spawn_run("/bin/sh", argv, empty_env, -1, 0,
	    MAX_OUT, &res), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(spawn_run("/bin/sh", argv, empty_env, -2, TIMEOUT,
	    MAX_OUT, &res), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(spawn_run("/bin/sh", argv, empty_env, -1, TIMEOUT,
	    MAX_OUT, NULL), -1);
	assert_int_equal(errno, EINVAL);
}

/* posix_spawn's error number reaches the caller as errno. */
static void
test_spawn_errors(void **state)
{
	struct spawn_result	 res;
	char *const		 argv[] = { (char *)"x", NULL };
	char			 path[256];
	int			 fd;

	(void)state;
	errno = 0;
	assert_int_equal(spawn_run("/nonexistent/carapace-tool", argv,
	    empty_env, -1, TIMEOUT, MAX_OUT, &res), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(res.out);

	/* Not executable.  Root may be able to; only check the refusal. */
	temp_path(path, sizeof(path));
	assert_true((fd = open(path, O_WRONLY | O_CLOEXEC)) != -1);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	assert_int_equal(chmod(path, 0600), 0);
	errno = 0;
	assert_int_equal(spawn_run(path, argv, empty_env, -1, TIMEOUT,
	    MAX_OUT, &res), -1);
	assert_int_equal(errno, EACCES);
	unlink(path);

	/* A bad stdin_fd is an error, not /dev/null. */
	errno = 0;
	assert_int_equal(spawn_run("/bin/cat", argv, empty_env, 999, TIMEOUT,
	    MAX_OUT, &res), -1);
	assert_int_equal(errno, EBADF);
}

/*
 * A gate for spawn_run_gated: waits (bounded) until the tool has shown
 * it runs by creating mark, records that, and opens or stays shut.
 */
struct gate_probe {
	const char	*mark;
	int		 open;
	int		 calls;
	int		 saw_tool;
	uint64_t	 hold_ms;	/* then stays this long (a slow commit) */
};

static int
gate_probe_open(void *arg)
{
	struct gate_probe	*g = arg;
	struct stat		 sb;
	uint64_t		 end = util_mono_ms() + TIMEOUT;

	g->calls++;
	while (stat(g->mark, &sb) == -1 && util_mono_ms() < end)
		(void)poll(NULL, 0, 5);
	g->saw_tool = stat(g->mark, &sb) == 0;
	end = util_mono_ms() + g->hold_ms;
	while (util_mono_ms() < end)
		(void)poll(NULL, 0, 10);
	return g->open ? 0 : -1;
}

/* A gated run of "sh -c script": its files, its gate and its probe. */
struct gated {
	char			 mark[PATH_MAX];
	char			 acted[PATH_MAX];
	char			 script[3 * PATH_MAX];
	char			*argv[4];
	struct gate_probe	 probe;
	struct spawn_gate	 g;
};

static void
gated_init(struct gated *t)
{
	memset(t, 0, sizeof(*t));
	temp_path(t->mark, sizeof(t->mark));
	temp_path(t->acted, sizeof(t->acted));
	t->argv[0] = (char *)"sh";
	t->argv[1] = (char *)"-c";
	t->argv[2] = t->script;
	t->g.open = gate_probe_open;
	t->g.arg = &t->probe;
}

/*
 * Run t's script behind its gate, with no mark or action left from
 * before and a fresh probe that opens or not, holding hold_ms once the
 * tool is up; data is the request.  What spawn_run_gated returns.
 */
static int
gated_run(struct gated *t, int open, uint64_t hold_ms, const char *data,
    size_t len, uint64_t timeout_ms, struct spawn_result *res)
{
	(void)unlink(t->mark);
	(void)unlink(t->acted);
	memset(&t->probe, 0, sizeof(t->probe));
	t->probe.mark = t->mark;
	t->probe.open = open;
	t->probe.hold_ms = hold_ms;
	t->g.data = data;
	t->g.len = len;
	return spawn_run_gated("/bin/sh", t->argv, spawn_default_env(), &t->g,
	    timeout_ms, MAX_OUT, res);
}

static void
gated_done(struct gated *t)
{
	(void)unlink(t->mark);
	(void)unlink(t->acted);
}

/*
 * spawn_run_gated: the tool runs while the gate opens (it has made its
 * mark before the gate returns) and gets the request only after; a gate
 * that stays shut has the group killed before the tool sees a byte or
 * the end of its input, so it never acts; oversized requests and a
 * missing gate are refused.
 */
static void
test_gated(void **state)
{
	struct gated		 t;
	struct spawn_result	 res;
	struct stat		 sb;
	char			*big;

	(void)state;
	gated_init(&t);
	(void)snprintf(t.script, sizeof(t.script),
	    "echo up > '%s'; cat; echo acted > '%s'", t.mark, t.acted);

	/* Opens: the request arrives, whole, after the tool was up. */
	assert_int_equal(gated_run(&t, 1, 0, "request\n", 8, TIMEOUT, &res),
	    0);
	assert_int_equal(t.probe.calls, 1);
	assert_true(t.probe.saw_tool);
	assert_int_equal(res.refused, 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.out, "request\n");
	assert_int_equal(stat(t.acted, &sb), 0);
	spawn_result_free(&res);

	/* Stays shut: killed while waiting for input, never acts. */
	assert_int_equal(gated_run(&t, 0, 0, "request\n", 8, TIMEOUT, &res),
	    0);
	assert_int_equal(t.probe.calls, 1);
	assert_true(t.probe.saw_tool);
	assert_int_equal(res.refused, 1);
	assert_int_equal(res.exited, 0);
	assert_int_equal(res.status, SIGKILL);
	assert_string_equal(res.out, "");
	assert_int_equal(stat(t.acted, &sb), -1);
	spawn_result_free(&res);

	/* The largest request goes through whole. */
	assert_non_null(big = malloc(SPAWN_GATED_MAX + 1));
	memset(big, 'x', SPAWN_GATED_MAX);
	big[SPAWN_GATED_MAX] = '\0';
	assert_int_equal(gated_run(&t, 1, 0, big, SPAWN_GATED_MAX, TIMEOUT,
	    &res), 0);
	assert_int_equal(res.outlen, SPAWN_GATED_MAX);
	assert_string_equal(res.out, big);
	spawn_result_free(&res);

	/* One byte more, or no gate: refused before anything starts. */
	errno = 0;
	assert_int_equal(gated_run(&t, 1, 0, big, SPAWN_GATED_MAX + 1,
	    TIMEOUT, &res), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(t.probe.calls, 0);
	errno = 0;
	assert_int_equal(spawn_run_gated("/bin/sh", t.argv, spawn_default_env(),
	    NULL, TIMEOUT, MAX_OUT, &res), -1);
	assert_int_equal(errno, EINVAL);
	free(big);

	/*
	 * A tool that closed its stdin before its request (the mark comes
	 * after): the write fails with EPIPE, not with our death by
	 * SIGPIPE, and the gate's own answer stands.
	 */
	(void)snprintf(t.script, sizeof(t.script),
	    "exec 0<&-; echo up > '%s'", t.mark);
	assert_int_equal(gated_run(&t, 1, 0, "request\n", 8, TIMEOUT, &res),
	    0);
	assert_int_equal(res.refused, 0);
	spawn_result_free(&res);
	gated_done(&t);
}

/*
 * A gated tool's time starts once the gate has opened: a gate slower
 * than the tool's timeout does not cut the tool off.  A deadline passed
 * while the gate opened: the request is not given, the tool is killed
 * (unfed) and never acts.
 */
static void
test_gated_deadlines(void **state)
{
	struct gated		 t;
	struct spawn_result	 res;
	struct stat		 sb;

	(void)state;
	gated_init(&t);
	(void)snprintf(t.script, sizeof(t.script),
	    "echo up > '%s'; read -r line; echo acted > '%s'; echo \"$line\"",
	    t.mark, t.acted);

	assert_int_equal(gated_run(&t, 1, 1500, "request\n", 8, 1000, &res),
	    0);
	assert_true(t.probe.saw_tool);
	assert_int_equal(res.timed_out, 0);
	assert_int_equal(res.unfed, 0);
	assert_int_equal(res.exited, 1);
	assert_string_equal(res.out, "request\n");
	spawn_result_free(&res);

	t.g.deadline_ms = util_mono_ms();
	assert_int_equal(gated_run(&t, 1, 0, "request\n", 8, TIMEOUT, &res),
	    0);
	assert_int_equal(t.probe.calls, 1);
	assert_true(t.probe.saw_tool);
	assert_int_equal(res.refused, 0);
	assert_int_equal(res.unfed, 1);
	assert_int_equal(res.exited, 0);
	assert_int_equal(res.status, SIGKILL);
	assert_int_equal(stat(t.acted, &sb), -1);
	spawn_result_free(&res);
	gated_done(&t);
}

/* Nothing is left behind: no zombie, no descriptor. */
static void
test_no_leftovers(void **state)
{
	struct spawn_result	 res;
	int			 before, after, i;

	(void)state;
	before = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(before != -1);
	close(before);
	for (i = 0; i < 20; i++) {
		assert_int_equal(run_sh("echo hi; echo ho >&2", TIMEOUT,
		    MAX_OUT, &res), 0);
		spawn_result_free(&res);
	}
	assert_int_equal(run_sh("sleep 100", 50, MAX_OUT, &res), 0);
	spawn_result_free(&res);
	after = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_int_equal(after, before);
	close(after);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_signal_death),
		cmocka_unit_test(test_signal_defaults),
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_limit_boundary),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_leader_exits_grandchild_holds_pipe),
		cmocka_unit_test(test_leftover_without_pipes_killed),
		cmocka_unit_test(test_closed_output_still_timed),
		cmocka_unit_test(test_own_process_group),
		cmocka_unit_test(test_default_env),
		cmocka_unit_test(test_no_fd_leak),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_spawn_input),
		cmocka_unit_test(test_stdin_is_fd0),
		cmocka_unit_test(test_sigchld_ignored),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_spawn_errors),
		cmocka_unit_test(test_gated),
		cmocka_unit_test(test_gated_deadlines),
		cmocka_unit_test(test_no_leftovers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
