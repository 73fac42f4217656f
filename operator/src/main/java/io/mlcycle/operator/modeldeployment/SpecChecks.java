package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.analysis.QueryTemplate;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.featureview.StoreFormat;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.common.Durations;
import io.mlcycle.operator.common.OutboundPolicy;
import io.mlcycle.operator.featureview.IcebergCatalogs;
import io.mlcycle.operator.featureview.PivotTasks;

import java.util.List;
import java.util.Optional;

/**
 * Every check of a ModelDeployment spec the CRD schema cannot make, in one place: the version, the
 * rollback interval and queries, the online store, the canary, autoscaling and disruption, the
 * batch output's catalog and the outbound policy on a rest one.
 */
final class SpecChecks {

    private SpecChecks() {}

    /**
     * {@link #invalid(ModelDeploymentSpec)}, then the outbound policy on a rest scores catalog's
     * {@code uri} (the scoring pods call it with the catalog's credentials): the first problem,
     * naming the field, or empty.
     */
    static Optional<String> invalid(ModelDeploymentSpec spec, OutboundPolicy outbound) {
        return invalid(spec).or(() -> scoresCatalogRefusal(spec, outbound));
    }

    /** The first problem, naming the field, or empty when the spec can be acted on. */
    static Optional<String> invalid(ModelDeploymentSpec spec) {
        try {
            VersionResolver.resolve(spec.model, spec.version, List.of());
            if (spec.rollback != null) {
                Durations.parse(spec.rollback.interval, "spec.rollback.interval");
                for (int i = 0; i < spec.rollback.metrics.size(); i++) {
                    checkMetric(spec.rollback.metrics.get(i), "spec.rollback.metrics[" + i + "]");
                }
                checkSequential(Defaults.copy(spec.rollback));
            }
            if (spec.retrain != null && spec.retrain.onDrift != null) {
                if (spec.rollback == null) {
                    throw new IllegalArgumentException(
                            "spec.retrain.onDrift needs spec.rollback: its prometheus measures the"
                                    + " drift");
                }
                Durations.parse(spec.retrain.onDrift.window, "spec.retrain.onDrift.window");
            }
            if (spec.online != null) {
                PivotTasks.checkRedis(spec.online.redis, "spec.online.redis");
            }
            if (spec.rollout != null && spec.rollout.canary != null) {
                checkCanary(spec);
            }
            if (spec.rollout != null && spec.rollout.shadow != null) {
                checkShadow(spec);
            }
            if (spec.rollout != null && spec.rollout.replay != null && spec.requestLog == null) {
                throw new IllegalArgumentException(
                        "spec.rollout.replay needs spec.requestLog: it replays the logged"
                                + " labelled requests");
            }
            if (spec.batch != null
                    && spec.batch.spark != null
                    && spec.batch.engine != ModelDeploymentSpec.BatchEngine.spark) {
                throw new IllegalArgumentException(
                        "spec.batch.spark is set but spec.batch.engine is "
                                + (spec.batch.engine == null ? "pod" : spec.batch.engine)
                                + ": spark settings need engine: spark");
            }
            if (spec.batch != null) {
                checkBatchOutput(spec.batch);
            }
            String scaling = ServingScaling.invalid(spec);
            if (scaling != null) {
                return Optional.of(scaling);
            }
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * Scores as an Iceberg table: the FeatureView store's catalog checks under spec.batch.output.
     */
    private static void checkBatchOutput(ModelDeploymentSpec.Batch batch) {
        if (batch.output == null || batch.output.format != StoreFormat.iceberg) {
            return;
        }
        IcebergCatalogs.checkCatalog(batch.output.catalog, batch.output.uri, "spec.batch.output");
    }

    /**
     * Why the pods must not call the scores' rest catalog with its credentials; empty: they may.
     */
    private static Optional<String> scoresCatalogRefusal(
            ModelDeploymentSpec spec, OutboundPolicy outbound) {
        if (spec.batch == null
                || spec.batch.output == null
                || spec.batch.output.format != StoreFormat.iceberg) {
            return Optional.empty();
        }
        return IcebergCatalogs.catalogRefusal(
                spec.batch.output.catalog, "spec.batch.output.catalog", outbound);
    }

    private static void checkMetric(ModelDeploymentSpec.Metric m, String field) {
        if ((m.query == null) == (m.builtin == null)) {
            throw new IllegalArgumentException(field + ": needs exactly one of query or builtin");
        }
        if (m.builtin != null && !ModelDeploymentSpec.Metric.SKEW.equals(m.builtin)) {
            throw new IllegalArgumentException(
                    field + ".builtin '" + m.builtin + "' is not a built-in metric (skew)");
        }
        if (m.query != null) {
            checkTemplate(m.query, field + ".query");
        }
        if (m.window != null) {
            Durations.parse(m.window, field + ".window");
        }
        if (m.minSamples != null) {
            checkTemplate(m.minSamples.query, field + ".minSamples.query");
        }
    }

    /** Rollback mode sequential: alpha in (0, 0.5) and every metric a proportion with a count. */
    private static void checkSequential(ModelDeploymentSpec.Rollback rb) {
        if (rb.mode != ModelDeploymentSpec.JudgeMode.sequential) {
            return;
        }
        if (!(rb.alpha > 0 && rb.alpha < 0.5)) {
            throw new IllegalArgumentException(
                    "spec.rollback.alpha " + rb.alpha + " is not in (0, 0.5)");
        }
        for (int i = 0; i < rb.metrics.size(); i++) {
            ModelDeploymentSpec.Metric m = rb.metrics.get(i);
            String field = "spec.rollback.metrics[" + i + "]";
            if (m.builtin != null || m.max != null) {
                throw new IllegalArgumentException(
                        field
                                + ": mode sequential judges proportions against min; "
                                + (m.builtin != null ? "builtin " + m.builtin : "max")
                                + " is not one");
            }
            if (m.min == null || !(m.min > 0 && m.min < 1)) {
                throw new IllegalArgumentException(
                        field
                                + ".min "
                                + m.min
                                + " is not a proportion in (0, 1) (mode sequential)");
            }
            if (m.minSamples == null) {
                throw new IllegalArgumentException(
                        field
                                + ".minSamples is needed by mode sequential: its count is the sample size");
            }
        }
    }

    private static void checkTemplate(String query, String field) {
        try {
            QueryTemplate.render(query, "n", "ns", 1);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
        }
    }

    private static void checkShadow(ModelDeploymentSpec spec) {
        ModelDeploymentSpec.Shadow shadow = spec.rollout.shadow;
        if (spec.rollback == null) {
            throw new IllegalArgumentException(
                    "spec.rollout.shadow needs spec.rollback: its prometheus holds the online"
                            + " metrics");
        }
        if (spec.rollout.canary != null) {
            throw new IllegalArgumentException(
                    "spec.rollout.shadow and spec.rollout.canary are exclusive");
        }
        if ((shadow.version != null) == Boolean.TRUE.equals(shadow.latestApproved)) {
            throw new IllegalArgumentException(
                    "spec.rollout.shadow needs exactly one of version or latestApproved: true");
        }
        ModelDeploymentSpec.Shadow defaulted = Defaults.copy(shadow);
        if (defaulted.mode == ModelDeploymentSpec.JudgeMode.sequential) {
            if (defaulted.metric != ModelDeploymentSpec.ShadowMetric.accuracy) {
                throw new IllegalArgumentException(
                        "spec.rollout.shadow.metric "
                                + defaulted.metric
                                + " is not a proportion of paired outcomes: mode sequential"
                                + " needs accuracy");
            }
            if (!(defaulted.alpha > 0 && defaulted.alpha < 0.5)) {
                throw new IllegalArgumentException(
                        "spec.rollout.shadow.alpha " + defaulted.alpha + " is not in (0, 0.5)");
            }
            if (!(defaulted.margin < 1)) {
                throw new IllegalArgumentException(
                        "spec.rollout.shadow.margin "
                                + defaulted.margin
                                + " cannot be reached: accuracies differ by less than 1");
            }
        }
    }

    /**
     * Canary mode sequential: alpha in (0, 0.5), a tolerance a proportion can miss by, and every
     * metric a proportion (higher is better) with a count on both versions.
     */
    private static void checkCanarySequential(
            ModelDeploymentSpec.Canary canary, List<ModelDeploymentSpec.Metric> metrics) {
        if (canary.mode != ModelDeploymentSpec.JudgeMode.sequential) {
            return;
        }
        if (!(canary.alpha > 0 && canary.alpha < 0.5)) {
            throw new IllegalArgumentException(
                    "spec.rollout.canary.alpha " + canary.alpha + " is not in (0, 0.5)");
        }
        if (!(canary.tolerance >= 0 && canary.tolerance < 1)) {
            throw new IllegalArgumentException(
                    "spec.rollout.canary.tolerance "
                            + canary.tolerance
                            + " is not an absolute margin in [0, 1) (mode sequential)");
        }
        for (int i = 0; i < metrics.size(); i++) {
            ModelDeploymentSpec.Metric m = metrics.get(i);
            String field = "spec.rollback.metrics[" + i + "]";
            if (m.builtin != null || m.max != null || m.min == null) {
                throw new IllegalArgumentException(
                        field
                                + ": canary mode sequential compares proportions where higher is"
                                + " better (min); "
                                + (m.builtin != null ? "builtin " + m.builtin : "max")
                                + " is not one");
            }
            if (m.minSamples == null) {
                throw new IllegalArgumentException(
                        field
                                + ".minSamples is needed by canary mode sequential: its count is"
                                + " the sample size");
            }
        }
    }

    private static void checkCanary(ModelDeploymentSpec spec) {
        if (spec.rollback == null) {
            throw new IllegalArgumentException(
                    "spec.rollout.canary needs spec.rollback: its prometheus and metrics judge the"
                            + " canary");
        }
        CanaryPlan.check(spec.rollout.canary);
        Durations.parse(spec.rollout.canary.stepInterval, "spec.rollout.canary.stepInterval");
        checkCanarySequential(Defaults.copy(spec.rollout.canary), spec.rollback.metrics);
        for (int i = 0; i < spec.rollback.metrics.size(); i++) {
            ModelDeploymentSpec.Metric m = spec.rollback.metrics.get(i);
            // a built-in metric selects the version itself
            if (m.builtin == null && !QueryTemplate.uses(m.query, "version")) {
                throw new IllegalArgumentException(
                        "spec.rollback.metrics["
                                + i
                                + "].query: a canary needs {{version}} in every query to tell"
                                + " the canary's pods from the stable ones");
            }
        }
    }
}
