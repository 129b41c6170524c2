#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmscope run --trace as a user runs it: SIGINT mid-run leaves a complete trace whose exit
# events match the exit counters; kill -9 followed by `vmscope recover` leaves a readable
# trace (records in the stream files and records still in the rings); corrupt or foreign
# trace directories give precise errors, never a crash.  Read back with babeltrace2 itself.
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
# Control sockets of the VMMs this script kills with -9 stay in its own directory.
mkdir -m 700 "$tmp/ctl"
export VMSCOPE_CONTROL_DIR="$tmp/ctl"
# A guest that never stops: 1: out %al, $0x80; jmp 1b  (every out is an IO exit)
printf '\346\200\353\374' >"$tmp/loop.bin"

# Wait (at most 20 s) until file $1 exists and holds more than $2 bytes.
wait_size() {
	i=0
	while [ $i -lt 200 ]; do
		[ -f "$1" ] && [ "$(stat -c %s "$1")" -gt "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Read trace $1 with babeltrace2: its exit status in bt_rc, its " exit: " lines in n.
bt_read() {
	babeltrace2 "$1" >"$1.txt" 2>"$1.err"
	bt_rc=$?
	n=$(grep -c " exit: " "$1.txt")
}

# 1. SIGINT mid-run: complete trace, one exit event per exit the VMM counted.
"$VMSCOPE" run --no-input --stats --trace "$tmp/int" "$tmp/loop.bin" >/dev/null \
	2>"$tmp/int.log" &
pid=$!
wait_size "$tmp/int/vcpu0" 100000 || bad "no trace data after 20 s"
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || bad "run stopped by SIGINT exited $rc, want 130"
bt_read "$tmp/int"
[ $bt_rc -eq 0 ] || bad "babeltrace2 failed on the SIGINT trace: $(head -3 "$tmp/int.err")"
counted=$(awk '$1 ~ /^[A-Z_0-9]+$/ && $2 ~ /^[0-9]+$/ { s += $3 } END { print s + 0 }' \
	"$tmp/int.log")
[ "$n" -gt 0 ] && [ "$n" -eq "$counted" ] || bad "SIGINT trace has $n exit events, VMM counted $counted"
grep -q '"STOP" : container = 2 ), status = 130' "$tmp/int.txt" || bad "no STOP lifecycle event with status 130"
[ -d "$tmp/int/rings" ] && bad "rings left behind after a clean end"
[ $fail -eq 0 ] && ok "SIGINT mid-run: $n exit events, babeltrace2 reads the trace"

# 2. kill -9, then recover: records from the stream file (drained) and from the rings (held).
for mode in drained held; do
	dir="$tmp/kill-$mode"
	hold=
	[ $mode = held ] && hold=1
	VMSCOPE_TRACE_HOLD=$hold "$VMSCOPE" run --no-input --trace "$dir" "$tmp/loop.bin" \
		>/dev/null 2>&1 &
	pid=$!
	if [ $mode = drained ]; then
		wait_size "$dir/vcpu0" 100000 || bad "$mode: no trace data after 20 s"
	else
		wait_size "$dir/rings/vcpu0.ring" 100 || bad "$mode: no ring after 20 s"
		sleep 0.3
	fi
	kill -9 $pid
	wait $pid 2>/dev/null
	[ -d "$dir/rings" ] || bad "$mode: no rings after kill -9"
	# Before recover: report says what to do at once; babeltrace2 reads the whole packets
	# the session wrote (or stops at a clear error), never spins.
	timeout 5 "$VMSCOPE" report "$dir" >"$dir.rep" 2>&1
	rc=$?
	[ $rc -eq 1 ] && grep -q "run 'vmscope recover $dir'" "$dir.rep" ||
		bad "$mode: report before recover: status $rc (124: it hung): $(head -2 "$dir.rep")"
	timeout 20 babeltrace2 "$dir" >/dev/null 2>&1
	[ $? -ne 124 ] || bad "$mode: babeltrace2 spun on the trace of a killed run"
	if [ $mode = held ]; then # a copy whose ring lost its tail, for the errors below
		cp -r "$dir" "$tmp/shortring"
		truncate -s 8192 "$tmp/shortring/rings/vcpu0.ring"
	fi
	"$VMSCOPE" recover "$dir" >"$dir.rec" 2>&1 || bad "$mode: recover failed: $(cat "$dir.rec")"
	bt_read "$dir"
	[ $bt_rc -eq 0 ] || bad "$mode: babeltrace2 failed after recover: $(head -3 "$dir.err")"
	[ "$n" -gt 0 ] || bad "$mode: no exit events after recover"
	"$VMSCOPE" recover "$dir" | grep -q "already complete" || bad "$mode: second recover"
	[ $fail -eq 0 ] && ok "kill -9 ($mode) + recover: $n exit events"
done

# 3. Flight recorder: SIGUSR2 dumps while the guest runs, SIGINT dumps again at the end.
"$VMSCOPE" run --no-input --overwrite --buffer-size 64K --trace "$tmp/ow" "$tmp/loop.bin" \
	>/dev/null 2>"$tmp/ow.log" &
pid=$!
wait_size "$tmp/ow/rings/vcpu0.ring" 100 || bad "flight recorder: no ring after 20 s"
sleep 0.3
kill -USR2 $pid
wait_size "$tmp/ow/vcpu0" 1000 || bad "flight recorder: SIGUSR2 wrote nothing"
kill -INT $pid
wait $pid
bt_read "$tmp/ow"
[ $bt_rc -eq 0 ] || bad "babeltrace2 failed on the flight-recorder trace: $(head -3 "$tmp/ow.err")"
grep -q '"DUMP"' "$tmp/ow.txt" || bad "flight recorder: no DUMP lifecycle event"
grep -q "discarded" "$tmp/ow.err" || bad "flight recorder: babeltrace2 reports no discarded events"
[ "$n" -gt 0 ] || bad "flight recorder: no exit events"
[ $fail -eq 0 ] && ok "flight recorder: SIGUSR2 and final dumps, $n exit events kept"

# 4. Bad input: each error names the problem, exit status 1 (2 for usage), no crash.
expect_err() { # expect_err WANT_RC PATTERN CMD...
	want=$1 pat=$2
	shift 2
	"$@" >"$tmp/err.out" 2>&1
	rc=$?
	if [ $rc -ne "$want" ] || ! grep -q "$pat" "$tmp/err.out"; then
		bad "'$*' exited $rc: $(cat "$tmp/err.out")"
	else
		ok "'$*' -> $(head -1 "$tmp/err.out")"
	fi
}
expect_err 1 "metadata" "$VMSCOPE" recover "$tmp/nonexistent"
cp -r "$tmp/int" "$tmp/trunc"
truncate -s 1000 "$tmp/trunc/vcpu0"
expect_err 1 "truncated" "$VMSCOPE" recover "$tmp/trunc"
cp -r "$tmp/int" "$tmp/magic"
printf 'XXXX' | dd of="$tmp/magic/host" conv=notrunc 2>/dev/null
expect_err 1 "bad packet magic" "$VMSCOPE" recover "$tmp/magic"
cp -r "$tmp/int" "$tmp/ring"
mkdir "$tmp/ring/rings" && truncate -s 10000 "$tmp/ring/rings/vcpu0.ring"
expect_err 1 "vcpu0.ring is not a vmscope ring file" "$VMSCOPE" recover "$tmp/ring"
expect_err 1 "vcpu0.ring is 8192 bytes" "$VMSCOPE" recover "$tmp/shortring"
mkdir "$tmp/foreign" && echo hi >"$tmp/foreign/notes.txt"
expect_err 1 "not part of a vmscope trace" "$VMSCOPE" run --no-input --trace "$tmp/foreign"
expect_err 2 "buffer-size" "$VMSCOPE" run --trace "$tmp/x" --buffer-size lots
expect_err 2 "add --trace" "$VMSCOPE" run --overwrite
expect_err 2 "one trace directory" "$VMSCOPE" recover

[ $fail -eq 0 ] && echo "all passed"
exit $fail
