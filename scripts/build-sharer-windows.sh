#!/usr/bin/env bash
# Cross-builds quickhelp-sharer.exe for windows/amd64: cgo over a static
# libvpx built from Debian's source (scripts/build-libvpx-windows.sh, cached
# in .cache/), linked statically so it needs only Windows' own DLLs, as a
# GUI-subsystem program (-H=windowsgui: no console window when the app starts
# it; from a terminal it attaches to the terminal's console).
#
#   scripts/build-sharer-windows.sh OUT.exe [extra go build flags...]
#
# LDFLAGS (default: -s -w and the version) is passed on. Used by
# scripts/dist.sh and scripts/wine-test.sh. Fails loudly; prints nothing on
# stdout but build logs on stderr when something fails.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:?usage: build-sharer-windows.sh OUT.exe [go build flags...]}
shift
GO=${GO:-go}
VERSION=$(tr -d ' \r\n' < VERSION)
LDFLAGS=${LDFLAGS:--s -w -X github.com/quickhelp/quickhelp/internal/version.Version=$VERSION}

log=$(mktemp "${TMPDIR:-/tmp}/quickhelp-sharer-windows.XXXXXX")
trap 'rm -f "$log"' EXIT
vpx_pc=$(scripts/build-libvpx-windows.sh 2>"$log" | tail -n 1) \
  || { cat "$log" >&2; echo "build-sharer-windows: ERROR: libvpx does not build for Windows" >&2; exit 1; }
[ -f "$vpx_pc/vpx.pc" ] || { cat "$log" >&2; echo "build-sharer-windows: ERROR: no pkg-config directory from build-libvpx-windows.sh" >&2; exit 1; }
# The Go build cache does not see pkg-config's output nor the library
# itself; naming this libvpx build in CGO_CFLAGS (part of the cache key)
# makes a rebuilt libvpx relink the encoder.
vpx_id=$(cat "$vpx_pc/../libvpx.a" "$vpx_pc/vpx.pc" | sha256sum | cut -c1-16)
env CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc PKG_CONFIG_PATH="$vpx_pc" \
  CGO_CFLAGS="-O2 -g -DQH_LIBVPX_ID=$vpx_id" CGO_LDFLAGS=-static \
  "$GO" build -trimpath "$@" -ldflags "$LDFLAGS -H=windowsgui" -o "$out" ./daemon/cmd/quickhelp-sharer >"$log" 2>&1 \
  || { cat "$log" >&2; echo "build-sharer-windows: ERROR: quickhelp-sharer does not cross-build for Windows" >&2; exit 1; }
