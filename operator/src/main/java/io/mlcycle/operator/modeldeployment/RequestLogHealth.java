package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.Condition;
import io.mlcycle.operator.analysis.PrometheusClient;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.common.EventRecorder;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * {@code spec.requestLog} as Prometheus sees it: after an analysis round, the served version's
 * request-log rows lost over the interval ({@code failed}: not written or published, {@code
 * dropped}: queue full). Any set RequestLogHealthy False with the counts and the log's URI (a
 * Warning as it turns), none set it True; without {@code spec.rollback.prometheus} it is absent.
 */
final class RequestLogHealth {

    static final String TYPE = ModelDeploymentConditions.REQUEST_LOG_HEALTHY;

    /** Rows the pods of one version lost over the window, by outcome. */
    record Lost(long failed, long dropped) {}

    /**
     * The condition to write and, when it turns, the Event to record (null: none).
     *
     * @param eventType Normal or Warning, with {@code eventReason}
     */
    record Decision(
            boolean healthy, String reason, String message, String eventType, String eventReason) {}

    private RequestLogHealth() {}

    /** Sums the lost rows of a {@code sum by (outcome)} vector (an outcome absent: none lost). */
    static Lost lost(List<PrometheusClient.Series> series) {
        double failed = 0;
        double dropped = 0;
        for (PrometheusClient.Series s : series) {
            String outcome = s.labels().get("outcome");
            if ("failed".equals(outcome)) {
                failed += s.value();
            } else if ("dropped".equals(outcome)) {
                dropped += s.value();
            }
        }
        // increase() extrapolates to fractions; any increase at all is a lost row
        return new Lost(rows(failed), rows(dropped));
    }

    private static long rows(double increase) {
        return Double.isFinite(increase) && increase > 0 ? (long) Math.ceil(increase) : 0;
    }

    /** What the condition says after a round that saw {@code lost}, given the last one. */
    static Decision decide(
            Optional<Condition> previous, Lost lost, String uri, int version, Duration window) {
        boolean wasFalse = previous.map(c -> Conditions.FALSE.equals(c.getStatus())).orElse(false);
        if (lost.failed() == 0 && lost.dropped() == 0) {
            String message =
                    "no request-log rows of version "
                            + version
                            + " failed or dropped over the last "
                            + window.toSeconds()
                            + "s ("
                            + uri
                            + ")";
            return new Decision(
                    true,
                    ModelDeploymentConditions.REQUEST_LOG_WRITING,
                    message,
                    wasFalse ? EventRecorder.NORMAL : null,
                    wasFalse ? ModelDeploymentConditions.REQUEST_LOG_RECOVERED : null);
        }
        String reason =
                lost.failed() > 0
                        ? ModelDeploymentConditions.REQUEST_LOG_FAILING
                        : ModelDeploymentConditions.REQUEST_LOG_DROPPING;
        String message =
                "request log "
                        + uri
                        + " of version "
                        + version
                        + " lost rows over the last "
                        + window.toSeconds()
                        + "s: "
                        + lost.failed()
                        + " failed (not written or published), "
                        + lost.dropped()
                        + " dropped (queue full); inference is unaffected, see"
                        + " mlcycle_request_log_rows_total and the pods' logs";
        boolean turns = !wasFalse || !reason.equals(previous.get().getReason());
        return new Decision(
                false,
                reason,
                message,
                turns ? EventRecorder.WARNING : null,
                turns ? reason : null);
    }

    /** Queries, decides and records, after an analysis round that measured {@code version}. */
    static void check(
            AnalysisQueries.Round round,
            EventRecorder events,
            ModelDeployment md,
            ModelDeploymentStatus status,
            int version,
            Duration interval,
            Instant now) {
        ModelDeploymentSpec spec = md.getSpec();
        if (spec.requestLog == null || spec.rollback == null) {
            Conditions.remove(status, TYPE);
            return;
        }
        PrometheusClient.Vector v = round.requestLogLosses(version, interval);
        if (v.failure() != null) {
            // unknown this round: the condition stays as the last round that knew left it
            return;
        }
        Decision d =
                decide(
                        Conditions.find(status.conditions, TYPE),
                        lost(v.series()),
                        spec.requestLog.uri,
                        version,
                        interval);
        Conditions.set(
                status,
                TYPE,
                d.healthy(),
                d.reason(),
                d.message(),
                md.getMetadata().getGeneration(),
                now);
        if (d.eventReason() != null) {
            events.record(md, d.eventType(), d.eventReason(), d.message());
        }
    }
}
