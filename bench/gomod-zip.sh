#!/usr/bin/env bash
# Benchmark (issue 2): `.zip` GET throughput at c=16 with wrk for a 1 MiB and a 10 MiB module
# zip, Berth against nginx serving the identical file (sendfile on both sides). Target: Berth
# >= 0.9x nginx.
#
#   bench/gomod-zip.sh                              # 5 runs of 10 s per size
#   RUNS=1 DURATION=2s WARMUP=2s bench/gomod-zip.sh   # quick check
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gomod-corpus.sh"
need curl zip nginx java wrk
RUNS=${RUNS:-5}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-10s}
CONNS=${CONNS:-16}
BENCH_ARGS="RUNS=$RUNS DURATION=$DURATION CONNS=$CONNS"

bport=$(free_port)
start_berth "$BENCH_TMP/berth" "$bport" >/dev/null
berth="http://127.0.0.1:$bport"
declare -A sizes=([1MiB]=1048576 [10MiB]=10485760)
for s in 1MiB 10MiB; do
  m="bench.example/zip/z$(echo "$s" | tr 'A-Z' 'a-z')"
  publish_module "$berth" "$m" v1.0.0 "$(make_module "$BENCH_TMP/zips" "$m" v1.0.0 "${sizes[$s]}")"
  export_module "$berth" "$BENCH_TMP/tree" "$m" v1.0.0
done
nport=$(free_port)
start_nginx "$BENCH_TMP/tree" "$nport" >/dev/null
nginx_url="http://127.0.0.1:$nport"

out=$(results_file gomod-zip)
echo "benchmark: .zip GET, wrk -t2 -c$CONNS -d$DURATION, median of $RUNS" | tee -a "$out"
for s in 1MiB 10MiB; do
  m="bench.example/zip/z$(echo "$s" | tr 'A-Z' 'a-z')"
  p="/$m/@v/v1.0.0.zip"
  bytes=$(stat -c %s "$BENCH_TMP/tree$p")
  log "$s zip ($bytes bytes): warm-up ($WARMUP each)"
  wrk_run "$berth$p" "$WARMUP" "$CONNS" >/dev/null
  wrk_run "$nginx_url$p" "$WARMUP" "$CONNS" >/dev/null
  bt=() nt=()
  for ((r = 1; r <= RUNS; r++)); do
    o=$(wrk_run "$berth$p" "$DURATION" "$CONNS")
    [ "$(wrk_errors "$o")" -eq 0 ] || { echo "bench: errors from Berth:" >&2; echo "$o" >&2; exit 1; }
    bt+=("$(wrk_mib_s "$o")")
    o=$(wrk_run "$nginx_url$p" "$DURATION" "$CONNS")
    [ "$(wrk_errors "$o")" -eq 0 ] || { echo "bench: errors from nginx:" >&2; echo "$o" >&2; exit 1; }
    nt+=("$(wrk_mib_s "$o")")
    log "$s run $r: berth ${bt[-1]} MiB/s nginx ${nt[-1]} MiB/s"
  done
  {
    echo "$s zip ($bytes bytes) berth MiB/s: ${bt[*]}  median $(median "${bt[@]}")"
    echo "$s zip ($bytes bytes) nginx MiB/s: ${nt[*]}  median $(median "${nt[@]}")"
    echo "$s ratio berth/nginx: $(ratio "$(median "${bt[@]}")" "$(median "${nt[@]}")") (target >= 0.9)"
  } | tee -a "$out"
done
log "results in $out"
