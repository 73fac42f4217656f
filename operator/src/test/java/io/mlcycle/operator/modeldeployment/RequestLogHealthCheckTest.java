package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.mlcycle.operator.analysis.PrometheusClient;
import io.mlcycle.operator.analysis.QueryResult;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.common.EventRecorder;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unit: the request-log check of an analysis round — the query it sends, the condition it leaves
 * when the query fails, and no condition (and no query) without spec.rollback's Prometheus.
 */
@UnitTier
class RequestLogHealthCheckTest {

    private static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");

    private final List<String> sent = new ArrayList<>();
    private final List<String> told = new ArrayList<>();
    private PrometheusClient.Vector answer;

    private final EventRecorder events =
            new EventRecorder() {
                @Override
                public void record(HasMetadata object, String type, String reason, String message) {
                    told.add(type + " " + reason);
                }
            };

    private AnalysisQueries.Round round() {
        return new AnalysisQueries.Round(
                "churn-prod",
                "ns",
                new AnalysisQueries.Prometheus() {
                    @Override
                    public QueryResult query(String promql) {
                        throw new AssertionError("no scalar query expected: " + promql);
                    }

                    @Override
                    public PrometheusClient.Vector queryVector(String promql) {
                        sent.add(promql);
                        return answer;
                    }
                });
    }

    private static ModelDeployment md(boolean rollback) {
        ModelDeployment md = new ModelDeployment();
        md.setMetadata(
                new ObjectMetaBuilder()
                        .withName("churn-prod")
                        .withNamespace("ns")
                        .withGeneration(4L)
                        .build());
        md.setSpec(new ModelDeploymentSpec());
        md.getSpec().requestLog = new ModelDeploymentSpec.RequestLog();
        md.getSpec().requestLog.uri = "file:///data/request-logs/";
        if (rollback) {
            md.getSpec().rollback = new ModelDeploymentSpec.Rollback();
        }
        return md;
    }

    private void check(ModelDeployment md, ModelDeploymentStatus status) {
        RequestLogHealth.check(round(), events, md, status, 3, Duration.ofMinutes(5), NOW);
    }

    @Test
    void theRoundAsksForTheServedVersionsFailedAndDroppedRowsOverTheInterval() {
        answer =
                new PrometheusClient.Vector(
                        List.of(new PrometheusClient.Series(Map.of("outcome", "failed"), 5)), null);
        ModelDeploymentStatus status = new ModelDeploymentStatus();
        check(md(true), status);
        assertThat(sent)
                .containsExactly(
                        "sum by (outcome) (increase(mlcycle_request_log_rows_total"
                                + "{deployment=\"churn-prod\",version=\"3\","
                                + "outcome=~\"failed|dropped\"}[300s]))");
        var c = Conditions.find(status.conditions, "RequestLogHealthy").orElseThrow();
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getReason()).isEqualTo("RequestLogFailing");
        assertThat(c.getObservedGeneration()).isEqualTo(4L);
        assertThat(c.getMessage()).contains("5 failed").contains("file:///data/request-logs/");
        assertThat(told).containsExactly("Warning RequestLogFailing");
    }

    @Test
    void aFailedQueryLeavesTheConditionAsTheLastRoundThatKnewLeftIt() {
        answer =
                new PrometheusClient.Vector(
                        List.of(), new QueryResult.Inconclusive("Prometheus unreachable"));
        ModelDeploymentStatus status = new ModelDeploymentStatus();
        Conditions.set(
                status, "RequestLogHealthy", false, "RequestLogDropping", "12 dropped", 4L, NOW);
        check(md(true), status);
        var c = Conditions.find(status.conditions, "RequestLogHealthy").orElseThrow();
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getMessage()).isEqualTo("12 dropped");
        assertThat(told).isEmpty();
    }

    @Test
    void withoutAPrometheusForAnalysisTheConditionIsAbsentAndNothingIsAsked() {
        ModelDeploymentStatus status = new ModelDeploymentStatus();
        Conditions.set(status, "RequestLogHealthy", true, "RequestLogWriting", "", 4L, NOW);
        check(md(false), status);
        assertThat(Conditions.find(status.conditions, "RequestLogHealthy")).isEmpty();
        assertThat(sent).isEmpty();
        assertThat(told).isEmpty();
    }
}
