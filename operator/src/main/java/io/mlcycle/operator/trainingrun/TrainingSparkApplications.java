package io.mlcycle.operator.trainingrun;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.PodOverrides;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.api.trainingrun.TrainingRunSpec;
import io.mlcycle.operator.common.OperatorConfig;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.common.RuntimeObjects;
import io.mlcycle.operator.featureview.SparkApplications;
import io.mlcycle.task.TaskJson;
import io.mlcycle.task.TrainTask;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Spark engine of a TrainingRun: the SparkApplication that trains one version with the
 * trainer-spark image (XGBoost4J-Spark on the executors), in the shape of a FeatureView's Spark
 * pivot ({@link SparkApplications}): the TrainTask in the driver's {@code MLCYCLE_TASK} exactly as
 * a training Job's pod gets it, the summary back through the driver's termination message.
 */
public final class TrainingSparkApplications {

    public static final String MAIN_CLASS = "io.mlcycle.trainer.spark.Main";
    public static final String APPLICATION_FILE = "local:///opt/mlcycle/trainer-spark.jar";

    /**
     * How often and how far apart Spark checks that a barrier stage has all its task slots before
     * the run fails with ExecutorsUnavailable: five minutes for every executor to start.
     */
    static final String BARRIER_CHECK_INTERVAL = "10s";

    static final String BARRIER_CHECK_FAILURES = "30";

    private TrainingSparkApplications() {}

    /**
     * The training's SparkApplication: cluster mode, restartPolicy Never (a failed or invalid
     * training is not retried: its version is marked Failed and a new one reserved), dynamic
     * allocation off (XGBoost's barrier stage needs every executor at once), the data volume,
     * scratch and security context of runtime pods on driver and executors, the run's object
     * storage env on both, its pod overrides on both.
     */
    public static GenericKubernetesResource application(
            TrainingRun tr,
            String name,
            TrainTask task,
            OperatorConfig config,
            RuntimeJobs runtimeJobs,
            KubernetesSerialization serialization) {
        TrainingRunSpec spec = Defaults.copy(tr.getSpec());
        TrainingRunSpec.Spark spark =
                spec.spark == null ? Defaults.apply(new TrainingRunSpec.Spark()) : spec.spark;
        FeatureViewSpec.Driver driver =
                spark.driver == null ? Defaults.apply(new FeatureViewSpec.Driver()) : spark.driver;
        FeatureViewSpec.Executor executor =
                spark.executor == null
                        ? Defaults.apply(new FeatureViewSpec.Executor())
                        : spark.executor;
        Map<String, String> labels = RuntimeObjects.labels(tr, RuntimeJobs.Runtime.trainer);
        labels.put(SparkApplications.ENGINE_LABEL, TrainingRunSpec.Engine.spark.name());
        RuntimeJobs.Volumes volumes = runtimeJobs.volumes();
        List<EnvVar> storage = runtimeJobs.storageEnv(tr);
        List<EnvVar> driverEnv = new ArrayList<>();
        driverEnv.add(
                new EnvVarBuilder()
                        .withName(TaskJson.TASK_ENV)
                        .withValue(TaskJson.write(task))
                        .build());
        driverEnv.addAll(storage);

        Map<String, Object> driverSpec =
                driverSpec(spark, driver, labels, driverEnv, config, runtimeJobs);
        Map<String, Object> executorSpec =
                executorSpec(executor, labels, storage, config, runtimeJobs);
        PodOverrides.applyToSpark(spec.pod, driverSpec);
        PodOverrides.applyToSpark(spec.pod, executorSpec);

        Map<String, String> sparkConf = new LinkedHashMap<>();
        sparkConf.put("spark.driver.extraClassPath", SparkApplications.LIB_CLASSPATH);
        sparkConf.put("spark.executor.extraClassPath", SparkApplications.LIB_CLASSPATH);
        sparkConf.put(
                "spark.scheduler.barrier.maxConcurrentTasksCheck.interval", BARRIER_CHECK_INTERVAL);
        sparkConf.put(
                "spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures",
                BARRIER_CHECK_FAILURES);
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
                        : config.images().trainerSpark());
        appSpec.put("imagePullPolicy", "IfNotPresent");
        if (spec.pod != null && spec.pod.imagePullSecrets != null) {
            appSpec.put(
                    "imagePullSecrets",
                    spec.pod.imagePullSecrets.stream()
                            .map(io.fabric8.kubernetes.api.model.LocalObjectReference::getName)
                            .toList());
        }
        appSpec.put("mainClass", MAIN_CLASS);
        appSpec.put("mainApplicationFile", APPLICATION_FILE);
        appSpec.put("sparkVersion", spark.sparkVersion);
        appSpec.put("restartPolicy", Map.of("type", "Never"));
        appSpec.put("dynamicAllocation", Map.of("enabled", false));
        appSpec.put("sparkConf", sparkConf);
        appSpec.put("volumes", volumes.volumes());
        appSpec.put("driver", driverSpec);
        appSpec.put("executor", executorSpec);

        GenericKubernetesResource app = new GenericKubernetesResource();
        app.setApiVersion(SparkApplications.API_VERSION);
        app.setKind(SparkApplications.KIND);
        app.setMetadata(
                new ObjectMetaBuilder()
                        .withName(name)
                        .withNamespace(tr.getMetadata().getNamespace())
                        .withLabels(new LinkedHashMap<>(labels))
                        .withOwnerReferences(RuntimeObjects.controllerReference(tr))
                        .build());
        app.setAdditionalProperty("spec", serialization.convertValue(appSpec, Map.class));
        return app;
    }

    private static Map<String, Object> driverSpec(
            TrainingRunSpec.Spark spark,
            FeatureViewSpec.Driver driver,
            Map<String, String> labels,
            List<EnvVar> env,
            OperatorConfig config,
            RuntimeJobs runtimeJobs) {
        Map<String, Object> driverSpec = new LinkedHashMap<>();
        driverSpec.put("cores", driver.cores);
        driverSpec.put("memory", driver.memory);
        String sa =
                spark.serviceAccount != null && !spark.serviceAccount.isBlank()
                        ? spark.serviceAccount
                        : config.spark().serviceAccount().filter(s -> !s.isBlank()).orElse(null);
        if (sa != null) {
            driverSpec.put("serviceAccount", sa);
        }
        driverSpec.put("labels", labels);
        driverSpec.put("env", env);
        driverSpec.put("volumeMounts", runtimeJobs.volumes().mounts());
        runtimeJobs.securityContext().ifPresent(sc -> driverSpec.put("securityContext", sc));
        return driverSpec;
    }

    private static Map<String, Object> executorSpec(
            FeatureViewSpec.Executor executor,
            Map<String, String> labels,
            List<EnvVar> storage,
            OperatorConfig config,
            RuntimeJobs runtimeJobs) {
        Map<String, Object> executorSpec = new LinkedHashMap<>();
        executorSpec.put("instances", executor.instances);
        executorSpec.put("cores", executor.cores);
        executorSpec.put("memory", executor.memory);
        // executors call no API: the runtime account, without permissions or token
        config.runtime()
                .serviceAccount()
                .filter(s -> !s.isBlank())
                .ifPresent(s -> executorSpec.put("serviceAccount", s));
        executorSpec.put("labels", labels);
        if (!storage.isEmpty()) {
            executorSpec.put("env", storage);
        }
        executorSpec.put("volumeMounts", runtimeJobs.volumes().mounts());
        runtimeJobs.securityContext().ifPresent(sc -> executorSpec.put("securityContext", sc));
        return executorSpec;
    }
}
