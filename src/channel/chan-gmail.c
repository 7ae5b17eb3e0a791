/*
 * Inbound policy for Gmail-shaped messages as gog prints them: Gmail API
 * messages (gmail get, thread get, drafts get: snippet, payload headers,
 * base64url bodies in parts, raw), search items (id, date, from, subject,
 * labels) and message search items (the watcher's: plus threadId and
 * body).  One decision and one scrubber serve every path the agent can
 * read: search, get, thread, drafts, the watcher and the inbox.
 *
 * Scrubbing walks the whole object and scrubs every string except the
 * fields that are identifiers Gmail assigned (so a reply still names
 * its thread); base64url fields ("data", "raw") are decoded, scrubbed
 * and encoded again.  A field that cannot be decoded hides the message:
 * the agent must not read text the scrubber could not see.
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

#define DAY_MS		(24ULL * 60 * 60 * 1000)

static const char *gmail_sender(json_t *);
static void	 gmail_check(struct channel *, struct conf_report *);
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

const struct channel_driver gmail_driver = {
	.name = "gmail",
	.keys = gmail_keys,
	.nkeys = sizeof(gmail_keys) / sizeof(gmail_keys[0]),
	.opts_size = sizeof(struct gmail_opts),
	.check = gmail_check,
	.address_kinds = 1U << ADDR_EMAIL,
	.visible = gmail_message_visible,
	.scrub = gmail_message_scrub,
	.sender = gmail_sender,
	.tool_argv = gmail_argv,
	.warnings = gmail_warnings,
	.probe = gmail_probe,
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

/* Keys whose values are identifiers or metadata, never scrubbed. */
static const char *const gmail_keep_keys[] = {
	"id", "threadId", "messageId", "draftId", "historyId",
	"internalDate", "labelIds", "mimeType", "partId", "attachmentId",
	"nextPageToken", "name", "sizeEstimate", "size", "labels", NULL
};

static int
keep_key(const char *key)
{
	size_t	i;

	for (i = 0; gmail_keep_keys[i] != NULL; i++)
		if (strcmp(key, gmail_keep_keys[i]) == 0)
			return 1;
	return 0;
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

int
gmail_message_visible(const struct config *cfg, const struct channel *ch,
    json_t *m)
{
	char		 addr[ADDR_MAX], norm[ADDR_MAX], self[ADDR_MAX];
	const char	*account;
	enum addr_kind	 kind;

	if (!json_is_object(m))
		return 0;
	if (label_hidden(ch, json_object_get(m, "labelIds")) ||
	    label_hidden(ch, json_object_get(m, "labels")))
		return 0;
	if (gmail_address(gmail_message_from(m), addr, sizeof(addr)) == -1 ||
	    addr_normalize(addr, ch->region, norm, sizeof(norm), &kind,
	    NULL) == -1 || kind != ADDR_EMAIL)
		return ch->inbound_mode == INBOUND_OPEN;
	account = GMAIL_OPTS(ch)->account;
	if (account != NULL && addr_normalize(account, ch->region, self,
	    sizeof(self), &kind, NULL) == 0 && strcmp(self, norm) == 0)
		return ch->from_me;
	if (ch->inbound_mode == INBOUND_OPEN)
		return 1;
	return policy_inbound_visible(cfg, ch, norm);
}

static int
scrub_string(unsigned int scrub, json_t *v)
{
	char	*s;
	int	 changed = 0;

	if ((s = scrub_text(scrub, json_string_value(v), &changed)) == NULL)
		return -1;
	if (changed && json_string_set(v, s) == -1) {
		free(s);
		return -1;
	}
	free(s);
	return 0;
}

/* Decode, scrub and re-encode a base64url value; -1 if it cannot. */
static int
scrub_base64(unsigned int scrub, json_t *v)
{
	const char	*in = json_string_value(v);
	char		*plain, *s, *enc;
	size_t		 len;
	int		 changed = 0;

	if ((plain = base64url_decode(in, &len)) == NULL)
		return -1;
	/*
	 * A NUL inside: binary, which cannot be redacted in place.  Every
	 * NUL-separated run is still checked: one that would be scrubbed
	 * hides the message rather than pass a code through.
	 */
	if (memchr(plain, '\0', len) != NULL) {
		for (s = plain; s < plain + len && !changed;
		    s += strlen(s) + 1) {
			if ((enc = scrub_text(scrub, s, &changed)) == NULL)
				changed = 1;
			free(enc);
		}
		free(plain);
		return changed ? -1 : 0;
	}
	s = scrub_text(scrub, plain, &changed);
	free(plain);
	if (s == NULL)
		return -1;
	if (changed) {
		enc = base64url_encode(s, strlen(s),
		    strchr(in, '=') != NULL);
		if (enc == NULL || json_string_set(v, enc) == -1) {
			free(enc);
			free(s);
			return -1;
		}
		free(enc);
	}
	free(s);
	return 0;
}

static int
scrub_tree(unsigned int scrub, json_t *v, int depth)
{
	const char	*key;
	json_t		*e;
	size_t		 i;

	if (depth > 32)
		return -1;
	if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			if (json_is_string(e)) {
				if (scrub_string(scrub, e) == -1)
					return -1;
			} else if (scrub_tree(scrub, e, depth + 1) == -1)
				return -1;
		}
		return 0;
	}
	if (!json_is_object(v))
		return 0;
	json_object_foreach(v, key, e) {
		if (keep_key(key))
			continue;
		if (json_is_string(e)) {
			if (strcmp(key, "data") == 0 ||
			    strcmp(key, "raw") == 0) {
				if (scrub_base64(scrub, e) == -1)
					return -1;
			} else if (scrub_string(scrub, e) == -1)
				return -1;
		} else if (scrub_tree(scrub, e, depth + 1) == -1)
			return -1;
	}
	return 0;
}

int
gmail_message_scrub(const struct channel *ch, json_t *m)
{
	if (ch->scrub == 0)
		return 0;
	return scrub_tree(ch->scrub, m, 0);
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
