#!/usr/bin/env bash
# One command for the training benchmark: visprompt's engine side by side with two PyTorch loops.
#   bench/run.sh           full run (3 interleaved rounds, feature on/off, profile, 3 accuracy seeds)
#   bench/run.sh --quick   smoke run (1 round, few steps, 1 seed, 2 epochs)
# Results: the table on stdout and bench/results/ (summary.md, *.csv, run.json, bench.png). See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK=bench/work
mkdir -p "$WORK" bench/results
PY=/usr/bin/python3

# --- prerequisites (Debian packages; torch 1.13 from Debian, not a pip/venv torch) -----------------------------
missing=()
[ -x "$PY" ] || missing+=(python3)
for module in torch:python3-torch torchvision:python3-torchvision numpy:python3-numpy matplotlib:python3-matplotlib \
    PIL:python3-pil; do
  "$PY" -c "import ${module%%:*}" 2>/dev/null || missing+=("${module##*:}")
done
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || missing+=(dataset-fashion-mnist)
# the caching malloc every side runs on (the engine's image preloads it too; glibc variants are measured as features)
ldconfig -p 2>/dev/null | grep -q 'libtcmalloc_minimal\.so\.4 ' || missing+=(libtcmalloc-minimal4)
command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing missing Debian packages: ${missing[*]}"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
  else
    echo "Missing: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# --- the demo fixtures (fashion-cnn, tiny-clip, fashion-border.zip, mnist-small.zip) ---------------------------
if [ ! -f src/main/resources/models/fashion-cnn/model.pt ] || [ ! -f src/main/resources/models/tiny-clip/image_encoder.pt ] \
    || [ ! -f src/test/resources/fixtures/data/fashion-border.zip ] || [ ! -f src/test/resources/fixtures/data/mnist-small.zip ]; then
  echo "The demo models or fixture zips are missing: making them with src/fixtures/make_fixtures.py (~20 min, needs npm)"
  OMP_WAIT_POLICY=PASSIVE "$PY" src/fixtures/make_fixtures.py
fi

# --- build: main and test classes (EngineBench lives in the test sources), and the classpath --------------------
echo "Building (mvnw test-compile)..."
./mvnw -q -B -o test-compile 2>/dev/null || ./mvnw -q -B test-compile
if [ ! -s "$WORK/classpath.txt" ] || [ pom.xml -nt "$WORK/classpath.txt" ]; then
  ./mvnw -q -B -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$ROOT/$WORK/classpath.txt" \
    2>/dev/null || ./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$ROOT/$WORK/classpath.txt"
fi

# --- models and data (cached in bench/work/) ----------------------------------------------------------------------
OMP_WAIT_POLICY=PASSIVE "$PY" bench/assets.py --work "$WORK"
for zip in fashion-border mnist-small; do
  if [ ! -d "$WORK/data/$zip/train" ]; then
    "$PY" -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" \
      "src/test/resources/fixtures/data/$zip.zip" "$WORK/data/$zip"
  fi
done

# --- the benchmark ------------------------------------------------------------------------------------------------
exec "$PY" bench/bench.py "$@"
