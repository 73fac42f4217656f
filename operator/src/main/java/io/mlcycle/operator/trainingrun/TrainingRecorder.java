package io.mlcycle.operator.trainingrun;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.modelversion.ModelVersionSpec;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.api.trainingrun.TrainingRunSpec;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus.Attempt;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus.FeatureImportance;
import io.mlcycle.operator.common.EventRecorder;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TrainSummary;
import io.mlcycle.task.TrainTask;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.mlcycle.operator.trainingrun.TrainingRunReconciler.INVALID_SPEC;
import static io.mlcycle.operator.trainingrun.TrainingRunReconciler.WAITING_FOR_FEATURES;

/**
 * Records what a TrainingRun observed: a finished training into {@code history} (success: the
 * ModelVersion completed through {@link VersionRegistry}, metrics and top features in status;
 * failure: the reserved version marked Failed), InvalidSpec and WaitingForFeatures, the Events a
 * person should notice, and the conditions and phase computed from that status.
 */
@ApplicationScoped
public class TrainingRecorder {

    static final int HISTORY = 10;
    static final int TOP_FEATURES = 10;
    static final List<String> METRICS = TrainSummary.METRICS;

    @Inject EventRecorder events;
    @Inject VersionRegistry registry;

    /** InvalidSpec and Degraded with the message, phase Failed, a Warning once per message. */
    void invalid(TrainingRun tr, TrainingRunStatus status, String message, Instant now) {
        Long generation = status.observedGeneration;
        boolean already =
                Conditions.find(status.conditions, INVALID_SPEC)
                        .map(c -> message.equals(c.getMessage()))
                        .orElse(false);
        Conditions.set(status, INVALID_SPEC, true, INVALID_SPEC, message, generation, now);
        Conditions.set(status, Conditions.DEGRADED, true, INVALID_SPEC, message, generation, now);
        status.phase = TrainingRunStatus.Phase.Failed;
        if (!already) {
            events.warning(tr, INVALID_SPEC, message);
        }
    }

    /**
     * No training can start ({@code reason}, e.g. StorageCredentialsMissing): Degraded with the
     * message, phase Failed, a Warning once per message; the registered version stays Ready.
     */
    void blocked(
            TrainingRun tr, TrainingRunStatus status, String reason, String message, Instant now) {
        boolean already =
                Conditions.find(status.conditions, Conditions.DEGRADED)
                        .map(c -> reason.equals(c.getReason()) && message.equals(c.getMessage()))
                        .orElse(false);
        Conditions.set(
                status, Conditions.DEGRADED, true, reason, message, status.observedGeneration, now);
        status.phase = TrainingRunStatus.Phase.Failed;
        if (!already) {
            events.warning(tr, reason, message);
        }
    }

    /** WaitingForFeatures: True naming what is missing (an Event once per message), else False. */
    void inputs(
            TrainingRun tr,
            TrainingRunStatus status,
            FeatureResolver.Resolution inputs,
            Instant now) {
        Long generation = status.observedGeneration;
        if (inputs.resolved()) {
            Conditions.set(
                    status,
                    WAITING_FOR_FEATURES,
                    false,
                    TrainingRunConditions.FEATURES_AVAILABLE,
                    "as-of " + inputs.asOf() + ": " + inputs.inputMap(),
                    generation,
                    now);
            return;
        }
        boolean already =
                Conditions.find(status.conditions, WAITING_FOR_FEATURES)
                        .map(
                                c ->
                                        Conditions.TRUE.equals(c.getStatus())
                                                && inputs.missing().equals(c.getMessage()))
                        .orElse(false);
        Conditions.set(
                status,
                WAITING_FOR_FEATURES,
                true,
                TrainingRunConditions.FEATURES_MISSING,
                inputs.missing(),
                generation,
                now);
        if (!already) {
            events.normal(tr, WAITING_FOR_FEATURES, inputs.missing());
        }
    }

    /** The active attempt's Job is gone before it finished: a failure like any other. */
    void jobDeleted(
            TrainingRun tr, TrainingRunStatus status, VersionRegistry.Cache cache, Instant now) {
        finish(
                tr,
                status,
                null,
                Summary.failure(
                        Summary.Outcome.Failed,
                        TrainingRunConditions.JOB_DELETED,
                        "training Job " + status.active.job + " was deleted before it finished"),
                cache,
                now);
    }

    /** The active attempt, finished as {@code summary} says, moved to the front of the history. */
    private static Attempt toHistory(TrainingRunStatus status, Summary summary, Instant now) {
        Attempt attempt = status.active;
        status.active = null;
        attempt.completedAt = now.toString();
        attempt.outcome = summary.outcome().name();
        attempt.reason = summary.reason();
        attempt.message = summary.message();
        status.history.add(0, attempt);
        while (status.history.size() > HISTORY) {
            status.history.remove(status.history.size() - 1);
        }
        return attempt;
    }

    /** The summary's figures that are metrics ({@code METRICS}), in that order. */
    private static Map<String, Double> metrics(Summary summary) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        Map<String, Double> figures = summary.figures() == null ? Map.of() : summary.figures();
        for (String m : METRICS) {
            if (figures.get(m) != null) {
                metrics.put(m, figures.get(m));
            }
        }
        return metrics;
    }

    /** Records the finished training; on success registers the ModelVersion (once). */
    void finish(
            TrainingRun tr,
            TrainingRunStatus status,
            HasMetadata job,
            Summary summary,
            VersionRegistry.Cache cache,
            Instant now) {
        Attempt attempt = toHistory(status, summary, now);
        TrainingRunSpec spec = tr.getSpec();
        if (summary.outcome() != Summary.Outcome.Succeeded || job == null) {
            registry.fail(tr, attempt.version, summary.reason(), summary.message(), cache);
            events.warningOnce(
                    tr,
                    TrainingRunConditions.TRAINING_FAILED,
                    spec.model
                            + " v"
                            + attempt.version
                            + " ("
                            + attempt.job
                            + ") failed: "
                            + summary.reason()
                            + ": "
                            + summary.message());
            return;
        }
        Map<String, Double> metrics = metrics(summary);
        List<FeatureImportance> top = topFeatures(summary);
        TrainTask task = (TrainTask) TrainingJobs.task(job).orElse(null);
        String name = VersionRegistry.name(spec.model, attempt.version);
        String digest = TrainSummary.artifactDigest(summary);
        boolean completed =
                registry.complete(
                        tr,
                        attempt.version,
                        task,
                        new VersionRegistry.Trained(
                                summary.uri() != null
                                        ? summary.uri()
                                        : task == null ? null : task.outputUri(),
                                digest,
                                metrics,
                                top,
                                TrainingJobs.image(job),
                                job.getMetadata().getName(),
                                now.toString(),
                                TrainSummary.algorithm(summary),
                                candidates(summary),
                                budgetExhausted(summary),
                                TrainSummary.snapshotIds(summary)),
                        cache);
        status.modelVersion = name;
        status.version = attempt.version;
        status.metrics = metrics;
        status.auc = metrics.get("auc");
        status.topFeatures =
                top.size() > TOP_FEATURES ? new ArrayList<>(top.subList(0, TOP_FEATURES)) : top;
        status.approved = null;
        if (completed) {
            events.normal(
                    tr,
                    TrainingRunConditions.MODEL_VERSION_REGISTERED,
                    "registered "
                            + name
                            + " (auc "
                            + metrics.get("auc")
                            + ") from Job "
                            + attempt.job);
        }
    }

    /** auto's candidate table from the trainer's summary; null when it tried only one. */
    static List<ModelVersionSpec.Candidate> candidates(Summary summary) {
        List<?> list = TrainSummary.candidates(summary);
        if (list == null) {
            return null;
        }
        List<ModelVersionSpec.Candidate> out = new ArrayList<>();
        for (Object o : list) {
            if (o instanceof Map<?, ?> m) {
                ModelVersionSpec.Candidate c = new ModelVersionSpec.Candidate();
                c.algorithm =
                        m.get("algorithm") == null ? null : String.valueOf(m.get("algorithm"));
                Object metric = m.get(TrainSummary.selectionMetric(summary));
                c.metric = metric instanceof Number n ? n.doubleValue() : null;
                c.trials = m.get("trials") instanceof Number n ? n.intValue() : null;
                c.seconds = m.get("seconds") instanceof Number n ? n.doubleValue() : null;
                c.status = m.get("status") == null ? null : String.valueOf(m.get("status"));
                c.chosen = m.get("chosen") instanceof Boolean b ? b : null;
                c.message = m.get("message") == null ? null : String.valueOf(m.get("message"));
                c.standardError =
                        m.get(TrainSummary.STANDARD_ERROR) instanceof Number n
                                ? n.doubleValue()
                                : null;
                c.reason =
                        m.get(TrainSummary.REASON) == null
                                ? null
                                : String.valueOf(m.get(TrainSummary.REASON));
                c.members = members(m.get(TrainSummary.MEMBERS));
                out.add(c);
            }
        }
        return out;
    }

    /** The ensemble candidate's members and weights; null for any other candidate. */
    private static List<ModelVersionSpec.Member> members(Object members) {
        if (!(members instanceof List<?> list)) {
            return null;
        }
        List<ModelVersionSpec.Member> out = new ArrayList<>();
        for (Object o : list) {
            if (o instanceof Map<?, ?> m) {
                ModelVersionSpec.Member member = new ModelVersionSpec.Member();
                member.algorithm =
                        m.get("algorithm") == null ? null : String.valueOf(m.get("algorithm"));
                member.weight = m.get("weight") instanceof Number n ? n.doubleValue() : null;
                out.add(member);
            }
        }
        return out;
    }

    static Boolean budgetExhausted(Summary summary) {
        return TrainSummary.budgetExhausted(summary) ? Boolean.TRUE : null;
    }

    @SuppressWarnings("unchecked")
    static List<FeatureImportance> topFeatures(Summary summary) {
        List<FeatureImportance> out = new ArrayList<>();
        List<?> list = TrainSummary.topFeatures(summary);
        if (list == null) {
            return out;
        }
        for (Object o : list) {
            if (o instanceof Map<?, ?> m) {
                Object name = m.get("name");
                Object imp = m.containsKey("importance") ? m.get("importance") : m.get("value");
                if (name != null) {
                    out.add(
                            new FeatureImportance(
                                    String.valueOf(name),
                                    imp instanceof Number n ? n.doubleValue() : null));
                }
            }
        }
        return out;
    }

    static void setConditions(
            TrainingRunStatus status,
            FeatureResolver.Resolution inputs,
            Long generation,
            Instant now) {
        Attempt last = status.history.isEmpty() ? null : status.history.get(0);
        boolean lastFailed = last != null && !"Succeeded".equals(last.outcome);
        Conditions.set(
                status,
                Conditions.READY,
                status.modelVersion != null,
                status.modelVersion != null
                        ? TrainingRunConditions.VERSION_REGISTERED
                        : TrainingRunConditions.NO_VERSION,
                status.modelVersion != null
                        ? status.modelVersion + " registered (auc " + status.auc + ")"
                        : "no version registered yet",
                generation,
                now);
        Conditions.set(
                status,
                Conditions.PROGRESSING,
                status.active != null,
                status.active != null ? TrainingRunConditions.TRAINING : TrainingRunConditions.IDLE,
                status.active != null
                        ? "Job " + status.active.job + " trains v" + status.active.version
                        : "",
                generation,
                now);
        Conditions.setDegraded(
                status,
                lastFailed,
                lastFailed ? last.reason : null,
                lastFailed ? last.job + ": " + last.message : null,
                generation,
                now);
        if (status.active != null) {
            status.phase = TrainingRunStatus.Phase.Training;
        } else if (!inputs.resolved()) {
            status.phase = TrainingRunStatus.Phase.WaitingForFeatures;
        } else if (lastFailed) {
            status.phase = TrainingRunStatus.Phase.Failed;
        } else if (status.modelVersion != null) {
            status.phase = TrainingRunStatus.Phase.Succeeded;
        } else {
            status.phase = TrainingRunStatus.Phase.Pending;
        }
    }
}
