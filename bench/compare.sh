#!/usr/bin/env bash
# Compare the gateway's overhead of two builds on a shared machine:
# bench/bench.sh BENCH_ONLY=overhead on each, alternately, ROUNDS times
# (default 3), so that load that comes and goes hits both alike; each
# run measures its own floor.  Prints one line per run and the range of
# each build's ratio.
#
#   bench/compare.sh BASE_BUILD NEW_BUILD [ROUNDS]
#
# Environment: as bench/bench.sh (BENCH_N, BENCH_AUDIT_SYNC...).

set -u
export LC_ALL=C
[ $# -ge 2 ] || { echo "usage: compare.sh BASE_BUILD NEW_BUILD [ROUNDS]" >&2; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
ROUNDS=${3:-3}
case "$ROUNDS" in
'' | *[!0-9]*) echo "compare.sh: ROUNDS must be a number" >&2; exit 1 ;;
esac
BASE_R=() NEW_R=()
for ((i = 1; i <= ROUNDS; i++)); do
	for which in base new; do
		[ "$which" = base ] && dir=$1 || dir=$2
		line=$(BENCH_ONLY=overhead bash "$HERE/bench.sh" "$dir" |
		    grep '^overhead .* x floor')
		echo "round $i $which: ${line:-not measured}"
		ratio=$(printf '%s\n' "$line" | sed -n 's/.*= \([0-9.]*\) x floor.*/\1/p')
		[ -n "$ratio" ] || continue
		if [ "$which" = base ]; then BASE_R+=("$ratio"); else NEW_R+=("$ratio"); fi
	done
done
range() { [ $# -gt 0 ] && printf '%s\n' "$@" | sort -n | sed -n '1p;$p' | paste -sd- || echo n/a; }
echo "base ratio range $(range "${BASE_R[@]}") over ${#BASE_R[@]} runs"
echo "new ratio range $(range "${NEW_R[@]}") over ${#NEW_R[@]} runs"
