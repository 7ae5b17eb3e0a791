#!/bin/sh
# The launchd plists, as `make` substitutes them from launchd/*.in, read
# by a real plist parser: scripts/check-units runs libplist's plistutil
# (and Python's plistlib) over them.  Then the check must catch what
# libplist itself lets through: a value it cannot read ("4x" read as 4),
# a key without a value (dropped), a file it cannot convert at all.
# Needs no root; skipped without plistutil (Debian: libplist-utils).
. "$(dirname "$0")/lib.sh"

for tool in plistutil xmllint systemd-analyze python3; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "# SKIP: $tool not installed"
		exit 77
	fi
done

T=$(mktemp -d /tmp/cp-launchd.XXXXXX)
trap 'rm -rf "$T"' EXIT
L=$T/root/usr/local/share/carapace/launchd
mkdir -p "$L" "$T/root/usr/local/sbin"
# The programs the plists name, as stand-ins: only their paths matter.
for p in carapace-handler carapace-watch; do
	printf '#!/bin/sh\n' >"$T/root/usr/local/sbin/$p"
	chmod 755 "$T/root/usr/local/sbin/$p"
done

# The plists made for a /usr/local prefix, whatever this build's is.
for f in "$top_srcdir"/launchd/*.plist.in; do
	sed -e 's|@sbindir@|/usr/local/sbin|g' \
	    -e 's|@localstatedir@|/usr/local/var|g' "$f" \
	    >"$L/$(basename "$f" .in)"
done
out=$("$top_srcdir/scripts/check-units" "$T/root" 2>&1)
rc=$?
expect_eq "check-units passes the substituted plists" 0 $rc
for f in "$L"/*.plist; do
	expect_match "libplist reads $(basename "$f")" \
	    "^ok   - $(basename "$f"): libplist \(plistutil\) reads every value" "$out"
done

G=$L/org.carapace.gateway.plist
cp "$G" "$T/good"
# break NAME SED: check-units must fail on the changed gateway plist.
break_plist() {
	sed -e "$2" "$T/good" >"$G"
	if cmp -s "$G" "$T/good"; then
		not_ok "$1: the edit changed nothing"
		return
	fi
	out=$("$top_srcdir/scripts/check-units" "$T/root" 2>&1)
	rc=$?
	expect_eq "check-units fails on $1" 1 $rc
	expect_match "and names the plist" \
	    '^FAIL - org\.carapace\.gateway\.plist' "$out"
}
break_plist "an integer libplist reads as another" \
    '0,/<integer>[0-9]*</s|<integer>\([0-9]*\)<|<integer>\1x<|'
break_plist "a key without a value" \
    's|<key>SockType</key>|<key>SockType</key><key>Extra</key>|'
break_plist "a dict left open" 's|</plist>||'
cp "$T/good" "$G"
out=$("$top_srcdir/scripts/check-units" "$T/root" 2>&1)
expect_eq "and passes again once restored" 0 $?

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
