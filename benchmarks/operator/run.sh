#!/usr/bin/env bash
# Usage: benchmarks/run operator [N]   (default 1000: N each of FeatureView, TrainingRun, ModelDeployment)
# Knobs (env): SKIP_BUILD=1, BENCH_DIR (work dir, logs), TIMEOUT_S (converge limit, default 900),
# OPERATOR_JAVA_OPTS (the operator's JVM flags, default "-XX:+UseSerialGC -Xmx1g").
# Builds the operator and local mode, starts the mock API server (CRUD mode) with a fake kubelet
# that completes every Job and a fake Deployment controller, runs the operator jar against it,
# creates the resources and measures: time until all are Ready/Succeeded/Available, reconcile
# p50/p99 (from the operator's per-reconcile DEBUG line), API requests per reconcile when every
# resource is nudged but nothing changed, heap after a full GC and RSS. Prints the BENCH line last.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
n=${1:-1000}
work=${BENCH_DIR:-$here/target/work}
mkdir -p "$work"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "building the operator, local mode and this benchmark..." >&2
  mvn -q -B -f "$root/pom.xml" -pl operator,local -am install -DskipTests -Dspotless.check.skip=true >&2
  mvn -q -B -f "$here/pom.xml" package -DskipTests -Dspotless.check.skip=true >&2
fi
exec java -Xmx1g -XX:+UseParallelGC -cp "$here/target/bench-operator.jar:$here/target/lib/*" \
  io.mlcycle.bench.operator.OperatorBench --root "$root" --work "$work" --n "$n" \
  --timeout-s "${TIMEOUT_S:-900}" --operator-java-opts "${OPERATOR_JAVA_OPTS:--XX:+UseSerialGC -Xmx1g}"
