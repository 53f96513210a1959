#!/usr/bin/env bash
# Runs QuickHelp's Windows code under wine64 (what `make test-wine` runs, part
# of `make test`):
#   - daemon/desktop: the input-desktop probe (OpenInputDesktop) on wine's
#     desktop, which wine always names Default;
#   - daemon/sharer: the RunOnce entry that resumes a session after a
#     restart, in the prefix's registry;
#   - the Windows-only tests of internal/localapi, which make the real Win32
#     calls of the named pipe (the user's SID in its name, the owner-only
#     DACL, the server and client process checks through
#     GetNamedPipeServerProcessId / GetNamedPipeClientProcessId and the
#     process token);
#   - test/wine: the real quickhelp-sharer.exe (cross-built with
#     scripts/build-sharer-windows.sh) joins a session of a real service,
#     offers nothing before Allow, and once allowed through its pipe streams
#     wine's desktop to the helper's viewer (through TURN over TCP: Go opens
#     no UDP socket under wine 8); control reaches a test window only while
#     allowed; run twice, the second time at 150 % scaling (LogPixels 144);
#   - test/wine/console.test.mjs: the same session watched by the helper's
#     real console (quickhelp console) in Debian's Chromium, with a German
#     keyboard layout on the display (keys travel by scan code and type in
#     the sharer's layout), the service relay-only (--ice-policy relay).
#
# The prefix comes from scripts/wine-prefix.sh (with a ProcessPrng shim DLL
# for Go under wine 8, tests only), its desktop on a private Xvfb display
# (chosen by Xvfb itself, -displayfd). What wine cannot show (a second user;
# FILE_FLAG_FIRST_PIPE_INSTANCE, which wine 8 ignores) is said by the tests
# themselves and in docs/windows.md. The installers under wine are checked by
# scripts/dist-test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
die() { echo "wine-test: ERROR: $*" >&2; exit 1; }
. scripts/wine-prefix.sh

WORK=$(mktemp -d "${TMPDIR:-/tmp}/quickhelp-wine-test.XXXXXX")
xvfb_pid=""
cleanup() {
  set +e # stop everything, whatever fails on the way
  wine_prefix_stop
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

start=$SECONDS
command -v Xvfb >/dev/null || die "Xvfb is missing: apt-get install xvfb"
SCREEN=1280x800
# -noreset: the keyboard layout set for the console test stays when the
# last wine program disconnects.
Xvfb -displayfd 3 -screen 0 ${SCREEN}x24 -nolisten tcp -noreset 3>"$WORK/display" >"$WORK/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 1 50); do [ -s "$WORK/display" ] && break; sleep 0.1; done
[ -s "$WORK/display" ] || { cat "$WORK/xvfb.log" >&2; die "Xvfb did not start"; }
export DISPLAY=":$(tr -d '\n' < "$WORK/display")" WINE_DISPLAY
WINE_DISPLAY=$DISPLAY

echo "wine-test: creating a wine prefix on $DISPLAY with the ProcessPrng shim (tests only)"
wine_prefix "$WORK" || die "cannot set up a wine prefix"

echo "wine-test: building the Windows test programs"
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 "$GO" test -c -o "$WORK/localapi.test.exe" ./internal/localapi
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 "$GO" test -c -o "$WORK/desktop.test.exe" ./daemon/desktop
# daemon/sharer links libvpx (cgo), as the daemon does.
vpx_pc=$(scripts/build-libvpx-windows.sh 2>"$WORK/libvpx.log" | tail -n 1) || { cat "$WORK/libvpx.log" >&2; die "libvpx does not build for Windows"; }
env CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc PKG_CONFIG_PATH="$vpx_pc" CGO_LDFLAGS=-static \
  "$GO" test -c -o "$WORK/sharer.test.exe" ./daemon/sharer
scripts/build-sharer-windows.sh "$WORK/quickhelp-sharer.exe" || die "quickhelp-sharer.exe does not build"
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 "$GO" build -o "$WORK/pattern.exe" ./test/wine/pattern
# The service and the helper's console (no desktop window: web mode) for
# the Chromium session.
[ -f frontend/dist/index.html ] || die "frontend/dist is not built: make frontend"
command -v node >/dev/null || die "node is missing (scripts/deps.sh installs it)"
[ -x /usr/bin/chromium ] || die "Debian's chromium is missing: apt-get install chromium"
[ -d node_modules/playwright-core ] || die "playwright-core is missing: npm ci"
command -v setxkbmap >/dev/null || die "setxkbmap is missing: apt-get install x11-xkb-utils"
"$GO" build -o "$WORK/quickhelp-server" ./signaling/cmd/quickhelp-server
"$GO" build -o "$WORK/quickhelp" .

# The local API's other tests use Unix socket paths; these are the ones for
# the Windows pipe and its owner checks.
echo "wine-test: internal/localapi under wine"
status=0
"$WINE" "$WORK/localapi.test.exe" -test.v -test.count=1 -test.timeout=120s \
  -test.run '^(TestWindows|TestCheckOwner|TestPipeName|TestNotRunningKeepsOwnerRefusal)' >"$WORK/localapi.log" 2>&1 || status=$?
cat "$WORK/localapi.log"
[ "$status" -eq 0 ] || die "internal/localapi failed under wine (exit $status)"
grep -q '^--- PASS: TestWindowsPipeCallChecksBothEnds' "$WORK/localapi.log" || die "TestWindowsPipeCallChecksBothEnds did not run"

# The input desktop probe's real calls (OpenInputDesktop,
# GetUserObjectInformationW) on wine's desktop, and the decisions with fakes.
echo "wine-test: daemon/desktop under wine"
status=0
QUICKHELP_WINDOWS_DESKTOP=1 "$WINE" "$WORK/desktop.test.exe" -test.v -test.count=1 -test.timeout=60s >"$WORK/desktop.log" 2>&1 || status=$?
cat "$WORK/desktop.log"
[ "$status" -eq 0 ] || die "daemon/desktop failed under wine (exit $status)"
grep -q '^--- PASS: TestWindowsProbeReadsTheUserDesktop' "$WORK/desktop.log" || die "TestWindowsProbeReadsTheUserDesktop did not run"

# The RunOnce entry that resumes a session after a restart, in the
# prefix's registry.
echo "wine-test: daemon/sharer's Windows tests under wine"
status=0
QUICKHELP_WINDOWS_REGISTRY=1 "$WINE" "$WORK/sharer.test.exe" -test.v -test.count=1 -test.timeout=60s -test.run '^TestWindows' >"$WORK/sharer.log" 2>&1 || status=$?
cat "$WORK/sharer.log"
[ "$status" -eq 0 ] || die "daemon/sharer failed under wine (exit $status)"
grep -q '^--- PASS: TestWindowsRunOnceEntry' "$WORK/sharer.log" || die "TestWindowsRunOnceEntry did not run"

echo "wine-test: test/wine (the real quickhelp-sharer.exe)"
status=0
QUICKHELP_WINE=$WINE QUICKHELP_WINE_SHARER="$WORK/quickhelp-sharer.exe" QUICKHELP_WINE_PATTERN="$WORK/pattern.exe" QUICKHELP_WINE_SCREEN=$SCREEN \
  "$GO" test -count=1 -v -timeout 5m ./test/wine/ >"$WORK/session.log" 2>&1 || status=$?
cat "$WORK/session.log"
[ "$status" -eq 0 ] || die "test/wine failed (exit $status)"
if grep -q '^--- SKIP' "$WORK/session.log"; then die "a test/wine test skipped although wine is set up"; fi

# The helper's console in Chromium, with a German layout on the display:
# wine reads the layout when a program starts, so the prefix's programs
# are stopped first.
echo "wine-test: test/wine/console.test.mjs (the helper console in Chromium)"
wine_prefix_stop
setxkbmap -display "$DISPLAY" -layout de || die "cannot set a German keyboard layout"
status=0
QUICKHELP_WINE=$WINE QUICKHELP_WINE_SHARER="$WORK/quickhelp-sharer.exe" QUICKHELP_WINE_PATTERN="$WORK/pattern.exe" QUICKHELP_WINE_SCREEN=$SCREEN \
  QUICKHELP_WINE_SERVER="$WORK/quickhelp-server" QUICKHELP_WINE_CONSOLE="$WORK/quickhelp" \
  node --test --test-timeout=300000 test/wine/console.test.mjs >"$WORK/console.log" 2>&1 || status=$?
cat "$WORK/console.log"
[ "$status" -eq 0 ] || die "test/wine/console.test.mjs failed (exit $status)"
grep -q '^# skipped 0' "$WORK/console.log" || die "test/wine/console.test.mjs skipped although wine is set up"
grep -q '^# pass 1' "$WORK/console.log" || die "test/wine/console.test.mjs did not pass"
setxkbmap -display "$DISPLAY" -layout us

# Again at 150 % scaling (LogPixels 144): clicks must still land within 2 px.
echo "wine-test: test/wine at 150 % scaling"
"$WINE" reg add 'HKCU\Control Panel\Desktop' /v LogPixels /t REG_DWORD /d 144 /f >/dev/null 2>&1
wine_prefix_stop
status=0
QUICKHELP_WINE=$WINE QUICKHELP_WINE_SHARER="$WORK/quickhelp-sharer.exe" QUICKHELP_WINE_PATTERN="$WORK/pattern.exe" QUICKHELP_WINE_SCREEN=$SCREEN \
  QUICKHELP_WINE_DPI=144 "$GO" test -count=1 -v -timeout 5m ./test/wine/ >"$WORK/session-150.log" 2>&1 || status=$?
cat "$WORK/session-150.log"
[ "$status" -eq 0 ] || die "test/wine at 150 % scaling failed (exit $status)"
if grep -q '^--- SKIP' "$WORK/session-150.log"; then die "a test/wine test skipped although wine is set up"; fi
echo "wine-test: passed in $((SECONDS - start)) s"
