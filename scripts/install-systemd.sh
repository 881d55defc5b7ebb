#!/usr/bin/env bash
# Installs keel as a systemd service: system user `keel`, code in /opt/keel, config in /etc/keel,
# state in /var/lib/keel (StateDirectory), unit in /etc/systemd/system/keel.service.
#
#   sudo scripts/install-systemd.sh [--prefix /opt/keel] [--node /usr/bin/node] [--config FILE]
#                                   [--no-start] [--dry-run]
#
# Run it from a checkout whose contracts are built (`npx hardhat build`). Idempotent: re-running
# upgrades the code and the unit, and never overwrites an existing /etc/keel/keel.yaml.
set -euo pipefail

PREFIX=/opt/keel
NODE_BIN="$(command -v node || true)"
CONFIG_SRC=""
START=1
DRY=0
UNIT_DST=/etc/systemd/system/keel.service
SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="$2"; shift 2 ;;
    --node) NODE_BIN="$2"; shift 2 ;;
    --config) CONFIG_SRC="$2"; shift 2 ;;
    --no-start) START=0; shift ;;
    --dry-run) DRY=1; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "install-systemd: unknown option $1" >&2; exit 2 ;;
  esac
done

run() {
  if [ "$DRY" -eq 1 ]; then echo "+ $*"; else "$@"; fi
}
die() { echo "install-systemd: $*" >&2; exit 1; }

[ -n "$NODE_BIN" ] && [ -x "$NODE_BIN" ] || die "node not found; pass --node /path/to/node (Node 24)"
NODE_MAJOR="$("$NODE_BIN" -p 'process.versions.node.split(".")[0]')"
[ "$NODE_MAJOR" -ge 24 ] || die "$NODE_BIN is Node $NODE_MAJOR; keel needs Node 24 (it runs its TypeScript sources directly)"
[ -f "$SRC_DIR/systemd/keel.service" ] || die "run from a keel checkout (systemd/keel.service missing)"
if [ ! -d "$SRC_DIR/artifacts" ]; then
  if [ "$DRY" -eq 1 ]; then echo "install-systemd: warning: contracts are not built (npx hardhat build)" >&2
  else die "contracts are not built: run 'npx hardhat build' first"; fi
fi
if [ "$DRY" -eq 0 ] && [ "$(id -u)" -ne 0 ]; then die "run as root (or with --dry-run)"; fi

# 1. A system user with no login shell; its home is the state directory.
if ! getent group keel >/dev/null 2>&1; then run groupadd --system keel; fi
if ! id keel >/dev/null 2>&1; then
  run useradd --system --gid keel --home-dir /var/lib/keel --no-create-home --shell /usr/sbin/nologin keel
fi

# 2. Code: sources, compiled contract artifacts, models, and production dependencies only.
run mkdir -p "$PREFIX"
for item in package.json package-lock.json .npmrc bin src artifacts models config docs; do
  if [ -e "$SRC_DIR/$item" ]; then run cp -a "$SRC_DIR/$item" "$PREFIX/"; fi
done
run sh -c "cd '$PREFIX' && npm ci --omit=dev --no-audit --no-fund"
run chown -R root:root "$PREFIX"

# 3. Config, readable by the service's group only: /etc/keel root:keel 0750, keel.yaml root:keel 0640,
#    secrets under /etc/keel/secrets (root:keel 0750). Keep an existing config; otherwise the given
#    file, or an empty one (which `config check` accepts and runs the embedded devnet).
run install -d -m 0750 -o root -g keel /etc/keel
run install -d -m 0750 -o root -g keel /etc/keel/secrets
if [ ! -e /etc/keel/keel.yaml ]; then
  if [ -n "$CONFIG_SRC" ]; then run install -m 0640 -o root -g keel "$CONFIG_SRC" /etc/keel/keel.yaml
  else run install -m 0640 -o root -g keel /dev/null /etc/keel/keel.yaml; fi
fi
if [ ! -e /etc/keel/keel.env ]; then run install -m 0600 -o root -g root /dev/null /etc/keel/keel.env; fi
run "$NODE_BIN" "$PREFIX/src/main.ts" config check /etc/keel/keel.yaml

# 4. The unit, pointing at this node binary and prefix.
TMP_DIR="$(mktemp -d)"
trap 'rm -rf "$TMP_DIR"' EXIT
TMP_UNIT="$TMP_DIR/keel.service"
sed -e "s|/usr/bin/node|$NODE_BIN|g" -e "s|/opt/keel|$PREFIX|g" "$SRC_DIR/systemd/keel.service" >"$TMP_UNIT"
if command -v systemd-analyze >/dev/null 2>&1; then systemd-analyze verify "$TMP_UNIT" || die "unit does not verify"; fi
run install -m 0644 "$TMP_UNIT" "$UNIT_DST"
run systemctl daemon-reload
if [ "$START" -eq 1 ]; then
  run systemctl enable --now keel.service
  echo "keel installed and started: systemctl status keel; journalctl -u keel -f"
else
  echo "keel installed: systemctl enable --now keel.service"
fi
