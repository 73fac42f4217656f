package io.mlcycle.operator.featureview;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.FeatureViewStatus;
import io.mlcycle.operator.testing.Kubelet;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static io.mlcycle.operator.testing.Cluster.assertCondition;
import static io.mlcycle.operator.testing.Cluster.awaitEvent;
import static io.mlcycle.operator.testing.Cluster.awaitJob;
import static io.mlcycle.operator.testing.Cluster.awaitResource;
import static io.mlcycle.operator.testing.Cluster.condition;
import static io.mlcycle.operator.testing.Cluster.conditionIs;
import static io.mlcycle.operator.testing.Fixtures.featureView;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@MockApiTier
@QuarkusTest
class FeatureViewOnlineTest {

    @Inject KubernetesClient client;

    /** A FeatureView written to Redis, its password in Secret {@code redis-auth}. */
    static FeatureView onlineView(String name, String asOf) {
        FeatureView fv = featureView(name);
        fv.getSpec().asOf = asOf;
        fv.getSpec().online = new FeatureViewSpec.Online();
        fv.getSpec().online.redis = new FeatureViewSpec.Redis();
        fv.getSpec().online.redis.url = "redis://redis.data:6379/0";
        fv.getSpec().online.redis.passwordSecret = new FeatureViewSpec.SecretKey();
        fv.getSpec().online.redis.passwordSecret.name = "redis-auth";
        fv.getSpec().online.redis.passwordSecret.key = "redis-password";
        fv.getSpec().online.ttl = "36h";
        return fv;
    }

    /** What a pivot pod reports after publishing and writing the version to Redis. */
    static Summary pivotWithOnline(String uri, String asOf, double entities) {
        return Summary.succeeded(
                uri,
                Map.of(
                        "entities", entities,
                        "features", 40.0,
                        "onlineEntities", entities,
                        "onlineSeconds", 0.8,
                        "onlineSwitched", 1.0),
                Map.of(
                        "onlineVersion",
                        asOf.replace("-", "") + "-0a1b2c3d",
                        "onlineAsOf",
                        asOf,
                        "onlineWrittenAt",
                        "2026-11-18T06:01:02Z"));
    }

    @Test
    void thePivotTaskCarriesTheOnlineBlockAndThePasswordOnlyAsASecretRef() {
        client.resource(onlineView("fv-online", "2026-11-18")).create();
        Job job = awaitJob(client, "fv-online-pivot-20261118-1");

        PivotTask task = (PivotTask) Kubelet.task(job);
        assertThat(task.online())
                .isEqualTo(
                        new PivotTask.Online(
                                "redis://redis.data:6379/0", 36 * 3600, "MLCYCLE_REDIS_PASSWORD"));
        EnvVar password =
                job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                        .filter(e -> e.getName().equals("MLCYCLE_REDIS_PASSWORD"))
                        .findFirst()
                        .orElseThrow();
        assertThat(password.getValue()).isNull();
        assertThat(password.getValueFrom().getSecretKeyRef().getName()).isEqualTo("redis-auth");
        assertThat(password.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("redis-password");
        assertThat(TaskJson.write(task)).doesNotContain("redis-auth");

        new Kubelet(client)
                .finish(
                        job,
                        pivotWithOnline(
                                "file:///data/features/fv-online/asOf=2026-11-18/",
                                "2026-11-18",
                                1200));
        FeatureView done =
                awaitResource(
                        client,
                        FeatureView.class,
                        "fv-online",
                        f -> f.getStatus() != null && f.getStatus().online != null);
        FeatureViewStatus.Online online = done.getStatus().online;
        assertThat(online.asOf).isEqualTo("2026-11-18");
        assertThat(online.version).isEqualTo("20261118-0a1b2c3d");
        assertThat(online.entities).isEqualTo(1200L);
        assertThat(online.writtenAt).isEqualTo("2026-11-18T06:01:02Z");
        assertThat(done.getStatus().latest.asOf).isEqualTo("2026-11-18");
        await().atMost(Duration.ofSeconds(10))
                .until(
                        () ->
                                conditionIs(
                                        client.resources(FeatureView.class)
                                                .inNamespace(done.getMetadata().getNamespace())
                                                .withName("fv-online")
                                                .get()
                                                .getStatus(),
                                        "OnlineSynced",
                                        "True"));
    }

    @Test
    void aFailedOnlineWriteKeepsThePublishedTableAsLatestAndSaysTheOnlineStoreIsBehind() {
        client.resource(onlineView("fv-online-down", "2026-11-18")).create();
        Job job = awaitJob(client, "fv-online-down-pivot-20261118-1");
        new Kubelet(client)
                .finish(
                        job,
                        new Summary(
                                Summary.Outcome.Failed,
                                "OnlineWriteFailed",
                                "redis://redis.data:6379/0 is unavailable: Connection refused",
                                "file:///data/features/fv-online-down/asOf=2026-11-18/",
                                Map.of("entities", 900.0, "features", 40.0),
                                null));
        FeatureView done =
                awaitResource(
                        client,
                        FeatureView.class,
                        "fv-online-down",
                        f ->
                                f.getStatus() != null
                                        && f.getStatus().latest != null
                                        && condition(f.getStatus(), "OnlineSynced").isPresent());
        FeatureViewStatus status = done.getStatus();
        assertThat(status.latest.uri)
                .isEqualTo("file:///data/features/fv-online-down/asOf=2026-11-18/");
        assertThat(status.latest.entities).isEqualTo(900L);
        assertThat(status.online).isNull();
        assertCondition(status, "OnlineSynced", "False", "OnlineWriteFailed")
                .contains("Connection refused");
        assertThat(conditionIs(status, "Degraded", "True")).isTrue();
        awaitEvent(client, "fv-online-down", "OnlineWriteFailed");
    }
}
