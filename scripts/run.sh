#!/usr/bin/env bash
# Starts a complete local QuickHelp installation on embedded defaults:
#   - quickhelp-server on 127.0.0.1:7443 (SQLite + embedded TURN) with a demo
#     organisation and helper account,
#   - the helper console (desktop window where a display and WebKitGTK exist,
#     otherwise web mode in your browser),
#   - a sharer daemon on your display, or on a virtual Xvfb desktop,
# then prints what to do next. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=bin
SERVER_URL="http://127.0.0.1:7443"
RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/quickhelp-run.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT INT TERM

if curl -fsS "$SERVER_URL/healthz" >/dev/null 2>&1; then
  echo "Something already answers on $SERVER_URL: is QuickHelp already running? Stop it first (Ctrl-C in its terminal)."
  exit 1
fi

# 1. The service, with a demo account.
"$BIN/quickhelp-server" demo > "$RUN_DIR/demo.txt"
"$BIN/quickhelp-server" serve > "$RUN_DIR/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  curl -fsS "$SERVER_URL/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$SERVER_URL/healthz" >/dev/null || { echo "the service did not start:"; cat "$RUN_DIR/server.log"; exit 1; }

# 2. The sharer's desktop: the real one if there is one, else a virtual one.
SHARER_DISPLAY="${DISPLAY:-}"
if [ -z "$SHARER_DISPLAY" ] || ! xdpyinfo -display "$SHARER_DISPLAY" >/dev/null 2>&1; then
  n=57
  while [ -e "/tmp/.X11-unix/X$n" ]; do n=$((n + 1)); done
  SHARER_DISPLAY=":$n"
  Xvfb "$SHARER_DISPLAY" -screen 0 1920x1080x24 -nolisten tcp >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
  if command -v xterm >/dev/null; then
    DISPLAY="$SHARER_DISPLAY" xterm -geometry 100x30+200+150 -e bash -c 'echo "This is the sharer'"'"'s virtual desktop."; exec bash' >/dev/null 2>&1 &
    pids+=($!)
  fi
  VIRTUAL=1
fi

# 3. The sharer daemon, idle until it gets a code. Only the daemon and the
# sharer's window get its socket: the helper console must not watch the
# sharer's daemon (it would show the other person's screens).
SHARER_SOCKET="$RUN_DIR/sharer.sock"
unset QUICKHELP_SHARER_SOCKET
"$BIN/quickhelp-sharer" daemon --socket "$SHARER_SOCKET" --server "$SERVER_URL" --display "$SHARER_DISPLAY" > "$RUN_DIR/sharer.log" 2>&1 &
pids+=($!)

# 4. The helper console: a desktop window when this session has a display
# and WebKitGTK, else web mode for any Chromium-based browser.
CONSOLE_URL=""
if [ -n "${DISPLAY:-}" ] && [ -z "${VIRTUAL:-}" ] && pkg-config --exists webkit2gtk-4.1 2>/dev/null; then
  [ -x build/bin/quickhelp-desktop ] || make --no-print-directory build-desktop-linux >/dev/null
  build/bin/quickhelp-desktop --server "$SERVER_URL" > "$RUN_DIR/console.log" 2>&1 &
  pids+=($!)
  CONSOLE_URL="(the QuickHelp window that just opened)"
elif [ -x "$BIN/quickhelp" ]; then
  "$BIN/quickhelp" console --listen 127.0.0.1:0 --server "$SERVER_URL" > "$RUN_DIR/console.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    CONSOLE_URL=$(grep -Eo 'http://127\.0\.0\.1:[0-9]+/[^ ]*' "$RUN_DIR/console.log" | head -1 || true)
    [ -n "$CONSOLE_URL" ] && break
    sleep 0.1
  done
fi

# 5. The sharer's app ("Get help") in web mode, bound to the daemon above.
SHARER_URL=""
if [ -x "$BIN/quickhelp" ]; then
  "$BIN/quickhelp" console --listen 127.0.0.1:0 --server "$SERVER_URL" --sharer-socket "$SHARER_SOCKET" > "$RUN_DIR/sharer-console.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    SHARER_URL=$(grep -Eo 'http://127\.0\.0\.1:[0-9]+/[^ ]*' "$RUN_DIR/sharer-console.log" | head -1 || true)
    [ -n "$SHARER_URL" ] && break
    sleep 0.1
  done
fi

cat <<MSG

QuickHelp is running on this machine. You play both people.

$(cat "$RUN_DIR/demo.txt")

1. The helper (support person): open ${CONSOLE_URL:-(the console did not start: see $RUN_DIR/console.log)}
   sign in with the demo account above and choose "Help someone". A code appears.
2. The sharer (the person who needs help): open ${SHARER_URL:-(not started)}
   in another browser window, choose "Get help", type the code and press Allow.
   The shared screen is ${VIRTUAL:+the virtual desktop }$SHARER_DISPLAY. Ctrl+Alt+Shift+S there stops sharing at once.
3. In the helper's window: watch, chat, draw, "Request control" (the sharer allows it in a second prompt).

The sharer can also answer from a terminal:
  export QUICKHELP_SHARER_SOCKET=$SHARER_SOCKET
  $BIN/quickhelp-sharer join CODE | allow | allow-control | revoke-control | pause | resume | stop

Logs are in $RUN_DIR. Press Ctrl-C to stop everything.
MSG
wait -n "${pids[@]}" || true
echo "a QuickHelp process exited; stopping."
