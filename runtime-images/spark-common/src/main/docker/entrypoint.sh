#!/bin/bash
# The Spark runtime images' entrypoint (pivot-spark, trainer-spark, scorer-spark: each image's
# Dockerfile sets MLCYCLE_JAR, its jar, and MLCYCLE_MAIN, its main class; the build copies this file
# into each module's target/docker/). It answers the commands Spark on Kubernetes gives its pods
# (those of Apache Spark's kubernetes/dockerfiles/spark/entrypoint.sh) with plain `java` and the
# Maven Central jars in /opt/mlcycle/lib (Spark 3.5.6 for Scala 2.12 with spark-kubernetes): the
# image has no Spark distribution, no spark-submit script.
#   driver ARGS   spark-submit in client mode inside the driver pod (what the Spark Operator's
#                 cluster-mode submission starts: --properties-file ... --class ... <jar>)
#   executor      Spark's KubernetesExecutorBackend from the SPARK_* env the driver gives executor pods
#   (nothing)     the task of MLCYCLE_TASK, as every runtime pod runs it (Spark local master)
#   anything else run as given
set -euo pipefail
lib=/opt/mlcycle/lib
jar=${MLCYCLE_JAR:?the image sets MLCYCLE_JAR}
cp="$jar:$lib/*${SPARK_CLASSPATH:+:$SPARK_CLASSPATH}"
# the pod's conf directory (log4j2.properties of a ConfigMap) first, as spark-class puts it
if [ -n "${SPARK_CONF_DIR:-}" ]; then cp="$SPARK_CONF_DIR:$cp"; fi
# what spark-submit's launcher adds for Spark's JVMs on JDK 17
opens=(--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED)
# spark.driver.memory of the properties file as the heap (spark-submit's launcher does this); without
# one, three quarters of the pod's memory
driver_heap() {
  local file="" prev="" a mem=""
  for a in "$@"; do
    if [ "$prev" = "--properties-file" ]; then file="$a"; fi
    prev="$a"
  done
  if [ -n "$file" ] && [ -r "$file" ]; then
    mem=$(sed -n 's/^spark\.driver\.memory[[:space:]]*[=:][[:space:]]*\([0-9]*[kmgtKMGT]\?\)[[:space:]]*$/\1/p' "$file" | tail -1)
  fi
  if [ -n "$mem" ]; then echo "-Xmx$mem"; else echo "-XX:MaxRAMPercentage=75"; fi
}
case "${1:-}" in
  driver)
    shift
    conf=()
    if [ -n "${SPARK_DRIVER_BIND_ADDRESS:-}" ]; then
      conf=(--conf "spark.driver.bindAddress=$SPARK_DRIVER_BIND_ADDRESS"
            --conf "spark.executorEnv.SPARK_DRIVER_POD_IP=$SPARK_DRIVER_BIND_ADDRESS")
    fi
    exec java "${opens[@]}" "$(driver_heap "$@")" -cp "$cp" org.apache.spark.deploy.SparkSubmit "${conf[@]}" --deploy-mode client "$@"
    ;;
  executor)
    host="$SPARK_EXECUTOR_POD_IP"
    if [[ "$host" == *:* ]]; then host="[$host]"; fi
    readarray -t java_opts < <(env | grep '^SPARK_JAVA_OPT_' | sort -t_ -k4 -n | sed 's/[^=]*=\(.*\)/\1/g')
    exec java "${opens[@]}" "${java_opts[@]}" -Xms"$SPARK_EXECUTOR_MEMORY" -Xmx"$SPARK_EXECUTOR_MEMORY" -cp "$cp" \
      org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend \
      --driver-url "$SPARK_DRIVER_URL" --executor-id "$SPARK_EXECUTOR_ID" --cores "$SPARK_EXECUTOR_CORES" \
      --app-id "$SPARK_APPLICATION_ID" --hostname "$host" \
      --resourceProfileId "${SPARK_RESOURCE_PROFILE_ID:-0}" --podName "$SPARK_EXECUTOR_POD_NAME"
    ;;
  "")
    exec java "${opens[@]}" -XX:MaxRAMPercentage=75 -cp "$cp" "${MLCYCLE_MAIN:?the image sets MLCYCLE_MAIN}"
    ;;
  *)
    exec "$@"
    ;;
esac
