#!/usr/bin/env bash
# Builds the runner image (deploy/runner/Dockerfile) on a machine with neither a Docker engine
# nor a reachable image registry, only Debian's mirror, npm's and PyPI's: buildah (as root, vfs
# storage) on a base made here, Debian bookworm from debootstrap plus this machine's Node 20.
# With --smoke it then starts a runner from the image on an ONNX fixture and checks /healthz
# and /v1/predict (node target and up).
#
#   scripts/image/build-runner-image.sh [node|python|jvm] [--smoke]
#
# Idempotent: the rootfs and the base image are made once (under SLIPWAY_IMAGE_CACHE, default
# ~/.cache/slipway/image, and in buildah's storage) and reused; the runner image is rebuilt.
# Needs: root, buildah, debootstrap (apt-get install -y buildah debootstrap), node 20, curl.
set -euo pipefail

target=node
smoke=false
for arg in "$@"; do
  case $arg in
    node | python | jvm) target=$arg ;;
    --smoke) smoke=true ;;
    *) echo "usage: $0 [node|python|jvm] [--smoke]" >&2 && exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${SLIPWAY_IMAGE_CACHE:-$HOME/.cache/slipway/image}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
node_version=$(node -p 'process.versions.node')
[[ $node_version == 20.* ]] || { echo "expected Node 20 on the PATH, found $node_version" >&2; exit 1; }
base=localhost/slipway-base:bookworm-node$node_version
image=localhost/slipway-runner:$target
bah() { buildah --storage-driver vfs "$@"; }
log() { echo "[image] $*" >&2; }
mkdir -p "$cache"

# 1. Debian bookworm (minbase, as bookworm-slim), with the CAs this machine trusts: where an
#    intercepting proxy stands between it and npm or PyPI, the build inside must trust it too.
rootfs_tar=$cache/bookworm-minbase.tar
if [[ ! -f $rootfs_tar ]]; then
  log "debootstrap bookworm from $mirror"
  tmp=$(mktemp -d "$cache/rootfs.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  debootstrap --variant=minbase --include=ca-certificates bookworm "$tmp" "$mirror" >&2
  cat >"$tmp/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
  cp /usr/local/share/ca-certificates/*.crt "$tmp/usr/local/share/ca-certificates/" 2>/dev/null || true
  chroot "$tmp" update-ca-certificates >&2
  rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*
  tar -C "$tmp" -cf "$rootfs_tar.partial" . && mv "$rootfs_tar.partial" "$rootfs_tar"
  rm -rf "$tmp" && trap - EXIT
fi

# 2. The base image: that rootfs plus this machine's node and npm where the official node
#    images keep theirs (/usr/local), so that the Dockerfile runs on it unchanged.
if ! bah inspect --type image "$base" >/dev/null 2>&1; then
  log "making $base"
  ctr=$(bah from scratch)
  mnt=$(bah mount "$ctr")
  tar -C "$mnt" -xf "$rootfs_tar"
  npm_dir=$(dirname "$(dirname "$(realpath "$(command -v npm)")")")
  install -D "$(realpath "$(command -v node)")" "$mnt/usr/local/bin/node"
  mkdir -p "$mnt/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$mnt/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
  bah umount "$ctr" >/dev/null
  # Node and pip (the venv's, 23.0) read their own CA lists unless told to use the system's.
  bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    --env PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    --cmd node "$ctr"
  bah commit --rm "$ctr" "$base" >/dev/null
fi

# 3. The runner image.
log "building $image (target $target) on $base"
started=$(date +%s)
cd "$root"
bah bud --network host --isolation chroot --layers \
  --ignorefile deploy/runner/Dockerfile.dockerignore \
  --build-arg NODE_IMAGE="$base" --target "$target" \
  -f deploy/runner/Dockerfile -t "$image" . >&2
log "built $image in $(($(date +%s) - started)) s: $(bah inspect --type image --format '{{.Size}}' "$image" 2>/dev/null || echo '?') bytes"

$smoke || exit 0

# 4. Smoke test: a runner on the ONNX fixture, its artifact on a mounted folder named by its
#    sha256, as a pool's shared volume holds it (gateway/src/runner/fetch-artifact.ts).
fixture=$root/gateway/test/fixtures/onnx/regressor_gbr.onnx
work=$(mktemp -d)
sha=$(sha256sum "$fixture" | cut -d' ' -f1)
cp "$fixture" "$work/$sha" && chmod -R a+rX "$work"
token=smoke-$RANDOM$RANDOM
port=${SMOKE_PORT:-18080}
spec=$(printf '{"name":"smoke","version":1,"format":"onnx","pool":"cpu","config":{},"artifact":{"sha256":"%s","size":%s}}' \
  "$sha" "$(stat -c %s "$fixture")")
ctr=$(bah from "$image")
cleanup() {
  [[ -n ${pid:-} ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  bah rm "$ctr" >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
bah run --network host --isolation chroot --volume "$work:/artifacts:ro" \
  --env SLIPWAY_RUNNER_TOKEN="$token" --env SLIPWAY_RUNNER_SPEC="$spec" \
  --env SLIPWAY_RUNNER_ARTIFACT_DIR=/artifacts --env SLIPWAY_RUNNER_PORT="$port" \
  "$ctr" -- node dist/runner/main.js &
pid=$!
for _ in $(seq 60); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
log "GET /healthz: $(curl -sS -w ' %{http_code}' "http://127.0.0.1:$port/healthz")"
records=$(node -e 'const e=require(process.argv[1]); console.log(JSON.stringify({records: e.records}))' \
  "$root/gateway/test/fixtures/onnx/regressor_gbr.expected.json")
answer=$(curl -sS -w ' %{http_code}' -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d "$records" "http://127.0.0.1:$port/v1/predict")
log "POST /v1/predict: $answer"
[[ $answer == *' 200' ]]
