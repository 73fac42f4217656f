package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Phase;

import java.time.Instant;
import java.util.Optional;

/**
 * Pure: a serving Deployment's status mapped to the ModelDeployment's Available, Ready, Progressing
 * and Degraded conditions and its phase (no API call; the reconciler writes status if it changed).
 */
final class Readiness {

    private Readiness() {}

    /** Maps the Deployment's status to Available, Ready, Progressing, Degraded and the phase. */
    static void set(
            ModelDeployment md, ModelDeploymentStatus status, Deployment d, Long gen, Instant now) {
        set(md, status, d, Defaults.copy(md.getSpec()).replicas, gen, now);
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

    /**
     * True when the pods serving now are all of the Deployment's current template and one of them
     * is ready: the Deployment controller has seen the template, no pod of an older one is left, so
     * metrics labelled with the template's version come from its pods. While a rollout is under way
     * {@code readyReplicas} also counts the old pods.
     */
    static boolean servesCurrentTemplate(Deployment d) {
        var ds = d == null ? null : d.getStatus();
        if (ds == null || ds.getReadyReplicas() == null || ds.getReadyReplicas() < 1) {
            return false;
        }
        boolean observed =
                ds.getObservedGeneration() == null
                        || d.getMetadata().getGeneration() == null
                        || ds.getObservedGeneration() >= d.getMetadata().getGeneration();
        boolean oldPodsGone =
                ds.getReplicas() == null
                        || ds.getUpdatedReplicas() == null
                        || ds.getUpdatedReplicas() >= ds.getReplicas();
        return observed && oldPodsGone;
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
    static void set(
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
        status.ready = ready + "/" + wanted;

        Optional<DeploymentCondition> stuck = stuckCondition(ds);
        String version = String.valueOf(status.currentVersion);
        boolean available = wanted > 0 ? ready >= wanted : true;
        String availableMessage =
                ready + " of " + wanted + " serving pods ready (version " + version + ")";
        Conditions.set(
                status,
                ModelDeploymentReconciler.AVAILABLE,
                available,
                available
                        ? ModelDeploymentConditions.MINIMUM_REPLICAS_AVAILABLE
                        : ModelDeploymentConditions.MINIMUM_REPLICAS_UNAVAILABLE,
                availableMessage,
                gen,
                now);
        Conditions.set(
                status,
                Conditions.READY,
                available && rolledOut,
                available && rolledOut
                        ? ModelDeploymentConditions.SERVING
                        : ModelDeploymentConditions.ROLLING_OUT,
                availableMessage,
                gen,
                now);
        Conditions.set(
                status,
                Conditions.PROGRESSING,
                !rolledOut,
                rolledOut
                        ? ModelDeploymentConditions.ROLLOUT_COMPLETE
                        : ModelDeploymentConditions.ROLLING_OUT,
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
        degraded(status, stuck, gen, now);
        status.phase = phase(status, available, rolledOut);
    }

    /**
     * Degraded: True with a stuck rollout's reason; False otherwise, unless it says that no version
     * is left to roll back to (analysis clears that one).
     */
    private static void degraded(
            ModelDeploymentStatus status,
            Optional<DeploymentCondition> stuck,
            Long gen,
            Instant now) {
        boolean noRollbackTarget =
                Conditions.find(status.conditions, Conditions.DEGRADED)
                        .map(
                                c ->
                                        ModelDeploymentConditions.NO_ROLLBACK_TARGET.equals(
                                                        c.getReason())
                                                && Conditions.TRUE.equals(c.getStatus()))
                        .orElse(false);
        if (stuck.isPresent()) {
            Conditions.set(
                    status,
                    Conditions.DEGRADED,
                    true,
                    stuck.get().getReason() == null
                            ? ModelDeploymentConditions.ROLLOUT_FAILED
                            : stuck.get().getReason(),
                    stuck.get().getMessage(),
                    gen,
                    now);
        } else if (!noRollbackTarget) {
            Conditions.set(
                    status,
                    Conditions.DEGRADED,
                    false,
                    ModelDeploymentConditions.AS_EXPECTED,
                    "",
                    gen,
                    now);
        }
    }

    /** The phase the conditions add up to. */
    static Phase phase(ModelDeploymentStatus status, boolean available, boolean rolledOut) {
        if (Conditions.isTrue(status, Conditions.DEGRADED)) {
            return Phase.Degraded;
        }
        if (Conditions.isTrue(status, ModelDeploymentReconciler.ROLLED_BACK) && available) {
            return Phase.RolledBack;
        }
        return available && rolledOut ? Phase.Available : Phase.Progressing;
    }

    /** No version to serve: Pending, not Available, Ready or Progressing, for {@code reason}. */
    static void unresolved(
            ModelDeploymentStatus status, String reason, String message, Long gen, Instant now) {
        status.phase = Phase.Pending;
        Conditions.set(
                status, ModelDeploymentReconciler.AVAILABLE, false, reason, message, gen, now);
        Conditions.set(status, Conditions.READY, false, reason, message, gen, now);
        Conditions.set(status, Conditions.PROGRESSING, false, reason, message, gen, now);
    }

    /**
     * No pod may start or change ({@code reason}, e.g. StorageCredentialsMissing): Degraded, not
     * Ready or Progressing, phase Failed; Available is left as the serving pods have it. Returns
     * whether this is news (not already the Degraded reason and message), to warn once.
     */
    static boolean blocked(
            ModelDeploymentStatus status, String reason, String message, Long gen, Instant now) {
        boolean already =
                Conditions.find(status.conditions, Conditions.DEGRADED)
                        .map(c -> reason.equals(c.getReason()) && message.equals(c.getMessage()))
                        .orElse(false);
        status.phase = Phase.Failed;
        Conditions.set(status, Conditions.DEGRADED, true, reason, message, gen, now);
        Conditions.set(status, Conditions.READY, false, reason, message, gen, now);
        Conditions.set(status, Conditions.PROGRESSING, false, reason, message, gen, now);
        return !already;
    }

    /** While a canary runs (and nothing is degraded): Progressing with the canary's message. */
    static void canary(ModelDeploymentStatus status, Long gen, Instant now) {
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
    }
}
