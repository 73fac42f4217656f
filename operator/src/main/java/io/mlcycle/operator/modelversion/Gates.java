package io.mlcycle.operator.modelversion;

import io.mlcycle.operator.api.modelversion.ModelVersionStatus.GateResult;
import io.mlcycle.operator.api.trainingrun.Gate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Judges a version's metrics by its gates: absolute bounds and the delta vs the approved one. */
public final class Gates {

    /** The approved version relative gates compare with. */
    public record Baseline(int version, Map<String, Double> metrics) {}

    private Gates() {}

    /** One result per rule of every gate (a gate with min and max yields two). */
    public static List<GateResult> evaluate(
            List<Gate> gates, Map<String, Double> metrics, Optional<Baseline> baseline) {
        List<GateResult> results = new ArrayList<>();
        if (gates == null) {
            return results;
        }
        Map<String, Double> m = metrics == null ? Map.of() : metrics;
        for (Gate gate : gates) {
            String metric = gate.metric == null ? "?" : gate.metric.name();
            Double value = m.get(metric);
            boolean lowerIsBetter = gate.metric == Gate.Metric.logLoss;
            if (gate.min != null) {
                results.add(
                        check(
                                metric,
                                "min",
                                value,
                                gate.min,
                                value != null && value >= gate.min,
                                metric
                                        + " "
                                        + fmt(value)
                                        + (value != null && value >= gate.min ? " >= " : " < ")
                                        + "min "
                                        + fmt(gate.min)));
            }
            if (gate.max != null) {
                results.add(
                        check(
                                metric,
                                "max",
                                value,
                                gate.max,
                                value != null && value <= gate.max,
                                metric
                                        + " "
                                        + fmt(value)
                                        + (value != null && value <= gate.max ? " <= " : " > ")
                                        + "max "
                                        + fmt(gate.max)));
            }
            if (gate.minDeltaVsApproved != null) {
                results.add(relative(gate, metric, value, lowerIsBetter, baseline));
            }
        }
        return results;
    }

    /** The minDeltaVsApproved rule: not worse than the approved baseline by more than the delta. */
    private static GateResult relative(
            Gate gate,
            String metric,
            Double value,
            boolean lowerIsBetter,
            Optional<Baseline> baseline) {
        if (baseline.isEmpty()) {
            return check(
                    metric,
                    "minDeltaVsApproved",
                    value,
                    null,
                    true,
                    "no approved version to compare with");
        }
        Double base =
                baseline.get().metrics() == null ? null : baseline.get().metrics().get(metric);
        if (base == null) {
            return check(
                    metric,
                    "minDeltaVsApproved",
                    value,
                    null,
                    true,
                    "approved v" + baseline.get().version() + " has no " + metric);
        }
        double threshold =
                lowerIsBetter ? base - gate.minDeltaVsApproved : base + gate.minDeltaVsApproved;
        boolean passed = value != null && (lowerIsBetter ? value <= threshold : value >= threshold);
        return check(
                metric,
                "minDeltaVsApproved",
                value,
                threshold,
                passed,
                metric
                        + " "
                        + fmt(value)
                        + (passed ? " is not worse than " : " is worse than ")
                        + "approved v"
                        + baseline.get().version()
                        + " ("
                        + fmt(base)
                        + (gate.minDeltaVsApproved == 0
                                ? ""
                                : (lowerIsBetter ? " - " : " + ") + fmt(gate.minDeltaVsApproved))
                        + ")");
    }

    /** The message of the first failed rule, or empty when all passed. */
    public static Optional<String> firstFailure(List<GateResult> results) {
        return results.stream()
                .filter(r -> !Boolean.TRUE.equals(r.passed))
                .map(r -> r.message)
                .findFirst();
    }

    private static GateResult check(
            String metric,
            String rule,
            Double value,
            Double threshold,
            boolean passed,
            String message) {
        GateResult r = new GateResult();
        r.metric = metric;
        r.rule = rule;
        r.value = value;
        r.threshold = threshold;
        r.passed = passed;
        r.message =
                value == null && !"minDeltaVsApproved".equals(rule)
                        ? "metric " + metric + " is missing"
                        : message;
        if (value == null && "minDeltaVsApproved".equals(rule) && threshold != null) {
            r.message = "metric " + metric + " is missing";
        }
        return r;
    }

    private static String fmt(Double d) {
        return d == null
                ? "missing"
                : String.format(Locale.ROOT, "%.4f", d)
                        .replaceAll("0+$", "")
                        .replaceAll("\\.$", ".0");
    }
}
