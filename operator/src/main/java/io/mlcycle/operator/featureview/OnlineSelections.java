package io.mlcycle.operator.featureview;

import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.FeatureViewStatus;
import io.mlcycle.operator.api.featureview.ModelSelection;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.common.EventRecorder;
import io.mlcycle.operator.common.ModelVersionInformers;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * {@code spec.pivot.select} in the FeatureView controller: the informer on ModelVersions (a version
 * approved, rejected or rolled back requeues the views naming its model), the decision of {@link
 * ModelColumns} on its cache, and what it records: condition {@value
 * FeatureViewConditions#SELECTION_NARROWED}, {@code status.selection} and an Event when the
 * decision changes.
 */
final class OnlineSelections {

    static final String MODEL_INDEX = "featureview-by-selected-model";

    private final InformerEventSource<ModelVersion, FeatureView> versions;
    private final EventRecorder events;

    private OnlineSelections(
            InformerEventSource<ModelVersion, FeatureView> versions, EventRecorder events) {
        this.versions = versions;
        this.events = events;
    }

    static OnlineSelections create(EventSourceContext<FeatureView> context, EventRecorder events) {
        var versions =
                ModelVersionInformers.byModel(
                        context,
                        FeatureView.class,
                        "featureview-model-versions",
                        MODEL_INDEX,
                        fv -> {
                            ModelSelection select = select(fv.getSpec());
                            return select == null || select.fromModels == null
                                    ? List.of()
                                    : select.fromModels.stream().filter(Objects::nonNull).toList();
                        });
        return new OnlineSelections(versions, events);
    }

    InformerEventSource<ModelVersion, FeatureView> eventSource() {
        return versions;
    }

    /**
     * Decides the online columns of {@code fv} from the cached ModelVersions and records the
     * decision in {@code status}; null (every column) without {@code spec.pivot.select}.
     */
    ModelColumns.Decision decide(FeatureView fv, FeatureViewStatus status, Instant now) {
        ModelSelection select = select(Defaults.copy(fv.getSpec()));
        if (select == null) {
            Conditions.remove(status, FeatureViewConditions.SELECTION_NARROWED);
            status.selection = null;
            return null;
        }
        String ns = fv.getMetadata().getNamespace();
        ModelColumns.Decision d =
                ModelColumns.decide(
                        fv.getMetadata().getName(),
                        select,
                        versions.list(ns, mv -> true).toList(),
                        status.latest == null ? null : status.latest.features);
        record(fv, status, select, d, now);
        return d;
    }

    private void record(
            FeatureView fv,
            FeatureViewStatus status,
            ModelSelection select,
            ModelColumns.Decision d,
            Instant now) {
        boolean told =
                Conditions.says(
                        fv.getStatus(),
                        FeatureViewConditions.SELECTION_NARROWED,
                        d.reason(),
                        d.message());
        Conditions.set(
                status,
                FeatureViewConditions.SELECTION_NARROWED,
                d.narrowed(),
                d.reason(),
                d.message(),
                fv.getMetadata().getGeneration(),
                now);
        if (d.narrowed()) {
            status.selection = new FeatureViewStatus.Selection();
            status.selection.columns = d.columns().size();
            status.selection.margin = select.margin;
            status.selection.models = d.versions();
        } else {
            status.selection = null;
        }
        if (!told) {
            if (d.narrowed()) {
                events.normal(fv, d.reason(), d.message());
            } else {
                events.warning(fv, d.reason(), d.message());
            }
        }
    }

    private static ModelSelection select(FeatureViewSpec spec) {
        return spec == null || spec.pivot == null ? null : spec.pivot.select;
    }
}
