/*
 * The command lines the handler runs, one pure builder per tool
 * command: no I/O and no call state, only the channel, the
 * configuration and the request's params (or a delivery, as the send
 * method stored it), so each can be tested row by row
 * (tests/unit/test_argv.c).  The adapters validate and explain first;
 * a builder is the last line and refuses on its own any value that the
 * tool would read as an option (DESIGN.md, invariant 2):
 *
 *   imsg takes every argument starting with '-' for an option and has
 *   no --opt=value form: a client value goes right after the option it
 *   fills and must not start with '-'.
 *   gog: client values sit in a fixed "--opt=" prefix or after "--".
 *   carapace-discord: every value is a snowflake (digits only).
 *
 * Each builder returns 0 with a filled (tool_argv_free it when done:
 * some arguments are made, not borrowed), or -1 with *cause set and a
 * holding nothing to free.  Arguments borrowed from params live as
 * long as params.
 */
#ifndef CARAPACE_CMDLINE_H
#define CARAPACE_CMDLINE_H

#include <jansson.h>

#include "channel.h"
#include "conf.h"

/* imsg (adapter-imsg.c). */
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

/* gog gmail (adapter-gmail.c). */
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

/* carapace-discord (adapter-discord.c). */
/* send: delivery {to (channel:ID | user:ID), files?[one absolute path]}. */
int	 cmdline_discord_send(const struct config *, const struct channel *,
	    json_t *delivery, struct tool_argv *, const char **cause);
/*
 * read (messages.history): {to (channel:ID | user:ID, normalised),
 * limit? (1..100, default 50), before?, after?}.
 */
int	 cmdline_discord_history(const struct config *, const struct channel *,
	    json_t *params, struct tool_argv *, const char **cause);
/* channels --all (chats.list). */
int	 cmdline_discord_chats(const struct config *, const struct channel *,
	    struct tool_argv *, const char **cause);
int	 cmdline_discord_status(const struct config *, const struct channel *,
	    struct tool_argv *, const char **cause);

#endif /* CARAPACE_CMDLINE_H */
