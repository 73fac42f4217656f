#!/usr/bin/env bash
# Usage: benchmarks/run online [entities] [nnzPerRow] [features] [rate/s] [seconds]
#    or: benchmarks/run online select [entities] [nnzPerRow] [features] [selected]
#   (default 20000 100 2000 50: the online copy full vs narrowed to one model's columns)
#   default 200000 50 5000 1000 30; a quick run: benchmarks/run online 20000 50 5000 1000 10
# Starts redis-server on loopback (Debian package redis-server), writes one FeatureView version,
# then measures single-entity lookups, and lookup + predict with a small trained model, open loop.
# Knobs (env): BENCH_WARM_POOL=0, BENCH_GC_BEFORE=0, BENCH_WARMUP_CALLS=n (see README.md), BENCH_HEAP.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
repo=${MAVEN_REPO:-$HOME/.m2/repository}/io/mlcycle
# model/trainer belong to other modules: build them only when not installed yet (or asked to)
if [ "${BENCH_REBUILD:-0}" = 1 ] || [ ! -f "$repo/mlcycle-trainer/0.1.0-SNAPSHOT/mlcycle-trainer-0.1.0-SNAPSHOT.jar" ]; then
  mvn -q -B -f "$root/pom.xml" -pl runtime-images/trainer -am install -DskipTests
fi
# the parent pom manages the Redis client version the online module uses
mvn -q -B -N -f "$root/pom.xml" install
mvn -q -B -f "$root/runtime-images/online/pom.xml" install -DskipTests
mvn -q -B -f "$here/pom.xml" package dependency:build-classpath -Dmdep.outputFile="$here/target/classpath.txt"
main=io.mlcycle.bench.OnlineBench
if [ "${1:-}" = select ]; then main=io.mlcycle.bench.OnlineSelectBench; shift; fi
exec java -Xmx${BENCH_HEAP:-2g} -Dai.djl.offline=true -XX:+UseParallelGC \
  -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" \
  "$main" "$@"
