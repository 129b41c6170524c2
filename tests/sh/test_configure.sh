#!/bin/sh
# The build's configuration follows the installed packages: a configuration probed before a
# package was installed (here: one that says capstone is missing) is probed again once dpkg's
# database changes, so the build gains what the package brings.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
b="$tmp/b"
status="$tmp/status"
touch -d "-2 hours" "$status"
make -s --no-print-directory BUILD="$b" DPKG_STATUS="$status" "$b/config.mk" >/dev/null ||
	{ echo "FAIL: cannot make $b/config.mk"; exit 1; }
grep -q '^HAVE_CMOCKA := 1$' "$b/config.mk" || { echo "FAIL: no cmocka in a fresh probe"; exit 1; }
# A configuration from before the packages were installed ...
sed -i 's/^HAVE_CMOCKA := 1$/HAVE_CMOCKA := 0/' "$b/config.mk"
make -s --no-print-directory BUILD="$b" DPKG_STATUS="$status" "$b/config.mk" >/dev/null
grep -q '^HAVE_CMOCKA := 0$' "$b/config.mk" ||
	{ echo "FAIL: probed again although no package changed"; exit 1; }
# ... and an install afterwards (dpkg's database is newer than the configuration).
touch -d "-1 hour" "$b/config.mk"
touch "$status"
make -s --no-print-directory BUILD="$b" DPKG_STATUS="$status" "$b/config.mk" >/dev/null
if ! grep -q '^HAVE_CMOCKA := 1$' "$b/config.mk"; then
	echo "FAIL: the configuration kept a missing package after it was installed:"
	cat "$b/config.mk"
	exit 1
fi
echo "ok: the configuration follows dpkg's database"

# A required package missing (as on a fresh machine): 'make' stops at once with the one line
# that says what to do, before any compiler runs; 'make test' goes on to install it.
sed -i 's/^MISSING_REQUIRED := .*$/MISSING_REQUIRED := json-c (libjson-c-dev)/' "$b/config.mk"
touch -d "-3 hours" "$status"
out=$(make --no-print-directory BUILD="$b" DPKG_STATUS="$status" all 2>&1)
rc=$?
if [ $rc -eq 0 ] || ! echo "$out" | grep -q "json-c (libjson-c-dev) missing: run scripts/install-deps" ||
	echo "$out" | grep -q "  CC "; then
	echo "FAIL: make with json-c missing (status $rc):"
	echo "$out" | head -5
	exit 1
fi
[ "$(echo "$out" | wc -l)" -eq 1 ] || { echo "FAIL: more than one line:"; echo "$out"; exit 1; }
first=$(make -n --no-print-directory BUILD="$b" DPKG_STATUS="$status" test 2>&1 | head -1)
[ "$first" = "sh scripts/install-deps" ] ||
	{ echo "FAIL: 'make test' did not begin by installing: $first"; exit 1; }
echo "ok: a required package missing stops make with the fix"
