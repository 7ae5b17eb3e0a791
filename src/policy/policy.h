/*
 * Policy primitives shared by the handler, the watchers and carapacectl:
 * allow/deny matching of normalised addresses (match.c), content rules
 * (content.c), scrubbing of inbound text (scrub.c) and the inbound entry
 * point (src/channel/inbound.c).  All functions here are pure (no I/O), so
 * they are unit-tested and fuzzed directly.
 *
 * Every function fails closed: when it cannot decide, the answer is
 * "not allowed" / "matched a blocking rule" / an error return.
 */
#ifndef CARAPACE_POLICY_H
#define CARAPACE_POLICY_H

#include <stddef.h>

#include <jansson.h>

#include "address.h"
#include "conf.h"

/*
 * Resolve what a client named (a contact alias or a raw address) to a
 * normalised address for channel.  Aliases are looked up first.
 * Returns 0 or -1 as addr_normalize.
 */
int	 addr_resolve(const struct config *, int channel, const char *in,
	    char *out, size_t outlen, enum addr_kind *kind,
	    const char **cause);

/*
 * Does the normalised address match any pattern in list?  Both sides
 * compare in canonical form (identity_canonical).  Patterns:
 * exact addresses (normalised the same way before comparison), a
 * trailing '*' on a phone prefix ("+1415555*"), "*@domain", contact
 * aliases (expanded for channel), "chat:<id>", "group:<id>".  A pattern
 * that cannot be normalised matches nothing.  Returns 1 on a match and
 * writes the matching pattern to *which (may be NULL), 0 otherwise.
 */
int	 policy_match(const struct config *, int channel,
	    const struct strlist *list, const char *normalized,
	    const char **which);

enum verdict_kind {
	VERDICT_ALLOW = 0,
	VERDICT_DENY,
	VERDICT_HOLD
};

struct verdict {
	enum verdict_kind kind;
	const char	*rule;		/* rule or list entry that decided */
	char		 reason[256];	/* human-readable cause */
};

/*
 * Outbound recipient decision for an already normalised address:
 * deny list first, then the allow list, then the channel's mode.
 */
void	 policy_outbound(const struct config *, const struct channel *,
	    const char *normalized, struct verdict *);

/*
 * Canonical identities (identity.c; decided on in match.c).  What one
 * target reaches: whole is the target's own canonical identity
 * ("chat:3", or a mailbox), ids the identities it reaches (the
 * participants of a chat; the target itself when it is a person).
 */
#define IDENTITY_MAX	64	/* identities one target may reach */
#define IDENTITY_AKA_MAX 2	/* other names of the target itself */

struct identity_set {
	char		 whole[ADDR_MAX];
	size_t		 naka;		/* other names of whole ("chat:<guid>"):
					   allow and deny entries on them
					   hold as on whole */
	char		 aka[IDENTITY_AKA_MAX][ADDR_MAX];
	size_t		 n;
	char		 ids[IDENTITY_MAX][ADDR_MAX];
};

/*
 * The canonical form of a normalised address: a mailbox by the
 * mail_domains rules (domain aliases folded, "+tag" and, where the
 * domain says so, dots dropped); any other kind as it is.  Returns 0,
 * or -1 (nothing written that may be used) when it is too long or the
 * local part is left empty.
 */
int	 identity_canonical(const struct config *, const char *normalized,
	    char *out, size_t outlen);
/* The domain whose mailboxes domain's are (its alias_of, or itself). */
const char *identity_mail_domain(const struct config *, const char *domain);
/*
 * Add the canonical form of a normalised address to set (once).  0, or
 * -1 with *cause set when it has none or the set is full.
 */
int	 identity_add(struct identity_set *, const struct config *,
	    const char *normalized, const char **cause);
/*
 * Another name of set->whole, kept when it is a normalised address
 * (else dropped: no entry can name it).
 */
void	 identity_aka(struct identity_set *, const char *name);
/* set = one address that is its own identity.  0, or -1 as identity_add. */
int	 identity_plain(struct identity_set *, const struct config *,
	    const char *normalized, const char **cause);

/*
 * Outbound decision for everything one target reaches: a deny entry on
 * the target or on any identity it reaches refuses, in every mode; an
 * allow entry on the target itself allows all of it; else each
 * identity is decided on its own (policy_outbound) and the strictest
 * decision stands.  An empty set is refused.
 */
void	 policy_outbound_identities(const struct config *,
	    const struct channel *, const struct identity_set *,
	    struct verdict *);

/*
 * Inbound decision for a sender (normalised): allowlist mode admits
 * senders in inbound.allow only.  Returns 1 if visible, 0 if hidden.
 */
int	 policy_inbound_visible(const struct config *, const struct channel *,
	    const char *normalized);

/*
 * Prepare text for content matching: drop Unicode zero-width, bidi and
 * other invisible format characters, fold full-width ASCII to ASCII and
 * fold case.  Returns a newly allocated string, or NULL on allocation
 * failure or invalid UTF-8 (callers treat NULL as "blocked").
 */
char	*content_normalize(const char *text, size_t len);

/*
 * Run the content rules and the length limit on text.  The verdict is
 * ALLOW, DENY (a block rule, or over max_length) or HOLD; rule names the
 * rule.  Any internal failure yields DENY.
 */
void	 content_check(const struct config *, const char *text, size_t len,
	    struct verdict *);

/*
 * Would a configured pattern (POSIX extended) cost too much to compile
 * or to match: a huge expansion of nested repetition, a repetition
 * count above 255, groups nested too deeply, more than 1024 bytes, or a
 * back-reference?  Returns NULL if not, else a static string saying why
 * (the loader refuses the pattern with it).
 */
const char *content_pattern_too_costly(const char *re);

/* Individual detectors, exposed for tests; 1 if found. */
int	 content_detect(unsigned int detect, const char *normalized);
int	 luhn_valid(const char *digits, size_t n);

/*
 * Redact one-time codes (SCRUB_OTP) and login/reset/verify links
 * (SCRUB_AUTH_LINKS) in inbound text.  Returns a newly allocated string
 * (the input unchanged when nothing matched) and sets *changed; NULL on
 * allocation failure.
 */
char	*scrub_text(unsigned int scrub, const char *text, int *changed);
/*
 * Scrub the string obj[key] in place (anything else, or no obj, is left
 * alone).  0, or -1 on allocation failure (hide the message then).
 */
int	 scrub_json_field(unsigned int scrub, json_t *obj, const char *key);

/*
 * Inbound policy on one message in its channel's shape (the channel's
 * driver decides): 1 if the agent may see it, else 0; inbound_scrub
 * rebuilds it in place from the driver's message schema (inbound_filter
 * below; 0, or -1: hide the message); inbound_sender names
 * a hidden message's sender for its audit record (or NULL).
 */
int	 inbound_message_visible(const struct config *,
	    const struct channel *, json_t *msg);
int	 inbound_scrub(const struct channel *, json_t *msg);
/*
 * A veto on inbound_message_visible, installed by a program that keeps
 * what its policy alone cannot know (the owner's notices and replies,
 * in the state: handler's owner.c): 1 hides msg.  NULL removes it.
 */
typedef int	(*inbound_veto_fn)(const struct config *,
		    const struct channel *, json_t *msg);
void	 inbound_set_veto(inbound_veto_fn);

/*
 * The shapes of what an agent reads of a channel, each with its
 * driver's schema: a message (inbound_scrub), an item of a chat,
 * group or contact list, and a whole answer the tool printed around
 * messages (gog's gmail get and drafts).
 */
enum inbound_shape {
	INBOUND_MESSAGE,
	INBOUND_CHAT,
	INBOUND_GROUP,
	INBOUND_CONTACT,
	INBOUND_DOCUMENT,
	INBOUND_SHAPES
};

/*
 * Rebuild obj in place from the channel driver's schema for shape:
 * unknown fields and wrong types dropped, free text scrubbed (when the
 * channel scrubs), ids checked, nested objects walked.  0, or -1: the
 * driver has no schema for that shape, obj is not an object, or memory
 * ran out; hide obj then.  inbound_scrub is this with INBOUND_MESSAGE.
 */
int	 inbound_filter(const struct channel *, enum inbound_shape,
	    json_t *obj);
const char *inbound_sender(const struct channel *, json_t *msg);

#endif /* CARAPACE_POLICY_H */
