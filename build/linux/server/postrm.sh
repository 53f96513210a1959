#!/bin/sh
# On purge, remove the database and secrets; the system user stays, as
# Debian policy recommends (files elsewhere may still belong to it).
set -e
if [ "$1" = "purge" ]; then
  rm -rf /var/lib/quickhelp
  rmdir /etc/quickhelp 2>/dev/null || true
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null || true
fi
exit 0
