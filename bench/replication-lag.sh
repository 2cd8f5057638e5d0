#!/usr/bin/env bash
# Replication lag benchmark (issue 6) - SKELETON.
#
# Measures "publish acknowledged in region A -> readable in region B" for Go modules:
#   1. steady: RATE publishes/s for SECONDS seconds (target: p99 <= 100 ms for small artifacts)
#   2. burst:  BURST publishes at once, CONCURRENCY in flight
#   3. large:  LARGE_COUNT modules of LARGE_MIB MiB (target: p99 <= 1.5 s for 100 MiB)
# and prints p50/p99/max per scenario (median of RUNS runs).
#
# It needs a running two-region cluster with a replicator linking A -> B; until deploy/local/
# exists (it needs the S3 and OCI work), start one by hand (see README "Replication") and pass:
#   A_URL=http://127.0.1.1:8080 B_URL=http://127.0.2.1:8080 [REPLICATOR_URL=http://127.0.0.1:9400]
# OCI images (1 MiB at 10/s, 100-image burst, 100 MiB images) and the catch-up time after a 60 s
# outage of B are added once deploy/local/ can start and stop regions (pending).
#
# Usage: bench/replication-lag.sh [--short]
set -euo pipefail
: "${A_URL:?set A_URL to a node of region A}"
: "${B_URL:?set B_URL to a node of region B}"
RATE=${RATE:-10}
SECONDS_STEADY=${SECONDS_STEADY:-30}
BURST=${BURST:-100}
CONCURRENCY=${CONCURRENCY:-16}
LARGE_MIB=${LARGE_MIB:-100}
LARGE_COUNT=${LARGE_COUNT:-5}
RUNS=${RUNS:-5}
if [ "${1:-}" = "--short" ]; then
  SECONDS_STEADY=3 BURST=10 LARGE_MIB=5 LARGE_COUNT=1 RUNS=1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
run_id="$(date +%s)"

now_ms() { date +%s%3N; }

# make_zip <module> <version> <extra MiB> -> path of a module zip
make_zip() {
  local module="$1" version="$2" mib="$3" d="$work/src/$1@$2"
  mkdir -p "$d"
  printf 'module %s\n\ngo 1.19\n' "$module" >"$d/go.mod"
  printf 'package lib\n\nconst V = "%s"\n' "$version" >"$d/lib.go"
  if [ "$mib" -gt 0 ]; then head -c "$((mib << 20))" /dev/urandom >"$d/data.bin"; fi
  (cd "$work/src" && zip -qrD "$work/$(echo "$module" | tr / _)@$version.zip" "$module@$version")
  echo "$work/$(echo "$module" | tr / _)@$version.zip"
}

# one <module> <version> <zip>: publish to A, poll B until served; prints the lag in ms
one() {
  local module="$1" version="$2" zip="$3"
  curl -sf -o /dev/null -X PUT --data-binary "@$zip" \
    "$A_URL/_berth/api/go/publish/$module/@v/$version.zip"
  local t0; t0=$(now_ms)
  until curl -sf -o /dev/null "$B_URL/$module/@v/$version.info"; do sleep 0.005; done
  echo $(($(now_ms) - t0))
}

stats() { # reads ms values on stdin -> "p50 p99 max"
  sort -n | awk '{v[NR]=$1} END {if (NR==0) {print "- - -"; exit}
    p50=v[int((NR-1)*0.50)+1]; p99=v[int((NR-1)*0.99)+1]; print p50, p99, v[NR]}'
}

report() { # <name> <file of "p50 p99 max" lines, one per run>
  local name="$1" f="$2"
  echo "$name: p50/p99/max ms (median of $(wc -l <"$f") runs): $(awk '{print $1}' "$f" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}') / $(awk '{print $2}' "$f" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}') / $(awk '{print $3}' "$f" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB; A=$A_URL B=$B_URL"
echo "warm-up..."
for i in $(seq 1 20); do one "bench.example.com/warm$run_id" "v0.0.$i" "$(make_zip "bench.example.com/warm$run_id" "v0.0.$i" 0)" >/dev/null; done

for run in $(seq 1 "$RUNS"); do
  m="bench.example.com/steady$run_id-$run"
  n=$((RATE * SECONDS_STEADY))
  for i in $(seq 1 "$n"); do make_zip "$m" "v1.0.$i" 0 >/dev/null; done
  : >"$work/steady.ms"
  for i in $(seq 1 "$n"); do
    one "$m" "v1.0.$i" "$work/$(echo "$m" | tr / _)@v1.0.$i.zip" >>"$work/steady.ms" &
    sleep "$(awk "BEGIN{print 1/$RATE}")"
  done
  wait
  stats <"$work/steady.ms" >>"$work/steady.runs"

  m="bench.example.com/burst$run_id-$run"
  for i in $(seq 1 "$BURST"); do make_zip "$m" "v1.0.$i" 0 >/dev/null; done
  seq 1 "$BURST" | xargs -P "$CONCURRENCY" -I{} bash -c "$(declare -f one now_ms); A_URL=$A_URL B_URL=$B_URL one $m v1.0.{} $work/$(echo "$m" | tr / _)@v1.0.{}.zip" >"$work/burst.ms"
  stats <"$work/burst.ms" >>"$work/burst.runs"

  m="bench.example.com/large$run_id-$run"
  : >"$work/large.ms"
  for i in $(seq 1 "$LARGE_COUNT"); do
    one "$m" "v1.0.$i" "$(make_zip "$m" "v1.0.$i" "$LARGE_MIB")" >>"$work/large.ms"
  done
  stats <"$work/large.ms" >>"$work/large.runs"
done

report "steady ${RATE}/s small modules" "$work/steady.runs"
report "burst of $BURST small modules (c=$CONCURRENCY)" "$work/burst.runs"
report "large ${LARGE_MIB} MiB modules" "$work/large.runs"
if [ -n "${REPLICATOR_URL:-}" ]; then
  echo "replicator status:"; curl -sf "$REPLICATOR_URL/status" || true; echo
fi
