package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A serving-side object (HorizontalPodAutoscaler, PodDisruptionBudget) kept to the {@link
 * ServingPlan} by the spec hash {@link ServingScaling} annotates it with: what the API server or a
 * controller adds (defaults, status) never causes a write; an update replaces the spec and keeps
 * others' annotations.
 */
public abstract class HashedDependent<R extends HasMetadata> extends PlannedDependent<R> {

    protected HashedDependent(Class<R> type) {
        super(type);
    }

    /** Copies the desired spec onto the live object. */
    abstract void copySpec(R desired, R live);

    @Override
    public Matcher.Result<R> match(R actual, ModelDeployment md, Context<ModelDeployment> context) {
        R desired = desired(md, context);
        return Matcher.Result.computed(
                Objects.equals(ServingScaling.specHash(actual), ServingScaling.specHash(desired)),
                desired);
    }

    @Override
    public R update(R actual, R desired, ModelDeployment md, Context<ModelDeployment> context) {
        return context.getClient()
                .resources(resourceType())
                .inNamespace(desired.getMetadata().getNamespace())
                .withName(desired.getMetadata().getName())
                .edit(
                        live -> {
                            copySpec(desired, live);
                            live.getMetadata().setLabels(desired.getMetadata().getLabels());
                            Map<String, String> annotations =
                                    live.getMetadata().getAnnotations() == null
                                            ? new HashMap<>()
                                            : live.getMetadata().getAnnotations();
                            annotations.putAll(desired.getMetadata().getAnnotations());
                            live.getMetadata().setAnnotations(annotations);
                            return live;
                        });
    }
}
