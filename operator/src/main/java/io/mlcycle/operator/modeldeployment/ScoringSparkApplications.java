package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.common.OperatorConfig;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.common.RuntimeObjects;
import io.mlcycle.operator.common.SparkApplicationBuilder;
import io.mlcycle.operator.featureview.SparkApplications;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.Summary;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Batch scoring with {@code spec.batch.engine: spark}: the SparkApplication whose executors score
 * the feature tables with the scorer-spark image, the ScoreTask in the driver's {@code
 * MLCYCLE_TASK} exactly as a scoring Job's pod gets it, the summary back through the driver's
 * termination message.
 */
final class ScoringSparkApplications {

    static final String MAIN_CLASS = "io.mlcycle.scorer.spark.Main";
    static final String APPLICATION_FILE = "local:///opt/mlcycle/scorer-spark.jar";

    /** What a person changes when the Spark run could not start or finish. */
    static final String SETTINGS =
            "spec.batch.spark.image (an image with the scorer-spark runtime) or"
                    + " spec.batch.spark.executor (instances, cores, memory, memoryOverhead)";

    private ScoringSparkApplications() {}

    /** The SparkApplication of one fire time (see {@link SparkApplicationBuilder}). */
    static GenericKubernetesResource application(
            ModelDeployment md,
            String name,
            ScoreTask task,
            List<EnvVar> catalogEnv,
            OperatorConfig config,
            RuntimeJobs runtimeJobs,
            KubernetesSerialization serialization) {
        ModelDeploymentSpec spec = md.getSpec();
        Map<String, String> labels = RuntimeObjects.labels(md, RuntimeJobs.Runtime.server);
        labels.put(SparkApplications.ENGINE_LABEL, ModelDeploymentSpec.BatchEngine.spark.name());
        SparkApplicationBuilder.Runtime runtime =
                new SparkApplicationBuilder.Runtime(
                        MAIN_CLASS,
                        APPLICATION_FILE,
                        config.images().scorerSpark(),
                        Map.of(),
                        true);
        return SparkApplicationBuilder.build(
                new SparkApplicationBuilder.Request(
                        md,
                        name,
                        labels,
                        runtime,
                        task,
                        spec.batch.spark,
                        runtimeJobs.storageEnv(md, catalogEnv),
                        spec.pod),
                config,
                runtimeJobs,
                serialization);
    }

    /**
     * Reasons of a run that failed before or outside the scorer (submission, a driver that could
     * not start the runtime, a killed container): the scorer's own reasons already say what to
     * change.
     */
    static final Set<String> NOT_THE_SCORERS =
            Set.of(
                    "SparkFailed",
                    "SubmissionFailed",
                    "NoSummary",
                    "Error",
                    "OOMKilled",
                    "ContainerCannotRun",
                    "StartError");

    /** A failure of the application itself with the settings to change; others as they are. */
    static Summary explained(Summary s) {
        if (s.outcome() == Summary.Outcome.Succeeded
                || !NOT_THE_SCORERS.contains(s.reason())
                || (s.message() != null && s.message().contains("spec.batch.spark"))) {
            return s;
        }
        return Summary.failure(s.outcome(), s.reason(), s.message() + "; check " + SETTINGS);
    }
}
