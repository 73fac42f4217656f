package io.mlcycle.operator.modelversion;

import io.mlcycle.operator.api.trainingrun.Gate;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class GatesTest {

    static Gate gate(Gate.Metric metric, Double min, Double max, Double delta) {
        Gate g = new Gate();
        g.metric = metric;
        g.min = min;
        g.max = max;
        g.minDeltaVsApproved = delta;
        return g;
    }

    @Test
    void absoluteBoundsPassAndFailWithTheNumbers() {
        var results =
                Gates.evaluate(
                        List.of(
                                gate(Gate.Metric.auc, 0.65, null, null),
                                gate(Gate.Metric.logLoss, null, 0.5, null)),
                        Map.of("auc", 0.61, "logLoss", 0.4),
                        Optional.empty());
        assertThat(results).hasSize(2);
        assertThat(results.get(0).passed).isFalse();
        assertThat(results.get(0).message).isEqualTo("auc 0.61 < min 0.65");
        assertThat(results.get(1).passed).isTrue();
        assertThat(Gates.firstFailure(results)).contains("auc 0.61 < min 0.65");
    }

    @Test
    void relativeGatePassesWithoutApprovedVersionAndComparesOtherwise() {
        List<Gate> gates = List.of(gate(Gate.Metric.auc, null, null, 0.0));
        assertThat(Gates.evaluate(gates, Map.of("auc", 0.7), Optional.empty()).get(0).passed)
                .isTrue();
        var worse =
                Gates.evaluate(
                        gates,
                        Map.of("auc", 0.7),
                        Optional.of(new Gates.Baseline(1, Map.of("auc", 0.8))));
        assertThat(worse.get(0).passed).isFalse();
        assertThat(worse.get(0).message).contains("worse than approved v1");
        var better =
                Gates.evaluate(
                        gates,
                        Map.of("auc", 0.81),
                        Optional.of(new Gates.Baseline(1, Map.of("auc", 0.8))));
        assertThat(better.get(0).passed).isTrue();
    }

    @Test
    void logLossDeltaIsLowerIsBetter() {
        List<Gate> gates = List.of(gate(Gate.Metric.logLoss, null, null, 0.0));
        var baseline = Optional.of(new Gates.Baseline(3, Map.of("logLoss", 0.40)));
        assertThat(Gates.evaluate(gates, Map.of("logLoss", 0.35), baseline).get(0).passed).isTrue();
        assertThat(Gates.evaluate(gates, Map.of("logLoss", 0.45), baseline).get(0).passed)
                .isFalse();
    }

    @Test
    void missingMetricFails() {
        var r =
                Gates.evaluate(
                        List.of(gate(Gate.Metric.f1, 0.5, null, null)),
                        Map.of("auc", 0.9),
                        Optional.empty());
        assertThat(r.get(0).passed).isFalse();
        assertThat(r.get(0).message).isEqualTo("metric f1 is missing");
    }
}
