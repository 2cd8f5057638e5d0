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
#   burst:  BURST (100) images of IMAGE_MIB MiB pushed at once, CONCURRENCY (16) in flight
#   large:  LARGE_COUNT (5) images with one LARGE_MIB (100) MiB layer (target p99 <= 1.5 s)
#   catch-up: B's nodes stopped (SIGTERM) for OUTAGE_SECONDS (60) while A takes RATE pushes/s;
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
for c in curl skopeo sha256sum gzip tar awk; do
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
now_ms() { date +%s%3N; }

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

# push <url> <repo> <tag> <layout>: uploads the blobs (monolithic POST, streamed from the file),
# then PUTs the manifest; returns when the PUT answered 201
push() {
  local url="$1" repo="$2" tag="$3" dir="$4" m f hex
  m="$(awk -F'"digest":"' '{split($2, a, "\""); print a[1]}' "$dir/index.json")"
  for f in "$dir"/blobs/sha256/*; do
    hex="$(basename "$f")"
    [ "sha256:$hex" = "$m" ] && continue
    curl -sf -o /dev/null -X POST -H 'Content-Type: application/octet-stream' --data-binary "@$f" \
      "$url/v2/$repo/blobs/uploads/?digest=sha256:$hex"
  done
  curl -sf -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary "@$dir/blobs/sha256/${m#sha256:}" "$url/v2/$repo/manifests/$tag"
}

# readable <url> <repo> <tag> <layout>: polls until the tag answers the pushed digest and every
# blob answers 200
readable() {
  local url="$1" repo="$2" tag="$3" dir="$4" m f got
  m="$(awk -F'"digest":"' '{split($2, a, "\""); print a[1]}' "$dir/index.json")"
  while :; do
    got="$(curl -s -o /dev/null -w '%{http_code} %header{docker-content-digest}' \
      -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$url/v2/$repo/manifests/$tag" || true)"
    [ "$got" = "200 $m" ] && break
    sleep 0.005
  done
  for f in "$dir"/blobs/sha256/*; do
    until [ "$(curl -s -o /dev/null -w '%{http_code}' -I "$url/v2/$repo/blobs/sha256:$(basename "$f")")" = 200 ]; do
      sleep 0.005
    done
  done
}

# one <repo> <tag> <layout> <out> [peer out]: push to A, then lag to B (and to A2 when given)
one() {
  local repo="$1" tag="$2" dir="$3" out="$4" peer="${5:-}" t0
  push "$A_URL" "$repo" "$tag" "$dir"
  t0=$(now_ms)
  if [ -n "$peer" ] && [ -n "$A2_URL" ]; then
    (readable "$A2_URL" "$repo" "$tag" "$dir" && echo $(($(now_ms) - t0)) >>"$peer") &
  fi
  readable "$B_URL" "$repo" "$tag" "$dir"
  echo $(($(now_ms) - t0)) >>"$out"
  wait
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
  echo "command: bench/replication-lag.sh $*  (RATE=$RATE IMAGE_MIB=$IMAGE_MIB SECONDS_STEADY=$SECONDS_STEADY BURST=$BURST CONCURRENCY=$CONCURRENCY LARGE_MIB=$LARGE_MIB LARGE_COUNT=$LARGE_COUNT OUTAGE_SECONDS=$OUTAGE_SECONDS RUNS=$RUNS)"
  echo "A=$A_URL A2=${A2_URL:--} B=$B_URL"
} | tee "$results" >&2

log "warm-up ($WARMUP pushes)"
prepare warm "$WARMUP" "$IMAGE_MIB"
for i in $(seq 1 "$WARMUP"); do one "bench/warm$run_id" "w$i" "$work/warm-$i" "$work/warm.ms"; done

for run in $(seq 1 "$RUNS"); do
  n=$((RATE * SECONDS_STEADY))
  log "run $run/$RUNS: steady $RATE/s for ${SECONDS_STEADY}s ($n images of $IMAGE_MIB MiB)"
  prepare "steady$run" "$n" "$IMAGE_MIB"
  : >"$work/steady.ms"
  : >"$work/peer.ms"
  interval="$(awk "BEGIN{print 1/$RATE}")"
  for i in $(seq 1 "$n"); do
    one "bench/steady$run_id" "r$run-$i" "$work/steady$run-$i" "$work/steady.ms" "$work/peer.ms" &
    sleep "$interval"
  done
  wait
  stats <"$work/steady.ms" >>"$work/steady.runs"
  [ -s "$work/peer.ms" ] && stats <"$work/peer.ms" >>"$work/peer.runs"

  log "run $run/$RUNS: burst of $BURST (c=$CONCURRENCY)"
  prepare "burst$run" "$BURST" "$IMAGE_MIB"
  : >"$work/burst.ms"
  export -f one push readable now_ms
  export A_URL A2_URL B_URL work
  seq 1 "$BURST" | xargs -P "$CONCURRENCY" -I{} bash -c \
    "one bench/burst$run_id r$run-{} $work/burst$run-{} $work/burst.ms"
  stats <"$work/burst.ms" >>"$work/burst.runs"

  log "run $run/$RUNS: $LARGE_COUNT large images of $LARGE_MIB MiB"
  : >"$work/large.ms"
  for i in $(seq 1 "$LARGE_COUNT"); do
    image "$work/large$run-$i" "$LARGE_MIB" >/dev/null
    one "bench/large$run_id" "r$run-$i" "$work/large$run-$i" "$work/large.ms"
    rm -rf "$work/large$run-$i"
  done
  stats <"$work/large.ms" >>"$work/large.runs"
  rm -rf "$work"/steady"$run"-* "$work"/burst"$run"-*
done

{
  report "steady $RATE/s, $IMAGE_MIB MiB images, A -> B" "$work/steady.runs"
  report "steady $RATE/s, $IMAGE_MIB MiB images, A -> A's second node (peer)" "$work/peer.runs"
  report "burst of $BURST x $IMAGE_MIB MiB images (c=$CONCURRENCY), A -> B" "$work/burst.runs"
  report "large $LARGE_MIB MiB images, A -> B" "$work/large.runs"
} | tee -a "$results" >&2

# ---------------------------------------------------------------- catch-up after an outage of B
if [ -n "${BERTH_LOCAL_RUN:-}" ] && [ -x "$BERTH_LOCAL_RUN/start/us-1.sh" ]; then
  b_nodes=()
  for f in "$BERTH_LOCAL_RUN"/start/us-*.sh; do b_nodes+=("$(basename "$f" .sh)"); done
  for run in $(seq 1 "$RUNS"); do
    n=$((RATE * OUTAGE_SECONDS))
    prepare "outage$run" "$n" "$IMAGE_MIB"
    log "catch-up run $run/$RUNS: region B (${b_nodes[*]}) down for ${OUTAGE_SECONDS}s, $n pushes to A"
    for b in "${b_nodes[@]}"; do kill -TERM "$(cat "$BERTH_LOCAL_RUN/pids/$b.pid")"; done
    for b in "${b_nodes[@]}"; do
      while kill -0 "$(cat "$BERTH_LOCAL_RUN/pids/$b.pid")" 2>/dev/null; do sleep 0.2; done
    done
    interval="$(awk "BEGIN{print 1/$RATE}")"
    for i in $(seq 1 "$n"); do
      push "$A_URL" "bench/outage$run_id" "r$run-$i" "$work/outage$run-$i" &
      sleep "$interval"
    done
    wait
    t0=$(now_ms)
    for b in "${b_nodes[@]}"; do "$BERTH_LOCAL_RUN/start/$b.sh"; done
    until curl -sf -o /dev/null "$B_URL/readyz" && { [ -z "$B2_URL" ] || curl -sf -o /dev/null "$B2_URL/readyz"; }; do
      sleep 0.1
    done
    ready=$(($(now_ms) - t0))
    for i in $(seq 1 "$n"); do
      readable "$B_URL" "bench/outage$run_id" "r$run-$i" "$work/outage$run-$i"
      [ -z "$B2_URL" ] || readable "$B2_URL" "bench/outage$run_id" "r$run-$i" "$work/outage$run-$i"
    done
    echo "$(($(now_ms) - t0)) $ready" >>"$work/catchup.runs"
    rm -rf "$work"/outage"$run"-*
  done
  echo "catch-up after ${OUTAGE_SECONDS}s outage of B ($((RATE * OUTAGE_SECONDS)) pushes meanwhile): all readable in B $(median_col "$work/catchup.runs" 1) ms after the restart (B ready after $(median_col "$work/catchup.runs" 2) ms), median of $(wc -l <"$work/catchup.runs") runs" |
    tee -a "$results" >&2
else
  echo "catch-up: skipped (needs a cluster from deploy/local/up.sh: set BERTH_LOCAL_RUN, or let the script start one)" | tee -a "$results" >&2
fi
echo "results: $results" >&2
