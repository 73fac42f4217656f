#!/usr/bin/env bash
# Usage: benchmarks/run judge [runs]   (default 2000 seeded runs per scenario and traffic level)
#        benchmarks/run judge labels [runs]   (the labels goal alone at every traffic level)
# Knobs (env): SKIP_BUILD=1, SEED (default 1).
# Feeds seeded synthetic feedback streams through the operator's real decision code (the threshold
# rules of AnalysisStep and ShadowDecision, the sequential PairedJudge, ProportionJudge and
# TwoSampleJudge), judged at every interval, and reports wrong-decision rates and labels to a
# decision side by side; BENCH line last.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
main=JudgeBench
if [ "${1:-}" = labels ]; then
  main=LabelsGoal
  shift
fi
runs=${1:-2000}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "building the operator and this benchmark..." >&2
  mvn -q -B -f "$root/pom.xml" -pl operator -am install -DskipTests -Dspotless.check.skip=true >&2
  mvn -q -B -f "$here/pom.xml" package dependency:build-classpath -Dmdep.outputFile="$here/target/classpath.txt" >&2
fi
exec java -Xmx1g -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" \
  "io.mlcycle.bench.judge.$main" "$runs" "${SEED:-1}"
