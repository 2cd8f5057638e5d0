#!/usr/bin/env bash
# Replication lag benchmark (issue 6): OCI images pushed to region A, measured until readable in
# region B through the replicator link A -> B.
#
# Lag = from "push acknowledged in A" (the manifest PUT on a node of A answered 201; the blobs were
# uploaded before) to "manifest and all blobs readable in B" (GET of the tag on a node of B answers
# the pushed digest, then HEAD of every blob answers 200). Scenarios, p50/p99/max in ms, each the
# median of RUNS runs (after a warm-up of 20 pushes):
#   steady: RATE (10) pushes/s of IMAGE_MIB (1) MiB images for SECONDS_STEADY (30) s
#           (target p99 <= 100 ms); the peer measured in the same run: the lag to A's second node
#   (EXTRA_RATES, e.g. "2 5": further steady rates in each run, to show where the machine saturates)
#   burst:  BURST (100) images of IMAGE_MIB MiB pushed at once, CONCURRENCY (16) in flight
#   large:  LARGE_COUNT (5) images with one LARGE_MIB (100) MiB layer (target p99 <= 1.5 s)
#   catch-up (OUTAGE_RUNS runs, default RUNS): B's nodes stopped (SIGTERM) for OUTAGE_SECONDS (60) while A takes RATE pushes/s;
#           the time from B's restart to everything pushed meanwhile being readable in B
#           (target <= 15 s), and B's time to ready
#
# By default it starts its own cluster with deploy/local/up.sh (run directory bench/work/local,
# base port 29000, node port 18080) and stops it at the end. To use a running one instead, set
# A_URL and B_URL (a node of each region), optionally A2_URL (a second node of A, the peer) and
# BERTH_LOCAL_RUN (the run directory of deploy/local, needed for the outage scenario).
# Results go to bench/results/replication-lag-<time>.txt (machine, command, numbers).
#
# Usage: bench/replication-lag.sh [--short]     (--short: 3 s steady, burst of 10, one 5 MiB
#                                                image, 5 s outage, 1 run: checks the script works)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RATE=${RATE:-10}
# further steady rates measured in each run (a sweep that shows where the machine saturates)
EXTRA_RATES=${EXTRA_RATES:-}
OUTAGE_RUNS=${OUTAGE_RUNS:-}
IMAGE_MIB=${IMAGE_MIB:-1}
SECONDS_STEADY=${SECONDS_STEADY:-30}
BURST=${BURST:-100}
CONCURRENCY=${CONCURRENCY:-16}
LARGE_MIB=${LARGE_MIB:-100}
LARGE_COUNT=${LARGE_COUNT:-5}
OUTAGE_SECONDS=${OUTAGE_SECONDS:-60}
RUNS=${RUNS:-5}
WARMUP=${WARMUP:-20}
if [ "${1:-}" = "--short" ]; then
  SECONDS_STEADY=3 BURST=10 LARGE_MIB=5 LARGE_COUNT=1 OUTAGE_SECONDS=5 RUNS=1 WARMUP=3
fi
for c in curl java javac sha256sum gzip tar awk; do
  command -v "$c" >/dev/null || {
    echo "bench: '$c' is required" >&2
    exit 2
  }
done
mkdir -p "$root/bench/results" "$root/bench/work"
work="$(mktemp -d "$root/bench/work/lag.XXXXXX")"
results="$root/bench/results/replication-lag-$(date +%Y%m%d-%H%M%S).txt"
started_cluster=0
cleanup() {
  if [ "$started_cluster" = 1 ]; then
    BERTH_LOCAL_RUN="$BERTH_LOCAL_RUN" "$root/deploy/local/down.sh" --purge >&2 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

if [ -z "${A_URL:-}" ]; then
  export BERTH_LOCAL_RUN="$root/bench/work/local"
  export BERTH_LOCAL_BASE_PORT=${BERTH_LOCAL_BASE_PORT:-29000}
  export BERTH_LOCAL_NODE_PORT=${BERTH_LOCAL_NODE_PORT:-18080}
  log "starting a local two-region cluster (deploy/local/up.sh, $BERTH_LOCAL_RUN)"
  started_cluster=1
  "$root/deploy/local/up.sh" >"$work/up.out"
  A_URL="http://127.0.1.1:$BERTH_LOCAL_NODE_PORT"
  A2_URL="http://127.0.1.2:$BERTH_LOCAL_NODE_PORT"
  B_URL="http://127.0.2.1:$BERTH_LOCAL_NODE_PORT"
  B2_URL="http://127.0.2.2:$BERTH_LOCAL_NODE_PORT"
fi
A2_URL=${A2_URL:-}
B2_URL=${B2_URL:-}
run_id="$(date +%s)"

# image <dir> <MiB>: an OCI layout with one random layer; prints the manifest digest
image() { "$root/deploy/local/make-image.sh" "$1" v1 "$2" "$1-$RANDOM"; }

# the load driver (bench/ReplicationLag.java, compiled once here): pushes with one HTTP client
# and polls every 2 ms (2 % of the time waited once that is more) from threads, so measuring does
# not load the machine. Compiled up front rather than run with the source launcher, which
# compiles at every start: seconds of CPU inside the catch-up window otherwise.
mkdir -p "$work/driver"
javac -d "$work/driver" "$root/bench/ReplicationLag.java"
driver() { java -Xmx512m -cp "$work/driver" ReplicationLag "$@"; }

# layouts <prefix> <count> -> a file of "<tag> <dir>" lines for the driver
layouts() {
  local i
  for i in $(seq 1 "$2"); do echo "$1-$i $work/$1-$i"; done >"$work/$1.layouts"
  echo "$work/$1.layouts"
}

stats() { # ms values on stdin -> "p50 p99 max"
  sort -n | awk '{v[NR]=$1} END {if (NR==0) {print "- - -"; exit}
    p50=v[int((NR-1)*0.50)+1]; p99=v[int((NR-1)*0.99)+1]; print p50, p99, v[NR]}'
}
median_col() { awk -v c="$2" '{print $c}' "$1" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
report() { # <name> <file of "p50 p99 max" lines, one per run>
  [ -s "$2" ] || return 0
  echo "$1: p50/p99/max ms (median of $(wc -l <"$2") runs): $(median_col "$2" 1) / $(median_col "$2" 2) / $(median_col "$2" 3)"
}
prepare() { # <prefix> <count> <MiB>: layouts <prefix>-1..count
  local i
  for i in $(seq 1 "$2"); do image "$work/$1-$i" "$3" >/dev/null; done
}

{
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -sr)"
  echo "command: bench/replication-lag.sh $*  (RATE=$RATE IMAGE_MIB=$IMAGE_MIB SECONDS_STEADY=$SECONDS_STEADY BURST=$BURST CONCURRENCY=$CONCURRENCY LARGE_MIB=$LARGE_MIB LARGE_COUNT=$LARGE_COUNT OUTAGE_SECONDS=$OUTAGE_SECONDS RUNS=$RUNS EXTRA_RATES=$EXTRA_RATES OUTAGE_RUNS=${OUTAGE_RUNS:-$RUNS})"
  echo "A=$A_URL A2=${A2_URL:--} B=$B_URL"
} | tee "$results" >&2

log "warm-up ($WARMUP pushes)"
prepare warm "$WARMUP" "$IMAGE_MIB"
driver serial a="$A_URL" b="$B_URL" repo="bench/warm$run_id" layouts="$(layouts warm "$WARMUP")" \
  out="$work/warm"

for run in $(seq 1 "$RUNS"); do
  n=$((RATE * SECONDS_STEADY))
  log "run $run/$RUNS: steady $RATE/s for ${SECONDS_STEADY}s ($n images of $IMAGE_MIB MiB)"
  prepare "steady$run" "$n" "$IMAGE_MIB"
  driver paced rate="$RATE" a="$A_URL" peer="$A2_URL" b="$B_URL" repo="bench/steady$run_id" \
    layouts="$(layouts "steady$run" "$n")" out="$work/steady$run"
  stats <"$work/steady$run.b" >>"$work/steady.runs"
  [ -s "$work/steady$run.peer" ] && stats <"$work/steady$run.peer" >>"$work/peer.runs"
  for r in $EXTRA_RATES; do
    n=$((r * SECONDS_STEADY))
    log "run $run/$RUNS: steady $r/s for ${SECONDS_STEADY}s ($n images of $IMAGE_MIB MiB)"
    prepare "rate$r-$run" "$n" "$IMAGE_MIB"
    driver paced rate="$r" a="$A_URL" peer="$A2_URL" b="$B_URL" repo="bench/rate$r-$run_id" \
      layouts="$(layouts "rate$r-$run" "$n")" out="$work/rate$r-$run"
    stats <"$work/rate$r-$run.b" >>"$work/rate$r.runs"
    [ -s "$work/rate$r-$run.peer" ] && stats <"$work/rate$r-$run.peer" >>"$work/rate$r-peer.runs"
    rm -rf "$work"/rate"$r-$run"-*
  done

  log "run $run/$RUNS: burst of $BURST (c=$CONCURRENCY)"
  prepare "burst$run" "$BURST" "$IMAGE_MIB"
  driver burst concurrency="$CONCURRENCY" a="$A_URL" b="$B_URL" repo="bench/burst$run_id" \
    layouts="$(layouts "burst$run" "$BURST")" out="$work/burst$run"
  stats <"$work/burst$run.b" >>"$work/burst.runs"

  log "run $run/$RUNS: $LARGE_COUNT large images of $LARGE_MIB MiB"
  prepare "large$run" "$LARGE_COUNT" "$LARGE_MIB"
  driver serial a="$A_URL" b="$B_URL" repo="bench/large$run_id" \
    layouts="$(layouts "large$run" "$LARGE_COUNT")" out="$work/large$run"
  stats <"$work/large$run.b" >>"$work/large.runs"
  rm -rf "$work"/steady"$run"-* "$work"/burst"$run"-* "$work"/large"$run"-*
done

{
  report "steady $RATE/s, $IMAGE_MIB MiB images, A -> B" "$work/steady.runs"
  report "steady $RATE/s, $IMAGE_MIB MiB images, A -> A's second node (peer)" "$work/peer.runs"
  for r in $EXTRA_RATES; do
    report "steady $r/s, $IMAGE_MIB MiB images, A -> B" "$work/rate$r.runs"
    report "steady $r/s, $IMAGE_MIB MiB images, A -> A's second node (peer)" "$work/rate$r-peer.runs"
  done
  report "burst of $BURST x $IMAGE_MIB MiB images (c=$CONCURRENCY), A -> B" "$work/burst.runs"
  report "large $LARGE_MIB MiB images, A -> B" "$work/large.runs"
} | tee -a "$results" >&2

# ---------------------------------------------------------------- catch-up after an outage of B
if [ -n "${BERTH_LOCAL_RUN:-}" ] && [ -x "$BERTH_LOCAL_RUN/start/us-1.sh" ]; then
  b_nodes=()
  for f in "$BERTH_LOCAL_RUN"/start/us-*.sh; do b_nodes+=("$(basename "$f" .sh)"); done
  for run in $(seq 1 "${OUTAGE_RUNS:-$RUNS}"); do
    n=$((RATE * OUTAGE_SECONDS))
    prepare "outage$run" "$n" "$IMAGE_MIB"
    log "catch-up run $run/${OUTAGE_RUNS:-$RUNS}: region B (${b_nodes[*]}) down for ${OUTAGE_SECONDS}s, $n pushes to A"
    for b in "${b_nodes[@]}"; do kill -TERM "$(cat "$BERTH_LOCAL_RUN/pids/$b.pid")"; done
    for b in "${b_nodes[@]}"; do
      while kill -0 "$(cat "$BERTH_LOCAL_RUN/pids/$b.pid")" 2>/dev/null; do sleep 0.2; done
    done
    restart=""
    for b in "${b_nodes[@]}"; do restart+="$(printf '%q' "$BERTH_LOCAL_RUN/start/$b.sh") && "; done
    # one driver JVM pushes, restarts B's nodes and measures, so the measurement starts warm
    read -r took ready < <(driver outage rate="$RATE" a="$A_URL" b="$B_URL${B2_URL:+,$B2_URL}" \
      repo="bench/outage$run_id" layouts="$(layouts "outage$run" "$n")" restart="${restart}true")
    echo "$took $ready" >>"$work/catchup.runs"
    log "catch-up run $run: all readable in B $took ms after the restart (B ready after $ready ms)"
    rm -rf "$work"/outage"$run"-*
  done
  if [ -s "$work/catchup.runs" ]; then
    echo "catch-up after ${OUTAGE_SECONDS}s outage of B ($((RATE * OUTAGE_SECONDS)) pushes meanwhile): all readable in B $(median_col "$work/catchup.runs" 1) ms after the restart (B ready after $(median_col "$work/catchup.runs" 2) ms), median of $(wc -l <"$work/catchup.runs") runs" |
      tee -a "$results" >&2
  else
    echo "catch-up: not measured (OUTAGE_RUNS=0)" | tee -a "$results" >&2
  fi
else
  echo "catch-up: skipped (needs a cluster from deploy/local/up.sh: set BERTH_LOCAL_RUN, or let the script start one)" | tee -a "$results" >&2
fi
echo "results: $results" >&2
