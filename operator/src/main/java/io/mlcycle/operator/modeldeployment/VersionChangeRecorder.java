package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.common.EventRecorder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.List;

/**
 * Records a change of the served version: previousVersion, an Event (Deployed or VersionChanged), a
 * rollback whose status write was lost recorded from the version's mark, and RolledBack cleared
 * once a new version serves.
 */
@ApplicationScoped
public class VersionChangeRecorder {

    private final EventRecorder events;
    private final RollbackRecorder rollbacks;

    @Inject
    public VersionChangeRecorder(EventRecorder events, RollbackRecorder rollbacks) {
        this.events = events;
        this.rollbacks = rollbacks;
    }

    void record(
            ModelDeployment md,
            ModelDeploymentStatus status,
            List<ModelVersion> modelVersions,
            ModelVersion target,
            Instant now) {
        int targetVersion = VersionResolver.number(target);
        Integer current = status.currentVersion;
        if (current != null && current == targetVersion) {
            return;
        }
        String name = target.getMetadata().getName();
        if (current == null) {
            events.normal(md, "Deployed", "serving " + name + " (version " + targetVersion + ")");
        } else {
            status.previousVersion = current;
            events.normal(
                    md,
                    "VersionChanged",
                    "serving " + name + " (version " + targetVersion + ", was " + current + ")");
            boolean rollback =
                    RollbackDecisions.lastRollbackWentTo(status.rollbacks, targetVersion)
                            || rollbacks.recordLost(
                                    md, status, modelVersions, current, targetVersion, now);
            if (!rollback && Conditions.isTrue(status, ModelDeploymentReconciler.ROLLED_BACK)) {
                Conditions.set(
                        status,
                        ModelDeploymentReconciler.ROLLED_BACK,
                        false,
                        ModelDeploymentConditions.NEW_VERSION,
                        "serving version " + targetVersion + " since the last rollback",
                        md.getMetadata().getGeneration(),
                        now);
            }
        }
        status.currentVersion = targetVersion;
    }
}
