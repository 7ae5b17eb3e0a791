/*
 * The Signal channel (chan-signal.c): its options, and the inbound
 * decisions the handler's adapter shares with the stream.
 */
#ifndef CARAPACE_CHAN_SIGNAL_H
#define CARAPACE_CHAN_SIGNAL_H

#include <jansson.h>

#include "conf.h"

/* channels.signal's own keys. */
struct signal_opts {
	char		*account;	/* the number, E.164 */
	char		*daemon_socket;	/* the carapace-owned signal-cli */
};

#define SIGNAL_OPTS(ch)	((const struct signal_opts *)(ch)->opts)

/*
 * Signal messages are {"account","envelope"} as signal-cli's receive
 * params.  Is a group (its id) or a number one the agent may read?
 * 1 or 0.
 */
int	 inbound_signal_group(const struct config *, const struct channel *,
	    const char *id);
int	 inbound_signal_number(const struct config *,
	    const struct channel *, const char *number);

/* The channel's driver (channel.h). */
extern const struct channel_driver signal_driver;

#endif /* CARAPACE_CHAN_SIGNAL_H */
