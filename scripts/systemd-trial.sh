#!/usr/bin/env bash
# Tries the systemd install path in a real systemd, on a host whose PID 1 is not systemd (a CI machine, a
# VM sandbox): boots the host's own systemd as PID 1 of fresh PID, mount, UTS, IPC and network namespaces,
# runs scripts/install-systemd.sh in there (empty config: the embedded devnet), then checks what an
# operator relies on and exits non-zero at the first thing that does not hold:
#   the service runs as `keel` and reads its config · /metrics answers with ticks · `systemctl reload`
#   keeps the same process and re-reads the config · a killed process is restarted (Restart=on-failure)
#   · an invalid config fails with exit 1 and is not restarted · `systemctl stop` ends with exit 0 ·
#   no "Error in cpuinfo" from onnxruntime in the journal.
#
#   sudo scripts/systemd-trial.sh [--node /path/to/node24] [--keep]
#
# Needs root, util-linux `unshare`/`nsenter`, systemd installed (not running), Node 24, `npm ci` done and
# `npx hardhat build` run in this checkout. The namespace has no network: npm installs from its cache
# (`npm ci` in the checkout fills it). It writes the host's /opt/keel, /etc/keel, /var/lib/keel,
# /var/cache/keel, the unit and the `keel` user, so it refuses to run where any of them exists, and
# removes them at exit (--keep leaves them and the namespace's systemd running, for a look around).
set -euo pipefail

NODE_BIN="$(command -v node || true)"
KEEP=0
SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
while [ $# -gt 0 ]; do
  case "$1" in
    --node) NODE_BIN="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "systemd-trial: unknown option $1" >&2; exit 2 ;;
  esac
done

die() { echo "systemd-trial: FAIL: $*" >&2; exit 1; }
ok() { echo "systemd-trial: ok: $*"; }

[ "$(id -u)" -eq 0 ] || die "run as root"
for cmd in unshare nsenter curl; do command -v "$cmd" >/dev/null || die "$cmd not installed"; done
[ -x /lib/systemd/systemd ] || die "systemd not installed (/lib/systemd/systemd)"
[ -n "$NODE_BIN" ] && [ -x "$NODE_BIN" ] || die "node not found; pass --node /path/to/node (Node 24)"
case "$NODE_BIN" in "$HOME"/*) die "$NODE_BIN is under your home directory, which the unit's ProtectHome hides; copy it out first" ;; esac
for p in /opt/keel /etc/keel /var/lib/keel /var/cache/keel /etc/systemd/system/keel.service; do
  [ ! -e "$p" ] || die "$p exists: this trial installs keel for real and would overwrite it"
done
! id keel >/dev/null 2>&1 || die "a user keel exists: this trial creates and removes it"

WORK="$(mktemp -d)"
# The host's journal persists across namespaces: read only this trial's lines.
SINCE="$(date '+%Y-%m-%d %H:%M:%S')"
BOOT="$WORK/boot.sh"
cat >"$BOOT" <<'EOF'
#!/bin/bash
set -e
hostname keel-systemd-trial
mount -t proc proc /proc
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -o remount,bind,ro /sys
ip link set lo up 2>/dev/null || true
export container=keel-trial
exec /lib/systemd/systemd --system
EOF
chmod +x "$BOOT"

SYSD_PID=""
cleanup() {
  local rc=$?
  if [ "$KEEP" -eq 1 ]; then
    echo "systemd-trial: kept; enter with: nsenter -t $SYSD_PID -a bash"
    exit "$rc"
  fi
  if [ -n "$SYSD_PID" ]; then kill -KILL "$SYSD_PID" 2>/dev/null || true; fi
  rm -rf /opt/keel /etc/keel /var/lib/keel /var/cache/keel /etc/systemd/system/keel.service \
    /etc/systemd/system/multi-user.target.wants/keel.service "$WORK"
  if id keel >/dev/null 2>&1; then userdel keel; fi
  if getent group keel >/dev/null 2>&1; then groupdel keel; fi
  exit "$rc"
}
trap cleanup EXIT

setsid unshare --pid --fork --mount --uts --ipc --net --propagation private "$BOOT" >"$WORK/console.log" 2>&1 &
UNSHARE_PID=$!
for _ in $(seq 1 50); do
  SYSD_PID="$(pgrep -P "$UNSHARE_PID" || true)"
  [ -n "$SYSD_PID" ] && break
  sleep 0.2
done
[ -n "$SYSD_PID" ] || die "systemd did not start in its namespace ($(cat "$WORK/console.log"))"
in_ns() { nsenter -t "$SYSD_PID" -a "$@"; }
state=offline
for _ in $(seq 1 120); do
  state="$(in_ns systemctl is-system-running 2>/dev/null || true)"
  case "$state" in running | degraded | maintenance | stopping) break ;; esac
  sleep 0.5
done
case "$state" in running | degraded) ok "systemd $(in_ns systemctl --version | head -1 | cut -d' ' -f2) is PID 1 of the namespace ($state)" ;;
  *) die "systemd in the namespace is '$state'" ;; esac

in_ns env PATH="$(dirname "$NODE_BIN"):$PATH" npm_config_prefer_offline=true \
  "$SRC_DIR/scripts/install-systemd.sh" --node "$NODE_BIN" >"$WORK/install.log" 2>&1 ||
  die "install-systemd.sh failed: $(tail -5 "$WORK/install.log")"
ok "scripts/install-systemd.sh installed and started keel.service"

journal() { in_ns journalctl -u keel --since "$SINCE" --no-pager; }
# Through a file: `journal | grep -q` under pipefail fails when grep stops reading first.
journal_has() { journal >"$WORK/journal.txt"; grep -q "$1" "$WORK/journal.txt"; }
show() { in_ns systemctl show keel -p "$1" --value; }
ticks() { in_ns curl -sf http://127.0.0.1:9464/metrics | awk '/^keel_ticks_total/ {n += $2} END {print n + 0}'; }
wait_ticks() {
  for _ in $(seq 1 90); do [ "$(ticks)" -gt 0 ] && return 0; sleep 1; done
  return 1
}

wait_ticks || die "no ticks on /metrics within 90 s: $(journal -n 20)"
[ "$(show User)" = keel ] || die "the service runs as '$(show User)'"
ok "keel runs as keel (pid $(show MainPID)); /metrics counts $(ticks) ticks"

PID_BEFORE="$(show MainPID)"
in_ns systemctl reload keel
reread() { journal_has 'SIGHUP: config unchanged'; }
for _ in $(seq 1 30); do reread && break; sleep 1; done
reread || die "reload did not re-read the config within 30 s"
[ "$(show ActiveState)" = active ] && [ "$(show MainPID)" = "$PID_BEFORE" ] || die "systemctl reload did not keep the process"
ok "systemctl reload: same process ($PID_BEFORE), config re-read"

in_ns kill -KILL "$PID_BEFORE"
for _ in $(seq 1 30); do [ "$(show NRestarts)" -ge 1 ] && [ "$(show ActiveState)" = active ] && break; sleep 1; done
[ "$(show NRestarts)" -ge 1 ] && [ "$(show ActiveState)" = active ] || die "a killed keel was not restarted"
wait_ticks || die "the restarted keel does not tick"
ok "killed with SIGKILL: restarted (NRestarts=$(show NRestarts)) and ticking"

cp /etc/keel/keel.yaml "$WORK/keel.yaml"
printf 'strategy: [\n' >/etc/keel/keel.yaml
in_ns systemctl restart keel || true
sleep 15
[ "$(show ActiveState)" = failed ] && [ "$(show ExecMainStatus)" = 1 ] || die "an invalid config left keel $(show ActiveState), exit $(show ExecMainStatus)"
RESTARTS="$(show NRestarts)"
[ "$RESTARTS" = 0 ] || die "an invalid config was restarted $RESTARTS times"
ok "invalid config: failed with exit 1, not restarted"

cp "$WORK/keel.yaml" /etc/keel/keel.yaml
in_ns systemctl reset-failed keel
in_ns systemctl start keel
wait_ticks || die "keel did not come back after the config was restored"
in_ns systemctl stop keel
[ "$(show Result)" = success ] && [ "$(show ExecMainStatus)" = 0 ] || die "systemctl stop: result $(show Result), exit $(show ExecMainStatus)"
ok "systemctl stop: graceful, exit 0"

if journal_has 'Error in cpuinfo'; then die "onnxruntime could not read /proc/cpuinfo"; fi
ok "no 'Error in cpuinfo' in the journal"
echo "systemd-trial: all checks passed"
