package io.mlcycle.operator.featureview;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.mlcycle.operator.api.SparkSpec;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.common.OperatorConfig;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.testing.Fixtures;
import io.mlcycle.operator.testing.Trees;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * spec.spark's executor, driver, dynamic allocation and batch scheduler settings reach the
 * SparkApplication in the Spark Operator's fields.
 */
@UnitTier
class SparkApplicationSettingsTest {

    static Object spec(FeatureView fv) {
        OperatorConfig config = Fixtures.operatorConfig(Map.of());
        // serialization only: the client never connects
        try (KubernetesClient client = new KubernetesClientBuilder().build()) {
            GenericKubernetesResource app =
                    new SparkApplications(config, client, new RuntimeJobs(config))
                            .application(
                                    fv,
                                    "fv-pivot-20261118-1",
                                    PivotTasks.task(fv, LocalDate.parse("2026-11-18")));
            return app.getAdditionalProperties().get("spec");
        }
    }

    @Test
    void theDefaultsAreTwoExecutorsWithoutDynamicAllocationOrBatchScheduler() {
        Object spec = spec(Fixtures.sparkView("fv"));

        assertThat(Trees.<Object>at(spec, "executor", "instances")).isEqualTo(2);
        assertThat(Trees.<Object>at(spec, "executor", "cores")).isEqualTo(1);
        assertThat(Trees.<Object>at(spec, "executor", "memory")).isEqualTo("1g");
        assertThat(Trees.<Object>at(spec, "driver", "memory")).isEqualTo("1g");
        assertThat(Trees.<Object>at(spec, "executor", "memoryOverhead")).isNull();
        assertThat(Trees.<Object>at(spec, "dynamicAllocation")).isNull();
        assertThat(Trees.<Object>at(spec, "batchScheduler")).isNull();
    }

    @Test
    void executorDriverDynamicAllocationAndBatchSchedulerSettingsArePassedThrough() {
        FeatureView fv = Fixtures.sparkView("fv");
        SparkSpec spark = new SparkSpec();
        spark.executor = new SparkSpec.Executor();
        spark.executor.instances = 4;
        spark.executor.cores = 2;
        spark.executor.memory = "3g";
        spark.executor.memoryOverhead = "768m";
        spark.driver = new SparkSpec.Driver();
        spark.driver.cores = 2;
        spark.driver.memory = "2g";
        spark.driver.memoryOverhead = "512m";
        spark.dynamicAllocation = new SparkSpec.DynamicAllocation();
        spark.dynamicAllocation.enabled = true;
        spark.dynamicAllocation.initialExecutors = 2;
        spark.dynamicAllocation.minExecutors = 1;
        spark.dynamicAllocation.maxExecutors = 8;
        spark.batchScheduler = "volcano";
        spark.batchSchedulerOptions = new SparkSpec.BatchSchedulerOptions();
        spark.batchSchedulerOptions.queue = "team-a";
        spark.batchSchedulerOptions.priorityClassName = "batch-low";
        fv.getSpec().spark = spark;

        Object spec = spec(fv);

        assertThat(Trees.<Map<String, Object>>at(spec, "executor"))
                .containsEntry("instances", 4)
                .containsEntry("cores", 2)
                .containsEntry("memory", "3g")
                .containsEntry("memoryOverhead", "768m");
        assertThat(Trees.<Map<String, Object>>at(spec, "driver"))
                .containsEntry("cores", 2)
                .containsEntry("memory", "2g")
                .containsEntry("memoryOverhead", "512m");
        assertThat(Trees.<Map<String, Object>>at(spec, "dynamicAllocation"))
                .isEqualTo(
                        Map.of(
                                "enabled", true,
                                "initialExecutors", 2,
                                "minExecutors", 1,
                                "maxExecutors", 8));
        assertThat(Trees.<Object>at(spec, "batchScheduler")).isEqualTo("volcano");
        assertThat(Trees.<Map<String, Object>>at(spec, "batchSchedulerOptions"))
                .isEqualTo(Map.of("queue", "team-a", "priorityClassName", "batch-low"));
    }

    @Test
    void dynamicAllocationWithMoreMinThanMaxExecutorsIsInvalidNamingTheField() {
        FeatureViewSpec spec = Fixtures.sparkSpec();
        spec.spark.dynamicAllocation = new SparkSpec.DynamicAllocation();
        spec.spark.dynamicAllocation.minExecutors = 5;
        spec.spark.dynamicAllocation.maxExecutors = 2;
        assertThat(PivotTasks.invalid(spec))
                .hasValue("spec.spark.dynamicAllocation.minExecutors: 5 exceeds maxExecutors 2");
    }
}
