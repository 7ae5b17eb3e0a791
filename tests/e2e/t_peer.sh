#!/bin/sh
# Who may connect, by names and numbers: clients[].users and .groups
# are matched against the peer's own names (looked up from the uid and
# gids the kernel gives), never by looking every configured name up.
# Each case: the agent matches (pong), the stranger does not (-32001).
. "$(dirname "$0")/lib.sh"

setup
ping='{"jsonrpc":"2.0","id":1,"method":"gateway.ping"}'
agent_gid=$(id -g "$AGENT_USER")
agent_group=$(id -gn "$AGENT_USER")

# clients_case DESCRIPTION USERS GROUPS
clients_case() {
	default_config allowlist
	sed -i "s|^    users: \[$AGENT_USER\]|    users: [$2]\n    groups: [$3]|" "$CONF"
	start_gateway
	out=$(printf '%s\n' "$ping" | raw)
	expect_match "$1: the agent is admitted" '"pong":true' "$out"
	out=$(printf '%s\n' "$ping" | as "$STRANGER_USER" "$T/bin/rawclient" "$SOCK")
	expect_match "$1: the stranger is refused" '"code":-32001' "$out"
	stop_gateway
}

clients_case "user by name" "$AGENT_USER" ""
clients_case "user by uid" "$(id -u "$AGENT_USER")" ""
clients_case "user among unknown names" "no-such-user-x, $AGENT_USER" ""
clients_case "primary group by name" "" "$agent_group"
clients_case "primary group by gid" "" "$agent_gid"
clients_case "group among unknown names" "" "no-such-group-x, $agent_group"
# Other tests put the agent in the client group; where it is, a
# supplementary group matches by name too.
if id -Gn "$AGENT_USER" | tr ' ' '\n' | grep -qx "$CLIENT_GROUP"; then
	clients_case "supplementary group by name" "" "$CLIENT_GROUP"
else
	echo "# $AGENT_USER is not in $CLIENT_GROUP: supplementary group not tried"
fi
# A name that is no one's: refused (fail closed), and the gateway
# still answers.
default_config allowlist
sed -i "s|^    users: \[$AGENT_USER\]|    users: [no-such-user-x]\n    groups: [no-such-group-x]|" "$CONF"
start_gateway
out=$(printf '%s\n' "$ping" | raw)
expect_match "names that are no one's admit no one" '"code":-32001' "$out"

finish
