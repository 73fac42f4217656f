package io.mlcycle.operator.common;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.PodOverrides;
import io.mlcycle.operator.api.SparkSpec;
import io.mlcycle.task.Task;
import io.mlcycle.task.TaskJson;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one builder of the SparkApplications the Spark engines run (pivot, training, batch scoring):
 * cluster mode, the task in the driver's {@code MLCYCLE_TASK} exactly as a Job's pod gets it, the
 * given env (Secrets, object storage) on driver and executors, the data volume, scratch and
 * security context of runtime pods, driver and executor resources, dynamic allocation, the batch
 * scheduler, the owner's pod overrides, restartPolicy Never (an Invalid or failed run is not
 * retried).
 */
public final class SparkApplicationBuilder {

    public static final String GROUP = "sparkoperator.k8s.io";
    public static final String VERSION = "v1beta2";
    public static final String API_VERSION = GROUP + "/" + VERSION;
    public static final String KIND = "SparkApplication";

    /** The runtime's own libraries in every mlcycle Spark image. */
    public static final String LIB_CLASSPATH = "/opt/mlcycle/lib/*";

    /**
     * What one engine runs.
     *
     * @param mainClass the runtime's main class
     * @param applicationFile its jar in the image ({@code local:///opt/mlcycle/<runtime>.jar})
     * @param defaultImage the image when {@code spark.image} is not set
     * @param sparkConf properties the engine needs, before the user's {@code sparkConf}
     * @param dynamicAllocationAllowed false: executors all at once (XGBoost's barrier stage)
     */
    public record Runtime(
            String mainClass,
            String applicationFile,
            String defaultImage,
            Map<String, String> sparkConf,
            boolean dynamicAllocationAllowed) {}

    /**
     * One application.
     *
     * @param owner the resource that owns it (garbage-collected with it)
     * @param spark the engine settings (defaults applied where unset)
     * @param env variables of driver and executors besides the task
     * @param pod the owner's pod overrides (applied to driver and executors)
     */
    public record Request(
            HasMetadata owner,
            String name,
            Map<String, String> labels,
            Runtime runtime,
            Task task,
            SparkSpec spark,
            List<EnvVar> env,
            PodOverrides pod) {}

    private SparkApplicationBuilder() {}

    /** The SparkApplication of {@code r}. */
    public static GenericKubernetesResource build(
            Request r,
            OperatorConfig config,
            RuntimeJobs runtimeJobs,
            KubernetesSerialization serialization) {
        SparkSpec spark = r.spark() == null ? Defaults.apply(new SparkSpec()) : r.spark();
        RuntimeJobs.Volumes volumes = runtimeJobs.volumes();
        List<EnvVar> driverEnv = new ArrayList<>();
        driverEnv.add(
                new EnvVarBuilder()
                        .withName(TaskJson.TASK_ENV)
                        .withValue(TaskJson.writeTask(r.task()))
                        .build());
        driverEnv.addAll(r.env());

        Map<String, Object> driverSpec = driverSpec(spark, r, driverEnv, config, runtimeJobs);
        Map<String, Object> executorSpec = executorSpec(spark, r, config, runtimeJobs);
        PodOverrides.applyToSpark(r.pod(), driverSpec);
        PodOverrides.applyToSpark(r.pod(), executorSpec);

        // The image keeps its jars (Spark's and what Spark lacks: DuckDB, mlcycle's modules...) in
        // /opt/mlcycle/lib. Shuffle files go to the emptyDir Spark mounts for its local dirs by
        // itself (writable under a read-only root file system). No --add-opens here: the image's
        // entrypoint adds them to every JVM it starts.
        Map<String, String> sparkConf = new LinkedHashMap<>();
        sparkConf.put("spark.driver.extraClassPath", LIB_CLASSPATH);
        sparkConf.put("spark.executor.extraClassPath", LIB_CLASSPATH);
        sparkConf.putAll(r.runtime().sparkConf());
        if (spark.sparkConf != null) {
            sparkConf.putAll(spark.sparkConf);
        }

        Map<String, Object> appSpec = new LinkedHashMap<>();
        appSpec.put("type", "Java");
        appSpec.put("mode", "cluster");
        appSpec.put(
                "image",
                spark.image != null && !spark.image.isBlank()
                        ? spark.image
                        : r.runtime().defaultImage());
        appSpec.put("imagePullPolicy", "IfNotPresent");
        if (r.pod() != null && r.pod().imagePullSecrets != null) {
            appSpec.put(
                    "imagePullSecrets",
                    r.pod().imagePullSecrets.stream().map(LocalObjectReference::getName).toList());
        }
        appSpec.put("mainClass", r.runtime().mainClass());
        appSpec.put("mainApplicationFile", r.runtime().applicationFile());
        appSpec.put("sparkVersion", spark.sparkVersion);
        appSpec.put("restartPolicy", Map.of("type", "Never"));
        if (!r.runtime().dynamicAllocationAllowed()) {
            appSpec.put("dynamicAllocation", Map.of("enabled", false));
        }
        appSpec.put("sparkConf", sparkConf);
        appSpec.put("volumes", volumes.volumes());
        appSpec.put("driver", driverSpec);
        appSpec.put("executor", executorSpec);
        scheduling(spark, r.runtime().dynamicAllocationAllowed(), appSpec);

        GenericKubernetesResource app = new GenericKubernetesResource();
        app.setApiVersion(API_VERSION);
        app.setKind(KIND);
        app.setMetadata(
                new ObjectMetaBuilder()
                        .withName(r.name())
                        .withNamespace(r.owner().getMetadata().getNamespace())
                        .withLabels(new LinkedHashMap<>(r.labels()))
                        .withOwnerReferences(RuntimeObjects.controllerReference(r.owner()))
                        .build());
        // Through the client's serialization: plain maps and lists, as a SparkApplication read
        // back from the API server holds them.
        app.setAdditionalProperty("spec", serialization.convertValue(appSpec, Map.class));
        return app;
    }

    private static Map<String, Object> driverSpec(
            SparkSpec spark,
            Request r,
            List<EnvVar> env,
            OperatorConfig config,
            RuntimeJobs runtimeJobs) {
        SparkSpec.Driver driver =
                spark.driver == null ? Defaults.apply(new SparkSpec.Driver()) : spark.driver;
        Map<String, Object> driverSpec = new LinkedHashMap<>();
        driverSpec.put("cores", driver.cores);
        driverSpec.put("memory", driver.memory);
        if (driver.memoryOverhead != null) {
            driverSpec.put("memoryOverhead", driver.memoryOverhead);
        }
        String sa =
                spark.serviceAccount != null && !spark.serviceAccount.isBlank()
                        ? spark.serviceAccount
                        : config.spark().serviceAccount().filter(s -> !s.isBlank()).orElse(null);
        if (sa != null) {
            driverSpec.put("serviceAccount", sa);
        }
        driverSpec.put("labels", r.labels());
        driverSpec.put("env", env);
        driverSpec.put("volumeMounts", runtimeJobs.volumes().mounts());
        runtimeJobs.securityContext().ifPresent(sc -> driverSpec.put("securityContext", sc));
        return driverSpec;
    }

    private static Map<String, Object> executorSpec(
            SparkSpec spark, Request r, OperatorConfig config, RuntimeJobs runtimeJobs) {
        SparkSpec.Executor executor =
                spark.executor == null ? Defaults.apply(new SparkSpec.Executor()) : spark.executor;
        Map<String, Object> executorSpec = new LinkedHashMap<>();
        executorSpec.put("instances", executor.instances);
        executorSpec.put("cores", executor.cores);
        executorSpec.put("memory", executor.memory);
        if (executor.memoryOverhead != null) {
            executorSpec.put("memoryOverhead", executor.memoryOverhead);
        }
        // Executors call no API: the runtime account, without permissions or token.
        config.runtime()
                .serviceAccount()
                .filter(s -> !s.isBlank())
                .ifPresent(s -> executorSpec.put("serviceAccount", s));
        executorSpec.put("labels", r.labels());
        if (!r.env().isEmpty()) {
            executorSpec.put("env", r.env());
        }
        executorSpec.put("volumeMounts", runtimeJobs.volumes().mounts());
        runtimeJobs.securityContext().ifPresent(sc -> executorSpec.put("securityContext", sc));
        return executorSpec;
    }

    /**
     * Dynamic allocation (where the runtime allows it) and the batch scheduler, as the Spark
     * Operator's fields of the same names (it turns them into spark.dynamicAllocation.* and the
     * pods' scheduler).
     */
    static void scheduling(SparkSpec spark, boolean dynamicAllowed, Map<String, Object> appSpec) {
        SparkSpec.DynamicAllocation dynamic = spark.dynamicAllocation;
        if (dynamicAllowed && dynamic != null && Boolean.TRUE.equals(dynamic.enabled)) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("enabled", true);
            if (dynamic.initialExecutors != null) {
                d.put("initialExecutors", dynamic.initialExecutors);
            }
            if (dynamic.minExecutors != null) {
                d.put("minExecutors", dynamic.minExecutors);
            }
            if (dynamic.maxExecutors != null) {
                d.put("maxExecutors", dynamic.maxExecutors);
            }
            appSpec.put("dynamicAllocation", d);
        }
        if (spark.batchScheduler != null && !spark.batchScheduler.isBlank()) {
            appSpec.put("batchScheduler", spark.batchScheduler);
        }
        SparkSpec.BatchSchedulerOptions options = spark.batchSchedulerOptions;
        if (options != null) {
            Map<String, Object> o = new LinkedHashMap<>();
            if (options.queue != null) {
                o.put("queue", options.queue);
            }
            if (options.priorityClassName != null) {
                o.put("priorityClassName", options.priorityClassName);
            }
            appSpec.put("batchSchedulerOptions", o);
        }
    }
}
