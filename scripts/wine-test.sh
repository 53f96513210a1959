#!/usr/bin/env bash
# Runs the Windows-only Go tests that make real Win32 calls under wine64
# (what `make test-wine` runs, part of `make test`): the local API's named
# pipe (the user's SID in its name, the owner-only DACL, the server and
# client process checks through GetNamedPipeServerProcessId /
# GetNamedPipeClientProcessId and the process token).
#
# Go programs need ProcessPrng from bcryptprimitives.dll, which wine 8 lacks:
# test/wine/bcryptprimitives.c is built with MinGW into a throw-away wine
# prefix, for these tests only (never shipped). What wine cannot show (a
# second user; FILE_FLAG_FIRST_PIPE_INSTANCE, which wine 8 ignores) is said by
# the tests themselves and in docs/windows.md.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
WINE=${WINE64:-/usr/lib/wine/wine64}
die() { echo "wine-test: ERROR: $*" >&2; exit 1; }
[ -x "$WINE" ] || die "wine64 is missing: apt-get install wine64 (scripts/deps.sh installs it)"
command -v x86_64-w64-mingw32-gcc >/dev/null || die "x86_64-w64-mingw32-gcc is missing: apt-get install gcc-mingw-w64-x86-64"
WINESERVER=/usr/lib/wine/wineserver64
[ -x "$WINESERVER" ] || WINESERVER=/usr/lib/wine/wineserver

WORK=$(mktemp -d "${TMPDIR:-/tmp}/quickhelp-wine-test.XXXXXX")
export WINEPREFIX="$WORK/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
cleanup() {
  # Only this prefix's wineserver (started by this script) is stopped.
  [ -d "$WINEPREFIX" ] && "$WINESERVER" -k 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

start=$SECONDS
echo "wine-test: building the ProcessPrng shim (tests only)"
x86_64-w64-mingw32-gcc -O2 -shared -Wl,--enable-stdcall-fixup -o "$WORK/bcryptprimitives.dll" \
  test/wine/bcryptprimitives.c test/wine/bcryptprimitives.def -ladvapi32

echo "wine-test: creating a wine prefix"
DISPLAY= "$WINE" wineboot -i >"$WORK/wineboot.log" 2>&1 || { cat "$WORK/wineboot.log" >&2; die "wineboot failed"; }
cp "$WORK/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"

echo "wine-test: building the Windows test programs"
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 "$GO" test -c -o "$WORK/localapi.test.exe" ./internal/localapi

# The local API's other tests use Unix socket paths; these are the ones for
# the Windows pipe and its owner checks.
echo "wine-test: internal/localapi under wine"
DISPLAY= "$WINE" "$WORK/localapi.test.exe" -test.v -test.count=1 -test.timeout=120s \
  -test.run '^(TestWindows|TestCheckOwner|TestPipeName|TestNotRunningKeepsOwnerRefusal)' 2>&1 | tee "$WORK/localapi.log"
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || die "internal/localapi failed under wine (exit $status)"
grep -q '^--- PASS: TestWindowsPipeCallChecksBothEnds' "$WORK/localapi.log" || die "TestWindowsPipeCallChecksBothEnds did not run"
echo "wine-test: passed in $((SECONDS - start)) s"
