package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.analysis.Decision;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.RollbackRecord;
import io.mlcycle.operator.api.modelversion.ModelVersion;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The pure decisions of rollback analysis and version changes: when the next round is due, what a
 * rollback record says, and whether a version change was a rollback. The recorders write them.
 */
final class RollbackDecisions {

    private RollbackDecisions() {}

    /**
     * The time left until the next round of {@code version}, or empty when a round is due now (the
     * version changed, or no round ran, or the interval has passed).
     */
    static Optional<Duration> untilDue(
            ModelDeploymentStatus.Analysis previous, int version, Duration interval, Instant now) {
        if (previous == null
                || previous.lastRun == null
                || !Objects.equals(previous.version, version)) {
            return Optional.empty();
        }
        Instant due = Instant.parse(previous.lastRun).plus(interval);
        return now.isBefore(due) ? Optional.of(Duration.between(now, due)) : Optional.empty();
    }

    /**
     * Whether {@code version} has not been seen serving before: no analysis yet, or the last one
     * was of another version.
     */
    static boolean firstSight(ModelDeploymentStatus.Analysis previous, int version) {
        return previous == null || !Objects.equals(previous.version, version);
    }

    /**
     * The analysis of a version its pods just began serving: no round yet, the first one is due an
     * interval later. A round now would judge what Prometheus scraped from the pods while they were
     * still loading (a readiness gauge at 0, no traffic yet), and could roll back a good version.
     */
    static ModelDeploymentStatus.Analysis pending(int version, Instant now) {
        ModelDeploymentStatus.Analysis a = new ModelDeploymentStatus.Analysis();
        a.version = version;
        a.lastRun = now.toString();
        a.consecutiveFailures = 0;
        a.verdict = PENDING;
        return a;
    }

    /** The verdict of {@link #pending}. */
    static final String PENDING = "Pending";

    /** The message of a rollback from {@code from} to {@code to} that analysis decided. */
    static String rolledBackMessage(int from, int to, Decision.Rollback rollback) {
        return "rolled back from version "
                + from
                + " to "
                + to
                + ": "
                + rollback.message()
                + streak(rollback.consecutiveFailures());
    }

    /**
     * How many analyses in a row failed, where a streak decided; 0 for a sequential test, which
     * decides on one analysis's confidence interval.
     */
    static String streak(int consecutiveFailures) {
        return consecutiveFailures > 0 ? " for " + consecutiveFailures + " analyses in a row" : "";
    }

    /** The message when analysis decided a rollback but no approved version is below. */
    static String noTargetMessage(int from, Decision.Rollback rollback) {
        return rollback.message()
                + "; no approved version below "
                + from
                + " to roll back to, still serving it";
    }

    /**
     * The RolledBack condition's reason: for a rollback of the served version, whether a metric was
     * out of bounds or analysis stayed inconclusive; otherwise the caller's (CanaryAborted).
     */
    static String conditionReason(String reason, Decision.Rollback rollback) {
        if (!ModelDeploymentConditions.REASON_ROLLED_BACK.equals(reason)) {
            return reason;
        }
        return rollback.value() == null
                ? ModelDeploymentConditions.REASON_ANALYSIS_INCONCLUSIVE
                : ModelDeploymentConditions.METRIC_OUT_OF_BOUNDS;
    }

    /** The status record of a decided rollback. */
    static RollbackRecord record(
            int from, int to, Decision.Rollback rollback, String message, Instant now) {
        RollbackRecord record = new RollbackRecord();
        record.fromVersion = from;
        record.toVersion = to;
        record.metric = rollback.metric();
        record.value = rollback.value();
        record.at = now.toString();
        record.message = message;
        return record;
    }

    /**
     * Why {@code deployment} rolled back version {@code from}, read from the version's mark (the
     * mark is {@code "<deployment>: <why>"}); empty when this deployment left no mark on it.
     */
    static Optional<String> markedWhy(
            List<ModelVersion> modelVersions, String deployment, int from) {
        String prefix = deployment + ": ";
        return modelVersions.stream()
                .filter(mv -> VersionResolver.number(mv) == from)
                .map(mv -> mv.getMetadata().getAnnotations())
                .filter(Objects::nonNull)
                .map(a -> a.get(ModelVersion.ROLLED_BACK_ANNOTATION))
                .filter(a -> a != null && a.startsWith(prefix))
                .map(a -> a.substring(prefix.length()))
                .findFirst();
    }

    /** Whether the newest rollback in status went to {@code version}. */
    static boolean lastRollbackWentTo(List<RollbackRecord> rollbacks, int version) {
        return rollbacks.stream()
                .findFirst()
                .map(r -> Objects.equals(r.toVersion, version))
                .orElse(false);
    }
}
