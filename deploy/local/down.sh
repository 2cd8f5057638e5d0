#!/usr/bin/env bash
# Stops the local cluster started by deploy/local/up.sh: SIGTERM to every process it started
# (clients first: coordinator, replicators, nodes, then S3Proxy, Kafka, ZooKeeper), SIGKILL after
# BERTH_LOCAL_STOP_TIMEOUT seconds (default 20), then checks that no process of this cluster is
# left. --purge also removes the data (configs and logs stay for a look).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
run="${BERTH_LOCAL_RUN:-$root/deploy/local/run}"
timeout="${BERTH_LOCAL_STOP_TIMEOUT:-20}"
marker="-Dberth.local.run=$run"
purge=0
for a in "$@"; do
  case "$a" in
    --purge) purge=1 ;;
    -h | --help)
      sed -n '2,5p' "$0"
      exit 0
      ;;
    *)
      echo "usage: deploy/local/down.sh [--purge]" >&2
      exit 2
      ;;
  esac
done
log() { printf '[berth-local] %s\n' "$*" >&2; }

# stop <name>: SIGTERM, wait, SIGKILL; the pid must still be a JVM of this cluster
stop() {
  local name="$1" f="$run/pids/$1.pid" pid
  [ -f "$f" ] || return 0
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + timeout))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name (pid $pid) did not stop in ${timeout}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    log "stopped $name"
  fi
  rm -f "$f"
}

# phase <names...>: stops these in parallel and waits for all of them
phase() {
  local n
  for n in "$@"; do
    [ -f "$run/pids/$n.pid" ] && stop "$n" &
  done
  wait
}

if [ -d "$run/pids" ]; then
  nodes=()
  for f in "$run"/pids/*.pid; do
    [ -e "$f" ] || continue
    n="$(basename "$f" .pid)"
    case "$n" in eu-* | us-*) nodes+=("$n") ;; esac
  done
  phase coordinator replicator-1 replicator-2
  phase "${nodes[@]}"
  phase s3proxy kafka
  phase zookeeper
  for f in "$run"/pids/*.pid; do # anything else this directory knows of
    [ -e "$f" ] && stop "$(basename "$f" .pid)"
  done
fi

# nothing of this cluster may be left (its JVMs carry the run directory as a marker)
left="$(pgrep -f -- "$marker" || true)"
if [ -n "$left" ]; then
  log "left over after the pid files: $left; SIGKILL"
  # shellcheck disable=SC2086
  kill -KILL $left 2>/dev/null || true
  sleep 1
  left="$(pgrep -f -- "$marker" || true)"
  [ -z "$left" ] || {
    log "still running: $left"
    exit 1
  }
fi
if [ "$purge" = 1 ] && [ -d "$run/data" ]; then
  rm -rf "$run/data"
  log "removed $run/data"
fi
log "local cluster stopped"
