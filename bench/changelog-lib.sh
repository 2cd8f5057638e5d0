#!/usr/bin/env bash
# Helpers shared by the change-log benchmarks (issue 5); source after lib.sh.

# wrk_pct_ms OUTPUT PCT: a latency percentile (50, 75, 90, 99) of wrk --latency output, in ms.
wrk_pct_ms() {
  awk -v p="$2%" '$1 == p {v=$2; u=v; gsub(/[0-9.]/, "", u); sub(/[a-z]+$/, "", v);
       f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1;
       printf "%.3f\n", v * f}' <<<"$1"
}

# push_blob BASE_URL REPO FILE: monolithic blob upload; prints the digest.
push_blob() {
  local base=$1 repo=$2 file=$3 d
  d="sha256:$(sha256sum "$file" | cut -d' ' -f1)"
  curl -sf -X POST -H 'Content-Type: application/octet-stream' --data-binary "@$file" \
    "$base/v2/$repo/blobs/uploads/?digest=$d" >/dev/null
  echo "$d"
}

# wait_ready BASE_URL [TIMEOUT_SECONDS]: waits for /readyz 200.
wait_ready() {
  local base=$1 timeout=${2:-120} i
  for ((i = 0; i < timeout * 10; i++)); do
    curl -sf "$base/readyz" >/dev/null && return 0
    sleep 0.1
  done
  echo "bench: $base not ready after ${timeout}s" >&2
  return 1
}

# test_classpath: prints the registry-node test class path (test classes, classes, test-scope
# dependencies incl. kafka_2.13), building what is missing.
test_classpath() {
  local cpfile="$BENCH_TMP/test-cp.txt"
  if [ ! -f "$REPO_ROOT/registry-node/target/test-classes/io/berth/node/bench/PropagationBench.class" ] ||
    [ ! -f "$BERTH_JAR" ]; then
    log "building registry-node (jar and test classes)"
    (cd "$REPO_ROOT" && mvn -q -B -ntp -DskipTests -Dspotless.check.skip=true -pl registry-node -am package >&2)
  fi
  (cd "$REPO_ROOT" && mvn -q -B -ntp -pl registry-node -am dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$cpfile" >&2)
  echo "$REPO_ROOT/registry-node/target/test-classes:$REPO_ROOT/registry-node/target/classes:$(cat "$cpfile")"
}

# start_kafka DIR CLASSPATH: a single-node KRaft broker from the kafka_2.13 jar (the tests'
# KafkaBroker); prints its bootstrap address.
start_kafka() {
  local dir=$1 cp=$2 i
  mkdir -p "$dir"
  java -Xmx512m -cp "$cp" io.berth.node.bench.KafkaBrokerMain "$dir/broker" "$dir/bootstrap" \
    >"$dir/main.log" 2>&1 &
  BENCH_PIDS+=("$!")
  for ((i = 0; i < 1800; i++)); do
    [ -s "$dir/bootstrap" ] && { cat "$dir/bootstrap"; return 0; }
    sleep 0.1
  done
  echo "bench: kafka did not start:" >&2
  cat "$dir/main.log" >&2
  return 1
}
