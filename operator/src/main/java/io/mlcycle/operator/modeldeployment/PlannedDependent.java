package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;

/**
 * A serving object as a dependent of the ModelDeployment workflow: found by name, desired state
 * from the reconcile's {@link ServingPlan}; a create that finds it there already (the cache has not
 * seen it yet) brings it to the desired state instead. A subclass names it, picks it from the plan,
 * and says when it differs and how to update it.
 */
public abstract class PlannedDependent<R extends HasMetadata>
        extends CRUDKubernetesDependentResource<R, ModelDeployment> {

    protected PlannedDependent(Class<R> type) {
        super(type);
    }

    /** The object's name (also when the plan wants none: to find the one to delete). */
    abstract String name(ModelDeployment md);

    /** The desired object in the plan; null when it must not exist (see {@link Planned}). */
    abstract R planned(ServingPlan plan);

    @Override
    protected R desired(ModelDeployment md, Context<ModelDeployment> context) {
        return planned(ServingPlan.of(context));
    }

    @Override
    protected ResourceID targetSecondaryResourceID(
            ModelDeployment md, Context<ModelDeployment> context) {
        return new ResourceID(name(md), md.getMetadata().getNamespace());
    }

    /** What a create sends: the desired object, with what only a new one needs. */
    R forCreate(R desired, ModelDeployment md) {
        return desired;
    }

    @Override
    public R create(R desired, ModelDeployment md, Context<ModelDeployment> context) {
        try {
            return context.getClient().resource(forCreate(desired, md)).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            return update(context.getClient().resource(desired).get(), desired, md, context);
        }
    }
}
