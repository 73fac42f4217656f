package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.analysis.AnalysisStep;
import io.mlcycle.operator.analysis.Decision;
import io.mlcycle.operator.analysis.PrometheusClient;
import io.mlcycle.operator.analysis.QueryResult;
import io.mlcycle.operator.analysis.QueryTemplate;
import io.mlcycle.operator.analysis.Skew;
import io.mlcycle.operator.analysis.WebhookNotifier;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.RollbackRecord;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.common.EventRecorder;
import io.mlcycle.operator.common.OutboundPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Rollback analysis of the served version: Prometheus queries each interval ({@link AnalysisStep}
 * decides), and a decided rollback recorded — the version marked, status, an Event, the webhook.
 * The canary's analysis uses the same Prometheus client and recording.
 */
@ApplicationScoped
public class RollbackAnalysis {

    private static final Logger LOG = Logger.getLogger(RollbackAnalysis.class);

    @Inject EventRecorder events;

    @Inject AnalysisSecrets secrets;

    /** The condition a Prometheus URL the outbound policy refuses sets (no query is sent). */
    public static final String OUTBOUND_REFUSED = "OutboundRefused";

    private final OutboundPolicy outbound;
    private final PrometheusClient prometheus;
    private final WebhookNotifier webhook;

    @Inject
    public RollbackAnalysis(OutboundPolicy outbound) {
        this.outbound = outbound;
        this.prometheus = new PrometheusClient(Duration.ofSeconds(5), outbound);
        this.webhook = new WebhookNotifier(Duration.ofSeconds(5), outbound);
    }

    PrometheusClient prometheus() {
        return prometheus;
    }

    /**
     * Runs an analysis round when one is due. Returns the delay until the next round, or null when
     * this round rolled back {@code served}.
     */
    Duration analyse(
            ServingWriter writer,
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
        Optional<String> refused = outbound.refusal(rb.prometheus.url, PrometheusClient.URL_FIELD);
        if (refused.isPresent()) {
            // a configuration error is no evidence against the version: no round, no failure
            Conditions.set(status, OUTBOUND_REFUSED, true, "HostRefused", refused.get(), gen, now);
            events.warningOnce(md, OUTBOUND_REFUSED, refused.get());
            return interval;
        }
        Conditions.remove(status, OUTBOUND_REFUSED);
        String name = md.getMetadata().getName();
        String ns = md.getMetadata().getNamespace();
        List<AnalysisStep.Measured> measured = new ArrayList<>();
        for (ModelDeploymentSpec.Metric m : rb.metrics) {
            measured.add(
                    new AnalysisStep.Measured(
                            m.name,
                            m.min,
                            m.max,
                            measure(rb, m, name, ns, version),
                            null,
                            0,
                            samples(rb, m, name, ns, version)));
        }
        AnalysisStep.Outcome outcome =
                AnalysisStep.evaluate(
                        previous,
                        version,
                        measured,
                        Defaults.copy(rb).failureThreshold,
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
                            + Defaults.copy(rb).failureThreshold
                            + " before rollback)");
        }
        if (!(decision instanceof Decision.Rollback)) {
            Conditions.find(status.conditions, Conditions.DEGRADED)
                    .filter(c -> "NoRollbackTarget".equals(c.getReason()))
                    .ifPresent(c -> Conditions.remove(status, Conditions.DEGRADED));
        }
        if (decision instanceof Decision.Rollback rollback) {
            return rollBack(writer, md, status, served, modelVersions, rollback, now)
                    ? null
                    : interval;
        }
        return interval;
    }

    /** A vector query against {@code spec.rollback.prometheus}, with its credentials. */
    PrometheusClient.Vector queryVector(ModelDeploymentSpec.Rollback rb, String ns, String promql) {
        try {
            return prometheus.queryVector(
                    rb.prometheus.url, secrets.prometheusHeaders(ns, rb.prometheus), promql);
        } catch (AnalysisSecrets.Unusable e) {
            return new PrometheusClient.Vector(
                    List.of(),
                    new QueryResult.Inconclusive("Prometheus credentials: " + e.getMessage()));
        }
    }

    /** What the metric gives for {@code version}: its query's value, or a built-in's. */
    QueryResult measure(
            ModelDeploymentSpec.Rollback rb,
            ModelDeploymentSpec.Metric m,
            String name,
            String ns,
            int version) {
        Map<String, String> auth;
        try {
            auth = secrets.prometheusHeaders(ns, rb.prometheus);
        } catch (AnalysisSecrets.Unusable e) {
            return QueryResult.inconclusive("Prometheus credentials: " + e.getMessage());
        }
        if (ModelDeploymentSpec.Metric.SKEW.equals(m.builtin)) {
            // the server's series of this deployment's pods of the version (FeatureDrift)
            String selector = "{deployment=\"" + name + "\",version=\"" + version + "\"}";
            String window = Defaults.copy(m).window;
            PrometheusClient.Vector served =
                    prometheus.queryVector(
                            rb.prometheus.url,
                            auth,
                            "sum by (feature, bin) (increase(mlcycle_feature_bin_total"
                                    + selector
                                    + "["
                                    + window
                                    + "]))");
            PrometheusClient.Vector training =
                    served.failure() != null
                            ? served
                            : prometheus.queryVector(
                                    rb.prometheus.url,
                                    auth,
                                    "max by (feature, bin) (mlcycle_feature_training_share"
                                            + selector
                                            + ")");
            return training.failure() != null
                    ? training.failure()
                    : Skew.judge(served.series(), training.series());
        }
        return prometheus.query(
                rb.prometheus.url, auth, QueryTemplate.render(m.query, name, ns, version));
    }

    /** The metric's minSamples counted for {@code version}; null when it declares none. */
    AnalysisStep.Samples samples(
            ModelDeploymentSpec.Rollback rb,
            ModelDeploymentSpec.Metric m,
            String name,
            String ns,
            int version) {
        if (m.minSamples == null) {
            return null;
        }
        QueryResult count;
        try {
            count =
                    prometheus.query(
                            rb.prometheus.url,
                            secrets.prometheusHeaders(ns, rb.prometheus),
                            QueryTemplate.render(m.minSamples.query, name, ns, version));
        } catch (AnalysisSecrets.Unusable e) {
            count = QueryResult.inconclusive("Prometheus credentials: " + e.getMessage());
        }
        return new AnalysisStep.Samples(m.minSamples.count, count);
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
                    inconclusive.tooFewSamples() ? "TooFewSamples" : reason,
                    prefix + inconclusive.reason(),
                    gen,
                    now);
        } else {
            Conditions.set(
                    status,
                    ModelDeploymentReconciler.ANALYSIS_INCONCLUSIVE,
                    false,
                    "MetricsAvailable",
                    "every metric returned a value",
                    gen,
                    now);
        }
    }

    /** Marks {@code bad} rolled back and records it; false when there is nothing to go back to. */
    private boolean rollBack(
            ServingWriter writer,
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
        recordRollback(writer, md, status, bad, toVersion, rollback, message, "RolledBack", now);
        return true;
    }

    /**
     * Puts the rollback first in status, keeping the last ModelDeploymentReconciler.MAX_ROLLBACKS,
     * and sets RolledBack with {@code reason} and the record's message.
     */
    private static void addRollback(
            ModelDeployment md,
            ModelDeploymentStatus status,
            RollbackRecord record,
            String reason,
            Instant now) {
        status.rollbacks.add(0, record);
        while (status.rollbacks.size() > ModelDeploymentReconciler.MAX_ROLLBACKS) {
            status.rollbacks.remove(status.rollbacks.size() - 1);
        }
        Conditions.set(
                status,
                ModelDeploymentReconciler.ROLLED_BACK,
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
    boolean recordLostRollback(
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
            ServingWriter writer,
            ModelDeployment md,
            ModelDeploymentStatus status,
            ModelVersion bad,
            int toVersion,
            Decision.Rollback rollback,
            String message,
            String reason,
            Instant now) {
        String why = rollback.message();
        writer.markRolledBack(md, bad, why);

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
        if (md.getSpec().rollback.webhook != null) {
            try {
                String url =
                        secrets.webhookUrl(
                                md.getMetadata().getNamespace(), md.getSpec().rollback.webhook);
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
            } catch (IOException | IllegalArgumentException | AnalysisSecrets.Unusable e) {
                // the notifier's messages name the host, never a URL from a Secret
                events.warning(md, "WebhookFailed", e.getMessage());
            }
        }
    }

    /**
     * When the served version changes: previousVersion, an Event (Deployed or VersionChanged), a
     * rollback whose status write was lost recorded from the version's mark, and RolledBack cleared
     * once a new version serves.
     */
    void recordVersion(
            ModelDeployment md,
            ModelDeploymentStatus status,
            List<ModelVersion> modelVersions,
            ModelVersion target,
            Instant now) {
        Long gen = md.getMetadata().getGeneration();
        int targetVersion = VersionResolver.number(target);
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
                if (!rollback && Conditions.isTrue(status, ModelDeploymentReconciler.ROLLED_BACK)) {
                    Conditions.set(
                            status,
                            ModelDeploymentReconciler.ROLLED_BACK,
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
    }
}
