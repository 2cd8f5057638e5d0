#!/usr/bin/env bash
# Go module corpus helpers for the GOPROXY benchmarks (sourced after lib.sh).
# make_modules writes module zips built from directories (entries under module@version/, no
# directory entries), publish_modules uploads them to a Berth node, export_tree downloads the
# node's .info/.mod/.zip/list files into a static GOPROXY tree, so nginx serves byte-identical
# files.

BENCH_TIME="2024-01-01T00:00:00Z"

# make_module OUT_DIR MODULE VERSION [PAYLOAD_BYTES]: builds OUT_DIR/<n>.zip for one module
# (a go.mod, a Go file and optionally an incompressible payload file, stored uncompressed).
make_module() {
  local out=$1 mod=$2 ver=$3 payload=${4:-0}
  local stage
  stage="$(mktemp -d "$BENCH_TMP/stage.XXXXXX")"
  local root="$stage/$mod@$ver"
  mkdir -p "$root"
  local pkg
  pkg="$(basename "$mod" | tr -c 'a-z0-9\n' '_')"
  printf 'module %s\n\ngo 1.19\n' "$mod" >"$root/go.mod"
  printf 'package %s\n\n// Name is the module name.\nconst Name = "%s"\n' "$pkg" "$mod" >"$root/$pkg.go"
  if [ "$payload" -gt 0 ]; then
    head -c "$payload" /dev/urandom >"$root/payload.bin"
  fi
  mkdir -p "$out"
  local zip="$out/$(echo "$mod" | tr '/' '_')@$ver.zip"
  (cd "$stage" && zip -q -X -D -0 -r "$zip" "$mod@$ver")
  rm -rf "$stage"
  echo "$zip"
}

# publish_module BERTH_URL MODULE VERSION ZIP: publishes a zip (idempotent).
publish_module() {
  local url=$1 mod=$2 ver=$3 zip=$4
  curl -sf -o /dev/null -T "$zip" "$url/_berth/api/go/publish/$mod/@v/$ver.zip?time=$BENCH_TIME" || {
    echo "bench: publishing $mod@$ver to $url failed" >&2
    return 1
  }
}

# export_module BERTH_URL TREE MODULE VERSION: copies Berth's files of MODULE@VERSION into TREE.
# Module paths of the corpus are lowercase, so no case-encoding is needed.
export_module() {
  local url=$1 tree=$2 mod=$3 ver=$4
  local d="$tree/$mod/@v"
  mkdir -p "$d"
  local f
  for f in info mod zip; do
    curl -sf -o "$d/$ver.$f" "$url/$mod/@v/$ver.$f"
  done
  curl -sf -o "$d/list" "$url/$mod/@v/list"
}
