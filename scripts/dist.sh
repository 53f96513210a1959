#!/usr/bin/env bash
# Builds every QuickHelp package into dist/ (what `make dist` runs):
#   Windows  QuickHelp-<v>-amd64-setup.exe  NSIS installer (wails build -nsis)
#            QuickHelp-<v>-x64.msi          MSI for Intune / line-of-business (wixl)
#            QuickHelp-<v>-x64.msix         MSIX for the Store / sideloading (tools/msix)
#   Linux    quickhelp-server_<v>_amd64.deb, quickhelp-sharer_<v>_amd64.deb,
#            quickhelp_<v>_amd64.deb        (nfpm)
#
# Signing: set SIGN_CERT (PEM certificate, with its chain) and SIGN_KEY (PEM
# key; SIGN_PASS if encrypted) to sign every .exe, the installer, the .msi and
# the .msix with osslsigncode (SHA-256) and verify each signature (against
# SIGN_CA, default: the certificate itself when self-signed, else the system
# CA bundle). SIGN_TIMESTAMP_URL adds an RFC 3161 timestamp. Without a
# certificate the Windows packages are named *-unsigned.*, and the log says so.
#
# A program that cannot be built yet is reported with a WARNING and the
# packages that need it are skipped; the summary at the end lists them.
# QUICKHELP_DIST_STANDIN_EXE=<a Windows .exe> (tests only) stands in for a
# Windows program that cannot be built, so the installer pipeline can still
# be exercised; such packages are named *-standin.* and must never ship.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=$(tr -d ' \r\n' < VERSION)
DIST=${DIST_DIR:-dist}
STAGE=build/bin           # git-ignored; Wails writes here too
GO=${GO:-go}
NFPM_VERSION=v2.45.2
LDFLAGS="-s -w -X github.com/quickhelp/quickhelp/internal/version.Version=$VERSION"

notes=()
say()  { echo "dist: $*"; }
warn() { echo "dist: WARNING: $*" >&2; notes+=("$*"); }
# last_lines N FILE: the end of a build log on one line, without colours.
last_lines() { tail -n "$1" "$2" | sed 's/\x1b\[[0-9;]*m//g' | tr -s ' \n' ' '; }
die()  { echo "dist: ERROR: $*" >&2; exit 1; }

for tool in makensis wixl osslsigncode dpkg-deb; do
  command -v "$tool" >/dev/null || die "$tool is missing: run scripts/deps.sh (make deps)"
done

rm -rf "$DIST" "$STAGE/linux" "$STAGE/windows"
mkdir -p "$DIST" "$STAGE/linux" "$STAGE/windows"

# ---------------------------------------------------------------- signing
SIGNED=0
SUFFIX="-unsigned"
if [ -n "${SIGN_CERT:-}" ] || [ -n "${SIGN_KEY:-}" ]; then
  [ -f "${SIGN_CERT:-}" ] && [ -f "${SIGN_KEY:-}" ] || die "SIGN_CERT and SIGN_KEY must both name readable PEM files"
  SIGNED=1
  SUFFIX=""
  if [ -z "${SIGN_CA:-}" ]; then
    if [ "$(openssl x509 -in "$SIGN_CERT" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')" = \
         "$(openssl x509 -in "$SIGN_CERT" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')" ]; then
      SIGN_CA=$SIGN_CERT
    else
      SIGN_CA=/etc/ssl/certs/ca-certificates.crt
    fi
  fi
  say "signing with $(openssl x509 -in "$SIGN_CERT" -noout -subject)"
else
  say "SIGN_CERT/SIGN_KEY not set: Windows packages are NOT signed (file names end in -unsigned)"
fi

# sign_file IN OUT: sign with SHA-256 and verify the result.
sign_file() {
  local in=$1 out=$2 args=(-certs "$SIGN_CERT" -key "$SIGN_KEY" -h sha256 -n QuickHelp)
  [ -n "${SIGN_PASS:-}" ] && args+=(-pass "$SIGN_PASS")
  [ -n "${SIGN_TIMESTAMP_URL:-}" ] && args+=(-ts "$SIGN_TIMESTAMP_URL")
  rm -f "$out"
  osslsigncode sign "${args[@]}" -in "$in" -out "$out" >"$STAGE/sign.log" 2>&1 \
    || { cat "$STAGE/sign.log" >&2; die "signing $in failed"; }
  osslsigncode verify -CAfile "$SIGN_CA" -in "$out" >"$STAGE/verify.log" 2>&1 \
    || { cat "$STAGE/verify.log" >&2; die "signature of $out does not verify"; }
  say "signed and verified $(basename "$out")"
}

# sign_in_place FILE (no-op when unsigned).
sign_in_place() {
  [ "$SIGNED" = 1 ] || return 0
  sign_file "$1" "$1.signed" && mv "$1.signed" "$1"
}

# ---------------------------------------------------------------- programs
build_go() { # OUT PKG [env...]
  local out=$1 pkg=$2; shift 2
  env "$@" "$GO" build -trimpath -ldflags "$LDFLAGS" -o "$out" "$pkg" >"$out.log" 2>&1
}

say "version $VERSION"
say "building quickhelp-server (linux/amd64, static)"
build_go "$STAGE/linux/quickhelp-server" ./signaling/cmd/quickhelp-server CGO_ENABLED=0 GOOS=linux GOARCH=amd64 \
  || { cat "$STAGE/linux/quickhelp-server.log" >&2; die "quickhelp-server does not build"; }

say "building quickhelp-sharer (linux/amd64)"
build_go "$STAGE/linux/quickhelp-sharer" ./daemon/cmd/quickhelp-sharer GOOS=linux GOARCH=amd64 \
  || warn "quickhelp-sharer does not build for Linux: $(last_lines 3 "$STAGE/linux/quickhelp-sharer.log")"

# The sharer's encoder is cgo over libvpx, which Debian does not ship for
# Windows: build a static one from Debian's source (cached in .cache/), then
# link everything statically so the .exe needs only Windows' own DLLs.
say "building libvpx for windows/amd64 (scripts/build-libvpx-windows.sh; cached)"
if vpx_pc=$(scripts/build-libvpx-windows.sh 2>"$STAGE/windows/libvpx.log" | tail -n 1) && [ -f "$vpx_pc/vpx.pc" ]; then
  # The Go build cache does not see pkg-config's output nor the library
  # itself; naming this libvpx build in CGO_CFLAGS (part of the cache key)
  # makes a rebuilt libvpx relink the encoder.
  vpx_id=$(cat "$vpx_pc/../libvpx.a" "$vpx_pc/vpx.pc" | sha256sum | cut -c1-16)
  say "building quickhelp-sharer.exe (windows/amd64, cgo, static libvpx)"
  build_go "$STAGE/windows/quickhelp-sharer.exe" ./daemon/cmd/quickhelp-sharer CGO_ENABLED=1 GOOS=windows GOARCH=amd64 \
    CC=x86_64-w64-mingw32-gcc PKG_CONFIG_PATH="$vpx_pc" CGO_CFLAGS="-O2 -g -DQH_LIBVPX_ID=$vpx_id" CGO_LDFLAGS=-static \
    || warn "quickhelp-sharer does not cross-build for Windows: $(grep -m3 -v '^#' "$STAGE/windows/quickhelp-sharer.exe.log" | tr '\n' ' ')"
else
  warn "libvpx does not build for Windows, so no quickhelp-sharer.exe: $(last_lines 3 "$STAGE/windows/libvpx.log")"
fi

# The desktop app goes through the Wails CLI (scripts/deps.sh builds bin/wails).
APP_OK=0
if [ ! -f main.go ] || [ ! -f wails.json ]; then
  warn "the desktop app is not buildable yet (main.go or wails.json missing): no app in the packages"
elif [ ! -x bin/wails ]; then
  warn "bin/wails is missing (run scripts/deps.sh): no desktop app in the packages"
else
  APP_OK=1
  wails_version=$(sed -n 's/.*"productVersion"[^"]*"\([^"]*\)".*/\1/p' wails.json | head -1)
  [ "$wails_version" = "$VERSION" ] || warn "wails.json productVersion ($wails_version) differs from VERSION ($VERSION): the .exe version resource shows the former"
  if [ -f frontend/package.json ]; then
    say "building the frontend"
    npm run build --workspace frontend --silent >"$STAGE/frontend.log" 2>&1 \
      || { cat "$STAGE/frontend.log" >&2; die "the frontend does not build"; }
  fi
fi

if [ "$APP_OK" = 1 ]; then
  say "building quickhelp (linux/amd64, WebKitGTK 4.1)"
  if bin/wails build -s -skipbindings -nocolour -trimpath -tags webkit2_41 -platform linux/amd64 -ldflags "$LDFLAGS" -o quickhelp >"$STAGE/wails-linux.log" 2>&1; then
    mv "$STAGE/quickhelp" "$STAGE/linux/quickhelp"
  else
    warn "the desktop app does not build for Linux: $(last_lines 8 "$STAGE/wails-linux.log")"
  fi
fi

# ---------------------------------------------------------------- Windows
STANDIN=""
win_bin() { # NAME: path of the Windows program, or the stand-in
  if [ -f "$STAGE/windows/$1" ]; then echo "$STAGE/windows/$1"
  elif [ -n "${QUICKHELP_DIST_STANDIN_EXE:-}" ]; then
    cp "$QUICKHELP_DIST_STANDIN_EXE" "$STAGE/windows/$1"
    echo "$STAGE/windows/$1"
  fi
}

NSIS_DIR=build/windows/installer
mkdir -p "$NSIS_DIR/tmp"
# Wails rewrites wails_tools.nsh on every -nsis build; keep the committed copy.
cp "$NSIS_DIR/wails_tools.nsh" "$STAGE/wails_tools.nsh.keep"
restore_nsh() { [ -f "$STAGE/wails_tools.nsh.keep" ] && cp "$STAGE/wails_tools.nsh.keep" "$NSIS_DIR/wails_tools.nsh"; return 0; }
trap restore_nsh EXIT

if [ "$APP_OK" = 1 ]; then
  say "building quickhelp.exe and the NSIS installer (wails build -platform windows/amd64 -nsis)"
  # The installer script also packs the sharer; give it one to pack.
  if [ -f "$STAGE/windows/quickhelp-sharer.exe" ]; then cp "$STAGE/windows/quickhelp-sharer.exe" "$STAGE/quickhelp-sharer.exe"
  elif [ -n "${QUICKHELP_DIST_STANDIN_EXE:-}" ]; then cp "$QUICKHELP_DIST_STANDIN_EXE" "$STAGE/quickhelp-sharer.exe"; fi
  nsis_flag=()
  if [ -f "$STAGE/quickhelp-sharer.exe" ]; then nsis_flag=(-nsis); else warn "no quickhelp-sharer.exe: wails builds the app without -nsis"; fi
  if bin/wails build -s -skipbindings -nocolour -trimpath -platform windows/amd64 "${nsis_flag[@]}" -ldflags "$LDFLAGS" -o quickhelp.exe >"$STAGE/wails-windows.log" 2>&1; then
    mv "$STAGE/quickhelp.exe" "$STAGE/windows/quickhelp.exe"
  else
    warn "the desktop app does not build for Windows: $(last_lines 8 "$STAGE/wails-windows.log")"
  fi
  restore_nsh
  rm -f "$STAGE/quickhelp-sharer.exe"
fi
# The WebView2 bootstrapper the installer runs when the runtime is missing
# ships in the Wails module; Wails copies it, but not when it did not run.
if [ ! -f "$NSIS_DIR/tmp/MicrosoftEdgeWebview2Setup.exe" ]; then
  wails_dir=$(cd tools/wails && "$GO" list -m -f '{{.Dir}}' github.com/wailsapp/wails/v2 2>/dev/null || true)
  [ -n "$wails_dir" ] && cp "$wails_dir/internal/webview2runtime/MicrosoftEdgeWebview2Setup.exe" "$NSIS_DIR/tmp/" 2>/dev/null || true
fi

for exe in quickhelp.exe quickhelp-sharer.exe; do
  [ -f "$STAGE/windows/$exe" ] && sign_in_place "$STAGE/windows/$exe"
done
APP_EXE=$(win_bin quickhelp.exe)
SHARER_EXE=$(win_bin quickhelp-sharer.exe)
declare -A exe_mark=()
for exe in quickhelp.exe quickhelp-sharer.exe; do
  exe_mark[$exe]=""
  if [ -n "${QUICKHELP_DIST_STANDIN_EXE:-}" ] && cmp -s "$STAGE/windows/$exe" "$QUICKHELP_DIST_STANDIN_EXE" 2>/dev/null; then
    warn "$exe is a STAND-IN (tests only): Windows packages are named *-standin*"
    STANDIN="-standin"
    exe_mark[$exe]="-standin"
    sign_in_place "$STAGE/windows/$exe"
  fi
done

if [ -z "$APP_EXE" ] || [ -z "$SHARER_EXE" ]; then
  warn "skipping the Windows installer, MSI and MSIX: they need both quickhelp.exe and quickhelp-sharer.exe"
else
  [ "$SIGNED" = 1 ] || warn "Windows packages are unsigned"
  for exe in quickhelp.exe quickhelp-sharer.exe; do
    cp "$STAGE/windows/$exe" "$DIST/${exe%.exe}-$VERSION${exe_mark[$exe]}$SUFFIX.exe"
  done

  # NSIS: built again with the final (signed) programs; the uninstaller it
  # embeds is signed through !uninstfinalize.
  say "building the NSIS installer"
  nsis_args=(-V2 "-DARG_WAILS_AMD64_BINARY=$PWD/$APP_EXE" "-DARG_SHARER_BINARY=$PWD/$SHARER_EXE")
  if [ "$SIGNED" = 1 ]; then
    cat > "$STAGE/sign-in-place.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
args=(-certs "$SIGN_CERT" -key "$SIGN_KEY" -h sha256 -n QuickHelp)
# The key's passphrase comes from the environment, never from this file.
if [ -n "\${SIGN_PASS:-}" ]; then args+=(-pass "\$SIGN_PASS"); fi
osslsigncode sign "\${args[@]}" -in "\$1" -out "\$1.signed" >/dev/null && mv "\$1.signed" "\$1"
EOF
    chmod 700 "$STAGE/sign-in-place.sh"
    export SIGN_PASS
    nsis_args+=("-DSIGN_COMMAND=$PWD/$STAGE/sign-in-place.sh")
  fi
  (cd "$NSIS_DIR" && makensis "${nsis_args[@]}" project.nsi) >"$STAGE/makensis.log" 2>&1 \
    || { cat "$STAGE/makensis.log" >&2; die "makensis failed"; }
  rm -f "$STAGE/sign-in-place.sh"
  installer="$DIST/QuickHelp-$VERSION-amd64-setup$STANDIN$SUFFIX.exe"
  mv "$STAGE/QuickHelp-$VERSION-amd64-setup.exe" "$installer"
  sign_in_place "$installer"

  say "building the MSI"
  msi="$DIST/QuickHelp-$VERSION-x64$STANDIN$SUFFIX.msi"
  msi_version=$(echo "$VERSION" | sed 's/[-+].*//')
  wixl -a x64 -D "Version=$msi_version" -D "AppExe=$APP_EXE" -D "SharerExe=$SHARER_EXE" \
    -D IconFile=build/windows/icon.ico -o "$msi" build/windows/msi/quickhelp.wxs 2>"$STAGE/wixl.log" \
    || { cat "$STAGE/wixl.log" >&2; die "wixl failed"; }
  sign_in_place "$msi"

  say "building the MSIX"
  msix="$DIST/QuickHelp-$VERSION-x64$STANDIN$SUFFIX.msix"
  # The manifest's Publisher must equal the signing certificate's subject.
  publisher=${MSIX_PUBLISHER:-CN=QuickHelp}
  [ "$SIGNED" = 1 ] && [ -z "${MSIX_PUBLISHER:-}" ] && \
    publisher=$(openssl x509 -in "$SIGN_CERT" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
  "$GO" run ./tools/msix pack -manifest build/windows/msix/AppxManifest.xml -icon build/appicon.png \
    -version "$VERSION" -publisher "$publisher" ${MSIX_NAME:+-name "$MSIX_NAME"} \
    ${MSIX_PUBLISHER_NAME:+-publisher-name "$MSIX_PUBLISHER_NAME"} -out "$msix" \
    "quickhelp.exe=$APP_EXE" "quickhelp-sharer.exe=$SHARER_EXE"
  sign_in_place "$msix"
fi

# ---------------------------------------------------------------- Linux
NFPM="$PWD/bin/nfpm"
if [ ! -x "$NFPM" ] || ! "$GO" version -m "$NFPM" 2>/dev/null | grep -q "goreleaser/nfpm/v2[[:space:]]*$NFPM_VERSION"; then
  say "building nfpm $NFPM_VERSION"
  mkdir -p bin
  GOBIN="$PWD/bin" "$GO" install "github.com/goreleaser/nfpm/v2/cmd/nfpm@$NFPM_VERSION" \
    || die "cannot build nfpm $NFPM_VERSION"
fi

# shlib_depends BINARY: Debian packages that provide its shared libraries.
shlib_depends() {
  ldd "$1" 2>/dev/null | awk '/=> \//{print $3}' | while read -r lib; do
    dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || true
  done | cut -d: -f1 | sort -u | grep -v -e '-dev$' || true
}

# deb NAME CONFIG BINARY
deb() {
  local name=$1 config=$2 bin=$3 final="$STAGE/linux/$1.nfpm.yaml"
  if [ ! -f "$bin" ]; then warn "skipping $name.deb: $(basename "$bin") was not built"; return; fi
  { while IFS= read -r line; do
      if [ "$line" = "#SHLIBS" ]; then
        shlib_depends "$bin" | sed 's/^/  - /'
      else
        printf '%s\n' "$line"
      fi
    done < "$config"; } > "$final"
  say "packaging $name.deb"
  QUICKHELP_VERSION=$VERSION "$NFPM" package --config "$final" --packager deb --target "$DIST/" >"$STAGE/nfpm-$name.log" 2>&1 \
    || { cat "$STAGE/nfpm-$name.log" >&2; die "nfpm failed for $name"; }
}
deb quickhelp-server build/linux/server/nfpm.yaml "$STAGE/linux/quickhelp-server"
deb quickhelp-sharer build/linux/sharer/nfpm.yaml "$STAGE/linux/quickhelp-sharer"
deb quickhelp build/linux/app/nfpm.yaml "$STAGE/linux/quickhelp"

(cd "$DIST" && sha256sum -- * > SHA256SUMS)
echo
say "packages in $DIST/:"
ls -l "$DIST" | tail -n +2 | sed 's/^/  /'
if [ ${#notes[@]} -gt 0 ]; then
  echo
  say "NOT COMPLETE — ${#notes[@]} warning(s):"
  printf '  - %s\n' "${notes[@]}"
  printf '%s\n' "${notes[@]}" > "$DIST/BUILD-WARNINGS.txt"
fi
