#!/usr/bin/env bash
# Images per second of one full training step of the engine (prompted forward, backward to the prompt, SGD update)
# on the demo classifier at batch 32, with random pixels: a quick look at this machine's engine speed that needs only
# the JDK. bench/run.sh is the full benchmark (against PyTorch, on real data). Usage: bench/step-throughput.sh [steps]
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=bench/work
mkdir -p "$WORK"

# TrainingStepThroughput lives in the test sources (next to EngineBench) for the engine's package-private classes
./mvnw -q -B -o test-compile 2>/dev/null || ./mvnw -q -B test-compile
if [ ! -s "$WORK/classpath.txt" ] || [ pom.xml -nt "$WORK/classpath.txt" ]; then
  ./mvnw -q -B -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$(pwd)/$WORK/classpath.txt" \
    2>/dev/null || ./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$(pwd)/$WORK/classpath.txt"
fi

# the same native set-up as the service's image: tcmalloc when installed, sleeping OpenMP waiters, 2 threads
preload=${LD_PRELOAD-$( (ldconfig -p 2>/dev/null || true) | awk '/libtcmalloc_minimal\.so\.4 /{print $NF; exit}')}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
LD_PRELOAD="${preload}" exec java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="${THREADS:-2}" \
  -Dai.djl.pytorch.num_interop_threads=1 -Dlogback.configurationFile=bench/logback-bench.xml \
  -cp "target/test-classes:target/classes:$(cat "$WORK/classpath.txt")" \
  io.visprompt.training.engine.TrainingStepThroughput "$@"
