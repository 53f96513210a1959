# Sourced by scripts/wine-test.sh and scripts/dist-test.sh: a throw-away
# wine64 prefix in which Go programs start.
#
# Go 1.22 and later need ProcessPrng from bcryptprimitives.dll, which wine 8
# (Debian 12) lacks: test/wine/shim/bcryptprimitives.c is built with MinGW into
# the prefix's system directory. For tests only; never shipped (dist-test
# checks that no package carries it).
#
#   wine_prefix DIR     create the prefix in DIR (sets WINEPREFIX, WINE, WINESERVER);
#                       with WINE_DISPLAY=:N its desktop draws on that X display
#                       (windows, GDI capture), else it has none
#   wine_prefix_stop    stop this prefix's wineserver (only the one it started)

WINE=${WINE64:-/usr/lib/wine/wine64}
WINESERVER=/usr/lib/wine/wineserver64
[ -x "$WINESERVER" ] || WINESERVER=/usr/lib/wine/wineserver

wine_prefix() {
  local dir=$1
  [ -x "$WINE" ] || { echo "wine64 is missing: apt-get install wine64 (scripts/deps.sh installs it)" >&2; return 1; }
  command -v x86_64-w64-mingw32-gcc >/dev/null || { echo "x86_64-w64-mingw32-gcc is missing" >&2; return 1; }
  mkdir -p "$dir"
  export WINEPREFIX="$dir/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
  x86_64-w64-mingw32-gcc -O2 -shared -Wl,--enable-stdcall-fixup -o "$dir/bcryptprimitives.dll" \
    test/wine/shim/bcryptprimitives.c test/wine/shim/bcryptprimitives.def -ladvapi32 || return 1
  DISPLAY=${WINE_DISPLAY:-} "$WINE" wineboot -i >"$dir/wineboot.log" 2>&1 || { cat "$dir/wineboot.log" >&2; return 1; }
  cp "$dir/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"
  # A new prefix says Windows 7; QuickHelp's installer wants 10 or later.
  DISPLAY=${WINE_DISPLAY:-} "$WINE" winecfg /v win10 >>"$dir/wineboot.log" 2>&1
}

wine_prefix_stop() {
  # No server running is fine (-k then fails); under set -e that failure
  # must not end a caller's cleanup before it stops the rest.
  if [ -n "${WINEPREFIX:-}" ] && [ -d "$WINEPREFIX" ]; then
    "$WINESERVER" -k 2>/dev/null || true
  fi
  return 0
}
