/*
 * The Gmail channel (chan-gmail.c): its options, and the decisions on
 * Gmail-shaped messages as gog prints them (Gmail API messages, search
 * items and message search items) that the handler's adapter and the
 * watcher share.
 */
#ifndef CARAPACE_CHAN_GMAIL_H
#define CARAPACE_CHAN_GMAIL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "conf.h"

enum gmail_send_mode {
	GMAIL_SEND_DRAFT = 0,	/* a send is saved as a draft */
	GMAIL_SEND_SEND
};

/* channels.gmail's own keys. */
struct gmail_opts {
	char		*account;
	int		 send;		/* enum gmail_send_mode */
};

#define GMAIL_OPTS(ch)	((const struct gmail_opts *)(ch)->opts)

/*
 * Visible when no label is in inbound.hide_labels and the From address
 * is allowed and, with inbound.require_auth, authenticated by Gmail
 * (gmail_auth_verified on the message's payload.headers; without them,
 * as search items are, the sender is unknown).  The owner's own mail
 * (From the account, and labelled SENT or authenticated) follows
 * inbound.from_me and is visible only when every recipient (To, Cc,
 * Bcc) is allowed: the conversation must be visible.  Returns 1
 * visible, 0 hidden.
 */
int	 gmail_message_visible(const struct config *,
	    const struct channel *, json_t *msg);
/* The From of a message in any of gog's shapes, or NULL. */
const char *gmail_message_from(json_t *msg);
/* The address in "Name <a@b>" or "a@b"; 0, or -1 if none. */
int	 gmail_address(const char *from, char *out, size_t outlen);

/*
 * Authentication-Results (gmail-auth.c).  The authserv-id Gmail writes;
 * only headers naming it count.
 */
#define GMAIL_AUTHSERV_ID	"mx.google.com"
/*
 * The headers a read path asks gog for (gmail get --format=metadata
 * --headers=...) to decide on a message that came without them.
 */
#define GMAIL_VERIFY_HEADERS	"From,To,Cc,Bcc,Authentication-Results"

enum gmail_auth {
	GMAIL_AUTH_OTHER = -1,	/* not Gmail's authserv-id: ignored */
	GMAIL_AUTH_FAIL = 0,	/* Gmail's, and no aligned pass */
	GMAIL_AUTH_PASS = 1	/* Gmail's, with an aligned pass */
};

/*
 * One Authentication-Results value for a From domain: GMAIL_AUTH_OTHER
 * when its authserv-id is not Gmail's (or none can be read);
 * GMAIL_AUTH_PASS when it shows dmarc=pass for header.from=from_domain,
 * or an spf=pass (smtp.mailfrom) or dkim=pass (header.d, header.i)
 * aligned with from_domain; GMAIL_AUTH_FAIL otherwise, unreadable
 * included.
 */
int	 gmail_auth_result(const char *value, const char *from_domain);
/*
 * 1 when domain is from_domain or one of its subdomains (the strict
 * stand-in for DMARC's relaxed alignment), else 0.
 */
int	 gmail_auth_aligned(const char *domain, const char *from_domain);
/*
 * A message's headers ([{name, value}]) for its From address: 1 when
 * at least one Authentication-Results is Gmail's, every Gmail one
 * passes and there is at most one From header; else 0.
 */
int	 gmail_auth_verified(json_t *headers, const char *from);

/*
 * Does a search item (id, from, labels; no headers) need its headers
 * before it is decided: 1 when it may be visible with them (From
 * allowed or the owner's, no hidden label), else 0.
 */
int	 gmail_item_candidate(const struct config *, const struct channel *,
	    json_t *item);
/*
 * Complete a search item with its message's GMAIL_VERIFY_HEADERS, as
 * item.payload.headers: a message item (with a threadId) from "gog
 * gmail get --format=metadata --headers=... -- ID", a thread item from
 * the first message of "gog gmail thread get -- ID" (the one gog's
 * search shows).  Returns 0; 1 when gog had no such message or
 * answered for another (the item stays without: its sender is
 * unknown); -1 when gog could not answer now (timeout_ms 0, not
 * started, cut off, rate limited or retryable: ask again later).
 */
int	 gmail_complete_item(const struct config *, const struct channel *,
	    json_t *item, uint64_t timeout_ms);

/* The channel's driver (channel.h). */
extern const struct channel_driver gmail_driver;

#endif /* CARAPACE_CHAN_GMAIL_H */
