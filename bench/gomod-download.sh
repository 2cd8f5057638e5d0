#!/usr/bin/env bash
# Benchmark (issue 2): `go mod download` of a generated corpus of small modules with a cold
# module cache, Berth against nginx serving the identical static GOPROXY tree (files exported
# from Berth), median of RUNS runs each, reported as the ratio Berth/nginx (target <= 1.15).
#
#   bench/gomod-download.sh                 # 200 modules, 5 runs
#   MODULES=20 RUNS=1 bench/gomod-download.sh   # quick check
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gomod-corpus.sh"
need go curl zip nginx java
MODULES=${MODULES:-200}
RUNS=${RUNS:-5}
BENCH_ARGS="MODULES=$MODULES RUNS=$RUNS"

bport=$(free_port)
start_berth "$BENCH_TMP/berth" "$bport" >/dev/null
berth="http://127.0.0.1:$bport"
log "publishing $MODULES modules to Berth at $berth"
mods=()
for ((i = 0; i < MODULES; i++)); do
  m=$(printf 'bench.example/dl/m%03d' "$i")
  mods+=("$m@v1.0.0")
  publish_module "$berth" "$m" v1.0.0 "$(make_module "$BENCH_TMP/zips" "$m" v1.0.0)"
  export_module "$berth" "$BENCH_TMP/tree" "$m" v1.0.0
done
nport=$(free_port)
start_nginx "$BENCH_TMP/tree" "$nport" >/dev/null
nginx_url="http://127.0.0.1:$nport"

# download PROXY: one cold-cache `go mod download` of the whole corpus; prints seconds.
download() {
  local proxy=$1 home="$BENCH_TMP/gohome"
  rm -rf "$home"
  mkdir -p "$home/work"
  local t0 t1
  t0=$(now_s)
  (cd "$home/work" && env HOME="$home" GOPATH="$home/gopath" GOMODCACHE="$home/modcache" \
    GOCACHE="$home/gocache" GOFLAGS=-modcacherw GOPROXY="$proxy" GOSUMDB=off GONOSUMDB= \
    GOPRIVATE= GONOPROXY= GO111MODULE=on GOTOOLCHAIN=local \
    go mod download "${mods[@]}") || {
    echo "bench: go mod download via $proxy failed" >&2
    exit 1
  }
  t1=$(now_s)
  local got
  got=$(find "$home/modcache/cache/download" -name '*.zip' | wc -l)
  if [ "$got" -ne "${#mods[@]}" ]; then
    echo "bench: go downloaded $got zips via $proxy, expected ${#mods[@]}" >&2
    exit 1
  fi
  rm -rf "$home"
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}'
}

log "warm-up (one run each)"
download "$berth" >/dev/null
download "$nginx_url" >/dev/null
bt=()
nt=()
for ((r = 1; r <= RUNS; r++)); do
  b=$(download "$berth")
  n=$(download "$nginx_url")
  log "run $r: berth ${b}s nginx ${n}s"
  bt+=("$b")
  nt+=("$n")
done
bm=$(median "${bt[@]}")
nm=$(median "${nt[@]}")
out=$(results_file gomod-download)
{
  echo "benchmark: go mod download of $MODULES modules, cold module cache, median of $RUNS"
  echo "berth runs (s): ${bt[*]}"
  echo "nginx runs (s): ${nt[*]}"
  echo "berth median (s): $bm"
  echo "nginx median (s): $nm"
  echo "ratio berth/nginx: $(ratio "$bm" "$nm") (target <= 1.15)"
} | tee -a "$out"
log "results in $out"
