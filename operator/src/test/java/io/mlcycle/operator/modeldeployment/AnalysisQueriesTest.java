package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.mlcycle.operator.analysis.PrometheusClient;
import io.mlcycle.operator.analysis.QueryResult;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.common.OutboundPolicy;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Unit: an analysis round reads the credentials Secret once and renders the metrics' queries. */
@UnitTier
class AnalysisQueriesTest {

    /** Counts the Secret reads; hands out a token, or refuses as an unusable Secret would. */
    static final class CountingSecrets extends AnalysisSecrets {
        int reads;
        String unusable;

        CountingSecrets() {
            super(null);
        }

        @Override
        public Map<String, String> prometheusHeaders(
                String namespace, ModelDeploymentSpec.Prometheus prometheus) {
            reads++;
            if (unusable != null) {
                throw new Unusable(unusable);
            }
            return Map.of("Authorization", "Bearer t");
        }
    }

    /** Answers every query with 0.25 and records what was sent with which headers. */
    static final class RecordingPrometheus extends PrometheusClient {
        final List<String> sent = new ArrayList<>();
        final List<Map<String, String>> headers = new ArrayList<>();

        @Override
        public QueryResult query(String baseUrl, Map<String, String> auth, String promql) {
            sent.add(promql);
            headers.add(auth);
            return new QueryResult.Value(0.25, "");
        }

        @Override
        public Vector queryVector(String baseUrl, Map<String, String> auth, String promql) {
            sent.add(promql);
            headers.add(auth);
            return new Vector(List.of(), null);
        }
    }

    private final CountingSecrets secrets = new CountingSecrets();
    private final RecordingPrometheus prometheus = new RecordingPrometheus();
    private final AnalysisQueries queries =
            new AnalysisQueries(
                    new OutboundPolicy(List.of(), host -> new java.net.InetAddress[0]),
                    secrets,
                    prometheus);

    private static ModelDeployment deployment() {
        ModelDeployment md = new ModelDeployment();
        md.setMetadata(new ObjectMetaBuilder().withName("churn").withNamespace("ml").build());
        ModelDeploymentSpec spec = new ModelDeploymentSpec();
        spec.rollback = new ModelDeploymentSpec.Rollback();
        spec.rollback.prometheus = new ModelDeploymentSpec.Prometheus();
        spec.rollback.prometheus.url = "http://prometheus.ml:9090";
        spec.rollback.prometheus.authSecret = "prom-auth";
        md.setSpec(spec);
        return md;
    }

    private static ModelDeploymentSpec.Metric metric(String query, String countQuery) {
        ModelDeploymentSpec.Metric m = new ModelDeploymentSpec.Metric();
        m.name = "error-rate";
        m.query = query;
        if (countQuery != null) {
            m.minSamples = new ModelDeploymentSpec.MinSamples();
            m.minSamples.count = 10L;
            m.minSamples.query = countQuery;
        }
        return m;
    }

    @Test
    void aRoundReadsTheCredentialsSecretOnceForAllItsQueries() {
        AnalysisQueries.Round round = queries.round(deployment());
        assertThat(secrets.reads).as("no Secret read before the first query").isZero();
        ModelDeploymentSpec.Metric m =
                metric("rate(errors{deployment=\"{{name}}\",version=\"{{version}}\"}[5m])", "n");
        round.measure(m, 3);
        round.samples(m, 3);
        round.measure(m, 2);
        round.queryVector("sum(x)");
        assertThat(prometheus.sent).hasSize(4);
        assertThat(secrets.reads).isEqualTo(1);
        assertThat(prometheus.headers).allMatch(h -> h.equals(Map.of("Authorization", "Bearer t")));
        queries.round(deployment()).measure(m, 3);
        assertThat(secrets.reads).as("the next round reads it again").isEqualTo(2);
    }

    @Test
    void aMetricsQueryIsRenderedForTheDeploymentAndVersionAsked() {
        AnalysisQueries.Round round = queries.round(deployment());
        QueryResult r =
                round.measure(
                        metric(
                                "errors{ns=\"{{namespace}}\",d=\"{{name}}\",v=\"{{version}}\"}",
                                null),
                        7);
        assertThat(r).isEqualTo(new QueryResult.Value(0.25, ""));
        assertThat(prometheus.sent).containsExactly("errors{ns=\"ml\",d=\"churn\",v=\"7\"}");
        assertThat(round.samples(metric("q", null), 7)).as("no minSamples: none counted").isNull();
    }

    @Test
    void unusableCredentialsMakeEveryQueryOfTheRoundInconclusiveWithoutSendingIt() {
        secrets.unusable = "Secret ml/prom-auth has no key token";
        AnalysisQueries.Round round = queries.round(deployment());
        QueryResult r = round.measure(metric("up", null), 1);
        PrometheusClient.Vector v = round.queryVector("sum(up)");
        assertThat(r)
                .isEqualTo(
                        new QueryResult.Inconclusive(
                                "Prometheus credentials: Secret ml/prom-auth has no key token"));
        assertThat(v.failure()).isEqualTo(r);
        assertThat(prometheus.sent).isEmpty();
        assertThat(secrets.reads).isEqualTo(1);
    }

    @Test
    void aRoundNamesTheOutboundRefusalOfItsPrometheusUrl() {
        ModelDeployment md = deployment();
        assertThat(queries.round(md).refusal()).isEmpty();
        md.getSpec().rollback.prometheus.url = "http://metadata.google.internal/";
        assertThat(queries.round(md).refusal())
                .hasValueSatisfying(
                        r -> assertThat(r).contains("spec.rollback.prometheus.url", "refused"));
    }

    @Test
    void theSkewBuiltinAsksForTheServedBinsThenTheTrainingShareOfTheVersion() {
        ModelDeploymentSpec.Metric skew = new ModelDeploymentSpec.Metric();
        skew.builtin = ModelDeploymentSpec.Metric.SKEW;
        skew.window = "15m";
        queries.round(deployment()).measure(skew, 4);
        assertThat(prometheus.sent)
                .containsExactly(
                        "sum by (feature, bin) (increase(mlcycle_feature_bin_total"
                                + "{deployment=\"churn\",version=\"4\"}[15m]))",
                        "max by (feature, bin) (mlcycle_feature_training_share"
                                + "{deployment=\"churn\",version=\"4\"})");
    }
}
