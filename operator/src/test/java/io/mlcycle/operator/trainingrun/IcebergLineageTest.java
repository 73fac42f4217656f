package io.mlcycle.operator.trainingrun;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.IcebergCatalog;
import io.mlcycle.operator.api.featureview.StoreFormat;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.modelversion.ModelVersionSpec;
import io.mlcycle.operator.testing.Fixtures;
import io.mlcycle.operator.testing.Kubelet;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TrainSummary;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.mlcycle.operator.testing.Cluster.NS;
import static io.mlcycle.operator.testing.Cluster.awaitJob;
import static io.mlcycle.operator.testing.Cluster.awaitResource;
import static io.mlcycle.operator.testing.Fixtures.materialize;
import static io.mlcycle.operator.testing.Fixtures.trainingRun;
import static org.assertj.core.api.Assertions.assertThat;

/** A version trained on an Iceberg FeatureView carries the snapshot the trainer read. */
@MockApiTier
@QuarkusTest
class IcebergLineageTest {

    private static final long SNAPSHOT = 4_611_686_018_427_387_904L + 17;

    @Inject KubernetesClient client;

    @Test
    void theSnapshotTheTrainerReportsIsRecordedInTheModelVersionsLineage() {
        FeatureView fv = Fixtures.featureView("lake-events", "2026-11-18");
        fv.getSpec().store.format = StoreFormat.iceberg;
        fv.getSpec().store.catalog = new IcebergCatalog();
        fv.getSpec().store.catalog.type = IcebergCatalog.Type.hadoop;
        client.resource(fv).create();
        materialize(client, "lake-events", "2026-11-18");
        client.resource(trainingRun("lake-tr", "lake-model", "lake-events")).create();

        Job job = awaitJob(client, "lake-tr-train-v1-1");
        TrainTask task = (TrainTask) Kubelet.task(job);
        FeatureInput input = task.features().get(0);
        assertThat(input.catalog()).as("the task names the view's Iceberg table").isNotNull();
        Summary trained = Fixtures.trained("file:///data/models/lake-model/v1/", 0.8);
        Map<String, Object> details = new LinkedHashMap<>(trained.details());
        details.put(
                TrainSummary.SNAPSHOTS,
                TrainSummary.snapshots(List.of(input.withSnapshot(SNAPSHOT))));
        new Kubelet(client)
                .finish(job, Summary.succeeded(trained.uri(), trained.figures(), details));

        ModelVersion mv =
                awaitResource(
                        client,
                        ModelVersion.class,
                        "lake-model-v1",
                        m ->
                                m.getSpec().training != null
                                        && m.getSpec().training.state
                                                == ModelVersionSpec.State.Succeeded);
        assertThat(mv.getSpec().lineage.featureViews)
                .singleElement()
                .satisfies(
                        f -> {
                            assertThat(f.name).isEqualTo("lake-events");
                            assertThat(f.asOf).isEqualTo("2026-11-18");
                            assertThat(f.snapshotId).isEqualTo(SNAPSHOT);
                        });
        // what `kubectl get mv lake-model-v1 -o yaml` prints
        GenericKubernetesResource raw =
                client.genericKubernetesResources("mlcycle.io/v1alpha1", "ModelVersion")
                        .inNamespace(NS)
                        .withName("lake-model-v1")
                        .get();
        assertThat(Serialization.asYaml(raw)).contains("snapshotId: " + SNAPSHOT);
    }
}
