#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Observation across a checkpoint, as a user runs it: `vmscope run --syscalls ... (or
# --mime-symbol ...) --checkpoint-at T FILE` (the guest runs on), then `vmscope run --restore
# FILE`.  The events the first run recorded before the checkpoint followed by those of the
# restored run must be exactly the first run's whole record: no system call or memory
# reference lost or doubled, a call that was in the guest kernel at the checkpoint (init's
# wait4) returning in the restored run.  System calls in filter and trap modes and across a
# migration; MIME on a kernel function.  Read back with babeltrace2.
# Exit 0 pass, 1 fail, 77 skip.
BUILD=${BUILD:-build}
VMSCOPE=$BUILD/vmscope
fail=0

skip() { echo "SKIP: $*"; exit 77; }
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok - $*"; }

command -v babeltrace2 >/dev/null 2>&1 || skip "the babeltrace2 command is not installed"
[ -x "$VMSCOPE" ] || { echo "FAIL: $VMSCOPE is not built"; exit 1; }
[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "no usable /dev/kvm"

tmp=$(mktemp -d /tmp/vmscope-test-sh-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -m 700 "$tmp/ctl"
export VMSCOPE_CONTROL_DIR="$tmp/ctl"

# The capture's events of trace $1, without the times that differ between runs.
calls() {
	babeltrace2 "$1" | grep -E "^\[[^]]*\] \([^)]*\) [^ ]+ (syscall_entry|syscall_exit|memref|memref_skip|lifecycle): " |
		sed -E 's/^\[[^]]*\] \([^)]*\) [^ ]+ //; s/entry_ts = [0-9]+, //'
}

one_mode() {
	mode=$1
	d=$tmp/$mode
	mkdir -p "$d"
	if ! "$VMSCOPE" run --guest-cmd "ticks 40 50" --syscalls write,wait4 --syscall-mode "$mode" \
		--trace "$d/t1" --checkpoint-at 0.8 "$d/g.ckpt" >"$d/out1" 2>"$d/err1"; then
		bad "$mode: the checkpointed run failed: $(tail -3 "$d/err1")"
		return
	fi
	if ! "$VMSCOPE" inspect "$d/g.ckpt" | grep -q "gears"; then
		bad "$mode: the checkpoint has no gears section: $("$VMSCOPE" inspect "$d/g.ckpt")"
		return
	fi
	if ! "$VMSCOPE" run --restore "$d/g.ckpt" --trace "$d/t2" >"$d/out2" 2>"$d/err2"; then
		bad "$mode: the restored run failed: $(tail -3 "$d/err2")"
		return
	fi
	grep -q "capturing system calls" "$d/err2" ||
		bad "$mode: the restored run does not say it captures: $(cat "$d/err2")"
	at=$(sed -n 's/.*console at byte \([0-9]*\).*/\1/p' "$d/err1")
	tail -c +$((at + 1)) "$d/out1" | cmp -s - "$d/out2" ||
		bad "$mode: the restored guest's output is not the first run's from byte $at on"
	calls "$d/t1" | awk '/CKPT_BEGIN/ { exit } /syscall_/' >"$d/before"
	calls "$d/t1" | grep syscall_ >"$d/all"
	calls "$d/t2" | grep syscall_ >"$d/after"
	nb=$(wc -l <"$d/before")
	na=$(wc -l <"$d/after")
	if [ "$nb" -eq 0 ] || [ "$na" -eq 0 ]; then
		bad "$mode: $nb events before the checkpoint, $na after: it did not fall mid-capture"
	elif ! cat "$d/before" "$d/after" | cmp -s - "$d/all"; then
		bad "$mode: before + after differ from the whole capture:"
		cat "$d/before" "$d/after" | diff - "$d/all" | head -20
	elif ! grep -q '^syscall_exit: .*name = "wait4"' "$d/after"; then
		bad "$mode: no wait4 returned after the restore"
	else
		ok "$mode: $nb events before the checkpoint + $na after the restore = the whole capture"
	fi
}

one_mode filter
one_mode trap

# MIME on the kernel's sys_write (ring 0): every write of ticks goes through it.  Where
# hardware breakpoints do not fire (QEMU's TCG) MIME reaches the range only by stepping the
# whole guest, which takes minutes: that case is skipped there, saying so.
d=$tmp/mime
mkdir -p "$d"
if "$VMSCOPE" caps 2>/dev/null | grep -q "fire: ring 0 no"; then
	echo "# skip mime: hardware breakpoints do not fire at ring 0 on this host; MIME would step the whole guest to reach the range"
elif ! "$VMSCOPE" run --guest-cmd "ticks 40 50" --mime-symbol sys_write --trace "$d/t1" \
	--checkpoint-at 0.8 "$d/g.ckpt" >"$d/out1" 2>"$d/err1"; then
	bad "mime: the checkpointed run failed: $(tail -3 "$d/err1")"
elif ! "$VMSCOPE" run --restore "$d/g.ckpt" --trace "$d/t2" >"$d/out2" 2>"$d/err2"; then
	bad "mime: the restored run failed: $(tail -3 "$d/err2")"
else
	grep -q "memory references of .*carried over" "$d/err2" ||
		bad "mime: the restored run does not say it traces: $(cat "$d/err2")"
	calls "$d/t1" | awk '/CKPT_BEGIN/ { exit } /^memref/' >"$d/before"
	calls "$d/t1" | grep '^memref' >"$d/all"
	calls "$d/t2" | grep '^memref' >"$d/after"
	nb=$(wc -l <"$d/before")
	na=$(wc -l <"$d/after")
	if [ "$nb" -eq 0 ] || [ "$na" -eq 0 ]; then
		bad "mime: $nb references before the checkpoint, $na after: not mid-trace"
	elif ! cat "$d/before" "$d/after" | cmp -s - "$d/all"; then
		bad "mime: before + after differ from the whole trace:"
		cat "$d/before" "$d/after" | diff - "$d/all" | head -20
	else
		ok "mime: $nb references before the checkpoint + $na after the restore = the whole trace"
	fi
fi

# A live migration carries the capture: the source's calls and the target's together, every
# entry has its return, the target's among them.
m=$tmp/migrate
mkdir -p "$m"
port=$((40000 + $$ % 20000))
"$VMSCOPE" run --no-input --incoming "127.0.0.1:$port" --trace "$m/t2" >"$m/out2" 2>"$m/err2" &
target=$!
"$VMSCOPE" run --no-input --guest-cmd "ticks 60 50" --syscalls write,wait4 --trace "$m/t1" \
	>"$m/out1" 2>"$m/err1" &
source=$!
# The source answers on its control socket once it runs.
i=0
until [ -S "$VMSCOPE_CONTROL_DIR/$source.sock" ] || [ $i -ge 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
if "$VMSCOPE" migrate "$source" "127.0.0.1:$port" >"$m/mig" 2>&1; then
	wait "$source"
	wait "$target"
else
	bad "migrate: $(cat "$m/mig")"
	kill "$source" "$target" 2>/dev/null
	wait "$source" "$target" 2>/dev/null
fi
calls "$m/t1" >"$m/c1"
calls "$m/t2" >"$m/c2"
ent=$(cat "$m/c1" "$m/c2" | grep -c '^syscall_entry')
ret=$(cat "$m/c1" "$m/c2" | grep -c '^syscall_exit')
if ! grep -q "carried over: write,wait4" "$m/err2"; then
	bad "migration: the target does not capture: $(cat "$m/err2")"
elif [ "$ent" -ne "$ret" ] || ! grep -q '^syscall_entry' "$m/c2"; then
	bad "migration: $ent entries and $ret returns ($(grep -c '^syscall_entry' "$m/c2") at the target)"
else
	ok "migration: $ent calls, each with its return, $(grep -c '^syscall_entry' "$m/c2") of them at the target"
fi

# --restore brings its own capture: a --syscalls beside it is refused, naming the way to change it.
d=$tmp/filter
if [ -f "$d/g.ckpt" ]; then
	"$VMSCOPE" run --restore "$d/g.ckpt" --syscalls openat >/dev/null 2>"$tmp/err3" &&
		bad "--restore with --syscalls was accepted"
	grep -q "takes no --syscalls" "$tmp/err3" || bad "--restore --syscalls: $(cat "$tmp/err3")"
	ok "--restore with --syscalls refused: $(head -1 "$tmp/err3")"
fi
exit $fail
