package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modelversion.ModelVersion;

import java.util.Map;
import java.util.Objects;

/**
 * The writes of a ModelDeployment's serving objects: Deployments (stable and canary) and the
 * Service created or updated only when they differ from what the informers hold, and the
 * rolled-back mark on a ModelVersion. Each write goes into its informer's cache at once, so the
 * next reconcile reads it without a live GET.
 */
final class ServingWriter {

    private final KubernetesClient client;
    private final InformerEventSource<Deployment, ModelDeployment> deployments;
    private final InformerEventSource<Service, ModelDeployment> services;
    private final InformerEventSource<ModelVersion, ModelDeployment> versions;

    ServingWriter(
            KubernetesClient client,
            InformerEventSource<Deployment, ModelDeployment> deployments,
            InformerEventSource<Service, ModelDeployment> services,
            InformerEventSource<ModelVersion, ModelDeployment> versions) {
        this.client = client;
        this.deployments = deployments;
        this.services = services;
        this.versions = versions;
    }

    /** Creates the Deployment, or updates it when the desired spec's hash differs. */
    Deployment applyDeployment(ModelDeployment md, Deployment desired, Deployment actual) {
        var ops = client.apps().deployments().inNamespace(md.getMetadata().getNamespace());
        if (actual == null) {
            actual = ops.withName(desired.getMetadata().getName()).get();
        }
        Deployment result;
        if (actual == null) {
            result = ops.resource(desired).create();
            deployments.handleRecentResourceCreate(ResourceID.fromResource(result), result);
        } else if (!Objects.equals(
                ServingResources.specHash(actual), ServingResources.specHash(desired))) {
            Deployment before = actual;
            result =
                    ops.withName(desired.getMetadata().getName())
                            .edit(
                                    d -> {
                                        d.setSpec(desired.getSpec());
                                        d.getMetadata()
                                                .setLabels(desired.getMetadata().getLabels());
                                        Map<String, String> annotations =
                                                d.getMetadata().getAnnotations() == null
                                                        ? new java.util.HashMap<>()
                                                        : d.getMetadata().getAnnotations();
                                        annotations.putAll(desired.getMetadata().getAnnotations());
                                        d.getMetadata().setAnnotations(annotations);
                                        return d;
                                    });
            deployments.handleRecentResourceUpdate(ResourceID.fromResource(result), result, before);
        } else {
            result = actual;
        }
        return result;
    }

    /**
     * Deletes the canary or shadow Deployment {@code known} (from the informer's cache), if any.
     */
    void deleteCanary(Deployment known) {
        if (known != null) {
            client.apps()
                    .deployments()
                    .inNamespace(known.getMetadata().getNamespace())
                    .withName(known.getMetadata().getName())
                    .delete();
        }
    }

    void applyService(ModelDeployment md) {
        applyService(md, ServingResources.service(md));
    }

    /** Deletes the shadow challenger's Service, if the informer knows one. */
    void deleteService(ModelDeployment md, String name) {
        services.get(new ResourceID(name, md.getMetadata().getNamespace()))
                .ifPresent(s -> client.services().resource(s).delete());
    }

    void applyService(ModelDeployment md, Service desired) {
        var ops = client.services().inNamespace(md.getMetadata().getNamespace());
        Service actual = services.get(ResourceID.fromResource(desired)).orElse(null);
        if (actual == null) {
            try {
                Service created = ops.resource(desired).create();
                services.handleRecentResourceCreate(ResourceID.fromResource(created), created);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) { // else the informer has not seen it yet: it will
                    throw e;
                }
            }
        } else if (!Objects.equals(actual.getSpec().getPorts(), desired.getSpec().getPorts())
                || !Objects.equals(
                        actual.getSpec().getSelector(), desired.getSpec().getSelector())) {
            Service updated =
                    ops.withName(desired.getMetadata().getName())
                            .edit(
                                    s -> {
                                        s.getSpec().setPorts(desired.getSpec().getPorts());
                                        s.getSpec().setSelector(desired.getSpec().getSelector());
                                        return s;
                                    });
            services.handleRecentResourceUpdate(ResourceID.fromResource(updated), updated, actual);
        }
    }

    /**
     * Marks {@code bad} rolled back by {@code md} (so latestApproved skips it): the annotation
     * names the deployment, so a lost status write can be recovered from it.
     */
    void markRolledBack(ModelDeployment md, ModelVersion bad, String why) {
        ModelVersion edited =
                client.resources(ModelVersion.class)
                        .inNamespace(bad.getMetadata().getNamespace())
                        .withName(bad.getMetadata().getName())
                        .edit(
                                mv -> {
                                    if (mv.getMetadata().getAnnotations() == null) {
                                        mv.getMetadata().setAnnotations(new java.util.HashMap<>());
                                    }
                                    mv.getMetadata()
                                            .getAnnotations()
                                            .put(
                                                    ModelVersion.ROLLED_BACK_ANNOTATION,
                                                    md.getMetadata().getName() + ": " + why);
                                    return mv;
                                });
        versions.handleRecentResourceUpdate(ResourceID.fromResource(edited), edited, bad);
    }
}
