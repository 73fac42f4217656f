package io.mlcycle.operator.featureview;

import io.mlcycle.operator.api.featureview.ModelSelection;
import io.mlcycle.operator.api.modelversion.FeatureSchema;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.modeldeployment.VersionResolver;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides (pure) which columns of a FeatureView its online copy holds under {@code
 * spec.pivot.select}: the union, over the named models' latest approved (not rolled-back) versions,
 * of their top-K features by SHAP share that come from this view (featureSchema names them {@code
 * <view>/<column>}); every column, with the reason, when a model is missing, has no approved
 * version, or records no feature of this view.
 */
public final class ModelColumns {

    private ModelColumns() {}

    /**
     * The decision.
     *
     * @param columns the view's column names to write online, sorted; null: every column
     * @param reason the SelectionNarrowed reason
     * @param message the condition's message, naming the models (and the one at fault)
     * @param versions the versions read, {@code <model> v<N>}, in {@code fromModels} order
     */
    public record Decision(
            List<String> columns, String reason, String message, List<String> versions) {

        public boolean narrowed() {
            return columns != null;
        }

        private static Decision everything(String reason, String message) {
            return new Decision(
                    null, reason, message + "; the online copy holds every column", List.of());
        }
    }

    /**
     * Decides the columns of view {@code view} for {@code select} (defaults applied), {@code
     * versions} the ModelVersions of the view's namespace, {@code tableColumns} the latest table's
     * column count (null: none yet) for the message.
     */
    public static Decision decide(
            String view,
            ModelSelection select,
            Collection<ModelVersion> versions,
            Long tableColumns) {
        Set<String> columns = new TreeSet<>();
        List<String> read = new ArrayList<>();
        String prefix = view + "/";
        for (String model : new LinkedHashSet<>(select.fromModels)) {
            List<ModelVersion> own =
                    versions.stream()
                            .filter(mv -> mv.getSpec() != null && model.equals(mv.getSpec().model))
                            .toList();
            if (own.isEmpty()) {
                return Decision.everything(
                        FeatureViewConditions.MODEL_NOT_FOUND,
                        "spec.pivot.select.fromModels: model " + model + " has no ModelVersion");
            }
            var good = VersionResolver.highestGoodBelow(own, Integer.MAX_VALUE);
            if (good.isEmpty()) {
                return Decision.everything(
                        FeatureViewConditions.NO_APPROVED_VERSION,
                        "spec.pivot.select.fromModels: model "
                                + model
                                + " has no approved version that was not rolled back ("
                                + own.size()
                                + " registered)");
            }
            ModelVersion mv = good.get();
            String name = model + " v" + VersionResolver.number(mv);
            List<String> mine = fromView(mv.getSpec().featureSchema, prefix, select.topK);
            if (mine.isEmpty()) {
                return Decision.everything(
                        FeatureViewConditions.NO_FEATURES_FROM_VIEW,
                        "spec.pivot.select.fromModels: "
                                + name
                                + " records no feature of FeatureView "
                                + view
                                + " among its top "
                                + select.topK
                                + " by SHAP (featureSchema)");
            }
            columns.addAll(mine);
            read.add(name);
        }
        return new Decision(
                List.copyOf(columns),
                FeatureViewConditions.NARROWED,
                "the online copy holds "
                        + columns.size()
                        + (tableColumns == null
                                ? " columns"
                                : " of the latest table's " + tableColumns + " columns")
                        + (select.margin > 0 ? " plus a margin of " + select.margin : "")
                        + ": the features of "
                        + String.join(", ", read),
                List.copyOf(read));
    }

    /**
     * The version's top {@code topK} recorded features by SHAP share (ties in recorded order) that
     * come from the view, as its column names.
     */
    static List<String> fromView(FeatureSchema schema, String prefix, int topK) {
        if (schema == null || schema.features == null) {
            return List.of();
        }
        List<FeatureSchema.Feature> ranked = new ArrayList<>(schema.features);
        ranked.sort(
                Comparator.comparingDouble(
                        (FeatureSchema.Feature f) -> f.share == null ? 0 : -f.share));
        return ranked.stream()
                .limit(topK)
                .map(f -> f.name)
                .filter(n -> n != null && n.startsWith(prefix) && n.length() > prefix.length())
                .map(n -> n.substring(prefix.length()))
                .toList();
    }
}
