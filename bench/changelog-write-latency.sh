#!/usr/bin/env bash
# Benchmark (issue 5): manifest PUT latency p50/p99 at c=1 and c=16 with the change log (every
# PUT writes its manifest, link and tag together with their events in one synced RocksDB batch)
# against the same node build with the events left out (events.unsafeSkipOutbox, a bench-only
# switch: the index batch is still synced, only the outbox entries and the sequence are not
# written). The difference is the cost of the log. Both nodes are standalone (no Kafka: the relay
# is not what is measured) and are measured alternately in the same run. Every PUT is a new
# manifest (unique annotation) under a new tag. Target: p99 <= 5 ms at c=1 with the log.
#
#   bench/changelog-write-latency.sh                                 # 5 runs of 10 s per setting
#   RUNS=1 DURATION=2s WARMUP=1s bench/changelog-write-latency.sh     # quick check
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/changelog-lib.sh"
need curl java wrk sha256sum
RUNS=${RUNS:-5}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-10s}
CONCURRENCY=${CONCURRENCY:-"1 16"}
BENCH_ARGS="RUNS=$RUNS DURATION=$DURATION WARMUP=$WARMUP CONCURRENCY='$CONCURRENCY'"

lport=$(free_port)
start_berth "$BENCH_TMP/with-log" "$lport" BERTH_NODE_ID=log >/dev/null
nport=$(free_port)
start_berth "$BENCH_TMP/no-log" "$nport" BERTH_NODE_ID=nolog BERTH_EVENTS_UNSAFE_SKIP_OUTBOX=true >/dev/null
declare -A URL=([log]="http://127.0.0.1:$lport" [nolog]="http://127.0.0.1:$nport")

head -c 300 /dev/urandom | base64 >"$BENCH_TMP/config.json"
head -c 4096 /dev/urandom >"$BENCH_TMP/layer.bin"
for k in log nolog; do
  cfg=$(push_blob "${URL[$k]}" bench/app "$BENCH_TMP/config.json")
  lyr=$(push_blob "${URL[$k]}" bench/app "$BENCH_TMP/layer.bin")
done
cfgsize=$(stat -c %s "$BENCH_TMP/config.json")
lyrsize=$(stat -c %s "$BENCH_TMP/layer.bin")

# lua PREFIX: a wrk script that PUTs a new manifest under a new tag on every request.
lua() {
  local f="$BENCH_TMP/put-$1.lua"
  cat >"$f" <<LUA
local counter = 0
local tid = 0
function setup(thread)
  thread:set("id", tid)
  tid = tid + 1
end
request = function()
  counter = counter + 1
  local tag = "$1-" .. id .. "-" .. counter
  local body = '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",'
    .. '"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"$cfg","size":$cfgsize},'
    .. '"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"$lyr","size":$lyrsize}],'
    .. '"annotations":{"bench":"' .. tag .. '"}}'
  return wrk.format("PUT", "/v2/bench/app/manifests/" .. tag,
    {["Content-Type"] = "application/vnd.oci.image.manifest.v1+json"}, body)
end
LUA
  echo "$f"
}

# measure NODE CONNS DURATION PREFIX: prints "p50 p99 rps".
measure() {
  local node=$1 c=$2 dur=$3 prefix=$4 t o
  t=$((c < 2 ? 1 : 2))
  o=$(wrk -t"$t" -c"$c" -d"$dur" --latency -s "$(lua "$prefix")" "${URL[$node]}")
  [ "$(wrk_errors "$o")" -eq 0 ] || { echo "bench: errors from $node:" >&2; echo "$o" >&2; exit 1; }
  echo "$(wrk_pct_ms "$o" 50) $(wrk_pct_ms "$o" 99) $(wrk_rps "$o")"
}

out=$(results_file changelog-write-latency)
echo "benchmark: manifest PUT (new manifest + tag each), wrk --latency, median of $RUNS runs of $DURATION" >>"$out"
echo "disk: $(df -h "$BENCH_TMP" | awk 'NR==2 {print $1, $2}')" >>"$out"
for c in $CONCURRENCY; do
  log "c=$c: warm-up ($WARMUP each)"
  measure log "$c" "$WARMUP" "wl$c" >/dev/null
  measure nolog "$c" "$WARMUP" "wn$c" >/dev/null
  declare -a lp50=() lp99=() lrps=() np50=() np99=() nrps=()
  for ((r = 1; r <= RUNS; r++)); do
    read -r a b d <<<"$(measure log "$c" "$DURATION" "l$c-$r")"
    lp50+=("$a") lp99+=("$b") lrps+=("$d")
    read -r a b d <<<"$(measure nolog "$c" "$DURATION" "n$c-$r")"
    np50+=("$a") np99+=("$b") nrps+=("$d")
    log "c=$c run $r: with log p50 ${lp50[-1]} p99 ${lp99[-1]} ms (${lrps[-1]} req/s); without p50 ${np50[-1]} p99 ${np99[-1]} ms (${nrps[-1]} req/s)"
  done
  {
    echo "c=$c with log:    p50 ms ${lp50[*]} median $(median "${lp50[@]}"); p99 ms ${lp99[*]} median $(median "${lp99[@]}"); req/s median $(median "${lrps[@]}")"
    echo "c=$c without log: p50 ms ${np50[*]} median $(median "${np50[@]}"); p99 ms ${np99[*]} median $(median "${np99[@]}"); req/s median $(median "${nrps[@]}")"
    echo "c=$c cost of the log (with - without): p50 $(awk -v a="$(median "${lp50[@]}")" -v b="$(median "${np50[@]}")" 'BEGIN {printf "%+.3f", a-b}') ms, p99 $(awk -v a="$(median "${lp99[@]}")" -v b="$(median "${np99[@]}")" 'BEGIN {printf "%+.3f", a-b}') ms"
  } | tee -a "$out"
done
echo "target: p99 <= 5 ms at c=1 with the log" | tee -a "$out"
log "results in $out"
