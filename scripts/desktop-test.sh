#!/usr/bin/env bash
# Tests the desktop app as built by the Wails CLI: the Linux build starts
# under a private Xvfb, shows the sign-in screen (a screenshot is checked to
# be non-blank and kept in test/e2e/artifacts/), runs a whole session in the
# WebKitGTK window against the real service and a real sharer daemon on a
# second Xvfb (sign in, code, video decoded in the window and checked by
# its pixels, control), and exits cleanly on SIGTERM; the Windows
# cross-build produces a PE executable. Needs bin/ (make build-go).
set -uo pipefail
cd "$(dirname "$0")/.."

DISPLAY_NUM=${DESKTOP_TEST_DISPLAY:-126}
SHARER_DISPLAY_NUM=${DESKTOP_TEST_SHARER_DISPLAY:-187}
ART=test/e2e/artifacts
mkdir -p "$ART"
work=$(mktemp -d)
pass=0
fail=0
ok()  { echo "desktop-test: ok   - $*"; pass=$((pass + 1)); }
bad() { echo "desktop-test: FAIL - $*"; fail=$((fail + 1)); }
xpid=""
apid=""
spid=""
dpid=""
x2pid=""
cleanup() {
  [ -n "$apid" ] && kill "$apid" 2>/dev/null
  [ -n "$dpid" ] && kill "$dpid" 2>/dev/null
  [ -n "$spid" ] && kill "$spid" 2>/dev/null
  [ -n "$x2pid" ] && kill "$x2pid" 2>/dev/null
  [ -n "$xpid" ] && kill "$xpid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

VERSION=$(cat VERSION)
LDFLAGS="-X github.com/quickhelp/quickhelp/internal/version.Version=$VERSION"

# The window's geometry at 1280x800 (the app's default size, no window
# manager): where the fields and buttons of the sign-in and home screens
# and the middle of the remote screen are.
EMAIL_AT="920 278"; PASSWORD_AT="920 358"; HELP_AT="765 220"; BLANK_AT="640 700"
REQUEST_CONTROL_AT="94 102"

# app_text selects all of the window's text and reads it from the X
# clipboard (WebKitGTK copies a selection natively).
app_text() {
  DISPLAY=":$DISPLAY_NUM" xdotool mousemove $BLANK_AT click 1 key ctrl+a ctrl+c 2>/dev/null
  sleep 0.2
  DISPLAY=":$DISPLAY_NUM" timeout 3 xclip -selection clipboard -o 2>/dev/null
}

# share_of prints the share of the window's pixels near an RGB colour.
share_of() {
  convert "$1" -alpha off -fuzz 10% -fill black +opaque "$2" -fill white -opaque "$2" -format '%[fx:mean]' info: 2>/dev/null || echo 0
}

sharer() { bin/quickhelp-sharer --socket "$work/sharer.sock" "$@"; }

# desktop_session: a whole session in the WebKitGTK window: the service,
# a sharer daemon sharing a second Xvfb that shows the test pattern, and
# the window driven with the keyboard and mouse (xdotool).
desktop_session() {
  bin/quickhelp-server demo --data "$work/srv" > "$work/demo.log" 2>&1 || { bad "quickhelp-server demo: $(tail -3 "$work/demo.log")"; return; }
  bin/quickhelp-server serve --data "$work/srv" --listen "127.0.0.1:$port" --turn-listen off > "$work/server.log" 2>&1 &
  spid=$!
  for _ in $(seq 1 100); do curl -fs "$url/healthz" > /dev/null 2>&1 && break; sleep 0.1; done
  Xvfb ":$SHARER_DISPLAY_NUM" -screen 0 1920x1080x24 -nolisten tcp -noreset > "$work/xvfb2.log" 2>&1 &
  x2pid=$!
  for _ in $(seq 1 100); do [ -e "/tmp/.X11-unix/X$SHARER_DISPLAY_NUM" ] && break; sleep 0.1; done
  go build -o "$work/xpattern" ./test/e2e/xpattern && "$work/xpattern" -display ":$SHARER_DISPLAY_NUM" \
    || { bad "the test pattern could not be shown on :$SHARER_DISPLAY_NUM"; return; }
  # No QuickHelp app on PATH: the daemon opens no window of its own there.
  PATH=/usr/bin:/bin XDG_STATE_HOME="$work/state" bin/quickhelp-sharer daemon --server "$url" \
    --display ":$SHARER_DISPLAY_NUM" --socket "$work/sharer.sock" > "$work/sharer.log" 2>&1 &
  dpid=$!

  # Sign in and create a code in the window.
  # The form looks up the e-mail's sign-in options as it is typed and may
  # redraw meanwhile: the password is typed after a pause, and both again if
  # an attempt went nowhere (on a busy machine the first keys can reach the
  # window before its page is ready).
  text=""
  for _ in 1 2 3; do
    DISPLAY=":$DISPLAY_NUM" xdotool mousemove $EMAIL_AT click 1 key ctrl+a type --delay 10 'alex@example.com'
    sleep 1
    DISPLAY=":$DISPLAY_NUM" xdotool mousemove $PASSWORD_AT click 1 key ctrl+a type --delay 10 "$(cat "$work/srv/demo-password.txt")"
    DISPLAY=":$DISPLAY_NUM" xdotool key Return
    for _ in $(seq 1 20); do text=$(app_text); grep -q "Signed in as" <<< "$text" && break 2; sleep 0.25; done
  done
  if ! grep -q "Signed in as" <<< "$text"; then bad "the window did not sign in: $(tail -3 "$work/app.log")"; return; fi
  ok "the window signs in"
  DISPLAY=":$DISPLAY_NUM" xdotool mousemove $HELP_AT click 1
  code=""
  for _ in $(seq 1 40); do
    code=$(app_text | grep -oE '\b[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\b' | head -1)
    [ -n "$code" ] && break
    sleep 0.25
  done
  if [ -z "$code" ]; then bad "the window shows no code"; return; fi
  import -window root -display ":$DISPLAY_NUM" "$ART/desktop-code.png" 2>/dev/null
  ok "the window creates a code"

  # The sharer joins and allows: the pattern is decoded in the window.
  for _ in $(seq 1 50); do sharer status > /dev/null 2>&1 && break; sleep 0.1; done
  if ! sharer join "$code" > "$work/join.log" 2>&1 || ! sharer allow >> "$work/join.log" 2>&1; then
    bad "the sharer could not join and allow: $(tail -3 "$work/join.log")"; return
  fi
  shot="$ART/desktop-live.png"
  red=0; green=0; blue=0; seen=""
  for _ in $(seq 1 60); do
    import -window root -display ":$DISPLAY_NUM" "$shot" 2>/dev/null
    red=$(share_of "$shot" 'rgb(255,0,0)'); green=$(share_of "$shot" 'rgb(0,192,0)'); blue=$(share_of "$shot" 'rgb(0,0,255)')
    if awk "BEGIN{exit !($red > 0.03 && $green > 0.03 && $blue > 0.03)}"; then seen=1; break; fi
    sleep 0.5
  done
  if [ -n "$seen" ]; then
    ok "the sharer's test pattern is decoded in the window (red $red, green $green, blue $blue of the pixels; $shot)"
  else
    bad "no test pattern in the window (red $red, green $green, blue $blue; $shot): $(tail -3 "$work/app.log")"; return
  fi

  # Control: asked in the window, allowed by the sharer, a click in the
  # middle of the red quadrant as the window shows it (the toolbar grows
  # with control, so it is found again) moves the sharer's pointer into
  # their red quadrant (the top-left 960x540).
  DISPLAY=":$SHARER_DISPLAY_NUM" xdotool mousemove 1900 1070
  DISPLAY=":$DISPLAY_NUM" xdotool mousemove $REQUEST_CONTROL_AT click 1
  asked=""
  for _ in $(seq 1 50); do sharer status 2>/dev/null | grep -q "asks for control" && { asked=1; break; }; sleep 0.2; done
  if [ -z "$asked" ]; then bad "the window's control request did not reach the sharer"; return; fi
  sharer allow-control > /dev/null 2>&1
  moved=""
  for _ in $(seq 1 40); do
    sleep 0.25
    import -window root -display ":$DISPLAY_NUM" "$work/control.png" 2>/dev/null
    # The red pixels' bounding box, as WxH+X+Y.
    box=$(convert "$work/control.png" -alpha off -fuzz 10% -fill black +opaque 'rgb(255,0,0)' -fill white -opaque 'rgb(255,0,0)' \
      -trim -format '%wx%h%O' info: 2>/dev/null)
    read -r bw bh bx by <<< "$(sed -E 's/^([0-9]+)x([0-9]+)\+([0-9]+)\+([0-9]+)$/\1 \2 \3 \4/' <<< "$box")"
    [ -n "${by:-}" ] && [ "${bw:-0}" -gt 100 ] || continue
    DISPLAY=":$DISPLAY_NUM" xdotool mousemove $((bx + bw / 2)) $((by + bh / 2)) click 1
    sleep 0.25
    loc=$(DISPLAY=":$SHARER_DISPLAY_NUM" xdotool getmouselocation 2>/dev/null)
    x=$(sed -E 's/.*x:([0-9]+).*/\1/' <<< "$loc"); y=$(sed -E 's/.*y:([0-9]+).*/\1/' <<< "$loc")
    if [ $((x < 960 && y < 540)) -eq 1 ]; then moved=1; break; fi
  done
  import -window root -display ":$DISPLAY_NUM" "$ART/desktop-control.png" 2>/dev/null
  if [ -n "$moved" ]; then
    ok "control from the window moves the sharer's pointer (to $x,$y)"
  else
    bad "control from the window did not move the sharer's pointer (at ${x:-?},${y:-?}): $(tail -3 "$work/sharer.log")"
  fi
  sharer stop > /dev/null 2>&1
}

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

# 3. The Linux app starts under Xvfb and shows the sign-in screen, with
# the service of step 4 as its default.
for tool in bin/quickhelp-server bin/quickhelp-sharer; do
  [ -x "$tool" ] || bad "$tool is missing (make build-go builds it)"
done
for tool in xdotool xclip import convert; do
  command -v "$tool" >/dev/null || bad "$tool is not installed (make deps installs it)"
done
port=""
for _ in $(seq 1 50); do
  p=$((20000 + RANDOM % 40000))
  (echo > "/dev/tcp/127.0.0.1/$p") 2>/dev/null || { port=$p; break; }
done
url="http://127.0.0.1:$port"
if [ -x build/bin/quickhelp-desktop ]; then
  Xvfb ":$DISPLAY_NUM" -screen 0 1280x800x24 -nolisten tcp > "$work/xvfb.log" 2>&1 &
  xpid=$!
  for _ in $(seq 1 100); do [ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ] && break; sleep 0.1; done
  DISPLAY=":$DISPLAY_NUM" build/bin/quickhelp-desktop --server "$url" > "$work/app.log" 2>&1 &
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
  if [ -n "$port" ] && [ -x bin/quickhelp-server ] && [ -x bin/quickhelp-sharer ]; then
    desktop_session
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
