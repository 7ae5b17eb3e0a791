/*
 * Channel drivers: everything Carapace knows about one messaging channel
 * that more than one program needs, behind one struct per channel and
 * one table of them (channels.c).  A driver names the channel, supplies
 * its own configuration keys and their checks, the kinds of address its
 * recipients take, how a target resolves to the identities it reaches,
 * its inbound decisions (which messages an agent may see, and the schema
 * of the fields it reads of them), and the head of its tool's command
 * line, which the handler's adapter and the channel's watcher both build
 * on.
 *
 * Code outside a channel's own files reaches a channel only through its
 * driver: it never names a particular channel.
 */
#ifndef CARAPACE_CHANNEL_H
#define CARAPACE_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "argv.h"
#include "conf.h"
#include "policy.h"
#include "schema.h"

struct identity_set;

/* A file a channel's configuration names, for carapacectl doctor. */
struct channel_file {
	const char	*what;		/* "token file", "daemon socket" */
	const char	*path;
	int		 kind;		/* CHANNEL_FILE_* */
	const char	*service;	/* what makes it ("signal-cli": the
					   unit carapace-signal-cli), or NULL */
};
#define CHANNEL_FILE_SECRET	0	/* credentials: the gateway's alone */
#define CHANNEL_FILE_SOCKET	1	/* a daemon's socket */
#define CHANNEL_FILE_DATA	2	/* data the tool reads: must exist */

struct channel_driver {
	const char	*name;

	/* Configuration: the channel's own keys, beside the common ones. */
	const struct conf_key *keys;
	size_t		 nkeys;
	size_t		 opts_size;	/* the driver's options struct */
	/*
	 * Its own keys inside the channel's inbound: mapping, stored in
	 * struct channel (CONF_FIELD); or NULL.
	 */
	const struct conf_key *inbound_keys;
	size_t		 ninbound_keys;
	/*
	 * Checks across keys once the channel's block is read (required
	 * keys, defaults that depend on other keys); each problem goes to
	 * conf_problem(report, ...).
	 */
	void		(*check)(struct channel *, struct conf_report *);

	/* Recipients: bit (1 << enum addr_kind) per kind the channel takes. */
	unsigned int	 address_kinds;

	/*
	 * Identities: the kinds of target (bit per addr_kind) that stand
	 * for others only the tool can name (a chat for its participants),
	 * and, given what the tool said of such a target (facts, which the
	 * handler's adapter looked up), the canonical identities it reaches
	 * (identity_add).  Returns 0, or -1 with *cause set: the target
	 * cannot be resolved and is refused, never taken by its spelling.
	 * Other targets are their own identity.  NULL: none needs it.
	 */
	unsigned int	 resolve_kinds;
	int		(*resolve)(const struct config *,
			    const struct channel *, const char *target,
			    json_t *facts, struct identity_set *,
			    const char **cause);

	/*
	 * Inbound, on one message in the shape the channel's tool prints
	 * it: 1 if the agent may see it, else 0; the sender names a
	 * hidden message in its audit record (or NULL).
	 */
	int		(*visible)(const struct config *,
			    const struct channel *, json_t *msg);
	const char	*(*sender)(json_t *msg);
	/*
	 * The fields an agent may read, per shape (enum inbound_shape in
	 * policy.h; tables in schema.h): everything else is dropped.  A
	 * shape without a table is never shown.
	 */
	const struct schema_field *schema[INBOUND_SHAPES];

	/*
	 * The fixed head of the tool's command line for command (the
	 * handler's adapter and the watcher append their own options).
	 * Returns 0, or -1 with *cause set when the configuration cannot
	 * say.  NULL for a channel reached through a daemon's socket.
	 */
	int		(*tool_argv)(const struct config *,
			    const struct channel *, const char *command,
			    struct tool_argv *, const char **cause);

	/*
	 * What carapacectl check says of a configured channel beside its
	 * problems (warnings, not failures), NULL-terminated; or NULL.
	 */
	const char *const *warnings;

	/*
	 * carapacectl doctor.  files: the files the channel's own keys
	 * name (the tool is checked apart), at most max of them; returns
	 * how many.  probe: ask the tool something harmless, as the
	 * gateway account, to show that it runs and holds its
	 * credentials; returns 0 with what it said of itself in answer,
	 * or -1 with answer saying what went wrong.  NULL: nothing to
	 * check.
	 */
	size_t		(*files)(const struct channel *, struct channel_file *,
			    size_t max);
	int		(*probe)(const struct config *,
			    const struct channel *, char *answer, size_t);

	/*
	 * Owner approvals (doc/approvals.md).  account: the identity the
	 * gateway itself uses on the channel, normalised into out: 1; 0
	 * when the configuration does not name one; NULL for a channel
	 * whose account can never be a person (a Discord bot).
	 * owner_text: 1 with *text (borrowed) when msg, in the shape the
	 * watcher reads it, was written by identity (normalised) and
	 * received from it: never a message the account sent, nor a copy
	 * synced from the account's other devices; else 0.  NULL: no
	 * approvals by reply on the channel.
	 */
	int		(*account)(const struct channel *, char *out,
			    size_t outlen);
	int		(*owner_text)(const struct config *,
			    const struct channel *, json_t *msg,
			    const char *identity, const char **text);
	/*
	 * texts: every text of msg a notice could be found in, whoever
	 * wrote msg (its body, the text of a message it quotes or
	 * answers), borrowed, at most max into out; returns how many.
	 * The inbound veto hides msg when one of them is a notice's.
	 * NULL: none.
	 */
	size_t		(*texts)(json_t *msg, const char **out, size_t max);
};

/* The channels, in their id order; channel_count of them. */
extern const struct channel_driver *const channel_drivers[];
extern const size_t	 channel_count;

/* The driver of a channel id, or NULL. */
const struct channel_driver *channel_driver(int id);
/*
 * The head of ch's tool command line for command (the driver's
 * tool_argv).  Returns 0, or -1 with *cause set (never NULL).
 */
int		 channel_tool_argv(const struct config *,
		    const struct channel *, const char *command,
		    struct tool_argv *, const char **cause);
/*
 * A driver's probe by running its tool: the head of the command line
 * for command, then args (NULL-terminated), with the channel's timeout.
 * Returns 0 when it exits 0 with a JSON object on stdout (its first 200
 * bytes in answer), else -1 with answer saying why.
 */
int		 channel_probe_tool(const struct config *,
		    const struct channel *, const char *command,
		    const char *const *args, char *answer, size_t);
/*
 * A driver's account hook on the address the configuration gives
 * (NULL: none): 1 with it normalised into out, else 0.
 */
int		 channel_account(const struct channel *, const char *address,
		    char *out, size_t outlen);
/* A channel's name ("unknown" for a bad id). */
const char	*channel_name(int id);
/* The id of the channel with that name, or -1. */
int		 channel_lookup(const char *name);

#endif /* CARAPACE_CHANNEL_H */
