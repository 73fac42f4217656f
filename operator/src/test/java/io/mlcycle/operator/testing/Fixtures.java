package io.mlcycle.operator.testing;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.SparkSpec;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.Filters;
import io.mlcycle.operator.api.featureview.IcebergCatalog;
import io.mlcycle.operator.api.featureview.ModelSelection;
import io.mlcycle.operator.api.featureview.StoreFormat;
import io.mlcycle.operator.api.trainingrun.Gate;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.api.trainingrun.TrainingRunSpec;
import io.mlcycle.operator.common.OperatorConfig;
import io.mlcycle.task.PivotSummary;
import io.mlcycle.task.Summary;
import org.assertj.core.groups.Tuple;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.mlcycle.operator.testing.Cluster.NS;
import static io.mlcycle.operator.testing.Cluster.awaitJob;
import static io.mlcycle.operator.testing.Cluster.awaitResource;
import static io.mlcycle.operator.testing.Cluster.edit;

/** Resources, pod summaries and the operator configuration the operator's tests share. */
public final class Fixtures {

    private Fixtures() {}

    /**
     * Name, Secret, key and {@code optional} of each env var set from a {@code secretKeyRef} (what
     * a pod spec may say about a credential: never its value).
     */
    public static List<Tuple> secretRefs(List<EnvVar> env) {
        return env.stream()
                .filter(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
                .map(
                        e ->
                                Tuple.tuple(
                                        e.getName(),
                                        e.getValueFrom().getSecretKeyRef().getName(),
                                        e.getValueFrom().getSecretKeyRef().getKey(),
                                        e.getValueFrom().getSecretKeyRef().getOptional()))
                .toList();
    }

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
        spec.filters = new Filters();
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

    /**
     * A view pinned to {@code asOf}, written to Redis, whose online copy holds only the features of
     * {@code models} ({@code spec.pivot.select.fromModels}).
     */
    public static FeatureView selectingView(String name, String asOf, String... models) {
        FeatureView fv = featureView(name, asOf);
        fv.getSpec().online = new FeatureViewSpec.Online();
        fv.getSpec().online.redis = new FeatureViewSpec.Redis();
        fv.getSpec().online.redis.url = "redis://redis.data:6379/0";
        fv.getSpec().pivot.select = new ModelSelection();
        fv.getSpec().pivot.select.fromModels = List.of(models);
        return fv;
    }

    /** The same view, pinned to one as-of date. */
    public static FeatureView featureView(String name, String asOf) {
        FeatureView fv = featureView(name);
        fv.getSpec().asOf = asOf;
        return fv;
    }

    private static Summary withColumns(Summary s, List<String> columns) {
        if (columns == null) {
            return s;
        }
        Map<String, Object> details =
                new LinkedHashMap<>(s.details() == null ? Map.of() : s.details());
        details.put(PivotSummary.COLUMNS, columns);
        return Summary.succeeded(s.uri(), s.figures(), details);
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

    /** The operator's configuration: the three images and {@code extra}. */
    public static OperatorConfig operatorConfig(Map<String, String> extra) {
        Map<String, String> props = new java.util.HashMap<>(extra);
        props.put("mlcycle.images.pivot", "p");
        props.put("mlcycle.images.trainer", "t");
        props.put("mlcycle.images.server", "s");
        return new io.smallrye.config.SmallRyeConfigBuilder()
                .withMapping(OperatorConfig.class)
                .withSources(new io.smallrye.config.PropertiesConfigSource(props, "test", 500))
                .build()
                .getConfigMapping(OperatorConfig.class);
    }

    /** A spark-engine FeatureView spec with empty driver and executor settings. */
    public static FeatureViewSpec sparkSpec() {
        FeatureViewSpec spec = featureView("x").getSpec();
        spec.engine = FeatureViewSpec.Engine.spark;
        spec.spark = new SparkSpec();
        spec.spark.driver = new SparkSpec.Driver();
        spec.spark.executor = new SparkSpec.Executor();
        return spec;
    }

    /**
     * A spark-engine view as of 2026-11-18 stored as an Iceberg table: the JDBC catalog at {@code
     * jdbc:postgresql://pg.data:5432/lake}, credentials from the Secret {@code lake-catalog}.
     */
    public static FeatureView icebergSparkView(String name) {
        FeatureView fv = sparkView(name);
        fv.getSpec().store.format = StoreFormat.iceberg;
        fv.getSpec().store.catalog = new IcebergCatalog();
        fv.getSpec().store.catalog.type = IcebergCatalog.Type.jdbc;
        fv.getSpec().store.catalog.uri = "jdbc:postgresql://pg.data:5432/lake";
        fv.getSpec().store.catalog.credentialsSecret = new FeatureViewSpec.SecretRef();
        fv.getSpec().store.catalog.credentialsSecret.name = "lake-catalog";
        return fv;
    }

    /** A spark-engine view as of 2026-11-18. */
    public static FeatureView sparkView(String name) {
        FeatureView fv = featureView(name, "2026-11-18");
        fv.getSpec().engine = FeatureViewSpec.Engine.spark;
        return fv;
    }

    /** A TrainingRun of a model on feature views, with file labels and two AUC gates. */
    public static TrainingRun trainingRun(String name, String model, String... featureViews) {
        TrainingRunSpec spec = new TrainingRunSpec();
        spec.model = model;
        spec.features =
                java.util.Arrays.stream(featureViews)
                        .map(
                                f -> {
                                    TrainingRunSpec.FeatureRef r = new TrainingRunSpec.FeatureRef();
                                    r.featureView = f;
                                    return r;
                                })
                        .toList();
        spec.labels = new TrainingRunSpec.Labels();
        spec.labels.uri = "file:///data/labels/returned/dt={date}/";
        spec.labels.column = "returned";
        Gate min = new Gate();
        min.metric = Gate.Metric.auc;
        min.min = 0.65;
        Gate delta = new Gate();
        delta.metric = Gate.Metric.auc;
        delta.minDeltaVsApproved = 0.0;
        spec.gates = List.of(min, delta);
        TrainingRun tr = new TrainingRun();
        tr.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
        tr.setSpec(spec);
        return tr;
    }

    /** What a training pod reports on success. */
    public static Summary trained(String uri, double auc) {
        return Summary.succeeded(
                uri,
                Map.of("auc", auc, "precision", 0.6, "recall", 0.5, "f1", 0.55, "rows", 1000.0),
                Map.of(
                        "topFeatures",
                        List.of(
                                Map.of("name", "item_42", "importance", 0.31),
                                Map.of("name", "logins", "importance", 0.12))));
    }

    /** Creates a FeatureView and plays its pivot pod to success at that as-of. */
    public static void materialize(KubernetesClient client, String fv, String asOf) {
        materialize(client, fv, asOf, null);
    }

    /**
     * {@link #materialize(KubernetesClient, String, String)}, the pivot publishing {@code columns}
     * (null: none) as the table's column names.
     */
    public static void materialize(
            KubernetesClient client, String fv, String asOf, List<String> columns) {
        FeatureView existing =
                client.resources(FeatureView.class).inNamespace(NS).withName(fv).get();
        if (existing == null) {
            FeatureView view = featureView(fv);
            view.getSpec().asOf = asOf;
            client.resource(view).create();
        } else {
            edit(
                    client,
                    FeatureView.class,
                    fv,
                    f -> {
                        f.getSpec().asOf = asOf;
                        return f;
                    });
        }
        Job job = awaitJob(client, fv + "-pivot-" + asOf.replace("-", "") + "-1");
        new Kubelet(client)
                .finish(
                        job,
                        withColumns(
                                pivotSucceeded(
                                        "file:///data/features/" + fv + "/asOf=" + asOf + "/",
                                        100,
                                        20),
                                columns));
        awaitResource(
                client,
                FeatureView.class,
                fv,
                f ->
                        f.getStatus() != null
                                && f.getStatus().latest != null
                                && asOf.equals(f.getStatus().latest.asOf));
    }
}
