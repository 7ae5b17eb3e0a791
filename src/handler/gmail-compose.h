/*
 * What the Gmail adapter reads out of mail it composes or answers
 * (gmail-compose.c): the participants of an original message, the
 * recipients gog's --reply-all would give a reply, and the text of an
 * HTML body, which the content rules read.
 */
#ifndef CARAPACE_GMAIL_COMPOSE_H
#define CARAPACE_GMAIL_COMPOSE_H

#include <jansson.h>

/* The value of header name (any case) of a Gmail API message, or NULL. */
const char	*gmail_msg_header(json_t *msg, const char *name);

/*
 * Split an address header ("A <a@x>, b@y") into bare addresses,
 * appended to out as strings.  Commas inside quotes or angle brackets
 * do not split.  Returns 0 (a NULL list adds nothing), or -1 if an
 * entry holds no address.
 */
int	 gmail_split_addresses(const char *list, json_t *out);

/*
 * The recipients gog's --reply-all gives a reply to msg (gogcli
 * internal/cmd/gmail_send.go, buildReplyAllRecipients): to gets the
 * Reply-To addresses (else From's) and the original To, cc the
 * original Cc; self (the account, any case) is left out, duplicates
 * are dropped case-insensitively, and a Cc already in to is dropped.
 * Addresses are lower-cased, as gog's parseEmailAddresses makes them.
 * Returns 0, or -1 if a header cannot be read (to and cc then hold
 * what was read so far).
 */
int	 gmail_reply_all_recipients(json_t *msg, const char *self,
	    json_t *to, json_t *cc);

/*
 * The text of an HTML body as the content rules read it, malloc'd:
 * the markup removed without a space (so "pass<b></b>word" is read as
 * the recipient's mail program shows it), character references decoded
 * (&#112; is "p"), then, after a newline, what the tags themselves
 * hold (attribute values such as link targets, decoded the same way),
 * which also leaves the message.  NULL when the text outgrows its
 * bound (the caller refuses: what cannot be read is not sent).
 */
char	*gmail_html_text(const char *html);

struct call;
struct channel;

/*
 * The body of send and drafts.create: *body or *html (an empty one is
 * none), exactly one of them, and in *text (malloc'd) what the content
 * rules read: the subject, a newline, the body or the HTML's text
 * (gmail_html_text).  Returns 0, or -1 with the call's error set.
 */
int	 gmail_compose_text(struct call *, const char *subject,
	    const char **body, const char **html, char **text);

/*
 * reply_all: *to_in and *cc_in, the client's lists, replaced by the
 * recipients gog's --reply-all gives a reply to original where the
 * client named none (the replacements are new references the caller
 * releases).  Returns 0, or -1 with the call's error set.
 */
int	 gmail_reply_all_lists(struct call *, const struct channel *,
	    json_t *original, json_t **to_in, json_t **cc_in);

/*
 * The delivery of an owner's notice (handler_adapter.notice): a plain
 * mail from the account to address, subject "Carapace: held message",
 * sent as gmail_deliver sends a composed one.  NULL with *cause in draft
 * mode (channels.gmail.send: draft), where it would only be a draft.
 */
json_t	*gmail_notice(const struct channel *, const char *address,
	    const char *text, const char **cause);

/*
 * Append the body text of a draft's message (every text part, each after
 * a newline) to out; -1 if a text part cannot be decoded or the parts
 * nest too deep: the content rules must see all the text that would be
 * sent.
 */
struct buf;
int	 gmail_draft_text(json_t *part, struct buf *out, int depth);

#endif /* CARAPACE_GMAIL_COMPOSE_H */
