#!/bin/sh
# What linking libsystemd would cost carapace-handler, which starts once
# per connection: the same empty program built without and with
# libsystemd (bench/sd-probe.c), each exec'd BENCH_N times (default
# 2000), interleaved in rounds so that drift hits both alike.  Prints
# the p50 of each, the difference and the ratio, from one run; never a
# pass or fail.  doc/HACKING.md gives the reason the handler does not
# link it.
#
#	bench/sd-startup.sh [BUILD_DIR]
set -u
export LC_ALL=C
BUILD=$(cd "${1:-.}" && pwd) || exit 1
N=${BENCH_N:-2000}
ROUNDS=5
plain=$BUILD/bench/sd-probe-plain
with=$BUILD/bench/sd-probe-libsystemd
timer=$BUILD/bench/exec-time
for p in "$plain" "$with" "$timer"; do
	if [ ! -x "$p" ]; then
		echo "sd-startup: $p is missing (configure found no libsystemd?)" >&2
		exit 1
	fi
done
echo "libraries loaded without: $(ldd "$plain" | grep -c '=>')," \
    "with libsystemd: $(ldd "$with" | grep -c '=>')" \
    "($(ldd "$with" | sed -n 's/^[[:space:]]*\([^ ]*\) =>.*/\1/p' | tr '\n' ' '))"
per=$((N / ROUNDS))
p_all=
w_all=
r=0
while [ $r -lt $ROUNDS ]; do
	p=$("$timer" "$per" "$plain" | awk '{ print $2 }') || exit 1
	w=$("$timer" "$per" "$with" | awk '{ print $2 }') || exit 1
	p_all="$p_all $p"
	w_all="$w_all $w"
	r=$((r + 1))
done
# The median of the rounds' medians.
median() { printf '%s\n' $* | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
pm=$(median $p_all)
wm=$(median $w_all)
echo "exec p50 without libsystemd: $pm us (rounds:$p_all)"
echo "exec p50 with libsystemd:    $wm us (rounds:$w_all)"
awk -v p="$pm" -v w="$wm" 'BEGIN {
	printf "difference: %.0f us per exec; ratio with/without: %.2f\n", w - p, w / p }'
