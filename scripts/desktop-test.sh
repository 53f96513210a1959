#!/usr/bin/env bash
# Tests the desktop app as built by the Wails CLI: the Linux build starts
# under a private Xvfb, shows the sign-in screen (a screenshot is checked to
# be non-blank and kept in test/e2e/artifacts/), and exits cleanly on
# SIGTERM; the Windows cross-build produces a PE executable.
set -uo pipefail
cd "$(dirname "$0")/.."

DISPLAY_NUM=${DESKTOP_TEST_DISPLAY:-126}
ART=test/e2e/artifacts
mkdir -p "$ART"
work=$(mktemp -d)
pass=0
fail=0
ok()  { echo "desktop-test: ok   - $*"; pass=$((pass + 1)); }
bad() { echo "desktop-test: FAIL - $*"; fail=$((fail + 1)); }
xpid=""
apid=""
cleanup() {
  [ -n "$apid" ] && kill "$apid" 2>/dev/null
  [ -n "$xpid" ] && kill "$xpid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

VERSION=$(cat VERSION)
LDFLAGS="-X github.com/quickhelp/quickhelp/internal/version.Version=$VERSION"

# 1. Linux desktop build.
if bin/wails build -s -tags "desktop webkit2_41" -ldflags "$LDFLAGS" -o quickhelp-desktop > "$work/linux.log" 2>&1 \
   && [ -x build/bin/quickhelp-desktop ]; then
  ok "wails build for Linux"
else
  bad "wails build for Linux: $(tail -5 "$work/linux.log")"
fi

# 2. Windows cross-build (no cgo: go-webview2).
rm -f build/bin/quickhelp.exe
if bin/wails build -s -platform windows/amd64 -tags desktop -ldflags "$LDFLAGS" -o quickhelp.exe > "$work/windows.log" 2>&1 \
   && file build/bin/quickhelp.exe | grep -q 'PE32+ executable.*x86-64'; then
  ok "wails cross-build for windows/amd64 ($(du -h build/bin/quickhelp.exe | cut -f1))"
else
  bad "wails cross-build for windows/amd64: $(tail -5 "$work/windows.log")"
fi

# 3. The Linux app starts under Xvfb and shows the sign-in screen.
if [ -x build/bin/quickhelp-desktop ]; then
  Xvfb ":$DISPLAY_NUM" -screen 0 1280x800x24 -nolisten tcp > "$work/xvfb.log" 2>&1 &
  xpid=$!
  for _ in $(seq 1 100); do [ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ] && break; sleep 0.1; done
  DISPLAY=":$DISPLAY_NUM" build/bin/quickhelp-desktop > "$work/app.log" 2>&1 &
  apid=$!
  for _ in $(seq 1 300); do grep -q "page connected" "$work/app.log" && break; sleep 0.1; done
  sleep 1
  shot="$ART/desktop-sign-in.png"
  import -window root -display ":$DISPLAY_NUM" "$shot" 2>/dev/null
  colours=$(convert "$shot" -format '%k' info: 2>/dev/null || echo 0)
  sd=$(convert "$shot" -format '%[fx:standard_deviation]' info: 2>/dev/null || echo 0)
  if grep -q "page connected" "$work/app.log" && [ "${colours:-0}" -gt 16 ] && awk "BEGIN{exit !($sd > 0.02)}"; then
    ok "the desktop app shows its page ($colours colours, sd $sd; $shot)"
  else
    bad "the desktop app did not show its page (colours $colours, sd $sd): $(tail -5 "$work/app.log")"
  fi
  kill -TERM "$apid"
  code=0
  for _ in $(seq 1 100); do kill -0 "$apid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$apid" 2>/dev/null; then
    bad "the desktop app did not exit within 10 s of SIGTERM"
  else
    wait "$apid"; code=$?
    if [ "$code" -eq 0 ]; then ok "the desktop app exits cleanly on SIGTERM"; else bad "the desktop app exited with $code"; fi
  fi
  apid=""
fi

echo "desktop-test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
