package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
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
import io.mlcycle.operator.analysis.AnalysisStep;
import io.mlcycle.operator.analysis.Decision;
import io.mlcycle.operator.analysis.PrometheusClient;
import io.mlcycle.operator.analysis.QueryTemplate;
import io.mlcycle.operator.analysis.WebhookNotifier;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Phase;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.RollbackRecord;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.common.Durations;
import io.mlcycle.operator.common.EventRecorder;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.common.SharedOutputs;
import io.mlcycle.operator.common.StatusUpdates;
import io.mlcycle.operator.featureview.PivotTasks;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

    private final PrometheusClient prometheus = new PrometheusClient(Duration.ofSeconds(5));
    private final WebhookNotifier webhook = new WebhookNotifier(Duration.ofSeconds(5));

    private InformerEventSource<ModelVersion, ModelDeployment> versions;
    private InformerEventSource<Deployment, ModelDeployment> deployments;
    private InformerEventSource<Job, ModelDeployment> jobs;
    private InformerEventSource<FeatureView, ModelDeployment> featureViews;

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
        return List.of(versions, deployments, jobs, featureViews);
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
        VersionResolver.Resolution resolution;
        Duration interval;
        try {
            resolution = VersionResolver.resolve(spec.model, spec.version, modelVersions);
            interval =
                    spec.rollback == null
                            ? null
                            : Durations.parse(spec.rollback.interval, "spec.rollback.interval");
            if (spec.rollback != null) {
                for (ModelDeploymentSpec.Metric m : spec.rollback.metrics) {
                    QueryTemplate.render(m.query, "n", "ns", 1);
                }
            }
            if (spec.online != null) {
                PivotTasks.checkRedis(spec.online.redis, "spec.online.redis");
            }
            if (spec.rollout != null && spec.rollout.canary != null) {
                checkCanary(spec);
            }
        } catch (IllegalArgumentException e) {
            Conditions.set(status, INVALID_SPEC, true, "InvalidSpec", e.getMessage(), gen, now);
            Conditions.set(
                    status, Conditions.READY, false, "InvalidSpec", e.getMessage(), gen, now);
            status.phase = Phase.Failed;
            events.warning(md, "InvalidSpec", e.getMessage());
            return StatusUpdates.patchIfChanged(md, status);
        }
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
                nextAnalysis = analyse(md, status, servedMv.get(), modelVersions, interval, now);
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
                        this,
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
                applyDeployment(
                        md,
                        ServingResources.deployment(
                                runtimeJobs, md, target, plan.stableReplicas(), false),
                        deployment);
        applyService(md);

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
                                || recordLostRollback(
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
        readiness(md, status, deployment, plan.stableReplicas(), gen, now);
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
            nextBatch = BatchScoring.reconcile(this, md, status, target, now);
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

    /**
     * Runs an analysis round when one is due. Returns the delay until the next round, or null when
     * this round rolled back {@code served}.
     */
    private Duration analyse(
            ModelDeployment md,
            ModelDeploymentStatus status,
            ModelVersion served,
            List<ModelVersion> modelVersions,
            Duration interval,
            Instant now) {
        ModelDeploymentSpec.Rollback rb = md.getSpec().rollback;
        Long gen = md.getMetadata().getGeneration();
        int version = VersionResolver.number(served);
        ModelDeploymentStatus.Analysis previous = status.analysis;
        if (previous != null
                && previous.lastRun != null
                && Objects.equals(previous.version, version)) {
            Instant due = Instant.parse(previous.lastRun).plus(interval);
            if (now.isBefore(due)) {
                return Duration.between(now, due);
            }
        }
        String name = md.getMetadata().getName();
        String ns = md.getMetadata().getNamespace();
        List<AnalysisStep.Measured> measured = new ArrayList<>();
        for (ModelDeploymentSpec.Metric m : rb.metrics) {
            String query = QueryTemplate.render(m.query, name, ns, version);
            measured.add(
                    new AnalysisStep.Measured(
                            m.name, m.min, m.max, prometheus.query(rb.prometheus.url, query)));
        }
        AnalysisStep.Outcome outcome =
                AnalysisStep.evaluate(
                        previous,
                        version,
                        measured,
                        rb.failureThreshold == null ? 3 : rb.failureThreshold,
                        Boolean.TRUE.equals(rb.inconclusiveIsFailure),
                        now);
        status.analysis = outcome.analysis();
        Decision decision = outcome.decision();
        inconclusiveCondition(status, decision, "NoUsableData", "", gen, now);
        if (decision instanceof Decision.Inconclusive inconclusive) {
            events.warning(md, "AnalysisInconclusive", inconclusive.reason());
        }
        if (decision instanceof Decision.Failing failing) {
            events.warning(
                    md,
                    "AnalysisFailed",
                    failing.message()
                            + " ("
                            + failing.consecutiveFailures()
                            + " of "
                            + rb.failureThreshold
                            + " before rollback)");
        }
        if (!(decision instanceof Decision.Rollback)) {
            Conditions.find(status.conditions, Conditions.DEGRADED)
                    .filter(c -> "NoRollbackTarget".equals(c.getReason()))
                    .ifPresent(c -> Conditions.remove(status, Conditions.DEGRADED));
        }
        if (decision instanceof Decision.Rollback rollback) {
            return rollBack(md, status, served, modelVersions, rollback, now) ? null : interval;
        }
        return interval;
    }

    /**
     * AnalysisInconclusive after a round: True with {@code reason} and the round's reason behind
     * {@code prefix} when it was inconclusive, else False.
     */
    static void inconclusiveCondition(
            ModelDeploymentStatus status,
            Decision decision,
            String reason,
            String prefix,
            Long gen,
            Instant now) {
        if (decision instanceof Decision.Inconclusive inconclusive) {
            Conditions.set(
                    status,
                    ANALYSIS_INCONCLUSIVE,
                    true,
                    reason,
                    prefix + inconclusive.reason(),
                    gen,
                    now);
        } else {
            Conditions.set(
                    status,
                    ANALYSIS_INCONCLUSIVE,
                    false,
                    "MetricsAvailable",
                    "every metric returned a value",
                    gen,
                    now);
        }
    }

    /** Marks {@code bad} rolled back and records it; false when there is nothing to go back to. */
    private boolean rollBack(
            ModelDeployment md,
            ModelDeploymentStatus status,
            ModelVersion bad,
            List<ModelVersion> modelVersions,
            Decision.Rollback rollback,
            Instant now) {
        Long gen = md.getMetadata().getGeneration();
        int from = VersionResolver.number(bad);
        Optional<ModelVersion> to = VersionResolver.highestGoodBelow(modelVersions, from);
        String why = rollback.message();
        if (to.isEmpty()) {
            String message =
                    why
                            + "; no approved version below "
                            + from
                            + " to roll back to, still serving it";
            Conditions.set(
                    status, Conditions.DEGRADED, true, "NoRollbackTarget", message, gen, now);
            events.warning(md, "RollbackImpossible", message);
            return false;
        }
        int toVersion = VersionResolver.number(to.get());
        String message =
                "rolled back from version "
                        + from
                        + " to "
                        + toVersion
                        + ": "
                        + why
                        + " for "
                        + rollback.consecutiveFailures()
                        + " analyses in a row";
        recordRollback(md, status, bad, toVersion, rollback, message, "RolledBack", now);
        return true;
    }

    /**
     * Puts the rollback first in status, keeping the last MAX_ROLLBACKS, and sets RolledBack with
     * {@code reason} and the record's message.
     */
    private static void addRollback(
            ModelDeployment md,
            ModelDeploymentStatus status,
            RollbackRecord record,
            String reason,
            Instant now) {
        status.rollbacks.add(0, record);
        while (status.rollbacks.size() > MAX_ROLLBACKS) {
            status.rollbacks.remove(status.rollbacks.size() - 1);
        }
        Conditions.set(
                status,
                ROLLED_BACK,
                true,
                reason,
                record.message,
                md.getMetadata().getGeneration(),
                now);
    }

    /**
     * A rollback this deployment decided whose status write was lost (the operator stopped after
     * marking the version, before writing status): the served version carries this deployment's
     * mark and the status has no record of it, so it is recorded now from the mark. Returns whether
     * it was.
     */
    private boolean recordLostRollback(
            ModelDeployment md,
            ModelDeploymentStatus status,
            List<ModelVersion> modelVersions,
            int from,
            int to,
            Instant now) {
        String prefix = md.getMetadata().getName() + ": ";
        Optional<String> why =
                modelVersions.stream()
                        .filter(mv -> VersionResolver.number(mv) == from)
                        .map(mv -> mv.getMetadata().getAnnotations())
                        .filter(Objects::nonNull)
                        .map(a -> a.get(ModelVersion.ROLLED_BACK_ANNOTATION))
                        .filter(a -> a != null && a.startsWith(prefix))
                        .map(a -> a.substring(prefix.length()))
                        .findFirst();
        if (why.isEmpty()) {
            return false;
        }
        RollbackRecord record = new RollbackRecord();
        record.fromVersion = from;
        record.toVersion = to;
        record.at = now.toString();
        record.message = "rolled back from version " + from + " to " + to + ": " + why.get();
        addRollback(md, status, record, "RolledBack", now);
        return true;
    }

    /**
     * Marks {@code bad} rolled back (so latestApproved skips it), records it in status with the
     * RolledBack condition, and tells people: an Event with {@code reason} and the webhook.
     */
    void recordRollback(
            ModelDeployment md,
            ModelDeploymentStatus status,
            ModelVersion bad,
            int toVersion,
            Decision.Rollback rollback,
            String message,
            String reason,
            Instant now) {
        String why = rollback.message();
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

        RollbackRecord record = new RollbackRecord();
        record.fromVersion = VersionResolver.number(bad);
        record.toVersion = toVersion;
        record.metric = rollback.metric();
        record.value = rollback.value();
        record.at = now.toString();
        record.message = message;
        addRollback(
                md,
                status,
                record,
                "RolledBack".equals(reason)
                        ? rollback.value() == null ? "AnalysisInconclusive" : "MetricOutOfBounds"
                        : reason,
                now);
        events.warning(md, reason, message);
        LOG.infof("%s/%s %s", md.getMetadata().getNamespace(), md.getMetadata().getName(), message);
        if (md.getSpec().rollback.webhook != null && md.getSpec().rollback.webhook.url != null) {
            String url = md.getSpec().rollback.webhook.url;
            try {
                webhook.post(
                        url,
                        WebhookNotifier.body(
                                "mlcycle: ModelDeployment "
                                        + md.getMetadata().getNamespace()
                                        + "/"
                                        + md.getMetadata().getName()
                                        + " "
                                        + message,
                                md.getMetadata().getName(),
                                md.getMetadata().getNamespace(),
                                reason));
            } catch (IOException | IllegalArgumentException e) {
                events.warning(md, "WebhookFailed", e.getMessage());
            }
        }
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

    /** Deletes the canary Deployment {@code known} (from the informer's cache), if any. */
    void deleteCanary(Deployment known) {
        if (known != null) {
            client.apps()
                    .deployments()
                    .inNamespace(known.getMetadata().getNamespace())
                    .withName(known.getMetadata().getName())
                    .delete();
        }
    }

    private static void checkCanary(ModelDeploymentSpec spec) {
        if (spec.rollback == null) {
            throw new IllegalArgumentException(
                    "spec.rollout.canary needs spec.rollback: its prometheus and metrics judge the"
                            + " canary");
        }
        CanaryPlan.check(spec.rollout.canary);
        Durations.parse(spec.rollout.canary.stepInterval, "spec.rollout.canary.stepInterval");
        for (int i = 0; i < spec.rollback.metrics.size(); i++) {
            if (!QueryTemplate.uses(spec.rollback.metrics.get(i).query, "version")) {
                throw new IllegalArgumentException(
                        "spec.rollback.metrics["
                                + i
                                + "].query: a canary needs {{version}} in every query to tell"
                                + " the canary's pods from the stable ones");
            }
        }
    }

    private void applyService(ModelDeployment md) {
        Service desired = ServingResources.service(md);
        var ops = client.services().inNamespace(md.getMetadata().getNamespace());
        Service actual = ops.withName(desired.getMetadata().getName()).get();
        if (actual == null) {
            ops.resource(desired).create();
        } else if (!Objects.equals(actual.getSpec().getPorts(), desired.getSpec().getPorts())
                || !Objects.equals(
                        actual.getSpec().getSelector(), desired.getSpec().getSelector())) {
            ops.withName(desired.getMetadata().getName())
                    .edit(
                            s -> {
                                s.getSpec().setPorts(desired.getSpec().getPorts());
                                s.getSpec().setSelector(desired.getSpec().getSelector());
                                return s;
                            });
        }
    }

    /** Maps the Deployment's status to Available, Ready, Progressing, Degraded and the phase. */
    static void readiness(
            ModelDeployment md, ModelDeploymentStatus status, Deployment d, Long gen, Instant now) {
        readiness(
                md, status, d, md.getSpec().replicas == null ? 1 : md.getSpec().replicas, gen, now);
    }

    /** True when the Deployment controller has rolled every wanted pod to the template. */
    static boolean rolledOut(Deployment d, int wanted) {
        var ds = d == null ? null : d.getStatus();
        int ready = ds == null || ds.getReadyReplicas() == null ? 0 : ds.getReadyReplicas();
        int updated = ds == null || ds.getUpdatedReplicas() == null ? 0 : ds.getUpdatedReplicas();
        // The Deployment controller has seen the current template (a server always sets both).
        boolean observed =
                ds != null
                        && (ds.getObservedGeneration() == null
                                || d.getMetadata().getGeneration() == null
                                || ds.getObservedGeneration() >= d.getMetadata().getGeneration());
        return observed && updated >= wanted && ready >= wanted;
    }

    /** Why a Deployment cannot roll out (progress deadline exceeded, replica failure), or null. */
    static String stuck(Deployment d) {
        var ds = d == null ? null : d.getStatus();
        return stuckCondition(ds)
                .map(
                        c ->
                                (c.getReason() == null ? c.getType() : c.getReason())
                                        + ": "
                                        + c.getMessage())
                .orElse(null);
    }

    private static Optional<DeploymentCondition> stuckCondition(
            io.fabric8.kubernetes.api.model.apps.DeploymentStatus ds) {
        return ds == null || ds.getConditions() == null
                ? Optional.empty()
                : ds.getConditions().stream()
                        .filter(
                                c ->
                                        ("Progressing".equals(c.getType())
                                                        && "False".equals(c.getStatus())
                                                        && "ProgressDeadlineExceeded"
                                                                .equals(c.getReason()))
                                                || ("ReplicaFailure".equals(c.getType())
                                                        && "True".equals(c.getStatus())))
                        .findFirst();
    }

    /** Readiness of the stable Deployment with {@code wanted} pods. */
    static void readiness(
            ModelDeployment md,
            ModelDeploymentStatus status,
            Deployment d,
            int wanted,
            Long gen,
            Instant now) {
        var ds = d.getStatus();
        int ready = ds == null || ds.getReadyReplicas() == null ? 0 : ds.getReadyReplicas();
        int updated = ds == null || ds.getUpdatedReplicas() == null ? 0 : ds.getUpdatedReplicas();
        boolean rolledOut = rolledOut(d, wanted);
        status.readyReplicas = ready;
        status.replicas = wanted;

        Optional<DeploymentCondition> stuck = stuckCondition(ds);
        String version = String.valueOf(status.currentVersion);
        boolean available = wanted > 0 ? ready >= wanted : true;
        String availableMessage =
                ready + " of " + wanted + " serving pods ready (version " + version + ")";
        Conditions.set(
                status,
                AVAILABLE,
                available,
                available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                availableMessage,
                gen,
                now);
        Conditions.set(
                status,
                Conditions.READY,
                available && rolledOut,
                available && rolledOut ? "Serving" : "RollingOut",
                availableMessage,
                gen,
                now);
        Conditions.set(
                status,
                Conditions.PROGRESSING,
                !rolledOut,
                rolledOut ? "RolloutComplete" : "RollingOut",
                rolledOut
                        ? "every pod serves version " + version
                        : updated
                                + " of "
                                + wanted
                                + " pods updated to version "
                                + version
                                + ", "
                                + ready
                                + " ready",
                gen,
                now);
        boolean noRollbackTarget =
                Conditions.find(status.conditions, Conditions.DEGRADED)
                        .map(
                                c ->
                                        "NoRollbackTarget".equals(c.getReason())
                                                && Conditions.TRUE.equals(c.getStatus()))
                        .orElse(false);
        if (stuck.isPresent()) {
            Conditions.set(
                    status,
                    Conditions.DEGRADED,
                    true,
                    stuck.get().getReason() == null ? "RolloutFailed" : stuck.get().getReason(),
                    stuck.get().getMessage(),
                    gen,
                    now);
        } else if (!noRollbackTarget) {
            Conditions.set(status, Conditions.DEGRADED, false, "AsExpected", "", gen, now);
        }
        boolean degraded = Conditions.isTrue(status, Conditions.DEGRADED);
        if (degraded) {
            status.phase = Phase.Degraded;
        } else if (Conditions.isTrue(status, ROLLED_BACK) && available) {
            status.phase = Phase.RolledBack;
        } else if (available && rolledOut) {
            status.phase = Phase.Available;
        } else {
            status.phase = Phase.Progressing;
        }
    }

    InformerEventSource<Job, ModelDeployment> jobs() {
        return jobs;
    }

    KubernetesClient client() {
        return client;
    }

    PrometheusClient prometheus() {
        return prometheus;
    }

    RuntimeJobs runtimeJobs() {
        return runtimeJobs;
    }

    EventRecorder events() {
        return events;
    }

    @Override
    public ErrorStatusUpdateControl<ModelDeployment> updateErrorStatus(
            ModelDeployment md, Context<ModelDeployment> context, Exception e) {
        LOG.warnf(e, "reconcile of ModelDeployment %s failed", md.getMetadata().getName());
        return ErrorStatusUpdateControl.noStatusUpdate();
    }
}
