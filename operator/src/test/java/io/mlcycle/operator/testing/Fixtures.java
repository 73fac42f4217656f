package io.mlcycle.operator.testing;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.task.Summary;

import java.util.Map;

/** Resources and pod summaries the lifecycle tests share. */
public final class Fixtures {

    private Fixtures() {}

    /** A file-sourced FeatureView with a 7-day window, a filter and a validation rule. */
    public static FeatureView featureView(String name) {
        FeatureViewSpec spec = new FeatureViewSpec();
        spec.entity = "user_id";
        spec.source = new FeatureViewSpec.Source();
        spec.source.uri = "file:///data/raw/item-events/dt={date}/";
        spec.source.successMarker = "_SUCCESS";
        spec.source.pollInterval = "10m";
        spec.pivot = new FeatureViewSpec.Pivot();
        spec.pivot.key = "event_id";
        spec.pivot.value = "cnt";
        spec.window = "7d";
        spec.filters = new FeatureViewSpec.Filters();
        spec.filters.where = "channel <> 'test'";
        spec.store = new FeatureViewSpec.Store();
        spec.store.uri = "file:///data/features/" + name + "/";
        spec.validation = new FeatureViewSpec.Validation();
        spec.validation.minEntities = 10;
        FeatureView fv = new FeatureView();
        fv.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(Cluster.NS).build());
        fv.setSpec(spec);
        return fv;
    }

    /** The same view, pinned to one as-of date. */
    public static FeatureView featureView(String name, String asOf) {
        FeatureView fv = featureView(name);
        fv.getSpec().asOf = asOf;
        return fv;
    }

    /** What a pivot pod reports on success. */
    public static Summary pivotSucceeded(String uri, double entities, double features) {
        return Summary.succeeded(
                uri,
                Map.of(
                        "entities", entities,
                        "features", features,
                        "nonZeros", 500.0,
                        "sparsity", 0.99,
                        "sourceRows", 2000.0),
                null);
    }
}
