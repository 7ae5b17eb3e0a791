/*
 * The Gmail watcher adapter: a polling tool.  Every poll runs
 *
 *	gog --account A --json --no-input gmail messages search
 *	    --max 500 --include-body -- in:inbox
 *
 * (message search, not thread search: a reply in an old thread is a new
 * message there, while the thread list only shows the first one).  gog
 * prints one pretty JSON document, newest first; the adapter returns the
 * messages in increasing position order.
 *
 * The position is the Gmail message id read as a 64-bit number.  Gmail
 * gives a message its id when it enters the mailbox, and ids grow with
 * that time, so the position orders messages by arrival: two messages
 * with the same timestamp still have distinct positions, and a late,
 * back-dated message (an old Date and internalDate) still gets a larger
 * one and is published.  The watcher skips every position at or below
 * the stored one, so a message is published once across polls and
 * restarts.  Not seen: a message older than the stored position that
 * enters the inbox later (moved back from the archive or spam), and
 * more than 500 new messages within one poll interval.
 *
 * Each new message that may be shown costs one more gog run (gmail get
 * --format=metadata), for the headers its decision needs.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "chan-gmail.h"
#include "channel.h"
#include "policy.h"
#include "watch.h"
#include "watch-gmail.h"

#define GMAIL_WATCH_MAX		"500"
#define GMAIL_WATCH_QUERY	"in:inbox"

int
watch_argv_gmail(const struct config *cfg, const struct channel *ch,
    struct tool_argv *a, const char **cause)
{
	if (ch->driver->tool_argv(cfg, ch, "gmail", a, cause) == -1)
		return -1;
	tool_argv_add(a, "messages");
	tool_argv_add(a, "search");
	tool_argv_add(a, "--max=" GMAIL_WATCH_MAX);
	tool_argv_add(a, "--include-body");
	tool_argv_add(a, "--");
	tool_argv_add(a, GMAIL_WATCH_QUERY);
	return 0;
}

/* Every poll asks for the whole inbox: positions decide what is new. */
static int
gmail_argv(const struct config *cfg, const struct channel *ch,
    uint64_t position, int have_position, struct tool_argv *a)
{
	const char	*cause = NULL;

	(void)position;
	(void)have_position;
	return watch_argv_gmail(cfg, ch, a, &cause);
}

/* A Gmail id ("18c1a00000000010") as a position; 0 if it is not one. */
static uint64_t
gmail_position(const char *id)
{
	uint64_t	 v = 0;
	const char	*p;
	int		 d;

	if (id == NULL || id[0] == '\0' || strlen(id) > 16)
		return 0;
	for (p = id; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else
			return 0;
		v = v << 4 | (uint64_t)d;
	}
	/* Cursors stay below 2^63 (JSON integers). */
	return v >= (1ULL << 63) ? 0 : v;
}

static int
by_position(const void *a, const void *b)
{
	json_int_t	pa = json_integer_value(json_object_get(
			    *(json_t *const *)a, "position"));
	json_int_t	pb = json_integer_value(json_object_get(
			    *(json_t *const *)b, "position"));

	return pa < pb ? -1 : pa > pb ? 1 : 0;
}

static json_t *
gmail_document(const char *out, size_t len)
{
	json_t		*doc, *msgs, *m, *list, **v;
	size_t		 i, n = 0;
	uint64_t	 pos;

	doc = json_loadb(out, len, JSON_REJECT_DUPLICATES, NULL);
	msgs = json_object_get(doc, "messages");
	if (!json_is_object(doc) || (msgs != NULL && !json_is_null(msgs) &&
	    !json_is_array(msgs))) {
		json_decref(doc);
		return NULL;
	}
	v = calloc(json_array_size(msgs) + 1, sizeof(*v));
	if (v == NULL) {
		json_decref(doc);
		return NULL;
	}
	json_array_foreach(msgs, i, m) {
		if (!json_is_object(m) || (pos = gmail_position(
		    json_string_value(json_object_get(m, "id")))) == 0)
			continue;
		v[n++] = json_pack("{s:I,s:O}", "position", (json_int_t)pos,
		    "message", m);
	}
	qsort(v, n, sizeof(*v), by_position);
	list = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(list, v[i]);
	free(v);
	json_decref(doc);
	return list;
}

/*
 * A message search item has no Authentication-Results and no
 * recipients (openclaw/gogcli internal/cmd/gmail_messages.go): one that
 * may be shown gets them from gog, and keeps them, so that the inbox
 * decides again on the same evidence with each reader's configuration.
 * When gog cannot answer, the message waits for the next poll rather
 * than be decided without its evidence.
 */
static int
gmail_complete(const struct config *cfg, const struct channel *ch,
    json_t *msg)
{
	if (!gmail_item_candidate(cfg, ch, msg))
		return 0;
	return gmail_complete_item(cfg, ch, msg, ch->timeout_ms) == -1 ?
	    -1 : 0;
}

const struct watch_adapter gmail_watch_adapter = {
	.driver = &gmail_driver,
	.poll_ms = 60000,
	.argv = gmail_argv,
	.document = gmail_document,
	.complete = gmail_complete,
};
