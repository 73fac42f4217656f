package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.common.ModelVersionInformers;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.common.RuntimeObjects;
import io.mlcycle.operator.featureview.SparkApplications;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The caches a ModelDeployment is reconciled from, and which of their events reach which
 * deployment: ModelVersions by model (a primary-cache index), the serving Deployments, Service and
 * batch Jobs (and, when the Spark engine is available, batch SparkApplications) by owner reference,
 * FeatureViews to the deployments with {@code spec.online}.
 */
record ServingInformers(
        InformerEventSource<ModelVersion, ModelDeployment> versions,
        InformerEventSource<Deployment, ModelDeployment> deployments,
        InformerEventSource<Service, ModelDeployment> services,
        InformerEventSource<Job, ModelDeployment> jobs,
        InformerEventSource<FeatureView, ModelDeployment> featureViews,
        InformerEventSource<GenericKubernetesResource, ModelDeployment> sparkRuns) {

    static final String MODEL_INDEX = "mlcycle-model";
    static final String DEPLOYMENTS = "modeldeployment-deployments";
    static final String SERVICES = "modeldeployment-services";

    /** The label selector of every serving-side object (Deployments, Services, HPA, PDB). */
    static final String SERVER_SELECTOR = RuntimeObjects.RUNTIME_LABEL + "=server";

    List<EventSource<?, ModelDeployment>> all() {
        return sparkRuns == null
                ? List.of(versions, deployments, services, jobs, featureViews)
                : List.of(versions, deployments, services, jobs, featureViews, sparkRuns);
    }

    static ServingInformers create(
            EventSourceContext<ModelDeployment> context, boolean sparkAvailable) {
        var versions =
                ModelVersionInformers.byModel(
                        context,
                        ModelDeployment.class,
                        "modeldeployment-versions",
                        MODEL_INDEX,
                        md ->
                                md.getSpec() == null || md.getSpec().model == null
                                        ? List.of()
                                        : List.of(md.getSpec().model));
        String serverSelector =
                RuntimeObjects.RUNTIME_LABEL + "=" + RuntimeJobs.Runtime.server.name();
        var deployments = owned(Deployment.class, DEPLOYMENTS, serverSelector, context);
        var services = owned(Service.class, SERVICES, serverSelector, context);
        var jobs = owned(Job.class, "modeldeployment-jobs", serverSelector, context);
        // A FeatureView's online state changes the staleness of the deployments reading it; its
        // table, the features of a version a deployment refused.
        var featureViews =
                new InformerEventSource<>(
                        InformerEventSourceConfiguration.from(
                                        FeatureView.class, ModelDeployment.class)
                                .withName("modeldeployment-featureviews")
                                .withSecondaryToPrimaryMapper(
                                        (FeatureView fv) ->
                                                context.getPrimaryCache()
                                                        .list(
                                                                fv.getMetadata().getNamespace(),
                                                                ServingInformers
                                                                        ::featureViewsConcern)
                                                        .map(ResourceID::fromResource)
                                                        .collect(Collectors.toSet()))
                                .build(),
                        context);
        // Without the SparkApplication CRD an informer on it would keep the operator from starting.
        InformerEventSource<GenericKubernetesResource, ModelDeployment> sparkRuns =
                !sparkAvailable
                        ? null
                        : new InformerEventSource<>(
                                InformerEventSourceConfiguration.from(
                                                SparkApplications.GVK, ModelDeployment.class)
                                        .withName("modeldeployment-spark-applications")
                                        .withLabelSelector(serverSelector)
                                        .withSecondaryToPrimaryMapper(
                                                Mappers
                                                        .<GenericKubernetesResource>
                                                                fromOwnerReferences(
                                                                        ModelDeployment.class))
                                        .build(),
                                context);
        return new ServingInformers(versions, deployments, services, jobs, featureViews, sparkRuns);
    }

    /**
     * Whether a FeatureView's change concerns {@code md}: it reads the online store, or its last
     * feature check found features missing (a new table may have them).
     */
    private static boolean featureViewsConcern(ModelDeployment md) {
        return md.getSpec() != null && md.getSpec().online != null
                || FeatureCompatibility.awaitsTables(md);
    }

    /** An informer of the server's children of one kind, mapped to their ModelDeployment owner. */
    private static <R extends io.fabric8.kubernetes.api.model.HasMetadata>
            InformerEventSource<R, ModelDeployment> owned(
                    Class<R> kind,
                    String name,
                    String selector,
                    EventSourceContext<ModelDeployment> context) {
        return new InformerEventSource<>(
                InformerEventSourceConfiguration.from(kind, ModelDeployment.class)
                        .withName(name)
                        .withLabelSelector(selector)
                        .withSecondaryToPrimaryMapper(
                                Mappers.fromOwnerReferences(ModelDeployment.class))
                        .build(),
                context);
    }
}
