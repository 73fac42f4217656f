#!/usr/bin/env bash
# Usage: benchmarks/run quality [generator users]   (default 20000)
# Exports ten public data sets from Debian's R packages (nothing is committed), turns each into a
# long event log, runs the real pivot and trainer jars with the TrainingRun defaults, and compares
# with an L2 logistic regression (liblinear) and XGBoost4J on the same hold-out; BENCH line last.
# Needs: apt-get install -y --no-install-recommends r-base-core r-cran-modeldata r-cran-mlbench r-cran-kernlab
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
users=${1:-20000}
work=${BENCH_DIR:-$here/target/work}
if ! command -v Rscript >/dev/null \
  || ! Rscript -e 'for (p in c("modeldata", "mlbench", "kernlab")) stopifnot(requireNamespace(p, quietly = TRUE))' >/dev/null 2>&1; then
  echo "the quality benchmark needs R and three R data packages; install them with:" >&2
  echo "  apt-get install -y --no-install-recommends r-base-core r-cran-modeldata r-cran-mlbench r-cran-kernlab" >&2
  exit 2
fi
mkdir -p "$work"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "building the pivot and trainer runtimes, the generator and this benchmark..." >&2
  mvn -q -B -f "$root/pom.xml" -pl runtime-images/pivot,runtime-images/trainer,examples/generator -am \
    install -DskipTests -Dspotless.check.skip=true >&2
  mvn -q -B -f "$here/pom.xml" package dependency:build-classpath -Dmdep.outputFile="$here/target/classpath.txt" >&2
fi
Rscript "$here/export.R" "$work/r" >&2
exec java -Xmx${BENCH_HEAP:-3g} -Dai.djl.offline=true \
  -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" \
  io.mlcycle.bench.QualityBench "$work" "$work/r" \
  "$root/runtime-images/pivot/target/pivot.jar" "$root/runtime-images/trainer/target/trainer.jar" \
  "$root/examples/generator/target/generator.jar" "$users"
