package io.mlcycle.operator.metrics;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.testing.Kubelet;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static io.mlcycle.operator.testing.Cluster.awaitJob;
import static io.mlcycle.operator.testing.Fixtures.featureView;
import static io.mlcycle.operator.testing.Fixtures.pivotSucceeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code /q/metrics} serves the operator's own (JOSDK) metrics and what the statuses say. */
@MockApiTier
@QuarkusTest
class OperatorMetricsTest {

    @Inject KubernetesClient client;

    @TestHTTPResource("/q/metrics")
    URI metrics;

    private String scrape() throws Exception {
        HttpResponse<String> r =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(metrics).build(),
                                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    @Test
    void aMaterializedViewShowsUpInTheScrapeWithItsTableAndPhase() throws Exception {
        FeatureView fv = featureView("metrics-events", "2026-11-18");
        client.resource(fv).create();
        Job job = awaitJob(client, "metrics-events-pivot-20261118-1");
        new Kubelet(client)
                .finish(
                        job,
                        pivotSucceeded(
                                "file:///data/features/metrics-events/asOf=2026-11-18/", 1234, 56));

        String ready =
                "mlcycle_featureview_phase{featureview=\"metrics-events\",namespace=\"test\","
                        + "phase=\"Ready\"} 1.0";
        String entities =
                "mlcycle_featureview_latest_entities{featureview=\"metrics-events\","
                        + "namespace=\"test\"} 1234.0";
        String body =
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofSeconds(1))
                        .until(this::scrape, b -> b.contains(ready) && b.contains(entities));
        assertThat(body)
                .contains("# HELP mlcycle_featureview_latest_materialized_timestamp_seconds")
                .containsPattern(
                        "mlcycle_featureview_latest_asof_timestamp_seconds\\{featureview=\"metrics-events\",namespace=\"test\"\\} 1\\.79496E9")
                // the JOSDK's own reconcile metrics, by controller
                .containsPattern(
                        "operator_sdk_controllers_execution_reconcile_seconds_count\\{controller=\"featureview\"");
    }

    @Test
    void theOnlyOperatorWithoutLeaderElectionReportsItselfLeader() throws Exception {
        assertThat(scrape())
                .contains("# HELP mlcycle_operator_leader")
                .containsPattern("(?m)^mlcycle_operator_leader 1\\.0$");
    }
}
