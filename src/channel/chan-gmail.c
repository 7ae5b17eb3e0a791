/*
 * Inbound policy for Gmail-shaped messages as gog prints them: Gmail API
 * messages (gmail get, thread get, drafts get: snippet, payload headers,
 * base64url bodies in parts, raw), search items (id, date, from, subject,
 * labels) and message search items (the watcher's: plus threadId and
 * body).  One decision and one schema serve every path the agent can
 * read: search, get, thread, drafts, the watcher and the inbox.
 *
 * What the agent reads of them is rebuilt from the schemas below.
 */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "compat.h"
#include "base64url.h"
#include "chan-gmail.h"
#include "channel.h"
#include "policy.h"
#include "schema.h"
#include "spawn.h"

#define DAY_MS		(24ULL * 60 * 60 * 1000)
#define GOG_EXIT_RATE	7	/* gog: rate limited */
#define GOG_EXIT_RETRY	8	/* gog: retryable, timeout */

static const char *gmail_sender(json_t *);
static void	 gmail_check(struct channel *, struct conf_report *);
static int	 gmail_owner_text(const struct config *,
		    const struct channel *, json_t *, const char *,
		    const char **);
static size_t	 gmail_texts(json_t *, const char **, size_t);
static int	 gmail_argv(const struct config *, const struct channel *,
		    const char *, struct tool_argv *, const char **);

static const char *const gmail_send_modes[] = {
	[GMAIL_SEND_DRAFT] = "draft",
	[GMAIL_SEND_SEND] = "send",
	NULL
};

static const struct conf_key gmail_keys[] = {
	{ .name = "account", .type = CONF_STRING,
	  .offset = offsetof(struct gmail_opts, account) },
	{ .name = "send", .type = CONF_NAME,
	  .offset = offsetof(struct gmail_opts, send),
	  .names = gmail_send_modes },
	{ .name = "poll", .type = CONF_DURATION, .flags = CONF_KEY_COMMON,
	  .offset = offsetof(struct channel, poll_ms),
	  .min = 1000, .max = DAY_MS },
};

/* channels.gmail.inbound's own keys. */
static const struct conf_key gmail_inbound_keys[] = {
	{ .name = "require_auth", .type = CONF_BOOL,
	  CONF_FIELD(struct channel, require_auth), .default_value = 1 },
};

/*
 * gog takes a message's subject and recipients only as options
 * (steipete/gogcli and openclaw/gogcli internal/cmd/gmail_send.go,
 * gmail_drafts.go), where every local user can read them while it runs
 * (/proc/PID/cmdline); bodies go on its standard input.
 */
static const char *const gmail_warnings[] = {
	"gog takes a message's subject and recipients only on its command "
	"line (--subject=, --to=, --cc=, --bcc=), which every local user "
	"can read while it runs; bodies go on its standard input",
	"drafts need a gog whose \"gmail drafts create\" takes --body-file "
	"(openclaw/gogcli); an older one fails every draft",
	NULL
};

static int	 gmail_probe(const struct config *, const struct channel *,
		    char *, size_t);
/*
 * What an agent reads of gog's JSON.  A message is the Gmail API's
 * (users.messages resource: id, threadId, labelIds, snippet,
 * historyId, internalDate, sizeEstimate, raw, payload; a MessagePart:
 * partId, mimeType, filename, headers[] {name, value}, body
 * {attachmentId, size, data}, parts[]), which gog prints as the API
 * returns it, or one of gog's search items (steipete/gogcli
 * 9a2a505d83207ebee59e6c9ae5185bab8e7d020b, internal/cmd/gmail.go:
 * id, date, from, subject, labels; message search adds threadId and,
 * with --include-body, body).  The document shape is a whole answer:
 * gmail get's {message, headers {from, to, cc, bcc, subject, date},
 * body} (internal/cmd/gmail_get.go), thread get's {thread {id,
 * snippet, historyId, messages}} (gmail_thread.go), drafts list's {drafts [{id,
 * messageId, threadId}], nextPageToken} (gmail_drafts.go).  Anything
 * else is dropped (schema.h), among it the "downloaded" list of thread
 * and drafts get (paths where gog saved attachments, in the carapace
 * account).  Headers keep every name, each value scrubbed: the inbound
 * decision reads From and Authentication-Results there.  base64url
 * bodies are decoded, scrubbed and encoded again; one that cannot be
 * decoded is dropped.
 */
static const struct schema_field gmail_header_fields[] = {
	{ "name", SCHEMA_ID, NULL },
	{ "value", SCHEMA_TEXT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field gmail_body_fields[] = {
	{ "attachmentId", SCHEMA_ID, NULL },
	{ "size", SCHEMA_INT, NULL },
	{ "data", SCHEMA_BASE64_TEXT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field gmail_part_fields[] = {
	{ "partId", SCHEMA_ID, NULL },
	{ "mimeType", SCHEMA_ID, NULL },
	{ "filename", SCHEMA_TEXT, NULL },
	{ "headers", SCHEMA_OBJECT | SCHEMA_ARRAY, gmail_header_fields },
	{ "body", SCHEMA_OBJECT, gmail_body_fields },
	{ "parts", SCHEMA_OBJECT | SCHEMA_ARRAY, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field gmail_message_fields[] = {
	{ "id", SCHEMA_ID, NULL },
	{ "threadId", SCHEMA_ID, NULL },
	{ "labelIds", SCHEMA_ID | SCHEMA_ARRAY, NULL },
	{ "snippet", SCHEMA_TEXT, NULL },
	{ "historyId", SCHEMA_ID, NULL },
	{ "internalDate", SCHEMA_ID, NULL },
	{ "sizeEstimate", SCHEMA_INT, NULL },
	{ "raw", SCHEMA_BASE64_TEXT, NULL },
	{ "payload", SCHEMA_OBJECT, gmail_part_fields },
	{ "date", SCHEMA_TEXT, NULL },
	{ "from", SCHEMA_TEXT, NULL },
	{ "subject", SCHEMA_TEXT, NULL },
	{ "labels", SCHEMA_TEXT | SCHEMA_ARRAY, NULL },
	{ "body", SCHEMA_TEXT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field gmail_flat_header_fields[] = {
	{ "from", SCHEMA_TEXT, NULL },
	{ "to", SCHEMA_TEXT, NULL },
	{ "cc", SCHEMA_TEXT, NULL },
	{ "bcc", SCHEMA_TEXT, NULL },
	{ "subject", SCHEMA_TEXT, NULL },
	{ "date", SCHEMA_TEXT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field gmail_draft_fields[] = {
	{ "id", SCHEMA_ID, NULL },
	{ "messageId", SCHEMA_ID, NULL },
	{ "threadId", SCHEMA_ID, NULL },
	{ "message", SCHEMA_OBJECT, gmail_message_fields },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field gmail_thread_fields[] = {
	{ "id", SCHEMA_ID, NULL },
	{ "snippet", SCHEMA_TEXT, NULL },
	{ "historyId", SCHEMA_ID, NULL },
	{ "messages", SCHEMA_OBJECT | SCHEMA_ARRAY, gmail_message_fields },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field gmail_document_fields[] = {
	{ "message", SCHEMA_OBJECT, gmail_message_fields },
	{ "thread", SCHEMA_OBJECT, gmail_thread_fields },
	{ "headers", SCHEMA_OBJECT, gmail_flat_header_fields },
	{ "body", SCHEMA_TEXT, NULL },
	{ "drafts", SCHEMA_OBJECT | SCHEMA_ARRAY, gmail_draft_fields },
	{ "nextPageToken", SCHEMA_ID, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static int
gmail_account(const struct channel *ch, char *out, size_t outlen)
{
	return channel_account(ch, GMAIL_OPTS(ch)->account, out, outlen);
}

const struct channel_driver gmail_driver = {
	.name = "gmail",
	.keys = gmail_keys,
	.nkeys = sizeof(gmail_keys) / sizeof(gmail_keys[0]),
	.opts_size = sizeof(struct gmail_opts),
	.inbound_keys = gmail_inbound_keys,
	.ninbound_keys = sizeof(gmail_inbound_keys) /
	    sizeof(gmail_inbound_keys[0]),
	.check = gmail_check,
	.address_kinds = 1U << ADDR_EMAIL,
	.visible = gmail_message_visible,
	.sender = gmail_sender,
	.schema = {
		[INBOUND_MESSAGE] = gmail_message_fields,
		[INBOUND_DOCUMENT] = gmail_document_fields,
	},
	.tool_argv = gmail_argv,
	.warnings = gmail_warnings,
	.probe = gmail_probe,
	.account = gmail_account,
	.owner_text = gmail_owner_text,
	.texts = gmail_texts,
};

static void
gmail_check(struct channel *ch, struct conf_report *r)
{
	(void)ch;
	if (!conf_key_seen(r, "tool"))
		conf_problem(r, "missing required key \"tool\"");
}

/* The fixed head of every gog command line; command is always gmail. */
static int
gmail_argv(const struct config *cfg, const struct channel *ch,
    const char *command, struct tool_argv *a, const char **cause)
{
	const struct gmail_opts	*o = GMAIL_OPTS(ch);

	(void)cfg;
	if (o->account == NULL) {
		*cause = "no account configured";
		return -1;
	}
	tool_argv_reset(a);
	tool_argv_add(a, ch->tool);
	tool_argv_add(a, "--account");
	tool_argv_add(a, o->account);
	tool_argv_add(a, "--json");
	tool_argv_add(a, "--no-input");
	tool_argv_add(a, command);
	return 0;
}

/* The From address, for the audit record of a hidden message. */
static const char *
gmail_sender(json_t *msg)
{
	static char	addr[ADDR_MAX];

	if (gmail_address(gmail_message_from(msg), addr, sizeof(addr)) == -1)
		return NULL;
	return addr;
}

int
gmail_address(const char *from, char *out, size_t outlen)
{
	const char	*lt, *gt;
	size_t		 n;

	if (from == NULL)
		return -1;
	if ((lt = strrchr(from, '<')) != NULL) {
		/* Nothing but blanks after '>': no second address there. */
		if ((gt = strchr(lt, '>')) == NULL ||
		    gt[1 + strspn(gt + 1, " \t")] != '\0')
			return -1;
		from = lt + 1;
		n = (size_t)(gt - from);
	} else {
		while (*from == ' ' || *from == '\t')
			from++;
		n = strlen(from);
		while (n > 0 && (from[n - 1] == ' ' || from[n - 1] == '\t'))
			n--;
	}
	if (n == 0 || n >= outlen || memchr(from, ',', n) != NULL ||
	    memchr(from, '@', n) == NULL)
		return -1;
	memcpy(out, from, n);
	out[n] = '\0';
	return 0;
}

/* The From of a message in any of gog's shapes; NULL if none. */
const char *
gmail_message_from(json_t *m)
{
	json_t		*h, *payload;
	const char	*name;
	size_t		 i;

	if (json_is_string(json_object_get(m, "from")))
		return json_string_value(json_object_get(m, "from"));
	payload = json_object_get(m, "payload");
	json_array_foreach(json_object_get(payload, "headers"), i, h) {
		name = json_string_value(json_object_get(h, "name"));
		if (name != NULL && strcasecmp(name, "From") == 0)
			return json_string_value(json_object_get(h, "value"));
	}
	return NULL;
}

static int
label_hidden(const struct channel *ch, json_t *labels)
{
	json_t		*l;
	size_t		 i, j;
	const char	*s;

	json_array_foreach(labels, i, l) {
		if ((s = json_string_value(l)) == NULL)
			continue;
		for (j = 0; j < ch->hide_labels.count; j++)
			if (strcasecmp(s, ch->hide_labels.items[j]) == 0)
				return 1;
	}
	return 0;
}

static int
has_label(json_t *m, const char *want)
{
	json_t	*l;
	size_t	 i;

	json_array_foreach(json_object_get(m, "labelIds"), i, l)
		if (json_is_string(l) &&
		    strcmp(json_string_value(l), want) == 0)
			return 1;
	json_array_foreach(json_object_get(m, "labels"), i, l)
		if (json_is_string(l) &&
		    strcmp(json_string_value(l), want) == 0)
			return 1;
	return 0;
}

/*
 * The normalised address of one entry of an address header (to out), or
 * -1.  Commas inside quotes or angle brackets do not split entries.
 */
static int
each_address(const struct channel *ch, const char **list, char *out,
    size_t outlen)
{
	char		 entry[1024], addr[ADDR_MAX];
	const char	*p, *start = *list;
	enum addr_kind	 kind;
	int		 quoted = 0, angle = 0;
	size_t		 n;

	for (p = start; *p != '\0' && (*p != ',' || quoted || angle); p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '<' && !quoted)
			angle = 1;
		else if (*p == '>' && !quoted)
			angle = 0;
	}
	n = (size_t)(p - start);
	*list = *p == ',' ? p + 1 : p;
	if (n >= sizeof(entry))
		return -1;
	memcpy(entry, start, n);
	entry[n] = '\0';
	if (strspn(entry, " \t\r\n") == n) {
		out[0] = '\0';
		return 0;
	}
	if (gmail_address(entry, addr, sizeof(addr)) == -1 ||
	    addr_normalize(addr, ch->region, out, outlen, &kind, NULL) == -1 ||
	    kind != ADDR_EMAIL)
		return -1;
	return 0;
}

/*
 * The owner's own message belongs to a conversation with its recipients:
 * visible only when it has one and every one (To, Cc, Bcc) is the owner
 * or allowed.  Without the headers it cannot be told: hidden.
 */
static int
recipients_visible(const struct config *cfg, const struct channel *ch,
    json_t *headers, const char *self)
{
	json_t		*h;
	const char	*name, *list;
	char		 norm[ADDR_MAX];
	size_t		 i, count = 0;

	json_array_foreach(headers, i, h) {
		name = json_string_value(json_object_get(h, "name"));
		list = json_string_value(json_object_get(h, "value"));
		if (name == NULL || list == NULL ||
		    (strcasecmp(name, "To") != 0 &&
		    strcasecmp(name, "Cc") != 0 &&
		    strcasecmp(name, "Bcc") != 0))
			continue;
		while (*list != '\0') {
			if (each_address(ch, &list, norm, sizeof(norm)) == -1)
				return 0;
			if (norm[0] == '\0')
				continue;
			count++;
			if (strcmp(norm, self) != 0 &&
			    ch->inbound_mode != INBOUND_OPEN &&
			    !policy_inbound_visible(cfg, ch, norm))
				return 0;
		}
	}
	return count > 0;
}

int
gmail_message_visible(const struct config *cfg, const struct channel *ch,
    json_t *m)
{
	char		 addr[ADDR_MAX], norm[ADDR_MAX], self[ADDR_MAX];
	char		 other[ADDR_MAX];
	const char	*account, *from;
	json_t		*headers, *h;
	enum addr_kind	 kind;
	size_t		 i;
	int		 verified, froms = 0;

	if (!json_is_object(m))
		return 0;
	if (label_hidden(ch, json_object_get(m, "labelIds")) ||
	    label_hidden(ch, json_object_get(m, "labels")))
		return 0;
	if (gmail_address(gmail_message_from(m), addr, sizeof(addr)) == -1 ||
	    addr_normalize(addr, ch->region, norm, sizeof(norm), &kind,
	    NULL) == -1 || kind != ADDR_EMAIL)
		return ch->inbound_mode == INBOUND_OPEN;
	/*
	 * A search item the read path completed with the message's headers
	 * (GMAIL_VERIFY_HEADERS): their From must be the item's.
	 */
	headers = json_object_get(json_object_get(m, "payload"), "headers");
	verified = 1;
	json_array_foreach(headers, i, h) {
		if ((from = json_string_value(json_object_get(h, "name"))) ==
		    NULL || strcasecmp(from, "From") != 0)
			continue;
		froms++;
		if (gmail_address(json_string_value(json_object_get(h,
		    "value")), addr, sizeof(addr)) == -1 ||
		    addr_normalize(addr, ch->region, other, sizeof(other),
		    &kind, NULL) == -1 || strcmp(other, norm) != 0)
			verified = 0;
	}
	verified = verified && froms == 1 &&
	    gmail_auth_verified(headers, norm);
	account = GMAIL_OPTS(ch)->account;
	/*
	 * The owner's own: From the account and, unless From is trusted,
	 * sent from it (SENT, which no other sender can set) or
	 * authenticated.  A forged From of the owner is a stranger's.
	 */
	if (account != NULL && addr_normalize(account, ch->region, self,
	    sizeof(self), &kind, NULL) == 0 && strcmp(self, norm) == 0 &&
	    (!ch->require_auth || verified || has_label(m, "SENT")))
		return ch->from_me && recipients_visible(cfg, ch, headers,
		    self);
	if (ch->inbound_mode == INBOUND_OPEN)
		return 1;
	if (ch->require_auth && !verified)
		return 0;
	return policy_inbound_visible(cfg, ch, norm);
}

int
gmail_item_candidate(const struct config *cfg, const struct channel *ch,
    json_t *item)
{
	char		 addr[ADDR_MAX], norm[ADDR_MAX], self[ADDR_MAX];
	const char	*account = GMAIL_OPTS(ch)->account;
	enum addr_kind	 kind;

	if (!json_is_object(item) || json_object_get(json_object_get(item,
	    "payload"), "headers") != NULL ||
	    label_hidden(ch, json_object_get(item, "labelIds")) ||
	    label_hidden(ch, json_object_get(item, "labels")))
		return 0;
	if (gmail_address(gmail_message_from(item), addr, sizeof(addr)) == -1 ||
	    addr_normalize(addr, ch->region, norm, sizeof(norm), &kind,
	    NULL) == -1 || kind != ADDR_EMAIL)
		return 0;
	/* The owner's: its recipients decide. */
	if (account != NULL && addr_normalize(account, ch->region, self,
	    sizeof(self), &kind, NULL) == 0 && strcmp(self, norm) == 0)
		return ch->from_me;
	/* Open, or From trusted: the headers would change nothing. */
	if (ch->inbound_mode == INBOUND_OPEN || !ch->require_auth)
		return 0;
	return policy_inbound_visible(cfg, ch, norm);
}

/* The first message of a gog thread document (gog's search shows it). */
static json_t *
first_message(json_t *thread)
{
	json_t		*m, *first = NULL;
	const char	*d, *fd = NULL;
	size_t		 i;

	json_array_foreach(json_object_get(thread, "messages"), i, m) {
		d = json_string_value(json_object_get(m, "internalDate"));
		if (first == NULL || (d != NULL && fd != NULL &&
		    (strlen(d) < strlen(fd) || (strlen(d) == strlen(fd) &&
		    strcmp(d, fd) < 0)))) {
			first = m;
			fd = d;
		}
	}
	return first;
}

int
gmail_complete_item(const struct config *cfg, const struct channel *ch,
    json_t *item, uint64_t timeout_ms)
{
	struct tool_argv	 a;
	struct spawn_result	 res;
	const char		*id, *name, *cause = NULL;
	json_t			*doc, *msg, *h, *headers;
	size_t			 i;
	int			 thread, r = 1;

	id = json_string_value(json_object_get(item, "id"));
	if (id == NULL || id[0] == '-')
		return 1;
	if (timeout_ms == 0 || gmail_argv(cfg, ch, "gmail", &a, &cause) == -1)
		return -1;
	/* A thread search item has no threadId: it is the thread's id. */
	if ((thread = json_object_get(item, "threadId") == NULL)) {
		tool_argv_add(&a, "thread");
		tool_argv_add(&a, "get");
	} else {
		tool_argv_add(&a, "get");
		tool_argv_add(&a, "--format=metadata");
		tool_argv_add(&a, "--headers=" GMAIL_VERIFY_HEADERS);
	}
	tool_argv_add(&a, "--");
	tool_argv_add(&a, id);
	if (spawn_run(ch->tool, (char *const *)a.v, spawn_default_env(), -1,
	    timeout_ms, ch->max_output, &res) == -1) {
		tool_argv_free(&a);
		return -1;
	}
	tool_argv_free(&a);
	/* Rate limited or retryable (gog's exits 7, 8), or cut off: later. */
	if (res.timed_out || !res.exited || res.status == GOG_EXIT_RATE ||
	    res.status == GOG_EXIT_RETRY)
		r = -1;
	else if (res.status == 0 && (doc = json_loadb(res.out, res.outlen,
	    JSON_REJECT_DUPLICATES, NULL)) != NULL) {
		/* Gmail's answer for that id, or nothing. */
		if (thread) {
			msg = json_object_get(doc, "thread");
			if (!json_is_string(json_object_get(msg, "id")) ||
			    strcmp(json_string_value(json_object_get(msg,
			    "id")), id) != 0)
				msg = NULL;
			msg = first_message(msg);
		} else {
			msg = json_object_get(doc, "message");
			if (!json_is_string(json_object_get(msg, "id")) ||
			    strcmp(json_string_value(json_object_get(msg,
			    "id")), id) != 0)
				msg = NULL;
		}
		headers = json_array();
		json_array_foreach(json_object_get(json_object_get(msg,
		    "payload"), "headers"), i, h) {
			name = json_string_value(json_object_get(h, "name"));
			if (name != NULL && (strcasecmp(name, "From") == 0 ||
			    strcasecmp(name, "To") == 0 ||
			    strcasecmp(name, "Cc") == 0 ||
			    strcasecmp(name, "Bcc") == 0 ||
			    strcasecmp(name, "Authentication-Results") == 0))
				json_array_append(headers, h);
		}
		if (msg != NULL && json_object_set_new(item, "payload",
		    json_pack("{s:o}", "headers", headers)) == 0)
			r = 0;
		else if (msg == NULL)
			json_decref(headers);
		json_decref(doc);
	}
	spawn_result_free(&res);
	return r;
}

/*
 * gog gmail labels list for the account: a read that needs the
 * account's token, and changes nothing.
 */
static int
gmail_probe(const struct config *cfg, const struct channel *ch,
    char *answer, size_t len)
{
	static const char *const args[] = { "labels", "list", NULL };

	return channel_probe_tool(cfg, ch, "gmail", args, answer, len);
}

/* A header's value in a Gmail API message's payload, or NULL. */
static const char *
header_value(json_t *m, const char *want)
{
	json_t		*h;
	const char	*name;
	size_t		 i;

	json_array_foreach(json_object_get(json_object_get(m, "payload"),
	    "headers"), i, h) {
		name = json_string_value(json_object_get(h, "name"));
		if (name != NULL && strcasecmp(name, want) == 0)
			return json_string_value(json_object_get(h, "value"));
	}
	return NULL;
}

/* The first text/plain part's base64url data, depth first, or NULL. */
static const char *
plain_part(json_t *part, int depth)
{
	json_t		*p;
	const char	*type, *data;
	size_t		 i;

	if (depth > 4 || !json_is_object(part))
		return NULL;
	type = json_string_value(json_object_get(part, "mimeType"));
	if (type != NULL && strcasecmp(type, "text/plain") == 0)
		return json_string_value(json_object_get(json_object_get(part,
		    "body"), "data"));
	json_array_foreach(json_object_get(part, "parts"), i, p)
		if ((data = plain_part(p, depth + 1)) != NULL)
			return data;
	return NULL;
}

/*
 * The first non-empty line of s into buf (blanks around it dropped), or
 * NULL when there is none.
 */
static const char *
first_line(const char *s, char *buf, size_t len)
{
	size_t	n;

	s += strspn(s, " \t\r\n");
	if (*s == '\0')
		return NULL;
	n = strcspn(s, "\r\n");
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

/*
 * The text a command is read from: the first non-empty line of the
 * body (the watcher's body, or the first text/plain part of a Gmail API
 * message), else the subject.  The body first: a mail client puts the
 * owner's answer above the quoted notice, and keeps the notice's
 * subject behind "Re:".  Borrowed from a buffer that the next call
 * reuses.
 */
static const char *
gmail_command_text(json_t *m)
{
	static char	 line[1024];
	const char	*body, *data, *t;
	char		*dec;
	size_t		 n;

	if ((body = json_string_value(json_object_get(m, "body"))) != NULL)
		return (t = first_line(body, line, sizeof(line))) != NULL ? t :
		    json_string_value(json_object_get(m, "subject"));
	if ((data = plain_part(json_object_get(m, "payload"), 0)) != NULL &&
	    (dec = base64url_decode(data, &n)) != NULL) {
		t = first_line(dec, line, sizeof(line));
		free(dec);
		if (t != NULL)
			return t;
	}
	if ((t = json_string_value(json_object_get(m, "subject"))) != NULL)
		return t;
	return header_value(m, "Subject");
}

/*
 * The owner's command (doc/approvals.md), on a message as gog prints it
 * (steipete/gogcli: the Gmail API message of gmail get, or the
 * watcher's search item with body).  From is the owner's address, and
 * the only From; Gmail authenticated it (Authentication-Results, as
 * inbound.require_auth reads them: carapacectl check requires it on an
 * approvals channel); it is not the account's, nor SENT or a DRAFT
 * (the account's own).
 */
static int
gmail_owner_text(const struct config *cfg, const struct channel *ch,
    json_t *m, const char *identity, const char **text)
{
	json_t		*h;
	const char	*name;
	char		 addr[ADDR_MAX], norm[ADDR_MAX], self[ADDR_MAX];
	enum addr_kind	 kind;
	size_t		 i, froms = 0;

	(void)cfg;
	if (!json_is_object(m) || has_label(m, "SENT") ||
	    has_label(m, "DRAFT") ||
	    gmail_address(gmail_message_from(m), addr, sizeof(addr)) == -1 ||
	    addr_normalize(addr, ch->region, norm, sizeof(norm), &kind,
	    NULL) == -1 || kind != ADDR_EMAIL || strcmp(norm, identity) != 0)
		return 0;
	if (gmail_account(ch, self, sizeof(self)) == 1 &&
	    strcmp(self, norm) == 0)
		return 0;
	json_array_foreach(json_object_get(json_object_get(m, "payload"),
	    "headers"), i, h) {
		name = json_string_value(json_object_get(h, "name"));
		if (name == NULL || strcasecmp(name, "From") != 0)
			continue;
		froms++;
		if (gmail_address(json_string_value(json_object_get(h,
		    "value")), addr, sizeof(addr)) == -1 ||
		    addr_normalize(addr, ch->region, self, sizeof(self),
		    &kind, NULL) == -1 || strcmp(self, norm) != 0)
			return 0;
	}
	if (froms != 1 || !gmail_auth_verified(json_object_get(
	    json_object_get(m, "payload"), "headers"), norm))
		return 0;
	return (*text = gmail_command_text(m)) != NULL;
}

/*
 * Where a notice's text can be: the whole body (the watcher's, or the
 * first text/plain part), its first line, the subject.  A snippet is
 * Gmail's cut of the body and matches nothing.
 */
static size_t
gmail_texts(json_t *m, const char **out, size_t max)
{
	static char	 whole[16384];
	const char	*t, *data;
	char		*dec;
	size_t		 n = 0, len;

	if (n < max && (t = json_string_value(json_object_get(m, "body"))) !=
	    NULL)
		out[n++] = t;
	else if (n < max && (data = plain_part(json_object_get(m, "payload"),
	    0)) != NULL && (dec = base64url_decode(data, &len)) != NULL) {
		if (strlcpy(whole, dec, sizeof(whole)) < sizeof(whole))
			out[n++] = whole;
		free(dec);
	}
	if (n < max && (t = gmail_command_text(m)) != NULL)
		out[n++] = t;
	if (n < max && (t = json_string_value(json_object_get(m,
	    "subject"))) != NULL)
		out[n++] = t;
	if (n < max && (t = header_value(m, "Subject")) != NULL)
		out[n++] = t;
	return n;
}
