package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.IcebergCatalog;
import io.mlcycle.operator.api.featureview.StoreFormat;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Phase;
import io.mlcycle.operator.testing.Cluster;
import io.mlcycle.operator.testing.Fixtures;
import io.mlcycle.operator.testing.Kubelet;
import io.mlcycle.operator.testing.TestClock;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.function.Consumer;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.version;
import static io.mlcycle.operator.testing.Cluster.awaitEvent;
import static io.mlcycle.operator.testing.Cluster.awaitResource;
import static io.mlcycle.operator.testing.Cluster.jobs;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Batch scores through a rest catalog ({@code spec.batch.output.catalog.type: rest}): its {@code
 * uri} passes the outbound policy before any scoring Job starts (refused: InvalidSpec naming the
 * field, the last scores stay), and an allowed one reaches the pod with the Secret's client id,
 * secret and bearer token as optional {@code secretKeyRef}s.
 */
@MockApiTier
@QuarkusTest
class RestScoresCatalogTest {

    private static final String NAME = "md-rest";
    private static final String LABEL = "mlcycle.io/modeldeployment";
    private static final String INVALID_SPEC = ModelDeploymentConditions.INVALID_SPEC;

    @Inject KubernetesClient client;
    @Inject TestClock clock;

    @Test
    void aRefusedRestScoresCatalogStartsNoJobAndKeepsTheLastScoresUntilAPersonAllowsIt() {
        Instant before = clock.instant();
        try {
            refusedThenAllowed();
        } finally {
            clock.set(before);
        }
    }

    private void refusedThenAllowed() {
        BatchFixtures.materializedFeatureView(client, "fv-rest-scores");
        version(client, "m-rest-scores", 1, true);
        ModelDeployment created =
                BatchFixtures.createWithBatchStatus(
                        client, BatchFixtures.dailyBatch(NAME, "m-rest-scores", "fv-rest-scores"));
        ZonedDateTime fire = BatchFixtures.firstFire(created);
        clock.set(fire.toInstant().plusSeconds(30));
        ModelDeployments.markReady(client, NAME);
        Job first = Cluster.awaitJob(client, jobName(fire));
        String scores = "file:///data/scores/m-rest-scores/asOf=" + fire.toLocalDate() + "/";
        new Kubelet(client).finish(first, Summary.succeeded(scores, Map.of("rows", 40.0), null));
        awaitResource(
                client,
                ModelDeployment.class,
                NAME,
                "with its first scores",
                Cluster.TIMEOUT,
                m -> scores.equals(m.getStatus().batch.lastUri));

        // plain http outside the cluster would carry the catalog's credentials unencrypted
        edit(c -> c.uri = "http://203.0.113.7:8181");
        refusedNaming("203.0.113.7");
        // the next fire is due; a reconcile at that time (another refused edit) starts nothing
        clock.set(fire.plusDays(1).toInstant().plusSeconds(30));
        ModelDeployment refused = edit(c -> c.uri = "http://203.0.113.8:8181");
        refused = refusedNaming("203.0.113.8");
        assertThat(refused.getStatus().phase).isEqualTo(Phase.Failed);
        assertThat(jobs(client, LABEL, NAME)).hasSize(1);
        assertThat(refused.getStatus().batch.lastUri).isEqualTo(scores);
        assertThat(refused.getStatus().batch.lastOutcome).isEqualTo("Succeeded");
        awaitEvent(client, NAME, ModelDeploymentConditions.INVALID_SPEC);

        edit(c -> c.allowPlainHttp = true);
        Job second = Cluster.awaitJob(client, jobName(fire.plusDays(1)));
        assertThat(((ScoreTask) Kubelet.task(second)).outputCatalog())
                .isEqualTo(
                        new TableCatalog(
                                "rest",
                                "mlcycle",
                                "http://203.0.113.8:8181",
                                null,
                                "features",
                                NAME + "_scores",
                                PodEnv.SCORES_CATALOG_USER,
                                PodEnv.SCORES_CATALOG_PASSWORD,
                                PodEnv.SCORES_CATALOG_TOKEN));
        assertThat(
                        Fixtures.secretRefs(
                                second.getSpec()
                                        .getTemplate()
                                        .getSpec()
                                        .getContainers()
                                        .get(0)
                                        .getEnv()))
                .contains(
                        Tuple.tuple(PodEnv.SCORES_CATALOG_USER, "scores-rest", "username", true),
                        Tuple.tuple(
                                PodEnv.SCORES_CATALOG_PASSWORD, "scores-rest", "password", true),
                        Tuple.tuple(PodEnv.SCORES_CATALOG_TOKEN, "scores-rest", "token", true));
        awaitResource(
                client,
                ModelDeployment.class,
                NAME,
                "without InvalidSpec",
                Cluster.TIMEOUT,
                m -> Conditions.find(m.getStatus().conditions, INVALID_SPEC).isEmpty());
    }

    private static String jobName(ZonedDateTime fire) {
        return NAME + "-score-" + fire.toLocalDate().toString().replace("-", "") + "-0500";
    }

    /** Sets the scores' output to a rest catalog (Secret scores-rest), edited by {@code change}. */
    private ModelDeployment edit(Consumer<IcebergCatalog> change) {
        return Cluster.edit(
                client,
                ModelDeployment.class,
                NAME,
                m -> {
                    var out = m.getSpec().batch.output;
                    out.format = StoreFormat.iceberg;
                    if (out.catalog == null) {
                        out.catalog = new IcebergCatalog();
                        out.catalog.type = IcebergCatalog.Type.rest;
                        out.catalog.credentialsSecret = new FeatureViewSpec.SecretRef();
                        out.catalog.credentialsSecret.name = "scores-rest";
                    }
                    change.accept(out.catalog);
                    return m;
                });
    }

    /**
     * Waits for InvalidSpec naming the catalog's uri and {@code host}, at the edited generation.
     */
    private ModelDeployment refusedNaming(String host) {
        return awaitResource(
                client,
                ModelDeployment.class,
                NAME,
                "with InvalidSpec naming spec.batch.output.catalog.uri and host " + host,
                Cluster.TIMEOUT,
                m ->
                        Conditions.find(m.getStatus().conditions, INVALID_SPEC)
                                .filter(
                                        c ->
                                                "True".equals(c.getStatus())
                                                        && m.getMetadata()
                                                                .getGeneration()
                                                                .equals(c.getObservedGeneration())
                                                        && c.getMessage()
                                                                .startsWith(
                                                                        "spec.batch.output.catalog.uri:"
                                                                                + " plain http to"
                                                                                + " host '"
                                                                                + host
                                                                                + "'"))
                                .isPresent());
    }
}
