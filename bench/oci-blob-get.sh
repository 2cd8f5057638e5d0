#!/usr/bin/env bash
# Benchmark (issue 3): OCI blob GET throughput at c=16 with wrk for blobs of 64 KiB, 1 MiB,
# 10 MiB and 100 MiB: Berth against nginx serving the same files (sendfile on) and Debian's
# docker-registry holding the same blobs. Every server is asked the same path,
# /v2/bench/blobs/sha256:<hex>. Target: Berth >= 0.9x nginx (aim for 1.0x).
#
#   bench/oci-blob-get.sh                                     # 5 runs of 10 s per size and server
#   RUNS=1 DURATION=2s WARMUP=1s SIZES="64KiB 1MiB" bench/oci-blob-get.sh   # quick check
#   RUNS=1 DURATION=5s WARMUP=2s SIZES=100MiB bench/oci-blob-get.sh        # quick check, 100 MiB
# Each request may take up to LARGE_TIMEOUT (default 60s) for 10 MiB and 100 MiB blobs (wrk's
# default of 2s would count slow 100 MiB answers at c=16 as errors); DURATION should be at least a
# few seconds for 100 MiB so every server completes a few dozen requests.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/oci-lib.sh"
need curl nginx java wrk docker-registry sha256sum
RUNS=${RUNS:-5}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-10s}
CONNS=${CONNS:-16}
SIZES=${SIZES:-64KiB 1MiB 10MiB 100MiB}
LARGE_TIMEOUT=${LARGE_TIMEOUT:-60s}
BENCH_ARGS="RUNS=$RUNS DURATION=$DURATION WARMUP=$WARMUP CONNS=$CONNS SIZES='$SIZES' LARGE_TIMEOUT=$LARGE_TIMEOUT"
declare -A bytes=([64KiB]=65536 [1MiB]=1048576 [10MiB]=10485760 [100MiB]=104857600)

bport=$(free_port)
start_berth "$BENCH_TMP/berth" "$bport" >/dev/null
berth="http://127.0.0.1:$bport"
rport=$(free_port)
start_registry "$BENCH_TMP/registry" "$rport" >/dev/null
registry="http://127.0.0.1:$rport"
tree="$BENCH_TMP/tree"
mkdir -p "$tree/v2/bench/blobs" "$BENCH_TMP/files"
declare -A digest
for s in $SIZES; do
  [ -n "${bytes[$s]:-}" ] || { echo "bench: unknown size $s" >&2; exit 2; }
  f="$BENCH_TMP/files/$s"
  rand_file "$f" "${bytes[$s]}"
  digest[$s]=$(sha256_of "$f")
  push_blob "$berth" bench "$f" "${digest[$s]}" >/dev/null
  push_blob "$registry" bench "$f" "${digest[$s]}" >/dev/null
  cp "$f" "$tree/v2/bench/blobs/${digest[$s]}"
  log "blob $s ${digest[$s]} in Berth, docker-registry and the nginx tree"
done
nport=$(free_port)
start_nginx "$tree" "$nport" >/dev/null
nginx_url="http://127.0.0.1:$nport"
for s in $SIZES; do
  p="/v2/bench/blobs/${digest[$s]}"
  for u in "$berth" "$nginx_url" "$registry"; do
    got=$(curl -sf "$u$p" | sha256sum | cut -d' ' -f1)
    [ "sha256:$got" = "${digest[$s]}" ] || { echo "bench: $u$p serves other bytes" >&2; exit 1; }
  done
done

out=$(results_file oci-blob-get)
oci_versions "$out"
echo "benchmark: blob GET, wrk -t2 -c$CONNS -d$DURATION, median of $RUNS (MiB/s and req/s)" | tee -a "$out"
for s in $SIZES; do
  p="/v2/bench/blobs/${digest[$s]}"
  case $s in 10MiB | 100MiB) export WRK_TIMEOUT=$LARGE_TIMEOUT ;; *) unset WRK_TIMEOUT ;; esac
  log "$s: warm-up ($WARMUP each)"
  for u in "$berth" "$nginx_url" "$registry"; do
    wrk_run "$u$p" "$WARMUP" "$CONNS" >/dev/null
  done
  bt=() nt=() rt=() br=() nr=() rr=()
  for ((r = 1; r <= RUNS; r++)); do
    for who in berth nginx registry; do
      case $who in berth) u=$berth ;; nginx) u=$nginx_url ;; registry) u=$registry ;; esac
      o=$(wrk_run "$u$p" "$DURATION" "$CONNS")
      [ "$(wrk_errors "$o")" -eq 0 ] || { echo "bench: errors from $who:" >&2; echo "$o" >&2; exit 1; }
      case $who in
        berth) bt+=("$(wrk_mib_s "$o")") br+=("$(wrk_rps "$o")") ;;
        nginx) nt+=("$(wrk_mib_s "$o")") nr+=("$(wrk_rps "$o")") ;;
        registry) rt+=("$(wrk_mib_s "$o")") rr+=("$(wrk_rps "$o")") ;;
      esac
    done
    log "$s run $r: berth ${bt[-1]} MiB/s, nginx ${nt[-1]} MiB/s, docker-registry ${rt[-1]} MiB/s"
  done
  {
    echo "$s berth MiB/s: ${bt[*]}  median $(median "${bt[@]}")  (req/s median $(median "${br[@]}"))"
    echo "$s nginx MiB/s: ${nt[*]}  median $(median "${nt[@]}")  (req/s median $(median "${nr[@]}"))"
    echo "$s docker-registry MiB/s: ${rt[*]}  median $(median "${rt[@]}")  (req/s median $(median "${rr[@]}"))"
    echo "$s ratio berth/nginx: $(ratio "$(median "${bt[@]}")" "$(median "${nt[@]}")") (target >= 0.9, aim 1.0)"
    echo "$s ratio berth/docker-registry: $(ratio "$(median "${bt[@]}")" "$(median "${rt[@]}")")"
  } | tee -a "$out"
done
log "results in $out"
