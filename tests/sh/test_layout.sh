#!/bin/sh
# The modules' include arrows (docs/architecture.md, scripts/check-layout): the tree keeps
# them, and each forbidden arrow, added to a copy of the tree, is caught and named.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

out=$(scripts/check-layout 2>&1) || { echo "FAIL: the tree breaks the layout:"; echo "$out"; exit 1; }
echo "ok - the tree keeps every arrow"

# break FILE INCLUDE ARROW: add the include to a copy of FILE; check-layout must name ARROW.
brk() {
	rm -rf "$tmp/t"
	mkdir -p "$tmp/t"
	cp -r lib abi trace analysis core probes control guests cli "$tmp/t/"
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
brk guests/kernel/main.c ../../core/vm.h "guests -> core"
brk guests/lib/guest.h ../../lib/err.h "guests -> lib"
brk guests/user/hello.c ../../trace/trace.h "guests -> trace"
brk lib/err.c ../core/vm.h "lib -> core"
brk abi/layout.h ../lib/err.h "abi -> lib"
brk analysis/report_print.c ../core/vm.h "analysis -> core"
exit $fail
