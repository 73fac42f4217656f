package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;

import java.util.Objects;

/**
 * A serving Service as a dependent (a subclass names it and picks it from the {@link ServingPlan}):
 * updated only when its ports or selector differ from the desired ones (the API server's clusterIP
 * and defaults never cause a write).
 */
public abstract class ServingServiceDependent extends PlannedDependent<Service> {

    protected ServingServiceDependent() {
        super(Service.class);
    }

    @Override
    public Matcher.Result<Service> match(
            Service actual, ModelDeployment md, Context<ModelDeployment> context) {
        Service desired = desired(md, context);
        return Matcher.Result.computed(
                Objects.equals(actual.getSpec().getPorts(), desired.getSpec().getPorts())
                        && Objects.equals(
                                actual.getSpec().getSelector(), desired.getSpec().getSelector()),
                desired);
    }

    @Override
    public Service update(
            Service actual, Service desired, ModelDeployment md, Context<ModelDeployment> context) {
        return context.getClient()
                .services()
                .inNamespace(desired.getMetadata().getNamespace())
                .withName(desired.getMetadata().getName())
                .edit(
                        s -> {
                            s.getSpec().setPorts(desired.getSpec().getPorts());
                            s.getSpec().setSelector(desired.getSpec().getSelector());
                            return s;
                        });
    }
}
