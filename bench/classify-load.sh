#!/usr/bin/env bash
# /classify under load: starts the packaged service on its embedded defaults (a temporary data directory), trains a
# short prompt on the fixture task, then drives /v1/classify with 1, 8 and 32 concurrent clients and prints
# throughput, p50/p99 latency, the CPU the service and the load generator used, the mean time of each phase of a
# request (visprompt.classify.phase, from /actuator/prometheus) and the batch sizes.
# Usage: bench/classify-load.sh [seconds per level, default 20]
# Environment: JAR (default target/visprompt-*.jar), LABEL (printed with the figures), JFR (a .jfr file: record the
# service with Java Flight Recorder), RESNET (a directory with the ResNet-18 model.pt/model.json of bench/assets.py:
# also drive the bare ResNet-18 at 224 px, with each max-batch-size of RESNET_BATCHES, default "32 1": batching on and
# off), RESNET_SECONDS (default 20),
# LEVELS (concurrent clients, default 1,8,32), WARMUP_SECONDS (at 8 clients before the first level, default 20), CLIENT_CPUS (taskset list for the load generator, e.g. 1; default unpinned, its CPU use is printed either way).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_LEVEL=${1:-20}
PORT=${PORT:-18089}
BASE="http://localhost:${PORT}"
WORK=$(mktemp -d)
JAR=${JAR:-$(ls target/visprompt-*.jar 2>/dev/null | head -1)}
LABEL=${LABEL:-$(git rev-parse --short HEAD 2>/dev/null || echo current)}
# a throwaway admin key for this run's private service and database
KEY="vp_bench$(date +%s)_$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
AUTH=(-H "Authorization: Bearer ${KEY}")
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
json() { python3 -c "import json,sys; print(eval(sys.argv[1], {}, {'d': json.load(sys.stdin)}))" "$1"; }
CLIENT=(java bench/ClassifyLoad.java)
[ -n "${CLIENT_CPUS:-}" ] && CLIENT=(taskset -c "${CLIENT_CPUS}" "${CLIENT[@]}")

if [ -z "${JAR}" ]; then ./mvnw -q -B -ntp -DskipTests package; JAR=$(ls target/visprompt-*.jar | head -1); fi
SERVICE=
start_service() { # extra arguments go to the service
  java ${JFR:+-XX:StartFlightRecording=filename=${JFR},settings=profile} -jar "${JAR}" --server.port="${PORT}" \
    --visprompt.embedded-postgres.data-dir= \
    --visprompt.datasets.storage-dir="${WORK}/datasets" --visprompt.security.bootstrap-key="${KEY}" \
    --visprompt.security.quotas.inference-per-second=100000 --visprompt.security.quotas.inference-burst=100000 \
    "$@" > "${WORK}/service.log" 2>&1 &
  SERVICE=$!
  for _ in $(seq 1 180); do curl -sf "${BASE}/actuator/health/readiness" >/dev/null 2>&1 && return; sleep 1; done
  echo "service did not start"; tail -50 "${WORK}/service.log"; exit 1
}
stop_service() { kill "${SERVICE}" 2>/dev/null || true; wait "${SERVICE}" 2>/dev/null || true; }
trap 'stop_service; rm -rf "${WORK}"' EXIT

start_service
DATASET=$(curl -s "${AUTH[@]}" -F file=@src/test/resources/fixtures/data/fashion-border.zip "${BASE}/v1/datasets" | json 'd["id"]')
train() { # submits the short fixture job, waits for it; prints its id, sets TRAIN_SECONDS
  local start job
  start=$(date +%s.%N)
  job=$(curl -s "${AUTH[@]}" -H 'Content-Type: application/json' "${BASE}/v1/training-jobs" -d '{"dataset_id":"'"${DATASET}"'","model":"fashion-cnn","output":{"label_mapping":"by_name"},"hyperparameters":{"epochs":3,"batch_size":32,"learning_rate":4,"warmup_steps":20}}' | json 'd["id"]')
  until [ "$(curl -s "${AUTH[@]}" "${BASE}/v1/training-jobs/${job}" | json 'd["status"]')" = succeeded ]; do sleep 0.2; done
  TRAIN_SECONDS=$(python3 -c "print(f'{$(date +%s.%N) - ${start}:.1f}')")
  JOB=${job}
}
train
TRAINED_FIRST=${TRAIN_SECONDS}
PROMPT=$(curl -s "${AUTH[@]}" "${BASE}/v1/training-jobs/${JOB}" | json 'd["result"]["prompt_id"]')

mkdir -p "${WORK}/images" && unzip -q -o src/test/resources/fixtures/data/fashion-border.zip 'test/*' -d "${WORK}/images"
mapfile -t IMAGES < <(find "${WORK}/images/test" -name '*.png' | sort | head -64)
echo "== ${LABEL}: POST /v1/classify, prompt ${PROMPT} (fashion-cnn, 32x32), ${SECONDS_PER_LEVEL}s per level, $(nproc) cores"
"${CLIENT[@]}" "${BASE}" "${KEY}" "prompt_id=${PROMPT}" "${SECONDS_PER_LEVEL}" "${SERVICE}" "${LEVELS:-1,8,32}" "${IMAGES[@]}"
# serving threads set their own intra-op thread count; a training job after serving must train as fast as before it
train
echo "training job (fashion-cnn, 3 epochs, submit to succeeded): ${TRAINED_FIRST} s before serving, ${TRAIN_SECONDS} s after"

if [ -n "${RESNET:-}" ]; then
  stop_service
  MODELS=(--visprompt.models[0].id=fashion-cnn --visprompt.models[0].source=classpath:models/fashion-cnn
          --visprompt.models[1].id=resnet18 --visprompt.models[1].source="$(cd "${RESNET}" && pwd)")
  for batch in ${RESNET_BATCHES:-32 1}; do
    start_service "${MODELS[@]}" --visprompt.inference.max-batch-size="${batch}"
    echo "== ${LABEL}: POST /v1/classify, bare resnet18 (224x224, random weights), max-batch-size ${batch}, ${RESNET_SECONDS:-20}s per level"
    "${CLIENT[@]}" "${BASE}" "${KEY}" "model=resnet18&class_names=a,b,c,d,e,f,g,h,i,j" "${RESNET_SECONDS:-20}" \
      "${SERVICE}" "${LEVELS:-1,8,32}" "${IMAGES[@]}"
    stop_service
  done
fi
