#!/usr/bin/env bash
# Benchmark (issue 3): OCI manifest GET by tag and by digest at c=16 with wrk, on a store with
# REPOS repositories x TAGS tags (default 10k x 10 = 100k manifests, each tag its own manifest).
# wrk cycles through every tag (or every digest) path. Target: >= 25k req/s with p99 <= 2 ms.
# nginx serving the same manifest bytes as static files is measured in the same run as the floor.
#
# The store is filled by a loader main in test scope (io.berth.node.bench.OciManifestLoader) that
# writes through the node's own index API into a stopped node's data dir on /dev/shm: pushing
# 100k manifests over HTTP, each a synced write, takes far longer than the measurement. Only the
# HTTP reads are measured.
#
#   bench/oci-manifest-get.sh                                   # 10k x 10, 5 runs of 10 s
#   REPOS=200 TAGS=10 RUNS=1 DURATION=2s WARMUP=1s bench/oci-manifest-get.sh   # quick check
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/oci-lib.sh"
need curl nginx java wrk
REPOS=${REPOS:-10000}
TAGS=${TAGS:-10}
RUNS=${RUNS:-5}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-10s}
CONNS=${CONNS:-16}
# REWARM: an unmeasured run of this length on the same server right before each measured run,
# since Berth and nginx alternate and each run otherwise starts on caches the other one used
REWARM=${REWARM:-3s}
BENCH_ARGS="REPOS=$REPOS TAGS=$TAGS RUNS=$RUNS DURATION=$DURATION WARMUP=$WARMUP CONNS=$CONNS REWARM=$REWARM"

build_berth
build_berth_tests
shm_dir manifests
data=$SHM_DIR
log "loading $REPOS repositories x $TAGS tags into $data"
t0=$(now_s)
java -cp "$REPO_ROOT/registry-node/target/berth-node-tests.jar:$BERTH_JAR" \
  io.berth.node.bench.OciManifestLoader "$data/berth" bench local "$REPOS" "$TAGS" \
  "$BENCH_TMP/tags.txt" "$BENCH_TMP/digests.txt" "$BENCH_TMP/tree" >&2
t1=$(now_s)
load_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
log "loaded in ${load_s}s"

bport=$(free_port)
start_berth "$data/berth" "$bport" >/dev/null
berth="http://127.0.0.1:$bport"
nport=$(free_port)
start_nginx "$BENCH_TMP/tree" "$nport" >/dev/null
nginx_url="http://127.0.0.1:$nport"
expected=$((REPOS * TAGS))
for f in tags digests; do
  n=$(wc -l <"$BENCH_TMP/$f.txt")
  [ "$n" -eq "$expected" ] || { echo "bench: $n paths in $f.txt, expected $expected" >&2; exit 1; }
  p=$(sed -n "$((n / 2 + 1))p" "$BENCH_TMP/$f.txt")
  for u in "$berth" "$nginx_url"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$u$p")
    [ "$code" = 200 ] || { echo "bench: $u$p answered $code" >&2; exit 1; }
  done
done
paths_lua "$BENCH_TMP/tags.txt" "$BENCH_TMP/tags.lua"
paths_lua "$BENCH_TMP/digests.txt" "$BENCH_TMP/digests.lua"

out=$(results_file oci-manifest-get)
{
  echo "benchmark: manifest GET, $REPOS repositories x $TAGS tags ($expected manifests, loaded in ${load_s}s),"
  echo "wrk -t2 -c$CONNS -d$DURATION cycling over every path, median of $RUNS"
} | tee -a "$out"
for kind in tags digests; do
  lua="$BENCH_TMP/$kind.lua"
  log "by ${kind%s}: warm-up ($WARMUP each)"
  wrk_run "$berth" "$WARMUP" "$CONNS" "$lua" >/dev/null
  wrk_run "$nginx_url" "$WARMUP" "$CONNS" "$lua" >/dev/null
  brps=() bp99=() nrps=() np99=()
  for ((r = 1; r <= RUNS; r++)); do
    [ "$REWARM" = 0 ] || wrk_run "$berth" "$REWARM" "$CONNS" "$lua" >/dev/null
    o=$(wrk_run "$berth" "$DURATION" "$CONNS" "$lua")
    [ "$(wrk_errors "$o")" -eq 0 ] || { echo "bench: errors from Berth:" >&2; echo "$o" >&2; exit 1; }
    brps+=("$(wrk_rps "$o")") bp99+=("$(wrk_p99_ms "$o")")
    [ "$REWARM" = 0 ] || wrk_run "$nginx_url" "$REWARM" "$CONNS" "$lua" >/dev/null
    o=$(wrk_run "$nginx_url" "$DURATION" "$CONNS" "$lua")
    [ "$(wrk_errors "$o")" -eq 0 ] || { echo "bench: errors from nginx:" >&2; echo "$o" >&2; exit 1; }
    nrps+=("$(wrk_rps "$o")") np99+=("$(wrk_p99_ms "$o")")
    log "by ${kind%s} run $r: berth ${brps[-1]} req/s p99 ${bp99[-1]} ms; nginx ${nrps[-1]} req/s p99 ${np99[-1]} ms"
  done
  {
    echo "by ${kind%s} berth req/s: ${brps[*]}  median $(median "${brps[@]}")"
    echo "by ${kind%s} berth p99 ms: ${bp99[*]}  median $(median "${bp99[@]}")"
    echo "by ${kind%s} nginx (static files) req/s: ${nrps[*]}  median $(median "${nrps[@]}")"
    echo "by ${kind%s} nginx (static files) p99 ms: ${np99[*]}  median $(median "${np99[@]}")"
    echo "by ${kind%s} target: berth >= 25000 req/s with p99 <= 2 ms"
  } | tee -a "$out"
done
log "results in $out"
