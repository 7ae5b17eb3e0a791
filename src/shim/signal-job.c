/*
 * signal-cli JSON-RPC answered on the shims' server loop (serve.c), for
 * jsonRpc on stdio and daemon --http.  A job is one message (a request
 * or a batch): the message is walked once with
 * shim_signal_rpc_answer_with() to collect its requests and start their
 * gateway calls, as many at once as the client may have in flight; the
 * rest wait for a slot.  When the last answer is in, the message is
 * walked again with the results, so the framing (ids, batch order,
 * notifications, errors) is exactly shim_signal_rpc_answer()'s.
 */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "protocol.h"
#include "serve.h"
#include "shim.h"
#include "shim-signal.h"
#include "util.h"

enum entry_state {
	ENTRY_QUEUED,		/* waiting for a call slot */
	ENTRY_RUNNING,
	ENTRY_DONE
};

/* One request of a message. */
struct entry {
	struct signal_job		*job;
	enum entry_state		 state;
	char				*method;
	json_t				*params;	/* or NULL */
	json_t				*gw;		/* queued request */
	const char			*gw_method;
	int				 fds[SHIM_MAX_FDS];
	size_t				 nfds;
	struct serve_fd			*call;
	json_t				*result;
	struct shim_signal_error	 err;
};

struct signal_job {
	struct signal_jobs	*list;
	struct signal_job	*next;
	json_t			*message;
	struct entry		*entries;
	size_t			 n;
	size_t			 cap;
	size_t			 ndone;
	size_t			 replay;
	void			(*done)(json_t *, void *);
	void			*arg;
};

static json_t	*collect(const struct shim_signal_ctx *, const char *,
		    json_t *, struct shim_signal_error *, void *);
static json_t	*replay(const struct shim_signal_ctx *, const char *,
		    json_t *, struct shim_signal_error *, void *);
static void	 entry_line(struct serve_fd *, int, char *, size_t,
		    const char *, void *);
static void	 entry_release(struct entry *);
static void	 job_pump(struct signal_job *);
static void	 job_free(struct signal_job *);

static const struct serve_cb entry_cb = {
	.line = entry_line
};

/* Pass one: note the request and build its gateway call. */
static json_t *
collect(const struct shim_signal_ctx *ctx, const char *method, json_t *params,
    struct shim_signal_error *err, void *arg)
{
	struct signal_job	*job = arg;
	struct entry		*e, *p;
	json_t			*local = NULL;
	size_t			 cap;

	if (job->n == job->cap) {
		cap = job->cap == 0 ? 4 : job->cap * 2;
		if ((p = reallocarray(job->entries, cap, sizeof(*p))) ==
		    NULL) {
			err->code = RPC_INTERNAL_ERROR;
			(void)strlcpy(err->message, "out of memory",
			    sizeof(err->message));
			return NULL;
		}
		job->entries = p;
		job->cap = cap;
	}
	e = &job->entries[job->n++];
	memset(e, 0, sizeof(*e));
	e->job = job;
	e->method = xstrdup(method);
	e->params = params != NULL ? json_incref(params) : NULL;
	e->gw = shim_signal_build_request(ctx, method, params, &e->gw_method,
	    e->fds, SHIM_MAX_FDS, &e->nfds, &local, &e->err);
	if (local != NULL || e->gw == NULL) {
		e->result = local;
		e->state = ENTRY_DONE;
		job->ndone++;
	} else
		e->state = ENTRY_QUEUED;
	/* This walk's answer is thrown away. */
	err->code = RPC_INTERNAL_ERROR;
	err->message[0] = '\0';
	return NULL;
}

/* Pass two: the results, in the order pass one saw the requests. */
static json_t *
replay(const struct shim_signal_ctx *ctx, const char *method, json_t *params,
    struct shim_signal_error *err, void *arg)
{
	struct signal_job	*job = arg;
	struct entry		*e;
	json_t			*result;

	(void)ctx;
	(void)method;
	(void)params;
	if (job->replay >= job->n) {
		err->code = RPC_INTERNAL_ERROR;
		(void)strlcpy(err->message, "internal error",
		    sizeof(err->message));
		return NULL;
	}
	e = &job->entries[job->replay++];
	*err = e->err;
	result = e->result;
	e->result = NULL;
	return result;
}

static void
entry_release(struct entry *e)
{
	size_t	i;

	for (i = 0; i < e->nfds; i++)
		(void)close(e->fds[i]);
	e->nfds = 0;
	json_decref(e->gw);
	e->gw = NULL;
}

/* The gateway's answer to one request, or the call's failure. */
static void
entry_line(struct serve_fd *call, int rc, char *line, size_t len,
    const char *why, void *arg)
{
	struct entry		*e = arg;
	struct signal_job	*job = e->job;
	struct shim_reply	 reply;
	char			 err[SHIM_ERR_MAX];

	if (e->state != ENTRY_RUNNING)
		return;
	if (rc == SHIM_OK) {
		if ((rc = shim_decode_answer(line, len, &reply, err,
		    sizeof(err))) != SHIM_OK)
			why = err;
		serve_close(call);
	}
	e->result = shim_signal_call_result(e->method, e->params, rc,
	    rc == SHIM_OK ? &reply : NULL, why, &e->err);
	e->call = NULL;
	e->state = ENTRY_DONE;
	job->ndone++;
	/* A slot is free: this job, then the others, may go on. */
	signal_jobs_pump(job->list);
}

/*
 * Start queued calls while the client has slots; answer the message
 * when every request is done.
 */
static void
job_pump(struct signal_job *job)
{
	struct signal_jobs	*list = job->list;
	struct signal_job	**pp;
	struct entry		*e;
	json_t			*answer;
	char			 why[SHIM_ERR_MAX];
	size_t			 i;

	for (i = 0; i < job->n; i++) {
		e = &job->entries[i];
		if (e->state != ENTRY_QUEUED)
			continue;
		if (serve_closing(list->owner) ||
		    serve_calls(list->owner) >= serve_max_calls(list->loop))
			break;
		e->call = serve_call(list->loop, list->owner,
		    list->ctx->socket_path, list->ctx->timeout_ms,
		    e->gw_method, e->gw, e->fds, e->nfds, &entry_cb, e, why,
		    sizeof(why));
		entry_release(e);
		if (e->call != NULL) {
			e->state = ENTRY_RUNNING;
			continue;
		}
		e->result = shim_signal_call_result(e->method, e->params,
		    SHIM_E_UNAVAILABLE, NULL, why, &e->err);
		e->state = ENTRY_DONE;
		job->ndone++;
	}
	if (job->ndone < job->n)
		return;
	/* Off the list before done(), which may clear the list. */
	for (pp = &list->head; *pp != NULL; pp = &(*pp)->next)
		if (*pp == job) {
			*pp = job->next;
			break;
		}
	list->count--;
	answer = shim_signal_rpc_answer_with(list->ctx, job->message, replay,
	    job);
	job->done(answer, job->arg);
	json_decref(answer);
	job_free(job);
}

static void
job_free(struct signal_job *job)
{
	struct entry	*e;
	size_t		 i;

	for (i = 0; i < job->n; i++) {
		e = &job->entries[i];
		if (e->call != NULL)
			serve_close(e->call);
		entry_release(e);
		free(e->method);
		json_decref(e->params);
		json_decref(e->result);
	}
	free(job->entries);
	json_decref(job->message);
	free(job);
}

void
signal_jobs_init(struct signal_jobs *list, struct serve *loop,
    struct serve_fd *owner, const struct shim_signal_ctx *ctx)
{
	memset(list, 0, sizeof(*list));
	list->loop = loop;
	list->owner = owner;
	list->ctx = ctx;
}

void
signal_jobs_pump(struct signal_jobs *list)
{
	struct signal_job	*job, *next;

	if (list->pumping) {
		list->repump = 1;
		return;
	}
	list->pumping = 1;
	do {
		list->repump = 0;
		for (job = list->head; job != NULL; job = next) {
			next = job->next;
			job_pump(job);
			if (list->repump)
				break;	/* the list may have changed */
		}
	} while (list->repump);
	list->pumping = 0;
}

void
signal_jobs_clear(struct signal_jobs *list)
{
	struct signal_job	*job;

	while ((job = list->head) != NULL) {
		list->head = job->next;
		job_free(job);
	}
	list->count = 0;
}

void
signal_job_start(struct signal_jobs *list, const char *text, size_t len,
    void (*done)(json_t *, void *), void *arg)
{
	struct signal_job	*job, **pp;
	json_error_t		 jerr;
	json_t			*message, *answer;
	size_t			 i;

	for (i = 0; i < len; i++)
		if (!isspace((unsigned char)text[i]))
			break;
	message = i == len ? NULL : json_loadb(text, len, JSON_DECODE_ANY |
	    JSON_REJECT_DUPLICATES, &jerr);
	if (message == NULL) {
		/* Empty or unparsable: answered without the gateway. */
		answer = shim_signal_rpc_answer_text(list->ctx, text, len);
		done(answer, arg);
		json_decref(answer);
		return;
	}
	job = xcalloc(1, sizeof(*job));
	job->list = list;
	job->message = message;
	job->done = done;
	job->arg = arg;
	json_decref(shim_signal_rpc_answer_with(list->ctx, message, collect,
	    job));
	/* First come, first served when slots are short. */
	for (pp = &list->head; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = job;
	list->count++;
	signal_jobs_pump(list);
}
