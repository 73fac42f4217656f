package io.mlcycle.operator.modelversion;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.modelversion.ModelVersionSpec;
import io.mlcycle.operator.api.modelversion.ModelVersionStatus;
import io.mlcycle.operator.api.modelversion.ModelVersionStatus.GateResult;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.common.EventRecorder;
import io.mlcycle.operator.common.StatusUpdates;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Decides a ModelVersion's approval: a person's {@code spec.approval} if set, else its gates
 * (absolute bounds, and the delta vs the newest older approved, not rolled-back version of the same
 * model). The {@code mlcycle.io/rolled-back} annotation revokes it. A verdict compares with older
 * versions only, so it stays stable when newer versions arrive.
 */
@ControllerConfiguration(name = "modelversion", generationAwareEventProcessing = false)
public class ModelVersionReconciler implements Reconciler<ModelVersion> {

    public static final String APPROVED = "Approved";
    public static final String ROLLED_BACK = "RolledBack";

    @Inject KubernetesClient client;
    @Inject EventRecorder events;
    @Inject Clock clock;

    private InformerEventSource<TrainingRun, ModelVersion> trainingRuns;

    /**
     * TrainingRuns, so a version in training learns from the cache, not a GET, that its run still
     * exists, and the run's deletion reconciles the versions it was training.
     */
    @Override
    public List<EventSource<?, ModelVersion>> prepareEventSources(
            EventSourceContext<ModelVersion> context) {
        trainingRuns =
                new InformerEventSource<>(
                        InformerEventSourceConfiguration.from(TrainingRun.class, ModelVersion.class)
                                .withName("trainingruns")
                                .withSecondaryToPrimaryMapper(
                                        (TrainingRun tr) ->
                                                context.getPrimaryCache()
                                                        .list(
                                                                tr.getMetadata().getNamespace(),
                                                                mv -> trainedBy(mv, tr))
                                                        .map(ResourceID::fromResource)
                                                        .collect(Collectors.toSet()))
                                // only a deletion tells a version something new
                                .withOnAddFilter(tr -> false)
                                .withOnUpdateFilter((tr, old) -> false)
                                .build(),
                        context);
        return List.of(trainingRuns);
    }

    @Override
    public UpdateControl<ModelVersion> reconcile(ModelVersion mv, Context<ModelVersion> context) {
        Instant now = clock.instant();
        ModelVersionSpec spec = mv.getSpec();
        ModelVersionStatus old = mv.getStatus();
        ModelVersionStatus status = StatusUpdates.copy(old, ModelVersionStatus.class);
        Long generation = mv.getMetadata().getGeneration();
        status.observedGeneration = generation;

        if (!spec.trained()) {
            return untrained(mv, spec, old, status, generation, now);
        }
        Map<String, String> annotations = mv.getMetadata().getAnnotations();
        String rolledBack =
                annotations == null ? null : annotations.get(ModelVersion.ROLLED_BACK_ANNOTATION);
        List<ModelVersion> older = olderVersions(mv, context);
        boolean relative =
                spec.gates != null
                        && spec.gates.stream().anyMatch(g -> g.minDeltaVsApproved != null);
        if (relative && anyUndecided(older) && rolledBack == null && spec.approval == null) {
            status.phase = ModelVersionStatus.Phase.Pending;
            Conditions.set(
                    status.conditions,
                    APPROVED,
                    Conditions.UNKNOWN,
                    "WaitingForOlderVersions",
                    "an older version of " + spec.model + " is not judged yet",
                    generation,
                    now);
            return StatusUpdates.patchIfChanged(mv, status).rescheduleAfter(Duration.ofSeconds(2));
        }
        Optional<Gates.Baseline> baseline = baseline(older);
        List<GateResult> results = Gates.evaluate(spec.gates, spec.metrics, baseline);
        status.gates = results;
        status.comparedWithVersion = baseline.map(Gates.Baseline::version).orElse(null);
        Optional<String> failure = Gates.firstFailure(results);

        Judgement judged = judge(spec, results, failure);
        String message = judged.message();
        ModelVersionStatus.Phase phase =
                recordJudgement(status, rolledBack, judged, generation, now);
        Conditions.set(
                status,
                Conditions.READY,
                true,
                "Judged",
                spec.model + " v" + spec.version + " is " + phase,
                generation,
                now);
        ModelVersionStatus.Phase before = old == null ? null : old.phase;
        status.phase = phase;
        if (phase != before) {
            switch (phase) {
                case Approved -> events.normal(mv, "Approved", message);
                case Rejected -> events.warning(mv, "Rejected", message);
                case RolledBack -> events.warning(mv, ROLLED_BACK, rolledBack);
                default -> {}
            }
        }
        return StatusUpdates.patchIfChanged(mv, status);
    }

    /** RolledBack and Approved as the mark and the judgement say; returns the phase. */
    private static ModelVersionStatus.Phase recordJudgement(
            ModelVersionStatus status,
            String rolledBack,
            Judgement judged,
            Long generation,
            Instant now) {
        boolean approved = judged.approved();
        String reason = judged.reason();
        String message = judged.message();
        if (rolledBack != null) {
            status.rolledBackReason = rolledBack;
            Conditions.set(status, ROLLED_BACK, true, ROLLED_BACK, rolledBack, generation, now);
            Conditions.set(
                    status,
                    APPROVED,
                    false,
                    ROLLED_BACK,
                    "rolled back: " + rolledBack,
                    generation,
                    now);
            status.approved = false;
            return ModelVersionStatus.Phase.RolledBack;
        } else {
            status.rolledBackReason = null;
            Conditions.set(status, ROLLED_BACK, false, "NotRolledBack", "", generation, now);
            Conditions.set(status, APPROVED, approved, reason, message, generation, now);
            status.approved = approved;
            return approved ? ModelVersionStatus.Phase.Approved : ModelVersionStatus.Phase.Rejected;
        }
    }

    /** Whether any older version is not judged yet (its number reserved, or training). */
    private static boolean anyUndecided(List<ModelVersion> older) {
        return older.stream()
                .anyMatch(
                        o ->
                                o.getStatus() == null
                                        || o.getStatus().phase == null
                                        || o.getStatus().phase == ModelVersionStatus.Phase.Pending
                                        || o.getStatus().phase
                                                == ModelVersionStatus.Phase.Training);
    }

    /** The newest approved older version: what relative gates compare with. */
    private static Optional<Gates.Baseline> baseline(List<ModelVersion> older) {
        return older.stream()
                .filter(o -> o.getStatus() != null && Boolean.TRUE.equals(o.getStatus().approved))
                .max(Comparator.comparing(o -> o.getSpec().version))
                .map(o -> new Gates.Baseline(o.getSpec().version, o.getSpec().metrics));
    }

    /** The Approved condition a judgement sets. */
    record Judgement(boolean approved, String reason, String message) {}

    /** A person's approval or rejection wins; otherwise the gates decide. */
    static Judgement judge(
            ModelVersionSpec spec, List<GateResult> results, Optional<String> failure) {
        if (spec.approval != null) {
            boolean approved = spec.approval == ModelVersionSpec.Approval.Approved;
            return new Judgement(
                    approved,
                    approved ? "ManuallyApproved" : "ManuallyRejected",
                    (spec.approvalReason == null ? "set by a person" : spec.approvalReason)
                            + failure.map(f -> " (gates: " + f + ")").orElse(" (gates passed)"));
        }
        if (failure.isPresent()) {
            return new Judgement(false, "GateFailed", failure.get());
        }
        return new Judgement(
                true,
                "GatesPassed",
                results.isEmpty()
                        ? "no gates"
                        : results.stream()
                                .map(r -> r.message)
                                .reduce((a, b) -> a + "; " + b)
                                .orElse(""));
    }

    /**
     * A reserved version whose training runs (judged once it succeeds) or failed (never approved;
     * its number stays used).
     */
    private UpdateControl<ModelVersion> untrained(
            ModelVersion mv,
            ModelVersionSpec spec,
            ModelVersionStatus old,
            ModelVersionStatus status,
            Long generation,
            Instant now) {
        String run = spec.lineage == null ? null : spec.lineage.trainingRun;
        String who = run == null ? "" : " by TrainingRun " + run;
        boolean failed = spec.training.state == ModelVersionSpec.State.Failed;
        String message;
        String reason;
        if (failed) {
            reason = "TrainingFailed";
            message =
                    "training"
                            + who
                            + " failed: "
                            + spec.training.reason
                            + ": "
                            + spec.training.message;
        } else if (run != null && !trainingRunExists(mv.getMetadata().getNamespace(), run)) {
            // its run was deleted mid-training (its Job with it): it will never finish
            failed = true;
            reason = "TrainingRunDeleted";
            message = "TrainingRun " + run + " was deleted before it trained this version";
        } else {
            reason = "Training";
            message = spec.model + " v" + spec.version + " is being trained" + who;
        }
        status.phase = failed ? ModelVersionStatus.Phase.Failed : ModelVersionStatus.Phase.Training;
        status.approved = failed ? false : null;
        status.gates = new java.util.ArrayList<>();
        status.comparedWithVersion = null;
        Conditions.set(
                status.conditions,
                APPROVED,
                failed ? Conditions.FALSE : Conditions.UNKNOWN,
                reason,
                message,
                generation,
                now);
        Conditions.set(status, Conditions.READY, false, reason, message, generation, now);
        if (failed && (old == null || old.phase != ModelVersionStatus.Phase.Failed)) {
            events.warning(mv, reason, message);
        }
        return StatusUpdates.patchIfChanged(mv, status);
    }

    /**
     * From the cache; a miss is confirmed by one GET, since failing a version is final and the
     * cache may not have seen a run created a moment ago.
     */
    private boolean trainingRunExists(String namespace, String run) {
        return trainingRuns.get(new ResourceID(run, namespace)).isPresent()
                || client.resources(TrainingRun.class).inNamespace(namespace).withName(run).get()
                        != null;
    }

    private static Optional<String> trainingRun(ModelVersion mv) {
        return Optional.ofNullable(mv.getSpec()).map(s -> s.lineage).map(l -> l.trainingRun);
    }

    private static boolean trainedBy(ModelVersion mv, TrainingRun tr) {
        return trainingRun(mv).filter(tr.getMetadata().getName()::equals).isPresent();
    }

    /**
     * Versions of the same model with a lower number and no rolled-back annotation, from this
     * controller's cache of every ModelVersion.
     */
    private static List<ModelVersion> olderVersions(
            ModelVersion mv, Context<ModelVersion> context) {
        return context.getPrimaryCache()
                .list(
                        mv.getMetadata().getNamespace(),
                        o ->
                                o.getSpec() != null
                                        && Objects.equals(o.getSpec().model, mv.getSpec().model))
                .filter(o -> !Objects.equals(o.getMetadata().getName(), mv.getMetadata().getName()))
                .filter(o -> o.getSpec() != null && o.getSpec().version != null)
                .filter(o -> o.getSpec().version < mv.getSpec().version)
                .filter(
                        o ->
                                o.getMetadata().getAnnotations() == null
                                        || !o.getMetadata()
                                                .getAnnotations()
                                                .containsKey(ModelVersion.ROLLED_BACK_ANNOTATION))
                .toList();
    }
}
