package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.featureview.MaterializationRecorder;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Whether a deployment's online features lag its FeatureViews' latest tables (pure). */
public final class OnlineStaleness {

    private OnlineStaleness() {}

    /** One lineage view's online state; stale when it has no online copy or an older one. */
    public static ModelDeploymentStatus.OnlineFeatures of(String name, FeatureView fv) {
        ModelDeploymentStatus.OnlineFeatures o = new ModelDeploymentStatus.OnlineFeatures();
        o.featureView = name;
        FeatureViewStatus s = fv == null ? null : fv.getStatus();
        o.asOf = s == null || s.online == null ? null : s.online.asOf;
        o.latestAsOf = s == null || s.latest == null ? null : s.latest.asOf;
        o.stale =
                fv == null
                        || fv.getSpec() == null
                        || fv.getSpec().online == null
                        || o.asOf == null
                        || MaterializationRecorder.onlineStale(s);
        return o;
    }

    /** {@code OnlineFeaturesStale} from the served version's views. */
    public static void setCondition(
            ModelDeploymentStatus status,
            List<ModelDeploymentStatus.OnlineFeatures> views,
            Long gen,
            Instant now) {
        List<ModelDeploymentStatus.OnlineFeatures> stale =
                views.stream().filter(v -> Boolean.TRUE.equals(v.stale)).toList();
        if (views.isEmpty()) {
            Conditions.set(
                    status,
                    ModelDeploymentReconciler.ONLINE_FEATURES_STALE,
                    true,
                    ModelDeploymentConditions.NO_LINEAGE,
                    "the served version names no FeatureView to read online",
                    gen,
                    now);
        } else if (!stale.isEmpty()) {
            Conditions.set(
                    status,
                    ModelDeploymentReconciler.ONLINE_FEATURES_STALE,
                    true,
                    ModelDeploymentConditions.ONLINE_BEHIND_LATEST,
                    stale.stream()
                            .map(
                                    v ->
                                            "FeatureView "
                                                    + v.featureView
                                                    + " serves "
                                                    + (v.asOf == null
                                                            ? "nothing online"
                                                            : "as-of " + v.asOf + " online")
                                                    + ", latest table as-of "
                                                    + v.latestAsOf)
                            .collect(Collectors.joining("; ")),
                    gen,
                    now);
        } else {
            Conditions.set(
                    status,
                    ModelDeploymentReconciler.ONLINE_FEATURES_STALE,
                    false,
                    ModelDeploymentConditions.ONLINE_UP_TO_DATE,
                    "online features of "
                            + views.stream()
                                    .map(v -> v.featureView + " as-of " + v.asOf)
                                    .collect(Collectors.joining(", ")),
                    gen,
                    now);
        }
    }

    /**
     * {@code status.onlineFeatures} and {@code OnlineFeaturesStale} from the served version's
     * FeatureViews ({@code views}: by name, from the cache): stale when one has no online version
     * or an older one than its latest table.
     */
    static void record(
            ModelDeployment md,
            ModelDeploymentStatus status,
            ModelVersion served,
            Function<String, FeatureView> views,
            Long gen,
            Instant now) {
        if (md.getSpec().online == null) {
            status.onlineFeatures = null;
            Conditions.remove(status, ModelDeploymentReconciler.ONLINE_FEATURES_STALE);
            return;
        }
        List<ModelDeploymentStatus.OnlineFeatures> online = new ArrayList<>();
        for (String name : ServingResources.lineageViews(served)) {
            online.add(of(name, views.apply(name)));
        }
        status.onlineFeatures = online;
        setCondition(status, online, gen, now);
    }
}
