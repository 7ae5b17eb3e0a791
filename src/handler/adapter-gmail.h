/*
 * The Gmail adapter's gog command-line builders (adapter-gmail.c),
 * pure, so tests/unit/test_argv.c checks them row by row.
 * The contract all builders keep is in cmdline.h.
 */
#ifndef CARAPACE_ADAPTER_GMAIL_H
#define CARAPACE_ADAPTER_GMAIL_H

#include <jansson.h>

#include "channel.h"
#include "cmdline.h"
#include "conf.h"

/* search: {query (1..2048 bytes), max? (1..500, default 10), page?}. */
int	 cmdline_gmail_search(const struct config *, const struct channel *,
	    json_t *params, struct tool_argv *, const char **cause);
/*
 * get: {id, format? (full | metadata, default full), headers? (with
 * metadata: the header names gog asks Gmail for, "From,To,...")}.
 */
int	 cmdline_gmail_get(const struct config *, const struct channel *,
	    json_t *params, struct tool_argv *, const char **cause);
/* thread get: {id}. */
int	 cmdline_gmail_thread(const struct config *, const struct channel *,
	    json_t *params, struct tool_argv *, const char **cause);
int	 cmdline_gmail_labels(const struct config *, const struct channel *,
	    struct tool_argv *, const char **cause);
/* drafts list: {max? (1..500, default 20), page?}. */
int	 cmdline_gmail_drafts_list(const struct config *,
	    const struct channel *, json_t *params, struct tool_argv *,
	    const char **cause);
/* drafts get: {id}. */
int	 cmdline_gmail_drafts_get(const struct config *, const struct channel *,
	    json_t *params, struct tool_argv *, const char **cause);
/* drafts send: delivery {draft_id}. */
int	 cmdline_gmail_drafts_send(const struct config *,
	    const struct channel *, json_t *delivery, struct tool_argv *,
	    const char **cause);
/*
 * drafts create and send: delivery {to[], cc[], bcc[], subject, body,
 * reply_to_message_id?, files?[paths]}.  Both read the body from
 * standard input (--body-file=-), which the caller supplies: it never
 * sits on the command line.  The subject does (--subject=): gog has no
 * other way to take it (doc/protocol.md, carapacectl check).
 */
int	 cmdline_gmail_drafts_create(const struct config *,
	    const struct channel *, json_t *delivery, struct tool_argv *,
	    const char **cause);
int	 cmdline_gmail_send(const struct config *, const struct channel *,
	    json_t *delivery, struct tool_argv *, const char **cause);

#endif /* CARAPACE_ADAPTER_GMAIL_H */
