#!/usr/bin/env bash
# Tests the packages end to end (what `make dist-test` runs, part of
# `make test`): builds everything with scripts/dist.sh, signed with a
# throw-away certificate, into a temporary directory, then checks
#   - every .exe, the installer, the .msi and the .msix carry a signature that
#     osslsigncode verifies, and a tampered copy does not verify;
#   - the MSI's ProductName, ProductVersion, UpgradeCode, files and shortcut;
#   - the MSIX layout, its manifest identity, and that AppxBlockMap.xml's
#     block hashes match the files (tools/msix verify, plus one block
#     recomputed here with openssl);
#   - the three .deb files' metadata and contents, the server's systemd unit
#     (systemd-analyze verify and security), and that the quickhelp-server
#     binary taken out of its .deb starts and answers /healthz;
#   - the machine-policy and MSIX Go tests, and that the packaged sharer
#     ignores the test-only QUICKHELP_POLICY_FILE (a test build honours it).
# Windows programs that do not build yet are replaced by a stand-in .exe so
# the Windows pipeline is still tested (dist.sh names those packages
# *-standin*). Prints "N passed, N failed" last; exits non-zero on a failure.
set -uo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
VERSION=$(tr -d ' \r\n' < VERSION)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/quickhelp-dist-test.XXXXXX")
DIST="$WORK/dist"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

passed=0 failed=0 skipped=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
skip() { echo "SKIP: $*"; skipped=$((skipped + 1)); }
check() { # DESCRIPTION COMMAND...: pass when the command succeeds
  local what=$1; shift
  if "$@" >"$WORK/check.log" 2>&1; then pass "$what"; else fail "$what"; sed 's/^/    /' "$WORK/check.log" | tail -20; fi
}
finish() {
  echo
  echo "dist-test: $passed passed, $failed failed, $skipped skipped"
  [ "$failed" -eq 0 ]
  exit
}

# ------------------------------------------------------------- Go tests
check "policy and msix unit tests" "$GO" test -count=1 ./internal/policy/... ./tools/msix/...
check "policy package vets for Windows" env GOOS=windows "$GO" vet ./internal/policy/...

# ------------------------------------------------------------- build
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 \
  -subj "/CN=QuickHelp Test Signing/O=QuickHelp Test" \
  -addext extendedKeyUsage=codeSigning -addext keyUsage=digitalSignature >/dev/null 2>&1 \
  || { fail "make a test code-signing certificate"; finish; }
# A real Windows program from this repository stands in for any QuickHelp
# program that does not cross-build yet.
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 "$GO" build -o "$WORK/standin.exe" ./tools/msix \
  || { fail "build the stand-in .exe"; finish; }

echo "dist-test: running scripts/dist.sh (signed with a throw-away certificate)"
if SIGN_CERT="$WORK/cert.pem" SIGN_KEY="$WORK/key.pem" DIST_DIR="$DIST" \
   QUICKHELP_DIST_STANDIN_EXE="$WORK/standin.exe" scripts/dist.sh >"$WORK/dist.log" 2>&1; then
  pass "scripts/dist.sh"
else
  fail "scripts/dist.sh"; tail -30 "$WORK/dist.log"; finish
fi
if [ -f "$DIST/BUILD-WARNINGS.txt" ]; then
  echo "dist-test: dist.sh reported:"; sed 's/^/    /' "$DIST/BUILD-WARNINGS.txt"
fi

one() { ls "$DIST"/$1 2>/dev/null | head -1; }
installer=$(one "QuickHelp-$VERSION-amd64-setup*.exe")
msi=$(one "QuickHelp-$VERSION-x64*.msi")
msix=$(one "QuickHelp-$VERSION-x64*.msix")
app_exe=$(one "quickhelp-$VERSION*.exe")
sharer_exe=$(one "quickhelp-sharer-$VERSION*.exe")
server_deb=$(one "quickhelp-server_${VERSION}_amd64.deb")
sharer_deb=$(one "quickhelp-sharer_${VERSION}_amd64.deb")
app_deb=$(one "quickhelp_${VERSION}_amd64.deb")

for f in installer msi msix app_exe sharer_exe server_deb sharer_deb; do
  if [ -n "${!f}" ]; then pass "dist.sh produced $(basename "${!f}")"; else fail "dist.sh produced no $f"; fi
done
if [ -n "$app_deb" ]; then pass "dist.sh produced $(basename "$app_deb")"
else skip "quickhelp .deb: the desktop app does not build for Linux yet (see the warnings above)"; fi
case "$installer$msi$msix" in *-unsigned*) fail "signed build still named -unsigned";; esac

# ------------------------------------------------------------- signatures
for f in "$app_exe" "$sharer_exe" "$installer" "$msi" "$msix"; do
  [ -n "$f" ] || continue
  check "osslsigncode verify $(basename "$f")" osslsigncode verify -CAfile "$WORK/cert.pem" -in "$f"
done
if [ -n "$msi" ]; then
  # The check can fail: a copy with one byte changed must not verify.
  cp "$msi" "$WORK/tampered.msi"
  printf '\xff' | dd of="$WORK/tampered.msi" bs=1 seek=$(( $(stat -c %s "$msi") / 2 )) conv=notrunc 2>/dev/null
  if osslsigncode verify -CAfile "$WORK/cert.pem" -in "$WORK/tampered.msi" >/dev/null 2>&1; then
    fail "a tampered .msi still verifies"
  else
    pass "a tampered .msi does not verify"
  fi
fi
if [ -n "$installer" ]; then
  check "the installer is an NSIS installer" grep -q "Nullsoft" "$installer"
fi

# ------------------------------------------------------------- MSI
if [ -n "$msi" ]; then
  upgrade_code=$(grep -o 'UpgradeCode="[^"]*"' build/windows/msi/quickhelp.wxs | cut -d'"' -f2)
  msiinfo export "$msi" Property >"$WORK/msi-props.txt" 2>/dev/null
  prop() { awk -F'\t' -v k="$1" '$1 == k {print $2}' "$WORK/msi-props.txt" | tr -d '\r'; }
  [ "$(prop ProductName)" = "QuickHelp" ] && pass "MSI ProductName = QuickHelp" || fail "MSI ProductName = '$(prop ProductName)'"
  [ "$(prop ProductVersion)" = "${VERSION%%-*}" ] && pass "MSI ProductVersion = ${VERSION%%-*}" || fail "MSI ProductVersion = '$(prop ProductVersion)'"
  [ "$(prop UpgradeCode)" = "{$upgrade_code}" ] && pass "MSI UpgradeCode = {$upgrade_code}" || fail "MSI UpgradeCode = '$(prop UpgradeCode)'"
  [ "$(prop ALLUSERS)" = "1" ] && pass "MSI installs per machine (ALLUSERS=1)" || fail "MSI ALLUSERS = '$(prop ALLUSERS)'"
  msiinfo export "$msi" File >"$WORK/msi-files.txt" 2>/dev/null
  for f in quickhelp.exe quickhelp-sharer.exe; do
    check "MSI File table has $f" grep -qP "[\t|]$f\t" "$WORK/msi-files.txt"
  done
  check "MSI has a Start-menu shortcut" sh -c "msiinfo export '$msi' Shortcut | grep -q QuickHelp"
  check "MSI removes older versions (MajorUpgrade)" sh -c "msiinfo export '$msi' Upgrade | grep -q WIX_UPGRADE_DETECTED"
fi

# ------------------------------------------------------------- MSIX
if [ -n "$msix" ]; then
  check "MSIX is a valid ZIP" unzip -tq "$msix"
  unzip -Z1 "$msix" >"$WORK/msix-list.txt"
  for f in quickhelp.exe quickhelp-sharer.exe AppxManifest.xml AppxBlockMap.xml '[Content_Types].xml' \
           AppxSignature.p7x Assets/StoreLogo.png Assets/Square44x44Logo.png Assets/Square150x150Logo.png; do
    check "MSIX contains $f" grep -qxF "$f" "$WORK/msix-list.txt"
  done
  check "MSIX block map matches every file (tools/msix verify)" "$GO" run ./tools/msix verify "$msix"
  # One block recomputed here, independently of the Go code.
  mkdir -p "$WORK/msix" && (cd "$WORK/msix" && unzip -q "$msix")
  want=$(grep -A1 'Name="quickhelp.exe"' "$WORK/msix/AppxBlockMap.xml" | grep -o 'Hash="[^"]*"' | head -1 | cut -d'"' -f2)
  got=$(head -c 65536 "$WORK/msix/quickhelp.exe" | openssl dgst -sha256 -binary | base64)
  [ -n "$want" ] && [ "$want" = "$got" ] && pass "first 64 KiB block hash of quickhelp.exe matches" \
    || fail "block hash of quickhelp.exe: block map '$want', file '$got'"
  subject=$(openssl x509 -in "$WORK/cert.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
  check "MSIX Publisher equals the certificate subject" grep -qF "Publisher=\"$subject\"" "$WORK/msix/AppxManifest.xml"
  check "MSIX declares runFullTrust" grep -q 'rescap:Capability Name="runFullTrust"' "$WORK/msix/AppxManifest.xml"
  check "MSIX version is ${VERSION%%-*}.0" grep -q "Version=\"${VERSION%%-*}.0\"" "$WORK/msix/AppxManifest.xml"
fi

# ------------------------------------------------------------- .deb
deb_field() { dpkg-deb -f "$1" "$2"; }
if [ -n "$server_deb" ]; then
  dpkg-deb -c "$server_deb" >"$WORK/server-contents.txt"
  for p in ./usr/bin/quickhelp-server ./lib/systemd/system/quickhelp-server.service ./etc/quickhelp/server.env; do
    check "server .deb contains $p" grep -q " $p\$" "$WORK/server-contents.txt"
  done
  [ "$(deb_field "$server_deb" Version)" = "$VERSION" ] && pass "server .deb version $VERSION" || fail "server .deb version $(deb_field "$server_deb" Version)"
  check "server .deb depends on adduser" sh -c "dpkg-deb -f '$server_deb' Depends | grep -q adduser"
  check "server.env is a conffile" sh -c "dpkg-deb -I '$server_deb' conffiles | grep -qx /etc/quickhelp/server.env"
  check "postinst creates the quickhelp system user" sh -c "dpkg-deb -I '$server_deb' postinst | grep -q 'adduser --system'"

  root="$WORK/server-root"
  dpkg-deb -x "$server_deb" "$root"
  unit="$root/lib/systemd/system/quickhelp-server.service"
  for opt in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
             ReadWritePaths=/var/lib/quickhelp CapabilityBoundingSet= User=quickhelp; do
    check "unit sets $opt" grep -qx "$opt" "$unit"
  done
  if command -v systemd-analyze >/dev/null; then
    # Verify the unit as shipped, with ExecStart pointing at the extracted
    # binary (it is not installed here). Warnings count as failures.
    mkdir -p "$WORK/unit"
    sed "s#^ExecStart=/usr/bin/quickhelp-server#ExecStart=$root/usr/bin/quickhelp-server#" "$unit" >"$WORK/unit/quickhelp-server.service"
    if out=$(systemd-analyze verify "$WORK/unit/quickhelp-server.service" 2>&1) && [ -z "$out" ]; then
      pass "systemd-analyze verify quickhelp-server.service"
    else
      fail "systemd-analyze verify quickhelp-server.service: $out"
    fi
    exposure=$(systemd-analyze security --offline=yes "$WORK/unit/quickhelp-server.service" 2>/dev/null \
      | grep -o 'Overall exposure level for [^:]*: [0-9.]*' | awk '{print $NF}')
    if [ -n "$exposure" ] && awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }'; then
      pass "systemd-analyze security exposure $exposure (at most 2.0)"
    else
      fail "systemd-analyze security exposure '$exposure' (want at most 2.0)"
    fi
  else
    skip "systemd-analyze verify: systemd-analyze is not installed in this container"
  fi

  # The packaged binary starts and answers /healthz.
  mkdir -p "$WORK/data"
  "$root/usr/bin/quickhelp-server" serve --data "$WORK/data" --listen 127.0.0.1:0 --turn-listen off \
    >"$WORK/server.log" 2>&1 &
  server_pid=$!
  url=""
  for _ in $(seq 1 150); do
    url=$(grep -Eo 'http://127\.0\.0\.1:[0-9]+' "$WORK/server.log" | head -1)
    [ -n "$url" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -n "$url" ] && curl -fsS --max-time 10 "$url/healthz" >"$WORK/healthz.txt" 2>&1; then
    pass "packaged quickhelp-server answers /healthz"
  else
    fail "packaged quickhelp-server answers /healthz"; tail -20 "$WORK/server.log"
  fi
  check "packaged quickhelp-server reports version $VERSION" sh -c "'$root/usr/bin/quickhelp-server' --version | grep -qF '$VERSION'"
  kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; server_pid=""
fi

if [ -n "$sharer_deb" ]; then
  check "sharer .deb contains /usr/bin/quickhelp-sharer" sh -c "dpkg-deb -c '$sharer_deb' | grep -q ' ./usr/bin/quickhelp-sharer\$'"
  check "sharer .deb contains its user service" sh -c "dpkg-deb -c '$sharer_deb' | grep -q ' ./usr/lib/systemd/user/quickhelp-sharer.service\$'"
  check "sharer .deb depends on libvpx" sh -c "dpkg-deb -f '$sharer_deb' Depends | grep -q libvpx"

  # The machine policy cannot be switched off from the environment: the
  # packaged sharer, pointed at a disabling policy file through
  # QUICKHELP_POLICY_FILE, ignores it and goes on to contact the service (an
  # unreachable one here), while a test build (-tags quickhelp_test) given
  # the same variable refuses, so the check can fail.
  dpkg-deb -x "$sharer_deb" "$WORK/sharer-root"
  shipped_sharer="$WORK/sharer-root/usr/bin/quickhelp-sharer"
  mkdir -p "$WORK/policy"
  echo '{"Disabled": true}' >"$WORK/policy/policy.json"
  try_disabled() { # BINARY: join with the disabling override, print its stderr
    QUICKHELP_POLICY_FILE="$WORK/policy/policy.json" DISPLAY= timeout 30 "$1" --socket "$WORK/policy/s.sock" \
      --server http://127.0.0.1:9 join ABCD-EFGH 2>&1 >/dev/null
  }
  out=$(try_disabled "$shipped_sharer")
  if grep -q "cannot reach the QuickHelp service" <<<"$out" && ! grep -q "turned off" <<<"$out"; then
    pass "packaged quickhelp-sharer ignores QUICKHELP_POLICY_FILE"
  else
    fail "packaged quickhelp-sharer with QUICKHELP_POLICY_FILE: $out"
  fi
  if "$GO" build -tags quickhelp_test -o "$WORK/policy/test-sharer" ./daemon/cmd/quickhelp-sharer >"$WORK/policy/build.log" 2>&1; then
    out=$(try_disabled "$WORK/policy/test-sharer")
    grep -q "turned off by your organisation" <<<"$out" && pass "a test build honours QUICKHELP_POLICY_FILE" \
      || fail "test build with QUICKHELP_POLICY_FILE: $out"
  else
    fail "build quickhelp-sharer with -tags quickhelp_test"
  fi
fi

# No shipped program carries the test-only override at all.
[ -n "$app_deb" ] && dpkg-deb -x "$app_deb" "$WORK/app-root"
for f in "$WORK/sharer-root/usr/bin/quickhelp-sharer" "$WORK/app-root/usr/bin/quickhelp" "$sharer_exe" "$app_exe"; do
  [ -n "$f" ] && [ -f "$f" ] || continue
  if grep -q QUICKHELP_POLICY_FILE "$f"; then fail "$(basename "$f") contains QUICKHELP_POLICY_FILE"
  else pass "$(basename "$f") has no QUICKHELP_POLICY_FILE"; fi
done

if [ -n "$app_deb" ]; then
  check "app .deb depends on libwebkit2gtk-4.1-0" sh -c "dpkg-deb -f '$app_deb' Depends | grep -q 'libwebkit2gtk-4.1-0'"
  for p in ./usr/bin/quickhelp ./usr/share/applications/quickhelp.desktop ./usr/share/icons/hicolor/256x256/apps/quickhelp.png; do
    check "app .deb contains $p" sh -c "dpkg-deb -c '$app_deb' | grep -q ' $p\$'"
  done
fi
if command -v desktop-file-validate >/dev/null; then
  check "quickhelp.desktop is valid" desktop-file-validate build/linux/app/quickhelp.desktop
else
  skip "desktop-file-validate is not installed (desktop-file-utils)"
fi

finish
