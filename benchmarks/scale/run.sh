#!/usr/bin/env bash
# Usage: benchmarks/run scale [--entities N] [--features N] [--events-per-entity N] [--executors 2|1,2,3]
#          [--pod-limit-mb N] [--executor-pod-mb N] [--main yes|no] [--boundary-entities N (0: skip)]
#          [--boundary-features N] [--boundary-limit-mb N] [--boundary-driver-mb N]
#          [--boundary-executors 1,2,3] [--boundary-spark-limit yes|no] [--timeout-s N]
# Builds the pivot, pivot-spark, trainer, trainer-spark, server and scorer-spark runtimes and this benchmark,
# generates the population once (kept under $BENCH_DIR), runs each engine as its pod runs it, then
# the single pod and the Spark engine under one per-pod memory limit; prints the BENCH line last.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${BENCH_DIR:-$here/target/work}
repo=()
[ -n "${MAVEN_REPO:-}" ] && repo=(-Dmaven.repo.local="$MAVEN_REPO")
mkdir -p "$work"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "building the runtimes (pivot, pivot-spark, trainer, trainer-spark, server, scorer-spark) and this benchmark..." >&2
  mvn -q -B "${repo[@]}" -f "$root/pom.xml" \
    -pl runtime-images/pivot,runtime-images/pivot-spark,runtime-images/trainer,runtime-images/trainer-spark,runtime-images/server,runtime-images/scorer-spark \
    -am install -DskipTests -Dspotless.check.skip=true >&2
  mvn -q -B "${repo[@]}" -f "$here/pom.xml" package dependency:build-classpath \
    -DskipTests -Dmdep.outputFile="$here/target/classpath.txt" >&2
fi
exec java -Xmx512m -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" \
  io.mlcycle.bench.scale.ScaleBench "$work" "$root" "$@"
