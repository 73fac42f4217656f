package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpecBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A serving Deployment as a dependent of the ModelDeployment workflow: desired state from the
 * reconcile's {@link ServingPlan}, updated only when its spec-hash annotation differs from the
 * cached one (status and fields the API server adds never cause a write), updates as an edit of
 * spec, labels and annotations. A desired Deployment without replicas leaves them to an autoscaler:
 * an update keeps the live count, a create starts at autoscaling.minReplicas. A subclass names the
 * Deployment and picks it from the plan.
 */
public abstract class ServingDeploymentDependent extends PlannedDependent<Deployment> {

    protected ServingDeploymentDependent() {
        super(Deployment.class);
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
    Deployment forCreate(Deployment desired, ModelDeployment md) {
        if (desired.getSpec().getReplicas() != null) {
            return desired;
        }
        return new DeploymentBuilder(desired)
                .editSpec()
                .withReplicas(ServingReplicas.floor(md.getSpec()))
                .endSpec()
                .build();
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
                            Integer live = d.getSpec() == null ? null : d.getSpec().getReplicas();
                            DeploymentSpec spec =
                                    new DeploymentSpecBuilder(desired.getSpec()).build();
                            if (spec.getReplicas() == null) {
                                spec.setReplicas(live);
                            }
                            d.setSpec(spec);
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
