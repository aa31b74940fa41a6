#!/usr/bin/env bash
# /classify under load: starts the packaged service on its embedded defaults (a temporary data directory), trains a
# short prompt on the fixture task, then drives /v1/classify with 1, 8 and 32 concurrent clients and prints
# throughput and p50/p99 latency. Usage: bench/classify-load.sh [seconds per level, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_LEVEL=${1:-20}
PORT=${PORT:-18089}
BASE="http://localhost:${PORT}"
WORK=$(mktemp -d)
# a throwaway admin key for this run's private service and database
KEY="vp_bench$(date +%s)_$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
AUTH=(-H "Authorization: Bearer ${KEY}")
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
json() { python3 -c "import json,sys; print(eval(sys.argv[1], {}, {'d': json.load(sys.stdin)}))" "$1"; }

ls target/visprompt-*.jar >/dev/null 2>&1 || ./mvnw -q -B -ntp -DskipTests package
java -jar target/visprompt-*.jar --server.port="${PORT}" --visprompt.embedded-postgres.data-dir= \
  --visprompt.datasets.storage-dir="${WORK}/datasets" --visprompt.security.bootstrap-key="${KEY}" \
  --visprompt.security.quotas.inference-per-second=100000 --visprompt.security.quotas.inference-burst=100000 \
  > "${WORK}/service.log" 2>&1 &
SERVICE=$!
trap 'kill ${SERVICE} 2>/dev/null; wait ${SERVICE} 2>/dev/null; rm -rf "${WORK}"' EXIT
for _ in $(seq 1 180); do curl -sf "${BASE}/actuator/health/readiness" >/dev/null 2>&1 && break; sleep 1; done

DATASET=$(curl -s "${AUTH[@]}" -F file=@src/test/resources/fixtures/data/fashion-border.zip "${BASE}/v1/datasets" | json 'd["id"]')
JOB=$(curl -s "${AUTH[@]}" -H 'Content-Type: application/json' "${BASE}/v1/training-jobs" -d '{"dataset_id":"'"${DATASET}"'","model":"fashion-cnn","output":{"label_mapping":"by_name"},"hyperparameters":{"epochs":3,"batch_size":32,"learning_rate":4,"warmup_steps":20}}' | json 'd["id"]')
until [ "$(curl -s "${AUTH[@]}" "${BASE}/v1/training-jobs/${JOB}" | json 'd["status"]')" = succeeded ]; do sleep 1; done
PROMPT=$(curl -s "${AUTH[@]}" "${BASE}/v1/training-jobs/${JOB}" | json 'd["result"]["prompt_id"]')

mkdir -p "${WORK}/images" && unzip -q -o src/test/resources/fixtures/data/fashion-border.zip 'test/*' -d "${WORK}/images"
mapfile -t IMAGES < <(find "${WORK}/images/test" -name '*.png' | sort | head -64)
echo "POST /v1/classify, prompt ${PROMPT} (fashion-cnn, 32x32), ${SECONDS_PER_LEVEL}s per level, $(nproc) cores"
java bench/ClassifyLoad.java "${BASE}" "${KEY}" "${PROMPT}" "${SECONDS_PER_LEVEL}" "${IMAGES[@]}"
curl -s "${BASE}/actuator/prometheus" | grep -E '^visprompt_classify_batch_size_(count|sum)' || true
