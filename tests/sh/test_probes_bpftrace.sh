#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kernel probes against bpftrace on the same run: bpftrace counts KVM's kvm_pio and
# kvm_userspace_exit tracepoints for the VMM's process while `vmscope run --trace` records
# them; `vmscope report --json`'s kernel counts must be the same.  Two runs: a flat guest
# making a known number of port writes (both counts also checked against it), and the
# built-in guest kernel on two vCPUs (in-kernel PIT and PIC ports, port reads, kicks).
# Exit 0 pass, 1 fail, 77 skip (no bpftrace, no BPF, no /dev/kvm).
BUILD=${BUILD:-build}
VMSCOPE=$BUILD/vmscope
NR_OUT=1000
fail=0

skip() { echo "SKIP: $*"; exit 77; }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
ok() { echo "ok - $*"; }

[ -x "$VMSCOPE" ] || { echo "FAIL: $VMSCOPE is not built"; exit 1; }
command -v bpftrace >/dev/null 2>&1 || skip "bpftrace is not installed (apt-get install bpftrace)"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "no usable /dev/kvm"
[ "$(id -u)" -eq 0 ] || skip "bpftrace and the kernel probes need root (BPF)"
# Also primes the host self-test's cache, so that no self-test VM runs in the traced process.
caps=$("$VMSCOPE" caps 2>&1)
echo "$caps" | grep -q '^  BPF  *yes' || skip "BPF is not available here: $(echo "$caps" |
	sed -n 's/^  BPF  *no  *//p')"
echo "$caps" | grep -q 'missing at build time' &&
	skip "this vmscope was built without kernel probes: $(echo "$caps" |
		sed -n 's/^  kernel probes  *no  *//p')"

# bpftrace finds tracepoints through tracefs, which some hosts do not mount (vmscope's own
# probes attach through BTF and need none): mount it for the test, unmount it after.
tracefs=/sys/kernel/tracing
mounted=
if [ ! -d "$tracefs/events" ]; then
	mount -t tracefs nodev "$tracefs" 2>/dev/null ||
		skip "tracefs is not mounted at $tracefs and cannot be (bpftrace needs it)"
	mounted=1
fi
[ -d "$tracefs/events/kvm" ] || skip "no kvm tracepoints in $tracefs/events"

tmp=$(mktemp -d /tmp/vmscope-test-bpftrace-XXXXXX)
trap 'rm -rf "$tmp"; [ -n "$mounted" ] && umount "$tracefs"' EXIT
mkdir -m 700 "$tmp/ctl"
export VMSCOPE_CONTROL_DIR="$tmp/ctl"

# NR_OUT port writes, then the exit status 0 to the debug-exit port (64-bit code):
#   mov $NR_OUT, %ecx; 1: out %al, $0x80; loop 1b; xor %al, %al; out %al, $0xf4; hlt
printf '\271\350\003\000\000\346\200\342\374\060\300\346\364\364' >"$tmp/pio.bin"

# Wait (at most $2 s) until file $1 has a line "ready"; give up when process $3 has ended.
wait_ready() {
	i=0
	while [ $i -lt $(($2 * 10)) ]; do
		grep -q '^ready' "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# The count of map @$2 in bpftrace's output $1 (0 when it never fired).
bt_map() {
	n=$(sed -n "s/^@$2: \([0-9]*\)$/\1/p" "$1")
	echo "${n:-0}"
}

# The count of event $2 in report --json $1 (all vCPUs), or empty.
report_count() {
	grep -o "{\"event\":\"$2\",\"count\":[0-9]*}" "$1" | head -1 | sed 's/.*://; s/}//'
}

# traced_run NAME VMSCOPE-RUN-ARGS...: run vmscope held at exec until bpftrace, filtering
# on its pid, is attached; then compare bpftrace's counts with the trace's.  Sets pio, uexit.
traced_run() {
	name=$1
	shift
	dir="$tmp/$name"
	pio='' uexit=''
	mkfifo "$tmp/$name.go"
	# shellcheck disable=SC2016
	sh -c 'read go <"$0" && exec "$@"' "$tmp/$name.go" "$VMSCOPE" run --no-input \
		--timeout 150 --trace "$dir" "$@" >"$dir.out" 2>&1 &
	# Its own timeout comes before the suite's limit (bpftrace may take 120 s to attach): a
	# run that hangs ends with status 124 and its output's tail in the failure.
	vpid=$!
	bpftrace -B none -e "BEGIN { printf(\"ready\n\"); }
		tracepoint:kvm:kvm_pio /pid == $vpid/ { @pio = count(); }
		tracepoint:kvm:kvm_userspace_exit /pid == $vpid/ { @uexit = count(); }" \
		>"$dir.bt" 2>&1 &
	btpid=$!
	if ! wait_ready "$dir.bt" 120 $btpid; then
		bad "$name: bpftrace did not attach (it ended, or 120 s passed): $(tail -3 "$dir.bt")"
		kill $btpid $vpid 2>/dev/null
		wait $btpid $vpid
		return 1
	fi
	echo go >"$tmp/$name.go"
	wait $vpid
	rc=$?
	kill -INT $btpid
	wait $btpid
	[ $rc -eq 0 ] || { bad "$name: vmscope run exited $rc: $(tail -5 "$dir.out")"; return 1; }
	grep -q '^vmscope: kernel probes on .*kvm_userspace_exit.* kvm_pio' "$dir.out" ||
		{ bad "$name: kvm_userspace_exit and kvm_pio not both attached: $(grep 'kernel probe' "$dir.out")"; }
	"$VMSCOPE" report --json "$dir" >"$dir.json" 2>&1 ||
		{ bad "$name: vmscope report --json failed: $(head -3 "$dir.json")"; return 1; }
	grep -q 'without libbabeltrace2' "$dir.json" &&
		skip "vmscope report was built without libbabeltrace2"
	grep -q '"kernel":{.*"lost":0,' "$dir.json" || bad "$name: kernel events lost or absent"
	pio=$(report_count "$dir.json" kvm_pio)
	uexit=$(report_count "$dir.json" kvm_userspace_exit)
	bt_pio=$(bt_map "$dir.bt" pio)
	bt_uexit=$(bt_map "$dir.bt" uexit)
	echo "# $name: kvm_pio ${pio:-none} (bpftrace $bt_pio)," \
		"kvm_userspace_exit ${uexit:-none} (bpftrace $bt_uexit)"
	[ "${pio:-0}" -gt 0 ] && [ "$pio" = "$bt_pio" ] ||
		bad "$name: the trace has ${pio:-no} kvm_pio events, bpftrace counted $bt_pio"
	[ "${uexit:-0}" -gt 0 ] && [ "$uexit" = "$bt_uexit" ] ||
		bad "$name: the trace has ${uexit:-no} kvm_userspace_exit events, bpftrace counted $bt_uexit"
}

before=$fail
traced_run pio "$tmp/pio.bin"
# Every port write, the debug-exit port's included, fires kvm_pio once and exits to vmscope.
[ "$pio" = $((NR_OUT + 1)) ] || bad "pio: ${pio:-no} kvm_pio events, the guest made $((NR_OUT + 1)) port writes"
[ "${uexit:-0}" -ge $((NR_OUT + 1)) ] ||
	bad "pio: ${uexit:-no} kvm_userspace_exit events for $((NR_OUT + 1)) IO exits"
[ $fail -eq $before ] && ok "flat guest: $pio kvm_pio and $uexit kvm_userspace_exit, as bpftrace counted"

before=$fail
traced_run kernel --vcpus 2 --guest-cmd hello
[ $fail -eq $before ] && ok "guest kernel, 2 vCPUs: $pio kvm_pio and $uexit kvm_userspace_exit, as bpftrace counted"
[ $fail -eq 0 ]
