#!/usr/bin/env bash
# Benchmark (issue 3): monolithic blob push (POST an upload, PUT the whole blob with ?digest=)
# at 1 MiB and 100 MiB, Berth against Debian's docker-registry, both storing on the same disk
# (BENCH_TMP). Reported in MiB/s: CONNS concurrent pushes (aggregate) and one push at a time.
# Every round pushes new content (the first bytes of each file change), so nothing is
# deduplicated. Note: Berth fsyncs every blob before answering 201 (durability); docker-registry's
# filesystem driver does not. Target: Berth >= 300 MiB/s at 100 MiB.
#
#   bench/oci-push.sh                                  # 5 rounds, 16 concurrent pushes per size
#   RUNS=1 CONNS=2 SIZES="1MiB" bench/oci-push.sh      # quick check
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/oci-lib.sh"
need curl java docker-registry sha256sum dd
RUNS=${RUNS:-5}
CONNS=${CONNS:-16}
SIZES=${SIZES:-1MiB 100MiB}
BENCH_ARGS="RUNS=$RUNS CONNS=$CONNS SIZES='$SIZES'"
declare -A bytes=([1MiB]=1048576 [100MiB]=104857600)

bport=$(free_port)
start_berth "$BENCH_TMP/berth" "$bport" >/dev/null
berth="http://127.0.0.1:$bport"
rport=$(free_port)
start_registry "$BENCH_TMP/registry" "$rport" >/dev/null
registry="http://127.0.0.1:$rport"

# mutate FILE...: new random first 32 bytes (new digests, same sizes).
mutate() {
  local f
  for f in "$@"; do
    dd if=/dev/urandom of="$f" bs=32 count=1 conv=notrunc status=none
  done
}

# push_all BASE REPO FILE...: pushes every file concurrently; prints the wall time in seconds.
push_all() {
  local base=$1 repo=$2
  shift 2
  local pids=() f t0 t1 p fail=0
  t0=$(now_s)
  for f in "$@"; do
    push_blob "$base" "$repo" "$f" "$(cat "$f.digest")" >/dev/null &
    pids+=($!)
  done
  for p in "${pids[@]}"; do
    wait "$p" || fail=1
  done
  t1=$(now_s)
  [ "$fail" -eq 0 ] || { echo "bench: a push to $base failed" >&2; exit 1; }
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f\n", b - a}'
}

mib_s() { awk -v n="$1" -v b="$2" -v s="$3" 'BEGIN {printf "%.1f\n", n * b / 1048576 / s}'; }

out=$(results_file oci-push)
oci_versions "$out"
echo "benchmark: monolithic blob push (POST + PUT ?digest=), $CONNS concurrent and single, median of $RUNS" | tee -a "$out"
for s in $SIZES; do
  [ -n "${bytes[$s]:-}" ] || { echo "bench: unknown size $s" >&2; exit 2; }
  dir="$BENCH_TMP/push/$s"
  repo="bench/push-$(echo "$s" | tr 'A-Z' 'a-z')"
  mkdir -p "$dir"
  files=()
  for ((i = 0; i < CONNS; i++)); do
    rand_file "$dir/f$i" "${bytes[$s]}"
    files+=("$dir/f$i")
  done
  log "$s: warm-up"
  for f in "${files[@]}"; do sha256_of "$f" >"$f.digest"; done
  push_all "$berth" warm "${files[@]}" >/dev/null
  push_all "$registry" warm "${files[@]}" >/dev/null
  bc=() rc=() b1=() r1=()
  for ((r = 1; r <= RUNS; r++)); do
    mutate "${files[@]}"
    for f in "${files[@]}"; do sha256_of "$f" >"$f.digest"; done
    t=$(push_all "$berth" "$repo" "${files[@]}")
    bc+=("$(mib_s "$CONNS" "${bytes[$s]}" "$t")")
    t=$(push_all "$registry" "$repo" "${files[@]}")
    rc+=("$(mib_s "$CONNS" "${bytes[$s]}" "$t")")
    mutate "${files[0]}"
    sha256_of "${files[0]}" >"${files[0]}.digest"
    t=$(push_all "$berth" "$repo-single" "${files[0]}")
    b1+=("$(mib_s 1 "${bytes[$s]}" "$t")")
    t=$(push_all "$registry" "$repo-single" "${files[0]}")
    r1+=("$(mib_s 1 "${bytes[$s]}" "$t")")
    log "$s run $r: c=$CONNS berth ${bc[-1]} MiB/s docker-registry ${rc[-1]} MiB/s; c=1 berth ${b1[-1]} MiB/s docker-registry ${r1[-1]} MiB/s"
  done
  {
    echo "$s c=$CONNS berth MiB/s: ${bc[*]}  median $(median "${bc[@]}")"
    echo "$s c=$CONNS docker-registry MiB/s: ${rc[*]}  median $(median "${rc[@]}")"
    echo "$s c=$CONNS ratio berth/docker-registry: $(ratio "$(median "${bc[@]}")" "$(median "${rc[@]}")")"
    echo "$s c=1 berth MiB/s: ${b1[*]}  median $(median "${b1[@]}")"
    echo "$s c=1 docker-registry MiB/s: ${r1[*]}  median $(median "${r1[@]}")"
    echo "$s c=1 ratio berth/docker-registry: $(ratio "$(median "${b1[@]}")" "$(median "${r1[@]}")")"
  } | tee -a "$out"
  rm -rf "$dir"
done
echo "target: berth >= 300 MiB/s at 100 MiB" | tee -a "$out"
log "results in $out"
