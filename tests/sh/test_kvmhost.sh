#!/bin/sh
# scripts/kvmhost: where guests run (KVMHOST), and each failure a one-line message naming the
# cause and the fix with status 125: bad options, no QEMU, kvm_amd refusing to load, a
# command that outlives its time limit (124).  The booting cases run where the emulated host
# can start (not inside one: QEMU in QEMU's software CPU would take minutes).
set -u
top=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kh="$top/scripts/kvmhost"
fail() {
	echo "FAIL: $*"
	[ -f "$tmp/err" ] && sed 's/^/  | /' "$tmp/err"
	exit 1
}
# expect STATUS PATTERN CMD...: CMD exits STATUS and its stderr has PATTERN on one line.
expect() {
	want=$1 pat=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" = "$want" ] || fail "$*: status $got, want $want"
	[ -z "$pat" ] || grep -q -- "$pat" "$tmp/err" || fail "$*: no line matching '$pat'"
}

[ "$(KVMHOST=1 "$kh" --where)" = emulated ] || fail "KVMHOST=1 does not force the emulated host"
[ "$(KVMHOST=0 "$kh" --where)" = native ] || fail "KVMHOST=0 does not forbid it"
if [ -c /dev/kvm ] && { exec 3<>/dev/kvm; } 2>/dev/null; then
	exec 3>&-
	[ "$(KVMHOST= "$kh" --where)" = native ] || fail "a usable /dev/kvm is not used"
else
	[ "$(KVMHOST= "$kh" --where)" = emulated ] || fail "no /dev/kvm, yet not emulated"
fi
expect 125 "KVMHOST=yes is not 0 or 1" env KVMHOST=yes "$kh" --where
expect 125 "unknown option --bogus; see scripts/kvmhost --help" "$kh" --bogus true
expect 125 "--timeout 1x: not a number of seconds" "$kh" --timeout 1x true
expect 125 "--share $tmp/nosuch: no such directory" "$kh" --share "$tmp/nosuch" true
expect 125 "no command given" "$kh" --timeout 5
# --auto with KVMHOST=0 runs the command here, with its own status.
expect 3 "" env KVMHOST=0 "$kh" --auto -- sh -c 'exit 3'

# No QEMU on PATH: everything else is there.
mkdir "$tmp/bin"
for f in /usr/bin/* /usr/sbin/*; do
	case "${f##*/}" in qemu-system-*) continue ;; esac
	ln -sf "$f" "$tmp/bin/${f##*/}"
done
expect 125 "qemu-system-x86_64 not found; install Debian's qemu-system-x86" \
	env PATH="$tmp/bin" "$kh" true
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "more than one line for a missing QEMU"

if [ "$("$BUILD/vmscope" caps 2>/dev/null | sed -n 's/^host flavour: //p')" = "emulated SVM" ]; then
	echo "note: inside the emulated host: its boot-time failures are checked outside it"
	echo "ok: kvmhost's options and errors"
	exit 0
fi
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86 not installed"; exit 77; }
expect 125 "kvm_amd refused to load" env KVMHOST_KVM_AMD_PARAMS=npt=maybe "$kh" --timeout 60 true
expect 124 "did not finish within --timeout 2 s" "$kh" --timeout 2 sleep 30
expect 7 "" "$kh" --timeout 60 --share "$tmp" sh -c "echo kept >$tmp/f; exit 7"
[ "$(cat "$tmp/f")" = kept ] || fail "a shared directory's file was not kept"
echo "ok: kvmhost's options, errors, status and shared directories"
