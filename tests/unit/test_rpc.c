/*
 * Unit tests for the JSON-RPC framing (src/common/rpc.c): the protocol
 * cases in the tests/data/rpc case files, plus what a data file cannot say
 * (huge nesting, references, NUL inside values built in memory, writes).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
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
#include "rpc.h"

/* The parameters the data files' "send" method takes. */
static const struct rpc_param send_params[] = {
	{ .name = "channel", .type = RPC_T_STRING, .required = 1 },
	{ .name = "to", .type = RPC_T_STRING },
	{ .name = "text", .type = RPC_T_STRING },
	{ .name = "limit", .type = RPC_T_INTEGER },
	{ .name = "attachments", .type = RPC_T_BOOLEAN },
	{ .name = "attachment", .type = RPC_T_OBJECT },
	{ .name = "participants", .type = RPC_T_STRINGS },
	{ .name = NULL }
};
static const struct rpc_param no_params[] = {
	{ .name = NULL }
};

/*
 * Run one line the way the handler does: decode, then (for an object)
 * validate the request and its params.  Writes the outcome as "ok",
 * "batch N" or "CODE message".
 */
static void
run_line(const char *line, size_t len, char *out, size_t outlen)
{
	struct rpc_request	 req;
	const struct rpc_param	*table;
	json_t			*v;
	char			 msg[RPC_MSG_MAX];
	int			 code;

	msg[0] = '\0';
	if ((v = rpc_decode(line, len, RPC_MAX_DEPTH, &code, msg,
	    sizeof(msg))) == NULL) {
		(void)snprintf(out, outlen, "%d %s", code, msg);
		return;
	}
	if (json_is_array(v)) {
		(void)snprintf(out, outlen, "batch %zu", json_array_size(v));
		json_decref(v);
		return;
	}
	if ((code = rpc_parse_request(v, &req, msg, sizeof(msg))) != 0) {
		(void)snprintf(out, outlen, "%d %s", code, msg);
		json_decref(v);
		return;
	}
	table = strcmp(req.method, "send") == 0 ? send_params : no_params;
	if ((code = rpc_check_params(req.params, table, msg,
	    sizeof(msg))) != 0)
		(void)snprintf(out, outlen, "%d %s", code, msg);
	else
		(void)snprintf(out, outlen, "ok");
	json_decref(v);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Undo the %XX escapes of an input line; returns its length or -1. */
static ssize_t
unescape(const char *in, char *out, size_t outlen)
{
	size_t	 n = 0;
	int	 hi, lo;

	while (*in != '\0') {
		if (n == outlen)
			return -1;
		if (*in != '%') {
			out[n++] = *in++;
			continue;
		}
		if (in[1] == '%') {
			out[n++] = '%';
			in += 2;
			continue;
		}
		if ((hi = hexval(in[1])) == -1 || (lo = hexval(in[2])) == -1)
			return -1;
		out[n++] = (char)(hi << 4 | lo);
		in += 3;
	}
	return (ssize_t)n;
}

static int
run_case_file(const char *path, int *ncases)
{
	FILE	*f;
	char	 buf[8192], input[8192], got[512];
	char	*text;
	ssize_t	 inlen = -1;
	size_t	 len;
	int	 lineno = 0, inline_no = 0, failures = 0;

	if ((f = fopen(path, "r")) == NULL) {
		print_error("%s: %s\n", path, strerror(errno));
		return 1;
	}
	while (fgets(buf, sizeof(buf), f) != NULL) {
		lineno++;
		len = strlen(buf);
		if (len == 0 || buf[len - 1] != '\n') {
			print_error("%s:%d: line too long or unterminated\n",
			    path, lineno);
			failures++;
			break;
		}
		buf[--len] = '\0';
		if (buf[0] == '#' || buf[0] == '\0')
			continue;
		if (strcmp(buf, "input") == 0 ||
		    strncmp(buf, "input ", 6) == 0) {
			if (inlen != -1) {
				print_error("%s:%d: input without expect\n",
				    path, inline_no);
				failures++;
			}
			text = buf[5] == '\0' ? buf + 5 : buf + 6;
			if ((inlen = unescape(text, input,
			    sizeof(input))) == -1) {
				print_error("%s:%d: bad escape\n", path,
				    lineno);
				failures++;
			}
			inline_no = lineno;
			continue;
		}
		if (strncmp(buf, "expect ", 7) != 0 || inlen == -1) {
			print_error("%s:%d: expected \"input\" then "
			    "\"expect\"\n", path, lineno);
			failures++;
			inlen = -1;
			continue;
		}
		text = buf + 7;
		run_line(input, (size_t)inlen, got, sizeof(got));
		(*ncases)++;
		/* "ok" and "batch N" exactly; errors: code, then substring. */
		if (strcmp(text, "ok") == 0 || strncmp(text, "batch ", 6) == 0 ?
		    strcmp(got, text) != 0 :
		    (strncmp(got, text, strcspn(text, " ")) != 0 ||
		    got[strcspn(text, " ")] != ' ' ||
		    strstr(got + strcspn(text, " "),
		    text + strcspn(text, " ")) == NULL)) {
			print_error("%s:%d: expected \"%s\", got \"%s\"\n",
			    path, inline_no, text, got);
			failures++;
		}
		inlen = -1;
	}
	if (inlen != -1) {
		print_error("%s:%d: input without expect\n", path, inline_no);
		failures++;
	}
	(void)fclose(f);
	return failures;
}

static void
test_cases(void **state)
{
	const char	*top;
	char		 pattern[1024];
	glob_t		 g;
	size_t		 i;
	int		 failures = 0, ncases = 0;

	(void)state;
	if ((top = getenv("top_srcdir")) == NULL)
		top = ".";
	(void)snprintf(pattern, sizeof(pattern), "%s/tests/data/rpc/*.cases",
	    top);
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 3);
	for (i = 0; i < g.gl_pathc; i++)
		failures += run_case_file(g.gl_pathv[i], &ncases);
	globfree(&g);
	assert_int_equal(failures, 0);
	/* The files were really read. */
	assert_true(ncases >= 150);
}

/* The harness itself must catch a wrong expectation. */
static void
test_cases_harness(void **state)
{
	char	 got[512];

	(void)state;
	run_line("{}", 2, got, sizeof(got));
	assert_string_equal(got, "-32600 jsonrpc must be \"2.0\"");
	run_line("[1,2]", 5, got, sizeof(got));
	assert_string_equal(got, "batch 2");
	run_line("{\"jsonrpc\":\"2.0\",\"method\":\"x\"}", 30, got,
	    sizeof(got));
	assert_string_equal(got, "ok");
}

static json_t *
decode(const char *s, int max_depth, int *code, char *msg, size_t msglen)
{
	return rpc_decode(s, strlen(s), max_depth, code, msg, msglen);
}

static void
test_decode_deep(void **state)
{
	char	*s, msg[RPC_MSG_MAX];
	size_t	 n = 100000, i;
	json_t	*v;
	int	 code;

	(void)state;
	s = malloc(n + 3);
	assert_non_null(s);

	/* 100000 '[' never reach the parser. */
	memset(s, '[', n);
	s[n] = '\0';
	code = 0;
	assert_null(decode(s, RPC_MAX_DEPTH, &code, msg, sizeof(msg)));
	assert_int_equal(code, RPC_PARSE_ERROR);
	assert_string_equal(msg, "parse error: nesting deeper than 32");

	/* Nor balanced ones, nor objects. */
	memset(s, '[', n / 2);
	memset(s + n / 2, ']', n / 2);
	assert_null(decode(s, RPC_MAX_DEPTH, &code, msg, sizeof(msg)));
	assert_string_equal(msg, "parse error: nesting deeper than 32");
	for (i = 0; i + 5 <= n; i += 5)
		memcpy(s + i, "{\"a\":", 5);
	s[i] = '\0';
	assert_null(decode(s, RPC_MAX_DEPTH, &code, msg, sizeof(msg)));
	assert_string_equal(msg, "parse error: nesting deeper than 32");

	/* Inside a string they are just characters. */
	s[0] = '"';
	memset(s + 1, '[', n);
	s[n + 1] = '"';
	s[n + 2] = '\0';
	v = decode(s, RPC_MAX_DEPTH, &code, msg, sizeof(msg));
	assert_true(json_is_string(v));
	assert_int_equal(json_string_length(v), n);
	json_decref(v);
	free(s);
}

static void
test_decode_max_depth(void **state)
{
	char	 msg[RPC_MSG_MAX];
	json_t	*v;
	int	 code;

	(void)state;
	v = decode("[[1]]", 2, &code, msg, sizeof(msg));
	assert_true(json_is_array(v));
	json_decref(v);
	assert_null(decode("[[1]]", 1, &code, msg, sizeof(msg)));
	assert_string_equal(msg, "parse error: nesting deeper than 1");
	assert_null(decode("{}", 0, &code, msg, sizeof(msg)));
	v = decode("5", 0, &code, msg, sizeof(msg));
	assert_true(json_is_integer(v));
	json_decref(v);
	/* Depth returns to zero between siblings. */
	v = decode("[[1],[2],{\"a\":[3]}]", 3, &code, msg, sizeof(msg));
	assert_true(json_is_array(v));
	json_decref(v);
}

static void
test_decode_args(void **state)
{
	char	 msg[RPC_MSG_MAX], small[12];
	json_t	*v;
	int	 code;

	(void)state;
	/* The line need not be NUL-terminated: only len counts. */
	v = rpc_decode("{}garbage", 2, 32, &code, msg, sizeof(msg));
	assert_true(json_is_object(v));
	json_decref(v);

	/* NULL line, NULL code, NULL message: still a clean refusal. */
	assert_null(rpc_decode(NULL, 0, 32, &code, msg, sizeof(msg)));
	assert_int_equal(code, RPC_PARSE_ERROR);
	assert_string_equal(msg, "parse error: empty line");
	assert_null(rpc_decode("{", 1, 32, NULL, NULL, 0));

	/* A short message buffer truncates, NUL-terminated. */
	memset(small, 'x', sizeof(small));
	assert_null(rpc_decode("{} x", 4, 32, &code, small, sizeof(small)));
	assert_string_equal(small, "parse error");

	/* A raw NUL inside the given length is found. */
	assert_null(rpc_decode("{\"a\":\0}", 7, 32, &code, msg,
	    sizeof(msg)));
	assert_string_equal(msg, "parse error: NUL byte at offset 5");
}

static void
test_decode_messages_printable(void **state)
{
	static const char *const lines[] = {
		"{\"a\":\"\x01\"}",
		("{\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\":1,"
		    "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\":1}"),
		"\"\xc3\xa9",
		"[\"\xc3\xa9\" x]",
	};
	char		 msg[RPC_MSG_MAX];
	const char	*p;
	size_t		 i;
	int		 code;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		msg[0] = '\0';
		assert_null(decode(lines[i], 32, &code, msg, sizeof(msg)));
		assert_int_equal(code, RPC_PARSE_ERROR);
		assert_true(strlen(msg) > 12);
		for (p = msg; *p != '\0'; p++)
			assert_true(*p >= 0x20 && *p < 0x7f);
	}
}

static void
test_request_id_echo(void **state)
{
	struct rpc_request	 req;
	char			 msg[RPC_MSG_MAX];
	json_t			*v;
	int			 code;

	(void)state;
	/* An id is echoed even when the rest is wrong. */
	v = decode("{\"jsonrpc\":\"1.0\",\"id\":7,\"method\":\"m\"}", 32,
	    &code, msg, sizeof(msg));
	assert_non_null(v);
	assert_int_equal(rpc_parse_request(v, &req, msg, sizeof(msg)),
	    RPC_INVALID_REQUEST);
	assert_true(json_is_integer(req.id));
	assert_int_equal(json_integer_value(req.id), 7);
	assert_null(req.method);
	json_decref(v);

	v = decode("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"m\","
	    "\"extra\":1}", 32, &code, msg, sizeof(msg));
	assert_int_equal(rpc_parse_request(v, &req, msg, sizeof(msg)),
	    RPC_INVALID_REQUEST);
	assert_string_equal(msg, "unknown member: extra");
	assert_string_equal(json_string_value(req.id), "x");
	json_decref(v);

	/* An unusable id is not. */
	v = decode("{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"m\"}", 32,
	    &code, msg, sizeof(msg));
	assert_int_equal(rpc_parse_request(v, &req, msg, sizeof(msg)),
	    RPC_INVALID_REQUEST);
	assert_null(req.id);
	json_decref(v);

	/*
	 * A string id is stored in the audit chain and echoed: one longer
	 * than RPC_ID_MAX is refused, and not even echoed.
	 */
	{
		char	line[RPC_ID_MAX + 64];

		(void)snprintf(line, sizeof(line),
		    "{\"jsonrpc\":\"2.0\",\"id\":\"%0*d\",\"method\":\"m\"}",
		    RPC_ID_MAX, 7);
		v = decode(line, 32, &code, msg, sizeof(msg));
		assert_int_equal(rpc_parse_request(v, &req, msg, sizeof(msg)),
		    0);
		assert_int_equal(json_string_length(req.id), RPC_ID_MAX);
		json_decref(v);
		(void)snprintf(line, sizeof(line),
		    "{\"jsonrpc\":\"2.0\",\"id\":\"%0*d\",\"method\":\"m\"}",
		    RPC_ID_MAX + 1, 7);
		v = decode(line, 32, &code, msg, sizeof(msg));
		assert_int_equal(rpc_parse_request(v, &req, msg, sizeof(msg)),
		    RPC_INVALID_REQUEST);
		assert_string_equal(msg, "id longer than 128 bytes");
		assert_null(req.id);
		json_decref(v);
	}

	/* A notification has no id; "id":null is an id. */
	v = decode("{\"jsonrpc\":\"2.0\",\"method\":\"m\"}", 32, &code, msg,
	    sizeof(msg));
	assert_int_equal(rpc_parse_request(v, &req, msg, sizeof(msg)), 0);
	assert_null(req.id);
	assert_null(req.params);
	assert_string_equal(req.method, "m");
	json_decref(v);
	v = decode("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":null,"
	    "\"params\":{\"a\":1}}", 32, &code, msg, sizeof(msg));
	assert_int_equal(rpc_parse_request(v, &req, msg, sizeof(msg)), 0);
	assert_non_null(req.id);
	assert_true(json_is_null(req.id));
	assert_ptr_equal(req.params, json_object_get(v, "params"));
	json_decref(v);

	/* Not an object: nothing to echo. */
	v = json_integer(5);
	memset(&req, 0xa5, sizeof(req));
	assert_int_equal(rpc_parse_request(v, &req, msg, sizeof(msg)),
	    RPC_INVALID_REQUEST);
	assert_null(req.id);
	assert_null(req.method);
	assert_null(req.params);
	json_decref(v);
}

/* Values built in memory can hold NUL; they are refused all the same. */
static void
test_nul_in_memory(void **state)
{
	struct rpc_request	 req;
	char			 msg[RPC_MSG_MAX];
	json_t			*v, *params;

	(void)state;
	v = json_pack("{s:s, s:o}", "jsonrpc", "2.0", "method",
	    json_stringn("pi\0ng", 5));
	assert_non_null(v);
	assert_int_equal(rpc_parse_request(v, &req, msg, sizeof(msg)),
	    RPC_INVALID_REQUEST);
	assert_string_equal(msg, "method must not contain NUL");
	json_decref(v);

	params = json_pack("{s:s, s:o}", "channel", "imsg", "text",
	    json_stringn("a\0b", 3));
	assert_int_equal(rpc_check_params(params, send_params, msg,
	    sizeof(msg)), RPC_INVALID_PARAMS);
	assert_string_equal(msg, "param text: must not contain NUL");
	json_decref(params);

	params = json_pack("{s:s, s:[s,o]}", "channel", "imsg",
	    "participants", "a", json_stringn("\0", 1));
	assert_int_equal(rpc_check_params(params, send_params, msg,
	    sizeof(msg)), RPC_INVALID_PARAMS);
	assert_string_equal(msg, "param participants: must not contain NUL");
	json_decref(params);
}

static void
test_check_params_edges(void **state)
{
	static const struct rpc_param only_optional[] = {
		{ .name = "limit", .type = RPC_T_INTEGER },
		{ .name = NULL }
	};
	char	 msg[RPC_MSG_MAX];
	json_t	*params;

	(void)state;
	/* No params at all is {}. */
	assert_int_equal(rpc_check_params(NULL, only_optional, msg,
	    sizeof(msg)), 0);
	assert_int_equal(rpc_check_params(NULL, send_params, msg,
	    sizeof(msg)), RPC_INVALID_PARAMS);
	assert_string_equal(msg, "missing param: channel");

	/* Exact messages. */
	params = json_pack("{s:i}", "x", 1);
	assert_int_equal(rpc_check_params(params, only_optional, msg,
	    sizeof(msg)), RPC_INVALID_PARAMS);
	assert_string_equal(msg, "unknown param: x");
	json_decref(params);
	params = json_pack("{s:s}", "", "v");
	assert_int_equal(rpc_check_params(params, only_optional, msg,
	    sizeof(msg)), RPC_INVALID_PARAMS);
	assert_string_equal(msg, "unknown param: ");
	json_decref(params);
	params = json_pack("{s:s}", "limit", "5");
	assert_int_equal(rpc_check_params(params, only_optional, msg,
	    sizeof(msg)), RPC_INVALID_PARAMS);
	assert_string_equal(msg, "param limit: expected integer");
	json_decref(params);

	/* Positional params and other non-objects. */
	params = json_pack("[i]", 1);
	assert_int_equal(rpc_check_params(params, only_optional, msg,
	    sizeof(msg)), RPC_INVALID_PARAMS);
	assert_string_equal(msg, "params must be an object");
	json_decref(params);
	params = json_array();
	assert_int_equal(rpc_check_params(params, only_optional, msg,
	    sizeof(msg)), RPC_INVALID_PARAMS);
	assert_string_equal(msg, "params must be an object");
	json_decref(params);
	params = json_string("x");
	assert_int_equal(rpc_check_params(params, only_optional, msg,
	    sizeof(msg)), RPC_INVALID_PARAMS);
	json_decref(params);

	/* Every member is checked, not only the first. */
	params = json_pack("{s:s, s:s, s:i}", "channel", "imsg", "to", "x",
	    "text", 3);
	assert_int_equal(rpc_check_params(params, send_params, msg,
	    sizeof(msg)), RPC_INVALID_PARAMS);
	assert_string_equal(msg, "param text: expected string");
	json_decref(params);
}

static void
assert_dump(json_t *v, const char *expect)
{
	char	*s;

	assert_non_null(v);
	s = json_dumps(v, JSON_COMPACT);
	assert_non_null(s);
	assert_string_equal(s, expect);
	free(s);
}

static void
test_responses(void **state)
{
	json_t	*id, *r;

	(void)state;
	id = json_integer(1);
	r = rpc_result(id, json_pack("{s:b}", "pong", 1));
	assert_dump(r,
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"pong\":true}}");
	/* The id was shared, not taken. */
	assert_int_equal(id->refcount, 2);
	json_decref(r);
	assert_int_equal(id->refcount, 1);
	json_decref(id);

	r = rpc_result(NULL, json_true());
	assert_dump(r, "{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":true}");
	json_decref(r);
	/* No result (a failed json_pack, say) is no response. */
	assert_null(rpc_result(NULL, NULL));

	id = json_string("abc");
	r = rpc_error(id, RPC_INVALID_PARAMS, "unknown param: x", NULL);
	assert_dump(r, "{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"error\":"
	    "{\"code\":-32602,\"message\":\"unknown param: x\"}}");
	json_decref(r);
	assert_int_equal(id->refcount, 1);

	r = rpc_error(id, CP_ERR_RATE_LIMITED, NULL,
	    json_pack("{s:i, s:s}", "retry_after", 3, "rule", "r1"));
	assert_dump(r, "{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"error\":"
	    "{\"code\":-32003,\"message\":\"Rate limited\",\"data\":"
	    "{\"retry_after\":3,\"rule\":\"r1\"}}}");
	json_decref(r);
	json_decref(id);

	/* A message that is not UTF-8 falls back to the standard one. */
	r = rpc_error(NULL, RPC_PARSE_ERROR, "bad \xff", NULL);
	assert_dump(r, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":"
	    "{\"code\":-32700,\"message\":\"Parse error\"}}");
	json_decref(r);
}

static char *
read_line(int fd, size_t max)
{
	char	*s;
	size_t	 n = 0;
	ssize_t	 r;

	s = malloc(max + 1);
	assert_non_null(s);
	while (n < max) {
		r = read(fd, s + n, 1);
		assert_int_equal(r, 1);
		if (s[n++] == '\n')
			break;
	}
	s[n] = '\0';
	return s;
}

static void
test_write(void **state)
{
	json_t	*r;
	char	*line;
	int	 sp[2], p[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	r = rpc_result(NULL, json_pack("{s:s}", "text",
	    "h\xc3\xa9llo \"\n\x01"));
	assert_int_equal(rpc_write(sp[0], r), 0);
	line = read_line(sp[1], 1024);
	/* Compact, UTF-8 kept, control characters escaped: one line. */
	assert_string_equal(line, "{\"jsonrpc\":\"2.0\",\"id\":null,"
	    "\"result\":{\"text\":\"h\xc3\xa9llo \\\"\\n\\u0001\"}}\n");
	free(line);

	/* A closed peer is EPIPE, not a SIGPIPE that kills us. */
	close(sp[1]);
#ifndef MSG_NOSIGNAL
	(void)signal(SIGPIPE, SIG_IGN);
#endif
	errno = 0;
	assert_int_equal(rpc_write(sp[0], r), -1);
	assert_int_equal(errno, EPIPE);
	close(sp[0]);

	/* Not a socket: write(2). */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(rpc_write(p[1], r), 0);
	line = read_line(p[0], 1024);
	assert_int_equal(line[strlen(line) - 1], '\n');
	assert_int_equal(strncmp(line, "{\"jsonrpc\":\"2.0\"", 16), 0);
	free(line);
	close(p[0]);
	close(p[1]);
	json_decref(r);

	/* Only objects and arrays go on the wire. */
	r = json_integer(1);
	errno = 0;
	assert_int_equal(rpc_write(1, r), -1);
	assert_int_equal(errno, EINVAL);
	json_decref(r);
	assert_int_equal(rpc_write(1, NULL), -1);
	assert_int_equal(errno, EINVAL);
}

/* A line bigger than the socket buffer, on a non-blocking socket. */
static void
test_write_large_nonblocking(void **state)
{
	json_t	*r;
	char	*text, buf[65536], last = 0;
	size_t	 n = 4 * 1024 * 1024, total = 0, expect;
	ssize_t	 got;
	pid_t	 pid;
	int	 sp[2], status;

	(void)state;
	text = malloc(n + 1);
	assert_non_null(text);
	memset(text, 'a', n);
	text[n] = '\0';
	r = rpc_result(NULL, json_stringn(text, n));
	assert_non_null(r);
	free(text);
	/* {"jsonrpc":"2.0","id":null,"result":"aaa..."}\n */
	expect = 37 + n + 2 + 1;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(sp[0]);
		while ((got = read(sp[1], buf, sizeof(buf))) > 0) {
			total += (size_t)got;
			last = buf[got - 1];
			usleep(100);
		}
		json_decref(r);
		_exit(total == expect && last == '\n' ? 0 : 1);
	}
	close(sp[1]);
	assert_int_equal(fcntl(sp[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(rpc_write(sp[0], r), 0);
	close(sp[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	json_decref(r);
}

static void
test_code_messages(void **state)
{
	(void)state;
	assert_string_equal(rpc_code_message(RPC_PARSE_ERROR), "Parse error");
	assert_string_equal(rpc_code_message(RPC_INVALID_REQUEST),
	    "Invalid Request");
	assert_string_equal(rpc_code_message(RPC_METHOD_NOT_FOUND),
	    "Method not found");
	assert_string_equal(rpc_code_message(RPC_INVALID_PARAMS),
	    "Invalid params");
	assert_string_equal(rpc_code_message(RPC_INTERNAL_ERROR),
	    "Internal error");
	assert_string_equal(rpc_code_message(CP_ERR_PEER_UNAUTHORIZED),
	    "Peer not authorized");
	assert_string_equal(rpc_code_message(CP_ERR_RECIPIENT_DENIED),
	    "Recipient not allowed");
	assert_string_equal(rpc_code_message(CP_ERR_RATE_LIMITED),
	    "Rate limited");
	assert_string_equal(rpc_code_message(CP_ERR_CONTENT_BLOCKED),
	    "Content blocked");
	assert_string_equal(rpc_code_message(CP_ERR_HELD),
	    "Held for approval");
	assert_string_equal(rpc_code_message(CP_ERR_CHANNEL_UNAVAILABLE),
	    "Channel unavailable");
	assert_string_equal(rpc_code_message(CP_ERR_TOOL_FAILED),
	    "Tool failed");
	assert_string_equal(rpc_code_message(CP_ERR_TIMEOUT), "Timeout");
	assert_string_equal(rpc_code_message(CP_ERR_AUDIT_UNAVAILABLE),
	    "Audit unavailable");
	assert_string_equal(rpc_code_message(CP_ERR_STATE_UNAVAILABLE),
	    "State unavailable");
	assert_string_equal(rpc_code_message(CP_ERR_CONFIG_INVALID),
	    "Configuration invalid");
	assert_string_equal(rpc_code_message(CP_ERR_CHANNEL_DENIED),
	    "Channel not permitted");
	assert_string_equal(rpc_code_message(-32050), "Server error");
	assert_string_equal(rpc_code_message(0), "Unknown error");
	assert_string_equal(rpc_code_message(42), "Unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases_harness),
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_decode_deep),
		cmocka_unit_test(test_decode_max_depth),
		cmocka_unit_test(test_decode_args),
		cmocka_unit_test(test_decode_messages_printable),
		cmocka_unit_test(test_request_id_echo),
		cmocka_unit_test(test_nul_in_memory),
		cmocka_unit_test(test_check_params_edges),
		cmocka_unit_test(test_responses),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_write_large_nonblocking),
		cmocka_unit_test(test_code_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
