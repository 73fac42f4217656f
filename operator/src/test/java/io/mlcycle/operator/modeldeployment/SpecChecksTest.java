package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class SpecChecksTest {

    private static ModelDeploymentSpec spec(ModelDeploymentSpec.Metric metric) {
        ModelDeploymentSpec spec = new ModelDeploymentSpec();
        spec.model = "m";
        spec.rollback = ModelDeployments.precisionAnalysis("http://p:9090", "30s", 3);
        spec.rollback.metrics = List.of(metric);
        return spec;
    }

    private static ModelDeploymentSpec.Metric skew() {
        ModelDeploymentSpec.Metric m = new ModelDeploymentSpec.Metric();
        m.name = "skew";
        m.builtin = ModelDeploymentSpec.Metric.SKEW;
        m.max = 0.2;
        return m;
    }

    @Test
    void theBuiltinSkewNeedsNoQueryAndJudgesACanaryWithoutVersionPlaceholder() {
        ModelDeploymentSpec spec = spec(skew());
        spec.rollout = new ModelDeploymentSpec.Rollout();
        spec.rollout.canary = new ModelDeploymentSpec.Canary();
        spec.rollout.canary.weight = 20;
        assertThat(SpecChecks.invalid(spec)).isEmpty();
    }

    @Test
    void aMetricWithBothQueryAndBuiltinOrAnUnknownBuiltinIsInvalidNamingTheField() {
        ModelDeploymentSpec.Metric both = skew();
        both.query = "up";
        assertThat(SpecChecks.invalid(spec(both)))
                .contains("spec.rollback.metrics[0]: needs exactly one of query or builtin");
        ModelDeploymentSpec.Metric unknown = skew();
        unknown.builtin = "drift";
        assertThat(SpecChecks.invalid(spec(unknown)))
                .contains(
                        "spec.rollback.metrics[0].builtin 'drift' is not a built-in metric (skew)");
    }

    @Test
    void aTypoInTheMinSamplesQueryOrAWindowThatIsNoDurationIsInvalid() {
        ModelDeploymentSpec.Metric m = skew();
        m.minSamples = new ModelDeploymentSpec.MinSamples();
        m.minSamples.count = 10L;
        m.minSamples.query = "sum(mlcycle_feature_rows_total{version=\"{{verison}}\"})";
        assertThat(SpecChecks.invalid(spec(m)))
                .hasValueSatisfying(
                        e ->
                                assertThat(e)
                                        .startsWith("spec.rollback.metrics[0].minSamples.query: ")
                                        .contains("{{verison}}"));
        ModelDeploymentSpec.Metric w = skew();
        w.window = "ten minutes";
        assertThat(SpecChecks.invalid(spec(w)))
                .hasValueSatisfying(e -> assertThat(e).contains("spec.rollback.metrics[0].window"));
    }

    @Test
    void retrainOnDriftNeedsTheRollbackPrometheusAndADurationWindow() {
        ModelDeploymentSpec spec = spec(skew());
        spec.retrain = new ModelDeploymentSpec.Retrain();
        spec.retrain.onDrift = new ModelDeploymentSpec.OnDrift();
        spec.retrain.onDrift.threshold = 0.3;
        assertThat(SpecChecks.invalid(spec)).isEmpty();
        spec.retrain.onDrift.window = "soon";
        assertThat(SpecChecks.invalid(spec))
                .hasValueSatisfying(e -> assertThat(e).startsWith("spec.retrain.onDrift.window"));
        spec.retrain.onDrift.window = "1h";
        spec.rollback = null;
        assertThat(SpecChecks.invalid(spec))
                .contains(
                        "spec.retrain.onDrift needs spec.rollback: its prometheus measures the"
                                + " drift");
    }

    @Test
    void aShadowNeedsTheRollbackPrometheusExactlyOneChallengerAndNoCanary() {
        ModelDeploymentSpec spec = spec(skew());
        spec.rollout = new ModelDeploymentSpec.Rollout();
        spec.rollout.shadow = new ModelDeploymentSpec.Shadow();
        spec.rollout.shadow.latestApproved = true;
        assertThat(SpecChecks.invalid(spec)).isEmpty();
        spec.rollout.shadow.version = 3;
        assertThat(SpecChecks.invalid(spec))
                .contains(
                        "spec.rollout.shadow needs exactly one of version or latestApproved: true");
        spec.rollout.shadow.latestApproved = false;
        assertThat(SpecChecks.invalid(spec)).isEmpty();
        spec.rollout.canary = new ModelDeploymentSpec.Canary();
        spec.rollout.canary.weight = 10;
        assertThat(SpecChecks.invalid(spec))
                .contains("spec.rollout.shadow and spec.rollout.canary are exclusive");
        spec.rollout.canary = null;
        spec.rollback = null;
        assertThat(SpecChecks.invalid(spec))
                .contains(
                        "spec.rollout.shadow needs spec.rollback: its prometheus holds the online"
                                + " metrics");
    }

    private static ModelDeploymentSpec sequential(double alpha, Double min, boolean minSamples) {
        ModelDeploymentSpec.Metric m = new ModelDeploymentSpec.Metric();
        m.name = "accuracy";
        m.query = "sum(mlcycle_feedback_total{version=\"{{version}}\"})";
        m.min = min;
        if (minSamples) {
            m.minSamples = new ModelDeploymentSpec.MinSamples();
            m.minSamples.count = 100L;
            m.minSamples.query = "sum(mlcycle_feedback_total{version=\"{{version}}\"})";
        }
        ModelDeploymentSpec spec = spec(m);
        spec.rollback.mode = ModelDeploymentSpec.JudgeMode.sequential;
        spec.rollback.alpha = alpha;
        return spec;
    }

    @Test
    void sequentialRollbackWithAProportionMinAndACountIsValid() {
        assertThat(SpecChecks.invalid(sequential(0.05, 0.8, true))).isEmpty();
    }

    @Test
    void sequentialRollbackWithAlphaOutsideTheOpenIntervalIsInvalidNamingTheField() {
        assertThat(SpecChecks.invalid(sequential(0.5, 0.8, true)))
                .contains("spec.rollback.alpha 0.5 is not in (0, 0.5)");
        assertThat(SpecChecks.invalid(sequential(0, 0.8, true)))
                .contains("spec.rollback.alpha 0.0 is not in (0, 0.5)");
    }

    @Test
    void sequentialRollbackOnAMetricThatIsNoProportionOrHasNoCountIsInvalidNamingTheField() {
        assertThat(SpecChecks.invalid(sequential(0.05, 1.5, true)))
                .contains(
                        "spec.rollback.metrics[0].min 1.5 is not a proportion in (0, 1) (mode"
                                + " sequential)");
        assertThat(SpecChecks.invalid(sequential(0.05, 0.8, false)))
                .hasValueSatisfying(
                        e -> assertThat(e).startsWith("spec.rollback.metrics[0].minSamples"));
        ModelDeploymentSpec skew = spec(skew());
        skew.rollback.mode = ModelDeploymentSpec.JudgeMode.sequential;
        assertThat(SpecChecks.invalid(skew))
                .hasValueSatisfying(e -> assertThat(e).contains("builtin skew is not one"));
    }

    private static ModelDeploymentSpec sequentialShadow(
            ModelDeploymentSpec.ShadowMetric metric, double alpha, double margin) {
        ModelDeploymentSpec spec = sequential(0.05, 0.8, true);
        spec.rollback.mode = null;
        spec.rollout = new ModelDeploymentSpec.Rollout();
        spec.rollout.shadow = new ModelDeploymentSpec.Shadow();
        spec.rollout.shadow.version = 2;
        spec.rollout.shadow.mode = ModelDeploymentSpec.JudgeMode.sequential;
        spec.rollout.shadow.metric = metric;
        spec.rollout.shadow.alpha = alpha;
        spec.rollout.shadow.margin = margin;
        return spec;
    }

    @Test
    void aSequentialShadowNeedsAccuracyAnAlphaInRangeAndAReachableMarginNamingTheField() {
        assertThat(
                        SpecChecks.invalid(
                                sequentialShadow(
                                        ModelDeploymentSpec.ShadowMetric.accuracy, 0.05, 0.01)))
                .isEmpty();
        assertThat(
                        SpecChecks.invalid(
                                sequentialShadow(ModelDeploymentSpec.ShadowMetric.f1, 0.05, 0.01)))
                .contains(
                        "spec.rollout.shadow.metric f1 is not a proportion of paired outcomes:"
                                + " mode sequential needs accuracy");
        assertThat(
                        SpecChecks.invalid(
                                sequentialShadow(
                                        ModelDeploymentSpec.ShadowMetric.accuracy, 0.6, 0.01)))
                .contains("spec.rollout.shadow.alpha 0.6 is not in (0, 0.5)");
        assertThat(
                        SpecChecks.invalid(
                                sequentialShadow(
                                        ModelDeploymentSpec.ShadowMetric.accuracy, 0.05, 1.0)))
                .hasValueSatisfying(
                        e ->
                                assertThat(e)
                                        .startsWith(
                                                "spec.rollout.shadow.margin 1.0 cannot be reached"));
    }

    private static ModelDeploymentSpec sequentialCanary(double alpha, double tolerance) {
        ModelDeploymentSpec spec = sequential(0.05, 0.8, true);
        spec.rollback.mode = null;
        spec.rollout = new ModelDeploymentSpec.Rollout();
        spec.rollout.canary = new ModelDeploymentSpec.Canary();
        spec.rollout.canary.weight = 20;
        spec.rollout.canary.mode = ModelDeploymentSpec.JudgeMode.sequential;
        spec.rollout.canary.alpha = alpha;
        spec.rollout.canary.tolerance = tolerance;
        return spec;
    }

    @Test
    void aSequentialCanaryNeedsAnAlphaInRangeAMarginBelowOneAndCountedMinMetricsNamingTheField() {
        assertThat(SpecChecks.invalid(sequentialCanary(0.05, 0.02))).isEmpty();
        assertThat(SpecChecks.invalid(sequentialCanary(0.5, 0.02)))
                .contains("spec.rollout.canary.alpha 0.5 is not in (0, 0.5)");
        assertThat(SpecChecks.invalid(sequentialCanary(0.0, 0.02)))
                .contains("spec.rollout.canary.alpha 0.0 is not in (0, 0.5)");
        assertThat(SpecChecks.invalid(sequentialCanary(0.05, 1.0)))
                .contains(
                        "spec.rollout.canary.tolerance 1.0 is not an absolute margin in [0, 1)"
                                + " (mode sequential)");
        ModelDeploymentSpec uncounted = sequentialCanary(0.05, 0.02);
        uncounted.rollback.metrics.get(0).minSamples = null;
        assertThat(SpecChecks.invalid(uncounted))
                .hasValueSatisfying(
                        e ->
                                assertThat(e)
                                        .startsWith(
                                                "spec.rollback.metrics[0].minSamples is needed by"
                                                        + " canary mode sequential"));
        ModelDeploymentSpec latency = sequentialCanary(0.05, 0.02);
        latency.rollback.metrics.get(0).min = null;
        latency.rollback.metrics.get(0).max = 0.5;
        assertThat(SpecChecks.invalid(latency))
                .hasValueSatisfying(e -> assertThat(e).endsWith("max is not one"));
        ModelDeploymentSpec threshold = sequentialCanary(0.7, 0.02);
        threshold.rollout.canary.mode = null;
        assertThat(SpecChecks.invalid(threshold)).as("alpha unused by threshold").isEmpty();
    }
}
