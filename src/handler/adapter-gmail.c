/*
 * The Gmail adapter: command lines for the real gog (gogcli, TOOLS.md)
 * from pure builders at the end of this file (adapter-gmail.h), always with the
 * configured --account, --json and --no-input, and the email policy
 * around them.
 *
 * Outbound: every recipient of to, cc and bcc is normalised and goes
 * through send_pipeline (one not allowed refuses the whole message);
 * subject and addresses refuse CR, LF and other controls (header
 * injection); subject and body go through the content rules; a reply
 * (reply_to_message_id, thread_id) needs every participant of the
 * original to be allowed; in send: draft mode (the default) a send
 * becomes a draft for the owner and drafts.send is refused.  The body,
 * sent or drafted, reaches gog on its standard input (--body-file=-),
 * never its command line, which every local user can read; the subject
 * has no such form in gog and goes as --subject= (carapacectl check
 * says so).  Client values sit in --opt=value form or after "--", and
 * ids that start with '-' are refused.
 *
 * Inbound: search, get and thread results go through the Gmail inbound
 * policy (sender allowlist, hidden labels) and the scrubber on every
 * field before the client sees them.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "compat.h"
#include "adapter-gmail.h"
#include "cmdline.h"
#include "chan-gmail.h"
#include "channel.h"
#include "gmail-compose.h"
#include "gmail-read.h"
#include "handler.h"
#include "log.h"
#include "policy.h"
#include "protocol.h"
#include "spawn.h"
#include "util.h"

#define GMAIL_MAX_RESULTS	500
#define GMAIL_ADDR_LIST_MAX	8192	/* --to=a,b,... */

static int	m_search(struct call *, const struct channel *);
static int	m_get(struct call *, const struct channel *);
static int	m_thread(struct call *, const struct channel *);
static int	m_labels(struct call *, const struct channel *);
static int	m_drafts_list(struct call *, const struct channel *);
static int	m_drafts_create(struct call *, const struct channel *);
static int	m_drafts_send(struct call *, const struct channel *);
static int	m_send(struct call *, const struct channel *);

static const struct rpc_param search_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "query", RPC_T_STRING, 1 },
	{ "max", RPC_T_INTEGER, 0 },
	{ "page", RPC_T_STRING, 0 },
	{ "messages", RPC_T_BOOLEAN, 0 },	/* gmail messages search */
	{ "include_body", RPC_T_BOOLEAN, 0 },	/* its --include-body */
	{ NULL, 0, 0 }
};

static const struct rpc_param get_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "id", RPC_T_STRING, 1 },
	{ "format", RPC_T_STRING, 0 },
	{ "headers", RPC_T_STRING, 0 },	/* metadata: gog's --headers */
	{ NULL, 0, 0 }
};

static const struct rpc_param id_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "id", RPC_T_STRING, 1 },
	{ NULL, 0, 0 }
};

static const struct rpc_param channel_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ NULL, 0, 0 }
};

static const struct rpc_param list_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "max", RPC_T_INTEGER, 0 },
	{ "page", RPC_T_STRING, 0 },
	{ NULL, 0, 0 }
};

static const struct rpc_param send_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "to", RPC_T_STRINGS, 0 },
	{ "cc", RPC_T_STRINGS, 0 },
	{ "bcc", RPC_T_STRINGS, 0 },
	{ "subject", RPC_T_STRING, 1 },
	{ "body", RPC_T_STRING, 0 },
	{ "body_html", RPC_T_STRING, 0 },
	{ "reply_to_message_id", RPC_T_STRING, 0 },
	{ "thread_id", RPC_T_STRING, 0 },
	{ "reply_all", RPC_T_BOOLEAN, 0 },
	{ "reply_to", RPC_T_STRINGS, 0 },
	{ "attachments", RPC_T_OBJECTS, 0 },
	{ NULL, 0, 0 }
};

static int	 gmail_deliver(struct call *, const struct channel *, json_t *);

static const struct method gmail_methods[] = {
	{ .name = "gmail.search", .params = search_params,
	  .flags = METHOD_CHANNEL, .fn = m_search },
	{ .name = "gmail.get", .params = get_params,
	  .flags = METHOD_CHANNEL, .fn = m_get },
	{ .name = "gmail.thread", .params = id_params,
	  .flags = METHOD_CHANNEL, .fn = m_thread },
	{ .name = "gmail.labels", .params = channel_params,
	  .flags = METHOD_CHANNEL, .fn = m_labels },
	{ .name = "gmail.drafts.list", .params = list_params,
	  .flags = METHOD_CHANNEL,
	  .fn = m_drafts_list },
	{ .name = "gmail.drafts.create", .params = send_params,
	  .flags = METHOD_CHANNEL | METHOD_OUTBOUND,
	  .fn = m_drafts_create },
	{ .name = "gmail.drafts.send", .params = id_params,
	  .flags = METHOD_CHANNEL | METHOD_OUTBOUND,
	  .fn = m_drafts_send },
	{ .name = "send", .params = send_params, .flags = METHOD_CHANNEL |
	  METHOD_DELIVERS | METHOD_OUTBOUND, .fn = m_send },
};

const struct handler_adapter gmail_adapter = {
	.driver = &gmail_driver,
	.methods = gmail_methods,
	.nmethods = sizeof(gmail_methods) / sizeof(gmail_methods[0]),
	.deliver = gmail_deliver,
	.notice = gmail_notice,
};

static const char *
param_str(struct call *c, const char *name)
{
	return json_string_value(json_object_get(c->params, name));
}

/*
 * A builder (adapter-gmail.h) refused: without an account the channel cannot
 * run at all; anything else is what the checks here let through.
 */
static int
argv_refused(struct call *c, const struct channel *ch, const char *cause)
{
	if (GMAIL_OPTS(ch)->account == NULL)
		return call_error(c, CP_ERR_CHANNEL_UNAVAILABLE,
		    json_pack("{s:s}", "channel", c->channel),
		    "channel %s unavailable: %s", c->channel, cause);
	return call_error(c, RPC_INVALID_PARAMS, NULL, "%s", cause);
}

/*
 * Run a builder's command line (freed here) and read gog's one JSON
 * document; returns it or NULL (error set).
 */
static json_t *
run_json(struct call *c, const struct channel *ch, struct tool_argv *a,
    int stdin_fd)
{
	struct spawn_result	 res;
	json_t			*doc;
	int			 r;

	r = tool_run_input(c, ch, a, stdin_fd, &res);
	tool_argv_free(a);
	if (r == -1)
		return NULL;
	doc = json_loadb(res.out, res.outlen, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(doc)) {
		json_decref(doc);
		c->outcome = AUDIT_OUTCOME_FAILED;
		call_error(c, CP_ERR_TOOL_FAILED, json_pack("{s:i,s:o*}",
		    "exit_status", 0, "stderr",
		    tool_output_tail(res.out, res.outlen)),
		    "%s: unexpected tool output", c->channel);
		spawn_result_free(&res);
		return NULL;
	}
	spawn_result_free(&res);
	return doc;
}

/* An id the client gave: non-empty, no '-' first, no controls. */
static int
check_id(struct call *c, const char *name, const char *v)
{
	const unsigned char	*p;

	if (v == NULL)
		return 0;
	if (check_argument(c, name, v) == -1)
		return -1;
	if (v[0] == '\0' || strlen(v) > 256)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param %s: expected 1 to 256 characters", name);
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p < 0x21 || *p == 0x7f || *p == ',')
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    "param %s: invalid character", name);
	return 0;
}

/*
 * Header injection: CR, LF and every other control character, and the
 * Unicode line and paragraph separators and NEL, in a value that becomes
 * a header.  Returns 0 or the call's error.
 */
static int
check_header(struct call *c, const char *name, const char *v)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] == 0x85) ||
		    (p[0] == 0xe2 && p[1] == 0x80 &&
		    (p[2] == 0xa8 || p[2] == 0xa9))) {
			c->rule = "header";
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    "param %s: control characters (CR, LF...) are "
			    "not allowed in a header", name);
		}
	}
	return 0;
}

/*
 * inbound.hide_labels may name labels (Secret) where a message carries
 * ids (Label_7): with hidden labels configured, the label list maps
 * each id to its name.  Returns {id: name}, or NULL with the call's
 * error set.
 */
static json_t *
label_names(struct call *c, const struct channel *ch)
{
	struct tool_argv	 a;
	json_t			*doc, *map, *l;
	size_t			 i;
	const char		*id, *name, *cause = NULL;

	map = json_object();
	if (ch->hide_labels.count == 0)
		return map;
	if (cmdline_gmail_labels(c->env->cfg, ch, &a, &cause) == -1) {
		json_decref(map);
		argv_refused(c, ch, cause);
		return NULL;
	}
	if ((doc = run_json(c, ch, &a, -1)) == NULL) {
		json_decref(map);
		return NULL;
	}
	json_array_foreach(json_object_get(doc, "labels"), i, l) {
		id = json_string_value(json_object_get(l, "id"));
		name = json_string_value(json_object_get(l, "name"));
		if (id != NULL && name != NULL)
			json_object_set_new(map, id, json_string(name));
	}
	json_decref(doc);
	return map;
}

/* Does one of the message's label ids have a hidden name? */
static int
hidden_by_name(const struct channel *ch, json_t *names, json_t *m)
{
	json_t		*l;
	size_t		 i, j;
	const char	*name;

	json_array_foreach(json_object_get(m, "labelIds"), i, l) {
		name = json_string_value(json_object_get(names,
		    json_string_value(l) != NULL ? json_string_value(l) : ""));
		for (j = 0; name != NULL && j < ch->hide_labels.count; j++)
			if (strcasecmp(name, ch->hide_labels.items[j]) == 0)
				return 1;
	}
	return 0;
}

/* Inbound filter over an array of messages in any of gog's shapes. */
static json_t *
filter_array(struct call *c, const struct channel *ch, json_t *in,
    json_t *names, size_t *hidden)
{
	json_t	*out = json_array(), *m;
	size_t	 i;

	json_array_foreach(in, i, m) {
		if ((names != NULL && hidden_by_name(ch, names, m)) ||
		    !inbound_message_visible(c->env->cfg, ch, m) ||
		    inbound_scrub(ch, m) == -1) {
			(*hidden)++;
			continue;
		}
		json_array_append(out, m);
	}
	return out;
}

static int
check_max(struct call *c)
{
	json_t		*v = json_object_get(c->params, "max");

	if (v != NULL && (json_integer_value(v) < 1 ||
	    json_integer_value(v) > GMAIL_MAX_RESULTS))
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param max: expected 1..%d", GMAIL_MAX_RESULTS);
	return 0;
}

/* gog's nextPageToken as a new reference; "" when there is none. */
static json_t *
page_token(json_t *doc)
{
	json_t	*tok = json_object_get(doc, "nextPageToken");

	return json_is_string(tok) ? json_incref(tok) : json_string("");
}

static int
m_search(struct call *c, const struct channel *ch)
{
	const char	*query = param_str(c, "query");
	const char	*page = param_str(c, "page");

	if (check_max(c) == -1 || check_id(c, "page", page) == -1)
		return -1;
	if (query[0] == '\0' || strlen(query) > 2048)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param query: expected 1 to 2048 characters");
	return gmail_read_search(c, ch, cmdline_gmail_search);
}

static int
m_get(struct call *c, const struct channel *ch)
{
	struct tool_argv	 a;
	json_t			*doc, *m, *names, *p;
	const char		*id = param_str(c, "id");
	const char		*format = param_str(c, "format");
	const char		*wanted = param_str(c, "headers");
	const char		*cause = NULL;

	if (check_id(c, "id", id) == -1)
		return -1;
	if (format == NULL)
		format = "full";
	if (wanted == NULL)
		wanted = "From,To,Subject,Date";
	/* raw hides MIME-encoded parts the scrubber cannot read. */
	if (strcmp(format, "full") != 0 && strcmp(format, "metadata") != 0)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param format: expected full or metadata");
	/*
	 * metadata: gog asks Gmail for From, To, Subject and Date only; the
	 * decision needs the recipients and Authentication-Results too.
	 */
	p = json_deep_copy(c->params);
	if (strcmp(format, "metadata") == 0)
		json_object_set_new(p, "headers", json_sprintf("%s,%s", wanted,
		    GMAIL_VERIFY_HEADERS));
	if (cmdline_gmail_get(c->env->cfg, ch, p, &a, &cause) == -1) {
		json_decref(p);
		return argv_refused(c, ch, cause);
	}
	doc = run_json(c, ch, &a, -1);
	json_decref(p);
	if (doc == NULL) {
		gmail_canonical_not_found(c);
		return -1;
	}
	/*
	 * gog prints the message and, beside it, its headers and decoded
	 * body: the sender decides on the message, the channel's document
	 * schema rebuilds all of it.
	 */
	m = json_object_get(doc, "message");
	if ((names = label_names(c, ch)) == NULL) {
		json_decref(doc);
		return -1;
	}
	if (!json_is_object(m) || hidden_by_name(ch, names, m) ||
	    !inbound_message_visible(c->env->cfg, ch, m) ||
	    inbound_filter(ch, INBOUND_DOCUMENT, doc) == -1) {
		json_decref(names);
		json_decref(doc);
		return gmail_not_found(c, 1);
	}
	json_decref(names);
	if (strcmp(format, "metadata") == 0)
		gmail_read_trim(doc, wanted);
	c->result = doc;
	return 0;
}

/* The unfiltered thread, for the reply check and for gmail.thread. */
static json_t *
fetch_thread(struct call *c, const struct channel *ch, const char *id)
{
	struct tool_argv	 a;
	json_t			*p, *doc = NULL;
	const char		*cause = NULL;

	/* The command line borrows from p: keep it until the tool ran. */
	p = json_pack("{s:s}", "id", id);
	if (cmdline_gmail_thread(c->env->cfg, ch, p, &a, &cause) == -1)
		argv_refused(c, ch, cause);
	else
		doc = run_json(c, ch, &a, -1);
	json_decref(p);
	return doc;
}

static int
m_thread(struct call *c, const struct channel *ch)
{
	json_t		*doc, *thread, *msgs, *names;
	const char	*id = param_str(c, "id");
	size_t		 hidden = 0;

	if (check_id(c, "id", id) == -1)
		return -1;
	if ((names = label_names(c, ch)) == NULL)
		return -1;
	if ((doc = fetch_thread(c, ch, id)) == NULL) {
		json_decref(names);
		gmail_canonical_not_found(c);
		return -1;
	}
	thread = json_object_get(doc, "thread");
	msgs = filter_array(c, ch, json_object_get(thread, "messages"), names,
	    &hidden);
	json_decref(names);
	/* Nothing visible in it: a thread the agent cannot tell exists. */
	if (!json_is_object(thread) || json_array_size(msgs) == 0) {
		json_decref(msgs);
		json_decref(doc);
		return gmail_not_found(c, 1);
	}
	json_object_set_new(thread, "messages", msgs);
	/* Its snippet quotes a message, maybe a hidden one: kept if none is. */
	if (hidden > 0)
		(void)json_object_del(thread, "snippet");
	/* The thread's own fields by the schema too. */
	if (inbound_filter(ch, INBOUND_DOCUMENT, doc) == -1) {
		json_decref(doc);
		return gmail_not_found(c, 1);
	}
	c->result = json_pack("{s:O,s:[]}", "thread", json_object_get(doc,
	    "thread"), "downloaded");
	json_decref(doc);
	if (hidden > 0)
		c->rule = "inbound";
	return 0;
}

static int
m_labels(struct call *c, const struct channel *ch)
{
	struct tool_argv	 a;
	json_t			*doc;
	const char		*cause = NULL;

	if (cmdline_gmail_labels(c->env->cfg, ch, &a, &cause) == -1)
		return argv_refused(c, ch, cause);
	if ((doc = run_json(c, ch, &a, -1)) == NULL)
		return -1;
	c->result = json_pack("{s:O}", "labels", json_object_get(doc,
	    "labels") != NULL ? json_object_get(doc, "labels") : json_null());
	json_decref(doc);
	return 0;
}

static int
m_drafts_list(struct call *c, const struct channel *ch)
{
	struct tool_argv	 a;
	json_t			*doc;
	const char		*page = param_str(c, "page");
	const char		*cause = NULL;

	if (check_max(c) == -1 || check_id(c, "page", page) == -1)
		return -1;
	if (cmdline_gmail_drafts_list(c->env->cfg, ch, c->params, &a,
	    &cause) == -1)
		return argv_refused(c, ch, cause);
	if ((doc = run_json(c, ch, &a, -1)) == NULL)
		return -1;
	/* Ids pass; any text gog adds (a snippet) is scrubbed. */
	if (inbound_filter(ch, INBOUND_DOCUMENT, doc) == -1) {
		json_decref(doc);
		c->rule = "inbound";
		return call_error(c, CP_ERR_CONTENT_BLOCKED,
		    json_pack("{s:s}", "rule", "inbound"),
		    "drafts: a field cannot be read by the scrubber");
	}
	c->result = json_pack("{s:O,s:o}", "drafts",
	    json_object_get(doc, "drafts") != NULL ?
	    json_object_get(doc, "drafts") : json_null(),
	    "nextPageToken", page_token(doc));
	json_decref(doc);
	return 0;
}

/*
 * Every participant (From, To, Cc, Bcc) of one message or of every
 * message of a thread must be an allowed recipient; the owner's own
 * address is one.  Returns 0 or the call's error.
 */
/* The headers that name a message's participants. */
#define PARTICIPANT_HEADERS	"From,To,Cc,Bcc,Reply-To," \
				"Authentication-Results"

static int
check_participants(struct call *c, const struct channel *ch, json_t *msgs)
{
	static const char *const fields[] = { "From", "To", "Cc", "Bcc",
	    "Reply-To", NULL };
	struct verdict	 v;
	enum addr_kind	 kind;
	json_t		*addrs, *m, *e;
	char		 norm[ADDR_MAX], self[ADDR_MAX] = "";
	size_t		 i, j, k;

	if (GMAIL_OPTS(ch)->account != NULL)
		(void)addr_normalize(GMAIL_OPTS(ch)->account, ch->region, self,
		    sizeof(self), &kind, NULL);
	addrs = json_array();
	json_array_foreach(msgs, i, m)
		for (j = 0; fields[j] != NULL; j++)
			if (gmail_split_addresses(gmail_msg_header(m, fields[j]),
			    addrs) == -1) {
				json_decref(addrs);
				c->rule = "reply";
				return call_error(c, CP_ERR_RECIPIENT_DENIED,
				    json_pack("{s:s,s:s}", "recipient", "",
				    "rule", "reply"), "recipient not allowed: "
				    "replies stay on threads whose "
				    "participants are all allowed");
			}
	if (json_array_size(msgs) == 0) {
		json_decref(addrs);
		return call_error(c, CP_ERR_RECIPIENT_DENIED,
		    json_pack("{s:s,s:s}", "recipient", "", "rule", "reply"),
		    "recipient not allowed: the thread has no messages");
	}
	json_array_foreach(addrs, k, e) {
		if (addr_normalize(json_string_value(e), ch->region, norm,
		    sizeof(norm), &kind, NULL) == -1)
			v.kind = VERDICT_DENY;
		else if (strcmp(norm, self) == 0)
			continue;
		else
			policy_outbound(c->env->cfg, ch, norm, &v);
		if (v.kind != VERDICT_ALLOW) {
			/* Named or counted, it would show a hidden one. */
			c->rule = "reply";
			call_error(c, CP_ERR_RECIPIENT_DENIED,
			    json_pack("{s:s,s:s}", "recipient", "", "rule",
			    "reply"), "recipient not allowed: replies stay "
			    "on threads whose participants are all allowed");
			json_decref(addrs);
			return -1;
		}
	}
	json_decref(addrs);
	return 0;
}

/*
 * A reply: check the original's participants and find the message to
 * answer (drafts take --reply-to-message-id only).  *reply_id gets a
 * new string or NULL; *original the message answered (its headers, as
 * gog reads them for --reply-all) or NULL.
 */
static int
check_reply(struct call *c, const struct channel *ch, const char *msgid,
    const char *threadid, char **reply_id, json_t **original)
{
	struct tool_argv	 a;
	json_t			*doc, *msgs, *m, *last = NULL, *p;
	size_t			 i;
	long long		 best = -1, d;
	const char		*cause = NULL;
	int			 r;

	*reply_id = NULL;
	*original = NULL;
	if (msgid == NULL && threadid == NULL)
		return 0;
	if (msgid != NULL && threadid != NULL)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "params: use only one of reply_to_message_id or "
		    "thread_id");
	if (msgid != NULL) {
		/*
		 * gog asks Gmail for From, To, Subject and Date only unless
		 * told otherwise (gogcli internal/cmd/gmail_get.go): name
		 * every header check_participants reads.  The command line
		 * borrows from p until the tool ran.
		 */
		p = json_pack("{s:s,s:s,s:s}", "id", msgid, "format",
		    "metadata", "headers", PARTICIPANT_HEADERS);
		if (cmdline_gmail_get(c->env->cfg, ch, p, &a, &cause) == -1) {
			json_decref(p);
			return argv_refused(c, ch, cause);
		}
		doc = run_json(c, ch, &a, -1);
		json_decref(p);
		if (doc == NULL) {
			gmail_canonical_not_found(c);
			return -1;
		}
		/* A hidden original does not exist for the agent. */
		if (!inbound_message_visible(c->env->cfg, ch,
		    json_object_get(doc, "message"))) {
			json_decref(doc);
			return gmail_not_found(c, 1);
		}
		msgs = json_pack("[O]", json_object_get(doc, "message"));
		r = check_participants(c, ch, msgs);
		json_decref(msgs);
		if (r == 0) {
			*reply_id = xstrdup(msgid);
			*original = json_incref(json_object_get(doc,
			    "message"));
		}
		json_decref(doc);
		return r;
	}
	if ((doc = fetch_thread(c, ch, threadid)) == NULL) {
		gmail_canonical_not_found(c);
		return -1;
	}
	msgs = json_object_get(json_object_get(doc, "thread"), "messages");
	json_array_foreach(msgs, i, m)
		if (inbound_message_visible(c->env->cfg, ch, m))
			break;
	if (i == json_array_size(msgs)) {
		json_decref(doc);
		return gmail_not_found(c, 1);
	}
	if ((r = check_participants(c, ch, msgs)) == 0) {
		json_array_foreach(msgs, i, m) {
			d = strtoll(json_string_value(json_object_get(m,
			    "internalDate")) != NULL ? json_string_value(
			    json_object_get(m, "internalDate")) : "0", NULL,
			    10);
			if (d >= best) {
				best = d;
				last = m;
			}
		}
		if (json_string_value(json_object_get(last, "id")) != NULL) {
			*reply_id = xstrdup(json_string_value(
			    json_object_get(last, "id")));
			*original = json_incref(last);
		} else {
			c->outcome = AUDIT_OUTCOME_FAILED;
			r = call_error(c, CP_ERR_TOOL_FAILED, NULL,
			    "%s: the thread's last message has no id",
			    c->channel);
		}
	}
	json_decref(doc);
	return r;
}

/*
 * Normalise every address of the list in (param names it in errors)
 * into out, each a recipient of o; 0 or the call's error.
 */
static int
resolve_list(struct call *c, const struct channel *ch, const char *param,
    json_t *in, json_t *out, struct outbound *o, char (*store)[ADDR_MAX])
{
	json_t		*e;
	size_t		 i;
	enum addr_kind	 kind;
	const char	*s;
	char		 bare[ADDR_MAX];

	json_array_foreach(in, i, e) {
		s = json_string_value(e);
		if (check_header(c, param, s) == -1 ||
		    check_argument(c, param, s) == -1)
			return -1;
		if (o->nrecipients == OUTBOUND_MAX)
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    "params: more than %d recipients", OUTBOUND_MAX);
		/* "Name <a@b>": the address is what policy and gog see. */
		if (strchr(s, '<') != NULL) {
			if (gmail_address(s, bare, sizeof(bare)) == -1) {
				c->rule = "address";
				return call_error(c, CP_ERR_RECIPIENT_DENIED,
				    json_pack("{s:s,s:s}", "recipient", s,
				    "rule", "address"), "recipient not "
				    "allowed: param %s: cannot read the "
				    "address in %s", param, s);
			}
			s = bare;
		}
		if (send_resolve(c, ch, param, s, store[o->nrecipients],
		    ADDR_MAX, &kind) == -1)
			return -1;
		if (kind != ADDR_EMAIL || strchr(store[o->nrecipients],
		    ',') != NULL) {
			c->rule = "address";
			return call_error(c, CP_ERR_RECIPIENT_DENIED,
			    json_pack("{s:s,s:s}", "recipient", s, "rule",
			    "address"), "recipient not allowed: param %s: "
			    "not an email address", param);
		}
		json_array_append_new(out,
		    json_string(store[o->nrecipients]));
		o->recipients[o->nrecipients] = store[o->nrecipients];
		o->nrecipients++;
	}
	return 0;
}

/*
 * Refuse at intake what delivery could never run: build the command
 * line gmail_deliver will build (a subject or an address list longer
 * than its buffer, a draft's body too long for a command line...) and
 * throw it away.  Otherwise such a message is accepted, even held for
 * the owner, and fails on every attempt to deliver it.
 */
static int
compose_deliverable(struct call *c, const struct channel *ch, json_t *d,
    int draft)
{
	struct tool_argv	 a;
	const char		*cause = NULL;
	int			 r;

	if (draft)
		r = cmdline_gmail_drafts_create(c->env->cfg, ch, d, &a,
		    &cause);
	else
		r = cmdline_gmail_send(c->env->cfg, ch, d, &a, &cause);
	if (r == -1 && GMAIL_OPTS(ch)->account == NULL)
		return argv_refused(c, ch, cause != NULL ? cause : "?");
	if (r == -1)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "refused: could never be delivered (%s)",
		    cause != NULL ? cause : "?");
	tool_argv_free(&a);
	return 0;
}

/* send and drafts.create: policy, then gmail_deliver (or a hold). */
static int
compose(struct call *c, const struct channel *ch, int draft)
{
	static char		 store[OUTBOUND_MAX][ADDR_MAX];
	struct outbound		 o;
	json_t			*d, *to, *cc, *bcc, *replyto, *atts;
	json_t			*original = NULL, *to_in, *cc_in;
	const char		*subject = param_str(c, "subject");
	const char		*body = param_str(c, "body");
	const char		*html = param_str(c, "body_html");
	const char		*msgid = param_str(c, "reply_to_message_id");
	const char		*threadid = param_str(c, "thread_id");
	char			*text = NULL, *reply_id = NULL;
	int			 r = -1, reply_all;

	reply_all = json_is_true(json_object_get(c->params, "reply_all"));
	to_in = json_object_get(c->params, "to");
	cc_in = json_object_get(c->params, "cc");
	if (reply_all && msgid == NULL && threadid == NULL)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param reply_all: requires reply_to_message_id or "
		    "thread_id");
	if (!reply_all && json_array_size(to_in) == 0)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param to: at least one recipient is required");
	if (check_header(c, "subject", subject) == -1 ||
	    check_id(c, "reply_to_message_id", msgid) == -1 ||
	    check_id(c, "thread_id", threadid) == -1)
		return -1;
	if (subject[0] == '\0')
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param subject: must not be empty");
	atts = json_object_get(c->params, "attachments");
	if (json_array_size(atts) > RPC_MAX_FDS)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param attachments: at most %d", RPC_MAX_FDS);
	if (gmail_compose_text(c, subject, &body, &html, &text) == -1)
		return -1;

	memset(&o, 0, sizeof(o));
	to = json_array();
	cc = json_array();
	bcc = json_array();
	replyto = json_array();
	d = json_pack("{s:o,s:o,s:o,s:o,s:s,s:s,s:s}", "to", to, "cc", cc,
	    "bcc", bcc, "reply_to", replyto, "subject", subject,
	    html != NULL ? "body_html" : "body", html != NULL ? html : body,
	    "mode", draft ? "draft" : "send");
	/*
	 * Recipients first: a refused one says so before any tool runs.
	 * Reply-To is where answers go: policy treats it as a recipient.
	 */
	if ((!reply_all && resolve_list(c, ch, "to", to_in, to, &o,
	    store) == -1) || (!reply_all && resolve_list(c, ch, "cc", cc_in,
	    cc, &o, store) == -1) || resolve_list(c, ch, "bcc",
	    json_object_get(c->params, "bcc"), bcc, &o, store) == -1 ||
	    resolve_list(c, ch, "reply_to", json_object_get(c->params,
	    "reply_to"), replyto, &o, store) == -1)
		goto out;
	if (check_reply(c, ch, msgid, threadid, &reply_id, &original) == -1)
		goto out;
	if (reply_all) {
		if (gmail_reply_all_lists(c, ch, original, &to_in, &cc_in) == -1)
			goto out;
		r = resolve_list(c, ch, "to", to_in, to, &o, store);
		if (r == 0)
			r = resolve_list(c, ch, "cc", cc_in, cc, &o, store);
		if (to_in != json_object_get(c->params, "to"))
			json_decref(to_in);
		if (cc_in != json_object_get(c->params, "cc"))
			json_decref(cc_in);
		if (r == -1)
			goto out;
		r = -1;
		if (json_array_size(to) == 0) {
			call_error(c, RPC_INVALID_PARAMS, NULL, "no "
			    "recipients: specify --to or use --reply-all "
			    "with a message that has recipients");
			goto out;
		}
	}
	o.text = text;
	o.attachments = json_array_size(atts) > 0 ? atts : NULL;
	o.delivery = d;
	if (reply_id != NULL) {
		json_object_set_new(d, "reply_to_message_id",
		    json_string(reply_id));
		if (threadid != NULL)
			json_object_set_new(d, "thread_id",
			    json_string(threadid));
	}
	if (compose_deliverable(c, ch, d, draft) == -1)
		goto out;
	r = send_pipeline(c, ch, &o);
out:
	free(reply_id);
	json_decref(original);
	free(text);
	json_decref(d);
	return r;
}

static int
m_send(struct call *c, const struct channel *ch)
{
	return compose(c, ch, GMAIL_OPTS(ch)->send == GMAIL_SEND_DRAFT);
}

static int
m_drafts_create(struct call *c, const struct channel *ch)
{
	return compose(c, ch, 1);
}

/*
 * gog gmail drafts VERB -- ID (get or send), refused in draft mode: the
 * owner reviews and sends drafts.  The document, or NULL (error set).
 */
static json_t *
run_drafts(struct call *c, const struct channel *ch, const char *verb,
    const char *id)
{
	struct tool_argv	 a;
	json_t			*p, *doc = NULL;
	const char		*cause = NULL;
	int			 r;

	if (GMAIL_OPTS(ch)->send == GMAIL_SEND_DRAFT) {
		c->rule = "channels.gmail.send";
		call_error(c, CP_ERR_CHANNEL_DENIED,
		    json_pack("{s:s}", "channel", c->channel),
		    "drafts.send refused: channel gmail is in draft mode "
		    "(the owner reviews and sends drafts)");
		return NULL;
	}
	if (strcmp(verb, "send") == 0) {
		p = json_pack("{s:s}", "draft_id", id);
		r = cmdline_gmail_drafts_send(c->env->cfg, ch, p, &a, &cause);
	} else {
		p = json_pack("{s:s}", "id", id);
		r = cmdline_gmail_drafts_get(c->env->cfg, ch, p, &a, &cause);
	}
	/* The command line borrows from p: keep it until the tool ran. */
	if (r == -1)
		argv_refused(c, ch, cause);
	else
		doc = run_json(c, ch, &a, -1);
	json_decref(p);
	return doc;
}

/* An approved or accepted drafts.send. */
static int
deliver_draft(struct call *c, const struct channel *ch, json_t *d)
{
	json_t		*out;
	const char	*id;

	id = json_string_value(json_object_get(d, "draft_id"));
	if (id == NULL || id[0] == '-' || id[0] == '\0')
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "malformed delivery");
	if ((out = run_drafts(c, ch, "send", id)) == NULL)
		return -1;
	c->outcome = AUDIT_OUTCOME_SENT;
	c->result = json_pack("{s:s,s:s,s:s,s:O*,s:O*}", "status", "sent",
	    "channel", c->channel, "recipient", c->recipient,
	    "messageId", json_object_get(out, "messageId"),
	    "threadId", json_object_get(out, "threadId"));
	json_decref(out);
	return c->result != NULL ? 0 : call_error(c, RPC_INTERNAL_ERROR,
	    NULL, "out of memory");
}

static int
gmail_deliver(struct call *c, const struct channel *ch, json_t *d)
{
	struct tool_argv	 a;
	json_t			*doc;
	const char		*body, *mode, *s, *cause = NULL;
	int			 fd, draft, r;

	mode = json_string_value(json_object_get(d, "mode"));
	if (mode != NULL && strcmp(mode, "draft_send") == 0)
		return deliver_draft(c, ch, d);
	/* One body, plain or HTML: the one gog reads on standard input. */
	body = json_string_value(json_object_get(d, "body"));
	if (body == NULL)
		body = json_string_value(json_object_get(d, "body_html"));
	if (mode == NULL || body == NULL)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "malformed or oversized delivery");
	draft = strcmp(mode, "draft") == 0;
	/* The configuration may have changed since a hold was made. */
	if (!draft && GMAIL_OPTS(ch)->send == GMAIL_SEND_DRAFT)
		draft = 1;
	if (draft)
		r = cmdline_gmail_drafts_create(c->env->cfg, ch, d, &a, &cause);
	else
		r = cmdline_gmail_send(c->env->cfg, ch, d, &a, &cause);
	if (r == -1)
		return argv_refused(c, ch, cause);
	if ((fd = send_spool_text(c, body)) == -1) {
		tool_argv_free(&a);
		return -1;
	}
	doc = run_json(c, ch, &a, fd);
	close(fd);
	if (doc == NULL)
		return -1;
	if (draft) {
		s = json_string_value(json_object_get(doc, "draftId"));
		c->outcome = AUDIT_OUTCOME_DRAFTED;
		c->result = json_pack("{s:s,s:s,s:s,s:s*,s:O*,s:O*,s:s*,s:s}",
		    "status", "draft", "channel", c->channel,
		    "recipient", c->recipient, "draftId", s,
		    "messageId", json_object_get(json_object_get(doc,
		    "message"), "id"), "threadId", json_object_get(doc,
		    "threadId"), "from", GMAIL_OPTS(ch)->account, "note",
		    "saved as a draft for the owner to review and send "
		    "(channels.gmail.send: draft); not sent");
	} else {
		c->outcome = AUDIT_OUTCOME_SENT;
		c->result = json_pack("{s:s,s:s,s:s,s:O*,s:O*,s:s*}",
		    "status", "sent", "channel", c->channel,
		    "recipient", c->recipient, "messageId",
		    json_object_get(doc, "messageId"), "threadId",
		    json_object_get(doc, "threadId"), "from", GMAIL_OPTS(ch)->account);
	}
	json_decref(doc);
	if (c->result == NULL)
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "out of memory");
	return 0;
}

static int
m_drafts_send(struct call *c, const struct channel *ch)
{
	static char		 store[OUTBOUND_MAX][ADDR_MAX];
	struct outbound		 o;
	struct buf		 text;
	enum addr_kind		 kind;
	json_t			*doc, *msg, *addrs, *e, *d;
	int			 r;
	const char		*id = param_str(c, "id");
	size_t			 i;
	static const char *const fields[] = { "To", "Cc", "Bcc", NULL };

	if (check_id(c, "id", id) == -1)
		return -1;
	if ((doc = run_drafts(c, ch, "get", id)) == NULL)
		return -1;
	msg = json_object_get(json_object_get(doc, "draft"), "message");
	addrs = json_array();
	for (i = 0; fields[i] != NULL; i++)
		if (check_header(c, "draft header", gmail_msg_header(msg,
		    fields[i]) != NULL ? gmail_msg_header(msg, fields[i]) :
		    "") == -1 || gmail_split_addresses(gmail_msg_header(msg,
		    fields[i]), addrs) == -1) {
			json_decref(addrs);
			json_decref(doc);
			if (c->code != 0)
				return -1;
			return call_error(c, CP_ERR_RECIPIENT_DENIED,
			    json_pack("{s:s,s:s}", "recipient", "", "rule",
			    "address"), "recipient not allowed: the draft's "
			    "%s cannot be read", fields[i]);
		}
	memset(&o, 0, sizeof(o));
	json_array_foreach(addrs, i, e) {
		if (o.nrecipients == OUTBOUND_MAX ||
		    send_resolve(c, ch, "draft", json_string_value(e),
		    store[o.nrecipients], ADDR_MAX, &kind) == -1) {
			json_decref(addrs);
			json_decref(doc);
			if (c->code != 0)
				return -1;
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    "draft: too many recipients");
		}
		o.recipients[o.nrecipients] = store[o.nrecipients];
		o.nrecipients++;
	}
	json_decref(addrs);
	if (o.nrecipients == 0) {
		json_decref(doc);
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "draft: no recipient");
	}
	buf_init(&text, 4 * 1024 * 1024);
	if (gmail_msg_header(msg, "Subject") != NULL)
		(void)buf_append(&text, gmail_msg_header(msg, "Subject"),
		    strlen(gmail_msg_header(msg, "Subject")));
	r = gmail_draft_text(json_object_get(msg, "payload"), &text, 0);
	json_decref(doc);
	if (r == -1) {
		buf_free(&text);
		c->rule = "content.encoding";
		return call_error(c, CP_ERR_CONTENT_BLOCKED,
		    json_pack("{s:s}", "rule", "content.encoding"),
		    "content blocked: a text part of the draft cannot be "
		    "decoded, so it cannot be checked");
	}
	if (buf_cstr(&text) == -1) {
		buf_free(&text);
		c->rule = "max_length";
		return call_error(c, CP_ERR_CONTENT_BLOCKED,
		    json_pack("{s:s}", "rule", "max_length"),
		    "content blocked: the draft is too large to check");
	}
	/* The whole outbound pipeline, as for a send; delivery sends it. */
	d = json_pack("{s:s,s:s}", "mode", "draft_send", "draft_id", id);
	o.text = text.data;
	o.delivery = d;
	r = send_pipeline(c, ch, &o);
	buf_free(&text);
	json_decref(d);
	return r;
}

/*
 * Command lines (adapter-gmail.h).  gog is always run as `gog --account A --json
 * --no-input gmail ...` (the driver's head); every client value sits in
 * a fixed "--opt=" argument or after "--", where gog reads it as a
 * value whatever it starts with.  Ids are checked as the adapter checks
 * them all the same.
 */

/* A Gmail id: 1 to 256 characters, no '-' first, no controls, no ','. */
static int
gmail_id_ok(const char *v)
{
	const unsigned char	*p;

	if (v == NULL || v[0] == '\0' || v[0] == '-' || strlen(v) > 256)
		return 0;
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p < 0x21 || *p == 0x7f || *p == ',')
			return 0;
	return 1;
}

/*
 * The optional id o[key]: 0 and NULL when absent, 1 when it is one,
 * -1 with *cause when it is not.
 */
static int
gmail_id(json_t *o, const char *key, const char **out, const char **cause)
{
	json_t	*v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (!gmail_id_ok(json_string_value(v))) {
		*cause = "malformed params: not a Gmail id";
		return -1;
	}
	*out = json_string_value(v);
	return 1;
}

/* --max=N (1..GMAIL_MAX_RESULTS, def when absent) into a->num[0]. */
static int
gmail_max(json_t *o, json_int_t def, struct tool_argv *a, const char **cause)
{
	json_t		*v = json_object_get(o, "max");
	json_int_t	 max = v != NULL ? json_integer_value(v) : def;

	if ((v != NULL && !json_is_integer(v)) || max < 1 ||
	    max > GMAIL_MAX_RESULTS) {
		*cause = "param max: out of range";
		return -1;
	}
	(void)snprintf(a->num[0], sizeof(a->num[0]), "--max=%lld",
	    (long long)max);
	return 0;
}

/* Append a made argument; -1 (a freed) when out of memory. */
#define GMAIL_ADDF(a, cause, ...) do {					\
	if (tool_argv_addf((a), __VA_ARGS__) == -1) {			\
		*(cause) = "out of memory";				\
		tool_argv_free(a);					\
		return -1;						\
	}								\
} while (0)

int
cmdline_gmail_search(const struct config *cfg, const struct channel *ch,
    json_t *p, struct tool_argv *a, const char **cause)
{
	const char	*query = json_string_value(json_object_get(p, "query"));
	const char	*page;

	if (query == NULL || query[0] == '\0' || strlen(query) > 2048) {
		*cause = "param query: expected 1 to 2048 characters";
		return -1;
	}
	if (gmail_id(p, "page", &page, cause) == -1 ||
	    channel_tool_argv(cfg, ch, "gmail", a, cause) == -1)
		return -1;
	if (gmail_max(p, 10, a, cause) == -1) {
		tool_argv_free(a);
		return -1;
	}
	if (json_is_true(json_object_get(p, "messages")))
		tool_argv_add(a, "messages");
	tool_argv_add(a, "search");
	tool_argv_add(a, a->num[0]);
	/* Bodies are scrubbed with every other field of a row. */
	if (json_is_true(json_object_get(p, "messages")) &&
	    json_is_true(json_object_get(p, "include_body")))
		tool_argv_add(a, "--include-body");
	if (page != NULL)
		GMAIL_ADDF(a, cause, "--page=%s", page);
	tool_argv_add(a, "--");
	tool_argv_add(a, query);
	return 0;
}

int
cmdline_gmail_get(const struct config *cfg, const struct channel *ch,
    json_t *p, struct tool_argv *a, const char **cause)
{
	const char	*id, *format, *headers;
	json_t		*h = json_object_get(p, "headers");

	format = json_string_value(json_object_get(p, "format"));
	if (json_object_get(p, "format") == NULL)
		format = "full";
	/* raw hides MIME-encoded parts the scrubber cannot read. */
	if (format == NULL || (strcmp(format, "full") != 0 &&
	    strcmp(format, "metadata") != 0)) {
		*cause = "param format: expected full or metadata";
		return -1;
	}
	/* Header names (metadata only): letters, digits, '-' and ','. */
	headers = json_string_value(h);
	if (h != NULL && (headers == NULL || headers[0] == '\0' ||
	    strcmp(format, "metadata") != 0 ||
	    strspn(headers, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-,") != strlen(headers))) {
		*cause = "malformed params: headers";
		return -1;
	}
	if (gmail_id(p, "id", &id, cause) == -1)
		return -1;
	if (id == NULL) {
		*cause = "param id: required";
		return -1;
	}
	if (channel_tool_argv(cfg, ch, "gmail", a, cause) == -1)
		return -1;
	tool_argv_add(a, "get");
	tool_argv_add(a, strcmp(format, "full") == 0 ? "--format=full" :
	    "--format=metadata");
	if (headers != NULL)
		GMAIL_ADDF(a, cause, "--headers=%s", headers);
	tool_argv_add(a, "--");
	tool_argv_add(a, id);
	return 0;
}

/* gmail WORD VERB -- ID, the id taken from o[key]. */
static int
gmail_verb_id(const struct config *cfg, const struct channel *ch,
    const char *word, const char *verb, json_t *o, const char *key,
    struct tool_argv *a, const char **cause)
{
	const char	*id;

	if (gmail_id(o, key, &id, cause) == -1)
		return -1;
	if (id == NULL) {
		*cause = "malformed params: an id is required";
		return -1;
	}
	if (channel_tool_argv(cfg, ch, "gmail", a, cause) == -1)
		return -1;
	tool_argv_add(a, word);
	tool_argv_add(a, verb);
	tool_argv_add(a, "--");
	tool_argv_add(a, id);
	return 0;
}

int
cmdline_gmail_thread(const struct config *cfg, const struct channel *ch,
    json_t *p, struct tool_argv *a, const char **cause)
{
	return gmail_verb_id(cfg, ch, "thread", "get", p, "id", a, cause);
}

int
cmdline_gmail_labels(const struct config *cfg, const struct channel *ch,
    struct tool_argv *a, const char **cause)
{
	if (channel_tool_argv(cfg, ch, "gmail", a, cause) == -1)
		return -1;
	tool_argv_add(a, "labels");
	tool_argv_add(a, "list");
	return 0;
}

int
cmdline_gmail_drafts_list(const struct config *cfg, const struct channel *ch,
    json_t *p, struct tool_argv *a, const char **cause)
{
	const char	*page;

	if (gmail_id(p, "page", &page, cause) == -1 ||
	    channel_tool_argv(cfg, ch, "gmail", a, cause) == -1)
		return -1;
	if (gmail_max(p, 20, a, cause) == -1) {
		tool_argv_free(a);
		return -1;
	}
	tool_argv_add(a, "drafts");
	tool_argv_add(a, "list");
	tool_argv_add(a, a->num[0]);
	if (page != NULL)
		GMAIL_ADDF(a, cause, "--page=%s", page);
	return 0;
}

int
cmdline_gmail_drafts_get(const struct config *cfg, const struct channel *ch,
    json_t *p, struct tool_argv *a, const char **cause)
{
	return gmail_verb_id(cfg, ch, "drafts", "get", p, "id", a, cause);
}

int
cmdline_gmail_drafts_send(const struct config *cfg, const struct channel *ch,
    json_t *d, struct tool_argv *a, const char **cause)
{
	/* In draft mode the owner sends drafts, never the gateway. */
	if (GMAIL_OPTS(ch)->send == GMAIL_SEND_DRAFT) {
		*cause = "drafts are not sent in draft mode";
		return -1;
	}
	return gmail_verb_id(cfg, ch, "drafts", "send", d, "draft_id", a,
	    cause);
}

/* A header value: no CR, LF or other control character. */
static int
gmail_header_ok(const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/*
 * "--flag=a,b,c" from the delivery's list o[name] (appended when the
 * list is not empty, or always when required); 0, or -1 if malformed.
 */
static int
gmail_addresses(json_t *o, const char *name, const char *flag, int required,
    struct tool_argv *a, const char **cause)
{
	json_t		*list = json_object_get(o, name), *e;
	char		 out[GMAIL_ADDR_LIST_MAX];
	const char	*s;
	size_t		 i;

	if ((list == NULL && !required) || json_array_size(list) == 0) {
		if (!required && (list == NULL || json_is_array(list)))
			return 0;
		*cause = "malformed delivery: no recipient";
		return -1;
	}
	(void)snprintf(out, sizeof(out), "--%s=", flag);
	json_array_foreach(list, i, e) {
		if ((s = json_string_value(e)) == NULL || s[0] == '\0' ||
		    strchr(s, ',') != NULL || !gmail_header_ok(s) ||
		    (i > 0 && strlcat(out, ",", sizeof(out)) >= sizeof(out)) ||
		    strlcat(out, s, sizeof(out)) >= sizeof(out)) {
			*cause = "malformed or oversized delivery: an address";
			return -1;
		}
	}
	if (tool_argv_addf(a, "%s", out) == -1) {
		*cause = "out of memory";
		return -1;
	}
	return 0;
}

/* What drafts create and send share: recipients, subject, reply, files. */
static int
gmail_compose(const struct config *cfg, const struct channel *ch,
    json_t *d, int draft, struct tool_argv *a, const char **cause)
{
	json_t		*files = json_object_get(d, "files"), *f;
	const char	*subject, *reply, *s;
	size_t		 i;

	subject = json_string_value(json_object_get(d, "subject"));
	if (subject == NULL || !gmail_header_ok(subject) ||
	    strlen(subject) > 4096 - sizeof("--subject=")) {
		*cause = "malformed or oversized delivery: the subject";
		return -1;
	}
	if (gmail_id(d, "reply_to_message_id", &reply, cause) == -1)
		return -1;
	if ((json_string_value(json_object_get(d, "body")) == NULL) ==
	    (json_string_value(json_object_get(d, "body_html")) == NULL)) {
		*cause = "malformed delivery: not one body";
		return -1;
	}
	if ((files != NULL && !json_is_array(files)) ||
	    json_array_size(files) > RPC_MAX_FDS) {
		*cause = "malformed delivery: files";
		return -1;
	}
	json_array_foreach(files, i, f) {
		if ((s = json_string_value(f)) == NULL || s[0] != '/' ||
		    strlen(s) >= PATH_MAX) {
			*cause = "malformed delivery: a file is not a "
			    "spooled path";
			return -1;
		}
	}
	if (channel_tool_argv(cfg, ch, "gmail", a, cause) == -1)
		return -1;
	if (draft) {
		tool_argv_add(a, "drafts");
		tool_argv_add(a, "create");
	} else
		tool_argv_add(a, "send");
	if (gmail_addresses(d, "to", "to", 1, a, cause) == -1 ||
	    gmail_addresses(d, "cc", "cc", 0, a, cause) == -1 ||
	    gmail_addresses(d, "bcc", "bcc", 0, a, cause) == -1 ||
	    gmail_addresses(d, "reply_to", "reply-to", 0, a, cause) == -1) {
		tool_argv_free(a);
		return -1;
	}
	GMAIL_ADDF(a, cause, "--subject=%s", subject);
	if (reply != NULL)
		GMAIL_ADDF(a, cause, "--reply-to-message-id=%s", reply);
	json_array_foreach(files, i, f)
		GMAIL_ADDF(a, cause, "--attach=%s", json_string_value(f));
	return 0;
}

/*
 * The body on standard input: plain (--body-file=-) or HTML
 * (--body-html-file=-, which gog turns into a multipart/alternative
 * message: openclaw/gogcli, commit
 * 1a1341fd3a56d25fa57f0a092deef5612453692d and later,
 * internal/cmd/gmail_send.go and gmail_reply.go, resolveComposeBodyInputs).
 */
static void
gmail_body_flag(json_t *d, struct tool_argv *a)
{
	if (json_string_value(json_object_get(d, "body_html")) != NULL)
		tool_argv_add(a, "--body-html-file=-");
	else
		tool_argv_add(a, "--body-file=-");
}

int
cmdline_gmail_drafts_create(const struct config *cfg, const struct channel *ch,
    json_t *d, struct tool_argv *a, const char **cause)
{
	if (gmail_compose(cfg, ch, d, 1, a, cause) == -1)
		return -1;
	/*
	 * The body comes on standard input, off the command line: the
	 * newer gog's drafts create takes --body-file like send
	 * (openclaw/gogcli, commit 0682a1273c1c54dae72f7cf8a2630cf22fe6a606,
	 * internal/cmd/gmail_drafts.go, resolveComposeBodyInputs).
	 */
	gmail_body_flag(d, a);
	return 0;
}

int
cmdline_gmail_send(const struct config *cfg, const struct channel *ch,
    json_t *d, struct tool_argv *a, const char **cause)
{
	/* In draft mode every message becomes a draft for the owner. */
	if (GMAIL_OPTS(ch)->send == GMAIL_SEND_DRAFT) {
		*cause = "messages are not sent in draft mode";
		return -1;
	}
	if (gmail_compose(cfg, ch, d, 0, a, cause) == -1)
		return -1;
	/* The body comes on standard input, off the command line. */
	gmail_body_flag(d, a);
	return 0;
}
