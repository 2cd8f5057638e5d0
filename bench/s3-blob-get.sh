#!/usr/bin/env bash
# Blob GET through Berth on the S3 backend vs GET directly from S3Proxy for the same objects
# (64 KiB and 1 MiB, c=16, wrk), as a GOPROXY .zip and as an OCI blob (/v2/<name>/blobs/<digest>),
# and push throughput at 100 MiB (Go publish of a module zip, OCI monolithic blob push).
# Target: GET through Berth >= 0.9x S3Proxy direct.
#
# Starts its own S3Proxy (filesystem backend, authorization none so wrk can GET objects
# directly) and a Berth node with storage.type=s3 on loopback ports, warms both up, runs each
# measurement RUNS times and reports the median. The zip and the OCI blob are the same bytes, so
# both paths serve the same object of the bucket.
#
# Usage: bench/s3-blob-get.sh            (defaults: RUNS=5 DURATION=20s CONNECTIONS=16)
#        RUNS=1 DURATION=2s PUSH_MIB=8 bench/s3-blob-get.sh   (quick check that it works)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS=${RUNS:-5}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-4}
PUSH_MIB=${PUSH_MIB:-100}
out="${OUT:-$root/bench/results/s3-blob-get-$(date -u +%Y%m%dT%H%M%SZ).txt}"
mkdir -p "$(dirname "$out")"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
command -v zip >/dev/null || { echo "zip is required (apt-get install zip)" >&2; exit 1; }

echo "building the node and resolving the S3Proxy class path..." >&2
(cd "$root" && mvn -q -B -ntp -DskipTests -Dspotless.check.skip=true -pl registry-node -am package >&2)
(cd "$root/registry-node" && mvn -q -B -ntp dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$work/cp.txt" >&2)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done; echo "no answer from $1" >&2; exit 1; }

s3port=$(free_port)
mkdir -p "$work/s3data"
cat > "$work/s3proxy.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$s3port
s3proxy.authorization=none
jclouds.provider=filesystem
jclouds.filesystem.basedir=$work/s3data
jclouds.identity=bench
jclouds.credential=bench
PROPS
java -Xmx1g -cp "$(cat "$work/cp.txt")" org.gaul.s3proxy.Main --properties "$work/s3proxy.properties" \
  > "$work/s3proxy.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$s3port/"

port=$(free_port)
BERTH_STORAGE_TYPE=s3 BERTH_STORAGE_S3_ENDPOINT="http://127.0.0.1:$s3port" \
BERTH_STORAGE_S3_BUCKET=bench BERTH_STORAGE_S3_ACCESS_KEY=bench BERTH_STORAGE_S3_SECRET_KEY=bench \
BERTH_GO_UPSTREAMS=off BERTH_GO_PRIVATE_PATTERNS=bench.example.com BERTH_HTTP_ACCESS_LOG=false \
BERTH_HTTP_HOST=127.0.0.1 BERTH_NODE_ID=bench-node \
  java -Xmx1g -jar "$root/registry-node/target/berth-node.jar" serve --port "$port" \
  --data-dir "$work/node" > "$work/node.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$port/healthz"
berth="http://127.0.0.1:$port"

# module zip with one file of $2 random bytes; prints the zip path
make_zip() {
  local module=$1 size=$2 version=$3 dir="$work/src/$1-$3"
  mkdir -p "$dir/$module@$version"
  printf 'module %s\n' "$module" > "$dir/$module@$version/go.mod"
  head -c "$size" /dev/urandom > "$dir/$module@$version/data.bin"
  (cd "$dir" && zip -q -0 -r "$dir.zip" "$module@$version")
  echo "$dir.zip"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
rps() { wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$1" | awk '/Requests\/sec/ {print $2}'; }

{
  echo "# s3-blob-get $(date -u +%FT%TZ)"
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "settings: runs=$RUNS duration=$DURATION connections=$CONNECTIONS threads=$THREADS"
} | tee "$out"

for size in 65536 1048576; do
  module="bench.example.com/get$size"
  zip=$(make_zip "$module" "$size" v1.0.0)
  code=$(curl -s -o /dev/null -w '%{http_code}' -T "$zip" \
    "$berth/_berth/api/go/publish/$module/@v/v1.0.0.zip")
  [ "$code" = 201 ] || { echo "publish failed: $code" >&2; exit 1; }
  hex=$(sha256sum "$zip" | cut -d' ' -f1)
  via_berth="$berth/$module/@v/v1.0.0.zip"
  direct="http://127.0.0.1:$s3port/bench/blobs/sha256/$hex"
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary "@$zip" \
    -H 'Content-Type: application/octet-stream' \
    "$berth/v2/bench/get$size/blobs/uploads/?digest=sha256:$hex")
  [ "$code" = 201 ] || { echo "OCI blob push failed: $code" >&2; exit 1; }
  via_oci="$berth/v2/bench/get$size/blobs/sha256:$hex"
  cmp <(curl -s "$via_berth") "$zip" && cmp <(curl -s "$via_oci") "$zip" \
    && cmp <(curl -s "$direct") "$zip"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d5s "$via_berth" >/dev/null
  wrk -t"$THREADS" -c"$CONNECTIONS" -d5s "$via_oci" >/dev/null
  wrk -t"$THREADS" -c"$CONNECTIONS" -d5s "$direct" >/dev/null
  b=(); o=(); d=()
  for _ in $(seq 1 "$RUNS"); do
    b+=("$(rps "$via_berth")"); o+=("$(rps "$via_oci")"); d+=("$(rps "$direct")")
  done
  mb=$(printf '%s\n' "${b[@]}" | median); mo=$(printf '%s\n' "${o[@]}" | median)
  md=$(printf '%s\n' "${d[@]}" | median)
  ratio=$(awk -v x="$mb" -v y="$md" 'BEGIN {printf "%.2f", x/y}')
  ratio_oci=$(awk -v x="$mo" -v y="$md" 'BEGIN {printf "%.2f", x/y}')
  echo "GET $((size / 1024)) KiB c=$CONNECTIONS: berth goproxy ${mb} req/s (runs: ${b[*]}), berth oci ${mo} req/s (runs: ${o[*]}), s3proxy direct ${md} req/s (runs: ${d[*]}), ratio goproxy ${ratio} oci ${ratio_oci} (target >= 0.90)" | tee -a "$out"
done

module="bench.example.com/push"
t=()
for i in $(seq 1 "$RUNS"); do
  zip=$(make_zip "$module" $((PUSH_MIB * 1048576)) "v1.0.$i")
  bytes=$(stat -c %s "$zip")
  s=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -T "$zip" \
    "$berth/_berth/api/go/publish/$module/@v/v1.0.$i.zip")
  [ "${s%% *}" = 201 ] || { echo "push failed: $s" >&2; exit 1; }
  t+=("$(awk -v b="$bytes" -v s="${s##* }" 'BEGIN {printf "%.1f", b/1048576/s}')")
  rm -f "$zip"
done
echo "push ${PUSH_MIB} MiB zip (publish, stored in S3): median $(printf '%s\n' "${t[@]}" | median) MiB/s (runs: ${t[*]})" | tee -a "$out"

t=()
for i in $(seq 1 "$RUNS"); do
  blob="$work/blob-$i.bin"
  head -c $((PUSH_MIB * 1048576)) /dev/urandom > "$blob"
  hex=$(sha256sum "$blob" | cut -d' ' -f1)
  s=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -X POST --data-binary "@$blob" \
    -H 'Content-Type: application/octet-stream' \
    "$berth/v2/bench/push/blobs/uploads/?digest=sha256:$hex")
  [ "${s%% *}" = 201 ] || { echo "OCI push failed: $s" >&2; exit 1; }
  t+=("$(awk -v b=$((PUSH_MIB * 1048576)) -v s="${s##* }" 'BEGIN {printf "%.1f", b/1048576/s}')")
  rm -f "$blob"
done
echo "push ${PUSH_MIB} MiB OCI blob (monolithic POST ?digest=, multipart to its final key): median $(printf '%s\n' "${t[@]}" | median) MiB/s (runs: ${t[*]})" | tee -a "$out"
echo "results written to $out" >&2
