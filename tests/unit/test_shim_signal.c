/*
 * Unit tests for the signal-cli shim: signal-cli params (camelCase or
 * dashed, one value or a list) mapped onto the gateway's signal methods
 * exactly as doc/protocol.md lists them, gateway errors mapped onto
 * signal-cli's codes and exit statuses, JSON-RPC framing as signal-cli's
 * JsonRpcReader answers, HTTP head parsing, Host checks, response heads
 * and Server-Sent Event framing, and the text and JSON output of every
 * command (golden strings).
 */
#include "config.h"

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "compat.h"
#include "protocol.h"
#include "shim.h"
#include "shim-signal.h"

static const struct shim_signal_ctx single = {
	"/nonexistent/carapace-test.sock", 2000, "+14155550199"
};
static const struct shim_signal_ctx multi = {
	"/nonexistent/carapace-test.sock", 2000, NULL
};

static json_t *
load(const char *text)
{
	json_t	*v;

	v = json_loads(text, JSON_DECODE_ANY, NULL);
	assert_non_null(v);
	return v;
}

/* The compact dump of v, field order kept, compared to want. */
static void
assert_json(json_t *v, const char *want)
{
	char	*text;

	assert_non_null(v);
	text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_ENCODE_ANY);
	assert_non_null(text);
	assert_string_equal(text, want);
	free(text);
}

/* Build the gateway request for method/params; assert its method. */
static json_t *
build(const struct shim_signal_ctx *ctx, const char *method,
    const char *params, const char *want_method,
    struct shim_signal_error *err, int *fds, size_t *nfds)
{
	json_t		*p, *gw, *local;
	const char	*gm;

	p = params != NULL ? load(params) : NULL;
	gw = shim_signal_build_request(ctx, method, p, &gm, fds, 8, nfds,
	    &local, err);
	json_decref(p);
	assert_null(local);
	if (want_method != NULL) {
		assert_non_null(gw);
		assert_string_equal(gm, want_method);
	} else
		assert_null(gw);
	return gw;
}

static void
test_param_names(void **state)
{
	json_t	*p;

	(void)state;
	p = load("{\"quote-timestamp\":5,\"groupId\":\"g\",\"x\":null}");
	assert_int_equal(json_integer_value(shim_signal_param(p,
	    "quoteTimestamp")), 5);
	assert_string_equal(json_string_value(shim_signal_param(p,
	    "groupId")), "g");
	assert_null(shim_signal_param(p, "x"));
	assert_null(shim_signal_param(p, "missing"));
	json_decref(p);
}

static void
test_string_list(void **state)
{
	json_t	*v, *l;

	(void)state;
	v = json_string("+1");
	l = shim_signal_string_list(v);
	assert_json(l, "[\"+1\"]");
	json_decref(l);
	json_decref(v);
	v = load("[\"a\",\"b\"]");
	l = shim_signal_string_list(v);
	assert_json(l, "[\"a\",\"b\"]");
	json_decref(l);
	json_decref(v);
	l = shim_signal_string_list(NULL);
	assert_json(l, "[]");
	json_decref(l);
	v = load("[\"a\",1]");
	assert_null(shim_signal_string_list(v));
	json_decref(v);
	v = json_integer(3);
	assert_null(shim_signal_string_list(v));
	json_decref(v);
}

static void
test_map_errors(void **state)
{
	struct shim_signal_error	 e;
	json_t				*data;
	static const struct {
		int	gateway, signal, exit;
	} cases[] = {
		{ CP_ERR_RECIPIENT_DENIED, -1, 1 },
		{ CP_ERR_CONTENT_BLOCKED, -1, 1 },
		{ CP_ERR_HELD, -1, 1 },
		{ CP_ERR_PEER_UNAUTHORIZED, -1, 1 },
		{ CP_ERR_CHANNEL_DENIED, -1, 1 },
		{ CP_ERR_FROZEN, -1, 1 },
		{ RPC_INVALID_PARAMS, -1, 1 },
		{ CP_ERR_RATE_LIMITED, -5, 5 },
		{ CP_ERR_LIMIT_REACHED, -5, 5 },
		{ CP_ERR_CHANNEL_UNAVAILABLE, -3, 3 },
		{ CP_ERR_TOOL_FAILED, -3, 3 },
		{ CP_ERR_TIMEOUT, -3, 3 },
		{ CP_ERR_AUDIT_UNAVAILABLE, -3, 3 },
		{ CP_ERR_STATE_UNAVAILABLE, -3, 3 },
		{ CP_ERR_CONFIG_INVALID, -3, 3 },
		{ RPC_METHOD_NOT_FOUND, -32601, 2 },
		{ RPC_INTERNAL_ERROR, -32603, 2 },
		{ -4, -4, 4 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		shim_signal_map_error(cases[i].gateway, "m", NULL, &e);
		assert_int_equal(e.code, cases[i].signal);
		assert_int_equal(shim_signal_exit_status(e.code),
		    cases[i].exit);
	}
	/* The refusal names the recipient, as the gateway's data does. */
	data = load("{\"recipient\":\"+14155559999\",\"rule\":\"outbound\"}");
	shim_signal_map_error(CP_ERR_RECIPIENT_DENIED,
	    "recipient not allowed", data, &e);
	assert_int_equal(e.code, -1);
	assert_string_equal(e.message, "recipient not allowed: +14155559999");
	json_decref(data);
	data = load("{\"retry_after\":42,\"rule\":\"r\"}");
	shim_signal_map_error(CP_ERR_RATE_LIMITED, "rate limited", data, &e);
	assert_int_equal(e.code, -5);
	assert_non_null(strstr(e.message, "42"));
	json_decref(data);
	/* The daemon's own error comes back with its code and message. */
	data = load("{\"stderr\":\"x\",\"daemon_code\":-4,\"daemon_message\":"
	    "\"Untrusted Identity for +1\"}");
	shim_signal_map_error(CP_ERR_TOOL_FAILED, "tool failed", data, &e);
	assert_int_equal(e.code, -4);
	assert_string_equal(e.message, "Untrusted Identity for +1");
	json_decref(data);
	data = load("{\"stderr\":\"x\",\"daemon_code\":-32603,"
	    "\"daemon_message\":\"boom\"}");
	shim_signal_map_error(CP_ERR_TOOL_FAILED, "tool failed", data, &e);
	assert_int_equal(e.code, -3);
	json_decref(data);
}

static void
test_build_send(void **state)
{
	struct shim_signal_error	 err;
	json_t				*gw;
	int				 fds[8];
	size_t				 nfds;
	char				 buf[16];

	(void)state;
	gw = build(&single, "send", "{\"recipient\":\"+14155550100\","
	    "\"message\":\"hi\",\"account\":\"+14155550199\"}", "send", &err,
	    fds, &nfds);
	assert_json(gw, "{\"channel\":\"signal\",\"recipients\":"
	    "[\"+14155550100\"],\"text\":\"hi\"}");
	json_decref(gw);

	gw = build(&single, "send", "{\"group-id\":[\"R3I=\"],\"message\":"
	    "\"x\",\"quote-timestamp\":\"1700000000000\",\"quoteAuthor\":"
	    "\"+1\",\"textStyle\":\"0:1:BOLD\"}", "send", &err, fds, &nfds);
	assert_json(gw, "{\"channel\":\"signal\",\"group_id\":\"R3I=\","
	    "\"text\":\"x\",\"quote_timestamp\":1700000000000,"
	    "\"quote_author\":\"+1\",\"text_style\":[\"0:1:BOLD\"]}");
	json_decref(gw);

	/* A data: URI becomes a descriptor with its file name. */
	gw = build(&single, "send", "{\"recipient\":[\"+1\"],\"attachment\":"
	    "\"data:text/plain;filename=a.txt;base64,aGVsbG8=\"}", "send",
	    &err, fds, &nfds);
	assert_int_equal(nfds, 1);
	assert_int_equal(read(fds[0], buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	(void)close(fds[0]);
	assert_json(gw, "{\"channel\":\"signal\",\"recipients\":[\"+1\"],"
	    "\"attachments\":[{\"name\":\"a.txt\"}]}");
	json_decref(gw);

	/* The plural must be a list, as getList reads it. */
	build(&single, "send", "{\"recipient\":[\"+1\"],\"attachments\":"
	    "\"data:text/plain;base64,aGVsbG8=\"}", NULL, &err, fds, &nfds);
	assert_int_equal(err.code, RPC_INTERNAL_ERROR);
	assert_int_equal(nfds, 0);
	build(&single, "send", "{\"message\":\"x\"}", NULL, &err, fds, &nfds);
	assert_int_equal(err.code, -1);
	assert_string_equal(err.message, "No recipients given");
	build(&single, "send", "{\"recipient\":\"+1\"}", NULL, &err, fds,
	    &nfds);
	assert_int_equal(err.code, -1);
	assert_string_equal(err.message, "Sending empty message is not "
	    "allowed, either a message, attachment or sticker must be given.");
	build(&single, "send", "{\"recipient\":\"+1\",\"groupId\":\"g\","
	    "\"message\":\"x\"}", NULL, &err, fds, &nfds);
	assert_int_equal(err.code, -1);
	build(&single, "send", "{\"username\":\"u.01\",\"recipient\":\"+1\","
	    "\"message\":\"x\"}", NULL, &err, fds, &nfds);
	assert_int_equal(err.code, -1);
	assert_string_equal(err.message,
	    "username is not supported through Carapace");
	build(&single, "send", "{\"recipient\":\"+1\",\"attachment\":"
	    "\"/nonexistent/file\"}", NULL, &err, fds, &nfds);
	assert_int_equal(err.code, RPC_INTERNAL_ERROR);
	assert_non_null(strstr(err.message, "Failed to send message: "));
	assert_non_null(strstr(err.message, "(AttachmentInvalidException)"));
	assert_int_equal(nfds, 0);
	/* signal-cli casts to String: ClassCastException, -32603. */
	build(&single, "send", "{\"recipient\":5,\"message\":\"x\"}", NULL,
	    &err, fds, &nfds);
	assert_int_equal(err.code, RPC_INTERNAL_ERROR);
	assert_non_null(strstr(err.message, "class java.lang.Integer cannot "
	    "be cast to class java.lang.String"));
	assert_non_null(strstr(err.message, "(ClassCastException)"));
}

/*
 * Every list param in singular and plural form, as JsonRpcNamespace
 * (AsamK/signal-cli v0.14.6) resolves them: the singular (dashed, then
 * camelCase) wins and may be one value; the plural is read only when
 * the singular is absent, and must be a list.
 */
static void
test_build_plural(void **state)
{
	static const struct {
		const char	*method, *params, *gw_method, *want;
	} ok[] = {
		/* OpenClaw's reaction: recipients, targetAuthor, account. */
		{ "sendReaction", "{\"emoji\":\"x\",\"targetTimestamp\":123,"
		    "\"targetAuthor\":\"+2\",\"recipients\":[\"+2\"],"
		    "\"account\":\"+14155550199\"}", "react",
		    "{\"channel\":\"signal\",\"recipients\":[\"+2\"],"
		    "\"emoji\":\"x\",\"target_author\":\"+2\","
		    "\"target_timestamp\":123}" },
		/* OpenClaw's group reaction: groupIds. */
		{ "sendReaction", "{\"emoji\":\"x\",\"targetTimestamp\":5,"
		    "\"targetAuthor\":\"+2\",\"groupIds\":[\"R3I=\"]}",
		    "react", "{\"channel\":\"signal\",\"group_id\":\"R3I=\","
		    "\"emoji\":\"x\",\"target_author\":\"+2\","
		    "\"target_timestamp\":5}" },
		{ "sendReaction", "{\"emoji\":\"x\",\"targetTimestamp\":5,"
		    "\"targetAuthor\":\"+2\",\"group-ids\":[\"R3I=\"]}",
		    "react", "{\"channel\":\"signal\",\"group_id\":\"R3I=\","
		    "\"emoji\":\"x\",\"target_author\":\"+2\","
		    "\"target_timestamp\":5}" },
		/* No targetAuthor and one recipient: that recipient. */
		{ "sendReaction", "{\"emoji\":\"x\",\"targetTimestamp\":5,"
		    "\"recipients\":[\"+3\"]}", "react",
		    "{\"channel\":\"signal\",\"recipients\":[\"+3\"],"
		    "\"emoji\":\"x\",\"target_author\":\"+3\","
		    "\"target_timestamp\":5}" },
		/* The singular wins over the plural. */
		{ "sendTyping", "{\"recipient\":\"+1\",\"recipients\":"
		    "[\"+9\"]}", "typing",
		    "{\"channel\":\"signal\",\"recipients\":[\"+1\"]}" },
		{ "sendTyping", "{\"recipients\":[\"+1\",\"+2\"],"
		    "\"stop\":true}", "typing",
		    "{\"channel\":\"signal\",\"recipients\":[\"+1\",\"+2\"],"
		    "\"stop\":true}" },
		{ "sendTyping", "{\"groupIds\":[\"g\"]}", "typing",
		    "{\"channel\":\"signal\",\"group_id\":\"g\"}" },
		/* The dashed name wins over camelCase, null is absent. */
		{ "sendTyping", "{\"group-id\":\"g\",\"groupId\":\"h\"}",
		    "typing", "{\"channel\":\"signal\",\"group_id\":\"g\"}" },
		{ "sendTyping", "{\"group-id\":null,\"groupId\":\"h\"}",
		    "typing", "{\"channel\":\"signal\",\"group_id\":\"h\"}" },
		{ "send", "{\"recipients\":[\"+1\"],\"message\":\"m\","
		    "\"textStyles\":[\"0:1:BOLD\"]}", "send",
		    "{\"channel\":\"signal\",\"recipients\":[\"+1\"],"
		    "\"text\":\"m\",\"text_style\":[\"0:1:BOLD\"]}" },
		/* OpenClaw's send: recipient list, "text-style". */
		{ "send", "{\"message\":\"m\",\"text-style\":[\"0:1:BOLD\"],"
		    "\"account\":\"+1\",\"recipient\":[\"+2\"]}", "send",
		    "{\"channel\":\"signal\",\"recipients\":[\"+2\"],"
		    "\"text\":\"m\",\"text_style\":[\"0:1:BOLD\"]}" },
		{ "sendReceipt", "{\"recipient\":\"+1\",\"targetTimestamps\":"
		    "[3,4]}", "receipt", "{\"channel\":\"signal\",\"recipient\":"
		    "\"+1\",\"target_timestamps\":[3,4]}" },
		{ "sendReceipt", "{\"recipient\":\"+1\",\"target-timestamps\":"
		    "[3]}", "receipt", "{\"channel\":\"signal\",\"recipient\":"
		    "\"+1\",\"target_timestamps\":[3]}" },
		{ "sendReceipt", "{\"recipient\":\"+1\",\"targetTimestamp\":"
		    "[3],\"targetTimestamps\":[4]}", "receipt",
		    "{\"channel\":\"signal\",\"recipient\":\"+1\","
		    "\"target_timestamps\":[3]}" },
		{ "remoteDelete", "{\"recipients\":[\"+1\"],"
		    "\"targetTimestamp\":8}", "delete",
		    "{\"channel\":\"signal\",\"recipients\":[\"+1\"],"
		    "\"target_timestamp\":8}" },
		{ "remoteDelete", "{\"groupIds\":[\"g\"],\"target-timestamp\":"
		    "8}", "delete", "{\"channel\":\"signal\",\"group_id\":\"g\","
		    "\"target_timestamp\":8}" },
		{ "listGroups", "{\"groupIds\":[\"g\"]}", "groups.list",
		    "{\"channel\":\"signal\"}" },
	};
	static const struct {
		const char	*method, *params;
		int		 code;
		const char	*message;
	} bad[] = {
		/* A plural that is not a list: ClassCastException. */
		{ "sendReaction", "{\"emoji\":\"x\",\"targetTimestamp\":5,"
		    "\"targetAuthor\":\"+2\",\"recipients\":\"+2\"}", -32603,
		    "class java.lang.String cannot be cast to class "
		    "java.util.List" },
		{ "sendTyping", "{\"groupIds\":\"g\"}", -32603,
		    "cannot be cast to class java.util.List" },
		{ "listContacts", "{\"recipients\":\"+1\"}", -32603,
		    "cannot be cast to class java.util.List" },
		/* Refused features, in either form. */
		{ "send", "{\"recipient\":\"+1\",\"message\":\"m\","
		    "\"usernames\":[\"u.1\"]}", -1,
		    "username is not supported through Carapace" },
		{ "send", "{\"recipient\":\"+1\",\"message\":\"m\","
		    "\"mentions\":[\"0:1:+2\"]}", -1,
		    "mention is not supported through Carapace" },
		{ "sendReaction", "{\"emoji\":\"x\",\"targetTimestamp\":5,"
		    "\"usernames\":[\"u.1\"]}", -1,
		    "username is not supported through Carapace" },
		{ "remoteDelete", "{\"recipient\":\"+1\",\"targetTimestamp\":5,"
		    "\"noteToSelf\":true}", -1,
		    "noteToSelf is not supported through Carapace" },
		/* Several groups, or a group and recipients: refused. */
		{ "sendReaction", "{\"emoji\":\"x\",\"targetTimestamp\":5,"
		    "\"targetAuthor\":\"+2\",\"groupIds\":[\"a\",\"b\"]}", -1,
		    "Sending to several groups" },
		{ "sendTyping", "{}", -1, "No recipients given" },
		/* sendReceipt's recipient is one string (getString). */
		{ "sendReceipt", "{\"recipient\":[\"+15555550100\"],"
		    "\"targetTimestamp\":5}", -1,
		    "Invalid phone number '[+15555550100]'" },
		{ "sendReceipt", "{\"recipients\":[\"+1\"],"
		    "\"targetTimestamp\":5}", -1, "No recipients given" },
	};
	struct shim_signal_error	 err;
	json_t				*gw;
	int				 fds[8];
	size_t				 i, nfds;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		gw = build(&single, ok[i].method, ok[i].params,
		    ok[i].gw_method, &err, fds, &nfds);
		assert_json(gw, ok[i].want);
		json_decref(gw);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build(&single, bad[i].method, bad[i].params, NULL, &err, fds,
		    &nfds);
		if (err.code != bad[i].code ||
		    strstr(err.message, bad[i].message) == NULL)
			fail_msg("%s %s: %d %s", bad[i].method, bad[i].params,
			    err.code, err.message);
	}
}

static void
test_build_others(void **state)
{
	struct shim_signal_error	 err;
	json_t				*gw, *local, *p;
	const char			*gm;
	int				 fds[8];
	size_t				 nfds;

	(void)state;
	gw = build(&single, "sendReaction", "{\"recipient\":\"+1\",\"emoji\":"
	    "\"\\ud83d\\udc4d\",\"target-author\":\"+2\",\"targetTimestamp\":"
	    "17,\"remove\":true}", "react", &err, fds, &nfds);
	assert_json(gw, "{\"channel\":\"signal\",\"recipients\":[\"+1\"],"
	    "\"emoji\":\"\xf0\x9f\x91\x8d\",\"target_author\":\"+2\","
	    "\"target_timestamp\":17,\"remove\":true}");
	json_decref(gw);
	gw = build(&single, "sendTyping", "{\"groupId\":\"g\",\"stop\":true}",
	    "typing", &err, fds, &nfds);
	assert_json(gw, "{\"channel\":\"signal\",\"group_id\":\"g\","
	    "\"stop\":true}");
	json_decref(gw);
	gw = build(&single, "sendReceipt", "{\"recipient\":\"+1\","
	    "\"target-timestamp\":9,\"type\":\"viewed\"}", "receipt", &err,
	    fds, &nfds);
	assert_json(gw, "{\"channel\":\"signal\",\"recipient\":\"+1\","
	    "\"target_timestamps\":[9],\"type\":\"viewed\"}");
	json_decref(gw);
	gw = build(&single, "listGroups", NULL, "groups.list", &err, fds,
	    &nfds);
	assert_json(gw, "{\"channel\":\"signal\"}");
	json_decref(gw);
	gw = build(&single, "listContacts", "{}", "contacts.list", &err, fds,
	    &nfds);
	json_decref(gw);
	gw = build(&single, "getAttachment", "{\"id\":\"abc\"}",
	    "attachment.get", &err, fds, &nfds);
	assert_json(gw, "{\"channel\":\"signal\",\"id\":\"abc\"}");
	json_decref(gw);
	build(&single, "listAccounts", NULL, NULL, &err, fds, &nfds);
	assert_int_equal(err.code, -32601);
	assert_string_equal(err.message, "Method not implemented");
	gw = build(&multi, "listAccounts", NULL, "status", &err, fds, &nfds);
	json_decref(gw);
	build(&single, "updateProfile", NULL, NULL, &err, fds, &nfds);
	assert_int_equal(err.code, -32601);
	build(&single, "sendReaction", "{\"recipient\":\"+1\"}", NULL, &err,
	    fds, &nfds);
	assert_int_equal(err.code, -1);

	/* version is answered locally. */
	p = json_object();
	gw = shim_signal_build_request(&single, "version", p, &gm, fds, 8,
	    &nfds, &local, &err);
	assert_null(gw);
	assert_json(local, "{\"version\":\"0.14.6\"}");
	json_decref(local);
	json_decref(p);
}

static void
test_convert(void **state)
{
	json_t	*r, *out;

	(void)state;
	r = load("{\"groups\":[{\"id\":\"g\"}]}");
	out = shim_signal_convert_result("listGroups", r);
	assert_json(out, "[{\"id\":\"g\"}]");
	json_decref(out);
	json_decref(r);
	r = load("{\"contacts\":[]}");
	out = shim_signal_convert_result("listContacts", r);
	assert_json(out, "[]");
	json_decref(out);
	json_decref(r);
	r = load("{\"channel\":\"signal\",\"available\":true,\"account\":"
	    "\"+14155550199\"}");
	out = shim_signal_convert_result("listAccounts", r);
	assert_json(out, "[{\"number\":\"+14155550199\"}]");
	json_decref(out);
	json_decref(r);
	r = load("{\"nogroups\":1}");
	assert_null(shim_signal_convert_result("listGroups", r));
	json_decref(r);
}

static void
answer(const char *text, const char *want)
{
	json_t	*a;

	a = shim_signal_rpc_answer_text(&single, text, strlen(text));
	if (want == NULL) {
		assert_null(a);
		return;
	}
	assert_json(a, want);
	json_decref(a);
}

static void
test_rpc_framing(void **state)
{
	(void)state;
	answer("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"version\"}",
	    "{\"jsonrpc\":\"2.0\",\"result\":{\"version\":\"0.14.6\"},"
	    "\"id\":1}");
	answer("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"version\","
	    "\"params\":null}",
	    "{\"jsonrpc\":\"2.0\",\"result\":{\"version\":\"0.14.6\"},"
	    "\"id\":\"x\"}");
	/* A notification is run and not answered. */
	answer("{\"jsonrpc\":\"2.0\",\"method\":\"version\"}", NULL);
	answer("{\"jsonrpc\":\"1.0\",\"id\":2,\"method\":\"version\"}",
	    "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,\"message\":"
	    "\"only jsonrpc version 2.0 is supported\"},\"id\":2}");
	answer("{\"jsonrpc\":\"2.0\",\"id\":3}",
	    "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,\"message\":"
	    "\"method field must be set\"},\"id\":3}");
	answer("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"listAccounts\"}",
	    "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32601,\"message\":"
	    "\"Method not implemented\"},\"id\":4}");
	answer("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"listGroups\"}",
	    "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-3,\"message\":"
	    "\"gateway unavailable at /nonexistent/carapace-test.sock: "
	    "No such file or directory\"},\"id\":5}");
	answer("[]", "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,"
	    "\"message\":\"invalid request\"},\"id\":null}");
	answer("7", "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,"
	    "\"message\":\"unexpected type: NUMBER\"},\"id\":null}");
	answer("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"version\"},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"version\"},3]",
	    "[{\"jsonrpc\":\"2.0\",\"result\":{\"version\":\"0.14.6\"},"
	    "\"id\":1},{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,"
	    "\"message\":\"invalid request\"},\"id\":null}]");
	answer("[{\"jsonrpc\":\"2.0\",\"method\":\"version\"}]", NULL);
	/* A response from the client is not answered. */
	answer("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}", NULL);
	answer("", "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,"
	    "\"message\":\"invalid request\"},\"id\":null}");
}

static void
test_rpc_parse_error(void **state)
{
	json_t	*a;

	(void)state;
	a = shim_signal_rpc_answer_text(&single, "{bad", 4);
	assert_non_null(a);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    a, "error"), "code")), -32700);
	assert_true(json_is_null(json_object_get(a, "id")));
	json_decref(a);
}

static void
test_http_head(void **state)
{
	struct shim_http_request	 r;
	const char			*h;

	(void)state;
	h = "POST /api/v1/rpc?x=1 HTTP/1.1\r\nHost: localhost:8080\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: 42\r\nConnection: keep-alive\r\n\r\n{...";
	assert_int_equal(shim_http_parse_head(h, strlen(h), 16384, &r),
	    SHIM_HTTP_COMPLETE);
	assert_string_equal(r.method, "POST");
	assert_string_equal(r.path, "/api/v1/rpc");
	assert_string_equal(r.query, "x=1");
	assert_string_equal(r.host, "localhost:8080");
	assert_string_equal(r.content_type,
	    "application/json; charset=utf-8");
	assert_true(r.has_content_length);
	assert_int_equal(r.content_length, 42);
	assert_int_equal(r.head_len, strlen(h) - 4);
	assert_false(r.http10);

	assert_false(r.expect_continue);
	h = "POST /api/v1/rpc HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\n"
	    "Content-Length: 5\r\n\r\n";
	assert_int_equal(shim_http_parse_head(h, strlen(h), 16384, &r),
	    SHIM_HTTP_COMPLETE);
	assert_true(r.expect_continue);

	h = "GET /api/v1/check HTTP/1.1\r\nHost: x\r\n";
	assert_int_equal(shim_http_parse_head(h, strlen(h), 16384, &r),
	    SHIM_HTTP_NEED_MORE);
	assert_int_equal(shim_http_parse_head(h, strlen(h), 10, &r),
	    SHIM_HTTP_TOO_LARGE);
	h = "GET / HTTP/1.0\n\n";
	assert_int_equal(shim_http_parse_head(h, strlen(h), 16384, &r),
	    SHIM_HTTP_COMPLETE);
	assert_true(r.http10);
#define BAD(text, code) do {						\
	h = text;							\
	assert_int_equal(shim_http_parse_head(h, strlen(h), 16384, &r),	\
	    code);							\
} while (0)
	BAD("GET / HTTP/1.1\r\n\r\n", SHIM_HTTP_BAD);	/* no Host */
	BAD("GET / HTTP/2.0\r\nHost: a\r\n\r\n", SHIM_HTTP_VERSION);
	BAD("GET / HTTP/1.2\r\nHost: a\r\n\r\n", SHIM_HTTP_VERSION);
	BAD("get / HTTP/1.1\r\nHost: a\r\n\r\n", SHIM_HTTP_BAD);
	BAD("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", SHIM_HTTP_BAD);
	BAD("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", SHIM_HTTP_BAD);
	BAD("GET / HTTP/1.1\r\nHost: a\r\n x\r\n\r\n", SHIM_HTTP_BAD);
	BAD("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
	    SHIM_HTTP_BAD);
	BAD("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
	    "Content-Length: 2\r\n\r\n", SHIM_HTTP_BAD);
	BAD("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", SHIM_HTTP_BAD);
	BAD("GET / HTTP/1.1\r\nHost a\r\n\r\n", SHIM_HTTP_BAD);
	BAD("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", SHIM_HTTP_BAD);
#undef BAD
	h = "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
	    "Content-Length: 1\r\n\r\n";
	assert_int_equal(shim_http_parse_head(h, strlen(h), 16384, &r),
	    SHIM_HTTP_COMPLETE);
}

static void
test_http_host(void **state)
{
	(void)state;
	/* HttpServerHandler.isHostAllowed, case by case (v0.14.6). */
	assert_true(shim_http_host_allowed("localhost:8080", "localhost",
	    8080));
	assert_true(shim_http_host_allowed("LOCALHOST", "127.0.0.1", 8080));
	assert_true(shim_http_host_allowed("127.0.0.1:8080", "localhost",
	    8080));
	assert_true(shim_http_host_allowed("[::1]:8080", "localhost", 8080));
	assert_true(shim_http_host_allowed("[::1]", "localhost", 8080));
	assert_true(shim_http_host_allowed("box.lan:8080", "box.lan", 8080));
	assert_true(shim_http_host_allowed("BOX.lan", "box.lan", 8080));
	assert_true(shim_http_host_allowed("10.0.0.2:80", "10.0.0.2", 80));
	assert_true(shim_http_host_allowed("localhost:08080", "localhost",
	    8080));				/* parseInt */
	assert_true(shim_http_host_allowed("localhost:+8080", "localhost",
	    8080) == 0);			/* not all digits: no port */
	assert_true(shim_http_host_allowed("[::1]:+8080", "localhost",
	    8080));				/* parseInt takes a sign */
	assert_true(shim_http_host_allowed("[::1]junk", "localhost", 8080));
	/* A port that is not the bound one. */
	assert_false(shim_http_host_allowed("localhost:8081", "localhost",
	    8080));
	assert_false(shim_http_host_allowed("127.0.0.1:80", "localhost",
	    8080));
	assert_false(shim_http_host_allowed("[::1]:0", "localhost", 8080));
	assert_false(shim_http_host_allowed("localhost:", "localhost",
	    8080));				/* parseInt("") */
	assert_false(shim_http_host_allowed("[::1]:", "localhost", 8080));
	assert_false(shim_http_host_allowed("localhost:4294975376",
	    "localhost", 8080));		/* 2^32 + 8080 */
	assert_false(shim_http_host_allowed("[::1]:-8080", "localhost",
	    8080));
	/* Names that are not this server. */
	assert_false(shim_http_host_allowed("evil.example", "localhost",
	    8080));
	assert_false(shim_http_host_allowed("localhost.evil.example:8080",
	    "localhost", 8080));
	assert_false(shim_http_host_allowed("host.docker.internal:8080",
	    "172.17.0.1", 8080));
	assert_false(shim_http_host_allowed("evil.example", "0.0.0.0",
	    8080));
	assert_false(shim_http_host_allowed("", "localhost", 8080));
	assert_false(shim_http_host_allowed("[::1", "localhost", 8080));
	assert_false(shim_http_host_allowed("::1", "localhost", 8080));
	assert_false(shim_http_host_allowed("127.0.0.2", "127.0.0.1", 8080));
	assert_false(shim_http_host_allowed("localhost :8080", "localhost",
	    8080));
	assert_false(shim_http_host_allowed("localhost:8080x", "localhost",
	    8080));
	/* A bracketed bind host is kept as given: never a Host name. */
	assert_false(shim_http_host_allowed("[fd00::1]:8080", "[fd00::1]",
	    8080));
	assert_true(shim_http_host_allowed("host.docker.internal:8080",
	    "host.docker.internal", 8080));
}

static void
test_http_query(void **state)
{
	char	out[64];

	(void)state;
	assert_int_equal(shim_http_query_get("a=1&account=%2B1415", "account",
	    out, sizeof(out)), 0);
	assert_string_equal(out, "+1415");
	assert_int_equal(shim_http_query_get("account=+1415", "account",
	    out, sizeof(out)), 0);
	assert_string_equal(out, " 1415");	/* URLDecoder: '+' is ' ' */
	assert_int_equal(shim_http_query_get("accounts=1", "account", out,
	    sizeof(out)), -1);
	assert_int_equal(shim_http_query_get("account=%2", "account", out,
	    sizeof(out)), -1);
	assert_int_equal(shim_http_query_get("", "account", out,
	    sizeof(out)), -1);
}

static void
test_http_format(void **state)
{
	char	out[512];
	int	n;

	(void)state;
	n = shim_http_format_head(out, sizeof(out), 200, "application/json",
	    12, 0);
	assert_true(n > 0);
	assert_int_equal(strncmp(out, "HTTP/1.1 200 OK\r\nDate: ", 23), 0);
	assert_non_null(strstr(out, " GMT\r\nContent-type: application/json"
	    "\r\nContent-length: 12\r\n\r\n"));
	n = shim_http_format_head(out, sizeof(out), 201, NULL, 0, 0);
	assert_non_null(strstr(out, "HTTP/1.1 201 Created\r\n"));
	assert_non_null(strstr(out, "\r\nContent-length: 0\r\n\r\n"));
	assert_null(strstr(out, "Content-type"));
	n = shim_http_format_head(out, sizeof(out), 200, "text/event-stream",
	    -1, 0);
	assert_non_null(strstr(out, "Content-type: text/event-stream\r\n"
	    "Transfer-encoding: chunked\r\n\r\n"));
	n = shim_http_format_head(out, sizeof(out), 421, NULL, 0, 1);
	assert_non_null(strstr(out, "HTTP/1.1 421 Misdirected Request\r\n"));
	assert_non_null(strstr(out, "Connection: close\r\n\r\n"));
	assert_int_equal(shim_http_format_head(out, 20, 200, NULL, 0, 0), -1);
}

static void
test_sse(void **state)
{
	json_t	*m;
	char	*ev;

	(void)state;
	m = load("{\"envelope\":{\"sourceNumber\":\"+1\",\"timestamp\":5,"
	    "\"dataMessage\":{\"message\":\"a\\nb\"}},\"account\":\"+2\"}");
	ev = shim_sse_event("receive", m);
	assert_string_equal(ev, "event:receive\ndata:{\"envelope\":"
	    "{\"sourceNumber\":\"+1\",\"timestamp\":5,\"dataMessage\":"
	    "{\"message\":\"a\\nb\"}},\"account\":\"+2\"}\n\n");
	free(ev);
	json_decref(m);
}

/* Print with f into a memory stream; compare with want. */
static void
assert_output(int (*f)(FILE *, json_t *, int, const char *, int),
    json_t *v, int json, const char *cmd, int detailed, const char *want)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*out;

	out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(f(out, v, json, cmd, detailed), 0);
	(void)fclose(out);
	assert_string_equal(buf, want);
	free(buf);
}

static int
print_result(FILE *out, json_t *v, int json, const char *cmd, int detailed)
{
	return shim_signal_print_result(out, cmd, v, json, detailed);
}

static int
print_envelope(FILE *out, json_t *v, int json, const char *cmd, int d)
{
	(void)cmd;
	(void)d;
	return shim_signal_print_envelope(out, v, json);
}

static void
test_output_send(void **state)
{
	json_t	*r;

	(void)state;
	r = load("{\"timestamp\":1700000001234,\"results\":[{"
	    "\"recipientAddress\":{\"uuid\":\"u\",\"number\":\"+1\"},"
	    "\"type\":\"SUCCESS\"}]}");
	assert_output(print_result, r, 0, "send", 0, "1700000001234\n");
	assert_output(print_result, r, 1, "send", 0, "{\"timestamp\":"
	    "1700000001234,\"results\":[{\"recipientAddress\":{\"uuid\":\"u\","
	    "\"number\":\"+1\"},\"type\":\"SUCCESS\"}]}\n");
	assert_output(print_result, r, 0, "sendReaction", 0,
	    "1700000001234\n");
	json_decref(r);
	r = load("{\"timestamp\":7,\"results\":[{\"recipientAddress\":"
	    "{\"uuid\":\"u\",\"number\":\"+1\"},\"type\":\"SUCCESS\"},"
	    "{\"recipientAddress\":{\"uuid\":\"v\",\"number\":null},"
	    "\"type\":\"UNREGISTERED_FAILURE\"},{\"recipientAddress\":"
	    "{\"number\":\"+3\"},\"type\":\"NETWORK_FAILURE\"}]}");
	assert_output(print_result, r, 0, "send", 0,
	    "Failed to send (some) messages:\nUnregistered user \"v\"\n"
	    "Network failure for \"+3\"\n7\n");
	json_decref(r);
	/*
	 * sendTyping, sendReceipt and remoteDelete print as send does
	 * (SendMessageResultUtils.outputResult): the timestamp, or the
	 * object with -o json.
	 */
	r = load("{\"timestamp\":8,\"results\":[]}");
	assert_output(print_result, r, 0, "sendTyping", 0, "8\n");
	assert_output(print_result, r, 1, "sendTyping", 0,
	    "{\"timestamp\":8,\"results\":[]}\n");
	assert_output(print_result, r, 0, "sendReceipt", 0, "8\n");
	assert_output(print_result, r, 0, "remoteDelete", 0, "8\n");
	assert_output(print_result, r, 1, "remoteDelete", 0,
	    "{\"timestamp\":8,\"results\":[]}\n");
	json_decref(r);
}

static void
test_output_lists(void **state)
{
	json_t	*r;

	(void)state;
	r = load("[{\"id\":\"R3I=\",\"name\":\"Family\",\"description\":"
	    "\"d\",\"isMember\":true,\"isBlocked\":false,"
	    "\"messageExpirationTime\":0,\"members\":[{\"number\":\"+1\","
	    "\"uuid\":\"a\"},{\"number\":null,\"uuid\":\"b\"}],"
	    "\"pendingMembers\":[],\"requestingMembers\":[],\"admins\":"
	    "[{\"number\":\"+1\",\"uuid\":\"a\"}],\"banned\":[],"
	    "\"permissionAddMember\":\"EVERY_MEMBER\",\"groupInviteLink\":"
	    "null}]");
	assert_output(print_result, r, 0, "listGroups", 0,
	    "Id: R3I= Name: Family  Active: true Blocked: false\n");
	assert_output(print_result, r, 0, "listGroups", 1,
	    "Id: R3I= Name: Family Description: d Active: true Blocked: "
	    "false Members: [+1, b] Pending members: [] Requesting members: "
	    "[] Admins: [+1] Banned: [] Message expiration: disabled "
	    "Link: -\n");
	assert_output(print_result, r, 1, "listGroups", 0,
	    "[{\"id\":\"R3I=\",\"name\":\"Family\",\"description\":\"d\","
	    "\"isMember\":true,\"isBlocked\":false,\"messageExpirationTime\":"
	    "0,\"members\":[{\"number\":\"+1\",\"uuid\":\"a\"},{\"number\":"
	    "null,\"uuid\":\"b\"}],\"pendingMembers\":[],\"requestingMembers\""
	    ":[],\"admins\":[{\"number\":\"+1\",\"uuid\":\"a\"}],\"banned\":"
	    "[],\"permissionAddMember\":\"EVERY_MEMBER\",\"groupInviteLink\":"
	    "null}]\n");
	json_decref(r);
	r = load("[{\"number\":\"+14155550199\"}]");
	assert_output(print_result, r, 0, "listAccounts", 0,
	    "Number: +14155550199\n");
	assert_output(print_result, r, 1, "listAccounts", 0,
	    "[{\"number\":\"+14155550199\"}]\n");
	json_decref(r);
	r = load("[{\"number\":\"+14155550100\",\"uuid\":\"u-1\",\"name\":"
	    "\"Mom\",\"isBlocked\":false,\"messageExpirationTime\":3600,"
	    "\"profile\":{\"givenName\":\"M\",\"familyName\":\"X\"}}]");
	assert_output(print_result, r, 0, "listContacts", 0,
	    "Number: +14155550100 ACI: u-1 Name: Mom Profile name: M X "
	    "Username:  Color:  Blocked: false Message expiration: 3600s\n");
	json_decref(r);
}

static void
test_output_envelope(void **state)
{
	json_t	*m;

	(void)state;
	m = load("{\"envelope\":{\"source\":\"+14155550100\",\"sourceNumber\":"
	    "\"+14155550100\",\"sourceUuid\":\"u\",\"sourceName\":\"Mom\","
	    "\"sourceDevice\":1,\"timestamp\":1700000000000,\"dataMessage\":"
	    "{\"timestamp\":1700000000000,\"message\":\"hi\","
	    "\"expiresInSeconds\":0,\"groupInfo\":{\"groupId\":\"R3I=\","
	    "\"groupName\":\"Family\",\"type\":\"DELIVER\"}}},\"account\":"
	    "\"+14155550199\"}");
	assert_output(print_envelope, m, 0, NULL, 0,
	    "Envelope from: \xe2\x80\x9cMom\xe2\x80\x9d +14155550100 "
	    "(device: 1) to +14155550199\n"
	    "Timestamp: 1700000000000 (2023-11-14T22:13:20.000Z)\n"
	    "Message timestamp: 1700000000000 (2023-11-14T22:13:20.000Z)\n"
	    "Body: hi\nGroup info:\n  Id: R3I=\n  Name: Family\n"
	    "  Type: DELIVER\n\n");
	assert_output(print_envelope, m, 1, NULL, 0,
	    "{\"envelope\":{\"source\":\"+14155550100\",\"sourceNumber\":"
	    "\"+14155550100\",\"sourceUuid\":\"u\",\"sourceName\":\"Mom\","
	    "\"sourceDevice\":1,\"timestamp\":1700000000000,\"dataMessage\":"
	    "{\"timestamp\":1700000000000,\"message\":\"hi\","
	    "\"expiresInSeconds\":0,\"groupInfo\":{\"groupId\":\"R3I=\","
	    "\"groupName\":\"Family\",\"type\":\"DELIVER\"}}},\"account\":"
	    "\"+14155550199\"}\n");
	json_decref(m);
}

/* A whole command line against an absent gateway. */
static int
run(const char *const *args, char **out, char **err)
{
	char	*argv[32];
	size_t	 outlen, errlen;
	FILE	*o, *e;
	int	 argc, status;

	for (argc = 0; args[argc] != NULL; argc++)
		argv[argc] = (char *)(uintptr_t)args[argc];
	argv[argc] = NULL;
	o = open_memstream(out, &outlen);
	e = open_memstream(err, &errlen);
	status = shim_signal_run(argc, argv,
	    "/nonexistent/carapace-test.sock", 2000, o, e);
	(void)fclose(o);
	(void)fclose(e);
	return status;
}

static void
expect_run(const char *const *args, int status, const char *out,
    const char *err)
{
	char	*o = NULL, *e = NULL;

	assert_int_equal(run(args, &o, &e), status);
	if (out != NULL)
		assert_string_equal(o, out);
	if (err != NULL)
		assert_non_null(strstr(e, err));
	free(o);
	free(e);
}

static void
test_cli(void **state)
{
	(void)state;
	expect_run((const char *[]){ "signal-cli", "--version", NULL }, 0,
	    "signal-cli 0.14.6\n", NULL);
	expect_run((const char *[]){ "signal-cli", "-v", NULL }, 0,
	    "signal-cli 0.14.6\n", NULL);
	expect_run((const char *[]){ "signal-cli", NULL }, 1, "",
	    "signal-cli: error: too few arguments\n");
	expect_run((const char *[]){ "signal-cli", "frobnicate", NULL }, 1,
	    "", "signal-cli: error: argument command: invalid choice: "
	    "'frobnicate'\n");
	expect_run((const char *[]){ "signal-cli", "-o", "xml", "send",
	    NULL }, 1, "", "invalid choice: 'xml'");
	expect_run((const char *[]){ "signal-cli", "send", "--bogus", NULL },
	    1, "", "signal-cli send: error: unrecognized arguments: "
	    "'--bogus'\n");
	expect_run((const char *[]){ "signal-cli", "send", "-m", "x",
	    "--quote-timestamp", "soon", "+1", NULL }, 1, "",
	    "could not convert 'soon' to Long");
	expect_run((const char *[]){ "signal-cli", "send", "-m", "x", NULL },
	    1, "", "No recipients given\n");
	expect_run((const char *[]){ "signal-cli", "send", "-mx", NULL },
	    1, "", "No recipients given\n");
	expect_run((const char *[]){ "signal-cli", "send", "-mx", "-zz",
	    NULL }, 1, "", "unrecognized arguments: '-zz'");
	expect_run((const char *[]){ "signal-cli", "-a", "+14155550199",
	    "send", "-m", "x", "+14155550100", NULL }, 3, "",
	    "gateway unavailable at /nonexistent/carapace-test.sock");
	expect_run((const char *[]){ "signal-cli", "send", "-m", "x",
	    "+14155550100", "-a", "/nonexistent/pic.jpg", NULL }, 2, "",
	    "Failed to send message: cannot attach /nonexistent/pic.jpg: "
	    "No such file or directory (AttachmentInvalidException)\n");
	expect_run((const char *[]){ "signal-cli", "-o", "json",
	    "listGroups", "-d", NULL }, 3, "", "gateway unavailable");
	expect_run((const char *[]){ "signal-cli", "listGroups", "x", NULL },
	    1, "", "unrecognized arguments: 'x'");
	expect_run((const char *[]){ "signal-cli", "receive", "-t", "x",
	    NULL }, 1, "", "could not convert 'x' to Double");
	expect_run((const char *[]){ "signal-cli", "daemon", NULL }, 1, "",
	    "At least one channel parameter is required, e.g. --socket or "
	    "--dbus.\n");
	expect_run((const char *[]){ "signal-cli", "daemon", "--tcp", NULL },
	    1, "", "Only one of daemon --http, daemon --socket");
	expect_run((const char *[]){ "signal-cli", "daemon", "--http",
	    "--socket", NULL }, 1, "", "Only one of daemon --http");
	expect_run((const char *[]){ "signal-cli", "daemon", "--http",
	    "nohostport", NULL }, 1, "", "Invalid HTTP address: nohostport");
	expect_run((const char *[]){ "signal-cli", "--dbus", "send", NULL },
	    1, "", "D-Bus is not available");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_param_names),
		cmocka_unit_test(test_string_list),
		cmocka_unit_test(test_map_errors),
		cmocka_unit_test(test_build_send),
		cmocka_unit_test(test_build_plural),
		cmocka_unit_test(test_build_others),
		cmocka_unit_test(test_convert),
		cmocka_unit_test(test_rpc_framing),
		cmocka_unit_test(test_rpc_parse_error),
		cmocka_unit_test(test_http_head),
		cmocka_unit_test(test_http_host),
		cmocka_unit_test(test_http_query),
		cmocka_unit_test(test_http_format),
		cmocka_unit_test(test_sse),
		cmocka_unit_test(test_output_send),
		cmocka_unit_test(test_output_lists),
		cmocka_unit_test(test_output_envelope),
		cmocka_unit_test(test_cli),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
