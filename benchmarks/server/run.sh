#!/usr/bin/env bash
# Usage: benchmarks/run server [features]   (default 200 features; resnet, hidden 128, 2 blocks)
#        benchmarks/run server mirror [features]   (the mirror-on leg only: MirrorBench; LEGS=2)
#        benchmarks/run server requestlog [features]   (request log off, at 0.1 and at 1.0: RequestLogBench; LEGS=2)
#        benchmarks/run server requestlog-handoff <sampleRate|0> [rate] [seconds] [rounds]
#          (RequestLogHandOffBench: the request log in one process, no server: offer wall time, writer CPU)
#        benchmarks/run server batched [features]  (the batched leg only, JSON and binary: BatchedBench)
#        benchmarks/run server probe [features]   (PathProbe: JSON and gRPC closed loops of
#          RATE x SECONDS_AT_RATE calls each, twice, for profiling; PROBE_STRACE=1 counts syscalls)
# Knobs (env): RATE, SECONDS_AT_RATE, BATCH_ROWS, BATCH_SECONDS, BATCH_CONNECTIONS, HIDDEN, BLOCKS,
# BATCH_WARMUP (seconds of warm-up per form in the batched leg alone, default 10),
# REUSE_MODEL=1 (skip training when the same shape was trained before), SKIP_BUILD=1,
# BENCH_LOAD=spin|park|queue (the generator of record, default spin),
# BENCH_SERVER_JAVA_OPTS (more JVM flags for the server process, e.g. -Xlog:gc:file=gc.log),
# BENCH_PHASES=paths (only the single-row JSON, binary and gRPC paths: ends with BENCH server-paths),
# SERVER_JAR (another build of the server, e.g. a copy of main's target/server.jar with its lib/
# beside it, to measure before and after alternately).
# Builds the server runtime and this benchmark, trains a model, starts the server jar on loopback
# as its own process, drives it open-loop at 1000 single-row requests/s (latency from the scheduled
# send time) and then with batched requests; prints the BENCH line last.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
main=ServerBench
if [ "${1:-}" = mirror ]; then
  main=MirrorBench
  shift
elif [ "${1:-}" = requestlog ]; then
  main=RequestLogBench
  shift
elif [ "${1:-}" = requestlog-handoff ]; then
  shift
  if [ "${SKIP_BUILD:-0}" != 1 ]; then
    mvn -q -B -f "$root/runtime-images/server/pom.xml" install -DskipTests -Dspotless.check.skip=true >&2
    mvn -q -B -f "$here/pom.xml" package -DskipTests -Dspotless.check.skip=true >&2
  fi
  exec java -XX:+UseParallelGC -cp "$here/target/bench-server.jar:${SERVER_JAR:-$root/runtime-images/server/target/server.jar}:$here/target/lib/*" \
    io.mlcycle.server.RequestLogHandOffBench "${1:?sample rate (0: no log)}" "${2:-1000}" "${3:-10}" "${4:-4}"
elif [ "${1:-}" = batched ]; then
  main=BatchedBench
  shift
elif [ "${1:-}" = probe ]; then
  main=PathProbe
  shift
fi
features=${1:-200}
work=${BENCH_DIR:-$here/target/work}
mkdir -p "$work"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "building the server runtime and this benchmark..." >&2
  mvn -q -B -f "$root/runtime-images/server/pom.xml" install -DskipTests -Dspotless.check.skip=true >&2
  mvn -q -B -f "$here/pom.xml" package -DskipTests -Dspotless.check.skip=true >&2
fi
exec java -Xmx1g -XX:+UseParallelGC -Dai.djl.offline=true \
  -cp "$here/target/bench-server.jar:$here/target/lib/*" "io.mlcycle.bench.server.$main" \
  --work "$work" --server-jar "${SERVER_JAR:-$root/runtime-images/server/target/server.jar}" --features "$features" \
  --rate "${RATE:-1000}" --seconds "${SECONDS_AT_RATE:-20}" --batch "${BATCH_ROWS:-250}" \
  --batch-seconds "${BATCH_SECONDS:-10}" --connections "${BATCH_CONNECTIONS:-2}" --batch-warmup "${BATCH_WARMUP:-10}" \
  --hidden "${HIDDEN:-128}" --blocks "${BLOCKS:-2}" --reuse-model "${REUSE_MODEL:-0}" --legs "${LEGS:-2}"
