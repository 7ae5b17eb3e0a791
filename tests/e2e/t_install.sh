#!/bin/sh
# A fresh-machine install: `make install DESTDIR=...` from the build tree,
# then the tree is checked file by file (programs, shims, man pages, the
# example configuration, systemd units, launchd plists), the units and
# plists go through scripts/check-units (systemd-analyze verify, exposure
# scores within target, plists valid), and `make uninstall` leaves
# nothing behind.  Needs no test users.
. "$(dirname "$0")/lib.sh"

for tool in systemd-analyze xmllint; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "# SKIP: $tool not installed"
		exit 77
	fi
done

T=$(mktemp -d /tmp/cp-install.XXXXXX)
D=$T/root

# make in the build tree, without the jobserver and flags of the make
# that runs this test.
bmake() {
	(cd "$top_builddir" &&
	    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory "$@")
}

mode_of() {
	stat -c %a "$1" 2>/dev/null || stat -f %Lp "$1"
}

# expect_file DESCRIPTION PATH MODE
expect_file() {
	if [ ! -f "$2" ]; then
		not_ok "$1: ${2#"$D"} missing"
	else
		expect_eq "$1 ${2#"$D"} has mode $3" "$3" "$(mode_of "$2")"
	fi
}

if bmake -s install DESTDIR="$D" >"$T/install.log" 2>&1; then
	ok "make install DESTDIR=$D"
else
	not_ok "make install DESTDIR=$D"
	tail -30 "$T/install.log" | sed 's/^/# /'
	finish
	exit 1
fi
# sbindir=..., shimdir=..., mandir=...: where the Makefile installs.
eval "$(bmake -s print-install-dirs | grep -E "^[a-z]+='[^']*'$")"
for v in sbindir shimdir mandir carapaceconfdir launchddir \
    systemdsystemunitdir sysusersdir tmpfilesdir; do
	eval "val=\${$v:-}"
	if [ -z "$val" ]; then
		not_ok "make print-install-dirs names $v"
	fi
	echo "# $v=$val"
done

# Programs and the shim.
for p in carapace-handler carapace-watch carapacectl; do
	expect_file "program" "$D$sbindir/$p" 755
done
expect_file "imsg shim in its own directory" "$D$shimdir/imsg" 755
expect_file "signal-cli shim in its own directory" "$D$shimdir/signal-cli" 755
expect_file "gog shim in its own directory" "$D$shimdir/gog" 755
expect_file "discord shim in its own directory" "$D$shimdir/discord" 755
expect_file "carapace-discord beside the shims" \
    "$D$(dirname "$shimdir")/carapace-discord" 755
expect_eq "the shim directory holds only shims" "discord gog imsg signal-cli" \
    "$(ls "$D$shimdir" | tr '\n' ' ' | sed 's/ $//')"
out=$("$D$shimdir/imsg" --version 2>&1)
expect_match "the installed shim runs" '^[0-9]+\.[0-9]+' "$out"
out=$("$D$sbindir/carapacectl" -c "$D$carapaceconfdir/carapace.yaml.example" 2>&1)
expect_eq "the installed carapacectl runs (usage, exit 2)" 2 $?
expect_match "and prints its usage" 'usage: carapacectl' "$out"

# Man pages, rendered without a warning.
for m in man8/carapace-handler.8 man8/carapace-watch.8 man8/carapacectl.8 \
    man5/carapace.yaml.5 man7/carapace-shims.7 man1/discord.1; do
	expect_file "man page" "$D$mandir/$m" 644
	if command -v groff >/dev/null 2>&1; then
		w=$(groff -t -mandoc -ww -z -Tutf8 "$D$mandir/$m" 2>&1)
		expect_eq "$m renders without warnings" "" "$w"
	fi
done
expect_file "example configuration" \
    "$D$carapaceconfdir/carapace.yaml.example" 644
check "no example is installed as the live configuration" \
    test ! -e "$D$carapaceconfdir/carapace.yaml"

# launchd plists, naming the installed programs.
for p in org.carapace.gateway.plist org.carapace.watch.imsg.plist; do
	expect_file "launchd plist" "$D$launchddir/$p" 644
done
expect_match "gateway plist runs the installed handler" \
    "<string>$sbindir/carapace-handler</string>" \
    "$(cat "$D$launchddir/org.carapace.gateway.plist")"
expect_match "watcher plist runs the installed watcher" \
    "<string>$sbindir/carapace-watch</string>" \
    "$(cat "$D$launchddir/org.carapace.watch.imsg.plist")"

# systemd units, sysusers.d and tmpfiles.d (none when configured
# --with-systemdsystemunitdir=no; empty is a configure.ac without the
# option, reported above).
case ${systemdsystemunitdir:-} in
no|'')	units=no ;;
*)	units=yes ;;
esac
if [ $units = no ]; then
	echo "# no systemd units configured"
	check "no units installed" \
	    test -z "$(find "$D" -name 'carapace*.service')"
else
	U=$D$systemdsystemunitdir
	for u in carapace.socket carapace-handler@.service \
	    carapace-watch@.service carapace-signal-cli.service; do
		expect_file "systemd unit" "$U/$u" 644
	done
	expect_eq "carapace@.service is an alias of the handler unit" \
	    carapace-handler@.service "$(readlink "$U/carapace@.service")"
	expect_eq "handler unit runs the installed handler" \
	    "ExecStart=$sbindir/carapace-handler" \
	    "$(grep '^ExecStart=' "$U/carapace-handler@.service")"
	expect_eq "watcher unit runs the installed watcher" \
	    "ExecStart=$sbindir/carapace-watch %i" \
	    "$(grep '^ExecStart=' "$U/carapace-watch@.service")"
	expect_file "sysusers.d entry" "$D$sysusersdir/carapace.conf" 644
	expect_file "tmpfiles.d entry" "$D$tmpfilesdir/carapace.conf" 644
fi
check "no template placeholder left in what was installed" \
    test -z "$(grep -rl '@[a-z]*dir@' "$D" 2>/dev/null)"
check "nothing installed is group or world writable" \
    test -z "$(find "$D" ! -type l \( -perm -020 -o -perm -002 \) -print)"

# Units verified and scored, plists validated.
"$top_srcdir/scripts/check-units" "$D" >"$T/check-units.log" 2>&1
rc=$?
sed 's/^/# /' "$T/check-units.log"
expect_eq "scripts/check-units passes on the installed tree" 0 "$rc"
if [ $units = yes ]; then
	expect_match "handler exposure printed" \
	    'carapace-handler@\.service: exposure [0-9.]+ \(target <= 2\.0\)' \
	    "$(cat "$T/check-units.log")"
	expect_match "watcher exposure printed" \
	    'carapace-watch@\.service: exposure [0-9.]+ \(target <= 3\.0\)' \
	    "$(cat "$T/check-units.log")"
fi

# The checker itself fails on a bad tree: a weakened handler unit and a
# broken plist.
if [ $units = yes ]; then
	cp -R "$D" "$T/bad"
	sed -i -e '/^PrivateNetwork=/d' -e '/^SystemCallFilter=/d' \
	    -e '/^CapabilityBoundingSet=/d' -e '/^ProtectSystem=/d' \
	    "$T/bad$systemdsystemunitdir/carapace-handler@.service"
	printf '<plist><dict><key>Label</key></dict></plist>\n' \
	    >"$T/bad$launchddir/org.carapace.gateway.plist"
	out=$("$top_srcdir/scripts/check-units" "$T/bad" 2>&1)
	expect_eq "check-units fails on a weakened unit and a bad plist" 1 $?
	expect_match "and says the handler is over its target" \
	    'FAIL - carapace-handler@\.service: exposure [0-9.]+ is over' "$out"
	expect_match "and that the plist is not valid" \
	    'FAIL - org\.carapace\.gateway\.plist does not follow' "$out"
	rm -rf "$T/bad"
fi

# make uninstall takes everything away again.
if bmake -s uninstall DESTDIR="$D" >"$T/uninstall.log" 2>&1; then
	ok "make uninstall DESTDIR=$D"
else
	not_ok "make uninstall"
	tail -30 "$T/uninstall.log" | sed 's/^/# /'
fi
left=$(find "$D" ! -type d -print)
expect_eq "make uninstall leaves no file behind" "" "$left"

finish
