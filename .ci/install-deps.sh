#!/usr/bin/env bash
# Debian packages the ops tests use: chromium (dashboard browser test), promtool and amtool (alert
# rules and routing checks), systemd-analyze (unit check). The tests skip with a notice without them.
# Idempotent and quiet: installs only what is missing. Called by .ci/run.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v amtool >/dev/null 2>&1 || need+=(prometheus-alertmanager)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)

if [ "${#need[@]}" -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    # The tests that need these tools skip with a printed notice.
    echo "install-deps: not root and no sudo: not installing ${need[*]}" >&2
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# Package scripts must not try to start services inside CI containers.
if [ -w /usr/sbin ] || [ -n "$SUDO" ]; then
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  fi
fi
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
