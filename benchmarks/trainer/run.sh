#!/usr/bin/env bash
# Usage: benchmarks/run trainer [rows] [features] [epochs]
#   default 200000 5000 2; a quick run: benchmarks/run trainer 20000 1000
# Resnet hyper-parameters: BENCH_LR, BENCH_BATCH, BENCH_HIDDEN, BENCH_BLOCKS, BENCH_DROPOUT, BENCH_WD,
#   BENCH_SCHEDULE (constant|cosine, default cosine), BENCH_SCALING (minmax|log, default log),
#   BENCH_PATIENCE (>0: early stopping on BENCH_VALFRAC of the training split, default 0.1),
#   BENCH_SEED (data, split and training; 42). Tried settings and results: README.md here.
# Trains the resnet and XGBoost4J on the same split of planted sparse data, then SHAP on all features.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mvn -q -B -f "$root/runtime-images/model/pom.xml" install -DskipTests
mvn -q -B -f "$root/runtime-images/trainer/pom.xml" install -DskipTests
mvn -q -B -f "$here/pom.xml" package dependency:build-classpath -Dmdep.outputFile="$here/target/classpath.txt"
exec java -Xmx${BENCH_HEAP:-6g} -Dai.djl.offline=true \
  -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" \
  io.mlcycle.bench.TrainerBench "$@"
