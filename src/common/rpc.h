/*
 * JSON-RPC 2.0 framing for the gateway protocol: strict decoding of one
 * line (UTF-8 only, no NUL, no duplicate keys, bounded nesting), request
 * validation, parameter checking against a static table, and encoding
 * of responses.  Used by the handler and the shims alike.
 */
#ifndef CARAPACE_RPC_H
#define CARAPACE_RPC_H

#include <stddef.h>

#include <jansson.h>

#define RPC_MSG_MAX	256

/*
 * Decode one line into a JSON value.  Returns the value (a new
 * reference), or NULL with *code = RPC_PARSE_ERROR and msg describing
 * what was wrong: invalid JSON, invalid UTF-8, a NUL byte (raw or
 * \u0000), a duplicate key, nesting deeper than max_depth, or trailing
 * data after the value.
 */
json_t	*rpc_decode(const char *line, size_t len, int max_depth, int *code,
	    char *msg, size_t msglen);

struct rpc_request {
	json_t		*id;		/* borrowed; NULL for a notification */
	const char	*method;	/* borrowed */
	json_t		*params;	/* borrowed; NULL when absent */
};

/*
 * Check that v is a valid JSON-RPC 2.0 request object ("jsonrpc":"2.0",
 * string method, id string/number/null if present, params object or
 * array if present, no other members).  Returns 0 and fills req, or
 * RPC_INVALID_REQUEST with msg set.  req->id is set whenever v carried a
 * usable id, even on failure, so the error can echo it.
 */
int	 rpc_parse_request(json_t *v, struct rpc_request *req, char *msg,
	    size_t msglen);

enum rpc_type {
	RPC_T_STRING = 1,	/* UTF-8 string, no NUL */
	RPC_T_INTEGER,		/* JSON integer */
	RPC_T_BOOLEAN,
	RPC_T_OBJECT,
	RPC_T_STRINGS,		/* array of strings */
	RPC_T_OBJECTS		/* array of objects */
};

struct rpc_param {
	const char	*name;
	enum rpc_type	 type;
	int		 required;
};

/*
 * Check params (an object, or NULL meaning {}) against a table ending
 * with a {NULL} entry: every member must be in the table with the right
 * type, every required one present.  Positional (array) params are
 * refused.  Returns 0, or RPC_INVALID_PARAMS with msg naming the
 * offending field ("unknown param: x", "param to: expected string").
 */
int	 rpc_check_params(json_t *params, const struct rpc_param *table,
	    char *msg, size_t msglen);

/* Build a response.  Both steal the reference to result / data. */
json_t	*rpc_result(json_t *id, json_t *result);
json_t	*rpc_error(json_t *id, int code, const char *message, json_t *data);

/*
 * Serialise v compactly plus "\n" and write it all to fd (retrying on
 * EINTR/short writes).  Returns 0 or -1 with errno set.
 */
int	 rpc_write(int fd, json_t *v);

/* A standard message for a standard code ("Parse error", ...). */
const char *rpc_code_message(int code);

#endif /* CARAPACE_RPC_H */
