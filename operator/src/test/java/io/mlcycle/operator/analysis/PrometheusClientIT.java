package io.mlcycle.operator.analysis;

import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Prometheus client against a real Prometheus scraping a loopback endpoint. */
@RealServersTier
class PrometheusClientIT {

    private static MetricsEndpoint metrics;
    private static PrometheusProcess prometheus;
    private final PrometheusClient client = new PrometheusClient(Duration.ofSeconds(2));

    @BeforeAll
    static void start() throws Exception {
        metrics = MetricsEndpoint.start();
        metrics.set("mlcycle_test_gauge{deployment=\"ret\"}", 0.75);
        for (int p = 0; p <= 1; p++) {
            for (int a = 0; a <= 1; a++) {
                metrics.set(MetricsEndpoint.feedback("ret", 2, p, a), 0);
            }
        }
        prometheus = PrometheusProcess.start(List.of(metrics.target()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (prometheus != null) {
            prometheus.close();
        }
        if (metrics != null) {
            metrics.close();
        }
    }

    private QueryResult query(String template) {
        return client.query(prometheus.url(), QueryTemplate.render(template, "ret", "ml", 2));
    }

    @Test
    void readsTemplatedQueriesAndFollowsChanges() {
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(300))
                .until(
                        () -> query("mlcycle_test_gauge{deployment=\"{{name}}\"}"),
                        r -> r.equals(new QueryResult.Value(0.75)));
        metrics.set("mlcycle_test_gauge{deployment=\"ret\"}", 0.25);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(300))
                .until(
                        () -> query("mlcycle_test_gauge{deployment=\"{{name}}\"}"),
                        r -> r.equals(new QueryResult.Value(0.25)));
    }

    @Test
    void computesOnlinePrecisionFromFeedbackCounters() {
        String precision =
                "sum(rate(mlcycle_feedback_total{deployment=\"{{name}}\",version=\"{{version}}\","
                        + "predicted=\"1\",actual=\"1\"}[1m])) / sum(rate(mlcycle_feedback_total"
                        + "{deployment=\"{{name}}\",version=\"{{version}}\",predicted=\"1\"}[1m]))";
        // Both counters start at zero; once scraped, they grow so that 3 of 10 positives are right.
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(300))
                .until(
                        () -> query("count(mlcycle_feedback_total)"),
                        new QueryResult.Value(4)::equals);
        metrics.add(MetricsEndpoint.feedback("ret", 2, 1, 1), 30);
        metrics.add(MetricsEndpoint.feedback("ret", 2, 1, 0), 70);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(300))
                .until(
                        () -> query(precision),
                        r -> r instanceof QueryResult.Value v && Math.abs(v.value() - 0.3) < 1e-9);
    }

    @Test
    void noDataNanManySeriesAndBadQueriesAreInconclusive() {
        assertThat(query("mlcycle_does_not_exist{deployment=\"{{name}}\"}"))
                .isEqualTo(QueryResult.inconclusive("query returned no data"));
        assertThat(query("0/0")).isEqualTo(QueryResult.inconclusive("query returned NaN"));
        assertThat(query("sum("))
                .isInstanceOfSatisfying(
                        QueryResult.Inconclusive.class,
                        i -> assertThat(i.reason()).startsWith("Prometheus answered HTTP 400: "));
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(300))
                .untilAsserted(
                        () ->
                                assertThat(query("mlcycle_feedback_total"))
                                        .isInstanceOfSatisfying(
                                                QueryResult.Inconclusive.class,
                                                i -> assertThat(i.reason()).contains("4 series")));
    }

    @Test
    void anUnreachablePrometheusIsInconclusiveNamingTheUrl() throws Exception {
        try (var unused = new java.net.ServerSocket(0)) {
            String url = "http://127.0.0.1:" + unused.getLocalPort();
            unused.close();
            assertThat(client.query(url, "up"))
                    .isInstanceOfSatisfying(
                            QueryResult.Inconclusive.class,
                            i -> assertThat(i.reason()).contains(url).contains("unreachable"));
        }
    }

    @Test
    void aPrometheusBehindBasicAuthAnswersWithTheSecretsCredentialsAndRefusesWithout()
            throws Exception {
        String hash =
                org.bouncycastle.crypto.generators.OpenBSDBCrypt.generate(
                        "2b", "s3cret-pass".toCharArray(), new byte[16], 10);
        try (PrometheusProcess guarded =
                PrometheusProcess.start(
                        List.of(metrics.target()),
                        "basic_auth_users:\n  analyst: " + hash + "\n")) {
            String q = "vector(1)";
            QueryResult refused = client.query(guarded.url(), q);
            assertThat(refused).isInstanceOf(QueryResult.Inconclusive.class);
            assertThat(((QueryResult.Inconclusive) refused).reason()).contains("401");

            Map<String, String> headers =
                    io.mlcycle.operator.modeldeployment.AnalysisSecrets.headers(
                            "ml/prometheus-auth",
                            Map.of("username", "analyst", "password", "s3cret-pass"));
            assertThat(client.query(guarded.url(), headers, q)).isEqualTo(new QueryResult.Value(1));
            Map<String, String> wrong =
                    io.mlcycle.operator.modeldeployment.AnalysisSecrets.headers(
                            "ml/prometheus-auth",
                            Map.of("username", "analyst", "password", "guess"));
            assertThat(client.query(guarded.url(), wrong, q))
                    .isInstanceOf(QueryResult.Inconclusive.class);
        }
    }
}
