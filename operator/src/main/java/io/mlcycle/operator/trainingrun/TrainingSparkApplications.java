package io.mlcycle.operator.trainingrun;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.SparkSpec;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.api.trainingrun.TrainingRunSpec;
import io.mlcycle.operator.common.OperatorConfig;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.common.RuntimeObjects;
import io.mlcycle.operator.common.SparkApplicationBuilder;
import io.mlcycle.operator.featureview.SparkApplications;
import io.mlcycle.task.TrainTask;

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
     * The training's SparkApplication (see {@link SparkApplicationBuilder}): dynamic allocation off
     * (XGBoost's barrier stage needs every executor at once) with a bounded wait for all of them,
     * the run's object storage env, its Iceberg inputs' catalog credentials ({@code catalogEnv})
     * and pod overrides on driver and executors.
     */
    public static GenericKubernetesResource application(
            TrainingRun tr,
            String name,
            TrainTask task,
            List<EnvVar> catalogEnv,
            OperatorConfig config,
            RuntimeJobs runtimeJobs,
            KubernetesSerialization serialization) {
        TrainingRunSpec spec = Defaults.copy(tr.getSpec());
        Map<String, String> labels = RuntimeObjects.labels(tr, RuntimeJobs.Runtime.trainer);
        labels.put(SparkApplications.ENGINE_LABEL, TrainingRunSpec.Engine.spark.name());
        Map<String, String> barrier = new LinkedHashMap<>();
        barrier.put(
                "spark.scheduler.barrier.maxConcurrentTasksCheck.interval", BARRIER_CHECK_INTERVAL);
        barrier.put(
                "spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures",
                BARRIER_CHECK_FAILURES);
        SparkApplicationBuilder.Runtime runtime =
                new SparkApplicationBuilder.Runtime(
                        MAIN_CLASS,
                        APPLICATION_FILE,
                        config.images().trainerSpark(),
                        barrier,
                        false);
        return SparkApplicationBuilder.build(
                new SparkApplicationBuilder.Request(
                        tr,
                        name,
                        labels,
                        runtime,
                        task,
                        settings(spec.spark),
                        runtimeJobs.storageEnv(tr, catalogEnv),
                        spec.pod),
                config,
                runtimeJobs,
                serialization);
    }

    /** A TrainingRun's spark block as the shared engine settings (no dynamic allocation). */
    static SparkSpec settings(TrainingRunSpec.Spark spark) {
        SparkSpec s = Defaults.apply(new SparkSpec());
        if (spark == null) {
            return s;
        }
        s.image = spark.image;
        if (spark.sparkVersion != null) {
            s.sparkVersion = spark.sparkVersion;
        }
        s.serviceAccount = spark.serviceAccount;
        s.driver = spark.driver;
        s.executor = spark.executor;
        s.sparkConf = spark.sparkConf;
        s.batchScheduler = spark.batchScheduler;
        s.batchSchedulerOptions = spark.batchSchedulerOptions;
        return s;
    }
}
