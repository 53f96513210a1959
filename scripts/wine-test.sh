#!/usr/bin/env bash
# Runs the Windows-only Go tests that make real Win32 calls under wine64
# (what `make test-wine` runs, part of `make test`): the local API's named
# pipe (the user's SID in its name, the owner-only DACL, the server and
# client process checks through GetNamedPipeServerProcessId /
# GetNamedPipeClientProcessId and the process token).
#
# The prefix comes from scripts/wine-prefix.sh (with a ProcessPrng shim DLL
# for Go under wine 8, tests only). What wine cannot show (a second user;
# FILE_FLAG_FIRST_PIPE_INSTANCE, which wine 8 ignores) is said by the tests
# themselves and in docs/windows.md. The installed MSI and the real daemon
# under wine are checked by scripts/dist-test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
die() { echo "wine-test: ERROR: $*" >&2; exit 1; }
. scripts/wine-prefix.sh

WORK=$(mktemp -d "${TMPDIR:-/tmp}/quickhelp-wine-test.XXXXXX")
cleanup() {
  wine_prefix_stop
  rm -rf "$WORK"
}
trap cleanup EXIT

start=$SECONDS
echo "wine-test: creating a wine prefix with the ProcessPrng shim (tests only)"
wine_prefix "$WORK" || die "cannot set up a wine prefix"

echo "wine-test: building the Windows test programs"
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 "$GO" test -c -o "$WORK/localapi.test.exe" ./internal/localapi

# The local API's other tests use Unix socket paths; these are the ones for
# the Windows pipe and its owner checks.
echo "wine-test: internal/localapi under wine"
status=0
DISPLAY= "$WINE" "$WORK/localapi.test.exe" -test.v -test.count=1 -test.timeout=120s \
  -test.run '^(TestWindows|TestCheckOwner|TestPipeName|TestNotRunningKeepsOwnerRefusal)' >"$WORK/localapi.log" 2>&1 || status=$?
cat "$WORK/localapi.log"
[ "$status" -eq 0 ] || die "internal/localapi failed under wine (exit $status)"
grep -q '^--- PASS: TestWindowsPipeCallChecksBothEnds' "$WORK/localapi.log" || die "TestWindowsPipeCallChecksBothEnds did not run"
echo "wine-test: passed in $((SECONDS - start)) s"
