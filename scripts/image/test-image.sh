#!/usr/bin/env bash
# `npm test`'s "image" suite: builds the runner image's `node` target from deploy/runner/Dockerfile
# with buildah and runs a runner from it on a fixture (build-runner-image.sh --smoke), then an
# export bundle's image from the bundle's own Dockerfile (build-bundle-image.sh --smoke). Where
# buildah or debootstrap is missing, or not as root, the suite is skipped, saying why (written to
# SLIPWAY_TEST_SKIPPED_FILE for npm test's summary), except in CI, where that is a failure.
set -euo pipefail
why=""
if [[ $(id -u) != 0 ]]; then why="building images with buildah here needs root"; fi
for tool in debootstrap buildah; do
  command -v "$tool" >/dev/null || why="$tool is not installed (apt-get install -y buildah debootstrap)"
done
if [[ -n $why ]]; then
  if [[ -n ${CI:-} ]]; then
    echo "[image] FAILED: $why; .ci/run installs what this suite needs" >&2
    exit 1
  fi
  echo "[image] skipped: $why" >&2
  if [[ -n ${SLIPWAY_TEST_SKIPPED_FILE:-} ]]; then echo "$why" >"$SLIPWAY_TEST_SKIPPED_FILE"; fi
  exit 0
fi
bash "$(dirname "$0")/build-runner-image.sh" node --smoke
# An export bundle's own Dockerfile (PMML), built on the same base and run: the bundle inside
# answers as the gateway did (gateway/test/export-bundle-image.test.ts, build-bundle-image.sh).
# Its CI report goes to a file of its own: the gateway suite's test-results.json is that suite's.
cd "$(dirname "$0")/../../gateway"
SLIPWAY_TEST_BUNDLE_IMAGE=1 SLIPWAY_TEST_REPORT=test-results.image.json \
  exec npx vitest run test/export-bundle-image.test.ts
