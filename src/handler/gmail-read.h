/*
 * The Gmail read paths' oracle-free answers (gmail-read.c): search
 * pages over visible results only, and one not-found for hidden and
 * missing mail alike.
 */
#ifndef CARAPACE_GMAIL_READ_H
#define CARAPACE_GMAIL_READ_H

#include <jansson.h>

#include "argv.h"
#include "channel.h"
#include "conf.h"

struct call;

/* The search command-line builder (cmdline_gmail_search's contract). */
typedef int (*gmail_search_builder)(const struct config *,
	    const struct channel *, json_t *params, struct tool_argv *,
	    const char **cause);

/*
 * gmail.search with the call's params (query, max, page, messages...):
 * at most max visible rows, each gog page run from build; sets
 * c->result {threads or messages, nextPageToken} ("" unless a visible
 * row follows).  Returns 0, or -1 with the call's error.
 */
int	 gmail_read_search(struct call *, const struct channel *,
	    gmail_search_builder build);
/*
 * May the agent see m (any of gog's shapes)?  Completes a search item
 * with its headers first when the decision needs them, scrubs a visible
 * one in place.  Returns 1 visible, 0 hidden, or -1 with the call's
 * error when the headers could not be had now (the deadline, gog).
 */
int	 gmail_read_decide(struct call *, const struct channel *, json_t *m);
/*
 * A gmail get --format=metadata document the handler asked more of:
 * drop the GMAIL_VERIFY_HEADERS not in wanted ("From,To,...") from the
 * message's headers and empty them in gog's headers map, so the agent
 * reads what gog would have printed for its request.
 */
void	 gmail_read_trim(json_t *doc, const char *wanted);
/*
 * Answer gog's not-found (exit 5) for a message or thread; hidden marks
 * the audit record (rule inbound).  Returns -1.
 */
int	 gmail_not_found(struct call *, int hidden);
/* A failed gog run that was a not-found becomes gmail_not_found's. */
void	 gmail_canonical_not_found(struct call *);

#endif /* CARAPACE_GMAIL_READ_H */
