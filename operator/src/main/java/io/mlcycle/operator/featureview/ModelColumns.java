package io.mlcycle.operator.featureview;

import io.mlcycle.operator.api.featureview.ModelSelection;
import io.mlcycle.operator.api.modelversion.FeatureSchema;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.modeldeployment.VersionResolver;
import io.mlcycle.task.PivotTask;

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
 * version, or records no feature of this view. A version records only its top few features (the pod
 * summary's size): when {@code topK} asks for more, the decision names its artifact, and the pivot
 * reads the version's full ranking there.
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
     * @param ranking the versions whose recorded features cannot answer {@code topK}: the pivot
     *     reads their full SHAP ranking beside the artifact and adds their top features of this
     *     view (null: none)
     */
    public record Decision(
            List<String> columns,
            String reason,
            String message,
            List<String> versions,
            PivotTask.Ranking ranking) {

        public boolean narrowed() {
            return columns != null;
        }

        private static Decision everything(String reason, String message) {
            return new Decision(
                    null,
                    reason,
                    message + "; the online copy holds every column",
                    List.of(),
                    null);
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
        List<PivotTask.RankedModel> ranked = new ArrayList<>();
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
            if (readsFullRanking(mv, select.topK)) {
                ranked.add(new PivotTask.RankedModel(name, mv.getSpec().artifactUri));
            }
        }
        return new Decision(
                List.copyOf(columns),
                FeatureViewConditions.NARROWED,
                message(columns.size(), tableColumns, select, read, ranked),
                List.copyOf(read),
                ranked.isEmpty() ? null : new PivotTask.Ranking(select.topK, List.copyOf(ranked)));
    }

    /**
     * Whether the pivot reads the version's full ranking: its recorded features (the pod summary's
     * top few) are fewer than {@code topK}, and its artifact is known.
     */
    static boolean readsFullRanking(ModelVersion mv, int topK) {
        FeatureSchema schema = mv.getSpec().featureSchema;
        return mv.getSpec().artifactUri != null
                && !mv.getSpec().artifactUri.isBlank()
                && schema != null
                && schema.features != null
                && schema.features.size() < topK;
    }

    private static String message(
            int columns,
            Long tableColumns,
            ModelSelection select,
            List<String> read,
            List<PivotTask.RankedModel> ranked) {
        String size =
                columns
                        + (tableColumns == null
                                ? " columns"
                                : " of the latest table's " + tableColumns + " columns");
        String margin = select.margin > 0 ? " plus a margin of " + select.margin : "";
        if (ranked.isEmpty()) {
            return "the online copy holds "
                    + size
                    + margin
                    + ": the features of "
                    + String.join(", ", read);
        }
        return "the online copy holds the top "
                + select.topK
                + " features by SHAP of "
                + String.join(", ", read)
                + " that come from this view"
                + margin
                + ": "
                + size
                + " from the features the versions record, the rest from the full ranking beside"
                + " the artifact of "
                + String.join(", ", ranked.stream().map(PivotTask.RankedModel::name).toList())
                + ", read by the pivot (status.online.columns: what it wrote)";
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
