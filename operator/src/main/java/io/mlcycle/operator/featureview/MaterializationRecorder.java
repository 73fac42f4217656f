package io.mlcycle.operator.featureview;

import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.FeatureViewStatus;
import io.mlcycle.operator.api.featureview.FeatureViewStatus.Materialization;
import io.mlcycle.operator.common.EventRecorder;
import io.mlcycle.task.PivotSummary;
import io.mlcycle.task.Summary;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;

import static io.mlcycle.operator.featureview.FeatureViewReconciler.HISTORY;
import static io.mlcycle.operator.featureview.FeatureViewReconciler.ONLINE_SYNCED;
import static io.mlcycle.operator.featureview.FeatureViewReconciler.ONLINE_WRITE_FAILED;
import static io.mlcycle.operator.featureview.FeatureViewReconciler.VALIDATION_FAILED;
import static io.mlcycle.operator.featureview.FeatureViewReconciler.WAITING_FOR_DATA;

/**
 * Records a FeatureView's finished pivot runs: the pod's summary into {@code latest}, {@code
 * history}, {@code waiting} and {@code online}, an Event a person should notice, and the conditions
 * computed from that status.
 */
@ApplicationScoped
public class MaterializationRecorder {

    @Inject EventRecorder events;

    /** Whether a finished materialization of this Job is in status already. */
    static boolean recorded(FeatureViewStatus status, String job) {
        return status.history.stream().anyMatch(h -> job.equals(h.job))
                || status.waiting.stream().anyMatch(w -> job.equals(w.job))
                || (status.latest != null && job.equals(status.latest.job));
    }

    /** {@code as-of <date> (<Job|SparkApplication> <name>}: how every Event names a run. */
    static String describe(Materialization m) {
        String kind =
                FeatureViewSpec.Engine.spark.name().equals(m.engine) ? "SparkApplication" : "Job";
        return "as-of " + m.asOf + " (" + kind + " " + m.job;
    }

    /** The run {@code active} as it finished: its outcome and the pivot's figures. */
    private static Materialization finished(Materialization active, Summary summary, Instant now) {
        Materialization m = new Materialization();
        m.asOf = active.asOf;
        m.job = active.job;
        m.engine = active.engine;
        m.attempt = active.attempt;
        m.trigger = active.trigger;
        m.startedAt = active.startedAt;
        m.completedAt = now.toString();
        m.outcome = summary.outcome().name();
        m.reason = summary.reason();
        m.message = summary.message();
        m.uri = summary.uri();
        Map<String, Double> f = summary.figures() == null ? Map.of() : summary.figures();
        m.entities = asLong(f.get(PivotSummary.ENTITIES));
        m.features = asLong(f.get(PivotSummary.FEATURES));
        m.columns = PivotSummary.columns(summary);
        m.nonZeros = asLong(f.get(PivotSummary.NON_ZEROS));
        m.sparsity = f.get(PivotSummary.SPARSITY);
        m.sourceRows = asLong(f.get(PivotSummary.SOURCE_ROWS));
        m.filteredRows = asLong(f.get(PivotSummary.FILTERED_ROWS));
        m.seconds = f.get(PivotSummary.SECONDS);
        return m;
    }

    /** Copies one finished materialization into status and tells a person about it. */
    void record(
            FeatureView fv,
            FeatureViewStatus status,
            Materialization active,
            Summary summary,
            Instant now) {
        Materialization m = finished(active, summary, now);
        if (summary.outcome() == Summary.Outcome.Succeeded) {
            recordOnline(status, m, summary, now);
        }
        if (summary.outcome() == Summary.Outcome.Failed
                && ONLINE_WRITE_FAILED.equals(summary.reason())
                && summary.uri() != null) {
            // The offline table was published before the online write failed: training reads it.
            if (status.latest == null || status.latest.asOf.compareTo(m.asOf) <= 0) {
                status.latest = m;
            }
            addHistory(status, m);
            events.warningOnce(
                    fv,
                    ONLINE_WRITE_FAILED,
                    describe(m)
                            + ") published at "
                            + m.uri
                            + " but not written to the online store: "
                            + m.message);
            return;
        }
        switch (summary.outcome()) {
            case Succeeded -> {
                status.latest = m;
                addHistory(status, m);
                events.normalOnce(
                        fv,
                        FeatureViewConditions.MATERIALIZED,
                        describe(m)
                                + "): "
                                + m.entities
                                + " entities, "
                                + m.features
                                + " features, sparsity "
                                + m.sparsity
                                + " at "
                                + m.uri);
            }
            case WaitingForData -> {
                m.nextAttemptAt = MaterializationPlanner.nextAttempt(fv.getSpec(), now).toString();
                status.waiting.removeIf(w -> m.asOf.equals(w.asOf));
                status.waiting.add(m);
                events.normalOnce(
                        fv,
                        WAITING_FOR_DATA,
                        describe(m)
                                + ", attempt "
                                + m.attempt
                                + ") waits for data, next try in "
                                + fv.getSpec().source.pollInterval
                                + ": "
                                + m.message);
            }
            case ValidationFailed -> {
                addHistory(status, m);
                events.warningOnce(
                        fv,
                        VALIDATION_FAILED,
                        describe(m) + ") failed validation (" + m.reason + "): " + m.message);
            }
            default -> {
                addHistory(status, m);
                events.warningOnce(
                        fv,
                        FeatureViewConditions.MATERIALIZATION_FAILED,
                        describe(m) + ") failed (" + m.reason + "): " + m.message);
            }
        }
    }

    /**
     * Copies the online write of a successful pivot (figures {@code onlineEntities}, {@code
     * onlineSwitched}; details {@code onlineVersion}, {@code onlineAsOf}, {@code onlineWrittenAt})
     * into {@code status.online}; a write that did not switch (an older backfill) leaves it alone.
     */
    static void recordOnline(
            FeatureViewStatus status, Materialization m, Summary summary, Instant now) {
        Map<String, Double> f = summary.figures() == null ? Map.of() : summary.figures();
        if (!f.containsKey(PivotSummary.ONLINE_ENTITIES)) {
            return;
        }
        Double switched = f.get(PivotSummary.ONLINE_SWITCHED);
        if (switched != null && switched == 0) {
            return;
        }
        Map<String, Object> d = summary.details() == null ? Map.of() : summary.details();
        FeatureViewStatus.Online online = new FeatureViewStatus.Online();
        online.asOf = d.get(PivotSummary.ONLINE_AS_OF) instanceof String s ? s : m.asOf;
        online.version = d.get(PivotSummary.ONLINE_VERSION) instanceof String s ? s : null;
        online.entities = asLong(f.get(PivotSummary.ONLINE_ENTITIES));
        online.columns = asLong(f.get(PivotSummary.ONLINE_COLUMNS));
        online.writtenAt =
                d.get(PivotSummary.ONLINE_WRITTEN_AT) instanceof String s ? s : now.toString();
        status.online = online;
    }

    /**
     * {@code OnlineSynced}: True when the online store serves the latest table's as-of; removed
     * (with {@code status.online}) when the view has no {@code spec.online}.
     */
    static void setOnlineCondition(
            FeatureViewSpec spec, FeatureViewStatus status, Long generation, Instant now) {
        if (spec.online == null) {
            Conditions.remove(status, ONLINE_SYNCED);
            status.online = null;
            return;
        }
        Materialization last = status.history.isEmpty() ? null : status.history.get(0);
        if (last != null && ONLINE_WRITE_FAILED.equals(last.reason)) {
            Conditions.set(
                    status,
                    ONLINE_SYNCED,
                    false,
                    ONLINE_WRITE_FAILED,
                    "as-of " + last.asOf + ": " + last.message,
                    generation,
                    now);
        } else if (status.latest == null) {
            Conditions.set(
                    status,
                    ONLINE_SYNCED,
                    false,
                    FeatureViewConditions.NOT_MATERIALIZED,
                    "no materialization has succeeded yet",
                    generation,
                    now);
        } else if (status.online == null || onlineStale(status)) {
            Conditions.set(
                    status,
                    ONLINE_SYNCED,
                    false,
                    FeatureViewConditions.BEHIND,
                    "online store serves "
                            + (status.online == null ? "nothing" : "as-of " + status.online.asOf)
                            + ", the latest table is as-of "
                            + status.latest.asOf,
                    generation,
                    now);
        } else {
            Conditions.set(
                    status,
                    ONLINE_SYNCED,
                    true,
                    FeatureViewConditions.SYNCED,
                    "online store serves as-of "
                            + status.online.asOf
                            + " ("
                            + status.online.entities
                            + " entities, version "
                            + status.online.version
                            + ")",
                    generation,
                    now);
        }
    }

    /** True when the latest table is newer than what the online store serves (or it has none). */
    public static boolean onlineStale(FeatureViewStatus status) {
        if (status == null || status.latest == null || status.latest.asOf == null) {
            return false;
        }
        return status.online == null
                || status.online.asOf == null
                || status.online.asOf.compareTo(status.latest.asOf) < 0;
    }

    private static void addHistory(FeatureViewStatus status, Materialization m) {
        status.history.add(0, m);
        while (status.history.size() > HISTORY) {
            status.history.remove(status.history.size() - 1);
        }
    }

    private static Long asLong(Double d) {
        return d == null ? null : Math.round(d);
    }

    /** Ready, Progressing, Degraded, WaitingForData, ValidationFailed and the phase. */
    static void setConditions(FeatureViewStatus status, Long generation, Instant now) {
        Materialization last = status.history.isEmpty() ? null : status.history.get(0);
        boolean lastFailed = last != null && !"Succeeded".equals(last.outcome);
        setReady(status, last, lastFailed, generation, now);
        boolean progressing = !status.active.isEmpty() || !status.queued.isEmpty();
        Conditions.set(
                status,
                Conditions.PROGRESSING,
                progressing,
                progressing ? FeatureViewConditions.MATERIALIZING : FeatureViewConditions.IDLE,
                progressing
                        ? "running: "
                                + status.active.stream()
                                        .map(a -> a.job)
                                        .collect(Collectors.joining(", "))
                                + (status.queued.isEmpty()
                                        ? ""
                                        : "; queued as-of: "
                                                + status.queued.stream()
                                                        .map(q -> q.asOf)
                                                        .collect(Collectors.joining(", ")))
                        : "no materialization running",
                generation,
                now);
        Conditions.setDegraded(
                status,
                lastFailed,
                lastFailed ? last.reason : null,
                lastFailed ? "as-of " + last.asOf + ": " + last.message : null,
                generation,
                now);
        boolean waiting = !status.waiting.isEmpty();
        Conditions.set(
                status,
                WAITING_FOR_DATA,
                waiting,
                waiting
                        ? FeatureViewConditions.PARTITIONS_MISSING
                        : FeatureViewConditions.DATA_AVAILABLE,
                waiting
                        ? status.waiting.stream()
                                .map(
                                        w ->
                                                "as-of "
                                                        + w.asOf
                                                        + " (attempt "
                                                        + w.attempt
                                                        + ", next try "
                                                        + w.nextAttemptAt
                                                        + "): "
                                                        + w.message)
                                .collect(Collectors.joining("; "))
                        : "",
                generation,
                now);
        boolean validationFailed = last != null && VALIDATION_FAILED.equals(last.outcome);
        Conditions.set(
                status,
                VALIDATION_FAILED,
                validationFailed,
                validationFailed ? last.reason : FeatureViewConditions.PASSED,
                validationFailed ? "as-of " + last.asOf + ": " + last.message : "",
                generation,
                now);
        status.phase = phase(status, waiting, lastFailed);
    }

    /** Ready: True with the latest table, else why not yet (waiting, the last failure, running). */
    private static void setReady(
            FeatureViewStatus status,
            Materialization last,
            boolean lastFailed,
            Long generation,
            Instant now) {
        if (status.latest != null) {
            Conditions.set(
                    status,
                    Conditions.READY,
                    true,
                    FeatureViewConditions.MATERIALIZED,
                    "as-of "
                            + status.latest.asOf
                            + ": "
                            + status.latest.entities
                            + " entities, "
                            + status.latest.features
                            + " features",
                    generation,
                    now);
        } else {
            String reason =
                    !status.waiting.isEmpty()
                            ? WAITING_FOR_DATA
                            : lastFailed
                                    ? last.reason
                                    : !status.active.isEmpty() ? "Materializing" : "Pending";
            Conditions.set(
                    status,
                    Conditions.READY,
                    false,
                    reason,
                    "no materialization has succeeded yet",
                    generation,
                    now);
        }
    }

    private static FeatureViewStatus.Phase phase(
            FeatureViewStatus status, boolean waiting, boolean lastFailed) {
        if (!status.active.isEmpty()) {
            return FeatureViewStatus.Phase.Materializing;
        }
        if (waiting) {
            return FeatureViewStatus.Phase.WaitingForData;
        }
        if (lastFailed) {
            return FeatureViewStatus.Phase.Failed;
        }
        return status.latest != null
                ? FeatureViewStatus.Phase.Ready
                : FeatureViewStatus.Phase.Pending;
    }
}
