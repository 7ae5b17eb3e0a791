/*
 * A simulated signal-cli daemon for the tests and the sandbox demo: the
 * real one needs a registered Signal account and a JVM.  It takes the
 * real command line
 *
 *	signal-cli [-a ACCOUNT] [--config DIR] daemon --socket PATH
 *	    [--receive-mode on-start|manual|on-connection]
 *
 * and serves line-delimited JSON-RPC on the Unix socket as signal-cli
 * 0.14.6 does (AsamK/signal-cli 21dd00d96a482549d89c7961d7a60a4b8724252b;
 * each shape cites its file, and tests/data/signal/ records them): send,
 * sendReaction, sendTyping, sendReceipt, remoteDelete, listGroups,
 * listContacts, getAttachment, version, listAccounts (-32601: a
 * single-account daemon), subscribeReceive / unsubscribeReceive, and
 * "receive" notifications.  Params take camelCase or dashed names, and
 * list options one value or an array (also under the plural name).
 *
 * The data directory is --config DIR (SIGNAL_SIM_DIR when absent):
 *
 *   DIR/groups.json	array of group objects, as listGroups returns
 *   DIR/contacts.json	array of contact objects, as listContacts returns
 *   DIR/attachments/ID	what getAttachment {"id":ID} returns
 *   DIR/spool/		one JSON record per send, sendReaction,
 *			sendTyping, sendReceipt and remoteDelete:
 *			{"method","params",
 *			"timestamp","attachments":[{"path","size",
 *			"data"}]} (data is the file's content in base64):
 *			what "reached the network"
 *   DIR/inbound.jsonl	received messages: tests append lines of
 *			{"envelope":{...}} (the daemon adds "account").
 *			In manual mode they wait, as on Signal's servers,
 *			until a connection has subscribed, then go to
 *			every subscription once; on-start sends them to
 *			every connection as they arrive.  How far it
 *			got is kept in DIR/inbound.pos, so a restarted
 *			daemon does not receive a message twice (Signal's
 *			servers forget what was acknowledged).
 *
 * Fault knobs, files in DIR, looked at on every request:
 *   sim-fail	 send, sendReaction, sendTyping and sendReceipt answer an
 *		 error: the file holds "CODE MESSAGE" (default
 *		 "-3 Failed to send message")
 *   sim-hang	 requests are read and never answered
 *   sim-close	 the connection is closed instead of answering
 *   sim-garbage the answer is a line that is not JSON
 *   sim-noise	 every answer comes after a "receive" notification (as a
 *		 daemon in on-start mode sends them to every connection)
 *   sim-flood	 the answer is preceded by a 5 MiB notification line
 *   sim-misshapen every successful answer's result is a string (what
 *		 was asked is still done)
 *   sim-unreadable every request is answered as unreadable: a parse
 *		 error with a null id
 *   sim-pause	 a send waits, with DIR/paused present, until the knob is
 *		 removed (a test reads the running processes meanwhile;
 *		 the whole daemon waits with it)
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "buf.h"
#include "util.h"

#define SIM_VERSION	"0.14.6"
#define CONN_MAX	64
#define LINE_MAX_BYTES	(16 * 1024 * 1024)
#define TICK_MS		20
#define ATTACH_MAX	(64 * 1024 * 1024)
#define FLOOD_BYTES	(5 * 1024 * 1024)

enum receive_mode {
	RECEIVE_ON_START = 0,
	RECEIVE_MANUAL,
	RECEIVE_ON_CONNECTION
};

struct conn {
	int			 fd;		/* -1: free */
	struct linereader	 lr;
	int			 subscription;	/* 0: none */
};

static const char	*dir;
static const char	*account = "+10000000000";
static enum receive_mode mode = RECEIVE_ON_START;
static struct conn	 conns[CONN_MAX];
static int		 next_subscription = 1;
static uint64_t		 last_timestamp;
static off_t		 inbound_pos;
static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void __attribute__((__noreturn__))
usage(void)
{
	(void)fprintf(stderr, "usage: signal-cli [-a ACCOUNT] [--config DIR] "
	    "daemon --socket PATH [--receive-mode MODE]\n");
	exit(1);
}

static int
knob(const char *name, char *content, size_t len)
{
	char	path[PATH_MAX];
	FILE	*f;
	size_t	 n;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path) || (f = fopen(path, "r")) == NULL)
		return 0;
	if (content != NULL && len > 0) {
		n = fread(content, 1, len - 1, f);
		content[n] = '\0';
		while (n > 0 && (content[n - 1] == '\n' ||
		    content[n - 1] == ' '))
			content[--n] = '\0';
	}
	(void)fclose(f);
	return 1;
}

static char *
base64(const unsigned char *in, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char	*out, *p;
	size_t	 i;
	uint32_t v;

	out = xcalloc(1, (len + 2) / 3 * 4 + 1);
	for (i = 0, p = out; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		*p++ = tab[v >> 18 & 63];
		*p++ = tab[v >> 12 & 63];
		*p++ = tab[v >> 6 & 63];
		*p++ = tab[v & 63];
	}
	if (i < len) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		*p++ = tab[v >> 18 & 63];
		*p++ = tab[v >> 12 & 63];
		*p++ = i + 1 < len ? tab[v >> 6 & 63] : '=';
		*p++ = '=';
	}
	*p = '\0';
	return out;
}

/* A whole file in memory (at most ATTACH_MAX); NULL with errno. */
static unsigned char *
read_file(const char *path, size_t *lenp)
{
	struct stat	 st;
	unsigned char	*data;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > ATTACH_MAX) {
		(void)close(fd);
		errno = EINVAL;
		return NULL;
	}
	data = xcalloc(1, (size_t)st.st_size + 1);
	while (off < (size_t)st.st_size) {
		n = read(fd, data + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	(void)close(fd);
	*lenp = off;
	return data;
}

static json_t *
load_array(const char *name)
{
	char		 path[PATH_MAX];
	json_t		*v;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return json_array();
	v = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_array(v)) {
		json_decref(v);
		return json_array();
	}
	return v;
}

/*
 * A param by its camelCase name, or its dashed spelling; with plural,
 * also under the name with an "s" (signal-cli's list options).
 */
static json_t *
param(json_t *params, const char *camel, int plural)
{
	char		 dashed[128], name[130];
	const char	*p;
	size_t		 n = 0;
	json_t		*v;
	int		 pass;

	for (p = camel; *p != '\0' && n + 2 < sizeof(dashed); p++) {
		if (*p >= 'A' && *p <= 'Z') {
			dashed[n++] = '-';
			dashed[n++] = (char)(*p - 'A' + 'a');
		} else
			dashed[n++] = *p;
	}
	dashed[n] = '\0';
	/*
	 * JsonRpcNamespace (AsamK/signal-cli v0.14.6,
	 * src/main/java/org/asamk/signal/commands/JsonRpcNamespace.java):
	 * get() tries the dashed name, then camelCase, a null being absent;
	 * getList() falls back to the plural only when the singular is
	 * absent.
	 */
	for (pass = 0; pass < (plural ? 2 : 1); pass++) {
		(void)snprintf(name, sizeof(name), "%s%s", dashed,
		    pass ? "s" : "");
		if ((v = json_object_get(params, name)) != NULL &&
		    !json_is_null(v))
			return v;
		(void)snprintf(name, sizeof(name), "%s%s", camel,
		    pass ? "s" : "");
		if ((v = json_object_get(params, name)) != NULL &&
		    !json_is_null(v))
			return v;
	}
	return NULL;
}

/* A list option as an array (one value becomes [value]); new ref. */
static json_t *
param_list(json_t *params, const char *camel)
{
	json_t	*v = param(params, camel, 1);

	if (v == NULL)
		return NULL;
	if (json_is_array(v))
		return json_incref(v);
	return json_pack("[O]", v);
}

static int
write_all(int fd, const char *p, size_t len)
{
	size_t	 off = 0;
	ssize_t	 n;

	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* 0, or -1 when the line could not be written (peer gone). */
static int
send_line(struct conn *c, json_t *v)
{
	char	*text;
	size_t	 len;
	int	 r;

	if (c->fd == -1 || (text = json_dumps(v, JSON_COMPACT |
	    JSON_PRESERVE_ORDER)) == NULL)
		return -1;
	len = strlen(text);
	text[len] = '\n';
	r = write_all(c->fd, text, len + 1);
	free(text);
	return r;
}

static json_t *
error_answer(json_t *id, int code, const char *message)
{
	return json_pack("{s:s,s:{s:i,s:s},s:O}", "jsonrpc", "2.0", "error",
	    "code", code, "message", message, "id", id != NULL ? id :
	    json_null());
}

/* A stable made-up UUID for a number. */
static void
fake_uuid(const char *number, char *out, size_t outlen)
{
	unsigned long long	h = 1469598103934665603ULL;
	const char		*p;

	for (p = number; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	(void)snprintf(out, outlen, "%08llx-%04llx-4%03llx-8%03llx-%012llx",
	    h >> 32, (h >> 16) & 0xffff, h & 0xfff, (h >> 20) & 0xfff,
	    h & 0xffffffffffffULL);
}

/*
 * One entry of "results", as JsonSendMessageResult.from writes it
 * (AsamK/signal-cli v0.14.6, src/main/java/org/asamk/signal/json/
 * JsonSendMessageResult.java and JsonRecipientAddress.java):
 * recipientAddress {uuid, number, username} with username null when
 * unknown, groupId (base64) only for a group's results, type.
 * Recorded in tests/data/signal/results.json.
 */
static json_t *
result_for(const char *number, const char *group_id)
{
	char	uuid[64];
	json_t	*r;

	fake_uuid(number, uuid, sizeof(uuid));
	r = json_pack("{s:{s:s,s:s,s:n}}", "recipientAddress", "uuid",
	    uuid, "number", number, "username");
	if (r != NULL && group_id != NULL)
		json_object_set_new(r, "groupId", json_string(group_id));
	if (r != NULL)
		json_object_set_new(r, "type", json_string("SUCCESS"));
	return r;
}

static uint64_t
new_timestamp(void)
{
	uint64_t	now = util_now_ms();

	last_timestamp = now > last_timestamp ? now : last_timestamp + 1;
	return last_timestamp;
}

static int
spool_record(json_t *rec)
{
	static unsigned int	 counter;
	char			 sp[PATH_MAX], tmp[PATH_MAX], dst[PATH_MAX];
	char			*text;
	FILE			*f;
	int			 ok;

	if ((size_t)snprintf(sp, sizeof(sp), "%s/spool", dir) >= sizeof(sp))
		return -1;
	if (mkdir(sp, 0700) == -1 && errno != EEXIST)
		return -1;
	if ((size_t)snprintf(dst, sizeof(dst), "%s/%llu-%ld-%u.json", sp,
	    (unsigned long long)util_now_ms(), (long)getpid(), counter) >=
	    sizeof(dst) || (size_t)snprintf(tmp, sizeof(tmp), "%s/.%u.tmp",
	    sp, counter) >= sizeof(tmp))
		return -1;
	counter++;
	if ((text = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
	    NULL)
		return -1;
	if ((f = fopen(tmp, "w")) == NULL) {
		free(text);
		return -1;
	}
	ok = fprintf(f, "%s\n", text) > 0;
	free(text);
	if (fclose(f) != 0 || !ok || rename(tmp, dst) == -1) {
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

/* The group with that id from groups.json (new ref), or NULL. */
static json_t *
find_group(const char *id)
{
	json_t	*groups, *g, *found = NULL;
	size_t	 i;

	groups = load_array("groups.json");
	json_array_foreach(groups, i, g) {
		if (json_is_string(json_object_get(g, "id")) &&
		    strcmp(json_string_value(json_object_get(g, "id")),
		    id) == 0) {
			found = json_incref(g);
			break;
		}
	}
	json_decref(groups);
	return found;
}

/*
 * Who a send-like request goes to: results[] for recipients or a group.
 * Returns a new array, or NULL with *code and msg set.
 */
static json_t *
targets(json_t *params, int *code, char *msg, size_t msglen)
{
	json_t		*rcpt, *gid, *user, *results, *r, *g, *m;
	size_t		 i;
	int		 n;

	rcpt = param_list(params, "recipient");
	gid = param(params, "groupId", 1);
	user = param_list(params, "username");
	n = (json_array_size(rcpt) > 0) + (gid != NULL) +
	    (json_array_size(user) > 0);
	*code = -1;
	if (n != 1) {
		(void)snprintf(msg, msglen, "No recipients given");
		json_decref(rcpt);
		json_decref(user);
		return NULL;
	}
	results = json_array();
	json_array_foreach(rcpt, i, r) {
		if (!json_is_string(r) || json_string_length(r) == 0) {
			(void)snprintf(msg, msglen, "Invalid recipient");
			goto bad;
		}
		json_array_append_new(results,
		    result_for(json_string_value(r), NULL));
	}
	json_array_foreach(user, i, r) {
		if (!json_is_string(r)) {
			(void)snprintf(msg, msglen, "Invalid username");
			goto bad;
		}
		json_array_append_new(results,
		    result_for(json_string_value(r), NULL));
	}
	if (json_is_array(gid))
		gid = json_array_size(gid) == 1 ? json_array_get(gid, 0) : NULL;
	if (n == 1 && json_array_size(rcpt) == 0 &&
	    json_array_size(user) == 0) {
		if (!json_is_string(gid) ||
		    (g = find_group(json_string_value(gid))) == NULL) {
			(void)snprintf(msg, msglen, "Failed to send to group: "
			    "Group not found");
			goto bad;
		}
		json_array_foreach(json_object_get(g, "members"), i, m) {
			if (json_is_string(json_object_get(m, "number")) &&
			    strcmp(json_string_value(json_object_get(m,
			    "number")), account) != 0)
				json_array_append_new(results, result_for(
				    json_string_value(json_object_get(m,
				    "number")), json_string_value(gid)));
		}
		json_decref(g);
	}
	json_decref(rcpt);
	json_decref(user);
	return results;
bad:
	json_decref(results);
	json_decref(rcpt);
	json_decref(user);
	return NULL;
}

/* Record an outgoing request; 0, or -1 with code and message set. */
static int
record(const char *method, json_t *params, uint64_t ts, int *code,
    char *msg, size_t msglen)
{
	json_t		*rec, *atts, *list, *a;
	unsigned char	*data;
	char		*b64;
	size_t		 i, len;
	const char	*path;

	atts = json_array();
	if (strcmp(method, "send") == 0 &&
	    (list = param_list(params, "attachment")) != NULL) {
		json_array_foreach(list, i, a) {
			path = json_string_value(a);
			if (path == NULL || (data = read_file(path, &len)) ==
			    NULL) {
				*code = -1;
				(void)snprintf(msg, msglen, "Failed to add "
				    "attachment (\"%s\"): %s", path != NULL ?
				    path : "?", strerror(errno));
				json_decref(list);
				json_decref(atts);
				return -1;
			}
			b64 = base64(data, len);
			json_array_append_new(atts, json_pack("{s:s,s:I,s:s}",
			    "path", path, "size", (json_int_t)len, "data",
			    b64));
			free(b64);
			free(data);
		}
		json_decref(list);
	}
	rec = json_pack("{s:s,s:O,s:I,s:o}", "method", method, "params",
	    params != NULL ? params : json_null(), "timestamp",
	    (json_int_t)ts, "attachments", atts);
	if (spool_record(rec) == -1) {
		*code = -3;
		(void)snprintf(msg, msglen, "cannot record in %s/spool: %s",
		    dir, strerror(errno));
		json_decref(rec);
		return -1;
	}
	json_decref(rec);
	return 0;
}

static json_t *
do_send(const char *method, json_t *params, int *code, char *msg,
    size_t msglen)
{
	json_t		*results, *text, *atts, *v;
	char		 fail[256];
	const char	*p;
	uint64_t	 ts;
	long		 c;

	if (knob("sim-fail", fail, sizeof(fail))) {
		c = strtol(fail, (char **)&p, 10);
		if (p == fail || c == 0) {
			c = -3;
			p = " Failed to send message";
		}
		*code = (int)c;
		while (*p == ' ')
			p++;
		(void)snprintf(msg, msglen, "%s", *p != '\0' ? p :
		    "Failed to send message");
		return NULL;
	}
	if (strcmp(method, "sendReceipt") == 0) {
		/*
		 * SendReceiptCommand: the recipient is read with getString,
		 * so a list is its toString() and no phone number.
		 */
		v = param(params, "recipient", 0);
		if (!json_is_string(v)) {
			*code = -1;
			(void)snprintf(msg, msglen, "Invalid phone number: %s",
			    v == NULL ? "null" : "not a string");
			return NULL;
		}
		if (param(params, "targetTimestamp", 1) == NULL) {
			*code = -1;
			(void)snprintf(msg, msglen, "No target timestamp");
			return NULL;
		}
		results = json_array();
		json_array_append_new(results, result_for(
		    json_string_value(v), NULL));
	} else if ((results = targets(params, code, msg, msglen)) == NULL)
		return NULL;
	if (strcmp(method, "send") == 0) {
		text = param(params, "message", 0);
		atts = param_list(params, "attachment");
		if ((text == NULL || (json_is_string(text) &&
		    json_string_length(text) == 0)) &&
		    json_array_size(atts) == 0) {
			json_decref(atts);
			json_decref(results);
			*code = -1;
			(void)snprintf(msg, msglen, "Sending empty message is "
			    "not allowed, either a message or an attachment "
			    "must be given.");
			return NULL;
		}
		json_decref(atts);
	}
	if (strcmp(method, "sendReaction") == 0 &&
	    (!json_is_string(param(params, "emoji", 0)) ||
	    param(params, "targetAuthor", 0) == NULL ||
	    !json_is_integer(param(params, "targetTimestamp", 0)))) {
		json_decref(results);
		*code = -1;
		(void)snprintf(msg, msglen, "Missing emoji, targetAuthor or "
		    "targetTimestamp");
		return NULL;
	}
	ts = new_timestamp();
	if (record(method, params, ts, code, msg, msglen) == -1) {
		json_decref(results);
		return NULL;
	}
	if (strcmp(method, "remoteDelete") == 0 &&
	    !json_is_integer(param(params, "targetTimestamp", 0))) {
		json_decref(results);
		*code = -1;
		(void)snprintf(msg, msglen, "Missing targetTimestamp");
		return NULL;
	}
	/*
	 * Every one of these answers as a send does:
	 * SendMessageResultUtils.outputResult writes {"timestamp",
	 * "results"} (send, sendReaction, sendTyping, sendReceipt,
	 * remoteDelete; AsamK/signal-cli v0.14.6,
	 * src/main/java/org/asamk/signal/util/SendMessageResultUtils.java).
	 */
	return json_pack("{s:I,s:o}", "timestamp", (json_int_t)ts, "results",
	    results);
}

static json_t *
do_get_attachment(json_t *params, int *code, char *msg, size_t msglen)
{
	json_t		*id = param(params, "id", 0), *r;
	char		 path[PATH_MAX];
	unsigned char	*data;
	char		*b64;
	size_t		 len;
	const char	*s;

	*code = -1;
	s = json_string_value(id);
	if (s == NULL || *s == '\0' || *s == '.' || strchr(s, '/') != NULL) {
		(void)snprintf(msg, msglen, "Invalid attachment id");
		return NULL;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/attachments/%s", dir,
	    s) >= sizeof(path) || (data = read_file(path, &len)) == NULL) {
		(void)snprintf(msg, msglen, "Unable to find attachment: %s",
		    s);
		return NULL;
	}
	b64 = base64(data, len);
	r = json_pack("{s:s}", "data", b64);
	free(b64);
	free(data);
	return r;
}

static void
close_conn(struct conn *c)
{
	if (c->fd == -1)
		return;
	linereader_free(&c->lr);
	(void)close(c->fd);
	c->fd = -1;
	c->subscription = 0;
}

/* One notification line of FLOOD_BYTES. */
static void
flood(struct conn *c)
{
	static const char	 head[] = "{\"jsonrpc\":\"2.0\",\"method\":"
				    "\"receive\",\"params\":{\"x\":\"";
	char			*buf;

	buf = xcalloc(1, FLOOD_BYTES);
	memset(buf, 'x', FLOOD_BYTES);
	memcpy(buf, head, sizeof(head) - 1);
	memcpy(buf + FLOOD_BYTES - 4, "\"}}\n", 4);
	(void)write_all(c->fd, buf, FLOOD_BYTES);
	free(buf);
}

/* sim-pause: wait until the knob is removed, DIR/paused saying so. */
static void
pause_knob(void)
{
	char		 mark[PATH_MAX];
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	FILE		*f;

	if (!knob("sim-pause", NULL, 0))
		return;
	(void)snprintf(mark, sizeof(mark), "%s/paused", dir);
	if ((f = fopen(mark, "w")) != NULL)
		(void)fclose(f);
	while (knob("sim-pause", NULL, 0))
		(void)nanosleep(&ts, NULL);
	(void)unlink(mark);
}

static void
handle_line(struct conn *c, const char *line, size_t len)
{
	json_t		*req, *id, *params, *result = NULL, *ans;
	const char	*method;
	char		 msg[512];
	int		 code = 0;

	if (knob("sim-hang", NULL, 0))
		return;
	if (knob("sim-close", NULL, 0)) {
		close_conn(c);
		return;
	}
	if (knob("sim-garbage", NULL, 0)) {
		(void)write_all(c->fd, "this is not json\n", 17);
		return;
	}
	if (knob("sim-unreadable", NULL, 0) ||
	    (req = json_loadb(line, len, 0, NULL)) == NULL) {
		ans = error_answer(NULL, -32700, "Parse error");
		send_line(c, ans);
		json_decref(ans);
		return;
	}
	id = json_object_get(req, "id");
	method = json_string_value(json_object_get(req, "method"));
	params = json_object_get(req, "params");
	if (!json_is_object(req) || method == NULL ||
	    (params != NULL && !json_is_object(params))) {
		ans = error_answer(id, -32600, "Invalid request");
		send_line(c, ans);
		json_decref(ans);
		json_decref(req);
		return;
	}
	msg[0] = '\0';
	if (strcmp(method, "send") == 0)
		pause_knob();
	if (strcmp(method, "send") == 0 ||
	    strcmp(method, "sendReaction") == 0 ||
	    strcmp(method, "sendTyping") == 0 ||
	    strcmp(method, "sendReceipt") == 0 ||
	    strcmp(method, "remoteDelete") == 0)
		result = do_send(method, params, &code, msg, sizeof(msg));
	else if (strcmp(method, "version") == 0)
		result = json_pack("{s:s}", "version", SIM_VERSION);
	else if (strcmp(method, "listGroups") == 0)
		result = load_array("groups.json");
	else if (strcmp(method, "listContacts") == 0)
		result = load_array("contacts.json");
	else if (strcmp(method, "getAttachment") == 0)
		result = do_get_attachment(params, &code, msg, sizeof(msg));
	else if (strcmp(method, "subscribeReceive") == 0) {
		if (c->subscription == 0)
			c->subscription = next_subscription++;
		result = json_integer(c->subscription);
	} else if (strcmp(method, "unsubscribeReceive") == 0) {
		c->subscription = 0;
		result = json_object();
	} else {
		code = -32601;
		(void)snprintf(msg, sizeof(msg), "Method not implemented");
	}
	if (result != NULL && knob("sim-misshapen", NULL, 0)) {
		json_decref(result);
		result = json_string("misshapen");
	}
	if (knob("sim-noise", NULL, 0)) {
		ans = json_pack("{s:s,s:s,s:{s:{s:s,s:I},s:s}}", "jsonrpc",
		    "2.0", "method", "receive", "params", "envelope",
		    "sourceNumber", "+14155550100", "timestamp",
		    (json_int_t)util_now_ms(), "account", account);
		send_line(c, ans);
		json_decref(ans);
	}
	if (knob("sim-flood", NULL, 0))
		flood(c);
	if (id == NULL) {
		/* A notification: done, never answered. */
		json_decref(result);
		json_decref(req);
		return;
	}
	if (result != NULL)
		ans = json_pack("{s:s,s:o,s:O}", "jsonrpc", "2.0", "result",
		    result, "id", id);
	else
		ans = error_answer(id, code, msg);
	send_line(c, ans);
	json_decref(ans);
	json_decref(req);
}

static void
read_conn(struct conn *c)
{
	char	*line;
	size_t	 len;
	int	 r;

	r = linereader_fill(&c->lr);
	if (r == LINE_EOF || (r == LINE_ERROR && errno != EINTR &&
	    errno != EAGAIN) || r == LINE_TOOMANYFDS) {
		close_conn(c);
		return;
	}
	while (c->fd != -1 && (r = linereader_next(&c->lr, &line, &len)) ==
	    LINE_OK)
		handle_line(c, line, len);
	if (c->fd != -1 && (r == LINE_EOF || r == LINE_TOOLONG))
		close_conn(c);
}

/*
 * Send one received envelope to whoever should have it; returns how many
 * connections took it.
 */
static int
deliver(json_t *in)
{
	json_t	*res, *note;
	size_t	 i;
	int	 n = 0;

	res = json_pack("{s:O,s:O}", "envelope", json_object_get(in,
	    "envelope"), "account", json_object_get(in, "account") != NULL ?
	    json_object_get(in, "account") : json_string(account));
	for (i = 0; i < CONN_MAX; i++) {
		if (conns[i].fd == -1)
			continue;
		if (mode == RECEIVE_MANUAL) {
			if (conns[i].subscription == 0)
				continue;
			note = json_pack("{s:s,s:s,s:{s:i,s:O}}", "jsonrpc",
			    "2.0", "method", "receive", "params",
			    "subscription", conns[i].subscription, "result",
			    res);
		} else
			note = json_pack("{s:s,s:s,s:O}", "jsonrpc", "2.0",
			    "method", "receive", "params", res);
		if (send_line(&conns[i], note) == 0)
			n++;
		json_decref(note);
	}
	json_decref(res);
	return n;
}

static int
anyone_subscribed(void)
{
	size_t	i;

	for (i = 0; i < CONN_MAX; i++)
		if (conns[i].fd != -1 && conns[i].subscription != 0)
			return 1;
	return 0;
}

static void
inbound_pos_load(void)
{
	char	path[PATH_MAX], buf[32];
	FILE	*f;

	inbound_pos = 0;
	(void)snprintf(path, sizeof(path), "%s/inbound.pos", dir);
	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fgets(buf, sizeof(buf), f) != NULL)
		inbound_pos = (off_t)strtoll(buf, NULL, 10);
	(void)fclose(f);
	if (inbound_pos < 0)
		inbound_pos = 0;
}

static void
inbound_pos_save(void)
{
	char	path[PATH_MAX], tmp[PATH_MAX];
	FILE	*f;

	if ((size_t)snprintf(path, sizeof(path), "%s/inbound.pos", dir) >=
	    sizeof(path) || (size_t)snprintf(tmp, sizeof(tmp),
	    "%s/.inbound.pos", dir) >= sizeof(tmp) ||
	    (f = fopen(tmp, "w")) == NULL)
		return;
	(void)fprintf(f, "%lld\n", (long long)inbound_pos);
	if (fclose(f) == 0)
		(void)rename(tmp, path);
}

/* Take in what was appended to inbound.jsonl since the last look. */
static void
inbound_tick(void)
{
	char		 path[PATH_MAX], *data, *p, *nl;
	struct stat	 st;
	json_t		*v;
	ssize_t		 n;
	int		 fd;

	if (mode == RECEIVE_MANUAL && !anyone_subscribed())
		return;	/* kept "on the server" until a subscription */
	(void)snprintf(path, sizeof(path), "%s/inbound.jsonl", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	if (fstat(fd, &st) == -1 || st.st_size <= inbound_pos) {
		if (st.st_size < inbound_pos)
			inbound_pos = 0;	/* truncated: start over */
		(void)close(fd);
		return;
	}
	data = xcalloc(1, (size_t)(st.st_size - inbound_pos) + 1);
	n = pread(fd, data, (size_t)(st.st_size - inbound_pos), inbound_pos);
	(void)close(fd);
	if (n <= 0) {
		free(data);
		return;
	}
	data[n] = '\0';
	for (p = data; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		if (nl == p) {
			inbound_pos++;
			continue;
		}
		v = json_loads(p, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_object(json_object_get(v, "envelope")))
			(void)fprintf(stderr, "signal-sim: skipping a bad "
			    "inbound line\n");
		else if (deliver(v) == 0 && mode == RECEIVE_MANUAL) {
			/* Every subscriber had gone: keep it for the next. */
			json_decref(v);
			break;
		}
		json_decref(v);
		inbound_pos += nl - p + 1;
	}
	free(data);
	inbound_pos_save();
}

static int
listen_on(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		(void)fprintf(stderr, "signal-cli: socket path too long\n");
		exit(1);
	}
	(void)unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 64) == -1) {
		(void)fprintf(stderr, "signal-cli: %s: %s\n", path,
		    strerror(errno));
		exit(3);
	}
	return fd;
}

/* "--name value" or "--name=value"; advances *i past what it used. */
static const char *
opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t	n = strlen(name);

	if (strcmp(argv[*i], name) == 0) {
		if (*i + 1 >= argc)
			usage();
		return argv[++*i];
	}
	if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	return NULL;
}

int
main(int argc, char **argv)
{
	struct pollfd		 pfd[CONN_MAX + 1];
	struct sigaction	 sa;
	const char		*sock = NULL, *v;
	int			 i, lfd, daemon_seen = 0, nfd, fd, k;

	for (i = 1; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "-a")) != NULL ||
		    (v = opt_value(argc, argv, &i, "--account")) != NULL)
			account = v;
		else if ((v = opt_value(argc, argv, &i, "--config")) != NULL ||
		    (v = opt_value(argc, argv, &i, "-c")) != NULL)
			dir = v;
		else if (strcmp(argv[i], "-v") == 0 ||
		    strcmp(argv[i], "--verbose") == 0)
			continue;
		else if (strcmp(argv[i], "--version") == 0) {
			(void)printf("signal-cli %s\n", SIM_VERSION);
			return 0;
		} else if (!daemon_seen && strcmp(argv[i], "daemon") == 0)
			daemon_seen = 1;
		else if (daemon_seen &&
		    (v = opt_value(argc, argv, &i, "--socket")) != NULL)
			sock = v;
		else if (daemon_seen &&
		    (v = opt_value(argc, argv, &i, "--receive-mode")) != NULL) {
			if (strcmp(v, "manual") == 0)
				mode = RECEIVE_MANUAL;
			else if (strcmp(v, "on-start") == 0)
				mode = RECEIVE_ON_START;
			else if (strcmp(v, "on-connection") == 0)
				mode = RECEIVE_ON_CONNECTION;
			else
				usage();
		} else
			usage();
	}
	if (!daemon_seen || sock == NULL)
		usage();
	if (dir == NULL && (dir = getenv("SIGNAL_SIM_DIR")) == NULL) {
		(void)fprintf(stderr, "signal-cli (sim): no --config DIR\n");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < CONN_MAX; i++)
		conns[i].fd = -1;
	lfd = listen_on(sock);
	/* What was there before the daemon first started is received too. */
	inbound_pos_load();

	while (!quit) {
		nfd = 0;
		pfd[nfd].fd = lfd;
		pfd[nfd].events = POLLIN;
		nfd++;
		for (i = 0; i < CONN_MAX; i++) {
			pfd[nfd].fd = conns[i].fd;
			pfd[nfd].events = POLLIN;
			pfd[nfd].revents = 0;
			nfd++;
		}
		if (poll(pfd, (nfds_t)nfd, TICK_MS) == -1 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN) {
			if ((fd = accept(lfd, NULL, NULL)) != -1)
				(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
			for (k = 0; fd != -1 && k < CONN_MAX; k++)
				if (conns[k].fd == -1)
					break;
			if (fd != -1 && k == CONN_MAX)
				(void)close(fd);
			else if (fd != -1) {
				conns[k].fd = fd;
				conns[k].subscription = 0;
				linereader_init(&conns[k].lr, fd,
				    LINE_MAX_BYTES);
			}
		}
		for (i = 0; i < CONN_MAX; i++)
			if (conns[i].fd != -1 &&
			    (pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				read_conn(&conns[i]);
		inbound_tick();
	}
	for (i = 0; i < CONN_MAX; i++)
		close_conn(&conns[i]);
	(void)close(lfd);
	(void)unlink(sock);
	return 0;
}
