package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Phase;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.common.Durations;
import io.mlcycle.operator.common.EventRecorder;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.common.SharedOutputs;
import io.mlcycle.operator.common.StatusUpdates;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Serves the resolved ModelVersion with a Deployment and a Service, analyses online metrics in
 * Prometheus and rolls back to the previous good version when they fail, and runs batch scoring.
 */
@ControllerConfiguration(name = "modeldeployment")
public class ModelDeploymentReconciler implements Reconciler<ModelDeployment> {

    public static final String AVAILABLE = "Available";
    public static final String ROLLED_BACK = "RolledBack";
    public static final String ANALYSIS_INCONCLUSIVE = "AnalysisInconclusive";
    public static final String INVALID_SPEC = "InvalidSpec";
    public static final String BATCH_OUTPUT_CONFLICT = "BatchOutputConflict";
    public static final String ONLINE_FEATURES_STALE = "OnlineFeaturesStale";
    static final String MODEL_INDEX = "mlcycle-model";
    static final int MAX_ROLLBACKS = 10;

    private static final Logger LOG = Logger.getLogger(ModelDeploymentReconciler.class);

    @Inject KubernetesClient client;
    @Inject Clock clock;
    @Inject RuntimeJobs runtimeJobs;
    @Inject EventRecorder events;

    @Inject RollbackAnalysis analysis;

    private InformerEventSource<ModelVersion, ModelDeployment> versions;
    private InformerEventSource<Deployment, ModelDeployment> deployments;
    private InformerEventSource<Service, ModelDeployment> services;
    private InformerEventSource<Job, ModelDeployment> jobs;
    private InformerEventSource<FeatureView, ModelDeployment> featureViews;
    private ServingWriter writer;
    private ServingContext servingContext;

    static String modelKey(String namespace, String model) {
        return namespace + "/" + model;
    }

    @Override
    public List<EventSource<?, ModelDeployment>> prepareEventSources(
            EventSourceContext<ModelDeployment> context) {
        context.getPrimaryCache()
                .addIndexer(
                        MODEL_INDEX,
                        md ->
                                md.getSpec() == null || md.getSpec().model == null
                                        ? List.of()
                                        : List.of(
                                                modelKey(
                                                        md.getMetadata().getNamespace(),
                                                        md.getSpec().model)));
        versions =
                new InformerEventSource<>(
                        InformerEventSourceConfiguration.from(
                                        ModelVersion.class, ModelDeployment.class)
                                .withName("modeldeployment-versions")
                                .withSecondaryToPrimaryMapper(
                                        (ModelVersion mv) ->
                                                mv.getSpec() == null
                                                        ? Set.of()
                                                        : context
                                                                .getPrimaryCache()
                                                                .byIndex(
                                                                        MODEL_INDEX,
                                                                        modelKey(
                                                                                mv.getMetadata()
                                                                                        .getNamespace(),
                                                                                mv.getSpec().model))
                                                                .stream()
                                                                .map(ResourceID::fromResource)
                                                                .collect(Collectors.toSet()))
                                .build(),
                        context);
        String serverSelector = RuntimeJobs.RUNTIME_LABEL + "=" + RuntimeJobs.Runtime.server.name();
        deployments =
                new InformerEventSource<>(
                        InformerEventSourceConfiguration.from(
                                        Deployment.class, ModelDeployment.class)
                                .withName("modeldeployment-deployments")
                                .withLabelSelector(serverSelector)
                                .withSecondaryToPrimaryMapper(
                                        Mappers.fromOwnerReferences(ModelDeployment.class))
                                .build(),
                        context);
        services =
                new InformerEventSource<>(
                        InformerEventSourceConfiguration.from(Service.class, ModelDeployment.class)
                                .withName("modeldeployment-services")
                                .withLabelSelector(serverSelector)
                                .withSecondaryToPrimaryMapper(
                                        Mappers.fromOwnerReferences(ModelDeployment.class))
                                .build(),
                        context);
        jobs =
                new InformerEventSource<>(
                        InformerEventSourceConfiguration.from(Job.class, ModelDeployment.class)
                                .withName("modeldeployment-jobs")
                                .withLabelSelector(serverSelector)
                                .withSecondaryToPrimaryMapper(
                                        Mappers.fromOwnerReferences(ModelDeployment.class))
                                .build(),
                        context);
        // A FeatureView's online state changes the staleness of the deployments reading it.
        featureViews =
                new InformerEventSource<>(
                        InformerEventSourceConfiguration.from(
                                        FeatureView.class, ModelDeployment.class)
                                .withName("modeldeployment-featureviews")
                                .withSecondaryToPrimaryMapper(
                                        (FeatureView fv) ->
                                                context.getPrimaryCache()
                                                        .list(
                                                                fv.getMetadata().getNamespace(),
                                                                md ->
                                                                        md.getSpec() != null
                                                                                && md.getSpec()
                                                                                                .online
                                                                                        != null)
                                                        .map(ResourceID::fromResource)
                                                        .collect(Collectors.toSet()))
                                .build(),
                        context);
        writer = new ServingWriter(client, deployments, services, versions);
        servingContext = new ServingContext(client, runtimeJobs, events, writer, analysis, jobs);
        return List.of(versions, deployments, services, jobs, featureViews);
    }

    @Override
    public UpdateControl<ModelDeployment> reconcile(
            ModelDeployment md, Context<ModelDeployment> context) {
        Instant now = clock.instant();
        ModelDeploymentStatus status =
                StatusUpdates.copy(md.getStatus(), ModelDeploymentStatus.class);
        status.observedGeneration = md.getMetadata().getGeneration();
        Long gen = md.getMetadata().getGeneration();
        String ns = md.getMetadata().getNamespace();
        ModelDeploymentSpec spec = md.getSpec();

        List<ModelVersion> modelVersions =
                versions.list(
                                ns,
                                mv -> mv.getSpec() != null && spec.model.equals(mv.getSpec().model))
                        .toList();
        Optional<String> invalid = SpecChecks.invalid(spec);
        if (invalid.isPresent()) {
            Conditions.set(status, INVALID_SPEC, true, "InvalidSpec", invalid.get(), gen, now);
            Conditions.set(status, Conditions.READY, false, "InvalidSpec", invalid.get(), gen, now);
            status.phase = Phase.Failed;
            events.warning(md, "InvalidSpec", invalid.get());
            return StatusUpdates.patchIfChanged(md, status);
        }
        VersionResolver.Resolution resolution =
                VersionResolver.resolve(spec.model, spec.version, modelVersions);
        Duration interval =
                spec.rollback == null
                        ? null
                        : Durations.parse(spec.rollback.interval, "spec.rollback.interval");
        Conditions.remove(status, INVALID_SPEC);

        Deployment deployment =
                deployments.get(new ResourceID(md.getMetadata().getName(), ns)).orElse(null);
        Integer served = ServingResources.servedVersion(deployment);
        Optional<ModelVersion> servedMv =
                served == null
                        ? Optional.empty()
                        : modelVersions.stream()
                                .filter(mv -> VersionResolver.number(mv) == served)
                                .findFirst();

        // Analysis of the version the pods serve now; a rollback changes the resolution.
        Duration nextAnalysis = null;
        boolean rolledBack = false;
        if (spec.rollback == null) {
            status.analysis = null;
            Conditions.remove(status, ANALYSIS_INCONCLUSIVE);
        }
        // Only pods that serve give metrics: analysis starts once one is ready.
        boolean serving =
                deployment != null
                        && deployment.getStatus() != null
                        && deployment.getStatus().getReadyReplicas() != null
                        && deployment.getStatus().getReadyReplicas() > 0;
        if (spec.rollback != null && resolution.found() && served != null && serving) {
            if (servedMv.isPresent() && VersionResolver.number(resolution.version()) == served) {
                nextAnalysis =
                        analysis.analyse(
                                writer, md, status, servedMv.get(), modelVersions, interval, now);
                if (nextAnalysis == null) {
                    // rolled back: resolve again without the version just marked
                    resolution =
                            VersionResolver.resolve(
                                    spec.model,
                                    spec.version,
                                    modelVersions.stream()
                                            .map(
                                                    mv ->
                                                            VersionResolver.number(mv) == served
                                                                    ? markRolledBackCopy(mv)
                                                                    : mv)
                                            .toList());
                    nextAnalysis = interval;
                    rolledBack = true;
                }
            }
        }

        if (!resolution.found()) {
            status.phase = Phase.Pending;
            Conditions.set(
                    status, AVAILABLE, false, resolution.reason(), resolution.message(), gen, now);
            Conditions.set(
                    status,
                    Conditions.READY,
                    false,
                    resolution.reason(),
                    resolution.message(),
                    gen,
                    now);
            Conditions.set(
                    status,
                    Conditions.PROGRESSING,
                    false,
                    resolution.reason(),
                    resolution.message(),
                    gen,
                    now);
            return StatusUpdates.patchIfChanged(md, status);
        }

        Deployment canaryDeployment =
                deployments.get(new ResourceID(ServingResources.canaryName(md), ns)).orElse(null);
        CanaryRollout.Plan plan =
                CanaryRollout.reconcile(
                        servingContext,
                        md,
                        status,
                        resolution.version(),
                        servedMv,
                        rolledBack,
                        deployment,
                        canaryDeployment,
                        now);
        // The stable Deployment: the resolved version, or the served one while a canary runs.
        ModelVersion target = plan.stable();
        int targetVersion = VersionResolver.number(target);
        deployment =
                writer.applyDeployment(
                        md,
                        ServingResources.deployment(
                                runtimeJobs, md, target, plan.stableReplicas(), false),
                        deployment);
        writer.applyService(md);

        if (status.currentVersion == null || status.currentVersion != targetVersion) {
            if (status.currentVersion != null) {
                status.previousVersion = status.currentVersion;
                events.normal(
                        md,
                        "VersionChanged",
                        "serving "
                                + target.getMetadata().getName()
                                + " (version "
                                + targetVersion
                                + ", was "
                                + status.currentVersion
                                + ")");
                boolean rollback =
                        status.rollbacks.stream()
                                        .findFirst()
                                        .map(r -> Objects.equals(r.toVersion, targetVersion))
                                        .orElse(false)
                                || analysis.recordLostRollback(
                                        md,
                                        status,
                                        modelVersions,
                                        status.currentVersion,
                                        targetVersion,
                                        now);
                if (!rollback && Conditions.isTrue(status, ROLLED_BACK)) {
                    Conditions.set(
                            status,
                            ROLLED_BACK,
                            false,
                            "NewVersion",
                            "serving version " + targetVersion + " since the last rollback",
                            gen,
                            now);
                }
            } else {
                events.normal(
                        md,
                        "Deployed",
                        "serving "
                                + target.getMetadata().getName()
                                + " (version "
                                + targetVersion
                                + ")");
            }
            status.currentVersion = targetVersion;
        }
        status.modelVersion = target.getMetadata().getName();
        status.url = ServingResources.url(md);
        Readiness.set(md, status, deployment, plan.stableReplicas(), gen, now);
        if (CanaryRollout.active(status.canary) && status.phase != Phase.Degraded) {
            status.phase = Phase.Progressing;
            Conditions.set(
                    status,
                    Conditions.PROGRESSING,
                    true,
                    status.canary.phase == ModelDeploymentStatus.CanaryPhase.Promoting
                            ? "CanaryPromoting"
                            : "CanaryProgressing",
                    status.canary.message,
                    gen,
                    now);
        }
        if (resolution.message() != null) {
            Conditions.set(
                    status,
                    "VersionResolved",
                    true,
                    resolution.reason(),
                    resolution.message(),
                    gen,
                    now);
        } else {
            Conditions.remove(status, "VersionResolved");
        }

        onlineFeatures(md, status, target, gen, now);

        Duration nextBatch = null;
        Optional<ModelDeployment> outputOwner =
                spec.batch == null || spec.batch.output == null
                        ? Optional.empty()
                        : SharedOutputs.claimedByAnother(
                                md,
                                context.getPrimaryCache().list(),
                                d ->
                                        d.getSpec() == null
                                                        || d.getSpec().batch == null
                                                        || d.getSpec().batch.output == null
                                                ? null
                                                : d.getSpec().batch.output.uri);
        if (outputOwner.isPresent()) {
            String message =
                    SharedOutputs.message(
                                    "spec.batch.output.uri",
                                    spec.batch.output.uri,
                                    outputOwner.get())
                            + "; no batch scoring until then";
            boolean already =
                    Conditions.find(status.conditions, BATCH_OUTPUT_CONFLICT)
                            .map(c -> message.equals(c.getMessage()))
                            .orElse(false);
            Conditions.set(
                    status, BATCH_OUTPUT_CONFLICT, true, BATCH_OUTPUT_CONFLICT, message, gen, now);
            if (!already) {
                events.warning(md, BATCH_OUTPUT_CONFLICT, message);
            }
        } else if (spec.batch != null) {
            Conditions.remove(status, BATCH_OUTPUT_CONFLICT);
            nextBatch = BatchScoring.reconcile(servingContext, md, status, target, now);
        } else {
            Conditions.remove(status, BATCH_OUTPUT_CONFLICT);
            status.batch = null;
        }

        UpdateControl<ModelDeployment> control = StatusUpdates.patchIfChanged(md, status);
        Duration next =
                min(
                        min(min(nextAnalysis, nextBatch), plan.next()),
                        spec.rollback != null ? interval : null);
        if (next != null) {
            control.rescheduleAfter(
                    next.isNegative() || next.isZero() ? Duration.ofSeconds(1) : next);
        }
        return control;
    }

    /**
     * {@code status.onlineFeatures} and {@code OnlineFeaturesStale} from the served version's
     * FeatureViews: stale when one has no online version or an older one than its latest table.
     */
    private void onlineFeatures(
            ModelDeployment md,
            ModelDeploymentStatus status,
            ModelVersion served,
            Long gen,
            Instant now) {
        if (md.getSpec().online == null) {
            status.onlineFeatures = null;
            Conditions.remove(status, ONLINE_FEATURES_STALE);
            return;
        }
        String ns = md.getMetadata().getNamespace();
        List<ModelDeploymentStatus.OnlineFeatures> views = new ArrayList<>();
        for (String name : ServingResources.lineageViews(served)) {
            FeatureView fv = featureViews.get(new ResourceID(name, ns)).orElse(null);
            views.add(OnlineStaleness.of(name, fv));
        }
        status.onlineFeatures = views;
        OnlineStaleness.setCondition(status, views, gen, now);
    }

    private static Duration min(Duration a, Duration b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static ModelVersion markRolledBackCopy(ModelVersion mv) {
        ModelVersion copy = new ModelVersion();
        copy.setMetadata(
                new io.fabric8.kubernetes.api.model.ObjectMetaBuilder(mv.getMetadata())
                        .addToAnnotations(ModelVersion.ROLLED_BACK_ANNOTATION, "rolled back")
                        .build());
        copy.setSpec(mv.getSpec());
        copy.setStatus(mv.getStatus());
        return copy;
    }

    @Override
    public ErrorStatusUpdateControl<ModelDeployment> updateErrorStatus(
            ModelDeployment md, Context<ModelDeployment> context, Exception e) {
        LOG.warnf(e, "reconcile of ModelDeployment %s failed", md.getMetadata().getName());
        return ErrorStatusUpdateControl.noStatusUpdate();
    }
}
