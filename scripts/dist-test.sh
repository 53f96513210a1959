#!/usr/bin/env bash
# Longer than 500 lines on purpose: one flat checklist, read top to bottom,
# where each check is a few lines and splitting would only scatter them.
# Tests the packages end to end (what `make dist-test` runs, part of
# `make test`): builds everything with scripts/dist.sh, signed with a
# throw-away certificate, into a temporary directory, then checks
#   - osslsigncode can sign MSIX (2.7 or newer; the check says what to
#     install where it is older, and the test fails: it never skips);
#   - the three Windows packages (NSIS installer, MSI, MSIX) are signed, each
#     contains the real quickhelp-sharer.exe (cross-built from
#     daemon/cmd/quickhelp-sharer with cgo and libvpx, a GUI-subsystem
#     program) and quickhelp.exe, byte for byte the signed programs in dist/;
#   - every signature verifies with osslsigncode, and a tampered copy does not;
#     the key is encrypted and its passphrase never appears in osslsigncode's
#     arguments (-readpass);
#   - the installers check for the WebView2 runtime and never download it;
#     the Start menu entry "QuickHelp" starts quickhelp.exe; uninstall stops
#     the daemon and the app first; the MSI installs per machine;
#   - the MSI's ProductName, ProductVersion, UpgradeCode, files and shortcut;
#   - the MSIX layout, its manifest identity and capabilities, and that
#     AppxBlockMap.xml's block hashes match the files (tools/msix verify, plus
#     one block recomputed here with openssl);
#   - the three .deb files' metadata and contents, the server's systemd unit
#     (systemd-analyze verify and security), and that the quickhelp-server
#     binary taken out of its .deb starts and answers /healthz;
#   - the machine-policy and MSIX Go tests, and that the packaged sharer
#     ignores the test-only QUICKHELP_POLICY_FILE (a test build honours it).
# Every program must build (scripts/dist.sh stops otherwise): a fresh machine
# builds libvpx for Windows first (cached in .cache/). Prints "N passed,
# N failed" last; exits non-zero on a failure.
set -uo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
VERSION=$(tr -d ' \r\n' < VERSION)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/quickhelp-dist-test.XXXXXX")
DIST="$WORK/dist"
server_pid=""
WINE_STARTED=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "$WINE_STARTED" ] && wine_prefix_stop
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
check "policy, msix and pesubsystem unit tests" "$GO" test -count=1 ./internal/policy/... ./tools/msix/... ./tools/pesubsystem/...
check "policy package vets for Windows" env GOOS=windows "$GO" vet ./internal/policy/...

# ------------------------------------------------------------- build
# All three Windows packages are signed here, the MSIX too: that needs
# osslsigncode 2.7 or newer. An older one fails the test with what to install.
if out=$(scripts/osslsigncode-check.sh 2>&1); then
  pass "osslsigncode can sign MSIX ($(osslsigncode --version 2>/dev/null | head -1 | cut -d, -f1))"
else
  fail "osslsigncode cannot sign MSIX packages:"; sed 's/^/    /' <<<"$out"; finish
fi

# A throw-away certificate whose key is encrypted: the passphrase reaches
# osslsigncode through a file.
PASSPHRASE="qh-dist-test-$RANDOM$RANDOM$RANDOM"
printf '%s' "$PASSPHRASE" > "$WORK/pass.txt"
openssl req -x509 -newkey rsa:2048 -passout "file:$WORK/pass.txt" -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 \
  -subj "/CN=QuickHelp Test Signing/O=QuickHelp Test" \
  -addext extendedKeyUsage=codeSigning -addext keyUsage=digitalSignature >/dev/null 2>&1 \
  || { fail "make a test code-signing certificate"; finish; }
# Every osslsigncode call of the build goes through this wrapper, which
# records its arguments, so the test can show the passphrase is not among them.
mkdir -p "$WORK/shim"
real_osslsigncode=$(command -v osslsigncode)
cat > "$WORK/shim/osslsigncode" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >> "$WORK/osslsigncode-args.log"
exec "$real_osslsigncode" "\$@"
EOF
chmod +x "$WORK/shim/osslsigncode"

echo "dist-test: running scripts/dist.sh (signed with a throw-away certificate)"
start=$SECONDS
if PATH="$WORK/shim:$PATH" SIGN_CERT="$WORK/cert.pem" SIGN_KEY="$WORK/key.pem" SIGN_PASS="$PASSPHRASE" DIST_DIR="$DIST" \
   scripts/dist.sh >"$WORK/dist.log" 2>&1; then
  pass "scripts/dist.sh ($((SECONDS - start)) s)"
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

for f in installer msi msix app_exe sharer_exe server_deb sharer_deb app_deb; do
  if [ -n "${!f}" ]; then pass "dist.sh produced $(basename "${!f}")"; else fail "dist.sh produced no $f"; fi
done
case "$installer$msi$msix" in *-unsigned*) fail "signed build still named -unsigned";; esac
# No test stand-in anywhere: not in a file name, not in the build log, not
# in the scripts and packaging sources (the word is assembled here so this
# file does not match itself; as a word, so "standing" is no stand-in).
word="stand""in"
if ls "$DIST" | grep -qiw "$word" || grep -qiw "$word" "$WORK/dist.log" \
   || git grep -qiw "$word" -- scripts build Makefile docs README.md; then
  fail "'$word' appears in dist/, the build log or the sources"
else
  pass "no '$word' in dist/, the build log or the sources"
fi

# ------------------------------------------------------------- Windows programs
# The real daemon: built from daemon/cmd/quickhelp-sharer for windows with
# cgo (libvpx), a GUI-subsystem program that opens no console window.
if [ -n "$sharer_exe" ]; then
  "$GO" version -m "$sharer_exe" >"$WORK/sharer-buildinfo.txt" 2>&1
  check "quickhelp-sharer.exe is built from daemon/cmd/quickhelp-sharer" \
    grep -qP '^\tpath\tgithub.com/quickhelp/quickhelp/daemon/cmd/quickhelp-sharer$' "$WORK/sharer-buildinfo.txt"
  check "quickhelp-sharer.exe is a windows/amd64 cgo build" \
    sh -c "grep -qP '\tGOOS=windows\$' '$WORK/sharer-buildinfo.txt' && grep -qP '\tCGO_ENABLED=1\$' '$WORK/sharer-buildinfo.txt'"
  check "quickhelp-sharer.exe links libvpx" grep -q "WebM Project VP8 Encoder" "$sharer_exe"
  check "quickhelp-sharer.exe is a GUI-subsystem program (no console window)" "$GO" run ./tools/pesubsystem -want gui "$sharer_exe"
fi
if [ -n "$app_exe" ]; then
  check "quickhelp.exe is a GUI-subsystem program" "$GO" run ./tools/pesubsystem -want gui "$app_exe"
  # Wails' default WebView2 strategy downloads Microsoft's bootstrapper
  # from this link when the runtime is missing; -webview2 error leaves it out.
  if grep -q "LinkId=2124703" "$app_exe"; then fail "quickhelp.exe can download the WebView2 bootstrapper"
  else pass "quickhelp.exe never downloads the WebView2 bootstrapper (-webview2 error)"; fi
fi

# same_as_dist FILE NAME: FILE (taken out of a package) is dist/'s signed NAME.
same_as_dist() {
  local want
  case "$2" in quickhelp.exe) want=$app_exe;; quickhelp-sharer.exe) want=$sharer_exe;; esac
  [ -f "$1" ] && [ -n "$want" ] && cmp -s "$1" "$want"
}

# ------------------------------------------------------------- passphrase
if [ -s "$WORK/osslsigncode-args.log" ]; then
  n=$(grep -c '^sign ' "$WORK/osslsigncode-args.log")
  if grep -qF "$PASSPHRASE" "$WORK/osslsigncode-args.log"; then
    fail "the key's passphrase appears on an osslsigncode command line"
  else
    pass "the key's passphrase is on none of $n osslsigncode sign command lines"
  fi
  if [ "$(grep '^sign ' "$WORK/osslsigncode-args.log" | grep -c -- '-readpass ')" = "$n" ] && [ "$n" -ge 6 ]; then
    pass "every signing ($n: two programs, the uninstaller, installer, MSI, MSIX) reads the passphrase from a file"
  else
    fail "signing calls without -readpass, or fewer than 6:"; sed 's/^/    /' "$WORK/osslsigncode-args.log"
  fi
else
  fail "no osslsigncode call was recorded"
fi

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

# ------------------------------------------------------------- NSIS installer
if [ -n "$installer" ]; then
  # 7-Zip reads NSIS installers: the files it would install.
  mkdir -p "$WORK/nsis"
  if 7z x -y -o"$WORK/nsis" "$installer" >"$WORK/7z.log" 2>&1; then
    for f in quickhelp.exe quickhelp-sharer.exe; do
      got=$(find "$WORK/nsis" -name "$f" -type f | head -1)
      if same_as_dist "$got" "$f"; then pass "installer contains the signed $f of dist/"
      else fail "installer's $f ('${got#"$WORK/"}') differs from dist/'s"; fi
    done
    if find "$WORK/nsis" -iname '*webview2*setup*' | grep -q .; then fail "installer carries the WebView2 bootstrapper"
    else pass "installer carries no WebView2 bootstrapper"; fi
    un=$(find "$WORK/nsis" -iname 'uninstall.exe' -type f | head -1)
    if [ -n "$un" ]; then check "the uninstaller inside the installer is signed" osslsigncode verify -CAfile "$WORK/cert.pem" -in "$un"
    else skip "7-Zip does not show the uninstaller NSIS writes at install time"; fi
  else
    fail "7z cannot read the installer"; tail -5 "$WORK/7z.log"
  fi
fi
# The installer script (NSIS compresses it into the installer, so it is
# checked as written): the runtime check, the Start menu entry, the stop.
nsi=build/windows/installer/project.nsi
nsi_fn() { awk -v start="$1" 'index($0, start) == 1 {on = 1} on {print} on && /^(FunctionEnd|SectionEnd)/ {exit}' "$nsi"; }
nsi_fn 'Function .onInit' >"$WORK/nsis-oninit.txt"
check "installer checks for WebView2 in .onInit" grep -q 'insertmacro QuickHelpCheckWebView2' "$WORK/nsis-oninit.txt"
check "installer reads the Evergreen runtime's pv (HKLM 32-bit view and HKCU)" \
  sh -c "grep -q 'F3017226-FE2A-4295-8BDF-00C3A9A7E4C5' '$nsi' && grep -q 'ReadRegStr \$0 HKLM \"SOFTWARE.WOW6432Node' '$nsi' && grep -q 'ReadRegStr \$0 HKCU' '$nsi'"
check "installer explains a missing runtime and stops without downloading" \
  sh -c "grep -q 'MessageBox MB_OK|MB_ICONSTOP \"\${WEBVIEW2_MISSING}\" /SD IDOK' '$nsi' && grep -q 'does not download anything' '$nsi'"
if grep -rqiE 'webview2runtime|MicrosoftEdgeWebview2Setup|ExecWait' build/windows/installer; then
  fail "the installer sources still run or ship a WebView2 bootstrapper"
else
  pass "the installer sources neither ship nor run a WebView2 bootstrapper"
fi
check "Start menu entry QuickHelp starts quickhelp.exe" \
  grep -qF 'CreateShortcut "$SMPROGRAMS\${INFO_PRODUCTNAME}.lnk" "$INSTDIR\${PRODUCT_EXECUTABLE}"' "$nsi"
nsi_fn 'Section "uninstall"' >"$WORK/nsis-uninstall.txt"
stop_line=$(grep -n 'insertmacro StopQuickHelp' "$WORK/nsis-uninstall.txt" | head -1 | cut -d: -f1)
del_line=$(grep -n 'Delete "\$INSTDIR' "$WORK/nsis-uninstall.txt" | head -1 | cut -d: -f1)
if [ -n "$stop_line" ] && [ -n "$del_line" ] && [ "$stop_line" -lt "$del_line" ]; then
  pass "uninstall stops QuickHelp before deleting its files"
else
  fail "uninstall does not stop QuickHelp before deleting its files"
fi
check "StopQuickHelp ends the daemon and the app of every user" \
  sh -c "grep -q 'taskkill.exe\" /F /IM \${SHARER_EXECUTABLE}' '$nsi' && grep -q 'taskkill.exe\" /F /IM \${PRODUCT_EXECUTABLE}' '$nsi'"

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
  # The files it installs are dist/'s signed programs.
  mkdir -p "$WORK/msi-x"
  if (cd "$WORK/msi-x" && msiextract "$msi" >/dev/null 2>&1); then
    for f in quickhelp.exe quickhelp-sharer.exe; do
      got=$(find "$WORK/msi-x" -name "$f" -type f | head -1)
      if same_as_dist "$got" "$f"; then pass "MSI installs the signed $f of dist/"
      else fail "MSI's $f ('${got#"$WORK/"}') differs from dist/'s"; fi
    done
  else
    fail "msiextract cannot read the MSI"
  fi
  msiinfo export "$msi" Shortcut >"$WORK/msi-shortcut.txt" 2>/dev/null
  check "MSI Start menu entry QuickHelp starts quickhelp.exe" \
    sh -c "awk -F'\t' '\$3 == \"QuickHelp\" && \$5 == \"[INSTALLDIR]quickhelp.exe\"' '$WORK/msi-shortcut.txt' | grep -q ."
  msiinfo export "$msi" LaunchCondition >"$WORK/msi-launch.txt" 2>/dev/null
  check "MSI refuses to install without the WebView2 runtime, saying so" \
    sh -c "grep -F 'WEBVIEW2MACHINE' '$WORK/msi-launch.txt' | grep -F 'WEBVIEW2USER' | grep -q 'needs the Microsoft Edge WebView2 Runtime'"
  msiinfo export "$msi" RegLocator >"$WORK/msi-reglocator.txt" 2>/dev/null
  check "MSI reads the Evergreen runtime's pv per machine (32-bit view) and per user" \
    sh -c "grep -P '^WebView2Machine\t2\tSOFTWARE\\\\Microsoft\\\\EdgeUpdate\\\\Clients\\\\\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5\}\tpv\t2' '$WORK/msi-reglocator.txt' && grep -qP '^WebView2User\t1\t' '$WORK/msi-reglocator.txt'"
  msiinfo export "$msi" CustomAction >"$WORK/msi-ca.txt" 2>/dev/null
  msiinfo export "$msi" InstallExecuteSequence >"$WORK/msi-seq.txt" 2>/dev/null
  seq_of() { awk -F'\t' -v a="$1" '$1 == a {print $3}' "$WORK/msi-seq.txt" | tr -d '\r'; }
  ca_type=$(awk -F'\t' '$1 == "StopQuickHelp" {print $2}' "$WORK/msi-ca.txt")
  # 50 (run the program a property names) + 64 (ignore its exit code)
  # + 1024 (deferred, in the install script) + 2048 (as SYSTEM).
  if [ "$ca_type" = 3186 ] && grep -qP '^StopQuickHelp\t3186\tQH_TASKKILL\t/F /IM quickhelp-sharer.exe /IM quickhelp.exe' "$WORK/msi-ca.txt" \
     && grep -qP '^SetTaskkillPath\t\d+\tQH_TASKKILL\t\[System64Folder\]taskkill.exe' "$WORK/msi-ca.txt"; then
    pass "MSI stops the daemon and the app of every user (taskkill as SYSTEM)"
  else
    fail "MSI StopQuickHelp custom action (type '$ca_type')"; sed 's/^/    /' "$WORK/msi-ca.txt"
  fi
  s_set=$(seq_of SetTaskkillPath) s_init=$(seq_of InstallInitialize) s_stop=$(seq_of StopQuickHelp) s_rm=$(seq_of RemoveFiles) s_cost=$(seq_of CostFinalize)
  if [ -n "$s_stop" ] && [ -n "$s_set" ] && [ "$s_cost" -lt "$s_set" ] && [ "$s_set" -lt "$s_init" ] \
     && [ "$s_init" -lt "$s_stop" ] && [ "$s_stop" -lt "$s_rm" ]; then
    pass "MSI stops QuickHelp after InstallInitialize and before RemoveFiles ($s_stop)"
  else
    fail "MSI sequence: SetTaskkillPath '$s_set', InstallInitialize '$s_init', StopQuickHelp '$s_stop', RemoveFiles '$s_rm'"
  fi
fi

# ------------------------------------------------------------- packages under wine
# The signed MSI and NSIS installer, installed and removed in a throw-away
# wine prefix (scripts/wine-prefix.sh), each time with the real daemon
# running when the uninstall starts.
WEBVIEW2_KEY='HKLM\SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}'
wine_q() { DISPLAY= "$WINE" "$@"; }
# wine_daemon_check WHAT: start the installed daemon as the app would and
# ask it for its status through its pipe (the SID name, both owner checks).
wine_daemon_check() {
  local exe='C:\Program Files\QuickHelp\quickhelp-sharer.exe' out=""
  wine_q "$exe" daemon >"$WORK/wine-daemon.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 1 60); do
    out=$(wine_q "$exe" status 2>&1) && break
    sleep 0.5
  done
  if grep -q "No session" <<<"$out"; then pass "$1: the installed quickhelp-sharer.exe runs and answers 'status' on its pipe"
  else fail "$1: installed quickhelp-sharer.exe status: $out"; sed 's/^/    /' "$WORK/wine-daemon.log" | tail -5; fi
}
# wine_gone WHAT: after an uninstall, the daemon has stopped and nothing
# of QuickHelp is left on disk.
wine_gone() {
  local i
  for i in $(seq 1 40); do
    { [ -e "$qh_dir" ] || kill -0 "$daemon_pid" 2>/dev/null; } || break
    sleep 0.5
  done
  if kill -0 "$daemon_pid" 2>/dev/null; then fail "$1: the daemon still runs after uninstalling"; kill "$daemon_pid" 2>/dev/null
  else pass "$1: uninstalling stopped the running daemon"; fi
  wait "$daemon_pid" 2>/dev/null
  if [ -e "$qh_dir" ] || find "$WINEPREFIX/drive_c" -iname 'QuickHelp.lnk' | grep -q .; then
    fail "$1: left after uninstalling: $(ls "$qh_dir" 2>/dev/null | tr '\n' ' ') $(find "$WINEPREFIX/drive_c" -iname 'QuickHelp.lnk')"
  else
    pass "$1: nothing of QuickHelp left on disk after uninstalling"
  fi
}
# wine_installed WHAT: both signed programs and the Start menu entry.
wine_installed() {
  local f lnk
  for f in quickhelp.exe quickhelp-sharer.exe; do
    if same_as_dist "$qh_dir/$f" "$f"; then pass "$1: installed the signed $f into Program Files\\QuickHelp"
    else fail "$1: did not install $f"; fi
  done
  lnk=$(find "$WINEPREFIX/drive_c" -path '*Start Menu/Programs/QuickHelp.lnk' | head -1)
  [ -n "$lnk" ] && pass "$1: Start menu entry QuickHelp.lnk (${lnk#"$WINEPREFIX/drive_c/"})" || fail "$1: no QuickHelp.lnk in a Start menu"
}

if [ -n "$msi$installer" ]; then
  . scripts/wine-prefix.sh
  if wine_prefix "$WORK/wine" >"$WORK/wine-setup.log" 2>&1; then
    WINE_STARTED=1
    qh_dir="$WINEPREFIX/drive_c/Program Files/QuickHelp"

    # MSI. Exit codes arrive modulo 256: 1603 (fatal error) is 67.
    msi_win="Z:${msi//\//\\}"
    wine_q msiexec /i "$msi_win" /qn >"$WORK/msiexec-1.log" 2>&1; rc=$?
    if [ "$rc" = 67 ] && [ ! -e "$qh_dir" ]; then pass "msiexec /i /qn without the WebView2 runtime refuses (1603) and installs nothing"
    else fail "msiexec /i without the WebView2 runtime: exit $rc, installed: $(ls "$qh_dir" 2>/dev/null | tr '\n' ' ')"; fi
    wine_q reg add "$WEBVIEW2_KEY" /v pv /t REG_SZ /d 131.0.2903.86 /f >/dev/null 2>&1
    wine_q msiexec /i "$msi_win" /qn >"$WORK/msiexec-2.log" 2>&1; rc=$?
    [ "$rc" = 0 ] && pass "msiexec /i /qn with the WebView2 runtime" || fail "msiexec /i /qn: exit $rc"
    wine_installed "MSI"
    wine_daemon_check "MSI"
    wine_q msiexec /x "$msi_win" /qn >"$WORK/msiexec-3.log" 2>&1; rc=$?
    [ "$rc" = 0 ] && pass "msiexec /x /qn" || fail "msiexec /x /qn: exit $rc"
    wine_gone "MSI"

    # NSIS, silent (/S), all users (wine's user is an administrator).
    cp "$installer" "$WORK/wine/setup.exe"
    wine_q reg delete "$WEBVIEW2_KEY" /f >/dev/null 2>&1
    wine_q "$WORK/wine/setup.exe" /S >"$WORK/nsis-1.log" 2>&1; rc=$?
    if [ "$rc" = 2 ] && [ ! -e "$qh_dir" ]; then pass "setup.exe /S without the WebView2 runtime refuses (exit 2) and installs nothing"
    else fail "setup.exe /S without the WebView2 runtime: exit $rc, installed: $(ls "$qh_dir" 2>/dev/null | tr '\n' ' ')"; fi
    wine_q reg add "$WEBVIEW2_KEY" /v pv /t REG_SZ /d 131.0.2903.86 /f >/dev/null 2>&1
    wine_q "$WORK/wine/setup.exe" /S >"$WORK/nsis-2.log" 2>&1; rc=$?
    [ "$rc" = 0 ] && pass "setup.exe /S with the WebView2 runtime" || fail "setup.exe /S: exit $rc"
    wine_installed "NSIS"
    check "NSIS: the installed uninstaller is signed" osslsigncode verify -CAfile "$WORK/cert.pem" -in "$qh_dir/uninstall.exe"
    wine_daemon_check "NSIS"
    # The uninstaller copies itself away and returns at once; wine_gone waits.
    wine_q 'C:\Program Files\QuickHelp\uninstall.exe' /S >"$WORK/nsis-3.log" 2>&1; rc=$?
    [ "$rc" = 0 ] && pass "uninstall.exe /S" || fail "uninstall.exe /S: exit $rc"
    wine_gone "NSIS"
    if wine_q reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\QuickHelp' >/dev/null 2>&1; then
      fail "NSIS: the uninstall key is left in the registry"
    else
      pass "NSIS: the uninstall key is gone"
    fi
    wine_prefix_stop
  else
    fail "set up a wine prefix for the packages"; tail -5 "$WORK/wine-setup.log"
  fi
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
  caps=$(grep -o 'Capability Name="[^"]*"' "$WORK/msix/AppxManifest.xml" | cut -d'"' -f2 | sort | tr '\n' ' ')
  [ "$caps" = "internetClient runFullTrust " ] && pass "MSIX capabilities are exactly internetClient and runFullTrust" \
    || fail "MSIX capabilities: $caps"
  check "MSIX starts quickhelp.exe as the app QuickHelp" \
    grep -q '<Application Id="QuickHelp" Executable="quickhelp.exe" EntryPoint="Windows.FullTrustApplication">' "$WORK/msix/AppxManifest.xml"
  for f in quickhelp.exe quickhelp-sharer.exe; do
    if same_as_dist "$WORK/msix/$f" "$f"; then pass "MSIX contains the signed $f of dist/"
    else fail "MSIX's $f differs from dist/'s"; fi
  done
  check "MSIX version is ${VERSION%%-*}.0" grep -q "Version=\"${VERSION%%-*}.0\"" "$WORK/msix/AppxManifest.xml"
fi

# The ProcessPrng shim of the wine tests (test/wine/shim) is never shipped.
shipped_dirs=()
for d in "$WORK/nsis" "$WORK/msi-x" "$WORK/msix"; do [ -d "$d" ] && shipped_dirs+=("$d"); done
if [ ${#shipped_dirs[@]} -eq 3 ] && ! find "${shipped_dirs[@]}" -iname 'bcryptprimitives*' | grep -q .; then
  pass "no package carries the wine tests' bcryptprimitives.dll"
else
  fail "a package carries bcryptprimitives.dll, or a package could not be unpacked (${#shipped_dirs[@]} of 3)"
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
  if grep -qiE "cannot reach (the QuickHelp|its) service" <<<"$out" && ! grep -q "turned off" <<<"$out"; then
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

# No shipped program carries a test-only knob at all (the machine policy's
# file override, the shortened "Keep sharing?").
[ -n "$app_deb" ] && dpkg-deb -x "$app_deb" "$WORK/app-root"
for f in "$WORK/sharer-root/usr/bin/quickhelp-sharer" "$WORK/app-root/usr/bin/quickhelp" "$sharer_exe" "$app_exe"; do
  [ -n "$f" ] && [ -f "$f" ] || continue
  for knob in QUICKHELP_POLICY_FILE QUICKHELP_TEST_KEEP_SHARING; do
    if grep -q "$knob" "$f"; then fail "$(basename "$f") contains $knob"
    else pass "$(basename "$f") has no $knob"; fi
  done
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
