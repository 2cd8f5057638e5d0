#!/usr/bin/env bash
# OCI helpers for the bench/oci-*.sh scripts (source after lib.sh): start Debian's
# docker-registry on a directory, make random files, push a blob with POST + PUT (the
# monolithic upload every registry supports), build an OCI image layout for skopeo.

# start_registry DIR PORT: docker-registry (distribution 2.8) with filesystem storage in DIR,
# listening on 127.0.0.1:PORT; prints its pid.
start_registry() {
  local dir=$1 port=$2
  need docker-registry
  mkdir -p "$dir/storage"
  cat >"$dir/config.yml" <<CONF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: berth-bench
CONF
  docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  local pid=$!
  BENCH_PIDS+=("$pid")
  wait_port "$port" 60
  local i
  for ((i = 0; i < 300; i++)); do
    curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break
    sleep 0.1
  done
  echo "$pid"
}

# rand_file PATH BYTES: a file of random bytes.
rand_file() {
  head -c "$2" /dev/urandom >"$1"
}

# sha256_of FILE: "sha256:<hex>".
sha256_of() {
  echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"
}

# push_blob BASE_URL REPO FILE [DIGEST]: POST an upload, PUT the whole file with ?digest=;
# fails unless the registry answers 201. Prints the digest.
push_blob() {
  local base=$1 repo=$2 file=$3 digest=${4:-}
  [ -n "$digest" ] || digest=$(sha256_of "$file")
  local loc
  loc=$(curl -sS -X POST -D - -o /dev/null "$base/v2/$repo/blobs/uploads/" |
    awk 'tolower($1) == "location:" {print $2}' | tr -d '\r')
  [ -n "$loc" ] || { echo "bench: no upload Location from $base for $repo" >&2; exit 1; }
  case $loc in http*) ;; *) loc="$base$loc" ;; esac
  local sep='?'
  [[ $loc == *\?* ]] && sep='&'
  local code
  code=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT -H 'Expect:' \
    -H 'Content-Type: application/octet-stream' -T "$file" "$loc${sep}digest=$digest")
  [ "$code" = 201 ] || { echo "bench: blob PUT to $base/v2/$repo answered $code" >&2; exit 1; }
  echo "$digest"
}

# make_layout DIR BYTES TAG: an OCI image layout with one uncompressed tar layer holding BYTES
# random bytes, its config and manifest, tagged TAG.
make_layout() {
  local dir=$1 bytes=$2 tag=$3
  mkdir -p "$dir/blobs/sha256" "$dir/work"
  rand_file "$dir/work/data.bin" "$bytes"
  tar -C "$dir/work" -cf "$dir/work/layer.tar" data.bin
  local layer diff cfg man lsize csize msize
  layer=$(sha256sum "$dir/work/layer.tar" | cut -d' ' -f1)
  lsize=$(stat -c %s "$dir/work/layer.tar")
  mv "$dir/work/layer.tar" "$dir/blobs/sha256/$layer"
  printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$layer" >"$dir/work/config.json"
  cfg=$(sha256sum "$dir/work/config.json" | cut -d' ' -f1)
  csize=$(stat -c %s "$dir/work/config.json")
  mv "$dir/work/config.json" "$dir/blobs/sha256/$cfg"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$cfg" "$csize" "$layer" "$lsize" >"$dir/work/manifest.json"
  man=$(sha256sum "$dir/work/manifest.json" | cut -d' ' -f1)
  msize=$(stat -c %s "$dir/work/manifest.json")
  mv "$dir/work/manifest.json" "$dir/blobs/sha256/$man"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
    "$man" "$msize" "$tag" >"$dir/index.json"
  rm -rf "$dir/work"
}

# oci_versions: appends skopeo and docker-registry versions to a results file.
oci_versions() {
  {
    command -v skopeo >/dev/null && echo "skopeo: $(skopeo --version)"
    command -v docker-registry >/dev/null && echo "docker-registry: $(docker-registry --version)"
    echo
  } >>"$1"
}

# build_berth_tests: builds the node's test jar (benchmark loaders live in test scope) when it is
# missing or older than the loader source.
build_berth_tests() {
  local jar="$REPO_ROOT/registry-node/target/berth-node-tests.jar"
  local src="$REPO_ROOT/registry-node/src/test/java/io/berth/node/bench/OciManifestLoader.java"
  if [ ! -f "$jar" ] || [ ! -f "$BERTH_JAR" ] || [ "$src" -nt "$jar" ]; then
    log "building the node and its test jar"
    (cd "$REPO_ROOT" && mvn -q -B -ntp -DskipTests -Dspotless.check.skip=true -pl registry-node -am package >&2)
  fi
}

# shm_dir NAME: sets SHM_DIR to a fresh directory on /dev/shm (else under BENCH_TMP), removed
# on exit. Call it directly, not in $(...): the cleanup list lives in this shell.
BENCH_SHM_DIRS=()
shm_dir() {
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    SHM_DIR=$(mktemp -d "/dev/shm/berth-bench-$1.XXXXXX")
    BENCH_SHM_DIRS+=("$SHM_DIR")
  else
    SHM_DIR=$(mktemp -d "$BENCH_TMP/$1.XXXXXX")
  fi
}
oci_cleanup() {
  bench_cleanup
  local d
  for d in "${BENCH_SHM_DIRS[@]:-}"; do
    [ -n "$d" ] && rm -rf "$d"
  done
}
trap oci_cleanup EXIT

# paths_lua PATHS_FILE LUA_FILE: a wrk script cycling through the request paths of a file.
paths_lua() {
  cat >"$2" <<LUA
local paths = {}
for line in io.lines("$1") do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], {["Accept"] = "application/vnd.oci.image.manifest.v1+json"})
end
LUA
}
