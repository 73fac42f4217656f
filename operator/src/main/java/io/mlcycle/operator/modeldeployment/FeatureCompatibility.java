package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.common.EventRecorder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Acts on {@link FeatureCoverage}'s decisions: reads the current tables of a version's FeatureViews
 * from the informer cache, holds back a version whose features the tables lack (status {@code
 * featureCoverage}, condition FeatureCompatible, a VersionRefused Event) and chooses the rollback
 * target among the earlier versions that fit.
 */
@ApplicationScoped
public class FeatureCompatibility {

    private final EventRecorder events;
    private volatile BiFunction<String, String, FeatureView> featureViews = (ns, name) -> null;

    @Inject
    public FeatureCompatibility(EventRecorder events) {
        this.events = events;
    }

    /** Where FeatureViews are read (the reconciler's informer cache), by namespace and name. */
    void readFrom(BiFunction<String, String, FeatureView> featureViews) {
        this.featureViews = featureViews;
    }

    /**
     * The version to serve instead of {@code resolution}'s when its features are missing (see
     * {@link FeatureCoverage#decide}); records the check in status either way.
     */
    VersionResolver.Resolution gate(
            ModelDeployment md,
            ModelDeploymentStatus status,
            VersionResolver.Resolution resolution,
            Optional<ModelVersion> served,
            List<ModelVersion> versions,
            boolean rolledBack,
            Instant now) {
        double min = threshold(md);
        FeatureCoverage.Verdict v =
                FeatureCoverage.decide(
                        resolution.version(), served, rolledBack, versions, checker(md), min);
        FeatureCoverage.Result checked = v.checked();
        status.featureCoverage = checked.toStatus(min);
        Long gen = md.getMetadata().getGeneration();
        if (!v.refused()) {
            Conditions.set(
                    status.conditions,
                    ModelDeploymentConditions.FEATURE_COMPATIBLE,
                    checked.coverage() == null
                            ? "Unknown"
                            : checked.fits(min) ? Conditions.TRUE : Conditions.FALSE,
                    checked.coverage() == null
                            ? ModelDeploymentConditions.FEATURE_COVERAGE_UNKNOWN
                            : checked.fits(min)
                                    ? ModelDeploymentConditions.FEATURES_PRESENT
                                    : ModelDeploymentConditions.FEATURES_MISSING,
                    checked.message(min),
                    gen,
                    now);
            return resolution;
        }
        String message =
                "refused "
                        + checked.message(min)
                        + (v.serve() == null
                                ? "; nothing is served"
                                : "; serving v" + VersionResolver.number(v.serve()))
                        + skippedText(v.skipped(), min);
        Conditions.set(
                status,
                ModelDeploymentConditions.FEATURE_COMPATIBLE,
                false,
                ModelDeploymentConditions.FEATURES_MISSING,
                message,
                gen,
                now);
        events.warningOnce(md, ModelDeploymentConditions.VERSION_REFUSED, message);
        return new VersionResolver.Resolution(
                v.serve(), ModelDeploymentConditions.FEATURES_MISSING, message);
    }

    /** The rollback target of {@code from}: the highest good version below it that fits. */
    FeatureCoverage.Choice rollbackTarget(
            ModelDeployment md, Collection<ModelVersion> versions, int from) {
        return FeatureCoverage.rollbackTarget(versions, from, checker(md), threshold(md));
    }

    /** {@code ; skipped v2 (…), v1 (…)} for the versions a choice passed over, or nothing. */
    static String skippedText(List<FeatureCoverage.Result> skipped, double min) {
        if (skipped.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("; skipped ");
        for (int i = 0; i < skipped.size(); i++) {
            FeatureCoverage.Result r = skipped.get(i);
            b.append(i == 0 ? "" : ", ")
                    .append("v")
                    .append(r.version())
                    .append(" (")
                    .append(FeatureCoverage.percent(r.coverage()))
                    .append(" of its SHAP mass present, below ")
                    .append(FeatureCoverage.percent(min))
                    .append(": missing ")
                    .append(r.missingNames())
                    .append(")");
        }
        return b.toString();
    }

    /** Whether {@code md}'s last check found features missing: a view's new table may fit. */
    static boolean awaitsTables(ModelDeployment md) {
        return md.getStatus() != null
                && md.getStatus().featureCoverage != null
                && Boolean.FALSE.equals(md.getStatus().featureCoverage.fits);
    }

    static double threshold(ModelDeployment md) {
        return Defaults.copy(md.getSpec()).minFeatureCoverage;
    }

    private Function<ModelVersion, FeatureCoverage.Result> checker(ModelDeployment md) {
        String ns = md.getMetadata().getNamespace();
        return mv -> FeatureCoverage.check(mv, view -> table(featureViews.apply(ns, view), view));
    }

    /** A view's latest table as the cache has it. */
    static FeatureCoverage.Table table(FeatureView fv, String view) {
        FeatureViewStatus.Materialization latest =
                fv == null || fv.getStatus() == null ? null : fv.getStatus().latest;
        if (latest == null) {
            return FeatureCoverage.Table.none(view);
        }
        return new FeatureCoverage.Table(
                view, latest.asOf, latest.columns == null ? null : new HashSet<>(latest.columns));
    }
}
