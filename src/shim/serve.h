/*
 * One poll(2) loop for the servers a shim runs in front of the agent
 * (imsg rpc, signal-cli jsonRpc on stdio, signal-cli daemon --http).
 * The agent may be hostile, so everything the loop holds is bounded: a
 * fixed number of clients, a fixed number of gateway calls in flight
 * per client, an output queue per client with a byte limit, and a
 * deadline per descriptor.  A client that stops reading its output is
 * not waited for: once its queue is over the backlog mark its input and
 * its gateway calls are no longer read (nothing more piles up), and if
 * the queue does not drain within the client's write timeout it is
 * dropped.  No descriptor ever blocks the loop: client sockets are
 * written with MSG_DONTWAIT, other outputs PIPE_BUF bytes at a time
 * once poll says there is room, and gateway connections are read with
 * the shim.h client pieces without waiting.
 *
 * Callbacks run inside serve_run().  They may add, write to and close
 * descriptors; a closed descriptor stays valid (and silent) until the
 * loop comes back to poll(2), so a callback never sees freed memory.
 */
#ifndef CARAPACE_SERVE_H
#define CARAPACE_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct serve;
struct serve_fd;

/* Above this many queued output bytes a client is not read. */
#define SERVE_BACKLOG		(256 * 1024)

struct serve_cb {
	/*
	 * Input is waiting on the descriptor (or its peer hung up): read
	 * it with one read(2)/recv(2), which will not block.  Also called
	 * without new input after serve_again().  Gateway calls use line
	 * instead.
	 */
	void	(*read)(struct serve_fd *, void *arg);
	/*
	 * A gateway call: rc SHIM_OK with one answer line (len bytes,
	 * NUL-terminated, valid during the call), or, once, the SHIM_E_*
	 * code and text that end the call, after which it is closed.
	 */
	void	(*line)(struct serve_fd *, int rc, char *line, size_t len,
		    const char *err, void *arg);
	/* The deadline passed.  NULL: the descriptor is closed. */
	void	(*expire)(struct serve_fd *, void *arg);
	/*
	 * The descriptor is being closed (by the caller, its owner's end,
	 * an output failure or a write timeout): release what arg holds.
	 * Called once; it must not add descriptors.
	 */
	void	(*closed)(struct serve_fd *, void *arg);
};

/*
 * A loop for at most max_clients clients with at most max_calls gateway
 * calls in flight each.  Returns NULL when out of memory.
 */
struct serve	*serve_new(size_t max_clients, size_t max_calls);
/* Close every descriptor (closed callbacks run) and free the loop. */
void		 serve_free(struct serve *);

/*
 * Watch a descriptor that is neither a client nor a gateway call: a
 * listening socket, a signal descriptor.  It is not counted against
 * the client bound.  Returns NULL when out of memory.  The descriptor
 * stays the caller's to close.
 */
struct serve_fd	*serve_add(struct serve *, int fd, const struct serve_cb *,
		    void *arg);

/*
 * Add a client reading in_fd and writing out_fd (the same descriptor for
 * a socket; stdin and stdout for a stdio server).  Its output queue
 * holds at most out_max bytes; while it holds any, it must drain within
 * write_timeout_ms (0: no limit, for a stdio client that only stalls
 * itself).  Returns NULL when max_clients are already served (the
 * caller refuses the client the way its protocol does) or out of
 * memory.  The descriptors stay the caller's: the loop does not close
 * them (a socket client's closed callback does).
 */
struct serve_fd	*serve_client(struct serve *, int in_fd, int out_fd,
		    size_t out_max, int write_timeout_ms,
		    const struct serve_cb *, void *arg);

/*
 * Start a gateway call for owner (a client, or NULL): connect to path,
 * send {"method","params"} with npass descriptors (borrowed) and read
 * its answer lines through cb->line.  The call has a deadline of
 * timeout_ms until serve_set_deadline() moves it (0: a subscription
 * that lives until it is closed).  Returns NULL with err set when owner
 * already has max_calls calls in flight ("too many requests in
 * flight") or the gateway cannot be reached.
 */
struct serve_fd	*serve_call(struct serve *, struct serve_fd *owner,
		    const char *path, int timeout_ms, const char *method,
		    json_t *params, const int *pass_fds, size_t npass,
		    const struct serve_cb *, void *arg, char *err,
		    size_t errlen);

/* Gateway calls owner has in flight, and how many it may have. */
size_t		 serve_calls(const struct serve_fd *owner);
size_t		 serve_max_calls(const struct serve *);
/* Clients currently served. */
size_t		 serve_clients(const struct serve *);

/* The descriptor a read callback reads from. */
int		 serve_in_fd(const struct serve_fd *);

/*
 * Queue len bytes for the client.  Returns 0, or -1 when the client's
 * queue would pass out_max or the client is closed: the client is then
 * dropped (its output with it).
 */
int		 serve_write(struct serve_fd *, const void *, size_t);
/* Bytes queued for the client. */
size_t		 serve_queued(const struct serve_fd *);

/* Absolute deadline (util_mono_ms()); 0 clears it. */
void		 serve_set_deadline(struct serve_fd *, uint64_t);
/* Stop (1) or resume (0) reading the descriptor's input. */
void		 serve_pause(struct serve_fd *, int);
/* Call the read callback again soon, even without new input. */
void		 serve_again(struct serve_fd *);

/* Close at once; queued output is dropped. */
void		 serve_close(struct serve_fd *);
/*
 * Stop reading and close once the queued output is written (or the
 * write timeout passes).  The client's gateway calls are closed now.
 */
void		 serve_finish(struct serve_fd *);
/* Whether the descriptor was closed or is finishing: 1 or 0. */
int		 serve_closing(const struct serve_fd *);

/*
 * Run until serve_stop() or until there is nothing left to wait for.
 * Returns 0, or -1 when poll(2) fails.
 */
int		 serve_run(struct serve *);
void		 serve_stop(struct serve *);

#endif /* CARAPACE_SERVE_H */
