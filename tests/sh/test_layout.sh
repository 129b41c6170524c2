#!/bin/sh
# The modules' include arrows (docs/architecture.md, scripts/check-layout): the tree keeps
# them, and each forbidden arrow, added to a copy of the tree, is caught and named.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

out=$(scripts/check-layout 2>&1) || { echo "FAIL: the tree breaks the layout:"; echo "$out"; exit 1; }
echo "ok - the tree keeps every arrow"

# The built objects: no circle between two files of a module outside the declared units.
B=${BUILD:-build}
if [ -f "$B/core/vm.o" ]; then
	out=$(scripts/check-layout . "$B" 2>&1) ||
		{ echo "FAIL: circles inside modules:"; echo "$out"; exit 1; }
	echo "ok - no file circle inside a module ($B)"
else
	echo "FAIL: $B is not built (make BUILD=$B)"
	fail=1
fi

# A circle made on purpose (a.c and b.c of ckpt/ call each other) is found and named; one
# through a third file too.
mkdir -p "$tmp/c/ckpt" "$tmp/c/b/ckpt"
printf 'int b(void);\nint a(void) { return b(); }\n' >"$tmp/c/ckpt/a.c"
printf 'int a(void);\nint b(void) { return a(); }\n' >"$tmp/c/ckpt/b.c"
printf 'int e(void);\nint d(void) { return e(); }\n' >"$tmp/c/ckpt/d.c"
printf 'int f(void);\nint e(void) { return f(); }\n' >"$tmp/c/ckpt/e.c"
printf 'int d(void);\nint f(void) { return d(); }\n' >"$tmp/c/ckpt/f.c"
for f in a b d e f; do cc -c "$tmp/c/ckpt/$f.c" -o "$tmp/c/b/ckpt/$f.o"; done
out=$(scripts/check-layout "$tmp/c" b 2>&1)
if [ $? -eq 0 ]; then
	echo "FAIL: a circle between ckpt/a.c and ckpt/b.c passed the check"
	fail=1
elif ! echo "$out" | grep -q "^ckpt/a.c and ckpt/b.c call each other (ckpt/a.c -> ckpt/b.c: b; ckpt/b.c -> ckpt/a.c: a)"; then
	echo "FAIL: the circle of ckpt/a.c and ckpt/b.c was not named:"
	echo "$out"
	fail=1
elif ! echo "$out" | grep -q "^ckpt/d.c and ckpt/f.c call each other (ckpt/f.c -> ckpt/d.c: d)"; then
	echo "FAIL: the circle of ckpt/d.c, e.c and f.c was not named:"
	echo "$out"
	fail=1
else
	echo "ok - circles inside a module refused and named (two files; three)"
fi

# break FILE INCLUDE ARROW: add the include to a copy of FILE; check-layout must name ARROW.
brk() {
	rm -rf "$tmp/t"
	mkdir -p "$tmp/t"
	cp -r lib abi trace analysis core host probes control guests cli "$tmp/t/"
	[ -d gears ] && cp -r gears "$tmp/t/"
	printf '#include "%s"\n' "$2" >>"$tmp/t/$1"
	if out=$(scripts/check-layout "$tmp/t" 2>&1); then
		echo "FAIL: $1 including $2 ($3) passed the check"
		fail=1
	elif ! echo "$out" | grep -q "^$1:[0-9]*: $3 "; then
		echo "FAIL: $1 including $2: expected '$3' named, got:"
		echo "$out"
		fail=1
	else
		echo "ok - $3 refused ($1 including $2)"
	fi
}

brk trace/ring.c ../core/vm.h "trace -> core"
brk trace/ctf.h ../control/control.h "trace -> control"
brk trace/decode.c ../analysis/report.h "trace -> analysis"
brk core/exit.c ../analysis/report.h "core -> analysis"
brk core/vm.c ../control/control.h "core -> control"
brk core/vm.c ../probes/probes.h "core -> probes"
brk core/step.c ../host/host.h "core -> host"
brk guests/kernel/main.c ../../core/vm.h "guests -> core"
brk guests/lib/guest.h ../../lib/err.h "guests -> lib"
brk guests/user/hello.c ../../trace/trace.h "guests -> trace"
brk lib/err.c ../core/vm.h "lib -> core"
brk abi/layout.h ../lib/err.h "abi -> lib"
brk analysis/report_print.c ../core/vm.h "analysis -> core"
exit $fail
