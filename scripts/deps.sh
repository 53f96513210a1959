#!/usr/bin/env bash
# Installs everything QuickHelp needs to build, run and test on Debian 12:
# Debian packages, npm packages and the Wails CLI. Idempotent: it only does
# work that is missing, so `make run` and `make test` can call it every time.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential pkg-config git ca-certificates
  libvpx-dev libyuv-dev                       # VP8 encode/decode, colour conversion
  xvfb xdotool x11-utils x11-xkb-utils xkb-data x11-xserver-utils imagemagick xterm  # test desktop
  libgtk-3-dev libwebkit2gtk-4.1-dev          # desktop app (Wails, Linux)
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-libav  # WebKitGTK's WebCodecs decoders (VP8: vpxdec)
  xclip                                       # the desktop test reads the window's text from the clipboard
  chromium                                    # browser for end-to-end tests (never downloaded)
  nsis msitools wixl osslsigncode openssl     # Windows installers and signing
  gcc-mingw-w64-x86-64 nasm dpkg-dev          # Windows daemon: libvpx cross-built from Debian's source
  wine64                                      # Windows-only tests of real Win32 calls (make test-wine)
  unzip p7zip-full curl file systemd desktop-file-utils  # package checks (7z reads NSIS installers)
  dbus                                        # tray icon tests (private session bus)
  lxtask                                      # a system monitor for the Task Manager quick action's test
  iproute2 nftables                           # network-namespace tests (NAT, office firewall)
  sway xwayland                               # a real Wayland session (headless) for daemon/shareable's test
  postgresql-15 nats-server haproxy           # cluster mode: store tests on PostgreSQL, test/cluster
  x11vnc novnc websockify                     # make bench-compare: the VNC side of the comparison
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Signing an MSIX needs osslsigncode 2.7 or newer; Debian 12 has 2.5 and
# bookworm-backports 2.9. On Debian 12 the backports entry is added (backports
# are never preferred by apt unless asked for, so nothing else changes) and
# osslsigncode alone is taken from it. Elsewhere the check says what to install;
# make dist-test, which signs, fails until it is there.
BACKPORTS_LIST=/etc/apt/sources.list.d/quickhelp-backports.sources
if ! scripts/osslsigncode-check.sh 2>/dev/null; then
  codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
  if [ "$codename" = bookworm ]; then
    echo "deps: installing osslsigncode from bookworm-backports (MSIX signing needs 2.7 or newer)"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
      printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm-backports' \
        'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
        $SUDO tee "$BACKPORTS_LIST" >/dev/null
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports osslsigncode >/dev/null
  fi
  scripts/osslsigncode-check.sh || echo "deps: WARNING: signed builds and make dist-test need a newer osslsigncode (above)" >&2
fi

command -v go >/dev/null || { echo "deps: Go 1.26 or newer is required (https://go.dev/dl)"; exit 1; }
command -v npm >/dev/null || { echo "deps: Node.js 20 and npm are required"; exit 1; }

# npm workspaces (frontend, end-to-end tests): reinstall only when the lock file changed.
if [ -f package-lock.json ]; then
  stamp=node_modules/.deps-stamp
  sum=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    echo "deps: installing npm packages"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$sum" > "$stamp"
  fi
fi

# The Wails CLI, built from a small wrapper module (tools/wails) that pins a
# golang.org/x/tools new enough for current Go.
if [ ! -x bin/wails ] || [ tools/wails/go.sum -nt bin/wails ]; then
  echo "deps: building the Wails CLI"
  mkdir -p bin
  (cd tools/wails && go build -o ../../bin/wails github.com/wailsapp/wails/v2/cmd/wails)
fi

go mod download
echo "deps: ready"
