#!/bin/sh
# A remote agent (doc/remote.md): the agent's machine reaches the gateway
# socket through OpenSSH's Unix-socket forwarding,
#	ssh -N -L /path/agent.sock:/run/carapace/gateway.sock remote@gateway
# and the handler's peer credentials are then the ssh account's on the
# gateway host: the sshd session process that connects is that account.
# A real sshd (Debian's openssh-server) runs on 127.0.0.1 on a free port
# with a throwaway host key and user keys, and the sshd_config Match
# blocks of doc/remote.md.  The local user running ssh and the shim is
# one the gateway does not know, so a send that passes proves the peer
# was the ssh account; an account without the forwarding right gets
# nothing through, and the forwarding account gets no shell and no TCP
# forwarding.  Waits are events: sshd's "Server listening" line read
# from a FIFO, and ssh -f returning once its forward is set up.
. "$(dirname "$0")/lib.sh"

need_root
SSHD=/usr/sbin/sshd
if [ ! -x "$SSHD" ] || ! command -v ssh >/dev/null 2>&1 ||
    ! command -v ssh-keygen >/dev/null 2>&1; then
	echo "# SKIP: openssh-server and openssh-client are needed" \
	    "(scripts/deps.sh installs them)"
	exit 77
fi
command -v python3 >/dev/null 2>&1 || { echo "# SKIP: no python3"; exit 77; }

REMOTE_USER=cp-remote		# may forward to the gateway socket
NOFWD_USER=cp-remote-nofwd	# may log in, may not forward
(
	flock 9
	for u in "$REMOTE_USER" "$NOFWD_USER"; do
		# "*": no password, yet not locked, so a key may log in.
		getent passwd "$u" >/dev/null ||
		    useradd --system --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin -p '*' "$u"
	done
) 9>/tmp/carapace-e2e-users.lock

setup
default_config
# The gateway knows the ssh account only; the local users are strangers.
sed -i "s/users: \\[$AGENT_USER\\]/users: [$REMOTE_USER]/" "$CONF"
start_gateway

cleanup() {
	[ -S "$T/ssh/ctl" ] && ssh -S "$T/ssh/ctl" -O exit x 2>/dev/null
	for c in ctl-nofwd ctl-other; do
		[ -S "$T/ssh/$c" ] && ssh -S "$T/ssh/$c" -O exit x 2>/dev/null
	done
	if [ -n "${SSHD_PID:-}" ]; then
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
	fi
	stop_gateway
}
trap cleanup EXIT

# Keys: a throwaway host key, one user key per account (the agent's
# machine holds the private halves; here root, standing for it).
mkdir -m 755 "$T/ssh" "$T/ssh/keys"
ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/host_key" -C host
ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/remote_key" -C remote
ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/nofwd_key" -C nofwd
cp "$T/ssh/remote_key.pub" "$T/ssh/keys/$REMOTE_USER"
cp "$T/ssh/nofwd_key.pub" "$T/ssh/keys/$NOFWD_USER"
chown "$REMOTE_USER" "$T/ssh/keys/$REMOTE_USER"
chown "$NOFWD_USER" "$T/ssh/keys/$NOFWD_USER"
chmod 600 "$T/ssh/keys"/*
# sshd's privilege separation directory (Debian makes it at boot).
[ -d /run/sshd ] || mkdir -m 755 /run/sshd

# The sshd_config of doc/remote.md, on loopback and a free port.
sshd_config() {
	cat >"$T/ssh/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $1
HostKey $T/ssh/host_key
PidFile none
AuthorizedKeysFile $T/ssh/keys/%u
# The test's files live under /tmp, which StrictModes rejects (sticky,
# world-writable); doc/remote.md keeps StrictModes on.
StrictModes no
UsePAM no
# Everyone: keys only, nothing forwarded, no login but the accounts below.
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
DisableForwarding yes
PermitTTY no
PermitUserRC no
PermitTunnel no
AllowUsers $REMOTE_USER $NOFWD_USER
LogLevel VERBOSE

# A remote agent: one account per agent, its Unix-socket forward only.
Match User $REMOTE_USER
	DisableForwarding no
	AllowStreamLocalForwarding local
	# sshd turns "AllowTcpForwarding no" into an admin refusal of every
	# local forward, Unix sockets included; it must say local, and
	# PermitOpen narrows local forwards to the gateway socket's path
	# (a bracketed host with any port is how a path is written).
	AllowTcpForwarding local
	PermitOpen [$SOCK]:*
	AllowAgentForwarding no
	X11Forwarding no
	GatewayPorts no
	PermitTTY no
	ForceCommand /usr/sbin/nologin
EOF
}

# Start sshd on a free port: its "Server listening" line is the event.
# Another process may take the port between the probe and sshd's bind:
# then sshd exits without that line and the next port is tried.
SSHD_PID=
for attempt in 1 2 3; do
	PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	sshd_config "$PORT"
	rm -f "$T/ssh/sshd.fifo"
	mkfifo "$T/ssh/sshd.fifo"
	"$SSHD" -D -e -f "$T/ssh/sshd_config" 2>"$T/ssh/sshd.fifo" &
	SSHD_PID=$!
	listening=0
	exec 5<"$T/ssh/sshd.fifo"
	while IFS= read -r line <&5; do
		printf '%s\n' "$line" >>"$T/ssh/sshd.log"
		case $line in
		"Server listening on 127.0.0.1 port $PORT"*)
			listening=1
			break ;;
		esac
	done
	cat <&5 >>"$T/ssh/sshd.log" &
	exec 5<&-
	[ "$listening" = 1 ] && break
	wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=
done
expect_eq "sshd listens on 127.0.0.1:$PORT" 1 "$listening"
[ "$listening" = 1 ] || { finish; exit 1; }
printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$T/ssh/host_key.pub")" \
    >"$T/ssh/known_hosts"

# ssh_opts KEY: the agent machine's ssh options (doc/remote.md).
ssh_opts() {
	echo "-p $PORT -i $1 -o IdentitiesOnly=yes -o BatchMode=yes" \
	    "-o UserKnownHostsFile=$T/ssh/known_hosts" \
	    "-o StrictHostKeyChecking=yes -o ExitOnForwardFailure=yes" \
	    "-o StreamLocalBindUnlink=yes -o ServerAliveInterval=15"
}

# The agent's side: a directory of the local (stranger) user, where ssh
# makes the forwarded socket.  ssh runs as root here, standing for the
# agent machine's ssh; the socket is then handed to that user.
mkdir -m 755 "$T/remote"
# shellcheck disable=SC2046
ssh $(ssh_opts "$T/ssh/remote_key") -M -S "$T/ssh/ctl" -f -N \
    -L "$T/remote/agent.sock:$SOCK" "$REMOTE_USER@127.0.0.1" \
    2>>"$T/ssh/client.log"
expect_eq "ssh -f -N -L sets up the forward and returns" 0 "$?"
check "the forwarded socket exists on the agent's side" \
    test -S "$T/remote/agent.sock"
chown "$STRANGER_USER" "$T/remote/agent.sock"
chmod 600 "$T/remote/agent.sock"

# A send through the forward, by the real shim, as a user the gateway
# does not know: it passes only if the peer is the ssh account.
n=$(spool_count)
out=$(setpriv --reuid="$STRANGER_USER" --regid="$STRANGER_USER" \
    --init-groups env -i PATH=/usr/bin:/bin HOME="$T/home" \
    CARAPACE_SOCKET="$T/remote/agent.sock" \
    "$T/bin/imsg" send --to mom --text "hello from the VM" 2>&1)
expect_eq "imsg send through the ssh forward exits 0" 0 "$?"
expect_eq "the message reached the simulated tool" "$((n + 1))" \
    "$(spool_count)"
ruid=$(id -u "$REMOTE_USER")
line=$(ctl audit show | grep '"method":"send"' | tail -1)
expect_match "the audit names the ssh account's client" \
    '"client":"agent"' "$line"
expect_match "with the ssh account's uid as the peer" \
    "\"uid\":$ruid[,}]" "$line"
case $line in
*"\"uid\":$(id -u "$STRANGER_USER")"[,}]*|*"\"uid\":0"[,}]*)
	not_ok "the local user is not what the gateway sees" ;;
*)	ok "the local user is not what the gateway sees" ;;
esac
# Descriptors do not cross ssh: the forward carries bytes, and the
# SCM_RIGHTS an attachment travels by is dropped at ssh's socket.  The
# gateway sees a request naming an attachment without its descriptor
# and refuses it; nothing is sent.
printf 'picture' >"$T/home/pic.jpg"
chown "$STRANGER_USER" "$T/home/pic.jpg"
n=$(spool_count)
out=$(setpriv --reuid="$STRANGER_USER" --regid="$STRANGER_USER" \
    --init-groups env -i PATH=/usr/bin:/bin HOME="$T/home" \
    CARAPACE_SOCKET="$T/remote/agent.sock" \
    "$T/bin/imsg" send --to mom --file "$T/home/pic.jpg" 2>&1)
rc=$?
check "an attachment through the forward fails" test "$rc" -ne 0
expect_match "because its descriptor did not arrive" 'descriptor' "$out"
expect_eq "and nothing was sent" "$n" "$(spool_count)"
# whoami says the same to the agent.
out=$(printf '{"jsonrpc":"2.0","id":1,"method":"gateway.whoami"}\n' |
    setpriv --reuid="$STRANGER_USER" --regid="$STRANGER_USER" --init-groups \
    "$T/bin/rawclient" "$T/remote/agent.sock")
expect_match "gateway.whoami through the forward: the ssh account" \
    "\"uid\":$ruid[,}]" "$out"

# The forwarding account gets no shell, no command and no TCP forward.
# shellcheck disable=SC2046
out=$(ssh $(ssh_opts "$T/ssh/remote_key") "$REMOTE_USER@127.0.0.1" id 2>&1)
case $out in
*uid=*) not_ok "no command runs for the forwarding account ($out)" ;;
*)	ok "no command runs for the forwarding account" ;;
esac
# shellcheck disable=SC2046
out=$(ssh $(ssh_opts "$T/ssh/remote_key") -W "127.0.0.1:$PORT" \
    "$REMOTE_USER@127.0.0.1" </dev/null 2>&1)
expect_match "a TCP forward (-W) is refused for the forwarding account" \
    'administratively prohibited|forwarding failed' "$out"
# A remote (-R) Unix-socket forward: only "local" is allowed.
# shellcheck disable=SC2046
out=$(ssh $(ssh_opts "$T/ssh/remote_key") -N \
    -R "$T/ssh/reverse.sock:$T/remote/agent.sock" "$REMOTE_USER@127.0.0.1" \
    2>&1)
expect_match "a remote (-R) socket forward is refused" \
    'forwarding failed|prohibited|refused' "$out"
check "and no socket was made on the gateway host" \
    test ! -e "$T/ssh/reverse.sock"

# Only the gateway socket: a forward to another socket that account could
# open on the gateway host (here one anyone may) is refused by sshd.  The
# socket's owner asks, after the attempt, whether anyone connected.
mkfifo "$T/other.ask"
python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o666); s.listen(8)
print("listening", flush=True)
open(sys.argv[2]).readline()
s.setblocking(False)
try:
    s.accept(); print("connected", flush=True)
except BlockingIOError:
    print("nobody", flush=True)
' "$T/run/other.sock" "$T/other.ask" >"$T/other.out" &
OTHER_PID=$!
exec 6>"$T/other.ask"
# shellcheck disable=SC2046
ssh $(ssh_opts "$T/ssh/remote_key") -M -S "$T/ssh/ctl-other" -f -N \
    -L "$T/remote/other.sock:$T/run/other.sock" "$REMOTE_USER@127.0.0.1" \
    2>>"$T/ssh/other.log"
out=$(python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(30)
s.connect(sys.argv[1])
print("eof" if s.recv(1) == b"" else "data")
' "$T/remote/other.sock" 2>&1)
echo >&6
exec 6>&-
wait "$OTHER_PID"
expect_eq "a forward to another socket is closed at once" "eof" "$out"
expect_eq "and that socket's owner saw nobody" "listening nobody" \
    "$(tr '\n' ' ' <"$T/other.out" | sed 's/ $//')"
expect_match "sshd logged the refusal" \
    "connect to path $T/run/other.sock, but the request was denied" \
    "$(cat "$T/ssh/sshd.log")"
ssh -S "$T/ssh/ctl-other" -O exit x 2>/dev/null

# An account without the forwarding right: the listener exists on the
# agent's side (ssh makes it before asking), but every connection through
# it is refused by sshd; nothing reaches the gateway.
a=$(audit_count)
n=$(spool_count)
# shellcheck disable=SC2046
ssh $(ssh_opts "$T/ssh/nofwd_key") -M -S "$T/ssh/ctl-nofwd" -f -N \
    -L "$T/remote/nofwd.sock:$SOCK" "$NOFWD_USER@127.0.0.1" \
    2>>"$T/ssh/nofwd.log"
expect_eq "the account without the right logs in (ssh -f -N)" 0 "$?"
chown "$STRANGER_USER" "$T/remote/nofwd.sock"
out=$(setpriv --reuid="$STRANGER_USER" --regid="$STRANGER_USER" \
    --init-groups env -i PATH=/usr/bin:/bin HOME="$T/home" \
    CARAPACE_SOCKET="$T/remote/nofwd.sock" \
    "$T/bin/imsg" send --to mom --text "should not pass" 2>&1)
rc=$?
check "the send through a refused forward fails" test "$rc" -ne 0
expect_eq "nothing reached the tool" "$n" "$(spool_count)"
expect_eq "the gateway never saw the connection (no audit record)" "$a" \
    "$(audit_count)"
ssh -S "$T/ssh/ctl-nofwd" -O exit x 2>/dev/null
expect_match "sshd refused the forward" \
    'administratively prohibited|refused|not permitted' \
    "$(cat "$T/ssh/nofwd.log" "$T/ssh/sshd.log")"

ssh -S "$T/ssh/ctl" -O exit x 2>/dev/null
finish
