#!/usr/bin/env bash
# Writes a small OCI image layout (one gzip'd tar layer of random bytes, a config, a manifest)
# that skopeo can push: deploy/local/make-image.sh <dir> [tag=v1] [layer MiB=1] [seed text]
# Prints the manifest digest. Needs tar, gzip, sha256sum (coreutils) and head.
set -euo pipefail
dir="${1:?usage: make-image.sh <dir> [tag] [layer MiB] [seed]}"
tag="${2:-v1}"
mib="${3:-1}"
seed="${4:-$RANDOM$RANDOM}"
mkdir -p "$dir/blobs/sha256"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root"
printf '%s\n' "$seed" >"$work/root/seed.txt"
if [ "$mib" -gt 0 ]; then head -c "$((mib << 20))" /dev/urandom >"$work/root/data.bin"; fi
tar -C "$work/root" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$work/layer.tar" .
diff_id="sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
gzip -n -1 -c "$work/layer.tar" >"$work/layer.tgz"

put() { # <file> -> prints "<hex> <size>" after storing it as a blob
  local hex size
  hex="$(sha256sum "$1" | cut -d' ' -f1)"
  size="$(stat -c %s "$1")"
  cp "$1" "$dir/blobs/sha256/$hex"
  echo "$hex $size"
}
read -r layer_hex layer_size < <(put "$work/layer.tgz")
printf '{"architecture":"amd64","os":"linux","config":{"Env":["SEED=%s"]},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
  "$seed" "$diff_id" >"$work/config.json"
read -r config_hex config_size < <(put "$work/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
  "$config_hex" "$config_size" "$layer_hex" "$layer_size" >"$work/manifest.json"
read -r manifest_hex manifest_size < <(put "$work/manifest.json")
printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
  "$manifest_hex" "$manifest_size" "$tag" >"$dir/index.json"
echo "sha256:$manifest_hex"
