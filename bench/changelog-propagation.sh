#!/usr/bin/env bash
# Benchmark (issue 5): propagation delay A -> B in one region, on a real single-node KRaft broker
# (from the kafka_2.13 jar, as the tests run it). Three nodes share one blob directory and one
# topic: pushes go to A at RATE per second (a new manifest under a new tag each); for each push
# the client measures the time from A's 201 until B answers HEAD on the tag with 200 (polled every
# millisecond; B has readYourWritesWaitMillis=0, so it never waits on a miss), and sends one GET
# to C (readYourWritesWaitMillis=1000, the default) right after the 201: how many of those find
# the manifest at once, and how long they take, measures read-your-writes. Median of RUNS runs.
# Target: propagation p99 <= 100 ms on loopback.
#
#   bench/changelog-propagation.sh                              # 5 runs of 30 s at 10 pushes/s
#   RUNS=1 DURATION=5 WARMUP=2 bench/changelog-propagation.sh    # quick check
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/changelog-lib.sh"
need curl java mvn
RATE=${RATE:-10}
DURATION=${DURATION:-30}
WARMUP=${WARMUP:-10}
RUNS=${RUNS:-5}
BENCH_ARGS="RATE=$RATE DURATION=$DURATION WARMUP=$WARMUP RUNS=$RUNS"

cp=$(test_classpath)
log "starting kafka"
bootstrap=$(start_kafka "$BENCH_TMP/kafka" "$cp")
log "kafka at $bootstrap"
shared="$BENCH_TMP/shared-blobs"
region=(BERTH_NODE_REGION=bench BERTH_STORAGE_SHARED_BLOB_DIR="$shared"
  BERTH_EVENTS_KAFKA_BOOTSTRAP="$bootstrap" BERTH_EVENTS_PARTITIONS=3
  BERTH_EVENTS_REPLICATION_FACTOR=1 BERTH_EVENTS_MIN_INSYNC_REPLICAS=1)
aport=$(free_port)
start_berth "$BENCH_TMP/a" "$aport" BERTH_NODE_ID=a "${region[@]}" >/dev/null
bport=$(free_port)
start_berth "$BENCH_TMP/b" "$bport" BERTH_NODE_ID=b "${region[@]}" BERTH_EVENTS_READ_YOUR_WRITES_WAIT_MILLIS=0 >/dev/null
cport=$(free_port)
start_berth "$BENCH_TMP/c" "$cport" BERTH_NODE_ID=c "${region[@]}" >/dev/null
A="http://127.0.0.1:$aport" B="http://127.0.0.1:$bport" C="http://127.0.0.1:$cport"
for u in "$A" "$B" "$C"; do wait_ready "$u"; done

bench() {
  java -cp "$cp" io.berth.node.bench.PropagationBench "$A" "$B" "$C" "$RATE" "$1" bench/prop
}
field() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k {print $2}'; }

log "warm-up ${WARMUP}s"
bench "$WARMUP" >/dev/null
p50=() p99=() mx=() hits=() r50=() r99=()
for ((r = 1; r <= RUNS; r++)); do
  o=$(bench "$DURATION")
  p50+=("$(field "$o" propagation_p50_ms)") p99+=("$(field "$o" propagation_p99_ms)")
  mx+=("$(field "$o" propagation_max_ms)")
  hits+=("$(awk -v h="$(field "$o" ryw_hits)" -v n="$(field "$o" pushes)" 'BEGIN {printf "%.1f", 100*h/n}')")
  r50+=("$(field "$o" ryw_p50_ms)") r99+=("$(field "$o" ryw_p99_ms)")
  log "run $r: $o"
done
out=$(results_file changelog-propagation)
{
  echo "benchmark: push on A (manifest PUT, new tag) -> readable on B, $RATE pushes/s for ${DURATION}s, median of $RUNS runs"
  echo "propagation p50 ms: ${p50[*]}  median $(median "${p50[@]}")"
  echo "propagation p99 ms: ${p99[*]}  median $(median "${p99[@]}")"
  echo "propagation max ms: ${mx[*]}  median $(median "${mx[@]}")"
  echo "read-your-writes on C (one GET right after the 201): found % ${hits[*]}  median $(median "${hits[@]}")"
  echo "read-your-writes latency p50 ms: ${r50[*]}  median $(median "${r50[@]}"); p99 ms: ${r99[*]}  median $(median "${r99[@]}")"
  echo "target: propagation p99 <= 100 ms on loopback"
  echo "B's apply lag (origin clock -> applied, server side, whole run incl. warm-up):"
  curl -sf "$B/metrics" | grep '^berth_events_apply_lag' | sed 's/^/  /'
} | tee -a "$out"
log "results in $out"
