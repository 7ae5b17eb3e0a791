#!/bin/sh
# One channel, one home: code outside a channel's own files reaches a
# channel only through its driver (src/channel/channel.h).  This check
# fails when a source file that is not a channel's own names a channel:
# its name as a string, its driver, or its adapter and watcher outside
# the one list each (methods.c: adapters[]; watch.c: watchers[];
# channels.c: channel_drivers[]).  A channel's own files are
# src/channel/chan-<name>.*, src/handler/adapter-<name>.*,
# src/watchers/watch-<name>.*, its shim (src/shim) and, for Discord,
# carapace-discord (src/discord).

set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

passed=0
failed=0

ok() {
	passed=$((passed + 1))
	echo "ok $((passed + failed)) - $*"
}

not_ok() {
	failed=$((failed + 1))
	echo "not ok $((passed + failed)) - $*"
}

cd "$top_srcdir" || exit 1
channels=$(sed -n 's/^[[:space:]]*&\([a-z0-9_]*\)_driver,$/\1/p' \
    src/channel/channels.c)
if [ -z "$channels" ]; then
	not_ok "channel_drivers[] lists the channels"
	echo "$passed passed, $failed failed"
	exit 1
fi
ok "channel_drivers[] lists: $(echo $channels)"

for f in $(find src -name '*.[ch]' | sort); do
	case $f in
	src/shim/*|src/discord/*)
		continue ;;
	esac
	own=""
	for c in $channels; do
		case $f in
		src/channel/chan-$c.*|src/handler/adapter-$c.*|\
		src/watchers/watch-$c.*)
			own=$c ;;
		esac
	done
	[ -n "$own" ] && continue
	bad=""
	for c in $channels; do
		# Comments may name a channel; code may not.
		hits=$(sed -e 's|/\*.*\*/||g' -e 's|^[[:space:]]*\*.*||' "$f" |
		    grep -nE "\"$c\"|\b${c}_driver\b|\b${c}_(watch_)?adapter\b" |
		    grep -vE "^[0-9]+:[[:space:]]*&${c}_(watch_)?(driver|adapter),$" |
		    grep -vE "^[0-9]+:extern const struct (channel_driver|handler_adapter|watch_adapter) ${c}_(watch_)?(driver|adapter);$")
		[ -n "$hits" ] && bad="$bad $c"
	done
	if [ -n "$bad" ]; then
		not_ok "$f names channel(s)$bad outside their own files"
	fi
done
[ "$failed" -eq 0 ] && ok "no file but a channel's own names a channel"

# The check itself: a file that names a channel is caught (the inner
# run checks the fixture only).
if [ "${1:-}" = --inner ]; then
	echo "$passed passed, $failed failed"
	exit 0
fi
tmp=$(mktemp -d) || exit 1
mkdir -p "$tmp/src/handler" "$tmp/src/channel"
cp src/channel/channels.c "$tmp/src/channel/"
printf 'int f(const char *s) { return strcmp(s, "%s") == 0; }\n' \
    "$(echo $channels | cut -d' ' -f1)" >"$tmp/src/handler/send.c"
out=$(top_srcdir=$tmp sh "$self" --inner 2>/dev/null)
rm -rf "$tmp"
case $out in
*"not ok"*"src/handler/send.c names channel"*)
	ok "a core file naming a channel is caught" ;;
*)
	not_ok "a core file naming a channel is caught" ;;
esac

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
