package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.modelversion.ModelVersionSpec;
import io.mlcycle.operator.testing.Fixtures;
import io.mlcycle.operator.testing.Kubelet;
import io.mlcycle.task.ServeTask;
import io.mlcycle.task.Summary;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.deployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.serveTask;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.servingDeployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.version;
import static io.mlcycle.operator.testing.Cluster.TIMEOUT;
import static io.mlcycle.operator.testing.Cluster.awaitJob;
import static io.mlcycle.operator.testing.Cluster.awaitResource;
import static io.mlcycle.operator.testing.Cluster.condition;
import static io.mlcycle.operator.testing.Cluster.edit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@MockApiTier
@QuarkusTest
class ModelDeploymentOnlineTest {

    @Inject KubernetesClient client;

    private static FeatureViewSpec.Redis redis() {
        FeatureViewSpec.Redis redis = new FeatureViewSpec.Redis();
        redis.url = "redis://redis.data:6379/0";
        redis.passwordSecret = new FeatureViewSpec.SecretKey();
        redis.passwordSecret.name = "redis-auth";
        return redis;
    }

    private void materialize(String fv, String asOf, Summary summary) {
        var job = awaitJob(client, fv + "-pivot-" + asOf.replace("-", "") + "-1");
        new Kubelet(client).finish(job, summary);
        awaitResource(
                client,
                FeatureView.class,
                fv,
                f ->
                        f.getStatus() != null
                                && f.getStatus().latest != null
                                && asOf.equals(f.getStatus().latest.asOf));
    }

    private static Summary withOnline(String fv, String asOf) {
        return Summary.succeeded(
                "file:///data/features/" + fv + "/asOf=" + asOf + "/",
                Map.of(
                        "entities", 500.0,
                        "features", 30.0,
                        "onlineEntities", 500.0,
                        "onlineSwitched", 1.0),
                Map.of("onlineVersion", asOf.replace("-", "") + "-00aa11bb", "onlineAsOf", asOf));
    }

    private static Summary onlineWriteFailed(String fv, String asOf) {
        return new Summary(
                Summary.Outcome.Failed,
                "OnlineWriteFailed",
                "redis unavailable",
                "file:///data/features/" + fv + "/asOf=" + asOf + "/",
                Map.of("entities", 510.0, "features", 30.0),
                null);
    }

    private ModelDeploymentStatus.OnlineFeatures awaitOnline(String md, boolean stale) {
        ModelDeployment done =
                awaitResource(
                        client,
                        ModelDeployment.class,
                        md,
                        m ->
                                m.getStatus() != null
                                        && m.getStatus().onlineFeatures != null
                                        && m.getStatus().onlineFeatures.size() == 1
                                        && m.getStatus().onlineFeatures.get(0).stale == stale
                                        && condition(m.getStatus(), "OnlineFeaturesStale")
                                                .map(
                                                        c ->
                                                                c.getStatus()
                                                                        .equals(
                                                                                stale
                                                                                        ? "True"
                                                                                        : "False"))
                                                .orElse(false));
        return done.getStatus().onlineFeatures.get(0);
    }

    @Test
    void servesByEntityFromTheLineageViewsAndShowsWhenTheirOnlineRowsFallBehind() {
        FeatureView fv = FeatureViewOnlineTestViews.online("fv-md-online", "2026-11-18", redis());
        client.resource(fv).create();
        materialize("fv-md-online", "2026-11-18", withOnline("fv-md-online", "2026-11-18"));

        version(client, "m-online", 1, true);
        edit(
                client,
                ModelVersion.class,
                "m-online-v1",
                mv -> {
                    mv.getSpec().lineage = new ModelVersionSpec.Lineage();
                    mv.getSpec().lineage.featureViews =
                            List.of(
                                    new ModelVersionSpec.FeatureSource(
                                            "fv-md-online", "2026-11-18", "file:///x/"));
                    return mv;
                });
        ModelDeployment md = deployment("md-online", "m-online");
        md.getSpec().online = new ModelDeploymentSpec.Online();
        md.getSpec().online.redis = redis();
        client.resource(md).create();

        Deployment d =
                await().atMost(TIMEOUT)
                        .pollInterval(Duration.ofMillis(200))
                        .until(
                                () -> servingDeployment(client, "md-online"),
                                x ->
                                        x != null
                                                && serveTask(x).online() != null
                                                && !serveTask(x).online().featureViews().isEmpty());
        ServeTask task = serveTask(d);
        assertThat(task.online())
                .isEqualTo(
                        new ServeTask.Online(
                                "redis://redis.data:6379/0",
                                "MLCYCLE_REDIS_PASSWORD",
                                List.of("fv-md-online")));
        EnvVar password =
                d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                        .filter(e -> e.getName().equals("MLCYCLE_REDIS_PASSWORD"))
                        .findFirst()
                        .orElseThrow();
        assertThat(password.getValueFrom().getSecretKeyRef().getName()).isEqualTo("redis-auth");
        assertThat(password.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("password");

        ModelDeploymentStatus.OnlineFeatures fresh = awaitOnline("md-online", false);
        assertThat(fresh.asOf).isEqualTo("2026-11-18");
        assertThat(fresh.latestAsOf).isEqualTo("2026-11-18");

        // The next day's table is published but Redis was down: the deployment shows it is stale.
        edit(
                client,
                FeatureView.class,
                "fv-md-online",
                f -> {
                    f.getSpec().asOf = "2026-11-19";
                    return f;
                });
        materialize("fv-md-online", "2026-11-19", onlineWriteFailed("fv-md-online", "2026-11-19"));
        ModelDeploymentStatus.OnlineFeatures stale = awaitOnline("md-online", true);
        assertThat(stale.asOf).isEqualTo("2026-11-18");
        assertThat(stale.latestAsOf).isEqualTo("2026-11-19");
        ModelDeployment now =
                client.resources(ModelDeployment.class)
                        .inNamespace(md.getMetadata().getNamespace())
                        .withName("md-online")
                        .get();
        assertThat(condition(now.getStatus(), "OnlineFeaturesStale"))
                .hasValueSatisfying(
                        c -> {
                            assertThat(c.getReason()).isEqualTo("OnlineBehindLatest");
                            assertThat(c.getMessage())
                                    .contains("fv-md-online")
                                    .contains("2026-11-18")
                                    .contains("2026-11-19");
                        });
    }

    @Test
    void withoutOnlineTheServeTaskHasNoOnlineBlockNorRedisPassword() {
        version(client, "m-offline", 1, true);
        client.resource(deployment("md-offline", "m-offline")).create();
        Deployment d =
                await().atMost(TIMEOUT)
                        .until(() -> servingDeployment(client, "md-offline"), x -> x != null);
        assertThat(serveTask(d).online()).isNull();
        assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
                .noneMatch(e -> e.getName().equals("MLCYCLE_REDIS_PASSWORD"));
        ModelDeployment md =
                awaitResource(
                        client,
                        ModelDeployment.class,
                        "md-offline",
                        m -> m.getStatus() != null && m.getStatus().currentVersion != null);
        assertThat(md.getStatus().onlineFeatures).isNull();
        assertThat(condition(md.getStatus(), "OnlineFeaturesStale")).isEmpty();
    }

    /** FeatureViews with an online block, shared with nothing else. */
    static final class FeatureViewOnlineTestViews {
        static FeatureView online(String name, String asOf, FeatureViewSpec.Redis redis) {
            FeatureView fv = Fixtures.featureView(name);
            fv.getSpec().asOf = asOf;
            fv.getSpec().online = new FeatureViewSpec.Online();
            fv.getSpec().online.redis = redis;
            return fv;
        }
    }
}
