#!/usr/bin/env bash
# Benchmark (issue 2): `.info`/`.mod` GET requests per second and p99 latency at c=16 with wrk,
# Berth against nginx serving the identical static tree. The wrk script cycles through the
# .info and .mod files of MODULES modules. Targets: Berth >= 25k req/s with p99 <= 2 ms.
#
#   bench/gomod-metadata.sh                            # 200 modules, 5 runs of 10 s
#   MODULES=10 RUNS=1 DURATION=2s WARMUP=2s bench/gomod-metadata.sh   # quick check
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gomod-corpus.sh"
need curl zip nginx java wrk
MODULES=${MODULES:-200}
RUNS=${RUNS:-5}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-10s}
CONNS=${CONNS:-16}
BENCH_ARGS="MODULES=$MODULES RUNS=$RUNS DURATION=$DURATION CONNS=$CONNS"

bport=$(free_port)
start_berth "$BENCH_TMP/berth" "$bport" >/dev/null
berth="http://127.0.0.1:$bport"
log "publishing $MODULES modules"
paths="$BENCH_TMP/paths.txt"
: >"$paths"
for ((i = 0; i < MODULES; i++)); do
  m=$(printf 'bench.example/meta/m%03d' "$i")
  publish_module "$berth" "$m" v1.0.0 "$(make_module "$BENCH_TMP/zips" "$m" v1.0.0)"
  export_module "$berth" "$BENCH_TMP/tree" "$m" v1.0.0
  echo "/$m/@v/v1.0.0.info" >>"$paths"
  echo "/$m/@v/v1.0.0.mod" >>"$paths"
done
nport=$(free_port)
start_nginx "$BENCH_TMP/tree" "$nport" >/dev/null
nginx_url="http://127.0.0.1:$nport"

lua="$BENCH_TMP/paths.lua"
cat >"$lua" <<LUA
local paths = {}
for line in io.lines("$paths") do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA

log "warm-up ($WARMUP each)"
wrk_run "$berth" "$WARMUP" "$CONNS" "$lua" >/dev/null
wrk_run "$nginx_url" "$WARMUP" "$CONNS" "$lua" >/dev/null
brps=() bp99=() nrps=() np99=()
for ((r = 1; r <= RUNS; r++)); do
  o=$(wrk_run "$berth" "$DURATION" "$CONNS" "$lua")
  [ "$(wrk_errors "$o")" -eq 0 ] || { echo "bench: errors from Berth:" >&2; echo "$o" >&2; exit 1; }
  brps+=("$(wrk_rps "$o")")
  bp99+=("$(wrk_p99_ms "$o")")
  o=$(wrk_run "$nginx_url" "$DURATION" "$CONNS" "$lua")
  [ "$(wrk_errors "$o")" -eq 0 ] || { echo "bench: errors from nginx:" >&2; echo "$o" >&2; exit 1; }
  nrps+=("$(wrk_rps "$o")")
  np99+=("$(wrk_p99_ms "$o")")
  log "run $r: berth ${brps[-1]} req/s p99 ${bp99[-1]} ms; nginx ${nrps[-1]} req/s p99 ${np99[-1]} ms"
done
out=$(results_file gomod-metadata)
{
  echo "benchmark: .info/.mod GET, $MODULES modules, wrk -t2 -c$CONNS -d$DURATION, median of $RUNS"
  echo "berth req/s: ${brps[*]}  median $(median "${brps[@]}")"
  echo "berth p99 ms: ${bp99[*]}  median $(median "${bp99[@]}")"
  echo "nginx req/s: ${nrps[*]}  median $(median "${nrps[@]}")"
  echo "nginx p99 ms: ${np99[*]}  median $(median "${np99[@]}")"
  echo "ratio berth/nginx req/s: $(ratio "$(median "${brps[@]}")" "$(median "${nrps[@]}")")"
  echo "target: berth >= 25000 req/s with p99 <= 2 ms"
} | tee -a "$out"
log "results in $out"
