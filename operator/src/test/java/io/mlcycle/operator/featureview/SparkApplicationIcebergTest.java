package io.mlcycle.operator.featureview;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.common.OperatorConfig;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.testing.Fixtures;
import io.mlcycle.operator.testing.SparkOperator;
import io.mlcycle.operator.testing.Trees;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Spark FeatureView with {@code store.format: iceberg}: the driver gets the task naming the
 * catalog and table, and driver and executors get the catalog's credentials as Secret references,
 * as a pivot pod does.
 */
@UnitTier
class SparkApplicationIcebergTest {

    @Test
    void theDriverGetsTheCatalogInItsTaskAndBothPodsTheCatalogSecretNeverItsValues() {
        OperatorConfig config = Fixtures.operatorConfig(Map.of());
        FeatureView fv = Fixtures.icebergSparkView("items");
        fv.getSpec().store.uri = "s3://lake/features/items/";
        PivotTask task = PivotTasks.task(fv, LocalDate.parse("2026-11-20"));
        GenericKubernetesResource app;
        // serialization only: the client never connects
        try (KubernetesClient client = new KubernetesClientBuilder().build()) {
            app =
                    new SparkApplications(config, client, new RuntimeJobs(config))
                            .application(fv, "items-pivot-20261120-1", task);
        }

        assertThat(PivotTasks.invalid(fv.getSpec())).isEmpty();
        Object spec = app.getAdditionalProperties().get("spec");
        assertThat(((PivotTask) SparkOperator.driverTask(app)).store().catalog())
                .isEqualTo(
                        new TableCatalog(
                                "jdbc",
                                "mlcycle",
                                "jdbc:postgresql://pg.data:5432/lake",
                                "s3://lake/features/items/",
                                "features",
                                "items",
                                PodEnv.CATALOG_USER,
                                PodEnv.CATALOG_PASSWORD,
                                null));
        for (String pod : List.of("driver", "executor")) {
            List<Map<String, Object>> env = Trees.at(spec, pod, "env");
            for (String[] expected :
                    new String[][] {
                        {PodEnv.CATALOG_USER, "username"}, {PodEnv.CATALOG_PASSWORD, "password"}
                    }) {
                assertThat(env)
                        .as(pod)
                        .filteredOn(e -> expected[0].equals(e.get("name")))
                        .singleElement()
                        .satisfies(
                                e ->
                                        assertThat(e)
                                                .doesNotContainKey("value")
                                                .containsEntry(
                                                        "valueFrom",
                                                        Map.of(
                                                                "secretKeyRef",
                                                                Map.of(
                                                                        "name",
                                                                        "lake-catalog",
                                                                        "key",
                                                                        expected[1]))));
            }
        }
    }
}
