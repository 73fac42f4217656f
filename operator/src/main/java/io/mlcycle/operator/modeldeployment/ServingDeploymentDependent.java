package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A serving Deployment as a dependent of the ModelDeployment workflow: desired state from the
 * reconcile's {@link ServingPlan}, updated only when its spec-hash annotation differs from the
 * cached one (status and fields the API server adds never cause a write), updates as an edit of
 * spec, labels and annotations. A subclass names the Deployment and picks it from the plan.
 */
public abstract class ServingDeploymentDependent
        extends CRUDKubernetesDependentResource<Deployment, ModelDeployment> {

    protected ServingDeploymentDependent() {
        super(Deployment.class);
    }

    /** The Deployment's name (also when the plan wants none: to find the one to delete). */
    abstract String name(ModelDeployment md);

    /** The desired Deployment in the plan; null when it must not exist. */
    abstract Deployment planned(ServingPlan plan);

    @Override
    protected Deployment desired(ModelDeployment md, Context<ModelDeployment> context) {
        return planned(ServingPlan.of(context));
    }

    @Override
    protected ResourceID targetSecondaryResourceID(
            ModelDeployment md, Context<ModelDeployment> context) {
        return new ResourceID(name(md), md.getMetadata().getNamespace());
    }

    @Override
    public Matcher.Result<Deployment> match(
            Deployment actual, ModelDeployment md, Context<ModelDeployment> context) {
        Deployment desired = desired(md, context);
        return Matcher.Result.computed(
                Objects.equals(
                        ServingResources.specHash(actual), ServingResources.specHash(desired)),
                desired);
    }

    @Override
    public Deployment create(
            Deployment desired, ModelDeployment md, Context<ModelDeployment> context) {
        return create(context, desired, existing -> update(existing, desired, md, context));
    }

    /**
     * Creates {@code desired}; when it exists already (the cache has not seen it yet) brings the
     * existing one to the desired state with {@code update}.
     */
    static <R extends HasMetadata> R create(
            Context<ModelDeployment> context, R desired, UnaryOperator<R> update) {
        try {
            return context.getClient().resource(desired).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            return update.apply(context.getClient().resource(desired).get());
        }
    }

    @Override
    public Deployment update(
            Deployment actual,
            Deployment desired,
            ModelDeployment md,
            Context<ModelDeployment> context) {
        return context.getClient()
                .apps()
                .deployments()
                .inNamespace(desired.getMetadata().getNamespace())
                .withName(desired.getMetadata().getName())
                .edit(
                        d -> {
                            d.setSpec(desired.getSpec());
                            d.getMetadata().setLabels(desired.getMetadata().getLabels());
                            Map<String, String> annotations =
                                    d.getMetadata().getAnnotations() == null
                                            ? new HashMap<>()
                                            : d.getMetadata().getAnnotations();
                            annotations.putAll(desired.getMetadata().getAnnotations());
                            d.getMetadata().setAnnotations(annotations);
                            return d;
                        });
    }
}
