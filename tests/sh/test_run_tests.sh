#!/bin/sh
# tests/run-tests holds its per-test limit: a test that ignores SIGTERM is killed, and one
# that outlives SIGKILL (a process stuck in the kernel, played here by a `timeout` that
# cannot be stopped) is failed and left behind while the run goes on to the next test.
set -u
top=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/b/tests/unit" "$tmp/bin"
fail() {
	echo "FAIL: $*"
	sed 's/^/  | /' "$tmp/out"
	exit 1
}

cat >"$tmp/b/tests/unit/test_a_deaf" <<'T'
#!/bin/sh
trap '' TERM
echo "ignoring SIGTERM"
while :; do sleep 1; done
T
cat >"$tmp/b/tests/unit/test_b_ok" <<'T'
#!/bin/sh
echo fine
T
chmod +x "$tmp/b/tests/unit/test_a_deaf" "$tmp/b/tests/unit/test_b_ok"

# 1: SIGTERM ignored: SIGKILL follows the limit.
(cd "$tmp" && TEST_LIMIT=1 sh "$top/tests/run-tests" b) >"$tmp/out" 2>&1
[ $? -ne 0 ] || fail "run-tests passed with a test over its limit"
grep -q "^FAIL unit/test_a_deaf: killed after the 1 s limit" "$tmp/out" || fail "no limit line"
grep -q "^PASS unit/test_b_ok" "$tmp/out" || fail "the next test did not run"
grep -q "^1 passed, 1 failed, 0 skipped$" "$tmp/out" || fail "wrong summary"

# 2: a test that nothing can stop: the runner does not wait for it.
cat >"$tmp/bin/timeout" <<'T'
#!/bin/sh
trap '' TERM INT HUP
while :; do sleep 1; done
T
chmod +x "$tmp/bin/timeout"
(cd "$tmp" && PATH="$tmp/bin:$PATH" TEST_LIMIT=1 TEST_GRACE=2 sh "$top/tests/run-tests" b) \
	>"$tmp/out" 2>&1
grep -q "^FAIL unit/test_a_deaf: still running 3 s after it started" "$tmp/out" ||
	fail "no stuck line"
grep -q "^0 passed, 2 failed, 0 skipped$" "$tmp/out" || fail "wrong summary"
echo "ok: per-test limit and stuck tests"

# 3: the watchdog goes with its test: nothing of the runner's outlives it (its sleep would
# hold the output of 'make test | tee' open, and tee would wait for it).
rm -f "$tmp/b/tests/unit/test_a_deaf"
(cd "$tmp" && TEST_LIMIT=917 TEST_GRACE=3 sh "$top/tests/run-tests" b) >"$tmp/out" 2>&1
grep -q "^1 passed, 0 failed, 0 skipped$" "$tmp/out" || fail "wrong summary"
if pgrep -f "sleep 920" >/dev/null; then
	pkill -f "sleep 920"
	fail "the watchdog's sleep outlived the run"
fi
echo "ok: no watchdog left behind"
