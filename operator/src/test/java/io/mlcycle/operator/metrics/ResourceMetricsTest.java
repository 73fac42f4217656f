package io.mlcycle.operator.metrics;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.modelversion.ModelVersionSpec;
import io.mlcycle.operator.api.modelversion.ModelVersionStatus;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class ResourceMetricsTest {

    private static ObjectMetaBuilder meta(String name) {
        return new ObjectMetaBuilder().withName(name).withNamespace("ml");
    }

    private static double value(
            List<ResourceMetrics.Sample> samples, String name, Map<String, String> labels) {
        return samples.stream()
                .filter(s -> s.name().equals(name) && s.labels().equals(labels))
                .mapToDouble(ResourceMetrics.Sample::value)
                .findFirst()
                .orElseThrow(() -> new AssertionError(name + labels + " not in " + samples));
    }

    @Test
    void statusesBecomeSamplesWithTheirLabels() {
        FeatureView fv = new FeatureView();
        fv.setMetadata(meta("events").build());
        fv.setStatus(new FeatureViewStatus());
        fv.getStatus().phase = FeatureViewStatus.Phase.Ready;
        fv.getStatus().latest = new FeatureViewStatus.Materialization();
        fv.getStatus().latest.asOf = "2026-11-20";
        fv.getStatus().latest.completedAt = "2026-11-20T10:00:30Z";
        fv.getStatus().latest.entities = 3000L;

        TrainingRun tr = new TrainingRun();
        tr.setMetadata(meta("churn").build());
        tr.setStatus(new TrainingRunStatus());
        tr.getStatus().phase = TrainingRunStatus.Phase.Succeeded;
        TrainingRunStatus.Attempt a = new TrainingRunStatus.Attempt();
        a.startedAt = "2026-11-20T11:00:00Z";
        a.completedAt = "2026-11-20T11:01:40Z";
        a.outcome = "Succeeded";
        tr.getStatus().history.add(a);

        ModelVersion mv = new ModelVersion();
        mv.setMetadata(meta("churn-v2").build());
        mv.setSpec(new ModelVersionSpec());
        mv.getSpec().model = "churn";
        mv.getSpec().version = 2;
        mv.getSpec().metrics = Map.of("auc", 0.81);
        mv.setStatus(new ModelVersionStatus());
        mv.getStatus().phase = ModelVersionStatus.Phase.Approved;

        ModelDeployment md = new ModelDeployment();
        md.setMetadata(meta("churn").build());
        md.setStatus(new ModelDeploymentStatus());
        md.getStatus().phase = ModelDeploymentStatus.Phase.Available;
        md.getStatus().currentVersion = 2;
        md.getStatus().rollbacks.add(new ModelDeploymentStatus.RollbackRecord());
        md.getStatus().analysis = new ModelDeploymentStatus.Analysis();
        ModelDeploymentStatus.MetricResult precision = new ModelDeploymentStatus.MetricResult();
        precision.name = "online-precision";
        precision.value = 0.42;
        precision.verdict = "Failed";
        md.getStatus().analysis.metrics.add(precision);

        List<ResourceMetrics.Sample> s =
                ResourceMetrics.samples(List.of(fv), List.of(tr), List.of(mv), List.of(md));

        Map<String, String> view = Map.of("namespace", "ml", "featureview", "events");
        assertThat(
                        value(
                                s,
                                "featureview_phase",
                                Map.of(
                                        "namespace",
                                        "ml",
                                        "featureview",
                                        "events",
                                        "phase",
                                        "Ready")))
                .isEqualTo(1.0);
        assertThat(value(s, "featureview_latest_asof_timestamp_seconds", view))
                .isEqualTo(1_795_132_800.0);
        assertThat(value(s, "featureview_latest_materialized_timestamp_seconds", view))
                .isEqualTo(1_795_168_830.0);
        assertThat(value(s, "featureview_latest_entities", view)).isEqualTo(3000.0);
        assertThat(
                        value(
                                s,
                                "trainingrun_last_duration_seconds",
                                Map.of(
                                        "namespace", "ml",
                                        "trainingrun", "churn",
                                        "outcome", "Succeeded")))
                .isEqualTo(100.0);
        assertThat(
                        value(
                                s,
                                "modelversion_metric",
                                Map.of(
                                        "namespace", "ml",
                                        "model", "churn",
                                        "version", "2",
                                        "metric", "auc")))
                .isEqualTo(0.81);
        Map<String, String> dep = Map.of("namespace", "ml", "modeldeployment", "churn");
        assertThat(value(s, "modeldeployment_served_version", dep)).isEqualTo(2.0);
        assertThat(value(s, "modeldeployment_rollbacks", dep)).isEqualTo(1.0);
        assertThat(value(s, "modeldeployment_canary_weight", dep)).isZero();
        assertThat(
                        value(
                                s,
                                "modeldeployment_analysis_verdict",
                                Map.of(
                                        "namespace", "ml",
                                        "modeldeployment", "churn",
                                        "metric", "online-precision",
                                        "verdict", "Failed")))
                .isEqualTo(1.0);
        assertThat(s).allMatch(x -> ResourceMetrics.HELP.containsKey(x.name()));
    }

    @Test
    void aRunningSequentialCanaryExportsItsEstimateAndInterval() {
        ModelDeployment md = new ModelDeployment();
        md.setMetadata(meta("churn").build());
        md.setStatus(new ModelDeploymentStatus());
        ModelDeploymentStatus.Canary c = new ModelDeploymentStatus.Canary();
        c.phase = ModelDeploymentStatus.CanaryPhase.Progressing;
        c.step = 1;
        c.weight = 50;
        c.analysis = new ModelDeploymentStatus.Analysis();
        ModelDeploymentStatus.MetricResult precision = new ModelDeploymentStatus.MetricResult();
        precision.name = "online-precision";
        precision.value = 0.6;
        precision.estimate = -0.2;
        precision.lower = -0.53;
        precision.upper = 0.09;
        precision.verdict = "Undecided";
        c.analysis.metrics.add(precision);
        md.getStatus().canary = c;

        List<ResourceMetrics.Sample> s =
                ResourceMetrics.samples(List.of(), List.of(), List.of(), List.of(md));

        Map<String, String> metric =
                Map.of("namespace", "ml", "modeldeployment", "churn", "metric", "online-precision");
        assertThat(value(s, "modeldeployment_analysis_estimate", metric)).isEqualTo(-0.2);
        assertThat(value(s, "modeldeployment_analysis_lower", metric)).isEqualTo(-0.53);
        assertThat(value(s, "modeldeployment_analysis_upper", metric)).isEqualTo(0.09);
        assertThat(s).allMatch(x -> ResourceMetrics.HELP.containsKey(x.name()));
    }

    @Test
    void resourcesWithoutStatusGiveNoSample() {
        FeatureView fv = new FeatureView();
        fv.setMetadata(meta("new").build());
        assertThat(ResourceMetrics.samples(List.of(fv), List.of(), List.of(), List.of())).isEmpty();
    }
}
