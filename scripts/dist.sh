#!/usr/bin/env bash
# Builds every QuickHelp package into dist/ (what `make dist` runs):
#   Windows  QuickHelp-<v>-amd64-setup.exe  NSIS installer (wails build -nsis)
#            QuickHelp-<v>-x64.msi          MSI for Intune / line-of-business (wixl)
#            QuickHelp-<v>-x64.msix         MSIX for the Store / sideloading (tools/msix)
#   Linux    quickhelp-server_<v>_amd64.deb, quickhelp-sharer_<v>_amd64.deb,
#            quickhelp_<v>_amd64.deb        (nfpm)
#
# Signing: set SIGN_CERT (PEM certificate, with its chain) and SIGN_KEY (PEM
# key) to sign every .exe, the installer, the .msi and the .msix with
# osslsigncode (SHA-256) and verify each signature (against SIGN_CA, default:
# the certificate itself when self-signed, else the system CA bundle). An
# encrypted key's passphrase is read from the file SIGN_PASS_FILE (or from
# SIGN_PASS, which is written to a private temporary file): it never appears
# on a command line. SIGN_TIMESTAMP_URL adds an RFC 3161 timestamp. Signing
# an MSIX needs osslsigncode 2.7 or newer (Debian 12 has 2.5; 2.9 is in
# bookworm-backports): with an older one a signed build stops before it
# starts and says what to install. Without a certificate the Windows
# packages are named *-unsigned.*, and the log says so.
#
# Every program and every package must build: any failure stops the script
# with an error (libvpx for Windows included, built from Debian's source and
# cached in .cache/ by scripts/build-libvpx-windows.sh). Nothing is skipped.
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
die()  { echo "dist: ERROR: $*" >&2; exit 1; }

for tool in makensis wixl osslsigncode dpkg-deb x86_64-w64-mingw32-gcc; do
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
  scripts/osslsigncode-check.sh || die "osslsigncode cannot sign MSIX packages (see above)"
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

# The key's passphrase reaches osslsigncode as a file (-readpass), never as
# an argument that other users could read in the process list.
PASS_FILE=""
if [ "$SIGNED" = 1 ]; then
  if [ -n "${SIGN_PASS_FILE:-}" ]; then
    [ -r "$SIGN_PASS_FILE" ] || die "SIGN_PASS_FILE ($SIGN_PASS_FILE) is not readable"
    PASS_FILE=$SIGN_PASS_FILE
  elif [ -n "${SIGN_PASS:-}" ]; then
    PASS_FILE=$(umask 077 && mktemp "${TMPDIR:-/tmp}/quickhelp-sign.XXXXXX")
    printf '%s' "$SIGN_PASS" > "$PASS_FILE"
  fi
fi
cleanup() {
  [ -n "$PASS_FILE" ] && [ "$PASS_FILE" != "${SIGN_PASS_FILE:-}" ] && rm -f "$PASS_FILE"
  return 0
}
trap cleanup EXIT

# sign_file IN OUT: sign with SHA-256 and verify the result.
sign_file() {
  local in=$1 out=$2 args=(-certs "$SIGN_CERT" -key "$SIGN_KEY" -h sha256 -n QuickHelp)
  [ -n "$PASS_FILE" ] && args+=(-readpass "$PASS_FILE")
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
  || { cat "$STAGE/linux/quickhelp-sharer.log" >&2; die "quickhelp-sharer does not build for Linux"; }

# The sharer's encoder is cgo over libvpx, which Debian does not ship for
# Windows: scripts/build-sharer-windows.sh builds a static one from Debian's
# source (cached in .cache/) and links the daemon statically, as a
# GUI-subsystem program (no console window when the app starts it).
say "building quickhelp-sharer.exe (windows/amd64, cgo, static libvpx from Debian's source, cached; GUI subsystem)"
LDFLAGS=$LDFLAGS scripts/build-sharer-windows.sh "$STAGE/windows/quickhelp-sharer.exe" 2>"$STAGE/windows/quickhelp-sharer.exe.log" \
  || { cat "$STAGE/windows/quickhelp-sharer.exe.log" >&2; die "quickhelp-sharer.exe does not build"; }

# The desktop app goes through the Wails CLI (scripts/deps.sh builds bin/wails).
[ -f main.go ] && [ -f wails.json ] || die "main.go or wails.json is missing: the desktop app cannot be built"
[ -x bin/wails ] || die "bin/wails is missing: run scripts/deps.sh (make deps)"
wails_version=$(sed -n 's/.*"productVersion"[^"]*"\([^"]*\)".*/\1/p' wails.json | head -1)
[ "$wails_version" = "$VERSION" ] || die "wails.json productVersion ($wails_version) differs from VERSION ($VERSION)"
if [ -f frontend/package.json ]; then
  say "building the frontend"
  npm run build --workspace frontend --silent >"$STAGE/frontend.log" 2>&1 \
    || { cat "$STAGE/frontend.log" >&2; die "the frontend does not build"; }
fi

say "building quickhelp (linux/amd64, WebKitGTK 4.1)"
bin/wails build -s -skipbindings -nocolour -trimpath -tags webkit2_41 -platform linux/amd64 -ldflags "$LDFLAGS" -o quickhelp >"$STAGE/wails-linux.log" 2>&1 \
  || { tail -n 30 "$STAGE/wails-linux.log" >&2; die "the desktop app does not build for Linux"; }
mv "$STAGE/quickhelp" "$STAGE/linux/quickhelp"

# ---------------------------------------------------------------- Windows
# -webview2 error: when the WebView2 runtime is missing, quickhelp.exe says so
# and stops; it never downloads Microsoft's bootstrapper (Wails' default).
# No -nsis: the installer is built below with makensis from
# build/windows/installer, which checks for the runtime itself.
say "building quickhelp.exe (wails build -platform windows/amd64 -webview2 error)"
bin/wails build -s -skipbindings -nocolour -trimpath -platform windows/amd64 -webview2 error -ldflags "$LDFLAGS" -o quickhelp.exe >"$STAGE/wails-windows.log" 2>&1 \
  || { tail -n 30 "$STAGE/wails-windows.log" >&2; die "the desktop app does not build for Windows"; }
mv "$STAGE/quickhelp.exe" "$STAGE/windows/quickhelp.exe"

for exe in quickhelp.exe quickhelp-sharer.exe; do
  sign_in_place "$STAGE/windows/$exe"
done
APP_EXE=$STAGE/windows/quickhelp.exe
SHARER_EXE=$STAGE/windows/quickhelp-sharer.exe
NSIS_DIR=build/windows/installer

[ "$SIGNED" = 1 ] || warn "Windows packages are unsigned"
for exe in quickhelp.exe quickhelp-sharer.exe; do
  cp "$STAGE/windows/$exe" "$DIST/${exe%.exe}-$VERSION$SUFFIX.exe"
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
# The key's passphrase is read from a file, never passed as an argument.
if [ -n "\${QUICKHELP_SIGN_PASS_FILE:-}" ]; then args+=(-readpass "\$QUICKHELP_SIGN_PASS_FILE"); fi
osslsigncode sign "\${args[@]}" -in "\$1" -out "\$1.signed" >/dev/null && mv "\$1.signed" "\$1"
EOF
  chmod 700 "$STAGE/sign-in-place.sh"
  export QUICKHELP_SIGN_PASS_FILE=$PASS_FILE
  nsis_args+=("-DSIGN_COMMAND=$PWD/$STAGE/sign-in-place.sh")
fi
(cd "$NSIS_DIR" && makensis "${nsis_args[@]}" project.nsi) >"$STAGE/makensis.log" 2>&1 \
  || { cat "$STAGE/makensis.log" >&2; die "makensis failed"; }
rm -f "$STAGE/sign-in-place.sh"
installer="$DIST/QuickHelp-$VERSION-amd64-setup$SUFFIX.exe"
mv "$STAGE/QuickHelp-$VERSION-amd64-setup.exe" "$installer"
sign_in_place "$installer"

say "building the MSI"
msi="$DIST/QuickHelp-$VERSION-x64$SUFFIX.msi"
msi_version=$(echo "$VERSION" | sed 's/[-+].*//')
wixl -a x64 -D "Version=$msi_version" -D "AppExe=$APP_EXE" -D "SharerExe=$SHARER_EXE" \
  -D IconFile=build/windows/icon.ico -o "$msi" build/windows/msi/quickhelp.wxs 2>"$STAGE/wixl.log" \
  || { cat "$STAGE/wixl.log" >&2; die "wixl failed"; }
sign_in_place "$msi"

say "building the MSIX"
msix="$DIST/QuickHelp-$VERSION-x64$SUFFIX.msix"
# The manifest's Publisher must equal the signing certificate's subject.
publisher=${MSIX_PUBLISHER:-CN=QuickHelp}
[ "$SIGNED" = 1 ] && [ -z "${MSIX_PUBLISHER:-}" ] && \
  publisher=$(openssl x509 -in "$SIGN_CERT" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
"$GO" run ./tools/msix pack -manifest build/windows/msix/AppxManifest.xml -icon build/appicon.png \
  -version "$VERSION" -publisher "$publisher" ${MSIX_NAME:+-name "$MSIX_NAME"} \
  ${MSIX_PUBLISHER_NAME:+-publisher-name "$MSIX_PUBLISHER_NAME"} -out "$msix" \
  "quickhelp.exe=$APP_EXE" "quickhelp-sharer.exe=$SHARER_EXE"
sign_in_place "$msix"

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
  [ -f "$bin" ] || die "$name.deb: $(basename "$bin") was not built"
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
  say "${#notes[@]} warning(s):"
  printf '  - %s\n' "${notes[@]}"
  printf '%s\n' "${notes[@]}" > "$DIST/BUILD-WARNINGS.txt"
fi
