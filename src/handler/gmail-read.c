/*
 * The Gmail read paths' answers that must not tell hidden mail from no
 * mail (adapter-gmail.c calls these).
 *
 * Search pages are computed over visible results only: the handler
 * reads gog's pages until it has max visible threads, and advertises a
 * next page only when it has seen a visible thread beyond them.  When
 * that thread starts one of gog's pages, the token is gog's own (as gog
 * would print it); inside one, the handler's ("cp1:SIZE:SKIP:GOGTOKEN":
 * on gog's page GOGTOKEN, empty for the first, of SIZE rows, at offset
 * SKIP).  Gog's own tokens are taken as pages of the client's max.  When no visible
 * thread turns up within GMAIL_PAGE_RUNS pages of gog, no next page is
 * advertised: an empty page after a full one would count hidden ones.
 *
 * A search item carries From and labels only (gog asks Gmail for From,
 * Subject and Date: steipete/gogcli 9a2a505 internal/cmd/gmail.go,
 * openclaw/gogcli internal/cmd/gmail_messages.go), not the
 * Authentication-Results that say whether From is true, nor the
 * recipients of the owner's own mail: each item that may be shown is
 * completed with them first (gmail_complete_item: gog gmail thread get
 * for a thread), and they are removed again before the answer.
 *
 * A message or thread the agent may not see gets gog's own answer for
 * one that does not exist, and gog's not-found is given in that one
 * canonical form whatever gog printed, so the two cannot differ.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "compat.h"
#include "chan-gmail.h"
#include "channel.h"
#include "gmail-read.h"
#include "handler.h"
#include "log.h"
#include "policy.h"
#include "protocol.h"
#include "spawn.h"
#include "util.h"

#define GMAIL_PAGE_RUNS		20	/* gog pages one search may read */
#define GMAIL_PAGE_PREFIX	"cp1:"
#define GMAIL_PAGE_SIZE_MAX	500	/* gog search --max, as check_max */

/*
 * gog's exit status and message for an id Gmail does not know (404):
 * internal/errfmt/errfmt.go (steipete/gogcli 9a2a505) prints "Google
 * API error (CODE REASON): MESSAGE"; the gog TOOLS.md describes exits 5.
 */
#define GOG_EXIT_NOT_FOUND	5
#define GOG_NOT_FOUND_TEXT	"Google API error (404 notFound): Requested " \
				"entity was not found.\n"

struct page {
	long long	 size;		/* gog's page size */
	long long	 skip;		/* threads to pass on that page */
	char		 gog[257];	/* gog's token; "" for the first */
};

int
gmail_not_found(struct call *c, int hidden)
{
	if (hidden)
		c->rule = "inbound";
	c->outcome = AUDIT_OUTCOME_FAILED;
	return call_error(c, CP_ERR_TOOL_FAILED, json_pack("{s:i,s:s}",
	    "exit_status", GOG_EXIT_NOT_FOUND, "stderr", GOG_NOT_FOUND_TEXT),
	    "%s failed (exit status %d)", c->channel, GOG_EXIT_NOT_FOUND);
}

void
gmail_canonical_not_found(struct call *c)
{
	const char	*err;

	if (c->code != CP_ERR_TOOL_FAILED)
		return;
	err = json_string_value(json_object_get(c->data, "stderr"));
	if (json_integer_value(json_object_get(c->data, "exit_status")) ==
	    GOG_EXIT_NOT_FOUND || (err != NULL && strstr(err, "(404") != NULL))
		(void)gmail_not_found(c, 0);
}

int
gmail_read_decide(struct call *c, const struct channel *ch, json_t *m)
{
	uint64_t	timeout;
	int		clamped, completed = 0, visible;

	if (gmail_item_candidate(c->env->cfg, ch, m)) {
		timeout = tool_time_left(c, ch->timeout_ms, &clamped);
		/* Unasked is not hidden: the answer would be short. */
		switch (gmail_complete_item(c->env->cfg, ch, m, timeout)) {
		case -1:
			if (clamped || timeout == 0)
				return tool_deadline(c);
			c->outcome = AUDIT_OUTCOME_FAILED;
			return call_error(c, CP_ERR_TOOL_FAILED,
			    json_pack("{s:i,s:s}", "exit_status", 8, "stderr",
			    "cannot check a sender now"),
			    "%s: cannot check a sender now", c->channel);
		case 0:
			completed = 1;
			break;
		}
	}
	visible = inbound_message_visible(c->env->cfg, ch, m) &&
	    inbound_scrub(ch, m) == 0;
	/* What the item did not carry, it does not carry out. */
	if (completed)
		json_object_del(m, "payload");
	return visible;
}

/* Is name in the comma-separated list? */
static int
listed(const char *list, const char *name)
{
	size_t	n = strlen(name), len;

	while (*list != '\0') {
		len = strcspn(list, ",");
		if (len == n && strncasecmp(list, name, n) == 0)
			return 1;
		list += len + (list[len] == ',');
	}
	return 0;
}

void
gmail_read_trim(json_t *doc, const char *wanted)
{
	json_t		*headers, *h, *map = json_object_get(doc, "headers");
	const char	*name;
	size_t		 i;

	headers = json_object_get(json_object_get(json_object_get(doc,
	    "message"), "payload"), "headers");
	for (i = json_array_size(headers); i-- > 0;) {
		h = json_array_get(headers, i);
		name = json_string_value(json_object_get(h, "name"));
		if (name != NULL && listed(GMAIL_VERIFY_HEADERS, name) &&
		    !listed(wanted, name))
			json_array_remove(headers, i);
	}
	json_object_foreach(map, name, h)
		if (listed(GMAIL_VERIFY_HEADERS, name) &&
		    !listed(wanted, name) && json_is_string(h))
			json_string_set(h, "");
}

/* The client's page param; 0, or -1 with the call's error. */
static int
page_parse(struct call *c, const char *param, long long max, struct page *pg)
{
	const char	*s, *errstr = NULL;
	char		 num[24];
	size_t		 n;

	pg->size = max;
	pg->skip = 0;
	pg->gog[0] = '\0';
	if (param == NULL)
		return 0;
	if (strncmp(param, GMAIL_PAGE_PREFIX, strlen(GMAIL_PAGE_PREFIX)) != 0) {
		if (strlcpy(pg->gog, param, sizeof(pg->gog)) >= sizeof(pg->gog))
			goto bad;
		return 0;
	}
	s = param + strlen(GMAIL_PAGE_PREFIX);
	if ((n = strcspn(s, ":")) == 0 || n >= sizeof(num) || s[n] != ':')
		goto bad;
	memcpy(num, s, n);
	num[n] = '\0';
	pg->size = strtonum(num, 1, GMAIL_PAGE_SIZE_MAX, &errstr);
	if (errstr != NULL)
		goto bad;
	s += n + 1;
	if ((n = strcspn(s, ":")) == 0 || n >= sizeof(num) || s[n] != ':')
		goto bad;
	memcpy(num, s, n);
	num[n] = '\0';
	pg->skip = strtonum(num, 0, pg->size - 1, &errstr);
	if (errstr != NULL || strlcpy(pg->gog, s + n + 1, sizeof(pg->gog)) >=
	    sizeof(pg->gog))
		goto bad;
	return 0;
bad:
	return call_error(c, RPC_INVALID_PARAMS, NULL,
	    "param page: not a page token");
}

/*
 * One gog search page, the client's params with the page's size and
 * token; the document, or NULL with the call's error.
 */
static json_t *
search_page(struct call *c, const struct channel *ch, const struct page *pg,
    const char *key, gmail_search_builder build)
{
	struct tool_argv	 a;
	struct spawn_result	 res;
	json_t			*p, *doc;
	const char		*cause = NULL;
	int			 r;

	p = json_deep_copy(c->params);
	json_object_set_new(p, "max", json_integer(pg->size));
	if (pg->gog[0] != '\0')
		json_object_set_new(p, "page", json_string(pg->gog));
	else
		json_object_del(p, "page");
	r = build(c->env->cfg, ch, p, &a, &cause);
	if (r == -1) {
		json_decref(p);
		(void)call_error(c, RPC_INVALID_PARAMS, NULL, "%s", cause);
		return NULL;
	}
	r = tool_run(c, ch, &a, &res);
	tool_argv_free(&a);
	json_decref(p);
	if (r == -1)
		return NULL;
	doc = json_loadb(res.out, res.outlen, JSON_REJECT_DUPLICATES, NULL);
	spawn_result_free(&res);
	if (!json_is_object(doc) || (json_object_get(doc, key) != NULL &&
	    !json_is_array(json_object_get(doc, key)) &&
	    !json_is_null(json_object_get(doc, key)))) {
		json_decref(doc);
		(void)tool_unexpected(c);
		return NULL;
	}
	return doc;
}

int
gmail_read_search(struct call *c, const struct channel *ch,
    gmail_search_builder build)
{
	struct page	 pg;
	json_t		*rows, *doc = NULL, *items, *m;
	json_t		*v = json_object_get(c->params, "max");
	const char	*gnext, *key;
	char		*next = NULL;
	long long	 max = v != NULL ? (long long)json_integer_value(v) : 10;
	size_t		 i, hidden = 0;
	int		 runs, visible;

	/* One row per thread, or per message (gog gmail messages search). */
	key = json_is_true(json_object_get(c->params, "messages")) ?
	    "messages" : "threads";
	if (page_parse(c, json_string_value(json_object_get(c->params,
	    "page")), max, &pg) == -1)
		return -1;
	rows = json_array();
	for (runs = 0; runs < GMAIL_PAGE_RUNS && next == NULL; runs++) {
		json_decref(doc);
		if ((doc = search_page(c, ch, &pg, key, build)) == NULL) {
			json_decref(rows);
			return -1;
		}
		items = json_object_get(doc, key);
		for (i = (size_t)pg.skip; i < json_array_size(items); i++) {
			m = json_array_get(items, i);
			if ((visible = gmail_read_decide(c, ch, m)) == -1) {
				json_decref(doc);
				json_decref(rows);
				return -1;
			}
			if (!visible) {
				hidden++;
				continue;
			}
			if ((long long)json_array_size(rows) < max) {
				json_array_append(rows, m);
				continue;
			}
			/*
			 * A visible row follows: the next page is here, at
			 * the start of gog's page (gog's own token, as gog
			 * would print it) or inside it.
			 */
			if (i == 0 && pg.gog[0] != '\0')
				next = xstrdup(pg.gog);
			else if (asprintf(&next, GMAIL_PAGE_PREFIX
			    "%lld:%zu:%s", pg.size, i, pg.gog) == -1)
				fatal("asprintf");
			break;
		}
		gnext = json_string_value(json_object_get(doc,
		    "nextPageToken"));
		if (next != NULL || gnext == NULL || gnext[0] == '\0' ||
		    strlcpy(pg.gog, gnext, sizeof(pg.gog)) >= sizeof(pg.gog))
			break;
		pg.skip = 0;
	}
	json_decref(doc);
	c->result = json_pack("{s:o,s:s}", key, rows, "nextPageToken",
	    next != NULL ? next : "");
	free(next);
	if (hidden > 0)
		c->rule = "inbound";
	return 0;
}
