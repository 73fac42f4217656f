package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Phase;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.common.Durations;
import io.mlcycle.operator.common.EventRecorder;
import io.mlcycle.operator.common.JobResults;
import io.mlcycle.operator.common.ObjectStorage;
import io.mlcycle.operator.common.OperatorConfig;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.common.StatusUpdates;
import io.mlcycle.operator.featureview.SparkApplications;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Serves the resolved ModelVersion with a Deployment and a Service, analyses online metrics in
 * Prometheus and rolls back to the previous good version when they fail, and runs batch scoring.
 */
@ControllerConfiguration(name = "modeldeployment")
@Workflow(
        explicitInvocation = true,
        dependents = {
            @Dependent(
                    name = "stable",
                    type = StableDeploymentDependent.class,
                    useEventSourceWithName = ServingInformers.DEPLOYMENTS),
            @Dependent(
                    name = "canary",
                    type = CanaryDeploymentDependent.class,
                    reconcilePrecondition = Planned.class,
                    useEventSourceWithName = ServingInformers.DEPLOYMENTS),
            @Dependent(
                    name = "service",
                    type = ServiceDependent.class,
                    useEventSourceWithName = ServingInformers.SERVICES),
            @Dependent(
                    name = "shadow",
                    type = ShadowDeploymentDependent.class,
                    reconcilePrecondition = Planned.class,
                    useEventSourceWithName = ServingInformers.DEPLOYMENTS),
            @Dependent(
                    name = "shadow-service",
                    type = ShadowServiceDependent.class,
                    reconcilePrecondition = Planned.class,
                    useEventSourceWithName = ServingInformers.SERVICES),
            @Dependent(
                    name = "autoscaler",
                    type = AutoscalerDependent.class,
                    reconcilePrecondition = Planned.class),
            @Dependent(
                    name = "disruption-budget",
                    type = DisruptionBudgetDependent.class,
                    reconcilePrecondition = Planned.class),
            @Dependent(
                    name = "network-policy",
                    type = NetworkPolicyDependent.class,
                    reconcilePrecondition = NetworkPolicyDependent.Wanted.class),
            @Dependent(
                    name = "shadow-network-policy",
                    type = ShadowNetworkPolicyDependent.class,
                    reconcilePrecondition = NetworkPolicyDependent.Wanted.class)
        })
public class ModelDeploymentReconciler implements Reconciler<ModelDeployment> {

    public static final String AVAILABLE = "Available";
    public static final String ROLLED_BACK = "RolledBack";
    public static final String ANALYSIS_INCONCLUSIVE = "AnalysisInconclusive";
    public static final String INVALID_SPEC = "InvalidSpec";
    public static final String BATCH_OUTPUT_CONFLICT = "BatchOutputConflict";
    public static final String ONLINE_FEATURES_STALE = "OnlineFeaturesStale";
    static final int MAX_ROLLBACKS = 10;

    private static final Logger LOG = Logger.getLogger(ModelDeploymentReconciler.class);

    @Inject KubernetesClient client;
    @Inject Clock clock;
    @Inject RuntimeJobs runtimeJobs;
    @Inject JobResults jobResults;
    @Inject EventRecorder events;
    @Inject ObjectStorage objectStorage;

    @Inject RollbackAnalysis analysis;
    @Inject OperatorConfig config;
    @Inject SparkApplications sparkApplications;

    private InformerEventSource<ModelVersion, ModelDeployment> versions;
    private InformerEventSource<Deployment, ModelDeployment> deployments;
    private InformerEventSource<FeatureView, ModelDeployment> featureViews;
    private ServingWriter writer;
    private ServingContext servingContext;

    @Override
    public List<EventSource<?, ModelDeployment>> prepareEventSources(
            EventSourceContext<ModelDeployment> context) {
        ServingInformers informers =
                ServingInformers.create(context, sparkApplications.available());
        versions = informers.versions();
        deployments = informers.deployments();
        featureViews = informers.featureViews();
        writer = new ServingWriter(client, versions);
        servingContext =
                new ServingContext(
                        client,
                        runtimeJobs,
                        jobResults,
                        events,
                        writer,
                        analysis,
                        informers.jobs(),
                        config,
                        sparkApplications,
                        informers.sparkRuns());
        return informers.all();
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
        Optional<ObjectStorage.Problem> storage = objectStorage.problem(md);
        if (storage.isPresent()) {
            var p = storage.get();
            if (Readiness.blocked(status, p.reason(), p.message(), gen, now)) {
                events.warning(md, p.reason(), p.message());
            }
            return StatusUpdates.patchIfChanged(md, status).rescheduleAfter(ObjectStorage.RECHECK);
        }
        Optional<String> token = feedbackToken(md, status);
        if (token.isPresent()) {
            if (Readiness.blocked(status, FeedbackTokens.MISSING, token.get(), gen, now)) {
                events.warning(md, FeedbackTokens.MISSING, token.get());
            }
            return StatusUpdates.patchIfChanged(md, status).rescheduleAfter(ObjectStorage.RECHECK);
        }

        Deployment deployment =
                deployments.get(new ResourceID(md.getMetadata().getName(), ns)).orElse(null);
        Integer served = ServingResources.servedVersion(deployment);
        Optional<ModelVersion> servedMv =
                served == null
                        ? Optional.empty()
                        : modelVersions.stream()
                                .filter(mv -> VersionResolver.number(mv) == served)
                                .findFirst();

        ServedAnalysis.Outcome analysed =
                ServedAnalysis.run(
                        servingContext,
                        md,
                        status,
                        resolution,
                        deployment,
                        servedMv,
                        modelVersions,
                        interval,
                        now);
        resolution = analysed.resolution();
        boolean rolledBack = analysed.rolledBack();
        if (!resolution.found()) {
            Readiness.unresolved(status, resolution.reason(), resolution.message(), gen, now);
            return StatusUpdates.patchIfChanged(md, status);
        }

        ShadowRollout.Plan shadow =
                ShadowRollout.reconcile(
                        servingContext,
                        md,
                        status,
                        resolution.version(),
                        servedMv,
                        rolledBack,
                        modelVersions,
                        interval,
                        now);
        Deployment canaryDeployment =
                deployments.get(new ResourceID(ServingResources.canaryName(md), ns)).orElse(null);
        CanaryRollout.Plan plan =
                CanaryRollout.reconcile(
                        servingContext,
                        md,
                        status,
                        shadow.stable(),
                        servedMv,
                        rolledBack,
                        deployment,
                        canaryDeployment,
                        now);
        // The stable Deployment: the resolved version, or the served one while a canary runs.
        ModelVersion target = plan.stable();
        ServingPlan.assemble(runtimeJobs, md, target, plan.stableReplicas(), plan.canary(), shadow)
                .putInto(context);
        context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
        KedaScaling.reconcile(servingContext, md, status, now);
        status.selector = ServingScaling.selectorString(md);
        // what the stable dependent created or updated is in the cache already
        deployment = deployments.get(new ResourceID(md.getMetadata().getName(), ns)).orElse(null);

        analysis.recordVersion(md, status, modelVersions, target, now);
        status.modelVersion = target.getMetadata().getName();
        status.url = ServingResources.url(md);
        Readiness.set(md, status, deployment, plan.stableReplicas(), gen, now);
        Readiness.canary(status, gen, now);
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

        OnlineStaleness.record(
                md,
                status,
                target,
                name -> featureViews.get(new ResourceID(name, ns)).orElse(null),
                gen,
                now);

        Duration nextBatch =
                BatchScoring.reconcile(
                        servingContext, md, context.getPrimaryCache().list(), status, target, now);

        UpdateControl<ModelDeployment> control = StatusUpdates.patchIfChanged(md, status);
        Duration next =
                Durations.earliest(
                        analysed.next(),
                        nextBatch,
                        plan.next(),
                        shadow.next(),
                        spec.rollback != null ? interval : null);
        if (next != null) {
            control.rescheduleAfter(
                    next.isNegative() || next.isZero() ? Duration.ofSeconds(1) : next);
        }
        return control;
    }

    /**
     * The feedback token's Secret: created or checked once, when status does not record it yet (the
     * steady path reads nothing); a problem names the Secret and key, and the pods stay as they
     * were.
     */
    private Optional<String> feedbackToken(ModelDeployment md, ModelDeploymentStatus status) {
        FeedbackTokens.Ref ref = FeedbackTokens.ref(md);
        if (FeedbackTokens.recorded(status, ref)) {
            return Optional.empty();
        }
        Optional<String> problem = FeedbackTokens.ensure(client, md, ref);
        if (problem.isEmpty()) {
            status.feedback = FeedbackTokens.status(ref);
            events.normal(
                    md,
                    "FeedbackToken",
                    ref == null
                            ? "feedback authentication is off (spec.feedback.authentication)"
                            : "feedback needs the token in Secret '"
                                    + ref.secret()
                                    + "' key '"
                                    + ref.key()
                                    + "'");
        }
        return problem;
    }

    @Override
    public ErrorStatusUpdateControl<ModelDeployment> updateErrorStatus(
            ModelDeployment md, Context<ModelDeployment> context, Exception e) {
        LOG.warnf(e, "reconcile of ModelDeployment %s failed", md.getMetadata().getName());
        return ErrorStatusUpdateControl.noStatusUpdate();
    }
}
