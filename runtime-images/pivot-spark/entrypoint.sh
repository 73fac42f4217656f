#!/bin/bash
# The pivot-spark image's entrypoint. It answers the commands Spark on Kubernetes gives its pods
# (those of Apache Spark's kubernetes/dockerfiles/spark/entrypoint.sh) with plain `java` and the
# Maven Central jars in /opt/mlcycle/lib: the image has no Spark distribution, no spark-submit script.
#   driver ARGS   spark-submit in client mode (the driver pod the Spark Operator starts)
#   executor      Spark's Kubernetes executor backend (needs spark-kubernetes_2.13 in the image)
#   (nothing)     the pivot task of MLCYCLE_TASK, as every runtime pod runs it (Spark local master)
#   anything else run as given
set -euo pipefail
lib=/opt/mlcycle/lib
cp="/opt/mlcycle/pivot-spark.jar:$lib/*${SPARK_CLASSPATH:+:$SPARK_CLASSPATH}"
# what spark-submit's launcher adds for Spark's JVMs on JDK 17
opens=(--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED)
k8s_backend() {
  compgen -G "$lib/spark-kubernetes_*.jar" >/dev/null || {
    echo "pivot-spark image: no spark-kubernetes_2.13 jar in $lib (the Maven repository it was built from does not serve it), so $1 cannot run on Kubernetes; build the image with that jar (runtime-images/pivot-spark: mvn package -Pspark-kubernetes)" >&2
    exit 2
  }
}
case "${1:-}" in
  driver)
    shift
    conf=()
    if [ -n "${SPARK_DRIVER_BIND_ADDRESS:-}" ]; then
      conf=(--conf "spark.driver.bindAddress=$SPARK_DRIVER_BIND_ADDRESS"
            --conf "spark.executorEnv.SPARK_DRIVER_POD_IP=$SPARK_DRIVER_BIND_ADDRESS")
    fi
    if grep -qs 'k8s://' "$@" 2>/dev/null || [[ " $* " == *" k8s://"* ]]; then k8s_backend "a driver with a k8s:// master"; fi
    exec java "${opens[@]}" -XX:MaxRAMPercentage=75 -cp "$cp" org.apache.spark.deploy.SparkSubmit "${conf[@]}" --deploy-mode client "$@"
    ;;
  executor)
    k8s_backend "an executor"
    readarray -t java_opts < <(env | grep '^SPARK_JAVA_OPT_' | sort -t_ -k4 -n | sed 's/[^=]*=\(.*\)/\1/g')
    exec java "${opens[@]}" "${java_opts[@]}" -Xms"$SPARK_EXECUTOR_MEMORY" -Xmx"$SPARK_EXECUTOR_MEMORY" -cp "$cp" \
      org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend \
      --driver-url "$SPARK_DRIVER_URL" --executor-id "$SPARK_EXECUTOR_ID" --cores "$SPARK_EXECUTOR_CORES" \
      --app-id "$SPARK_APPLICATION_ID" --hostname "$SPARK_EXECUTOR_POD_IP" \
      --resourceProfileId "$SPARK_RESOURCE_PROFILE_ID" --podName "$SPARK_EXECUTOR_POD_NAME"
    ;;
  "")
    exec java "${opens[@]}" -XX:MaxRAMPercentage=75 -cp "$cp" io.mlcycle.pivot.spark.Main
    ;;
  *)
    exec "$@"
    ;;
esac
