#!/usr/bin/env bash
# Builds the runner image (deploy/runner/Dockerfile) on a machine with neither a Docker engine
# nor a reachable image registry, only Debian's mirror, npm's and PyPI's: buildah (as root, vfs
# storage) on a base made here, Debian bookworm from debootstrap plus this machine's Node 20.
# With --smoke it then starts a runner from the image on a fixture of the format the target
# adds (ONNX, pickle, MOJO) and checks /healthz and /v1/predict.
#
#   scripts/image/build-runner-image.sh [node|python|jvm] [--smoke]
#
# Idempotent: the rootfs and the base image are made once (under SLIPWAY_IMAGE_CACHE, default
# ~/.cache/slipway/image, and in buildah's storage) and reused; the runner image is rebuilt.
# Needs: root, buildah, debootstrap (apt-get install -y buildah debootstrap), Node 20.
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
image=localhost/slipway-runner:$target
bah() { buildah --storage-driver vfs "$@"; }
log() { echo "[image] $*" >&2; }

# 1-2. The base image (base-image.sh).
. "$(dirname "$0")/base-image.sh"

# 3. The runner image.
log "building $image (target $target) on $base"
started=$(date +%s)
cd "$root"
# No --layers: vfs stores every layer as a whole copy of the tree (a GB or more each).
bah bud --network host --isolation chroot \
  --ignorefile deploy/runner/Dockerfile.dockerignore \
  --build-arg NODE_IMAGE="$base" --target "$target" \
  -f deploy/runner/Dockerfile -t "$image" . >&2
# The image this one replaced, now untagged: at vfs sizes, not worth keeping.
bah rmi --prune >/dev/null 2>&1 || true
log "built $image in $(($(date +%s) - started)) s, $(bah images --format '{{.Size}}' "$image")"

$smoke || exit 0

# 4. Smoke test: smoke-runner.mjs, inside the image, starts a runner on a fixture of the format
#    the target adds (its artifact in a mounted folder, named by its sha256, as a pool's shared
#    volume holds it) and checks /healthz and /v1/predict, on 127.0.0.1:18080 (chroot isolation
#    shares the host's network). Inside, so that no process outlives the test.
case $target in
  node) format=onnx fixture=onnx/regressor_gbr.onnx ;;
  python) format=pickle fixture=pickle/linear_regression.pkl ;;
  jvm) format=mojo fixture=mojo/glm_regression.zip ;;
esac
fixtures=$root/gateway/test/fixtures
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sha=$(sha256sum "$fixtures/$fixture" | cut -d' ' -f1)
cp "$fixtures/$fixture" "$work/$sha"
cp "$fixtures/${fixture%.*}.expected.json" "$work/expected.json"
cp "$root/scripts/image/smoke-runner.mjs" "$work/"
chmod -R a+rX "$work"
ctr=$(bah from "$image")
status=0
bah run --network host --isolation chroot --volume "$work:/smoke:ro" "$ctr" -- \
  node /smoke/smoke-runner.mjs "$format" "$sha" "$(stat -c %s "$work/$sha")" "${fixture##*/}" >&2 ||
  status=$?
bah rm "$ctr" >/dev/null
log "smoke test of $image: $([[ $status == 0 ]] && echo passed || echo "FAILED ($status)")"
exit "$status"
