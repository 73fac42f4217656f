package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.testing.Kubelet;
import io.mlcycle.task.Summary;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.deployment;
import static io.mlcycle.operator.testing.Cluster.NS;
import static io.mlcycle.operator.testing.Cluster.TIMEOUT;
import static io.mlcycle.operator.testing.Cluster.awaitResource;
import static io.mlcycle.operator.testing.Cluster.jobs;
import static org.awaitility.Awaitility.await;

/**
 * Batch scoring fixtures: a materialized FeatureView, a daily-scoring deployment, its fire time.
 */
final class BatchFixtures {

    private BatchFixtures() {}

    static FeatureView materializedFeatureView(KubernetesClient client, String name) {
        return materializedFeatureView(client, name, spec -> {});
    }

    /** A FeatureView materialized at 2026-11-18, its spec edited by {@code edit} first. */
    static FeatureView materializedFeatureView(
            KubernetesClient client, String name, Consumer<FeatureViewSpec> edit) {
        FeatureViewSpec spec = new FeatureViewSpec();
        spec.entity = "user_id";
        spec.source = new FeatureViewSpec.Source();
        spec.source.uri = "file:///data/raw/" + name + "/dt={date}/";
        spec.pivot = new FeatureViewSpec.Pivot();
        spec.pivot.key = "event_id";
        spec.pivot.value = "cnt";
        spec.window = "1d";
        spec.asOf = "2026-11-18";
        spec.store = new FeatureViewSpec.Store();
        spec.store.uri = "file:///data/features/" + name + "/";
        edit.accept(spec);
        FeatureView fv = new FeatureView();
        fv.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
        fv.setSpec(spec);
        client.resource(fv).create();
        Job pivot =
                await().atMost(TIMEOUT)
                        .until(
                                () -> jobs(client, "mlcycle.io/featureview", name),
                                l -> !l.isEmpty())
                        .get(0);
        String uri = "file:///data/features/" + name + "/asOf=2026-11-18/";
        new Kubelet(client).finish(pivot, Summary.succeeded(uri, Map.of("entities", 100.0), null));
        return awaitResource(
                client,
                FeatureView.class,
                name,
                f -> f.getStatus() != null && f.getStatus().latest != null);
    }

    /** ModelDeployment {@code name} of {@code model} scoring {@code fv} daily at 05:00 (UTC). */
    static ModelDeployment dailyBatch(String name, String model, String fv) {
        ModelDeployment md = deployment(name, model);
        md.getSpec().batch = new ModelDeploymentSpec.Batch();
        md.getSpec().batch.schedule = "0 5 * * *";
        md.getSpec().batch.featureViews = List.of(fv);
        md.getSpec().batch.output = new ModelDeploymentSpec.Output();
        md.getSpec().batch.output.uri = "file:///data/scores/" + model;
        return md;
    }

    /** Creates {@code md} and waits until the operator gave it a batch status. */
    static ModelDeployment createWithBatchStatus(KubernetesClient client, ModelDeployment md) {
        ModelDeployment created = client.resource(md).create();
        awaitResource(
                client,
                ModelDeployment.class,
                md.getMetadata().getName(),
                m -> m.getStatus() != null && m.getStatus().batch != null);
        return created;
    }

    /** The first 05:00 (UTC) after {@code created}. */
    static ZonedDateTime firstFire(ModelDeployment created) {
        ZonedDateTime createdAt =
                Instant.parse(created.getMetadata().getCreationTimestamp()).atZone(ZoneOffset.UTC);
        ZonedDateTime fire = createdAt.toLocalDate().atTime(5, 0).atZone(ZoneOffset.UTC);
        return fire.isAfter(createdAt) ? fire : fire.plusDays(1);
    }
}
