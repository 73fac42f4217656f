package io.mlcycle.operator.metrics;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the resources' statuses say, as Prometheus samples (kube-state-metrics for the mlcycle
 * kinds): phases, the latest materialization per view and its time, training durations and metrics
 * per version, approvals, served versions, rollbacks, canary progress and each analysis metric.
 * Pure: computed from the resources the operator's informers hold.
 */
public final class ResourceMetrics {

    /** One sample: metric name, labels, value. */
    public record Sample(String name, Map<String, String> labels, double value) {}

    public static final String PREFIX = "mlcycle_";

    /** Metric names with their help text, in the order they are published. */
    public static final Map<String, String> HELP = new LinkedHashMap<>();

    static {
        HELP.put("featureview_phase", "1 for the FeatureView's current phase");
        HELP.put(
                "featureview_latest_asof_timestamp_seconds",
                "As-of date (UTC midnight) of the latest good table");
        HELP.put(
                "featureview_latest_materialized_timestamp_seconds",
                "When the latest good table was published; age = time() - this");
        HELP.put("featureview_latest_entities", "Entities (rows) of the latest good table");
        HELP.put("featureview_latest_features", "Features (columns) of the latest good table");
        HELP.put("featureview_waiting_dates", "As-of dates waiting for their data");
        HELP.put("trainingrun_phase", "1 for the TrainingRun's current phase");
        HELP.put(
                "trainingrun_last_duration_seconds",
                "Duration of the run's last finished training, by outcome");
        HELP.put("modelversion_phase", "1 for the ModelVersion's current phase");
        HELP.put("modelversion_metric", "Validation metric of a model version (auc, f1, logLoss…)");
        HELP.put("modeldeployment_phase", "1 for the ModelDeployment's current phase");
        HELP.put("modeldeployment_served_version", "The model version the deployment serves");
        HELP.put("modeldeployment_ready_replicas", "Ready serving replicas");
        HELP.put("modeldeployment_rollbacks", "Rollbacks recorded in the deployment's status");
        HELP.put("modeldeployment_canary_weight", "Traffic weight (%) of the running canary");
        HELP.put("modeldeployment_canary_step", "Step of the running canary");
        HELP.put(
                "modeldeployment_analysis_value",
                "Last value of each rollback/canary analysis metric");
        HELP.put(
                "modeldeployment_analysis_verdict",
                "1 for each analysis metric's last verdict (Passed, Failed, Inconclusive,"
                        + " Undecided)");
        HELP.put(
                "modeldeployment_analysis_estimate",
                "Mode sequential: each metric's estimate (rollback: the proportion; canary: canary"
                        + " minus stable)");
        HELP.put(
                "modeldeployment_analysis_lower",
                "Mode sequential: lower end of the estimate's always-valid confidence interval");
        HELP.put(
                "modeldeployment_analysis_upper",
                "Mode sequential: upper end of the estimate's always-valid confidence interval");
    }

    private ResourceMetrics() {}

    public static List<Sample> samples(
            List<FeatureView> views,
            List<TrainingRun> runs,
            List<ModelVersion> versions,
            List<ModelDeployment> deployments) {
        List<Sample> out = new ArrayList<>();
        featureViews(out, views);
        trainingRuns(out, runs);
        modelVersions(out, versions);
        modelDeployments(out, deployments);
        return out;
    }

    private static void featureViews(List<Sample> out, List<FeatureView> views) {
        for (FeatureView fv : views) {
            FeatureViewStatus s = fv.getStatus();
            if (s == null) {
                continue;
            }
            Map<String, String> l = labels(fv, "featureview");
            phase(out, "featureview_phase", l, s.phase);
            if (s.latest != null) {
                add(out, "featureview_latest_asof_timestamp_seconds", l, date(s.latest.asOf));
                add(
                        out,
                        "featureview_latest_materialized_timestamp_seconds",
                        l,
                        instant(s.latest.completedAt));
                add(out, "featureview_latest_entities", l, number(s.latest.entities));
                add(out, "featureview_latest_features", l, number(s.latest.features));
            }
            add(out, "featureview_waiting_dates", l, (double) s.waiting.size());
        }
    }

    private static void trainingRuns(List<Sample> out, List<TrainingRun> runs) {
        for (TrainingRun tr : runs) {
            TrainingRunStatus s = tr.getStatus();
            if (s == null) {
                continue;
            }
            Map<String, String> l = labels(tr, "trainingrun");
            phase(out, "trainingrun_phase", l, s.phase);
            if (!s.history.isEmpty()) {
                TrainingRunStatus.Attempt last = s.history.get(0);
                Double start = instant(last.startedAt);
                Double end = instant(last.completedAt);
                if (start != null && end != null && last.outcome != null) {
                    add(
                            out,
                            "trainingrun_last_duration_seconds",
                            with(l, "outcome", last.outcome),
                            end - start);
                }
            }
        }
    }

    private static void modelVersions(List<Sample> out, List<ModelVersion> versions) {
        for (ModelVersion mv : versions) {
            if (mv.getSpec() == null || mv.getSpec().version == null) {
                continue;
            }
            Map<String, String> l = new TreeMap<>();
            l.put("namespace", mv.getMetadata().getNamespace());
            l.put("model", String.valueOf(mv.getSpec().model));
            l.put("version", String.valueOf(mv.getSpec().version));
            if (mv.getStatus() != null) {
                phase(out, "modelversion_phase", l, mv.getStatus().phase);
            }
            if (mv.getSpec().metrics != null) {
                mv.getSpec()
                        .metrics
                        .forEach(
                                (k, v) -> add(out, "modelversion_metric", with(l, "metric", k), v));
            }
        }
    }

    private static void modelDeployments(List<Sample> out, List<ModelDeployment> deployments) {
        for (ModelDeployment md : deployments) {
            ModelDeploymentStatus s = md.getStatus();
            if (s == null) {
                continue;
            }
            Map<String, String> l = labels(md, "modeldeployment");
            phase(out, "modeldeployment_phase", l, s.phase);
            add(out, "modeldeployment_served_version", l, number(s.currentVersion));
            add(out, "modeldeployment_ready_replicas", l, number(s.readyReplicas));
            add(out, "modeldeployment_rollbacks", l, (double) s.rollbacks.size());
            boolean canaryRuns =
                    s.canary != null
                            && s.canary.phase != ModelDeploymentStatus.CanaryPhase.Succeeded
                            && s.canary.phase != ModelDeploymentStatus.CanaryPhase.Aborted;
            add(
                    out,
                    "modeldeployment_canary_weight",
                    l,
                    canaryRuns ? number(s.canary.weight) : 0.0);
            add(out, "modeldeployment_canary_step", l, canaryRuns ? number(s.canary.step) : 0.0);
            ModelDeploymentStatus.Analysis analysis =
                    canaryRuns && s.canary.analysis != null ? s.canary.analysis : s.analysis;
            if (analysis != null) {
                for (ModelDeploymentStatus.MetricResult m : analysis.metrics) {
                    Map<String, String> ml = with(l, "metric", String.valueOf(m.name));
                    add(out, "modeldeployment_analysis_value", ml, m.value);
                    add(out, "modeldeployment_analysis_estimate", ml, m.estimate);
                    add(out, "modeldeployment_analysis_lower", ml, m.lower);
                    add(out, "modeldeployment_analysis_upper", ml, m.upper);
                    if (m.verdict != null) {
                        add(
                                out,
                                "modeldeployment_analysis_verdict",
                                with(ml, "verdict", m.verdict),
                                1.0);
                    }
                }
            }
        }
    }

    private static Map<String, String> labels(HasMetadata r, String kind) {
        Map<String, String> l = new TreeMap<>();
        l.put("namespace", r.getMetadata().getNamespace());
        l.put(kind, r.getMetadata().getName());
        return l;
    }

    private static Map<String, String> with(Map<String, String> labels, String key, String value) {
        Map<String, String> l = new TreeMap<>(labels);
        l.put(key, value);
        return l;
    }

    private static void phase(List<Sample> out, String name, Map<String, String> l, Enum<?> phase) {
        if (phase != null) {
            out.add(new Sample(name, with(l, "phase", phase.name()), 1.0));
        }
    }

    private static void add(List<Sample> out, String name, Map<String, String> l, Double v) {
        if (v != null && Double.isFinite(v)) {
            out.add(new Sample(name, l, v));
        }
    }

    private static Double number(Number n) {
        return n == null ? null : n.doubleValue();
    }

    private static Double instant(String rfc3339) {
        try {
            return rfc3339 == null ? null : Instant.parse(rfc3339).toEpochMilli() / 1000.0;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static Double date(String iso) {
        try {
            return iso == null
                    ? null
                    : (double) LocalDate.parse(iso).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
