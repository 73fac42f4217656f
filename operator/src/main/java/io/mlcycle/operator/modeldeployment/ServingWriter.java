package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modelversion.ModelVersion;

/**
 * The one serving write outside the workflow's dependents: the rolled-back mark on a ModelVersion,
 * put into the versions' informer cache at once so the next reconcile reads it without a live GET.
 */
final class ServingWriter {

    private final KubernetesClient client;
    private final InformerEventSource<ModelVersion, ModelDeployment> versions;

    ServingWriter(
            KubernetesClient client, InformerEventSource<ModelVersion, ModelDeployment> versions) {
        this.client = client;
        this.versions = versions;
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
