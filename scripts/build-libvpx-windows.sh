#!/usr/bin/env bash
# Cross-builds a static VP8-only libvpx for windows/amd64 (MinGW-w64) from
# Debian's own source package, so the Windows sharer daemon links the same
# libvpx release, with the same Debian security patches, as the Linux one.
# Nothing is fetched outside Debian's archive: the source comes through
# `apt-get source` (a deb-src entry is added when missing).
#
# Output: <prefix>/lib/libvpx.a, <prefix>/include/vpx/, <prefix>/lib/pkgconfig/vpx.pc
# with <prefix> = ${LIBVPX_WINDOWS_PREFIX:-.cache/libvpx-windows/prefix}.
# The last line printed is the pkg-config directory, for PKG_CONFIG_PATH.
#
# Idempotent: when the prefix already holds libvpx.a built from the Debian
# version apt would fetch, it does nothing.
#
# Needs: gcc-mingw-w64-x86-64, nasm (or yasm; without either, a slower build
# without assembly), dpkg-dev (dpkg-source), make.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${LIBVPX_WINDOWS_CACHE:-$PWD/.cache/libvpx-windows}
PREFIX=${LIBVPX_WINDOWS_PREFIX:-$CACHE/prefix}
CROSS=${CROSS:-x86_64-w64-mingw32-}
SRC_LIST=/etc/apt/sources.list.d/quickhelp-src.sources
STAMP="$PREFIX/.debian-version"

say() { echo "libvpx-windows: $*" >&2; }
die() { echo "libvpx-windows: ERROR: $*" >&2; exit 1; }

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

command -v "${CROSS}gcc" >/dev/null || die "${CROSS}gcc is missing: apt-get install gcc-mingw-w64-x86-64"
command -v dpkg-source >/dev/null || die "dpkg-source is missing: apt-get install dpkg-dev"

# source_version: the Debian version of libvpx that `apt-get source` would
# fetch, or nothing when no deb-src entry provides it (apt-get then fails,
# which must not end the script under pipefail).
source_version() {
  { apt-get source --print-uris libvpx 2>/dev/null || true; } \
    | sed -n "s/.*'\(http[^']*\)' libvpx_\([^ ]*\)\.dsc .*/\2/p" | head -1
}

version=$(source_version)
if [ -z "$version" ]; then
  if [ ! -f "$SRC_LIST" ]; then
    say "adding a deb-src entry for Debian bookworm main ($SRC_LIST)"
    $SUDO tee "$SRC_LIST" >/dev/null <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  fi
  say "apt-get update (source indexes)"
  $SUDO apt-get update -qq || die "apt-get update failed"
  version=$(source_version)
  [ -n "$version" ] || die "apt-get source cannot find libvpx: is a deb-src entry for bookworm main configured?"
fi

if [ -f "$PREFIX/lib/libvpx.a" ] && [ -f "$PREFIX/lib/pkgconfig/vpx.pc" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$version" ]; then
  say "libvpx $version for windows/amd64 is already built"
  echo "$PREFIX/lib/pkgconfig"
  exit 0
fi

start=$SECONDS
dl="$CACHE/source"
mkdir -p "$dl"
if [ ! -f "$dl/libvpx_$version.dsc" ]; then
  say "fetching the Debian source of libvpx $version"
  (cd "$dl" && apt-get source --download-only -qq libvpx >/dev/null) || die "apt-get source libvpx failed"
fi
[ -f "$dl/libvpx_$version.dsc" ] || die "apt-get source did not fetch libvpx_$version.dsc"

# dpkg-source checks the tarballs against the .dsc (which apt verified
# against the signed archive index) and applies Debian's patches.
src="$CACHE/libvpx-$version"
rm -rf "$src"
dpkg-source --no-check -x "$dl/libvpx_$version.dsc" "$src" >/dev/null 2>"$CACHE/dpkg-source.log" \
  || { cat "$CACHE/dpkg-source.log" >&2; die "unpacking libvpx failed"; }

asm=()
if command -v nasm >/dev/null; then asm=(--as=nasm)
elif command -v yasm >/dev/null; then asm=(--as=yasm)
else
  say "WARNING: neither nasm nor yasm is installed: building without assembly (slower encoding)"
  asm=(--disable-asm)
fi

build="$CACHE/build"
rm -rf "$build" "$PREFIX"
mkdir -p "$build"
say "configuring (x86_64-win64-gcc, VP8 only, static${asm:+, ${asm[*]}})"
# Realtime-only drops the good/best-quality paths the daemon never uses
# (it encodes with VPX_DL_REALTIME in one pass), which halves the build.
(cd "$build" && CROSS="$CROSS" "$src/configure" --target=x86_64-win64-gcc --prefix="$PREFIX" \
  --enable-vp8 --disable-vp9 --enable-static --disable-shared --enable-realtime-only \
  --enable-runtime-cpu-detect --enable-multithread "${asm[@]}" \
  --disable-examples --disable-tools --disable-docs --disable-unit-tests \
  --disable-install-docs --disable-install-bins --disable-install-srcs) >"$CACHE/configure.log" 2>&1 \
  || { tail -n 30 "$CACHE/configure.log" >&2; die "configure failed (log: $CACHE/configure.log)"; }

say "building with $(nproc) jobs"
# Only the codec library: `make all`/`make install` would also build the
# C++ rate-control library (libvpxrc), which needs a MinGW C++ compiler and
# which the daemon does not use. So install by hand what `make install`
# would: the library, the public headers and the pkg-config file.
# One target per make: libvpx's top-level Makefile runs a sub-make per goal,
# so `make -j libvpx.a vpx.pc` builds both goals' prerequisites twice at once
# and appends vpx.pc twice.
(cd "$build" && CROSS="$CROSS" make -j"$(nproc)" libvpx.a && CROSS="$CROSS" make vpx.pc) >"$CACHE/make.log" 2>&1 \
  || { tail -n 30 "$CACHE/make.log" >&2; die "make failed (log: $CACHE/make.log)"; }
[ "$(grep -c '^Libs:' "$build/vpx.pc")" = 1 ] || die "vpx.pc is malformed (log: $CACHE/make.log)"
mkdir -p "$PREFIX/lib/pkgconfig" "$PREFIX/include/vpx"
cp "$build/libvpx.a" "$PREFIX/lib/"
# Only a static library is installed, and cgo asks pkg-config for --libs
# without --static: move Libs.private (-lpthread for the encoder threads,
# MinGW's winpthreads) into Libs.
private=$(sed -n 's/^Libs.private: *//p' "$build/vpx.pc")
sed -e "s|^\(Libs: .*\)|\1 $private|" -e '/^Libs.private:/d' "$build/vpx.pc" > "$PREFIX/lib/pkgconfig/vpx.pc"
cp "$src"/vpx/*.h "$PREFIX/include/vpx/"

echo "$version" > "$STAMP"
rm -rf "$build" "$src" "$CACHE"/libvpx_*.orig.tar.*  # dpkg-source leaves a copy of the tarball here
say "built libvpx $version for windows/amd64 in $((SECONDS - start)) s"
echo "$PREFIX/lib/pkgconfig"
