#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = "remove" ]; then
  systemctl disable --now quickhelp-server.service >/dev/null || true
fi
exit 0
