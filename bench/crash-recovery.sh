#!/usr/bin/env bash
# Crash-recovery scenario: one API process and two worker-only processes share one PostgreSQL (Debian's server, a
# throw-away cluster on loopback) and one storage directory. Ten jobs are queued; a worker running a job is killed
# with SIGKILL twice (and restarted each time). Prints how every job ended, how many attempts and lease expiries it
# took, and checks that no job was lost or finished twice. Needs the packaged jar (./mvnw -DskipTests package).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-10}
EPOCHS=${EPOCHS:-6}
port=${PG_PORT:-55433}
work=$(mktemp -d /tmp/visprompt-crash.XXXXXX); chmod 755 "$work"
jar=$(ls target/visprompt-*.jar | grep -v original | head -n 1)
KEY=vp_crashadmin_0123456789abcdef0123456789abcdef0123456789abcdef
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir -p "$work/pg" "$work/storage"; [ "$(id -u)" = 0 ] && chown postgres "$work/pg"
as_postgres "$bin/initdb" -D "$work/pg" -U visprompt --auth=trust >/dev/null
as_postgres "$bin/pg_ctl" -D "$work/pg" -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1" -l "$work/pg/server.log" -w start >/dev/null
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; as_postgres "$bin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null || true; }
trap cleanup EXIT
as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U visprompt visprompt
psql() { as_postgres "$bin/psql" -h 127.0.0.1 -p "$port" -U visprompt -d visprompt -At -c "$1"; }

start() { # name port extra-args...
  local name=$1 http=$2; shift 2
  OMP_WAIT_POLICY=PASSIVE java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Xmx1g -jar "$jar" \
    --server.port="$http" --spring.datasource.url="jdbc:postgresql://127.0.0.1:$port/visprompt" \
    --spring.datasource.username=visprompt --visprompt.datasets.storage-dir="$work/storage" \
    --visprompt.security.bootstrap-key=$KEY --visprompt.training.lease-duration=10s \
    --visprompt.training.heartbeat-interval=2s --visprompt.training.reaper-interval=3s "$@" > "$work/$name.log" 2>&1 &
  pids+=($!); echo $!
}
ready() { for _ in $(seq 1 180); do curl -sf "http://127.0.0.1:$1/actuator/health/readiness" >/dev/null && return 0; sleep 1; done; return 1; }

api=$(start api 18180 --visprompt.training.workers=false); ready 18180
w1=$(start worker1 18181 --visprompt.api.enabled=false); w2=$(start worker2 18182 --visprompt.api.enabled=false)
ready 18181; ready 18182
AUTH=(-H "Authorization: Bearer $KEY")
ds=$(curl -sf "${AUTH[@]}" -F file=@src/test/resources/fixtures/data/fashion-border.zip -F name=crash "http://127.0.0.1:18180/v1/datasets" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for i in $(seq 1 "$JOBS"); do
  curl -sf "${AUTH[@]}" -H 'Content-Type: application/json' -o /dev/null \
    -d "{\"dataset_id\":\"$ds\",\"model\":\"fashion-cnn\",\"hyperparameters\":{\"epochs\":$EPOCHS,\"batch_size\":32,\"learning_rate\":4,\"warmup_steps\":10,\"checkpoint_every\":1}}" \
    "http://127.0.0.1:18180/v1/training-jobs"
done
echo "queued $JOBS jobs on dataset $ds"
kills=0; names=(worker1 worker2); ports=(18181 18182); wpids=($w1 $w2)
while [ $kills -lt 2 ]; do
  sleep 20
  k=$((kills % 2))
  running=$(psql "SELECT count(*) FROM training_jobs WHERE status='running' AND lease_owner IS NOT NULL")
  [ "$running" -gt 0 ] || continue
  echo "kill -9 ${names[$k]} (pid ${wpids[$k]}) with $running job(s) running"
  kill -9 "${wpids[$k]}"; kills=$((kills + 1))
  wpids[$k]=$(start "${names[$k]}-$kills" "${ports[$k]}" --visprompt.api.enabled=false)
done
for _ in $(seq 1 600); do
  left=$(psql "SELECT count(*) FROM training_jobs WHERE status NOT IN ('succeeded','failed','cancelled')")
  [ "$left" = 0 ] && break; sleep 5
done
echo "== outcome"
psql "SELECT status, count(*) FROM training_jobs GROUP BY status"
echo "== jobs that lost a lease (id, attempts, lost leases, resumes from a checkpoint)"
psql "SELECT j.id, j.attempt, j.lost_leases, (SELECT count(*) FROM training_job_events e WHERE e.job_id=j.id AND e.type='resumed' AND e.message LIKE 'Resuming from the checkpoint%') FROM training_jobs j WHERE j.lost_leases > 0"
echo "== prompts per job (must be 1 each)"
psql "SELECT count(*), count(DISTINCT job_id) FROM prompts"
echo "== finishing events per job (must be 1 each)"
psql "SELECT max(c) FROM (SELECT count(*) c FROM training_job_events WHERE type IN ('succeeded','failed','cancelled') GROUP BY job_id) t"
