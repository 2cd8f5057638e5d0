#!/usr/bin/env bash
# Benchmark (issue 3): `skopeo copy` time of a 1 MiB and a 100 MiB image (one uncompressed tar
# layer of random bytes, built as an OCI layout), pushed into and pulled back out of Berth and
# Debian's docker-registry, median of RUNS. Every run builds a new image (new random layer), so
# skopeo really uploads it (with known blobs it would mount them from another repository instead);
# each pull goes to a fresh OCI layout directory. Target: Berth no slower than docker-registry
# (ratio <= 1.0).
#
# Before measuring, each registry gets WARMUP (20) pushes and pulls of small (1 MiB) images, the
# same for both, so a just-started JVM's interpreted code paths are not what is measured: a
# registry is a long-running server (bench rule: warm up the JVM first).
#
#   bench/oci-skopeo.sh                            # 5 runs per size, direction and registry
#   RUNS=1 WARMUP=2 SIZES="1MiB" bench/oci-skopeo.sh   # quick check
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/oci-lib.sh"
need curl java docker-registry skopeo tar sha256sum
RUNS=${RUNS:-5}
WARMUP=${WARMUP:-20}
SIZES=${SIZES:-1MiB 100MiB}
BENCH_ARGS="RUNS=$RUNS WARMUP=$WARMUP SIZES='$SIZES'"
declare -A bytes=([1MiB]=1048576 [100MiB]=104857600)

bport=$(free_port)
start_berth "$BENCH_TMP/berth" "$bport" >/dev/null
rport=$(free_port)
start_registry "$BENCH_TMP/registry" "$rport" >/dev/null
declare -A host=([berth]="127.0.0.1:$bport" [registry]="127.0.0.1:$rport")
mkdir -p "$BENCH_TMP/skopeo/home" "$BENCH_TMP/skopeo/run" "$BENCH_TMP/skopeo/tmp"

sk() {
  env HOME="$BENCH_TMP/skopeo/home" XDG_RUNTIME_DIR="$BENCH_TMP/skopeo/run" \
    skopeo --insecure-policy --tmpdir "$BENCH_TMP/skopeo/tmp" "$@" >/dev/null 2>"$BENCH_TMP/skopeo/err" || {
    echo "bench: skopeo $* failed:" >&2
    cat "$BENCH_TMP/skopeo/err" >&2
    exit 1
  }
}

# timed CMD...: runs CMD, prints its wall time in seconds.
timed() {
  local t0 t1
  t0=$(now_s)
  "$@"
  t1=$(now_s)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}'
}

push() { sk copy --dest-tls-verify=false "oci:$1:v1" "docker://$2/$3:v1"; }
pull() {
  rm -rf "$3"
  sk copy --src-tls-verify=false "docker://$1/$2:v1" "oci:$3:v1"
}

log "warm-up: $WARMUP pushes and pulls of 1 MiB images into each registry"
for ((w = 1; w <= WARMUP; w++)); do
  rm -rf "$BENCH_TMP/layout-warm"
  make_layout "$BENCH_TMP/layout-warm" 1048576 v1
  for who in berth registry; do
    push "$BENCH_TMP/layout-warm" "${host[$who]}" "bench/warm-$w"
    pull "${host[$who]}" "bench/warm-$w" "$BENCH_TMP/pulled"
  done
done
rm -rf "$BENCH_TMP/layout-warm"

out=$(results_file oci-skopeo)
oci_versions "$out"
echo "benchmark: skopeo copy time (s), push oci: -> docker:// and pull docker:// -> oci:, median of $RUNS, after $WARMUP warm-up copies each" | tee -a "$out"
for s in $SIZES; do
  [ -n "${bytes[$s]:-}" ] || { echo "bench: unknown size $s" >&2; exit 2; }
  layout="$BENCH_TMP/layout-$s"
  name="bench/img-$(echo "$s" | tr 'A-Z' 'a-z')"
  log "$s: warm-up"
  rm -rf "$layout"
  make_layout "$layout" "${bytes[$s]}" v1
  for who in berth registry; do
    push "$layout" "${host[$who]}" "$name-warm"
    pull "${host[$who]}" "$name-warm" "$BENCH_TMP/pulled"
  done
  bp=() rp=() bl=() rl=()
  for ((r = 1; r <= RUNS; r++)); do
    rm -rf "$layout"
    make_layout "$layout" "${bytes[$s]}" v1
    bp+=("$(timed push "$layout" "${host[berth]}" "$name-$r")")
    rp+=("$(timed push "$layout" "${host[registry]}" "$name-$r")")
    bl+=("$(timed pull "${host[berth]}" "$name-$r" "$BENCH_TMP/pulled")")
    rl+=("$(timed pull "${host[registry]}" "$name-$r" "$BENCH_TMP/pulled")")
    log "$s run $r: push berth ${bp[-1]}s docker-registry ${rp[-1]}s; pull berth ${bl[-1]}s docker-registry ${rl[-1]}s"
  done
  {
    echo "$s push berth s: ${bp[*]}  median $(median "${bp[@]}")"
    echo "$s push docker-registry s: ${rp[*]}  median $(median "${rp[@]}")"
    echo "$s push ratio berth/docker-registry: $(ratio "$(median "${bp[@]}")" "$(median "${rp[@]}")") (target <= 1.0)"
    echo "$s pull berth s: ${bl[*]}  median $(median "${bl[@]}")"
    echo "$s pull docker-registry s: ${rl[*]}  median $(median "${rl[@]}")"
    echo "$s pull ratio berth/docker-registry: $(ratio "$(median "${bl[@]}")" "$(median "${rl[@]}")") (target <= 1.0)"
  } | tee -a "$out"
  rm -rf "$layout" "$BENCH_TMP/pulled"
done
log "results in $out"
