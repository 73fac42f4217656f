#!/usr/bin/env bash
# Usage: benchmarks/run pivot [events users features]   (default 10000000 200000 5000)
# Builds the pivot runtimes (DuckDB and Spark engines) and this benchmark, generates the input once
# (kept under $BENCH_DIR), runs the same pivot task with both engines' jars, prints the BENCH line last.
# BENCH_MVN_ARGS: extra Maven arguments (e.g. -o -Dmaven.repo.local=...); PIVOT_JAR: another pivot jar.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
events=${1:-10000000}
users=${2:-200000}
features=${3:-5000}
work=${BENCH_DIR:-$root/benchmarks/pivot/target/work}
spark_timeout=${SPARK_TIMEOUT:-1800}
mkdir -p "$work"
read -r -a mvn_args <<< "${BENCH_MVN_ARGS:-}"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "building the pivot runtimes (with task, common) and this benchmark..." >&2
  mvn -q -B "${mvn_args[@]}" -f "$root/pom.xml" -pl runtime-images/pivot,runtime-images/pivot-spark -am \
    install -DskipTests -Dspotless.check.skip=true >&2
  mvn -q -B "${mvn_args[@]}" -f "$here/pom.xml" package -DskipTests >&2
fi
# the S3 leg's server: S3Proxy with mlcycle-common's LocalS3 (PIVOT_S3=0 skips it)
if [ "${PIVOT_S3:-1}" = 1 ]; then
  mvn -q -B "${mvn_args[@]}" -f "$root/runtime-images/common/pom.xml" dependency:build-classpath \
    -Dmdep.outputFile="$work/s3.classpath" >&2
  export S3_CLASSPATH="$root/runtime-images/common/target/classes:$(cat "$work/s3.classpath")"
fi
java -Xmx1g -cp "$here/target/bench-pivot.jar" io.mlcycle.bench.PivotBench \
  "$work" "${PIVOT_JAR:-$root/runtime-images/pivot/target/pivot.jar}" \
  "$root/runtime-images/pivot-spark/target/pivot-spark.jar" \
  "$events" "$users" "$features" "$spark_timeout" "${SPARK_HEAP:-6g}"
