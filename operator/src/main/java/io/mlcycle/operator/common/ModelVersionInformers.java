package io.mlcycle.operator.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.mlcycle.operator.api.modelversion.ModelVersion;

import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * An informer on ModelVersions for a kind that names registered models: its primaries indexed by
 * {@code <namespace>/<model>}, a version's event mapped to the primaries naming its model.
 */
public final class ModelVersionInformers {

    private ModelVersionInformers() {}

    /**
     * Adds index {@code index} (a primary's {@code models}) to the primary cache and returns the
     * informer named {@code name}.
     */
    public static <P extends HasMetadata> InformerEventSource<ModelVersion, P> byModel(
            EventSourceContext<P> context,
            Class<P> primary,
            String name,
            String index,
            Function<P, List<String>> models) {
        context.getPrimaryCache()
                .addIndexer(
                        index,
                        p ->
                                models.apply(p).stream()
                                        .map(m -> key(p.getMetadata().getNamespace(), m))
                                        .toList());
        return new InformerEventSource<>(
                InformerEventSourceConfiguration.from(ModelVersion.class, primary)
                        .withName(name)
                        .withSecondaryToPrimaryMapper(
                                (ModelVersion mv) ->
                                        mv.getSpec() == null || mv.getSpec().model == null
                                                ? Set.of()
                                                : context
                                                        .getPrimaryCache()
                                                        .byIndex(
                                                                index,
                                                                key(
                                                                        mv.getMetadata()
                                                                                .getNamespace(),
                                                                        mv.getSpec().model))
                                                        .stream()
                                                        .map(ResourceID::fromResource)
                                                        .collect(Collectors.toSet()))
                        .build(),
                context);
    }

    static String key(String namespace, String model) {
        return namespace + "/" + model;
    }
}
