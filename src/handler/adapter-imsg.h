/*
 * The imsg adapter's command-line builders (adapter-imsg.c), pure, so
 * tests/unit/test_argv.c checks them row by row.
 * The contract all builders keep is in cmdline.h.
 */
#ifndef CARAPACE_ADAPTER_IMSG_H
#define CARAPACE_ADAPTER_IMSG_H

#include <jansson.h>

#include "channel.h"
#include "cmdline.h"
#include "conf.h"

/*
 * send goes through imsg's rpc mode (JSON-RPC 2.0 on standard input and
 * output), so that the text never sits on a command line, where every
 * local user can read it (/proc/PID/cmdline).  The delivery is {to |
 * chat_id | chat_identifier | chat_guid, text?, files?[one path],
 * service?, region?}.  cmdline_imsg_send checks it and builds "imsg rpc
 * --db DB --json", which holds nothing from it; cmdline_imsg_send_request
 * makes the one request line for the tool's standard input (method send,
 * id CMDLINE_IMSG_RPC_ID, transport applescript as the CLI's send): a
 * malloc'd NUL-terminated line ending in '\n', or NULL with *cause.
 */
#define CMDLINE_IMSG_RPC_ID	1
int	 cmdline_imsg_send(const struct config *, const struct channel *,
	    json_t *delivery, struct tool_argv *, const char **cause);
char	*cmdline_imsg_send_request(const struct channel *, json_t *delivery,
	    const char **cause);
/* chats: {limit?} (1..1000, default 20); asks for four times as many. */
int	 cmdline_imsg_chats(const struct config *, const struct channel *,
	    json_t *params, struct tool_argv *, const char **cause);
/*
 * history: {chat_id, limit? (1..1000, default 50), attachments?,
 * start?, end?, participants?[no ',' inside]}.
 */
int	 cmdline_imsg_history(const struct config *, const struct channel *,
	    json_t *params, struct tool_argv *, const char **cause);
int	 cmdline_imsg_status(const struct config *, const struct channel *,
	    struct tool_argv *, const char **cause);
/* typing: {one target as for send, typing? (default true), service?}. */
int	 cmdline_imsg_typing(const struct config *, const struct channel *,
	    json_t *params, struct tool_argv *, const char **cause);
/* group (the chat behind a read by chat id): {chat_id}. */
int	 cmdline_imsg_group(const struct config *, const struct channel *,
	    json_t *params, struct tool_argv *, const char **cause);
/* read: {handle}. */
int	 cmdline_imsg_read(const struct config *, const struct channel *,
	    json_t *params, struct tool_argv *, const char **cause);
/* react: {chat_id, reaction (1..32 bytes)}. */
int	 cmdline_imsg_react(const struct config *, const struct channel *,
	    json_t *params, struct tool_argv *, const char **cause);
/*
 * search: {query (not empty), match? (exact | contains), limit?
 * (1..1000, default 50)}; asks for four times as many.
 */
int	 cmdline_imsg_search(const struct config *, const struct channel *,
	    json_t *params, struct tool_argv *, const char **cause);

#endif /* CARAPACE_ADAPTER_IMSG_H */
