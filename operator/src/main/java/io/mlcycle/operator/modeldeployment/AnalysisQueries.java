package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.analysis.AnalysisStep;
import io.mlcycle.operator.analysis.PrometheusClient;
import io.mlcycle.operator.analysis.QueryResult;
import io.mlcycle.operator.analysis.QueryTemplate;
import io.mlcycle.operator.analysis.Skew;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.common.OutboundPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything rollback, canary, shadow, drift and request-log analysis ask of Prometheus, behind one
 * injectable service: a {@link Round} resolves the credentials Secret once (on its first query) and
 * renders the metrics' queries; the callers only decide on the results.
 */
@ApplicationScoped
public class AnalysisQueries {

    private final OutboundPolicy outbound;
    private final PrometheusClient prometheus;
    private final AnalysisSecrets secrets;

    @Inject
    public AnalysisQueries(OutboundPolicy outbound, AnalysisSecrets secrets) {
        this(outbound, secrets, new PrometheusClient(Duration.ofSeconds(5), outbound));
    }

    /** For tests: another client (a real Prometheus, or a fake). */
    public AnalysisQueries(
            OutboundPolicy outbound, AnalysisSecrets secrets, PrometheusClient prometheus) {
        this.outbound = outbound;
        this.secrets = secrets;
        this.prometheus = prometheus;
    }

    /** A round of queries for {@code md}'s {@code spec.rollback.prometheus}. */
    public Round round(ModelDeployment md) {
        ModelDeploymentSpec.Rollback rb = md.getSpec().rollback;
        String ns = md.getMetadata().getNamespace();
        return new Round(
                md.getMetadata().getName(),
                ns,
                new Prometheus() {
                    private Map<String, String> auth;
                    private String unusable;

                    @Override
                    public Optional<String> refusal() {
                        return outbound.refusal(rb.prometheus.url, PrometheusClient.URL_FIELD);
                    }

                    @Override
                    public QueryResult query(String promql) {
                        return credentials()
                                ? prometheus.query(rb.prometheus.url, auth, promql)
                                : QueryResult.inconclusive(unusable);
                    }

                    @Override
                    public PrometheusClient.Vector queryVector(String promql) {
                        return credentials()
                                ? prometheus.queryVector(rb.prometheus.url, auth, promql)
                                : new PrometheusClient.Vector(
                                        List.of(), new QueryResult.Inconclusive(unusable));
                    }

                    /** Reads the Secret on the round's first query only. */
                    private boolean credentials() {
                        if (auth == null && unusable == null) {
                            try {
                                auth = secrets.prometheusHeaders(ns, rb.prometheus);
                            } catch (AnalysisSecrets.Unusable e) {
                                unusable = "Prometheus credentials: " + e.getMessage();
                            }
                        }
                        return auth != null;
                    }
                });
    }

    /** One Prometheus, its URL and credentials fixed for a round. */
    public interface Prometheus {
        /** Why the outbound policy refuses the URL (no query is then sent); empty: allowed. */
        default Optional<String> refusal() {
            return Optional.empty();
        }

        QueryResult query(String promql);

        PrometheusClient.Vector queryVector(String promql);
    }

    /** The queries of one analysis round of one deployment (its name and namespace fill them). */
    public static final class Round {
        private final String name;
        private final String namespace;
        private final Prometheus prometheus;

        public Round(String name, String namespace, Prometheus prometheus) {
            this.name = name;
            this.namespace = namespace;
            this.prometheus = prometheus;
        }

        /** Why the outbound policy refuses the Prometheus URL; empty: allowed. */
        Optional<String> refusal() {
            return prometheus.refusal();
        }

        /** A vector query, as written. */
        PrometheusClient.Vector queryVector(String promql) {
            return prometheus.queryVector(promql);
        }

        /**
         * The request-log rows {@code version}'s pods lost over {@code window}, {@code sum by
         * (outcome)} of failed and dropped.
         */
        PrometheusClient.Vector requestLogLosses(int version, Duration window) {
            return prometheus.queryVector(
                    "sum by (outcome) (increase(mlcycle_request_log_rows_total{deployment=\""
                            + name
                            + "\",version=\""
                            + version
                            + "\",outcome=~\"failed|dropped\"}["
                            + window.toSeconds()
                            + "s]))");
        }

        /** What the metric gives for {@code version}: its query's value, or a built-in's. */
        QueryResult measure(ModelDeploymentSpec.Metric m, int version) {
            if (!ModelDeploymentSpec.Metric.SKEW.equals(m.builtin)) {
                return prometheus.query(QueryTemplate.render(m.query, name, namespace, version));
            }
            // the server's series of this deployment's pods of the version (FeatureDrift)
            String selector = "{deployment=\"" + name + "\",version=\"" + version + "\"}";
            PrometheusClient.Vector served =
                    prometheus.queryVector(
                            "sum by (feature, bin) (increase(mlcycle_feature_bin_total"
                                    + selector
                                    + "["
                                    + Defaults.copy(m).window
                                    + "]))");
            if (served.failure() != null) {
                return served.failure();
            }
            PrometheusClient.Vector training =
                    prometheus.queryVector(
                            "max by (feature, bin) (mlcycle_feature_training_share"
                                    + selector
                                    + ")");
            return training.failure() != null
                    ? training.failure()
                    : Skew.judge(served.series(), training.series());
        }

        /** The metric's minSamples counted for {@code version}; null when it declares none. */
        AnalysisStep.Samples samples(ModelDeploymentSpec.Metric m, int version) {
            if (m.minSamples == null) {
                return null;
            }
            QueryResult count =
                    prometheus.query(
                            QueryTemplate.render(m.minSamples.query, name, namespace, version));
            return new AnalysisStep.Samples(m.minSamples.count, count);
        }
    }
}
