package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The KEDA ScaledObject {@code <name>} of {@code spec.autoscaling} (autoscaler keda), written
 * through the API without an informer: KEDA and its CRD are optional, so the operator reads a
 * ScaledObject only for the deployments that ask for one (and the one it made, to delete it when
 * they stop asking). Owned by the ModelDeployment, so Kubernetes deletes it with it. No KEDA (the
 * CRD missing) or no permission: condition {@value #UNAVAILABLE} and the Deployment keeps the pods
 * it has.
 */
final class KedaScaling {

    static final String UNAVAILABLE = ModelDeploymentConditions.AUTOSCALER_UNAVAILABLE;
    private static final String MADE = ServingScaling.SCALED_OBJECT + "/";

    /** Named in full: the client cannot discover a kind whose CRD may be missing. */
    private static final ResourceDefinitionContext SCALED_OBJECTS =
            new ResourceDefinitionContext.Builder()
                    .withGroup("keda.sh")
                    .withVersion("v1alpha1")
                    .withKind(ServingScaling.SCALED_OBJECT)
                    .withPlural("scaledobjects")
                    .withNamespaced(true)
                    .build();

    private KedaScaling() {}

    static void reconcile(
            ServingContext r, ModelDeployment md, ModelDeploymentStatus status, Instant now) {
        GenericKubernetesResource desired = ServingScaling.scaledObject(md);
        String name = md.getMetadata().getName();
        Long gen = md.getMetadata().getGeneration();
        var inNamespace =
                r.client()
                        .genericKubernetesResources(SCALED_OBJECTS)
                        .inNamespace(md.getMetadata().getNamespace());
        Resource<GenericKubernetesResource> live = inNamespace.withName(name);
        if (desired == null) {
            if (status.autoscaler != null && status.autoscaler.startsWith(MADE)) {
                try {
                    live.delete();
                    r.events().normal(md, "AutoscalerRemoved", "ScaledObject " + name + " deleted");
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 404) {
                        throw e;
                    }
                }
            }
            Conditions.remove(status, UNAVAILABLE);
            status.autoscaler = ServingScaling.autoscalerOf(md);
            return;
        }
        try {
            GenericKubernetesResource actual = live.get();
            if (actual == null) {
                inNamespace.resource(desired).create();
                r.events()
                        .normal(md, "AutoscalerCreated", "KEDA ScaledObject " + name + " created");
            } else if (!Objects.equals(
                    ServingScaling.specHash(actual), ServingScaling.specHash(desired))) {
                live.edit(
                        so -> {
                            so.setAdditionalProperty(
                                    "spec", desired.getAdditionalProperties().get("spec"));
                            Map<String, String> a =
                                    so.getMetadata().getAnnotations() == null
                                            ? new HashMap<>()
                                            : so.getMetadata().getAnnotations();
                            a.putAll(desired.getMetadata().getAnnotations());
                            so.getMetadata().setAnnotations(a);
                            return so;
                        });
            }
            status.autoscaler = MADE + name;
            Conditions.remove(status, UNAVAILABLE);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404 && e.getCode() != 403) {
                throw e;
            }
            status.autoscaler = null;
            String message =
                    "cannot write the KEDA ScaledObject "
                            + name
                            + " for spec.autoscaling.autoscaler keda: "
                            + (e.getCode() == 404
                                    ? "KEDA's CRD scaledobjects.keda.sh is not installed"
                                    : "the operator may not (the chart's keda.enabled grants it)")
                            + "; the Deployment keeps its pods";
            Conditions.set(
                    status,
                    UNAVAILABLE,
                    true,
                    ModelDeploymentConditions.SCALED_OBJECT_UNAVAILABLE,
                    message,
                    gen,
                    now);
            r.events().warningOnce(md, UNAVAILABLE, message);
        }
    }
}
