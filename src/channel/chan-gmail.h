/*
 * The Gmail channel (chan-gmail.c): its options, and the decisions on
 * Gmail-shaped messages as gog prints them (Gmail API messages, search
 * items and message search items) that the handler's adapter and the
 * watcher share.
 */
#ifndef CARAPACE_CHAN_GMAIL_H
#define CARAPACE_CHAN_GMAIL_H

#include <stddef.h>

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
 * is allowed (the owner's own address: inbound.from_me).  Returns 1
 * visible, 0 hidden.
 */
int	 gmail_message_visible(const struct config *,
	    const struct channel *, json_t *msg);
/* The From of a message in any of gog's shapes, or NULL. */
const char *gmail_message_from(json_t *msg);
/* The address in "Name <a@b>" or "a@b"; 0, or -1 if none. */
int	 gmail_address(const char *from, char *out, size_t outlen);

/* The channel's driver (channel.h). */
extern const struct channel_driver gmail_driver;

#endif /* CARAPACE_CHAN_GMAIL_H */
