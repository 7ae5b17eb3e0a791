/*
 * The iMessage channel (chan-imsg.c): its options, and the chat
 * decision the handler's chat list shares with the message decision.
 */
#ifndef CARAPACE_CHAN_IMSG_H
#define CARAPACE_CHAN_IMSG_H

#include "conf.h"

/* channels.imsg's own keys. */
struct imsg_opts {
	char		*db;		/* --db passed to the tool */
	char		*account;	/* the Apple ID or number Messages
					   is signed in with (approvals) */
};

#define IMSG_OPTS(ch)	((const struct imsg_opts *)(ch)->opts)

/*
 * A chat is visible when named as chat:<id> in inbound.allow (*explicit
 * set: all its senders are then visible), or, for a one-to-one chat,
 * when its identifier is an allowed address.  Returns 1 visible, 0
 * hidden.
 */
int	 inbound_chat_visible(const struct config *, const struct channel *,
	    long long chat_id, const char *identifier, int is_group,
	    int *explicit);

/* The channel's driver (channel.h). */
extern const struct channel_driver imsg_driver;

#endif /* CARAPACE_CHAN_IMSG_H */
