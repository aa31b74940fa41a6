#!/usr/bin/env bash
# Sweep figures: on fashion-border (fashion-cnn) and mnist-small (tiny-clip), the default-settings job, every trial of
# a grid, and an ASHA sweep over the same trials, with the service's engine and its sweep classes (SweepBench).
#   bench/sweep.sh                       both tasks, 9 epochs per trial
#   bench/sweep.sh -Depochs=3 -Dtasks=fashion-border   a smaller run
#   bench/sweep.sh -Druns=asha -DashaSeeds=1,2,3,4 -Dout=bench/results/sweeps-asha-seeds   ASHA in other trial orders
# Writes bench/results/sweeps.md (the table) and bench/results/sweeps.csv (every trial). See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=bench/work
mkdir -p "$WORK" bench/results
./mvnw -q -B -o test-compile 2>/dev/null || ./mvnw -q -B test-compile
if [ ! -s "$WORK/classpath.txt" ] || [ pom.xml -nt "$WORK/classpath.txt" ]; then
  ./mvnw -q -B -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$(pwd)/$WORK/classpath.txt"
fi
TCMALLOC=$(ldconfig -p 2>/dev/null | awk '/libtcmalloc_minimal\.so\.4 /{print $NF; exit}')
OMP_WAIT_POLICY=PASSIVE LD_PRELOAD="${TCMALLOC:-}" exec java -Xmx3g -Dai.djl.offline=true \
  -Dai.djl.pytorch.num_threads="${THREADS:-2}" -Dai.djl.pytorch.num_interop_threads=1 "$@" \
  -cp "target/classes:target/test-classes:$(cat "$WORK/classpath.txt")" io.visprompt.training.SweepBench
