#!/usr/bin/env bash
# DNS load and failover benchmark for the coordinator (issue 7).
#
#   bench/dns-load.sh                      # headline: 5 runs x 20 s, 16 clients
#   RUNS=1 DURATION=3 bench/dns-load.sh    # short smoke run
#
# Starts a local cluster on loopback only: ZooKeeper (from the coordinator's lib/), four registry
# nodes (region a on 127.0.1.2/3, region b on 127.0.2.2/3), one coordinator; and as the peer an
# authoritative BIND (named) serving a static zone with the same names, measured in the same run.
# 1. queries/s and latency percentiles with dnsperf (Debian package) on a steady table, for the
#    coordinator and for named, median of RUNS runs after a warm-up;
# 2. failover: kill -9 a region-a node, time until the coordinator's answers for region a stop
#    naming it (median of RUNS kills; the node is restarted between runs).
# Targets: >= 30k qps with p99 <= 1 ms; failover <= 3 s. Results go to bench/results/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-5}"
DURATION="${DURATION:-20}"
CLIENTS="${CLIENTS:-16}"
OUTSTANDING="${OUTSTANDING:-200}"
PEER="${PEER:-1}"
TARGET_QPS="${TARGET_QPS:-30000}"
work="$(mktemp -d /tmp/berth-dns-bench.XXXXXX)"
mkdir -p "$root/bench/results"
result="$root/bench/results/dns-load-$(date -u +%Y%m%dT%H%M%SZ).txt"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

need=()
command -v dnsperf >/dev/null || need+=(dnsperf)
command -v dig >/dev/null || need+=(bind9-dnsutils)
if [ "$PEER" = 1 ] && [ ! -x /usr/sbin/named ]; then need+=(bind9); fi
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "dns-load: building (mvn package)..." >&2
(cd "$root" && mvn -q -B -ntp -DskipTests -Dspotless.check.skip=true -pl registry-node,coordinator -am package >&2)
node_jar="$root/registry-node/target/berth-node.jar"
coord_jar="$root/coordinator/target/berth-coordinator.jar"

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 300); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done; echo "not up: $1" >&2; return 1; }

zk_port="$(free_port)"
mkdir -p "$work/zk"
# ZooKeeper server from the coordinator's test class path (zookeeper + metrics-core via curator-test)
(cd "$root" && mvn -q -B -ntp -pl coordinator dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$work/zk.cp" >&2)
java -cp "$(cat "$work/zk.cp")" -Dzookeeper.admin.enableServer=false org.apache.zookeeper.server.ZooKeeperServerMain \
  "$zk_port" "$work/zk" >"$work/zk.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do (echo ruok | timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$zk_port; cat >&3; cat <&3" 2>/dev/null | grep -q imok) && break; sleep 0.2; done

declare -A node_pid node_port
start_node() { # id region ip
  local id=$1 region=$2 ip=$3 port
  port="${node_port[$id]:-$(free_port)}"
  node_port[$id]=$port
  BERTH_NODE_ID=$id BERTH_NODE_REGION=$region BERTH_HTTP_HOST=$ip BERTH_HTTP_ACCESS_LOG=false \
  BERTH_CLUSTER_ZOOKEEPER=127.0.0.1:$zk_port BERTH_CLUSTER_SESSION_TIMEOUT_MS=4000 BERTH_GO_UPSTREAMS=off \
    java -Xmx256m -XX:+UseSerialGC -jar "$node_jar" serve --port "$port" --data-dir "$work/$id" \
    >"$work/$id.log" 2>&1 &
  node_pid[$id]=$!
  pids+=($!)
  wait_http "http://$ip:$port/healthz"
}
start_node a1 a 127.0.1.2
start_node a2 a 127.0.1.3
start_node b1 b 127.0.2.2
start_node b2 b 127.0.2.3

dns_port="$(free_port)"; http_port="$(free_port)"
cat >"$work/coord.yaml" <<YAML
coordinator: {id: bench-c1, region: ""}
zookeeper: {connect: "127.0.0.1:$zk_port", sessionTimeoutMs: 4000}
http: {host: 127.0.0.1, port: $http_port}
grpc: {port: -1}
dns: {host: 127.0.0.1, port: $dns_port, zone: berth.bench., names: [go, oci], ttlSeconds: 5, maxAnswers: 2, nameservers: ["ns1=127.0.0.1"], udpThreads: 2}
networks:
  - {name: net-a, cidrs: [127.0.1.0/24], region: a}
  - {name: net-b, cidrs: [127.0.2.0/24], region: b}
YAML
java -Xmx512m -XX:+UseParallelGC -jar "$coord_jar" coordinator --config "$work/coord.yaml" >"$work/coord.log" 2>&1 &
coord_pid=$!
pids+=($coord_pid)
wait_http "http://127.0.0.1:$http_port/healthz"
for _ in $(seq 1 150); do
  [ "$(dig @127.0.0.1 -p "$dns_port" -b 127.0.1.50 +short go.berth.bench A | wc -l)" -eq 2 ] && break; sleep 0.2
done

peer_port=""
if [ "$PEER" = 1 ]; then
  peer_port="$(free_port)"
  mkdir -p "$work/named"
  cat >"$work/named/zone" <<ZONE
\$TTL 5
@ IN SOA ns1 hostmaster 1 60 30 3600 5
@ IN NS ns1
ns1 IN A 127.0.0.1
go IN A 127.0.1.2
go IN A 127.0.1.3
oci IN A 127.0.1.2
oci IN A 127.0.1.3
ZONE
  cat >"$work/named/named.conf" <<CONF
options { directory "$work/named"; listen-on port $peer_port { 127.0.0.1; }; listen-on-v6 { none; };
  recursion no; pid-file "$work/named/pid"; session-keyfile "$work/named/key"; };
zone "berth.bench" { type primary; file "$work/named/zone"; };
CONF
  /usr/sbin/named -g -u "$(id -un)" -c "$work/named/named.conf" -n 2 >"$work/named.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do dig @127.0.0.1 -p "$peer_port" +short go.berth.bench A >/dev/null 2>&1 && break; sleep 0.2; done
fi

printf 'go.berth.bench A\noci.berth.bench A\n' >"$work/queries"

# one dnsperf run; prints "qps p50_ms p99_ms" (latencies from dnsperf -v, one line per query)
perf() { # port seconds [max qps]
  local rate=()
  [ -n "${3:-}" ] && rate=(-Q "$3")
  dnsperf -s 127.0.0.1 -p "$1" -d "$work/queries" -l "$2" -c "$CLIENTS" -q "$OUTSTANDING" "${rate[@]}" -v \
    >"$work/perf.out" 2>/dev/null || true
  local qps n p50 p99
  qps=$(awk '/Queries per second:/{print $4}' "$work/perf.out")
  awk '/^> /{print $NF}' "$work/perf.out" | sort -g >"$work/lat"
  n=$(wc -l <"$work/lat")
  p50=$(awk -v n="$n" 'NR==int(n*0.50)+1{printf "%.3f", $1*1000; exit}' "$work/lat")
  p99=$(awk -v n="$n" 'NR==int(n*0.99)+1{printf "%.3f", $1*1000; exit}' "$work/lat")
  echo "${qps:-0} ${p50:-0} ${p99:-0}"
}
median() { sort -n | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }

echo "dns-load: warm-up..." >&2
perf "$dns_port" 5 >/dev/null
[ -n "$peer_port" ] && perf "$peer_port" 2 >/dev/null

# saturation (no rate limit): queries/s; then latency at the target rate (-Q $TARGET_QPS)
declare -a c_qps c_p50 c_p99 p_qps p_p50 p_p99 c_rp50 c_rp99 p_rp99
for i in $(seq 1 "$RUNS"); do
  read -r q p5 p9 < <(perf "$dns_port" "$DURATION"); c_qps+=("$q"); c_p50+=("$p5"); c_p99+=("$p9")
  echo "run $i coordinator: $q qps p50 ${p5}ms p99 ${p9}ms (saturated)" >&2
  read -r q p5 p9 < <(perf "$dns_port" "$DURATION" "$TARGET_QPS"); c_rp50+=("$p5"); c_rp99+=("$p9")
  echo "run $i coordinator: $q qps p50 ${p5}ms p99 ${p9}ms (at -Q $TARGET_QPS)" >&2
  if [ -n "$peer_port" ]; then
    read -r q p5 p9 < <(perf "$peer_port" "$DURATION"); p_qps+=("$q"); p_p50+=("$p5"); p_p99+=("$p9")
    echo "run $i named:       $q qps p50 ${p5}ms p99 ${p9}ms (saturated)" >&2
    read -r q p5 p9 < <(perf "$peer_port" "$DURATION" "$TARGET_QPS"); p_rp99+=("$p9")
    echo "run $i named:       $q qps p50 ${p5}ms p99 ${p9}ms (at -Q $TARGET_QPS)" >&2
  fi
done

# failover: node death -> changed answers
declare -a fail_ms
for i in $(seq 1 "$RUNS"); do
  for _ in $(seq 1 150); do
    dig @127.0.0.1 -p "$dns_port" -b 127.0.1.50 +short go.berth.bench A | grep -qx 127.0.1.2 && break; sleep 0.2
  done
  t0=$(date +%s%N)
  kill -9 "${node_pid[a1]}"
  while dig @127.0.0.1 -p "$dns_port" -b 127.0.1.50 +short +time=1 go.berth.bench A | grep -qx 127.0.1.2; do
    sleep 0.02
    [ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 30000 ] && break
  done
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  fail_ms+=("$ms")
  echo "failover run $i: ${ms} ms" >&2
  start_node a1 a 127.0.1.2
done

{
  echo "# bench/dns-load.sh $(date -u +%FT%TZ)"
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "dnsperf: $(dnsperf -h 2>&1 | grep -i version | head -1); clients=$CLIENTS outstanding=$OUTSTANDING duration=${DURATION}s runs=$RUNS"
  echo "command: dnsperf -s 127.0.0.1 -p PORT -d queries -l $DURATION -c $CLIENTS -q $OUTSTANDING [-Q $TARGET_QPS] -v"
  echo "coordinator saturated qps (median): $(printf '%s\n' "${c_qps[@]}" | median)  runs: ${c_qps[*]}"
  echo "coordinator saturated p99 ms (median): $(printf '%s\n' "${c_p99[@]}" | median)  runs: ${c_p99[*]}"
  echo "coordinator at $TARGET_QPS qps: p50 ms $(printf '%s\n' "${c_rp50[@]}" | median), p99 ms (median) $(printf '%s\n' "${c_rp99[@]}" | median)  runs: ${c_rp99[*]}"
  if [ -n "$peer_port" ]; then
    echo "named (peer) saturated qps (median): $(printf '%s\n' "${p_qps[@]}" | median)  runs: ${p_qps[*]}"
    echo "named (peer) saturated p99 ms (median): $(printf '%s\n' "${p_p99[@]}" | median)  runs: ${p_p99[*]}"
    echo "named (peer) at $TARGET_QPS qps: p99 ms (median) $(printf '%s\n' "${p_rp99[@]}" | median)  runs: ${p_rp99[*]}"
  fi
  echo "failover ms (median): $(printf '%s\n' "${fail_ms[@]}" | median)  runs: ${fail_ms[*]}"
  echo "targets: >= 30000 qps with p99 <= 1 ms; failover <= 3000 ms"
} | tee "$result"
