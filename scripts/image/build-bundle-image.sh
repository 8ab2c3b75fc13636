#!/usr/bin/env bash
# Builds an export bundle's image from its own Dockerfile (GET /api/deployments/:name/export,
# extracted) with buildah, on the base image build-runner-image.sh uses (base-image.sh). With
# --smoke <folder> it then starts the bundle inside the image (its run.sh, as the image's CMD
# does) and checks its answer to <folder>/request.json against <folder>/expected.json
# (smoke-bundle.mjs).
#
#   scripts/image/build-bundle-image.sh <bundle folder> [--smoke <folder>]
#
# Needs: root, buildah, debootstrap, Node 20 (as build-runner-image.sh).
set -euo pipefail

[[ $# -ge 1 ]] || { echo "usage: $0 <bundle folder> [--smoke <folder>]" >&2 && exit 2; }
bundle=$(cd "$1" && pwd)
smoke=""
if [[ ${2:-} == --smoke ]]; then smoke=$(cd "${3:?--smoke needs a folder}" && pwd); fi

root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${SLIPWAY_IMAGE_CACHE:-$HOME/.cache/slipway/image}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
bah() { buildah --storage-driver vfs "$@"; }
log() { echo "[image] $*" >&2; }

. "$root/scripts/image/base-image.sh"

image=localhost/slipway-bundle:$(basename "$bundle" | tr -c 'a-z0-9.\n-' -)
log "building $image from $bundle/Dockerfile on $base"
started=$(date +%s)
bah bud --network host --isolation chroot --ignorefile "$bundle/.dockerignore" \
  --build-arg NODE_IMAGE="$base" -f "$bundle/Dockerfile" -t "$image" "$bundle" >&2
log "built $image in $(($(date +%s) - started)) s, $(bah images --format '{{.Size}}' "$image")"

[[ -n $smoke ]] || exit 0

cp "$root/scripts/image/smoke-bundle.mjs" "$smoke/"
chmod -R a+rX "$smoke"
ctr=$(bah from "$image")
status=0
bah run --network host --isolation chroot --volume "$smoke:/smoke:ro" "$ctr" -- \
  node /smoke/smoke-bundle.mjs >&2 || status=$?
bah rm "$ctr" >/dev/null
bah rmi "$image" >/dev/null 2>&1 || true
log "smoke test of $image: $([[ $status == 0 ]] && echo passed || echo "FAILED ($status)")"
exit "$status"
