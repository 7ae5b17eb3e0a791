/*
 * The poll(2) loop behind every server a shim runs for the agent
 * (serve.h).  One array of entries: listeners and signal descriptors,
 * clients with their output queues, and gateway calls owned by a
 * client.  Closing only marks an entry; the sweep before each poll(2)
 * runs the closed callbacks and frees, so callbacks never touch freed
 * memory and a client's calls always go with it.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "buf.h"
#include "shim.h"
#include "serve.h"
#include "util.h"

#define SERVE_MAX_OTHER		16	/* listeners, signal descriptors */

enum serve_kind {
	KIND_OTHER,
	KIND_CLIENT,
	KIND_CALL
};

struct serve_fd {
	struct serve		*s;
	enum serve_kind		 kind;
	int			 in_fd;
	int			 out_fd;
	int			 out_socket;	/* send(MSG_DONTWAIT) */
	int			 out_nonblock;	/* write all that fits */
	struct buf		 out;
	int			 write_timeout_ms;
	uint64_t		 write_deadline;	/* 0: nothing queued */
	uint64_t		 deadline;
	int			 paused;
	int			 again;		/* read callback owed */
	int			 more;		/* call: lines may be buffered */
	int			 finishing;
	int			 dead;
	int			 notified;	/* closed callback ran */
	struct serve_fd		*owner;
	size_t			 ncalls;
	struct shim_conn	 conn;		/* KIND_CALL */
	const struct serve_cb	*cb;
	void			*arg;
};

struct serve {
	struct serve_fd		**fds;
	size_t			 nfds;
	size_t			 cap;
	size_t			 nclients;
	size_t			 max_clients;
	size_t			 max_calls;
	size_t			 nother;
	int			 ready[2];	/* always readable */
	int			 stopped;
};

static struct serve_fd *entry_new(struct serve *, enum serve_kind,
		    const struct serve_cb *, void *);
static int	 entry_append(struct serve *, struct serve_fd *);
static void	 entry_free(struct serve_fd *);
static void	 mark_dead(struct serve_fd *);
static int	 backlogged(const struct serve_fd *);
static int	 reading(const struct serve_fd *);
static int	 flush(struct serve_fd *);
static void	 call_input(struct serve_fd *);
static void	 sweep(struct serve *);
static void	 expire(struct serve *);

struct serve *
serve_new(size_t max_clients, size_t max_calls)
{
	struct serve	*s;
	int		 i;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->max_clients = max_clients;
	s->max_calls = max_calls;
	/*
	 * A descriptor that is always readable: a gateway connection
	 * with it as cancel_fd makes shim_read_line() return instead of
	 * waiting, so the loop reads a gateway answer only as far as it
	 * has arrived.
	 */
	if (pipe(s->ready) == -1) {
		free(s);
		return NULL;
	}
	for (i = 0; i < 2; i++)
		(void)fcntl(s->ready[i], F_SETFD, FD_CLOEXEC);
	if (write(s->ready[1], "r", 1) != 1) {
		(void)close(s->ready[0]);
		(void)close(s->ready[1]);
		free(s);
		return NULL;
	}
	return s;
}

void
serve_free(struct serve *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nfds; i++)
		mark_dead(s->fds[i]);
	sweep(s);
	free(s->fds);
	(void)close(s->ready[0]);
	(void)close(s->ready[1]);
	free(s);
}

static struct serve_fd *
entry_new(struct serve *s, enum serve_kind kind, const struct serve_cb *cb,
    void *arg)
{
	struct serve_fd	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->s = s;
	f->kind = kind;
	f->in_fd = f->out_fd = -1;
	f->conn.fd = -1;
	f->cb = cb;
	f->arg = arg;
	buf_init(&f->out, 0);
	return f;
}

static int
entry_append(struct serve *s, struct serve_fd *f)
{
	struct serve_fd	**p;
	size_t		  cap;

	if (s->nfds == s->cap) {
		cap = s->cap == 0 ? 16 : s->cap * 2;
		if ((p = reallocarray(s->fds, cap, sizeof(*p))) == NULL)
			return -1;
		s->fds = p;
		s->cap = cap;
	}
	s->fds[s->nfds++] = f;
	return 0;
}

/*
 * Closed: silent from now on, freed by the next sweep.  A call stops
 * counting against its owner at once, so the owner may start another
 * in the same callback.
 */
static void
mark_dead(struct serve_fd *f)
{
	if (f->dead)
		return;
	f->dead = 1;
	if (f->kind == KIND_CALL && f->owner != NULL)
		f->owner->ncalls--;
}

/* Release an entry the sweep took out of the array. */
static void
entry_free(struct serve_fd *f)
{
	struct serve	*s = f->s;

	switch (f->kind) {
	case KIND_CALL:
		shim_close(&f->conn);
		break;
	case KIND_CLIENT:
		/* The caller's descriptors: its closed callback decides. */
		s->nclients--;
		break;
	case KIND_OTHER:
		s->nother--;
		break;
	}
	buf_free(&f->out);
	free(f);
}

struct serve_fd *
serve_add(struct serve *s, int fd, const struct serve_cb *cb, void *arg)
{
	struct serve_fd	*f;

	if (s->nother >= SERVE_MAX_OTHER ||
	    (f = entry_new(s, KIND_OTHER, cb, arg)) == NULL)
		return NULL;
	f->in_fd = fd;
	if (entry_append(s, f) == -1) {
		free(f);
		return NULL;
	}
	s->nother++;
	return f;
}

struct serve_fd *
serve_client(struct serve *s, int in_fd, int out_fd, size_t out_max,
    int write_timeout_ms, const struct serve_cb *cb, void *arg)
{
	struct serve_fd	*f;
	struct stat	 st;
	int		 flags;

	if (s->nclients >= s->max_clients ||
	    (f = entry_new(s, KIND_CLIENT, cb, arg)) == NULL)
		return NULL;
	f->in_fd = in_fd;
	f->out_fd = out_fd;
	f->write_timeout_ms = write_timeout_ms;
	buf_init(&f->out, out_max);
	if (fstat(out_fd, &st) == 0 && S_ISSOCK(st.st_mode))
		f->out_socket = 1;
	else if ((flags = fcntl(out_fd, F_GETFL)) != -1 &&
	    (flags & O_NONBLOCK))
		f->out_nonblock = 1;
	if (entry_append(s, f) == -1) {
		buf_free(&f->out);
		free(f);
		return NULL;
	}
	s->nclients++;
	return f;
}

struct serve_fd *
serve_call(struct serve *s, struct serve_fd *owner, const char *path,
    int timeout_ms, const char *method, json_t *params, const int *pass_fds,
    size_t npass, const struct serve_cb *cb, void *arg, char *err,
    size_t errlen)
{
	struct serve_fd	*f;

	if (owner != NULL && (owner->dead || owner->finishing)) {
		(void)snprintf(err, errlen, "the client is gone");
		return NULL;
	}
	if (owner != NULL && owner->ncalls >= s->max_calls) {
		(void)snprintf(err, errlen, "too many requests in flight");
		return NULL;
	}
	if ((f = entry_new(s, KIND_CALL, cb, arg)) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (shim_connect(&f->conn, path, timeout_ms, SHIM_MAX_ANSWER, err,
	    errlen) != SHIM_OK) {
		free(f);
		return NULL;
	}
	if (shim_send_request_fds(&f->conn, method, params, pass_fds, npass,
	    err, errlen) != SHIM_OK || entry_append(s, f) == -1) {
		if (err[0] == '\0')
			(void)snprintf(err, errlen, "out of memory");
		shim_close(&f->conn);
		free(f);
		return NULL;
	}
	/* The loop keeps the deadline; reads must never wait. */
	f->deadline = f->conn.deadline;
	f->conn.deadline = 0;
	f->conn.cancel_fd = s->ready[0];
	f->in_fd = f->conn.fd;
	f->owner = owner;
	if (owner != NULL)
		owner->ncalls++;
	return f;
}

size_t
serve_calls(const struct serve_fd *owner)
{
	return owner->ncalls;
}

size_t
serve_max_calls(const struct serve *s)
{
	return s->max_calls;
}

size_t
serve_clients(const struct serve *s)
{
	return s->nclients;
}

int
serve_in_fd(const struct serve_fd *f)
{
	return f->in_fd;
}

size_t
serve_queued(const struct serve_fd *f)
{
	return f->out.len;
}

void
serve_set_deadline(struct serve_fd *f, uint64_t deadline)
{
	f->deadline = deadline;
}

void
serve_pause(struct serve_fd *f, int on)
{
	f->paused = on;
}

void
serve_again(struct serve_fd *f)
{
	f->again = 1;
}

int
serve_closing(const struct serve_fd *f)
{
	return f->dead || f->finishing;
}

void
serve_close(struct serve_fd *f)
{
	mark_dead(f);
}

void
serve_finish(struct serve_fd *f)
{
	struct serve	*s = f->s;
	size_t		 i;

	if (f->dead)
		return;
	f->finishing = 1;
	for (i = 0; i < s->nfds; i++)
		if (s->fds[i]->owner == f)
			mark_dead(s->fds[i]);
	if (f->out.len == 0)
		mark_dead(f);
}

int
serve_write(struct serve_fd *f, const void *data, size_t len)
{
	if (f->dead || f->kind != KIND_CLIENT)
		return -1;
	if (len == 0)
		return 0;
	if (f->out.len + len > f->out.max || f->out.len + len < len ||
	    buf_append(&f->out, data, len) == -1) {
		/* A client that does not read what it asked for is dropped. */
		mark_dead(f);
		return -1;
	}
	if (f->write_deadline == 0 && f->write_timeout_ms > 0)
		f->write_deadline = util_mono_ms() +
		    (uint64_t)f->write_timeout_ms;
	/* Sockets and non-blocking outputs cannot stall: try at once. */
	if (f->out_socket || f->out_nonblock)
		return flush(f);
	return 0;
}

/* Over the backlog mark: the client's input and calls wait. */
static int
backlogged(const struct serve_fd *f)
{
	if (f->kind == KIND_CALL)
		f = f->owner;
	return f != NULL && f->out.len > SERVE_BACKLOG;
}

/* Whether the loop reads the entry's input now. */
static int
reading(const struct serve_fd *f)
{
	return !(f->dead || f->finishing || f->paused || backlogged(f));
}

/*
 * Write what the output takes without blocking.  Returns 0, or -1 once
 * the output failed (the client is closed).
 */
static int
flush(struct serve_fd *f)
{
	size_t	len;
	ssize_t	n;

	while (f->out.len > 0) {
		len = f->out.len;
		if (f->out_socket)
			n = send(f->out_fd, f->out.data, len,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
		else {
			/* poll(2) promised room for PIPE_BUF bytes, no more. */
			if (!f->out_nonblock && len > PIPE_BUF)
				len = PIPE_BUF;
			n = write(f->out_fd, f->out.data, len);
		}
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			mark_dead(f);
			return -1;
		}
		buf_consume(&f->out, (size_t)n);
		if (!f->out_socket && !f->out_nonblock)
			break;
	}
	if (f->out.len == 0) {
		f->write_deadline = 0;
		if (f->finishing)
			mark_dead(f);
	}
	return 0;
}

/*
 * Answer lines that have arrived on a gateway call, as far as they have
 * arrived and the owner has room for what they become.
 */
static void
call_input(struct serve_fd *f)
{
	char	*line, err[SHIM_ERR_MAX];
	size_t	 len;
	int	 rc;

	f->more = 0;
	while (!f->dead) {
		if (backlogged(f)) {
			f->more = 1;
			return;
		}
		rc = shim_read_line(&f->conn, &line, &len, err, sizeof(err));
		if (rc == SHIM_E_CANCELLED)
			return;		/* nothing more yet */
		if (rc == SHIM_OK) {
			f->cb->line(f, SHIM_OK, line, len, NULL, f->arg);
			continue;
		}
		f->cb->line(f, rc, NULL, 0, err, f->arg);
		mark_dead(f);
	}
}

/* Run closed callbacks and free what was closed. */
static void
sweep(struct serve *s)
{
	struct serve_fd	*f;
	size_t		 i, j;
	int		 changed;

	do {
		changed = 0;
		for (i = 0; i < s->nfds; i++) {
			f = s->fds[i];
			if (!f->dead && f->owner != NULL && f->owner->dead)
				mark_dead(f);
			if (f->dead && !f->notified) {
				f->notified = 1;
				changed = 1;
				if (f->cb != NULL && f->cb->closed != NULL)
					f->cb->closed(f, f->arg);
			}
		}
	} while (changed);
	/* Calls first: entry_free() of a call touches its owner. */
	for (i = 0; i < s->nfds; i++)
		if (s->fds[i]->dead && s->fds[i]->kind == KIND_CALL) {
			entry_free(s->fds[i]);
			s->fds[i] = NULL;
		}
	for (i = j = 0; i < s->nfds; i++) {
		if (s->fds[i] == NULL)
			continue;
		if (s->fds[i]->dead) {
			entry_free(s->fds[i]);
			continue;
		}
		s->fds[j++] = s->fds[i];
	}
	s->nfds = j;
}

/* Deadlines that passed: a write that did not drain, a call, a timer. */
static void
expire(struct serve *s)
{
	struct serve_fd	*f;
	uint64_t	 now = util_mono_ms();
	char		 err[SHIM_ERR_MAX];
	size_t		 i;

	for (i = 0; i < s->nfds; i++) {
		f = s->fds[i];
		if (f->dead)
			continue;
		if (f->write_deadline != 0 && now >= f->write_deadline) {
			mark_dead(f);	/* it stopped reading */
			continue;
		}
		if (f->deadline == 0 || now < f->deadline)
			continue;
		f->deadline = 0;
		if (f->kind == KIND_CALL) {
			(void)snprintf(err, sizeof(err), "no answer from the "
			    "gateway at %s within %d s", f->conn.path,
			    (int)((f->conn.timeout_ms + 999) / 1000));
			f->cb->line(f, SHIM_E_TIMEOUT, NULL, 0, err, f->arg);
			mark_dead(f);
		} else if (f->cb != NULL && f->cb->expire != NULL)
			f->cb->expire(f, f->arg);
		else
			mark_dead(f);
	}
}

int
serve_run(struct serve *s)
{
	struct pollfd	*pfd = NULL;
	struct serve_fd	**who = NULL, *f;
	size_t		 i, n, cap = 0;
	uint64_t	 next, now;
	int		 ms, rc = 0;

	s->stopped = 0;
	for (;;) {
		sweep(s);
		if (s->stopped || s->nfds == 0)
			break;
		if (cap < s->nfds * 2) {
			cap = s->nfds * 2;
			free(pfd);
			free(who);
			pfd = reallocarray(NULL, cap, sizeof(*pfd));
			who = reallocarray(NULL, cap, sizeof(*who));
			if (pfd == NULL || who == NULL) {
				rc = -1;
				break;
			}
		}
		n = 0;
		next = 0;
		ms = -1;
		for (i = 0; i < s->nfds; i++) {
			f = s->fds[i];
			if (reading(f)) {
				if (f->again || f->more)
					ms = 0;
				pfd[n].fd = f->in_fd;
				pfd[n].events = POLLIN;
				pfd[n].revents = 0;
				who[n++] = f;
			}
			if (f->kind == KIND_CLIENT && f->out.len > 0) {
				if (n > 0 && who[n - 1] == f &&
				    pfd[n - 1].fd == f->out_fd)
					pfd[n - 1].events |= POLLOUT;
				else {
					pfd[n].fd = f->out_fd;
					pfd[n].events = POLLOUT;
					pfd[n].revents = 0;
					who[n++] = f;
				}
				if (f->write_deadline != 0 && (next == 0 ||
				    f->write_deadline < next))
					next = f->write_deadline;
			}
			if (f->deadline != 0 && (next == 0 ||
			    f->deadline < next))
				next = f->deadline;
		}
		if (next != 0 && ms != 0) {
			now = util_mono_ms();
			ms = next <= now ? 0 : next - now > INT_MAX ? INT_MAX :
			    (int)(next - now);
		}
		if (poll(pfd, (nfds_t)n, ms) == -1) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		for (i = 0; i < n; i++) {
			f = who[i];
			if (f->dead || pfd[i].revents == 0)
				continue;
			if ((pfd[i].events & POLLOUT) &&
			    (pfd[i].revents & (POLLOUT | POLLERR | POLLHUP)) &&
			    f->out.len > 0)
				(void)flush(f);
			if (f->dead || !(pfd[i].events & POLLIN) ||
			    !(pfd[i].revents & (POLLIN | POLLERR | POLLHUP |
			    POLLNVAL)))
				continue;
			if (f->kind == KIND_CALL)
				call_input(f);
			else {
				f->again = 0;
				f->cb->read(f, f->arg);
			}
		}
		/* Input already buffered, or asked to be looked at again. */
		for (i = 0; i < s->nfds; i++) {
			f = s->fds[i];
			if (!reading(f))
				continue;
			if (f->kind == KIND_CALL && f->more)
				call_input(f);
			else if (f->kind != KIND_CALL && f->again) {
				f->again = 0;
				f->cb->read(f, f->arg);
			}
		}
		expire(s);
	}
	free(pfd);
	free(who);
	return rc;
}

void
serve_stop(struct serve *s)
{
	s->stopped = 1;
}
