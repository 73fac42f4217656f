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
import io.mlcycle.operator.common.OutboundPolicy;
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

    public static final String AVAILABLE = ModelDeploymentConditions.AVAILABLE;
    public static final String ROLLED_BACK = ModelDeploymentConditions.ROLLED_BACK;
    public static final String ANALYSIS_INCONCLUSIVE =
            ModelDeploymentConditions.ANALYSIS_INCONCLUSIVE;
    public static final String INVALID_SPEC = ModelDeploymentConditions.INVALID_SPEC;
    public static final String BATCH_OUTPUT_CONFLICT =
            ModelDeploymentConditions.BATCH_OUTPUT_CONFLICT;
    public static final String ONLINE_FEATURES_STALE =
            ModelDeploymentConditions.ONLINE_FEATURES_STALE;
    static final int MAX_ROLLBACKS = 10;

    private static final Logger LOG = Logger.getLogger(ModelDeploymentReconciler.class);

    @Inject KubernetesClient client;
    @Inject Clock clock;
    @Inject RuntimeJobs runtimeJobs;
    @Inject JobResults jobResults;
    @Inject EventRecorder events;
    @Inject ObjectStorage objectStorage;

    @Inject RollbackAnalysis analysis;
    @Inject AnalysisQueries queries;
    @Inject RollbackRecorder rollbacks;
    @Inject VersionChangeRecorder versionChanges;
    @Inject OperatorConfig config;
    @Inject SparkApplications sparkApplications;
    @Inject FeatureCompatibility compatibility;
    @Inject OutboundPolicy outbound;

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
        compatibility.readFrom(
                (ns, name) -> featureViews.get(new ResourceID(name, ns)).orElse(null));
        writer = new ServingWriter(client, versions);
        servingContext =
                new ServingContext(
                        client,
                        runtimeJobs,
                        jobResults,
                        events,
                        writer,
                        analysis,
                        queries,
                        rollbacks,
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
        String ns = md.getMetadata().getNamespace();
        ModelDeploymentSpec spec = md.getSpec();

        List<ModelVersion> modelVersions =
                versions.list(
                                ns,
                                mv -> mv.getSpec() != null && spec.model.equals(mv.getSpec().model))
                        .toList();
        if (invalidSpec(md, status, now)) {
            return StatusUpdates.patchIfChanged(md, status);
        }
        VersionResolver.Resolution resolution =
                VersionResolver.resolve(spec.model, spec.version, modelVersions);
        Duration interval =
                spec.rollback == null
                        ? null
                        : Durations.parse(spec.rollback.interval, "spec.rollback.interval");
        Conditions.remove(status, INVALID_SPEC);
        if (blocked(md, status, now)) {
            return StatusUpdates.patchIfChanged(md, status).rescheduleAfter(ObjectStorage.RECHECK);
        }

        Deployment deployment =
                deployments.get(new ResourceID(md.getMetadata().getName(), ns)).orElse(null);
        Optional<ModelVersion> servedMv = served(deployment, modelVersions);

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
        boolean rolledBack = analysed.rolledBack();
        ReplayJobs.Gated replay = gates(md, status, analysed, servedMv, modelVersions, now);
        if (replay == null) {
            return StatusUpdates.patchIfChanged(md, status);
        }
        resolution = replay.resolution();

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
        CanaryRollout.Plan plan = canary(md, status, shadow, servedMv, rolledBack, deployment, now);
        // The stable Deployment: the resolved version, or the served one while a canary runs.
        ModelVersion target =
                applyAndRecord(md, status, context, plan, shadow, modelVersions, resolution, now);

        Duration nextBatch =
                BatchScoring.reconcile(
                        servingContext, md, context.getPrimaryCache().list(), status, target, now);

        return reschedule(
                StatusUpdates.patchIfChanged(md, status),
                Durations.earliest(
                        analysed.next(),
                        nextBatch,
                        plan.next(),
                        shadow.next(),
                        replay.next(),
                        spec.rollback != null ? interval : null));
    }

    /**
     * The analysis' resolution through the feature-compatibility gate, then the replay gate; null
     * when no version may be served (the status says why).
     */
    private ReplayJobs.Gated gates(
            ModelDeployment md,
            ModelDeploymentStatus status,
            ServedAnalysis.Outcome analysed,
            Optional<ModelVersion> servedMv,
            List<ModelVersion> modelVersions,
            Instant now) {
        VersionResolver.Resolution resolution = analysed.resolution();
        if (resolution.found()) {
            // a version whose features the current tables lack is not served (rollout, rollback,
            // pin)
            resolution =
                    compatibility.gate(
                            md,
                            status,
                            resolution,
                            servedMv,
                            modelVersions,
                            analysed.rolledBack(),
                            now);
        }
        if (!resolution.found()) {
            Readiness.unresolved(
                    status,
                    resolution.reason(),
                    resolution.message(),
                    md.getMetadata().getGeneration(),
                    now);
            return null;
        }
        // the replay gate judges what the feature gate let through, not the analysis' resolution
        return ReplayJobs.reconcile(
                servingContext,
                md,
                status,
                resolution,
                analysed.rolledBack(),
                servedMv,
                modelVersions,
                now);
    }

    /**
     * Puts the plan into the workflow's dependents and reconciles them, then records what serves.
     * Returns the version the stable Deployment serves.
     */
    private ModelVersion applyAndRecord(
            ModelDeployment md,
            ModelDeploymentStatus status,
            Context<ModelDeployment> context,
            CanaryRollout.Plan plan,
            ShadowRollout.Plan shadow,
            List<ModelVersion> modelVersions,
            VersionResolver.Resolution resolution,
            Instant now) {
        String ns = md.getMetadata().getNamespace();
        ModelVersion target = plan.stable();
        ServingPlan.assemble(runtimeJobs, md, target, plan.stableReplicas(), plan.canary(), shadow)
                .putInto(context);
        context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
        KedaScaling.reconcile(servingContext, md, status, now);
        status.selector = ServingScaling.selectorString(md);
        // what the stable dependent created or updated is in the cache already
        Deployment deployment =
                deployments.get(new ResourceID(md.getMetadata().getName(), ns)).orElse(null);

        recordServing(md, status, modelVersions, target, deployment, plan, resolution, now);
        return target;
    }

    /** The canary step, with the canary Deployment as the cache has it. */
    private CanaryRollout.Plan canary(
            ModelDeployment md,
            ModelDeploymentStatus status,
            ShadowRollout.Plan shadow,
            Optional<ModelVersion> servedMv,
            boolean rolledBack,
            Deployment deployment,
            Instant now) {
        String ns = md.getMetadata().getNamespace();
        return CanaryRollout.reconcile(
                servingContext,
                md,
                status,
                shadow.stable(),
                servedMv,
                rolledBack,
                deployment,
                deployments.get(new ResourceID(ServingResources.canaryName(md), ns)).orElse(null),
                now);
    }

    /**
     * The one validation path of a ModelDeployment: a spec {@link SpecChecks} refuses (a rest
     * scores catalog's uri through the outbound policy too) sets InvalidSpec and Ready False naming
     * the field and value, phase Failed, and a Warning; the pods stay as they were, no batch run
     * starts.
     */
    private boolean invalidSpec(ModelDeployment md, ModelDeploymentStatus status, Instant now) {
        Optional<String> invalid = SpecChecks.invalid(md.getSpec(), outbound);
        if (invalid.isEmpty()) {
            return false;
        }
        Long gen = md.getMetadata().getGeneration();
        Conditions.set(
                status,
                INVALID_SPEC,
                true,
                ModelDeploymentConditions.REASON_INVALID_SPEC,
                invalid.get(),
                gen,
                now);
        Conditions.set(
                status,
                Conditions.READY,
                false,
                ModelDeploymentConditions.REASON_INVALID_SPEC,
                invalid.get(),
                gen,
                now);
        status.phase = Phase.Failed;
        events.warning(md, "InvalidSpec", invalid.get());
        return true;
    }

    /** The ModelVersion the stable Deployment's pods serve, when there is one. */
    private static Optional<ModelVersion> served(
            Deployment deployment, List<ModelVersion> modelVersions) {
        Integer served = ServingResources.servedVersion(deployment);
        return served == null
                ? Optional.empty()
                : modelVersions.stream()
                        .filter(mv -> VersionResolver.number(mv) == served)
                        .findFirst();
    }

    /** Looks again after {@code next} (at least a second), or on the next change when null. */
    private static UpdateControl<ModelDeployment> reschedule(
            UpdateControl<ModelDeployment> control, Duration next) {
        if (next != null) {
            control.rescheduleAfter(
                    next.isNegative() || next.isZero() ? Duration.ofSeconds(1) : next);
        }
        return control;
    }

    /**
     * Whether a prerequisite of the pods is missing (object storage, the feedback token's Secret):
     * Ready False naming it, an Event when that is new, and the pods left as they were.
     */
    private boolean blocked(ModelDeployment md, ModelDeploymentStatus status, Instant now) {
        Long gen = md.getMetadata().getGeneration();
        Optional<ObjectStorage.Problem> storage = objectStorage.problem(md);
        if (storage.isPresent()) {
            var p = storage.get();
            if (Readiness.blocked(status, p.reason(), p.message(), gen, now)) {
                events.warning(md, p.reason(), p.message());
            }
            return true;
        }
        Optional<String> token = feedbackToken(md, status);
        if (token.isPresent()) {
            if (Readiness.blocked(status, FeedbackTokens.MISSING, token.get(), gen, now)) {
                events.warning(md, FeedbackTokens.MISSING, token.get());
            }
            return true;
        }
        return false;
    }

    /**
     * What now serves, after the workflow ran: the version change, the model version and URL,
     * readiness, how the version was resolved and the online features' staleness.
     */
    private void recordServing(
            ModelDeployment md,
            ModelDeploymentStatus status,
            List<ModelVersion> modelVersions,
            ModelVersion target,
            Deployment deployment,
            CanaryRollout.Plan plan,
            VersionResolver.Resolution resolution,
            Instant now) {
        Long gen = md.getMetadata().getGeneration();
        String ns = md.getMetadata().getNamespace();
        versionChanges.record(md, status, modelVersions, target, now);
        status.modelVersion = target.getMetadata().getName();
        status.url = ServingResources.url(md);
        Readiness.set(md, status, deployment, plan.stableReplicas(), gen, now);
        Readiness.canary(status, gen, now);
        if (resolution.message() != null) {
            Conditions.set(
                    status,
                    ModelDeploymentConditions.VERSION_RESOLVED,
                    true,
                    resolution.reason(),
                    resolution.message(),
                    gen,
                    now);
        } else {
            Conditions.remove(status, ModelDeploymentConditions.VERSION_RESOLVED);
        }
        OnlineStaleness.record(
                md,
                status,
                target,
                name -> featureViews.get(new ResourceID(name, ns)).orElse(null),
                gen,
                now);
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
