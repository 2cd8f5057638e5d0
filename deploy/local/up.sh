#!/usr/bin/env bash
# Starts a real local multi-region Berth cluster on this machine, in the background:
#   ZooKeeper (standalone QuorumPeerMain), one Kafka KRaft broker (a topic per region, created by
#   the nodes), one S3-compatible server (S3Proxy, filesystem backend) with a bucket per region,
#   region eu (nodes eu-1, eu-2 on 127.0.1.1/.2) and region us (us-1, us-2 on 127.0.2.1/.2), the
#   nodes of a region sharing its bucket and topic, two replicator instances sharing the links
#   eu->us and us->eu (mirror), and the coordinator (DNS + resolve API).
# Configs, data, logs, pid files and one start script per process (start/<name>.sh) go to
# deploy/local/run/ (git-ignored). Stop it with
# deploy/local/down.sh [--purge].
#
# Environment: BERTH_LOCAL_RUN (run directory), BERTH_LOCAL_BASE_PORT (default 28000: ZooKeeper
# base+181, Kafka base+92/+93, S3 base+90, coordinator HTTP/gRPC/DNS base+53/+54/+55,
# replicators base+401/+402), BERTH_LOCAL_NODE_PORT (HTTP port of every node, default 8080; gRPC
# is +1010), BERTH_GO_UPSTREAMS (default off: no internet needed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
run="${BERTH_LOCAL_RUN:-$root/deploy/local/run}"
base="${BERTH_LOCAL_BASE_PORT:-28000}"
node_port="${BERTH_LOCAL_NODE_PORT:-8080}"
grpc_port=$((node_port + 1010))
zk_port=$((base + 181))
kafka_port=$((base + 92))
kafka_ctl=$((base + 93))
s3_port=$((base + 90))
coord_http=$((base + 53))
coord_grpc=$((base + 54))
coord_dns=$((base + 55))
repl_ports=($((base + 401)) $((base + 402)))
s3_key=berth-local
s3_secret=berth-local-secret
marker="-Dberth.local.run=$run"
java="${JAVA:-java}"

declare -A region_octet=([eu]=1 [us]=2)
regions=(eu us)
nodes_per_region=2

log() { printf '[berth-local] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

mkdir -p "$run"/{pids,logs,conf,data}
for f in "$run"/pids/*.pid; do
  [ -e "$f" ] || continue
  if kill -0 "$(cat "$f")" 2>/dev/null; then
    die "already running ($(basename "$f" .pid) pid $(cat "$f")); stop it with deploy/local/down.sh"
  fi
  rm -f "$f"
done

# ---------------------------------------------------------------- build and class paths
jars=("$root/registry-node/target/berth-node.jar" "$root/replicator/target/berth-replicator.jar"
  "$root/coordinator/target/berth-coordinator.jar")
need_build=0
for j in "${jars[@]}"; do
  if [ ! -f "$j" ] || [ -n "$(find "$root/proto/src" "$root/common/src/main" "$root/registry-node/src/main" \
    "$root/replicator/src/main" "$root/coordinator/src/main" -newer "$j" -type f -print -quit)" ]; then
    need_build=1
  fi
done
if [ "$need_build" = 1 ]; then
  log "building the jars (mvn install -DskipTests)..."
  (cd "$root" && mvn -q -B -ntp -DskipTests -Dspotless.check.skip=true \
    -pl registry-node,replicator,coordinator -am install) >"$run/logs/build.log" 2>&1 ||
    die "build failed, see $run/logs/build.log"
fi
servers_cp="$run/conf/servers.classpath"
if [ ! -s "$servers_cp" ] || [ "$root/registry-node/pom.xml" -nt "$servers_cp" ]; then
  log "resolving the class path of ZooKeeper, Kafka and S3Proxy (mvn dependency:build-classpath)..."
  (cd "$root" && mvn -q -B -ntp -pl registry-node dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$servers_cp") >"$run/logs/classpath.log" 2>&1 ||
    die "cannot resolve the servers' class path, see $run/logs/classpath.log"
fi
cp_servers="$(cat "$servers_cp")"
cat >"$run/conf/logback-servers.xml" <<'EOF'
<configuration>
  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="OUT"/></root>
</configuration>
EOF
logback_servers="-Dlogback.configurationFile=$run/conf/logback-servers.xml"

# ---------------------------------------------------------------- helpers
# cds_for <name> <java args...>: for a Berth jar (-jar <file>), writes the lines of a start script
# that pick its class-data-sharing archive (docs/adr/0025-class-data-sharing-for-restarts.md): the
# first start records the classes it loads into $run/cds/<name>-<size>-<mtime>.jsa when the JVM
# exits, later starts map that archive instead of loading and verifying the classes again (a
# node is ready in about 2.4 s instead of 4 s). A rebuilt jar gets a new archive name; the JVM
# itself ignores an archive that does not match. Other JVMs get no archive (cds stays empty).
cds_for() {
  local name="$1"
  shift
  echo 'cds=()'
  while [ $# -gt 0 ]; do
    if [ "$1" = "-jar" ] && [ -n "${2:-}" ]; then
      printf 'jar=%q\n' "$2"
      printf 'mkdir -p %q\n' "$run/cds"
      printf 'jsa=%q/%q-"$(stat -c %%s-%%Y "$jar")".jsa\n' "$run/cds" "$name"
      echo 'if [ -s "$jsa" ]; then cds=("-XX:SharedArchiveFile=$jsa" -Xlog:cds=off);'
      printf 'else rm -f %q/%q-*.jsa\n' "$run/cds" "$name"
      echo '  cds=("-XX:ArchiveClassesAtExit=$jsa" -Xlog:cds=off -Xlog:cds+dynamic=off); fi'
      return
    fi
    shift
  done
}

# start <name> <java args...>: writes start/<name>.sh (the BERTH_* environment and the command,
# so one process can be started again alone, e.g. after an outage test) and runs it; the JVM runs
# in its own session with its output in logs/<name>.log
start() {
  local name="$1" script="$run/start/$1.sh"
  shift
  mkdir -p "$run/start"
  {
    echo '#!/usr/bin/env bash'
    echo "# starts $name of the local cluster (written by deploy/local/up.sh)"
    echo 'set -euo pipefail'
    echo 'for v in $(compgen -e | grep "^BERTH_LOCAL_" || true); do unset "$v"; done'
    printf 'pidfile=%q\n' "$run/pids/$name.pid"
    echo 'if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then'
    echo "  echo '$name is already running' >&2; exit 1"
    echo 'fi'
    { env | grep '^BERTH_' | grep -v '^BERTH_LOCAL_' || true; } | sort | while IFS= read -r kv; do
      printf 'export %q\n' "$kv"
    done
    printf 'cd %q\n' "$root"
    cds_for "$name" "$@"
    printf 'setsid %q %q "${cds[@]}"' "$java" "$marker"
    printf ' %q' "$@"
    printf ' >>%q 2>&1 </dev/null &\n' "$run/logs/$name.log"
    echo 'echo $! >"$pidfile"'
  } >"$script"
  chmod +x "$script"
  "$script"
  log "started $name (pid $(cat "$run/pids/$name.pid"))"
}

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_for <name> <seconds> <command...>: polls the command until it succeeds
wait_for() {
  local name="$1" secs="$2"
  shift 2
  local deadline=$((SECONDS + secs))
  until "$@"; do
    if [ -f "$run/pids/$name.pid" ] && ! kill -0 "$(cat "$run/pids/$name.pid")" 2>/dev/null; then
      tail -n 30 "$run/logs/$name.log" >&2 || true
      die "$name exited; log: $run/logs/$name.log"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 30 "$run/logs/$name.log" >&2 || true
      die "$name not ready after ${secs}s; log: $run/logs/$name.log"
    fi
    sleep 0.3
  done
}

http_ok() { curl -sf -o /dev/null --max-time 2 "$1"; }
zk_ok() {
  local answer
  answer="$( (exec 3<>"/dev/tcp/127.0.0.1/$zk_port" && printf ruok >&3 && timeout 2 cat <&3) 2>/dev/null || true)"
  [ "$answer" = imok ]
}

# every port must be free (fixed ports below 32768, outside Linux's ephemeral range by default)
busy=()
for p in "$zk_port" "$kafka_port" "$kafka_ctl" "$s3_port" "$coord_http" "$coord_grpc" "${repl_ports[@]}"; do
  tcp_open 127.0.0.1 "$p" && busy+=("127.0.0.1:$p")
done
for r in "${regions[@]}"; do
  for i in $(seq 1 "$nodes_per_region"); do
    for p in "$node_port" "$grpc_port"; do
      tcp_open "127.0.${region_octet[$r]}.$i" "$p" && busy+=("127.0.${region_octet[$r]}.$i:$p")
    done
  done
done
[ "${#busy[@]}" = 0 ] || die "ports in use: ${busy[*]} (another cluster? set BERTH_LOCAL_BASE_PORT / BERTH_LOCAL_NODE_PORT)"

# ---------------------------------------------------------------- ZooKeeper
mkdir -p "$run/data/zookeeper"
cat >"$run/conf/zoo.cfg" <<EOF
tickTime=2000
dataDir=$run/data/zookeeper
clientPort=$zk_port
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok,stat
EOF
start zookeeper -Xmx256m -cp "$cp_servers" "$logback_servers" \
  -Dzookeeper.jmx.log4j.disable=true \
  org.apache.zookeeper.server.quorum.QuorumPeerMain "$run/conf/zoo.cfg"

# ---------------------------------------------------------------- Kafka (KRaft)
cat >"$run/conf/kafka.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$kafka_ctl
listeners=PLAINTEXT://127.0.0.1:$kafka_port,CONTROLLER://127.0.0.1:$kafka_ctl
advertised.listeners=PLAINTEXT://127.0.0.1:$kafka_port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$run/data/kafka
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
num.partitions=1
auto.create.topics.enable=false
EOF
if [ ! -f "$run/data/kafka/meta.properties" ]; then
  cluster_id="$("$java" -cp "$cp_servers" kafka.tools.StorageTool random-uuid 2>>"$run/logs/kafka-format.log" | tail -n 1)"
  "$java" -cp "$cp_servers" kafka.tools.StorageTool format -t "$cluster_id" \
    -c "$run/conf/kafka.properties" --ignore-formatted >>"$run/logs/kafka-format.log" 2>&1 ||
    die "kafka storage format failed, see $run/logs/kafka-format.log"
fi
start kafka -Xmx512m -cp "$cp_servers" "$logback_servers" -Dkafka.logs.dir="$run/logs/kafka" \
  kafka.Kafka "$run/conf/kafka.properties"

# ---------------------------------------------------------------- S3Proxy
mkdir -p "$run/data/s3"
cat >"$run/conf/s3proxy.properties" <<EOF
s3proxy.endpoint=http://127.0.0.1:$s3_port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$s3_key
s3proxy.credential=$s3_secret
s3proxy.ignore-unknown-headers=true
jclouds.provider=filesystem
jclouds.filesystem.basedir=$run/data/s3
jclouds.identity=$s3_key
jclouds.credential=$s3_secret
EOF
start s3proxy -Xmx256m -cp "$cp_servers" "$logback_servers" org.gaul.s3proxy.Main --properties "$run/conf/s3proxy.properties"

wait_for zookeeper 60 zk_ok
wait_for s3proxy 60 tcp_open 127.0.0.1 "$s3_port"
wait_for kafka 120 tcp_open 127.0.0.1 "$kafka_port"

# ---------------------------------------------------------------- registry nodes
node_host() { echo "127.0.${region_octet[$1]}.$2"; }
peers_of() { # the where API asks one node of every other region
  local me="$1" out=() r
  for r in "${regions[@]}"; do
    [ "$r" = "$me" ] || out+=("$r=http://$(node_host "$r" 1):$node_port")
  done
  (IFS=,; echo "${out[*]}")
}
for r in "${regions[@]}"; do
  for i in $(seq 1 "$nodes_per_region"); do
    id="$r-$i"
    host="$(node_host "$r" "$i")"
    mkdir -p "$run/data/$id"
    (
      export BERTH_NODE_ID="$id" BERTH_NODE_REGION="$r"
      export BERTH_HTTP_HOST="$host" BERTH_HTTP_GRPC_PORT="$grpc_port"
      export BERTH_STORAGE_TYPE=s3 BERTH_STORAGE_S3_ENDPOINT="http://127.0.0.1:$s3_port"
      export BERTH_STORAGE_S3_BUCKET="berth-$r" BERTH_STORAGE_S3_ACCESS_KEY="$s3_key"
      export BERTH_STORAGE_S3_SECRET_KEY="$s3_secret"
      # the pull after a push and the replicator's read of a just-pushed blob read local disk
      # (ADR 0026; off by default elsewhere because it changes what a bucket outage looks like)
      export BERTH_STORAGE_S3_LOCAL_CACHE_FILL_ON_WRITE="${BERTH_STORAGE_S3_LOCAL_CACHE_FILL_ON_WRITE:-true}"
      export BERTH_EVENTS_KAFKA_BOOTSTRAP="127.0.0.1:$kafka_port" BERTH_EVENTS_PARTITIONS=3
      export BERTH_EVENTS_REPLICATION_FACTOR=1 BERTH_EVENTS_MIN_INSYNC_REPLICAS=1
      export BERTH_CLUSTER_ZOOKEEPER="127.0.0.1:$zk_port" BERTH_CLUSTER_PEERS="$(peers_of "$r")"
      export BERTH_GO_UPSTREAMS="${BERTH_GO_UPSTREAMS:-off}"
      export BERTH_GO_PRIVATE_PATTERNS="${BERTH_GO_PRIVATE_PATTERNS:-corp.example.com}"
      start "$id" -Xmx512m -jar "$root/registry-node/target/berth-node.jar" \
        serve --port "$node_port" --data-dir "$run/data/$id"
    )
  done
done

# ---------------------------------------------------------------- replicators
for n in 1 2; do
  cfg="$run/conf/replicator-$n.yaml"
  {
    echo "instanceId: local-r$n"
    echo "zookeeper: 127.0.0.1:$zk_port"
    echo "sessionTimeoutMs: 6000"
    echo "http:"
    echo "  host: 127.0.0.1"
    echo "  port: ${repl_ports[$((n - 1))]}"
    echo "regions:"
    for r in "${regions[@]}"; do
      echo "  $r:"
      echo "    kafkaBootstrap: 127.0.0.1:$kafka_port"
      echo "    topic: berth.$r.changes"
      # the region's bucket: while its nodes are down, the links into it copy blobs straight there
      echo "    bucket: {endpoint: 'http://127.0.0.1:$s3_port', bucket: berth-$r, accessKey: $s3_key, secretKey: $s3_secret}"
      echo "    nodes:"
      for i in $(seq 1 "$nodes_per_region"); do
        echo "      - grpc: $(node_host "$r" "$i"):$grpc_port"
        echo "        http: http://$(node_host "$r" "$i"):$node_port"
      done
    done
    echo "links:"
    echo "  - {source: eu, target: us, mode: mirror}"
    echo "  - {source: us, target: eu, mode: mirror}"
  } >"$cfg"
done

# ---------------------------------------------------------------- coordinator
cat >"$run/conf/coordinator.yaml" <<EOF
coordinator: {id: local-coord, region: eu}
zookeeper: {connect: '127.0.0.1:$zk_port', sessionTimeoutMs: 6000}
http: {host: 127.0.0.1, port: $coord_http}
grpc: {host: 127.0.0.1, port: $coord_grpc}
dns: {host: 127.0.0.1, port: $coord_dns, zone: 'berth.internal.', names: [go, oci, registry],
      ttlSeconds: 5, maxAnswers: 2, nameservers: ['ns1=127.0.0.1']}
networks:
  - {name: eu-loopback, region: eu, cidrs: [127.0.1.0/24]}
  - {name: us-loopback, region: us, cidrs: [127.0.2.0/24]}
EOF
start coordinator -Xmx256m -jar "$root/coordinator/target/berth-coordinator.jar" \
  coordinator --config "$run/conf/coordinator.yaml"

for r in "${regions[@]}"; do
  for i in $(seq 1 "$nodes_per_region"); do
    wait_for "$r-$i" 180 http_ok "http://$(node_host "$r" "$i"):$node_port/readyz"
  done
done
for n in 1 2; do
  start "replicator-$n" -Xmx256m -jar "$root/replicator/target/berth-replicator.jar" \
    replicator run --config "$run/conf/replicator-$n.yaml"
done
for n in 1 2; do
  wait_for "replicator-$n" 90 http_ok "http://127.0.0.1:${repl_ports[$((n - 1))]}/healthz"
done
wait_for coordinator 90 http_ok "http://127.0.0.1:$coord_http/healthz"
links_owned() {
  local body
  body="$(curl -sf "http://127.0.0.1:${repl_ports[0]}/status" "http://127.0.0.1:${repl_ports[1]}/status" 2>/dev/null || true)"
  [ "$(grep -o '"owner":true' <<<"$body" | wc -l)" -ge 2 ]
}
wait_for replicator-1 90 links_owned

eu1="http://127.0.1.1:$node_port"
us1="http://127.0.2.1:$node_port"
cat <<EOF

Berth local cluster is up (run directory: $run)
  region eu: $eu1  http://127.0.1.2:$node_port   (bucket berth-eu, topic berth.eu.changes)
  region us: $us1  http://127.0.2.2:$node_port   (bucket berth-us, topic berth.us.changes)
  replicators: http://127.0.0.1:${repl_ports[0]}/status  http://127.0.0.1:${repl_ports[1]}/status
  coordinator: http://127.0.0.1:$coord_http/v1/resolve  DNS 127.0.0.1:$coord_dns (zone berth.internal.)
  ZooKeeper 127.0.0.1:$zk_port  Kafka 127.0.0.1:$kafka_port  S3 http://127.0.0.1:$s3_port
  logs: $run/logs/

Try it:
  bin/berth go publish ./mymodule corp.example.com/mymodule@v1.0.0 --registry $eu1
  GOPROXY=$us1 GONOSUMDB=corp.example.com go mod download -json corp.example.com/mymodule@v1.0.0
  deploy/local/make-image.sh ./layout v1 1   # a 1 MiB OCI image layout
  skopeo copy --dest-tls-verify=false oci:./layout:v1 docker://127.0.1.1:$node_port/team/app:v1
  skopeo copy --src-tls-verify=false docker://127.0.2.1:$node_port/team/app:v1 oci:./pulled:v1
  curl '$us1/_berth/api/where?repository=team/app&tag=v1'
  bin/berth links --replicator http://127.0.0.1:${repl_ports[0]},http://127.0.0.1:${repl_ports[1]}
  dig @127.0.0.1 -p $coord_dns -b 127.0.2.9 go.berth.internal A +short
Stop: deploy/local/down.sh [--purge]
EOF
