package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.mlcycle.operator.analysis.PrometheusClient;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Unit: what RequestLogHealthy says after a round, from the lost rows Prometheus counted. */
@UnitTier
class RequestLogHealthTest {

    private static final String URI = "s3://lake/request-logs/churn-prod/";
    private static final Duration WINDOW = Duration.ofMinutes(5);

    private static Optional<Condition> was(String status, String reason) {
        return Optional.of(
                new ConditionBuilder()
                        .withType(RequestLogHealth.TYPE)
                        .withStatus(status)
                        .withReason(reason)
                        .build());
    }

    private static RequestLogHealth.Decision decide(
            Optional<Condition> previous, long failed, long dropped) {
        return RequestLogHealth.decide(
                previous, new RequestLogHealth.Lost(failed, dropped), URI, 3, WINDOW);
    }

    @Test
    void failedRowsTurnItFalseWithTheCountsAndTheUriAndOneWarning() {
        RequestLogHealth.Decision d = decide(Optional.empty(), 40, 2);
        assertThat(d.healthy()).isFalse();
        assertThat(d.reason()).isEqualTo("RequestLogFailing");
        assertThat(d.message())
                .contains(URI)
                .contains("version 3")
                .contains("last 300s")
                .contains("40 failed")
                .contains("2 dropped");
        assertThat(d.eventType()).isEqualTo("Warning");
        assertThat(d.eventReason()).isEqualTo("RequestLogFailing");

        RequestLogHealth.Decision again = decide(was("False", "RequestLogFailing"), 7, 0);
        assertThat(again.healthy()).isFalse();
        assertThat(again.message()).contains("7 failed");
        assertThat(again.eventReason()).as("still failing: no second Event").isNull();
    }

    @Test
    void onlyDroppedRowsSayDroppingAndAChangeOfReasonIsTold() {
        RequestLogHealth.Decision d = decide(was("True", "RequestLogWriting"), 0, 12);
        assertThat(d.healthy()).isFalse();
        assertThat(d.reason()).isEqualTo("RequestLogDropping");
        assertThat(d.message()).contains("0 failed").contains("12 dropped");
        assertThat(d.eventReason()).isEqualTo("RequestLogDropping");

        RequestLogHealth.Decision worse = decide(was("False", "RequestLogDropping"), 3, 12);
        assertThat(worse.reason()).isEqualTo("RequestLogFailing");
        assertThat(worse.eventReason()).isEqualTo("RequestLogFailing");
    }

    @Test
    void noLostRowsSetItTrueAndTellTheRecoveryOnlyAfterFalse() {
        RequestLogHealth.Decision first = decide(Optional.empty(), 0, 0);
        assertThat(first.healthy()).isTrue();
        assertThat(first.reason()).isEqualTo("RequestLogWriting");
        assertThat(first.eventReason()).isNull();

        RequestLogHealth.Decision recovered = decide(was("False", "RequestLogFailing"), 0, 0);
        assertThat(recovered.healthy()).isTrue();
        assertThat(recovered.eventType()).isEqualTo("Normal");
        assertThat(recovered.eventReason()).isEqualTo("RequestLogRecovered");
        assertThat(recovered.message()).contains(URI);

        assertThat(decide(was("True", "RequestLogWriting"), 0, 0).eventReason()).isNull();
    }

    @Test
    void anyExtrapolatedIncreaseCountsAsALostRowAndOtherOutcomesAreIgnored() {
        RequestLogHealth.Lost lost =
                RequestLogHealth.lost(
                        List.of(
                                new PrometheusClient.Series(Map.of("outcome", "failed"), 0.4),
                                new PrometheusClient.Series(Map.of("outcome", "dropped"), 11.6),
                                new PrometheusClient.Series(Map.of("outcome", "logged"), 900)));
        assertThat(lost).isEqualTo(new RequestLogHealth.Lost(1, 12));
        assertThat(RequestLogHealth.lost(List.of())).isEqualTo(new RequestLogHealth.Lost(0, 0));
        assertThat(
                        RequestLogHealth.lost(
                                List.of(
                                        new PrometheusClient.Series(
                                                Map.of("outcome", "failed"), 0.0))))
                .isEqualTo(new RequestLogHealth.Lost(0, 0));
    }
}
