/*
 * libFuzzer target for the imsg shim's command line: the input, split
 * on NUL bytes, is the argument list after the program name.  It goes
 * through shim_imsg_parse (lenient and strict), and a command that
 * parses through shim_imsg_build_request.  No network: the request the
 * shim would send is encoded as shim_send_request frames it and then
 * decoded and checked as the handler does (rpc_decode,
 * rpc_parse_request, the handler's parameter table), which it must
 * pass: whatever a user types, the shim never sends a request the
 * gateway considers malformed.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compat.h"
#include "conf.h"
#include "handler.h"
#include "protocol.h"
#include "rpc.h"
#include "shim.h"

#define MAX_ARGS	64

int		 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 run(int, char **, int, FILE *);
static void	 check_request(const char *, json_t *);

/* The request as the gateway sees it must be well formed. */
static void
check_request(const char *method, json_t *params)
{
	struct rpc_request	 req;
	const struct method	*m;
	int			 known;
	json_t			*frame, *v;
	char			*line, msg[RPC_MSG_MAX];
	int			 code;

	if ((frame = json_pack("{s:s,s:i,s:s,s:O}", "jsonrpc", "2.0", "id",
	    1, "method", method, "params", params)) == NULL)
		abort();
	if ((line = json_dumps(frame, JSON_COMPACT)) == NULL)
		abort();
	json_decref(frame);
	if ((v = rpc_decode(line, strlen(line), RPC_MAX_DEPTH, &code, msg,
	    sizeof(msg))) == NULL) {
		fprintf(stderr, "shim request refused: %s\n%s\n", msg, line);
		abort();
	}
	if (rpc_parse_request(v, &req, msg, sizeof(msg)) != 0 ||
	    (m = method_lookup(req.method, json_string_value(
	    json_object_get(req.params, "channel")), &known)) == NULL ||
	    rpc_check_params(req.params, m->params, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "shim request refused: %s\n%s\n", msg, line);
		abort();
	}
	json_decref(v);
	free(line);
}

static void
run(int argc, char **argv, int flags, FILE *devnull)
{
	struct shim_imsg_args	 args;
	enum shim_imsg_action	 action;
	const char		*method;
	json_t			*params, *message;
	char			 msg[SHIM_IMSG_MSG_MAX];

	action = shim_imsg_parse(argc, argv, flags, &args, msg, sizeof(msg));
	switch (action) {
	case SHIM_IMSG_RUN:
		break;
	case SHIM_IMSG_HELP:
		shim_imsg_print_help(devnull, args.help_cmd,
		    SHIM_IMSG_TOOL_VERSION);
		shim_imsg_args_free(&args);
		return;
	case SHIM_IMSG_ERROR:
	case SHIM_IMSG_ERROR_HELP:
	case SHIM_IMSG_VERSION:
	case SHIM_IMSG_UNAVAILABLE:
		/* An error always says what. */
		if ((action == SHIM_IMSG_ERROR ||
		    action == SHIM_IMSG_ERROR_HELP) && msg[0] == '\0')
			abort();
		shim_imsg_args_free(&args);
		return;
	default:
		abort();
	}

	msg[0] = '\0';
	params = shim_imsg_build_request(&args, &method, msg, sizeof(msg));
	if (params == NULL) {
		if (msg[0] == '\0')
			abort();
	} else {
		if (method == NULL || !json_is_object(params))
			abort();
		check_request(method, params);
		json_decref(params);
	}
	if (args.cmd == SHIM_IMSG_WATCH) {
		message = json_pack("{s:I,s:s,s:s,s:s,s:b}", "chat_id",
		    (json_int_t)42, "sender", "+14155550100", "created_at",
		    "2026-05-16T15:24:36.123Z", "text", "hi", "is_from_me", 0);
		if (message == NULL)
			abort();
		(void)shim_imsg_watch_allows(&args, message);
		json_decref(message);
	}
	shim_imsg_args_free(&args);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE	*devnull;
	static char	 program[] = "imsg";
	char		*argv[MAX_ARGS + 2], *copy;
	size_t		 i;
	int		 argc;

	if (devnull == NULL && (devnull = fopen("/dev/null", "we")) == NULL)
		abort();
	if ((copy = malloc(size + 1)) == NULL)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';

	argc = 0;
	argv[argc++] = program;
	if (size > 0) {
		argv[argc++] = copy;
		for (i = 0; i < size && argc <= MAX_ARGS; i++)
			if (copy[i] == '\0')
				argv[argc++] = copy + i + 1;
	}
	argv[argc] = NULL;

	run(argc, argv, 0, devnull);
	run(argc, argv, SHIM_IMSG_STRICT, devnull);
	free(copy);
	return 0;
}
