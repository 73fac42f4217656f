package io.mlcycle.operator.trainingrun;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.mlcycle.operator.api.SparkSpec;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.api.trainingrun.TrainingRunSpec;
import io.mlcycle.operator.common.OperatorConfig;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.featureview.SparkApplications;
import io.mlcycle.operator.testing.Fixtures;
import io.mlcycle.operator.testing.Trees;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.TaskJson;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The SparkApplication of a TrainingRun with engine spark, and the spec checks of the engine. */
@UnitTier
class TrainingSparkApplicationTest {

    private static final FeatureResolver.Resolution INPUTS =
            new FeatureResolver.Resolution(
                    "2026-11-18",
                    List.of(
                            new FeatureInput(
                                    "events",
                                    "2026-11-18",
                                    "file:///data/features/events/asOf=2026-11-18/")),
                    "user_id",
                    null);

    static TrainingRun sparkRun() {
        TrainingRun tr = new TrainingRun();
        tr.setMetadata(
                new ObjectMetaBuilder()
                        .withName("ret")
                        .withNamespace("ml")
                        .withUid("uid-1")
                        .build());
        TrainingRunSpec spec = new TrainingRunSpec();
        spec.model = "return-predictor";
        TrainingRunSpec.FeatureRef ref = new TrainingRunSpec.FeatureRef();
        ref.featureView = "events";
        spec.features = List.of(ref);
        spec.labels = new TrainingRunSpec.Labels();
        spec.labels.uri = "file:///data/labels/dt={date}/";
        spec.labels.column = "returned";
        spec.algorithm = TrainingRunSpec.Algorithm.xgboost;
        spec.engine = TrainingRunSpec.Engine.spark;
        spec.spark = new TrainingRunSpec.Spark();
        spec.spark.executor = new SparkSpec.Executor();
        spec.spark.executor.instances = 3;
        spec.spark.executor.cores = 2;
        spec.spark.executor.memory = "4g";
        tr.setSpec(spec);
        return tr;
    }

    @Test
    void theDriverRunsTheSparkTrainerWithTheTaskAndAllExecutorsAtOnce() {
        OperatorConfig config = Fixtures.operatorConfig(Map.of());
        TrainingRun tr = sparkRun();
        TrainTask task = TrainTasks.task(tr, INPUTS, 4, "file:///data/models/");
        GenericKubernetesResource app =
                TrainingSparkApplications.application(
                        tr,
                        "ret-train-v4-1",
                        task,
                        List.of(
                                RuntimeJobs.secretEnv(
                                        PodEnv.CATALOG_PASSWORD, "lake-catalog", "password")),
                        config,
                        new RuntimeJobs(config),
                        new KubernetesSerialization());

        assertThat(app.getKind()).isEqualTo("SparkApplication");
        assertThat(app.getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(o -> assertThat(o.getUid()).isEqualTo("uid-1"));
        assertThat(app.getMetadata().getLabels())
                .containsEntry(SparkApplications.ENGINE_LABEL, "spark");
        Object spec = app.getAdditionalProperties().get("spec");
        assertThat((String) Trees.at(spec, "mainClass")).isEqualTo("io.mlcycle.trainer.spark.Main");
        assertThat((String) Trees.at(spec, "mainApplicationFile"))
                .isEqualTo("local:///opt/mlcycle/trainer-spark.jar");
        assertThat((String) Trees.at(spec, "image")).isEqualTo("mlcycle/trainer-spark:0.1.0");
        assertThat((String) Trees.at(spec, "mode")).isEqualTo("cluster");
        assertThat((Object) Trees.at(spec, "restartPolicy", "type")).isEqualTo("Never");
        // barrier mode: no dynamic allocation, a bounded wait for every executor
        assertThat((Object) Trees.at(spec, "dynamicAllocation", "enabled")).isEqualTo(false);
        assertThat((Map<String, Object>) Trees.at(spec, "sparkConf"))
                .containsEntry("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "30");
        assertThat((Object) Trees.at(spec, "executor", "instances")).isEqualTo(3);
        assertThat((Object) Trees.at(spec, "executor", "cores")).isEqualTo(2);
        assertThat((Object) Trees.at(spec, "executor", "memory")).isEqualTo("4g");
        assertThat((Object) Trees.at(spec, "driver", "memory")).isEqualTo("1g");
        // the task reaches the driver as a training Job's pod gets it
        List<Map<String, Object>> env = Trees.at(spec, "driver", "env");
        assertThat(env)
                .anySatisfy(
                        e -> {
                            assertThat(e.get("name")).isEqualTo(TaskJson.TASK_ENV);
                            assertThat(TaskJson.readTask((String) e.get("value"))).isEqualTo(task);
                        });
        // the driver plans an Iceberg view's tag with its catalog's credentials
        assertThat(env)
                .anySatisfy(
                        e -> {
                            assertThat(e.get("name")).isEqualTo(PodEnv.CATALOG_PASSWORD);
                            assertThat(
                                            (Object)
                                                    Trees.at(
                                                            e.get("valueFrom"),
                                                            "secretKeyRef",
                                                            "name"))
                                    .isEqualTo("lake-catalog");
                        });
    }

    @Test
    void trainingGetsThePivotsMemoryOverheadBatchSchedulerAndPodOverridesButNoDynamicAllocation() {
        OperatorConfig config = Fixtures.operatorConfig(Map.of());
        TrainingRun tr = sparkRun();
        tr.getSpec().spark.executor.memoryOverhead = "1g";
        tr.getSpec().spark.driver = new SparkSpec.Driver();
        tr.getSpec().spark.driver.memoryOverhead = "512m";
        tr.getSpec().spark.batchScheduler = "volcano";
        tr.getSpec().spark.batchSchedulerOptions = new SparkSpec.BatchSchedulerOptions();
        tr.getSpec().spark.batchSchedulerOptions.queue = "training";
        tr.getSpec().pod = new io.mlcycle.operator.api.PodOverrides();
        tr.getSpec().pod.nodeSelector = Map.of("pool", "train");
        TrainTask task = TrainTasks.task(tr, INPUTS, 4, "file:///data/models/");
        GenericKubernetesResource app =
                TrainingSparkApplications.application(
                        tr,
                        "ret-train-v4-1",
                        task,
                        List.of(),
                        config,
                        new RuntimeJobs(config),
                        new KubernetesSerialization());

        Object spec = app.getAdditionalProperties().get("spec");
        assertThat((Object) Trees.at(spec, "executor", "memoryOverhead")).isEqualTo("1g");
        assertThat((Object) Trees.at(spec, "driver", "memoryOverhead")).isEqualTo("512m");
        assertThat((Object) Trees.at(spec, "batchScheduler")).isEqualTo("volcano");
        assertThat((Object) Trees.at(spec, "batchSchedulerOptions", "queue")).isEqualTo("training");
        assertThat((Object) Trees.at(spec, "executor", "nodeSelector", "pool")).isEqualTo("train");
        assertThat((Object) Trees.at(spec, "driver", "nodeSelector", "pool")).isEqualTo("train");
        assertThat((Object) Trees.at(spec, "dynamicAllocation", "enabled")).isEqualTo(false);
    }

    @Test
    void autoWithTheSparkEngineIsInvalidNamingBothFields() {
        TrainingRunSpec spec = sparkRun().getSpec();
        spec.algorithm = TrainingRunSpec.Algorithm.auto;
        assertThat(TrainTasks.invalid(spec))
                .hasValueSatisfying(
                        m ->
                                assertThat(m)
                                        .startsWith(
                                                "spec.algorithm 'auto' cannot run with spec.engine"
                                                        + " 'spark', which trains xgboost only"));
    }

    @Test
    void xgboostWithTheSparkEngineIsValid() {
        assertThat(TrainTasks.invalid(sparkRun().getSpec())).isEmpty();
    }

    @Test
    void sparkSettingsWithThePodEngineAreInvalid() {
        TrainingRunSpec spec = sparkRun().getSpec();
        spec.engine = TrainingRunSpec.Engine.pod;
        assertThat(TrainTasks.invalid(spec))
                .hasValue(
                        "spec.spark is set but spec.engine is pod: spark settings need engine:"
                                + " spark");
    }
}
