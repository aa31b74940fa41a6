#!/usr/bin/env bash
# Before and after in one run: packages the service as it was at BEFORE (a commit, default main) in a temporary
# directory, then runs bench/classify-load.sh on that jar and on this work tree's, one after the other on the same
# machine. Usage: bench/classify-compare.sh [BEFORE] [seconds per level, default 15]
# With RESNET set (see classify-load.sh) both also drive the bare ResNet-18; the "after" run also with batching off.
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=${1:-main}
SECONDS_PER_LEVEL=${2:-15}
BUILD=$(mktemp -d)
trap 'rm -rf "${BUILD}"' EXIT
git archive "${BEFORE}" | tar -x -C "${BUILD}"
(cd "${BUILD}" && ./mvnw -o -q -B -ntp -DskipTests package)
./mvnw -o -q -B -ntp -DskipTests package # this work tree, as it is now
JAR=$(ls "${BUILD}"/target/visprompt-*.jar | head -1) LABEL="before ($(git rev-parse --short "${BEFORE}"))" \
  RESNET_BATCHES=32 bench/classify-load.sh "${SECONDS_PER_LEVEL}"
LABEL="after ($(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ', uncommitted changes'))" \
  bench/classify-load.sh "${SECONDS_PER_LEVEL}"
