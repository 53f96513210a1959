#!/usr/bin/env bash
# Checks that osslsigncode can sign every Windows package QuickHelp builds.
# Signing an MSIX (APPX) needs osslsigncode 2.7 or newer; Debian 12 ships
# 2.5, bookworm-backports 2.9. Exits non-zero, saying what to install, when
# the installed one is missing or older. Used by scripts/deps.sh, by
# scripts/dist.sh before a signed build and by scripts/dist-test.sh.
set -euo pipefail

NEED=2.7
have=$(osslsigncode --version 2>/dev/null | sed -n 's/^osslsigncode \([0-9][0-9.]*\).*/\1/p' | head -1 || true)
if [ -z "$have" ]; then
  echo "osslsigncode: not installed. Install osslsigncode $NEED or newer (on Debian 12: see below)." >&2
elif [ "$(printf '%s\n%s\n' "$NEED" "$have" | sort -V | head -1)" = "$NEED" ]; then
  exit 0
else
  echo "osslsigncode: version $have is installed, but signing an MSIX package needs $NEED or newer." >&2
fi
cat >&2 <<'MSG'
On Debian 12, install osslsigncode 2.9 from bookworm-backports:
  echo 'deb http://deb.debian.org/debian bookworm-backports main' | sudo tee /etc/apt/sources.list.d/bookworm-backports.list
  sudo apt-get update
  sudo apt-get install -t bookworm-backports osslsigncode
Unsigned builds (make dist without SIGN_CERT/SIGN_KEY) do not need it;
signed builds and make dist-test (which signs all three Windows packages) do.
MSG
exit 1
