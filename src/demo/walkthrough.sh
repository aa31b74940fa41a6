#!/usr/bin/env bash
# Starts visprompt on its embedded defaults (embedded PostgreSQL, built-in demo models) unless one already
# answers on $PORT, then runs the main job through the public API with curl: upload a dataset, train a prompt
# that reprograms a frozen model, poll it to the end and show what it learned.
# The API needs a key: VISPROMPT_API_KEY, else the admin key the service wrote to data/admin.key on its first start.
set -euo pipefail
cd "$(dirname "$0")/../.."

PORT=${PORT:-8080}
BASE="http://localhost:${PORT}"
DATASET=${DATASET:-src/test/resources/fixtures/data/mnist-small.zip}
MODEL=${MODEL:-tiny-clip}
KEY_FILE=${KEY_FILE:-data/admin.key}
JOB_JSON=${JOB_JSON:-'{"prompt":{"template":"padding","size":4},"hyperparameters":{"epochs":20,"batch_size":32,"learning_rate":10,"warmup_steps":20}}'}
# libtorch's OpenMP threads spin while waiting by default, which costs a lot on a busy small machine
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
# libtorch's warnings off: on a CPU without AVX2 it repeats "Could not initialize NNPACK" on every convolution
export TORCH_CPP_LOG_LEVEL=${TORCH_CPP_LOG_LEVEL:-ERROR}

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {}, {'d': d}))" "$1"; }

if ! curl -sf "${BASE}/actuator/health/readiness" >/dev/null 2>&1; then
  echo "== building and starting visprompt on port ${PORT} (log: data/visprompt.log)"
  ./mvnw -q -B -ntp -DskipTests package
  mkdir -p data
  # A caching malloc for libtorch when the machine has one (as the image does); glibc works too, only slower.
  preload=${LD_PRELOAD-$( (ldconfig -p 2>/dev/null || true) | awk '/libtcmalloc_minimal\.so\.4 /{print $NF; exit}')}
  LD_PRELOAD="${preload}" nohup java -jar target/visprompt-*.jar --server.port="${PORT}" > data/visprompt.log 2>&1 &
  echo $! > data/visprompt.pid
  for _ in $(seq 1 180); do
    curl -sf "${BASE}/actuator/health/readiness" >/dev/null 2>&1 && break
    sleep 1
  done
  curl -sf "${BASE}/actuator/health/readiness" >/dev/null || { echo "service did not start; see data/visprompt.log"; exit 1; }
fi

if [ -z "${VISPROMPT_API_KEY:-}" ]; then
  if [ ! -r "${KEY_FILE}" ]; then
    echo "No API key: set VISPROMPT_API_KEY, or start the service once on an empty database so that it writes ${KEY_FILE}"
    exit 1
  fi
  VISPROMPT_API_KEY=$(cat "${KEY_FILE}")
fi
AUTH=(-H "Authorization: Bearer ${VISPROMPT_API_KEY}")

echo "== models on offer"
curl -s "${AUTH[@]}" "${BASE}/v1/models" | json '"\n".join(m["id"] + " (" + m["kind"] + ", " + str(m["input_size"]) + " px)" for m in d["data"])'

echo "== uploading ${DATASET}"
DATASET_JSON=$(curl -s "${AUTH[@]}" -F "file=@${DATASET}" -F "name=$(basename "${DATASET}" .zip)" "${BASE}/v1/datasets")
DATASET_ID=$(echo "${DATASET_JSON}" | json 'd["id"]')
echo "${DATASET_JSON}" | json '"dataset " + d["id"] + ": classes " + ",".join(d["class_names"]) + "; images " + str(d["image_counts"])'

echo "== starting a training job on ${MODEL}"
BODY=$(python3 -c "import json,sys; b=json.loads(sys.argv[1]); b.update(dataset_id=sys.argv[2], model=sys.argv[3]); print(json.dumps(b))" "${JOB_JSON}" "${DATASET_ID}" "${MODEL}")
JOB_ID=$(curl -s "${AUTH[@]}" -H 'Content-Type: application/json' -d "${BODY}" "${BASE}/v1/training-jobs" | json 'd["id"]')
echo "job ${JOB_ID}"

while true; do
  JOB=$(curl -s "${AUTH[@]}" "${BASE}/v1/training-jobs/${JOB_ID}")
  STATUS=$(echo "${JOB}" | json 'd["status"]')
  echo "${JOB}" | json '"  " + d["status"] + " " + str(d.get("phase")) + " epoch " + str(d["progress"]["epoch"]) + "/" + str(d["progress"]["epochs"]) + " " + str(d["progress"].get("percent")) + "% eta " + str(d["progress"].get("eta_seconds")) + "s" + ("  val acc %.3f" % d["metrics"]["validation_accuracy"] if d.get("metrics") and d["metrics"].get("validation_accuracy") is not None else "")'
  case "${STATUS}" in succeeded|failed|cancelled) break ;; esac
  sleep 3
done

echo "== per-epoch metrics"
curl -s "${AUTH[@]}" "${BASE}/v1/training-jobs/${JOB_ID}/metrics" | json '"\n".join("  epoch %3d  loss %.4f  train acc %.3f  val acc %s  lr %.3f" % (m["epoch"], m["train_loss"], m["train_accuracy"], m.get("validation_accuracy"), m["learning_rate"]) for m in d["data"])'
echo "== result"
echo "${JOB}" | json 'd.get("result") or d.get("error")'
echo
echo "The service keeps running on ${BASE} (Swagger UI: ${BASE}/swagger-ui.html); stop it with: kill \$(cat data/visprompt.pid)"
echo "Its admin API key is in ${KEY_FILE}: curl -H \"Authorization: Bearer \$(cat ${KEY_FILE})\" ${BASE}/v1/datasets"
