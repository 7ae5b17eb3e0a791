#!/bin/sh
# The simulated tools in sim/ stand for the real imsg, gog and
# signal-cli, so that a test comparing a shim's output with a simulator's
# catches a shim that prints what the real tool would not.  That only
# works while the simulators share no code with the shims: this check
# fails when a file in sim/ includes a header from src/shim, calls a
# shim_ or gog_ function, or when a built simulator contains a symbol
# that the shim objects define.

set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"

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

sources=$(ls "$top_srcdir"/sim/*.c "$top_srcdir"/sim/*.h 2>/dev/null)
if [ -z "$sources" ]; then
	not_ok "sim/ has sources"
	echo "$passed passed, $failed failed"
	exit 1
fi

# 1. No header of src/shim, by any path.
for f in $sources; do
	bad=""
	for h in "$top_srcdir"/src/shim/*.h; do
		name=$(basename "$h")
		if grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"<]([^\">]*/)?$name[\">]" \
		    "$f" >/dev/null; then
			bad="$bad $name"
		fi
	done
	if grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<][^">]*shim/' \
	    "$f" >/dev/null; then
		bad="$bad src/shim/..."
	fi
	if [ -z "$bad" ]; then
		ok "$(basename "$f") includes no shim header"
	else
		not_ok "$(basename "$f") includes shim headers:$bad"
	fi
done

# 2. No call of a shim_ or gog_ function (the shims' prefixes).
for f in $sources; do
	hits=$(grep -nE '(^|[^A-Za-z0-9_])(shim|gog)_[A-Za-z0-9_]*[[:space:]]*\(' \
	    "$f")
	if [ -z "$hits" ]; then
		ok "$(basename "$f") calls no shim_ or gog_ function"
	else
		not_ok "$(basename "$f") calls shim functions"
		printf '%s\n' "$hits" | sed 's/^/#   /' | head -10
	fi
done

# 3. The built simulators hold no symbol the shim objects define.
if ! command -v nm >/dev/null 2>&1; then
	echo "# nm not found: symbol check skipped"
else
	shim_objects=$(ls "$top_builddir"/src/shim/*.o 2>/dev/null | grep -v -- '-main\.o$')
	defined=$(for o in $shim_objects; do
		nm -g --defined-only "$o" 2>/dev/null | awk '{ print $3 }'
	done | sort -u)
	for prog in imsg gog signal-cli; do
		p="$top_builddir/sim/$prog"
		if [ ! -x "$p" ]; then
			not_ok "sim/$prog is built"
			continue
		fi
		syms=$(nm "$p" 2>/dev/null | awk '{ print $NF }' | sort -u)
		bad=$(printf '%s\n' "$syms" | grep -E '^(shim|gog)_')
		if [ -n "$defined" ]; then
			bad="$bad
$(printf '%s\n%s\n' "$syms" "$defined" | sort | uniq -d)"
		fi
		bad=$(printf '%s\n' "$bad" | sed '/^$/d' | sort -u)
		if [ -z "$bad" ]; then
			ok "sim/$prog links no shim code"
		else
			not_ok "sim/$prog links shim code"
			printf '%s\n' "$bad" | sed 's/^/#   /' | head -10
		fi
	done
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
