/*
 * Audit records: built from an audit_event, chained in LMDB, then sent to
 * the configured sink.  Nothing the client sends is copied into a record
 * except the method name, the recipient (normalised) and the request id,
 * and the sinks encode every value safely (journald binary-safe fields,
 * JSON for syslog and stderr), so a client cannot forge record lines.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "audit.h"
#include "buf.h"
#include "log.h"
#include "state.h"
#include "util.h"

#define JOURNAL_SOCKET	"/run/systemd/journal/socket"
#define SYSLOG_SOCKET	"/dev/log"
#define AUDIT_MAX_ENTRY	(64 * 1024)

/* Indexed by the enums (audit.h); a gap would be a NULL name. */
static const char *const audit_decision_names[] = {
	[AUDIT_DECISION_ALLOW] = "allow",
	[AUDIT_DECISION_DENY] = "deny",
	[AUDIT_DECISION_HOLD] = "hold",
	[AUDIT_DECISION_INVALID] = "invalid",
};
_Static_assert(sizeof(audit_decision_names) /
    sizeof(audit_decision_names[0]) == AUDIT_DECISION_COUNT,
    "every audit decision needs a name");

static const char *const audit_outcome_names[] = {
	[AUDIT_OUTCOME_OK] = "ok",
	[AUDIT_OUTCOME_SENT] = "sent",
	[AUDIT_OUTCOME_REFUSED] = "refused",
	[AUDIT_OUTCOME_HELD] = "held",
	[AUDIT_OUTCOME_FAILED] = "failed",
	[AUDIT_OUTCOME_TIMEOUT] = "timeout",
	[AUDIT_OUTCOME_LIMITED] = "limited",
	[AUDIT_OUTCOME_DRAFTED] = "drafted",
	[AUDIT_OUTCOME_TYPING] = "typing",
	[AUDIT_OUTCOME_TYPING_STOPPED] = "typing stopped",
	[AUDIT_OUTCOME_READ] = "read",
	[AUDIT_OUTCOME_REACTED] = "reacted",
	[AUDIT_OUTCOME_DROPPED] = "dropped",
	[AUDIT_OUTCOME_HIDDEN] = "hidden",
	[AUDIT_OUTCOME_DELIVERING] = "delivering",
	[AUDIT_OUTCOME_INTERRUPTED] = "interrupted",
};
_Static_assert(sizeof(audit_outcome_names) /
    sizeof(audit_outcome_names[0]) == AUDIT_OUTCOME_COUNT,
    "every audit outcome needs a name");

struct audit {
	enum audit_sink	 sink;
	int		 fd;		/* datagram socket, -1 for stderr */
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char		 ident[64];
	int		 facility;
	struct state	*state;
	uint64_t	 floor;		/* map bytes left to carapacectl */
};

struct audit *
audit_open(const struct config *cfg, struct state *st, const char *ident,
    const char **cause)
{
	struct audit		*a;
	struct sockaddr_un	 sun;
	const char		*path;

	a = xcalloc(1, sizeof(*a));
	a->sink = cfg->audit_sink;
	a->fd = -1;
	a->state = st;
	a->facility = cfg->audit_facility;
	(void)strlcpy(a->ident, cfg->audit_ident != NULL ? cfg->audit_ident :
	    ident, sizeof(a->ident));
	if (a->sink == AUDIT_SINK_STDERR)
		return a;

	path = cfg->audit_socket;
	if (path == NULL)
		path = a->sink == AUDIT_SINK_JOURNALD ? JOURNAL_SOCKET :
		    SYSLOG_SOCKET;
	if (strlcpy(a->path, path, sizeof(a->path)) >= sizeof(a->path)) {
		*cause = "audit socket path too long";
		goto fail;
	}
	if ((a->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		*cause = "cannot create audit socket";
		goto fail;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, a->path, sizeof(sun.sun_path));
	/*
	 * Connect even for journald (which we address with sendto) so that
	 * a missing log daemon is noticed before any request is served.
	 */
	if (connect(a->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		*cause = "audit sink unreachable";
		goto fail;
	}
	return a;
fail:
	audit_close(a);
	return NULL;
}

void
audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	if (a->fd != -1)
		close(a->fd);
	free(a);
}

const char *
audit_decision_name(enum audit_decision d)
{
	/* Compared as unsigned: a corrupt negative value is out of range. */
	if ((unsigned int)d >= AUDIT_DECISION_COUNT ||
	    audit_decision_names[d] == NULL)
		return "deny";
	return audit_decision_names[d];
}

const char *
audit_outcome_name(enum audit_outcome o)
{
	if ((unsigned int)o >= AUDIT_OUTCOME_COUNT ||
	    audit_outcome_names[o] == NULL)
		return "unknown";
	return audit_outcome_names[o];
}

static void
set_str(json_t *o, const char *key, const char *value)
{
	if (value != NULL)
		json_object_set_new(o, key, json_string(value));
}

json_t *
audit_record(const struct audit_event *ev, uint64_t now_ms)
{
	json_t	*o;
	char	 ts[40];

	util_iso8601(now_ms, ts, sizeof(ts));
	o = json_object();
	json_object_set_new(o, "ts", json_string(ts));
	json_object_set_new(o, "uid", json_integer((json_int_t)ev->uid));
	json_object_set_new(o, "gid", json_integer((json_int_t)ev->gid));
	json_object_set_new(o, "pid", json_integer((json_int_t)ev->pid));
	set_str(o, "client", ev->client);
	set_str(o, "method", ev->method);
	set_str(o, "channel", ev->channel);
	/* Every recipient, never a joined (and cut) string of them. */
	if (json_is_array(ev->recipients) &&
	    json_array_size(ev->recipients) > 1)
		json_object_set(o, "recipients", ev->recipients);
	else
		set_str(o, "recipient", ev->recipient);
	set_str(o, "decision", audit_decision_name(ev->decision));
	set_str(o, "rule", ev->rule);
	set_str(o, "outcome", audit_outcome_name(ev->outcome));
	set_str(o, "reason", ev->reason);
	set_str(o, "hold_id", ev->hold_id);
	if (ev->code != 0)
		json_object_set_new(o, "code", json_integer(ev->code));
	if (ev->request_id != NULL)
		json_object_set(o, "request_id", ev->request_id);
	if (ev->delivery != 0)
		json_object_set_new(o, "delivery",
		    json_integer((json_int_t)ev->delivery));
	return o;
}

static int
audit_emit_journald(struct audit *a, json_t *rec, const char *text)
{
	struct journal_field	 f[12];
	struct buf		 entry;
	const char		*seq, *hash;
	char			 seqbuf[24], uidbuf[24];
	size_t			 n = 0;
	int			 rv;

#define FIELD(k, v) do {						\
	const char *fv_ = (v);						\
	if (fv_ != NULL) {						\
		f[n].key = (k); f[n].value = fv_; f[n].len = strlen(fv_); n++; \
	}								\
} while (0)
	(void)snprintf(seqbuf, sizeof(seqbuf), "%lld", (long long)
	    json_integer_value(json_object_get(rec, "seq")));
	(void)snprintf(uidbuf, sizeof(uidbuf), "%lld", (long long)
	    json_integer_value(json_object_get(rec, "uid")));
	seq = seqbuf;
	hash = json_string_value(json_object_get(rec, "hash"));
	FIELD("MESSAGE", text);
	FIELD("PRIORITY", "6");
	FIELD("SYSLOG_IDENTIFIER", a->ident);
	FIELD("CARAPACE_SEQ", seq);
	FIELD("CARAPACE_HASH", hash);
	FIELD("CARAPACE_PEER_UID", uidbuf);
	FIELD("CARAPACE_CLIENT", json_string_value(json_object_get(rec, "client")));
	FIELD("CARAPACE_METHOD", json_string_value(json_object_get(rec, "method")));
	FIELD("CARAPACE_CHANNEL", json_string_value(json_object_get(rec, "channel")));
	FIELD("CARAPACE_DECISION", json_string_value(json_object_get(rec, "decision")));
	FIELD("CARAPACE_OUTCOME", json_string_value(json_object_get(rec, "outcome")));
#undef FIELD
	buf_init(&entry, AUDIT_MAX_ENTRY);
	rv = journal_encode(f, n, &entry);
	if (rv == 0)
		rv = journal_send(a->fd, a->path, &entry);
	buf_free(&entry);
	return rv;
}

static int
audit_emit_syslog(struct audit *a, const char *text)
{
	char		 stamp[32], *line = NULL;
	time_t		 now = time(NULL);
	struct tm	 tm;
	int		 len;
	ssize_t		 w;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm) == 0)
		return -1;
	len = asprintf(&line, "<%d>%s %s[%ld]: %s",
	    a->facility | LOG_NOTICE, stamp, a->ident, (long)getpid(), text);
	if (len < 0)
		return -1;
	do {
		w = send(a->fd, line, (size_t)len, MSG_NOSIGNAL);
	} while (w == -1 && errno == EINTR);
	free(line);
	return w == len ? 0 : -1;
}

static int
audit_emit_stderr(const char *text)
{
	struct buf	 b;
	size_t		 off = 0;
	ssize_t		 w;
	int		 rv = 0;

	buf_init(&b, AUDIT_MAX_ENTRY);
	if (buf_printf(&b, "%s\n", text) == -1) {
		buf_free(&b);
		return -1;
	}
	while (off < b.len) {
		w = write(STDERR_FILENO, b.data + off, b.len - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			rv = -1;
			break;
		}
		off += (size_t)w;
	}
	buf_free(&b);
	return rv;
}

void
audit_set_floor(struct audit *a, uint64_t bytes)
{
	if (a != NULL)
		a->floor = bytes;
}

int
audit_write(struct audit *a, const struct audit_event *ev)
{
	return audit_write_seq(a, ev, NULL);
}

int
audit_write_seq(struct audit *a, const struct audit_event *ev, uint64_t *seq)
{
	return audit_write_charged(a, ev, NULL, 0, 0, 0, NULL, NULL, seq);
}

int
audit_write_charged(struct audit *a, const struct audit_event *ev,
    const struct rate_request *reqs, size_t n, uint64_t now_ms,
    unsigned int flags, size_t *which, uint64_t *retry_ms, uint64_t *seq)
{
	json_t	*rec;
	char	*json = NULL, *text = NULL;
	int	 rv = -1, r;

	if (a == NULL || a->state == NULL)
		return -1;
	rec = audit_record(ev, util_now_ms());
	if (a->floor != 0 && (r = state_headroom(a->state,
	    (size_t)a->floor)) != 0) {
		log_warnx("audit chain: %s (the rest is the owner's)",
		    state_strerror(r));
		goto out;
	}
	if ((r = state_audit_append_charged(a->state, rec, reqs, n, now_ms,
	    flags, which, retry_ms)) != 0) {
		if (r == STATE_E_LIMITED)
			rv = 1;
		else if (r == STATE_E_FROZEN)
			rv = 2;
		else
			log_warnx("audit chain: %s", state_strerror(r));
		goto out;
	}
	if (seq != NULL)
		*seq = (uint64_t)json_integer_value(json_object_get(rec, "seq"));
	if ((json = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		goto out;
	if (asprintf(&text, "audit %s", json) == -1) {
		text = NULL;
		goto out;
	}
	switch (a->sink) {
	case AUDIT_SINK_JOURNALD:
		rv = audit_emit_journald(a, rec, text);
		break;
	case AUDIT_SINK_SYSLOG:
		rv = audit_emit_syslog(a, text);
		break;
	case AUDIT_SINK_STDERR:
		rv = audit_emit_stderr(text);
		break;
	}
	if (rv == -1)
		log_warn("audit sink");
out:
	free(text);
	free(json);
	json_decref(rec);
	return rv;
}
