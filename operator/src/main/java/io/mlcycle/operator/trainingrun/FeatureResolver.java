package io.mlcycle.operator.trainingrun;

import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewStatus;
import io.mlcycle.operator.api.featureview.FeatureViewStatus.Materialization;
import io.mlcycle.operator.api.trainingrun.TrainingRunSpec;
import io.mlcycle.operator.featureview.IcebergCatalogs;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.TableCatalog;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Resolves a TrainingRun's FeatureView references to concrete tables: one as-of every view has
 * ({@code latest}: the newest such date), or what is missing.
 */
public final class FeatureResolver {

    /**
     * @param inputs one per referenced view, in spec order, when resolved
     * @param missing what a person must fix or wait for, when not
     */
    public record Resolution(
            String asOf, List<FeatureInput> inputs, String entity, String missing) {
        public boolean resolved() {
            return missing == null;
        }

        /** Feature view → as-of. */
        public Map<String, String> inputMap() {
            Map<String, String> m = new LinkedHashMap<>();
            inputs.forEach(i -> m.put(i.featureView(), i.asOf()));
            return m;
        }
    }

    private FeatureResolver() {}

    /** Successful materializations of a view: as-of → table URI. */
    public static Map<String, String> available(FeatureViewStatus status) {
        Map<String, String> byDate = new LinkedHashMap<>();
        if (status == null) {
            return byDate;
        }
        List<Materialization> all = new ArrayList<>();
        if (status.latest != null) {
            all.add(status.latest);
        }
        if (status.history != null) {
            all.addAll(status.history);
        }
        for (Materialization m : all) {
            if ("Succeeded".equals(m.outcome) && m.asOf != null && m.uri != null) {
                byDate.putIfAbsent(m.asOf, m.uri);
            }
        }
        return byDate;
    }

    /** {@code spec} with its defaults ({@code Defaults.copy}). */
    public static Resolution resolve(
            TrainingRunSpec spec, Function<String, Optional<FeatureView>> lookup) {
        List<String> problems = new ArrayList<>();
        Map<String, Map<String, String>> tables = new LinkedHashMap<>();
        Map<String, TableCatalog> catalogs = new LinkedHashMap<>();
        String entity = null;
        for (TrainingRunSpec.FeatureRef ref : spec.features) {
            Optional<FeatureView> fv = lookup.apply(ref.featureView);
            if (fv.isEmpty()) {
                problems.add("FeatureView " + ref.featureView + " not found");
                continue;
            }
            if (entity == null && fv.get().getSpec() != null) {
                entity = fv.get().getSpec().entity;
            }
            Map<String, String> available = available(fv.get().getStatus());
            if (available.isEmpty()) {
                problems.add("FeatureView " + ref.featureView + " has no materialization yet");
                continue;
            }
            tables.put(ref.featureView, available);
            TableCatalog catalog = IcebergCatalogs.catalog(fv.get());
            if (catalog != null) {
                catalogs.put(ref.featureView, catalog);
            }
        }
        if (!problems.isEmpty()) {
            return new Resolution(null, List.of(), entity, String.join("; ", problems));
        }
        String asOf;
        String wanted = spec.asOf;
        if ("latest".equals(wanted)) {
            TreeSet<String> common = null;
            for (Map<String, String> t : tables.values()) {
                if (common == null) {
                    common = new TreeSet<>(t.keySet());
                } else {
                    common.retainAll(t.keySet());
                }
            }
            if (common == null || common.isEmpty()) {
                StringBuilder sb = new StringBuilder("no as-of date common to all FeatureViews:");
                tables.forEach(
                        (k, v) ->
                                sb.append(' ')
                                        .append(k)
                                        .append(' ')
                                        .append(new TreeSet<>(v.keySet())));
                return new Resolution(null, List.of(), entity, sb.toString());
            }
            asOf = common.last();
        } else {
            asOf = wanted;
            for (var e : tables.entrySet()) {
                if (!e.getValue().containsKey(asOf)) {
                    problems.add("FeatureView " + e.getKey() + " has no as-of " + asOf);
                }
            }
            if (!problems.isEmpty()) {
                return new Resolution(null, List.of(), entity, String.join("; ", problems));
            }
        }
        List<FeatureInput> inputs = new ArrayList<>();
        for (var e : tables.entrySet()) {
            // an Iceberg table's input names its catalog: the trainer plans the as-of's tag
            inputs.add(
                    new FeatureInput(
                            e.getKey(),
                            asOf,
                            e.getValue().get(asOf),
                            catalogs.get(e.getKey()),
                            null));
        }
        return new Resolution(asOf, inputs, entity, null);
    }
}
