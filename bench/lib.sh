#!/usr/bin/env bash
# Shared helpers for the benchmark scripts (source it: `. "$(dirname "$0")/lib.sh"`).
# Starts a Berth node from the built jar, starts nginx on a directory, waits for ports,
# computes medians, parses wrk output and writes a results file with the machine details.
# Every process started here is stopped by the EXIT trap (bench_cleanup).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
BERTH_JAR="$REPO_ROOT/registry-node/target/berth-node.jar"
BENCH_PIDS=()
BENCH_TMP="$(mktemp -d "${TMPDIR:-/tmp}/berth-bench.XXXXXX")"

bench_cleanup() {
  local pid
  for pid in "${BENCH_PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${BENCH_PIDS[@]:-}"; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  done
  rm -rf "$BENCH_TMP"
}
trap bench_cleanup EXIT

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# need CMD... : fails with a clear message when a command is missing.
need() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || {
      echo "bench: '$c' is required (apt-get install -y $c)" >&2
      exit 2
    }
  done
}

# build_berth: builds the node jar when it is missing.
build_berth() {
  if [ ! -f "$BERTH_JAR" ]; then
    log "building $BERTH_JAR"
    (cd "$REPO_ROOT" && mvn -q -B -ntp -DskipTests -Dspotless.check.skip=true -pl registry-node -am package >&2)
  fi
}

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
}

# wait_port PORT [TIMEOUT_SECONDS]: waits until 127.0.0.1:PORT accepts connections.
wait_port() {
  local port=$1 timeout=${2:-60} i
  for ((i = 0; i < timeout * 10; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "bench: nothing listens on 127.0.0.1:$port after ${timeout}s" >&2
  return 1
}

# start_berth DATA_DIR PORT [NAME=VALUE...]: starts a node from the jar (extra BERTH_* env
# allowed), waits for /healthz and prints its pid. Upstreams are off and access logs are off
# unless overridden.
start_berth() {
  local data=$1 port=$2
  shift 2
  build_berth
  mkdir -p "$data"
  env BERTH_HTTP_HOST=127.0.0.1 BERTH_HTTP_ACCESS_LOG=false BERTH_GO_UPSTREAMS=off \
    BERTH_NODE_ID=bench BERTH_GO_PUBLISH_PATTERNS='*' "$@" \
    java ${BERTH_JAVA_OPTS:--Xmx2g} -jar "$BERTH_JAR" serve --port "$port" --data-dir "$data" \
    >"$data/node.log" 2>&1 &
  local pid=$!
  BENCH_PIDS+=("$pid")
  wait_port "$port" 120
  local i
  for ((i = 0; i < 600; i++)); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
  done
  echo "$pid"
}

# start_nginx ROOT_DIR PORT: serves ROOT_DIR as static files (sendfile on) from a config written
# into a temp dir, run as the current user; prints its pid.
start_nginx() {
  local root=$1 port=$2 dir
  need nginx
  dir="$(mktemp -d "$BENCH_TMP/nginx.XXXXXX")"
  mkdir -p "$dir/tmp" "$dir/logs"
  local user_line=""
  [ "$(id -u)" -eq 0 ] && user_line="user root;"
  cat >"$dir/nginx.conf" <<CONF
$user_line
worker_processes auto;
daemon off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 10000000;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  types { application/json info; text/plain mod; application/zip zip; }
  default_type text/plain;
  server {
    listen 127.0.0.1:$port;
    root $root;
    location / { try_files \$uri =404; }
  }
}
CONF
  local bin
  bin="$(command -v nginx || echo /usr/sbin/nginx)"
  "$bin" -e "$dir/logs/error.log" -p "$dir" -c "$dir/nginx.conf" >"$dir/logs/stdout.log" 2>&1 &
  local pid=$!
  BENCH_PIDS+=("$pid")
  wait_port "$port" 30
  echo "$pid"
}

# median NUMBER...: prints the median.
median() {
  printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.6f\n", (a[NR/2]+a[NR/2+1])/2}'
}

# ratio A B: prints A/B with 3 decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f\n", (b == 0 ? 0 : a / b)}'; }

# now_s: seconds since the epoch with nanoseconds.
now_s() { date +%s.%N; }

# wrk_run URL_OR_BASE DURATION CONNECTIONS [LUA_SCRIPT]: runs wrk with latency stats and prints
# its output.
wrk_run() {
  local url=$1 dur=$2 conns=$3 script=${4:-}
  need wrk
  local threads=2
  # WRK_TIMEOUT (optional): wrk's per-request timeout (its default, 2s, is too short for 100 MiB
  # bodies at c=16 on a loaded machine; a timeout counts as an error)
  local timeout=()
  [ -n "${WRK_TIMEOUT:-}" ] && timeout=(--timeout "$WRK_TIMEOUT")
  if [ -n "$script" ]; then
    wrk -t"$threads" -c"$conns" -d"$dur" "${timeout[@]}" --latency -s "$script" "$url"
  else
    wrk -t"$threads" -c"$conns" -d"$dur" "${timeout[@]}" --latency "$url"
  fi
}

# wrk_rps OUTPUT: requests per second.
wrk_rps() { awk '/^Requests\/sec:/ {print $2}' <<<"$1"; }

# wrk_p99_ms OUTPUT: the 99th percentile latency in milliseconds.
wrk_p99_ms() {
  awk '$1 == "99%" {v=$2; u=v; gsub(/[0-9.]/, "", u); sub(/[a-z]+$/, "", v);
       f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1;
       printf "%.3f\n", v * f}' <<<"$1"
}

# wrk_mib_s OUTPUT: transfer rate in MiB/s.
wrk_mib_s() {
  awk '/^Transfer\/sec:/ {v=$2; u=v; gsub(/[0-9.]/, "", u); sub(/[A-Za-z]+$/, "", v);
       f = (u == "B") ? 1/1048576 : (u == "KB") ? 1/1024 : (u == "MB") ? 1 : (u == "GB") ? 1024 : 1;
       printf "%.1f\n", v * f}' <<<"$1"
}

# wrk_errors OUTPUT: non-2xx/3xx responses plus socket errors (0 when none).
wrk_errors() {
  awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} END {print n + 0}' <<<"$1"
}

# results_file NAME: creates bench/results/NAME-<timestamp>.txt with the machine details and
# prints its path.
results_file() {
  local name=$1 dir="$BENCH_DIR/results"
  mkdir -p "$dir"
  local f
  f="$dir/$name-$(date -u +%Y%m%dT%H%M%SZ).txt"
  {
    echo "# $name"
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "command: $0 ${BENCH_ARGS:-}"
    echo "git: $(cd "$REPO_ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "cpu: $(nproc) x $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ *//')"
    echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "java: $(java -version 2>&1 | head -1)"
    echo "nginx: $( (nginx -v || /usr/sbin/nginx -v) 2>&1 | head -1)"
    command -v go >/dev/null && echo "go: $(go version)"
    command -v wrk >/dev/null && echo "wrk: $(wrk -v 2>&1 | head -1)"
    echo
  } >"$f"
  echo "$f"
}
