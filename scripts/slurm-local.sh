#!/usr/bin/env bash
# A single-node Slurm (munged + slurmctld + slurmd) in one directory, for tests and for trying
# mixbo's slurm executor on a laptop or in a container. Needs root (the daemons run as root, jobs
# run as the submitting user) and the Debian packages slurmctld slurmd slurm-client munge
# (scripts/install-deps.sh installs them).
#
#   scripts/slurm-local.sh start        start (or report that it already runs); prints the
#                                       `export SLURM_CONF=...` line to use
#   scripts/slurm-local.sh stop         cancel every job, stop the daemons, wait until they exit
#   scripts/slurm-local.sh status       what runs (exit 0 when the cluster is up, 3 when not)
#   scripts/slurm-local.sh env          print the export line only
#   scripts/slurm-local.sh ctld-stop    stop slurmctld only (fault tests: controller outage)
#   scripts/slurm-local.sh ctld-start   start slurmctld again, keeping its saved state
#
# Environment:
#   MIXBO_SLURM_ROOT       state folder (default ${TMPDIR:-/tmp}/mixbo-slurm); a fresh `start`
#                          wipes it, so job ids and the jobcomp log begin anew
#   MIXBO_SLURM_CTLD_PORT  slurmctld port (default 6817)
#   MIXBO_SLURM_D_PORT     slurmd port (default 6818)
#   MIXBO_SLURM_AUTH       munge (default; falls back to none if munged cannot start) | none
#   MIXBO_SLURM_KILLWAIT   seconds between SIGTERM and SIGKILL at a time limit (default 2)
#
# Everything (munge socket and key, pid files, logs, spool, state) lives under the root folder so
# that nothing in /etc, /run or /var is touched and several roots can coexist on other ports.
set -euo pipefail

ROOT="${MIXBO_SLURM_ROOT:-${TMPDIR:-/tmp}/mixbo-slurm}"
CTLD_PORT="${MIXBO_SLURM_CTLD_PORT:-6817}"
D_PORT="${MIXBO_SLURM_D_PORT:-6818}"
AUTH="${MIXBO_SLURM_AUTH:-munge}"
KILLWAIT="${MIXBO_SLURM_KILLWAIT:-2}"
CONF="$ROOT/etc/slurm.conf"
MUNGE_DIR="$ROOT/munge"
MUNGE_SOCKET="$MUNGE_DIR/munge.socket"
export SLURM_CONF="$CONF"

log() { echo "slurm-local: $*" >&2; }
die() { log "error: $*"; exit 1; }

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pid_of() { [ -s "$1" ] && tr -dc '0-9' <"$1" || true; }
ctld_pid() { pid_of "$ROOT/run/slurmctld.pid"; }
slurmd_pid() { pid_of "$ROOT/run/slurmd.pid"; }
munged_pid() { pid_of "$MUNGE_DIR/munged.pid"; }

port_busy() { # true when something listens on TCP port $1
  local hex
  hex=$(printf ':%04X ' "$1")
  grep -q "$hex" <(awk 'NR>1 && $4=="0A" {print $2" "}' /proc/net/tcp /proc/net/tcp6 2>/dev/null)
}

wait_until() { # wait_until SECONDS CMD...: polls CMD every 0.1 s
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

wait_exit() { # wait_exit SECONDS PID: true once PID is gone
  local pid=$2
  [ -n "$pid" ] || return 0
  wait_until "$1" bash -c "! kill -0 $pid 2>/dev/null"
}

print_env() { echo "export SLURM_CONF=$CONF"; }

is_up() { pid_alive "$(ctld_pid)" && pid_alive "$(slurmd_pid)"; }

need_root() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (the daemons and munged's key handling need it)"
  local b
  for b in slurmctld slurmd; do
    [ -x "/usr/sbin/$b" ] || die "/usr/sbin/$b missing: run scripts/install-deps.sh"
  done
  command -v sinfo >/dev/null || die "slurm-client missing: run scripts/install-deps.sh"
}

start_munge() { # true when munged runs and a credential round-trips
  command -v munged >/dev/null && id munge >/dev/null 2>&1 || { log "munge not installed"; return 1; }
  install -d -o munge -g munge -m 0755 "$MUNGE_DIR"
  if [ ! -s "$MUNGE_DIR/munge.key" ]; then
    # A key of our own: this cluster trusts nothing outside its folder.
    head -c 1024 /dev/urandom >"$MUNGE_DIR/munge.key"
    chown munge:munge "$MUNGE_DIR/munge.key"
    chmod 0400 "$MUNGE_DIR/munge.key"
  fi
  # munged refuses to run as root ("Logfile is insecure"), so it runs as its own user.
  runuser -u munge -- /usr/sbin/munged --socket="$MUNGE_SOCKET" --key-file="$MUNGE_DIR/munge.key" \
    --pid-file="$MUNGE_DIR/munged.pid" --log-file="$MUNGE_DIR/munged.log" \
    --seed-file="$MUNGE_DIR/munged.seed" >"$MUNGE_DIR/munged.out" 2>&1 || {
    log "munged did not start: $(tail -n 3 "$MUNGE_DIR/munged.out" "$MUNGE_DIR/munged.log" 2>/dev/null | tr '\n' ' ')"
    return 1
  }
  wait_until 10 bash -c "munge -S '$MUNGE_SOCKET' -n 2>/dev/null | unmunge -S '$MUNGE_SOCKET' >/dev/null 2>&1" || {
    log "munge credentials do not round-trip"
    return 1
  }
}

write_conf() { # write_conf AUTH
  local host node mem
  host=$(hostname -s)
  node=$(slurmd -C | head -n 1)
  # slurmd -C reports e.g. "NodeName=vm CPUs=2 Boards=1 ... RealMemory=24105"; keep the topology,
  # leave the OS some memory, and pin the address to loopback.
  mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$node")
  mem=$((mem > 1024 ? mem - 512 : mem))
  node=$(sed -e "s/^NodeName=[^ ]*//" -e "s/RealMemory=[0-9]*//" <<<"$node")
  local authinfo="" cred="cred/none"
  if [ "$1" = munge ]; then
    authinfo="AuthInfo=socket=$MUNGE_SOCKET"
    cred="cred/munge"
  fi
  cat >"$CONF" <<EOF
# Written by scripts/slurm-local.sh: a single-node cluster under $ROOT
ClusterName=mixbo
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$D_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/$1
$authinfo
CredType=$cred
MpiDefault=pmix
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
# Time limits: no grace, a short SIGTERM->SIGKILL wait, so a TIMEOUT is reached quickly.
OverTimeLimit=0
KillWait=$KILLWAIT
StateSaveLocation=$ROOT/state
SlurmdSpoolDir=$ROOT/spool
SlurmctldPidFile=$ROOT/run/slurmctld.pid
SlurmdPidFile=$ROOT/run/slurmd.pid
SlurmctldLogFile=$ROOT/log/slurmctld.log
SlurmdLogFile=$ROOT/log/slurmd.log
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$ROOT/log/jobcomp.txt
MinJobAge=3600
NodeName=$host NodeAddr=127.0.0.1 $node RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

start_ctld() {
  /usr/sbin/slurmctld >"$ROOT/log/slurmctld.out" 2>&1 || {
    log "slurmctld did not start: $(tail -n 5 "$ROOT/log/slurmctld.log" 2>/dev/null | tr '\n' ' ')"
    return 1
  }
  wait_until 20 bash -c "scontrol ping 2>/dev/null | grep -q UP" || {
    log "slurmctld does not answer: $(tail -n 5 "$ROOT/log/slurmctld.log" 2>/dev/null | tr '\n' ' ')"
    return 1
  }
}

node_idle() { [ "$(sinfo -h -N -o %t 2>/dev/null | head -n 1)" = idle ]; }

cmd_start() {
  need_root
  if is_up; then
    log "already running under $ROOT"
    print_env
    return 0
  fi
  if [ -e "$ROOT" ]; then cmd_stop >/dev/null 2>&1 || true; fi
  local p
  for p in "$CTLD_PORT" "$D_PORT"; do
    port_busy "$p" && die "TCP port $p is in use (another Slurm?): set MIXBO_SLURM_CTLD_PORT / MIXBO_SLURM_D_PORT"
  done
  rm -rf "$ROOT"
  install -d -m 0755 "$ROOT" "$ROOT/etc" "$ROOT/run" "$ROOT/log" "$ROOT/spool"
  install -d -m 0700 "$ROOT/state"
  local auth="$AUTH"
  if [ "$auth" = munge ] && ! start_munge; then
    log "falling back to AuthType=auth/none (insecure: for local tests only)"
    auth=none
  fi
  write_conf "$auth"
  echo "$auth" >"$ROOT/auth"
  local t0=$SECONDS
  start_ctld || die "see $ROOT/log/slurmctld.log"
  /usr/sbin/slurmd >"$ROOT/log/slurmd.out" 2>&1 || die "slurmd did not start: see $ROOT/log/slurmd.log"
  wait_until 30 node_idle || die "node not idle after 30 s: $(sinfo -h -N -o '%t %E' 2>&1)"
  log "up under $ROOT (auth/$auth, ports $CTLD_PORT/$D_PORT, $((SECONDS - t0)) s)"
  print_env
}

kill_and_wait() { # kill_and_wait NAME PID
  local name=$1 pid=$2
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait_exit 15 "$pid" || {
    log "$name ($pid) ignores SIGTERM: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_exit 5 "$pid" || true
  }
}

# slurmstepd outlives slurmd by design; ours carry our SLURM_CONF in their environment.
leftover_stepds() {
  local p
  for p in $(pgrep -x slurmstepd || true); do
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "SLURM_CONF=$CONF" && echo "$p"
  done
}

cmd_stop() {
  [ -d "$ROOT" ] || { log "nothing under $ROOT"; return 0; }
  local cp dp mp
  cp=$(ctld_pid)
  dp=$(slurmd_pid)
  mp=$(munged_pid)
  if pid_alive "$cp"; then
    scancel --full --quiet --user="$(id -un)" 2>/dev/null || true
    scancel --full --quiet $(squeue -h -o %A 2>/dev/null) 2>/dev/null || true
    wait_until $((KILLWAIT + 5)) bash -c '[ -z "$(squeue -h -o %A 2>/dev/null)" ]' || true
    scontrol shutdown >/dev/null 2>&1 || true
  fi
  kill_and_wait slurmctld "$cp"
  kill_and_wait slurmd "$dp"
  local p
  for p in $(leftover_stepds); do kill_and_wait slurmstepd "$p"; done
  kill_and_wait munged "$mp"
  local busy=""
  for p in "$CTLD_PORT" "$D_PORT"; do
    wait_until 5 bash -c "! grep -q '$(printf ':%04X ' "$p")' <(awk 'NR>1 && \$4==\"0A\" {print \$2\" \"}' /proc/net/tcp /proc/net/tcp6 2>/dev/null)" ||
      busy="$busy $p"
  done
  [ -z "$busy" ] || die "ports still in use after stop:$busy"
  log "stopped (state kept under $ROOT until the next start)"
}

cmd_status() {
  local cp dp mp
  cp=$(ctld_pid)
  dp=$(slurmd_pid)
  mp=$(munged_pid)
  echo "root:      $ROOT"
  echo "auth:      $(cat "$ROOT/auth" 2>/dev/null || echo '?')"
  echo "slurmctld: $(pid_alive "$cp" && echo "running (pid $cp)" || echo stopped)"
  echo "slurmd:    $(pid_alive "$dp" && echo "running (pid $dp)" || echo stopped)"
  echo "munged:    $(pid_alive "$mp" && echo "running (pid $mp)" || echo stopped)"
  if is_up; then
    echo "node:      $(sinfo -h -N -o '%N %t' 2>/dev/null)"
    print_env
    return 0
  fi
  return 3
}

cmd_ctld_stop() {
  local cp
  cp=$(ctld_pid)
  pid_alive "$cp" || { log "slurmctld is not running"; return 0; }
  kill_and_wait slurmctld "$cp"
  log "slurmctld stopped"
}

cmd_ctld_start() {
  need_root
  [ -f "$CONF" ] || die "no cluster under $ROOT: run start first"
  if pid_alive "$(ctld_pid)"; then
    log "slurmctld already running"
    return 0
  fi
  start_ctld || die "see $ROOT/log/slurmctld.log"
  log "slurmctld started"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) print_env ;;
  ctld-stop) cmd_ctld_stop ;;
  ctld-start) cmd_ctld_start ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
