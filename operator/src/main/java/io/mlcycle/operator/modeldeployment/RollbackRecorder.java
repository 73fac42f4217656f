package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.analysis.Decision;
import io.mlcycle.operator.analysis.WebhookNotifier;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
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
import java.util.List;
import java.util.Optional;

/**
 * Records a decided rollback: the version marked (so latestApproved skips it), the record first in
 * status with the RolledBack condition, an Event, and the webhook.
 */
@ApplicationScoped
public class RollbackRecorder {

    private static final Logger LOG = Logger.getLogger(RollbackRecorder.class);

    private final EventRecorder events;
    private final AnalysisSecrets secrets;
    private final WebhookNotifier webhook;
    private final FeatureCompatibility compatibility;

    @Inject
    public RollbackRecorder(
            EventRecorder events,
            AnalysisSecrets secrets,
            OutboundPolicy outbound,
            FeatureCompatibility compatibility) {
        this.events = events;
        this.secrets = secrets;
        this.compatibility = compatibility;
        this.webhook = new WebhookNotifier(Duration.ofSeconds(5), outbound);
    }

    /**
     * Rolls back the served {@code bad} to the highest good version below it whose features the
     * current tables hold (the Event names those skipped); false (Degraded NoRollbackTarget) when
     * there is none.
     */
    boolean rollBack(
            ServingWriter writer,
            ModelDeployment md,
            ModelDeploymentStatus status,
            ModelVersion bad,
            List<ModelVersion> modelVersions,
            Decision.Rollback rollback,
            Instant now) {
        int from = VersionResolver.number(bad);
        FeatureCoverage.Choice choice = compatibility.rollbackTarget(md, modelVersions, from);
        String skipped =
                FeatureCompatibility.skippedText(
                        choice.skipped(), FeatureCompatibility.threshold(md));
        Optional<ModelVersion> to = choice.target();
        if (to.isEmpty()) {
            String message = RollbackDecisions.noTargetMessage(from, rollback) + skipped;
            Conditions.set(
                    status,
                    Conditions.DEGRADED,
                    true,
                    ModelDeploymentConditions.NO_ROLLBACK_TARGET,
                    message,
                    md.getMetadata().getGeneration(),
                    now);
            events.warning(md, "RollbackImpossible", message);
            return false;
        }
        int toVersion = VersionResolver.number(to.get());
        String message = RollbackDecisions.rolledBackMessage(from, toVersion, rollback) + skipped;
        record(
                writer,
                md,
                status,
                bad,
                toVersion,
                rollback,
                message,
                ModelDeploymentConditions.REASON_ROLLED_BACK,
                now);
        return true;
    }

    /**
     * Marks {@code bad} rolled back, records it in status with the RolledBack condition, and tells
     * people: an Event with {@code reason} and the webhook.
     */
    void record(
            ServingWriter writer,
            ModelDeployment md,
            ModelDeploymentStatus status,
            ModelVersion bad,
            int toVersion,
            Decision.Rollback rollback,
            String message,
            String reason,
            Instant now) {
        writer.markRolledBack(md, bad, rollback.message());
        RollbackRecord record =
                RollbackDecisions.record(
                        VersionResolver.number(bad), toVersion, rollback, message, now);
        add(md, status, record, RollbackDecisions.conditionReason(reason, rollback), now);
        events.warning(md, reason, message);
        LOG.infof("%s/%s %s", md.getMetadata().getNamespace(), md.getMetadata().getName(), message);
        notifyWebhook(md, message, reason);
    }

    /**
     * A rollback this deployment decided whose status write was lost (the operator stopped after
     * marking the version, before writing status): the served version carries this deployment's
     * mark and the status has no record of it, so it is recorded now from the mark. Returns whether
     * it was.
     */
    boolean recordLost(
            ModelDeployment md,
            ModelDeploymentStatus status,
            List<ModelVersion> modelVersions,
            int from,
            int to,
            Instant now) {
        Optional<String> why =
                RollbackDecisions.markedWhy(modelVersions, md.getMetadata().getName(), from);
        if (why.isEmpty()) {
            return false;
        }
        RollbackRecord record = new RollbackRecord();
        record.fromVersion = from;
        record.toVersion = to;
        record.at = now.toString();
        record.message = "rolled back from version " + from + " to " + to + ": " + why.get();
        add(md, status, record, ModelDeploymentConditions.REASON_ROLLED_BACK, now);
        return true;
    }

    /**
     * Puts the rollback first in status, keeping the last ModelDeploymentReconciler.MAX_ROLLBACKS,
     * and sets RolledBack with {@code reason} and the record's message.
     */
    private static void add(
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

    private void notifyWebhook(ModelDeployment md, String message, String reason) {
        if (md.getSpec().rollback.webhook == null) {
            return;
        }
        String ns = md.getMetadata().getNamespace();
        String name = md.getMetadata().getName();
        try {
            String url = secrets.webhookUrl(ns, md.getSpec().rollback.webhook);
            webhook.post(
                    url,
                    WebhookNotifier.body(
                            "mlcycle: ModelDeployment " + ns + "/" + name + " " + message,
                            name,
                            ns,
                            reason));
        } catch (IOException | IllegalArgumentException | AnalysisSecrets.Unusable e) {
            // the notifier's messages name the host, never a URL from a Secret
            events.warning(md, "WebhookFailed", e.getMessage());
        }
    }
}
