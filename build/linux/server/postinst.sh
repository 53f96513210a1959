#!/bin/sh
# quickhelp-server postinst: system user, data directory, service.
set -e
if [ "$1" = "configure" ]; then
  if ! getent passwd quickhelp >/dev/null; then
    adduser --system --group --home /var/lib/quickhelp --no-create-home \
      --shell /usr/sbin/nologin --gecos "QuickHelp service" quickhelp >/dev/null
  fi
  install -d -o quickhelp -g quickhelp -m 0750 /var/lib/quickhelp
  chgrp quickhelp /etc/quickhelp/server.env && chmod 0640 /etc/quickhelp/server.env
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null || true
  if [ -z "$2" ]; then
    # First install: enable and start (it listens on loopback by default).
    systemctl enable --now quickhelp-server.service >/dev/null || true
  else
    systemctl try-restart quickhelp-server.service >/dev/null || true
  fi
fi
exit 0
