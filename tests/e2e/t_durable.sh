#!/bin/sh
# Durable audit, end to end: with audit.sync (the default) a delivery's
# "delivering" record is on disk before the tool can act on it.  The
# whole gateway runs under strace; in its trace, every write to data.mdb
# made before the tool both runs (its execve) and has its request (the
# handler's write into its stdin pipe) must be followed by a flush of
# data.mdb (fdatasync, fsync or msync) before then.  With audit.sync off
# the last write (LMDB's meta page, written without a flush under
# MDB_NOMETASYNC) is not flushed before the tool runs: the check can
# fail, and does there.  The flushes are counted too: everything a send
# writes before its tool is one transaction.
. "$(dirname "$0")/lib.sh"

setup
if ! command -v strace >/dev/null 2>&1; then
	echo "# SKIP: strace not installed"
	exit 77
fi
# The simulated tool is built with the sanitizers too, and its leak
# check cannot run under ptrace (it aborts every run); the tool gets an
# environment built from scratch, so it cannot be told otherwise.  The
# order checked here does not depend on the sanitizers.
if [ "${CP_SANITIZERS:-0}" = 1 ]; then
	echo "# SKIP: LeakSanitizer does not run under strace; checked in the plain build"
	exit 77
fi

# The gateway as start_gateway starts it, traced (-f: the handlers and
# their tools; -y: descriptors with their paths).
start_traced() {
	rm -f "$SOCK" "$T/trace"
	strace -f -y -s 64 -o "$T/trace" \
	    -e trace=execve,write,writev,pwrite64,pwritev,fdatasync,fsync,msync,kill,close,dup2 \
	    setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
	    systemd-socket-activate --accept -l "$SOCK" \
	    "$T/bin/carapace-handler" -c "$CONF" >>"$T/handler.log" 2>&1 &
	GW_PID=$!
	i=0
	while [ ! -S "$SOCK" ] && [ $i -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	chmod 666 "$SOCK"
}

# The tool can act once it both runs and has its request: the later of
# its execve and the handler's write of the request into its stdin
# pipe (a gated request is written after the execve, while a request
# written before the tool starts waits in the pipe).  AWK_ACTS sets
# "acts" on the line where that happens.
AWK_ACTS='
    index($0, tool) { started = 1 }
    index($0, "<pipe:[") && index($0, "method") && /write\(/ { fed = 1 }
    { acts = started && fed }'

# flushed_before_tool: prints "flushed" when the last write to data.mdb
# before the tool can act is followed by a flush of data.mdb before
# then, "unflushed" when not, "no-tool" or "no-write" when the trace
# lacks either.
flushed_before_tool() {
	awk -v tool="execve(\"$T/bin/sim-imsg\"" "$AWK_ACTS"'
	    acts { done = 1; exit }
	    /data\.mdb>/ && /(write|writev|pwrite64|pwritev)\(/ {
		wrote = 1; flushed = 0; next
	    }
	    /data\.mdb>/ && /(fdatasync|fsync|msync)\(/ { flushed = 1 }
	    END {
		if (!done) print "no-tool"
		else if (!wrote) print "no-write"
		else print (flushed ? "flushed" : "unflushed")
	    }' "$T/trace"
}

flushes_before_tool() {
	awk -v tool="execve(\"$T/bin/sim-imsg\"" "$AWK_ACTS"'
	    acts { exit }
	    /data\.mdb>/ && /(fdatasync|fsync|msync)\(/ { n++ }
	    END { print n + 0 }' "$T/trace"
}

# strace ends when its last tracee does: stop the activator it runs,
# then wait for strace to write the end of the trace.
stop_traced() {
	act=$(pgrep -P "$GW_PID")
	[ -n "$act" ] && kill $act
	wait "$GW_PID" 2>/dev/null
	GW_PID=
}

delivering() { ctl audit show | grep -c '"outcome":"delivering"'; }

for sync in default true false; do
	LIMIT_MAX=1000 default_config allowlist
	case $sync in
	default) ;;
	*) sed -i "s|^audit: { sink: stderr }|audit: { sink: stderr, sync: $sync }|" "$CONF" ;;
	esac
	grep -q "^audit: " "$CONF" || not_ok "config has an audit line"
	start_traced
	# A first request creates the environment; the one measured finds
	# it there, as every request but the first does.
	out=$(agent "$T/bin/imsg" send --to mom --text "warm up $sync")
	expect_eq "audit.sync $sync: first send" sent "$out"
	stop_traced
	records=$(delivering)
	start_traced
	out=$(agent "$T/bin/imsg" send --to mom --text "durable $sync")
	expect_eq "audit.sync $sync: send" sent "$out"
	stop_traced
	got=$(flushed_before_tool)
	flushes=$(flushes_before_tool)
	echo "# audit.sync $sync: $flushes flushes of data.mdb before the tool ran; last write $got"
	# The request window, the rate windows and the delivering record
	# are one commit (one flush of its data pages under MDB_NOMETASYNC),
	# and audit.sync adds the flush of its meta page: a send that
	# committed them separately would flush more.
	case $sync in
	false) expect_eq "audit.sync false: one commit before the tool" \
		1 "$flushes" ;;
	*) expect_eq "audit.sync $sync: one commit and one sync before the tool" \
		2 "$flushes" ;;
	esac
	case $sync in
	false) expect_eq "audit.sync false: the last write is not flushed before the tool" \
		unflushed "$got" ;;
	*) expect_eq "audit.sync $sync: every write flushed before the tool runs" \
		flushed "$got" ;;
	esac
	expect_eq "audit.sync $sync: the send's delivering record is in the chain" \
	    $((records + 1)) "$(delivering)"
done
# Refused at the gate: the recipient's window (one a minute) is full
# when the second send commits, by then its tool is up.  The handler
# kills the tool's group before it closes the tool's stdin pipe, and
# never writes the request into it: the tool sees neither the request
# nor the end of its input.
LIMIT_MAX=1 default_config allowlist
start_traced
out=$(agent "$T/bin/imsg" send --to mom --text "first of one")
expect_eq "limit of one: the first send" sent "$out"
out=$(agent "$T/bin/imsg" send --to mom --text "second of one" 2>&1)
expect_match "limit of one: the second is refused at the gate" \
    'rate limited' "$out"
stop_traced
# The last tool started is the second send's; its stdin is the pipe
# its (vfork) child side put on descriptor 0 before the execve.
gate=$(awk -v tool="execve(\"$T/bin/sim-imsg\"" '
    /dup2\(/ && /, 0</ && match($0, /pipe:\[[0-9]+\]/) {
	stdin_of[$1] = substr($0, RSTART, RLENGTH)
    }
    index($0, tool) {
	pid = $1; pipe = stdin_of[pid]; k = 0; c = 0; fed = 0
    }
    # (no closing parenthesis: under load strace splits a call into
    # "... <unfinished ...>" and "<... resumed>" lines)
    pid != "" && $1 != pid && index($0, "kill(-" pid ", SIGKILL") &&
	k == 0 { k = NR }
    pipe != "" && $1 != pid && /close\(/ && index($0, pipe) { c = NR }
    pipe != "" && $1 != pid && /write\(/ && index($0, pipe) &&
	index($0, "method") { fed = 1 }
    END {
	if (pipe == "") print "no-pipe"
	else if (fed) print "fed"
	else if (k == 0) print "not-killed"
	else print (k < c ? "killed-then-closed" : "closed-then-killed")
    }' "$T/trace")
expect_eq "refused at the gate: the tool is killed unfed, before its input ends" \
    killed-then-closed "$gate"
expect_eq "refused at the gate: only the first send reached the tool" 1 \
    "$(cat "$T"/sim/spool/* 2>/dev/null | grep -c 'of one')"

expect_match "the audit chain verifies" '^audit chain OK' "$(ctl audit verify)"

finish
