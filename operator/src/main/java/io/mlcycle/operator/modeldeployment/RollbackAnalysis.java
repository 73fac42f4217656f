package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.analysis.AnalysisStep;
import io.mlcycle.operator.analysis.Decision;
import io.mlcycle.operator.analysis.SequentialStep;
import io.mlcycle.operator.analysis.SequentialVerdict;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.common.EventRecorder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Rollback analysis of the served version: when a round is due ({@link RollbackDecisions}), the
 * metrics are measured through {@link AnalysisQueries}, {@link AnalysisStep} decides, the
 * conditions and Events follow, and a decided rollback goes to {@link RollbackRecorder}.
 */
@ApplicationScoped
public class RollbackAnalysis {

    /** The condition a Prometheus URL the outbound policy refuses sets (no query is sent). */
    public static final String OUTBOUND_REFUSED = ModelDeploymentConditions.OUTBOUND_REFUSED;

    private final EventRecorder events;
    private final RollbackRecorder rollbacks;

    @Inject
    public RollbackAnalysis(EventRecorder events, RollbackRecorder rollbacks) {
        this.events = events;
        this.rollbacks = rollbacks;
    }

    /**
     * Runs an analysis round when one is due. Returns the delay until the next round, or null when
     * this round rolled back {@code served}.
     */
    Duration analyse(
            ServingWriter writer,
            AnalysisQueries.Round round,
            ModelDeployment md,
            ModelDeploymentStatus status,
            ModelVersion served,
            List<ModelVersion> modelVersions,
            Duration interval,
            Instant now) {
        ModelDeploymentSpec.Rollback rb = md.getSpec().rollback;
        Long gen = md.getMetadata().getGeneration();
        int version = VersionResolver.number(served);
        Optional<Duration> wait =
                RollbackDecisions.untilDue(status.analysis, version, interval, now);
        if (wait.isPresent()) {
            return wait.get();
        }
        Optional<String> refused = round.refusal();
        if (refused.isPresent()) {
            // a configuration error is no evidence against the version: no round, no failure
            Conditions.set(
                    status,
                    OUTBOUND_REFUSED,
                    true,
                    ModelDeploymentConditions.HOST_REFUSED,
                    refused.get(),
                    gen,
                    now);
            events.warningOnce(md, OUTBOUND_REFUSED, refused.get());
            return interval;
        }
        Conditions.remove(status, OUTBOUND_REFUSED);
        if (RollbackDecisions.firstSight(status.analysis, version)) {
            status.analysis = RollbackDecisions.pending(version, now);
            return interval;
        }
        List<AnalysisStep.Measured> measured = new ArrayList<>();
        for (ModelDeploymentSpec.Metric m : rb.metrics) {
            measured.add(
                    new AnalysisStep.Measured(
                            m.name,
                            m.min,
                            m.max,
                            round.measure(m, version),
                            null,
                            0,
                            round.samples(m, version)));
        }
        ModelDeploymentSpec.Rollback defaulted = Defaults.copy(rb);
        boolean sequential = defaulted.mode == ModelDeploymentSpec.JudgeMode.sequential;
        AnalysisStep.Outcome outcome =
                sequential
                        ? SequentialStep.evaluate(
                                status.analysis, version, measured, defaulted.alpha, now)
                        : AnalysisStep.evaluate(
                                status.analysis,
                                version,
                                measured,
                                defaulted.failureThreshold,
                                Boolean.TRUE.equals(rb.inconclusiveIsFailure),
                                now);
        status.analysis = outcome.analysis();
        Decision decision = outcome.decision();
        record(md, status, decision, gen, now);
        if (sequential) {
            acceptedEvents(md, outcome.analysis());
        }
        if (decision instanceof Decision.Rollback rollback) {
            return rollbacks.rollBack(writer, md, status, served, modelVersions, rollback, now)
                    ? null
                    : interval;
        }
        return interval;
    }

    /** Once per metric and version: the sequential test found it at or above min. */
    private void acceptedEvents(ModelDeployment md, ModelDeploymentStatus.Analysis analysis) {
        for (ModelDeploymentStatus.MetricResult r : analysis.metrics) {
            if (SequentialVerdict.Outcome.Accept.name().equals(r.decision)) {
                // the numbers move every round: the message names only what was decided
                events.normalOnce(
                        md,
                        "AnalysisAccepted",
                        "version "
                                + analysis.version
                                + ": "
                                + r.name
                                + " is at or above min "
                                + r.min
                                + " with confidence (sequential test; status.analysis has the"
                                + " interval)");
            }
        }
    }

    /** The round's conditions and Events, short of a rollback. */
    private void record(
            ModelDeployment md,
            ModelDeploymentStatus status,
            Decision decision,
            Long gen,
            Instant now) {
        inconclusiveCondition(
                status, decision, ModelDeploymentConditions.NO_USABLE_DATA, "", gen, now);
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
                            + Defaults.copy(md.getSpec().rollback).failureThreshold
                            + " before rollback)");
        }
        if (!(decision instanceof Decision.Rollback)) {
            Conditions.find(status.conditions, Conditions.DEGRADED)
                    .filter(c -> ModelDeploymentConditions.NO_ROLLBACK_TARGET.equals(c.getReason()))
                    .ifPresent(c -> Conditions.remove(status, Conditions.DEGRADED));
        }
    }

    /**
     * AnalysisInconclusive after a round: True with {@code reason} and the round's reason behind
     * {@code prefix} when it was inconclusive (reason TooFewSamples when only minSamples held it
     * back), else False.
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
                    ModelDeploymentReconciler.ANALYSIS_INCONCLUSIVE,
                    true,
                    inconclusive.tooFewSamples()
                            ? ModelDeploymentConditions.TOO_FEW_SAMPLES
                            : reason,
                    prefix + inconclusive.reason(),
                    gen,
                    now);
        } else {
            Conditions.set(
                    status,
                    ModelDeploymentReconciler.ANALYSIS_INCONCLUSIVE,
                    false,
                    ModelDeploymentConditions.METRICS_AVAILABLE,
                    "every metric returned a value",
                    gen,
                    now);
        }
    }
}
