/*
 * The gateway wire protocol shared by shims and the handler: newline
 * delimited JSON-RPC 2.0 over a Unix stream socket.  doc/protocol.md is
 * the prose version of this file; keep the two in step.
 */
#ifndef CARAPACE_PROTOCOL_H
#define CARAPACE_PROTOCOL_H

#define CARAPACE_PROTOCOL_VERSION	1

#define CARAPACE_DEFAULT_SOCKET		"/run/carapace/gateway.sock"
#define CARAPACE_DEFAULT_CONFIG		"/etc/carapace/carapace.yaml"

/* Limits a client must respect; the handler enforces them. */
#define RPC_MAX_LINE_DEFAULT	(1024 * 1024)	/* bytes, newline excluded */
#define RPC_MAX_DEPTH		32		/* nested arrays/objects */
#define RPC_MAX_BATCH		64		/* requests in one batch */
#define RPC_MAX_FDS		4		/* descriptors per message */
#define RPC_ID_MAX		128		/* bytes of a string id */

/* JSON-RPC 2.0 standard errors. */
#define RPC_PARSE_ERROR		-32700
#define RPC_INVALID_REQUEST	-32600
#define RPC_METHOD_NOT_FOUND	-32601
#define RPC_INVALID_PARAMS	-32602
#define RPC_INTERNAL_ERROR	-32603

/*
 * Carapace application errors.  These numbers are stable: shims and
 * clients switch on them.  Each carries a human-readable message and a
 * "data" object described in doc/protocol.md.
 */
#define CP_ERR_PEER_UNAUTHORIZED	-32001	/* data: {uid} */
#define CP_ERR_RECIPIENT_DENIED		-32002	/* data: {recipient, rule} */
#define CP_ERR_RATE_LIMITED		-32003	/* data: {retry_after, rule} */
#define CP_ERR_CONTENT_BLOCKED		-32004	/* data: {rule} */
#define CP_ERR_HELD			-32005	/* data: {hold_id, rule} */
#define CP_ERR_CHANNEL_UNAVAILABLE	-32006	/* data: {channel} */
#define CP_ERR_TOOL_FAILED		-32007	/* data: {exit_status, stderr} */
#define CP_ERR_TIMEOUT			-32008	/* data: {timeout_ms} */
#define CP_ERR_AUDIT_UNAVAILABLE	-32009	/* request refused: no audit */
#define CP_ERR_STATE_UNAVAILABLE	-32010	/* state store full/broken */
#define CP_ERR_CONFIG_INVALID		-32011	/* gateway config invalid */
#define CP_ERR_CHANNEL_DENIED		-32012	/* client may not use channel */
#define CP_ERR_LIMIT_REACHED		-32013	/* data: {rule, limit} */
#define CP_ERR_FROZEN			-32014	/* data: {channel, rule} */

#endif /* CARAPACE_PROTOCOL_H */
