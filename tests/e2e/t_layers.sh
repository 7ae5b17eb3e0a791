#!/bin/sh
# scripts/check-layers on a tree made up here: three small C files
# compiled to objects, in two layers, with exactly one cycle (b.c and
# c.c use each other) and one upward use (a.c, low, calls b.c, high).
# The checker must find exactly those, nothing else; then a clean
# variant, long and unclaimed files, a layer table with a tie and an
# empty build directory.  Needs a C compiler and nm, not root.

. "$(dirname "$0")/lib.sh"

CHECK="$top_srcdir/scripts/check-layers"
CC=${CC:-cc}

for tool in "$CC" nm python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "# SKIP: $tool not installed"
		exit 77
	fi
done

T=$(mktemp -d /tmp/cp-layers.XXXXXX)
mkdir -p "$T/src/low" "$T/src/high" "$T/build/src/low" \
    "$T/build/src/high"

cat >"$T/src/low/a.c" <<'EOF'
/* Fixture: the low layer; calls up into b.c unless NO_UP. */
int	a_func(void);
int	b_func(void);

int
a_func(void)
{
#ifdef NO_UP
	return 1;
#else
	return b_func();
#endif
}
EOF

cat >"$T/src/high/b.c" <<'EOF'
/* Fixture: the high layer; calls c.c, which calls back unless NO_LOOP. */
int		b_helper(void);
int		b_func(void);
int		c_func(void);
const int	b_table[] = { 1, 2 };

int
b_helper(void)
{
	return 2;
}

int
b_func(void)
{
	return c_func() + 1;
}
EOF

# c.c has a static a_func: a local symbol must not make an edge to a.c
# (which would close a loop a -> b -> c -> a).  It refers to b.c's data
# as well as calling it: both are uses.
cat >"$T/src/high/c.c" <<'EOF'
/* Fixture: the high layer; uses b.c back (a call and data) unless NO_LOOP. */
int		c_func(void);
int		b_helper(void);
extern const int b_table[];

static int
a_func(void)
{
	return 3;
}

int
c_func(void)
{
#ifdef NO_LOOP
	return a_func();
#else
	return a_func() + b_helper() + b_table[0];
#endif
}
EOF

# A stale object whose source is gone (moved by a refactor): ignored.
cat >"$T/src/high/gone.c" <<'EOF'
int	gone_func(void);
int	b_func(void);

int
gone_func(void)
{
	return b_func();
}
EOF

cat >"$T/layers.txt" <<'EOF'
# low claims everything; high is more specific for its directory.
low	src/*
high	src/high/*
EOF

# compile FLAGS...: the fixture's objects, c.c's with an automake-style
# "TARGET-" prefix, as a program with its own flags would have it.
compile() {
	rm -f "$T"/build/src/*/*.o
	"$CC" "$@" -c -o "$T/build/src/low/a.o" "$T/src/low/a.c" &&
	"$CC" "$@" -c -o "$T/build/src/high/b.o" "$T/src/high/b.c" &&
	"$CC" "$@" -c -o "$T/build/src/high/prog-c.o" "$T/src/high/c.c"
}

run() {
	"$CHECK" --srcdir "$T" --layers "$T/layers.txt" "$@"
}

# findings OUTPUT: the indented lines, one per finding or edge, in order.
findings() {
	printf '%s\n' "$1" | grep '^  '
}

check "fixture compiles" compile -O0
check "stale object compiles" \
    "$CC" -c -o "$T/build/src/high/gone.o" "$T/src/high/gone.c"
rm -f "$T/src/high/gone.c"

out=$(run "$T/build" 2>&1)
rc=$?
expect_eq "a cycle and an upward use: exit status 1" 1 "$rc"
expect_match "three files, three edges (stale object and local symbol ignored)" \
    '^check-layers: 3 files, 3 edges, layers \(lowest first\): low high$' \
    "$out"
expect_eq "exactly the cycle and the upward use" \
"  cycle 1: 2 files, 2 edges: src/high/b.c src/high/c.c
    src/high/b.c -> src/high/c.c (mutual): c_func
    src/high/c.c -> src/high/b.c (mutual): b_helper, b_table
  src/low/a.c (low) -> src/high/b.c (high): b_func" \
    "$(findings "$out")"
expect_match "summary line" \
    '^check-layers: 1 cycles, 1 upward uses, 0 files over 1500 lines, 0 unclaimed files$' \
    "$out"
run --report "$T/build" >/dev/null 2>&1
expect_eq "--report: the same findings, exit status 0" 0 $?

cp "$T/layers.txt" "$T/layers.keep"
check "clean variant compiles" compile -O0 -DNO_UP -DNO_LOOP
out=$(run "$T/build" 2>&1)
rc=$?
expect_eq "no cycle, no upward use: exit status 0" 0 "$rc"
expect_eq "clean tree: no findings" "" "$(findings "$out")"
expect_match "clean tree: one edge, b.c uses c.c" \
    '^check-layers: 3 files, 1 edges' "$out"

# A file over 1,500 lines (a header counts) and one exactly at the
# limit; a source file no layer claims.
i=0
while [ $i -lt 1500 ]; do
	echo "/* line */"
	i=$((i + 1))
done >"$T/src/high/limit.h"
{ cat "$T/src/high/limit.h"; echo "/* one more */"; } >"$T/src/high/long.h"
mkdir -p "$T/other"
echo "/* outside src: not checked */" >"$T/other/x.c"
cat >"$T/layers.txt" <<'EOF'
low	src/low/*
high	src/high/*
EOF
mkdir -p "$T/src/misc"
echo "int misc_func(void);" >"$T/src/misc/misc.c"
out=$(run "$T/build" 2>&1)
rc=$?
expect_eq "a long file and an unclaimed file: exit status 1" 1 "$rc"
expect_eq "exactly the long file and the unclaimed file" \
"  src/high/long.h: 1501 lines
  src/misc/misc.c" \
    "$(findings "$out")"
expect_match "their summary" \
    '^check-layers: 0 cycles, 0 upward uses, 1 files over 1500 lines, 1 unclaimed files$' \
    "$out"
rm -f "$T/src/high/long.h" "$T/src/misc/misc.c"

# A file that two layers claim equally is an error in the table.
printf 'low\tsrc/high/*\nhigh\tsrc/high/*\n' >"$T/layers.txt"
out=$(run "$T/build" 2>&1)
rc=$?
expect_eq "tie between two layers: exit status 2" 2 "$rc"
expect_match "the tie is named" \
    'src/high/b.c: matched as specifically by more than one layer' "$out"

# An exact path beats a glob: b.c alone is high, so a.c's call is upward
# and b.c's call of c.c (now low) is not.
printf 'low\tsrc/*\nhigh\tsrc/high/b.c\n' >"$T/layers.txt"
check "variant without the loop compiles" compile -O0 -DNO_LOOP
out=$(run "$T/build" 2>&1)
expect_eq "exact path beats glob" \
    "  src/low/a.c (low) -> src/high/b.c (high): b_func" \
    "$(findings "$out")"
printf 'low\tsrc/*\nhigh\tsrc/high/gone.c\n' >"$T/layers.txt"
expect_match "an exact path naming no file is noted" \
    'names files that do not exist \(moved\?\): src/high/gone.c' \
    "$(run "$T/build" 2>&1)"

# No objects: the build is missing, which is not a pass.
mkdir -p "$T/empty"
cp "$T/layers.keep" "$T/layers.txt"
run "$T/empty" >/dev/null 2>&1
expect_eq "no objects: exit status 2" 2 $?

# The real tree, when built: no file pair calls each other in a loop,
# nothing calls upward, no source is over 1,500 lines, every source has
# a layer.
if [ -f "$top_builddir/libcarapace.a" ]; then
	out=$("$CHECK" "$top_builddir" 2>&1)
	expect_eq "this tree: layered, no cycles, no long files" 0 $?
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
fi

finish
