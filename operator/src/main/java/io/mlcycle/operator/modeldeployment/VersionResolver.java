package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.modelversion.ModelVersionSpec;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/** Picks the ModelVersion a ModelDeployment should serve. */
public final class VersionResolver {

    private VersionResolver() {}

    /** The version to serve, or why there is none. */
    public record Resolution(ModelVersion version, String reason, String message) {
        public boolean found() {
            return version != null;
        }
    }

    public static boolean approved(ModelVersion mv) {
        return mv.getStatus() != null && Boolean.TRUE.equals(mv.getStatus().approved);
    }

    public static boolean rolledBack(ModelVersion mv) {
        return mv.getMetadata().getAnnotations() != null
                && mv.getMetadata()
                        .getAnnotations()
                        .containsKey(ModelVersion.ROLLED_BACK_ANNOTATION);
    }

    public static int number(ModelVersion mv) {
        return mv.getSpec().version;
    }

    /** Approved and not rolled back. */
    public static boolean good(ModelVersion mv) {
        return approved(mv) && !rolledBack(mv);
    }

    /**
     * latestApproved: the highest good version. A number N: version N, unless it was rolled back,
     * then the highest good version below N (so a rollback of a pinned version sticks).
     *
     * @param versions the model's versions
     */
    public static Resolution resolve(String model, String spec, Collection<ModelVersion> versions) {
        String wanted = spec == null ? ModelDeploymentSpec.LATEST_APPROVED : spec.trim();
        if (ModelDeploymentSpec.LATEST_APPROVED.equals(wanted)) {
            return highestGoodBelow(versions, Integer.MAX_VALUE)
                    .map(mv -> new Resolution(mv, "LatestApproved", null))
                    .orElseGet(
                            () ->
                                    new Resolution(
                                            null,
                                            "NoApprovedVersion",
                                            "model "
                                                    + model
                                                    + " has no approved version that was not"
                                                    + " rolled back ("
                                                    + versions.size()
                                                    + " versions registered)"));
        }
        int n;
        try {
            n = Integer.parseInt(wanted);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "spec.version: '" + spec + "' is neither latestApproved nor a version number");
        }
        Optional<ModelVersion> pinned = versions.stream().filter(mv -> number(mv) == n).findFirst();
        if (pinned.isEmpty()) {
            return new Resolution(
                    null,
                    "VersionNotFound",
                    "spec.version: model " + model + " has no version " + n);
        }
        if (!pinned.get().getSpec().trained()) {
            return new Resolution(
                    null,
                    "VersionNotTrained",
                    "spec.version: "
                            + model
                            + " v"
                            + n
                            + (pinned.get().getSpec().training.state
                                            == ModelVersionSpec.State.Failed
                                    ? " failed training and has no model"
                                    : " is still being trained"));
        }
        if (!rolledBack(pinned.get())) {
            return new Resolution(pinned.get(), "Pinned", null);
        }
        return highestGoodBelow(versions, n)
                .map(
                        mv ->
                                new Resolution(
                                        mv,
                                        "PinnedVersionRolledBack",
                                        "version " + n + " was rolled back; serving " + number(mv)))
                .orElseGet(
                        () ->
                                new Resolution(
                                        null,
                                        "NoApprovedVersion",
                                        "version "
                                                + n
                                                + " was rolled back and no approved version"
                                                + " below it exists"));
    }

    /** The highest good version below {@code limit}, the target of a rollback. */
    public static Optional<ModelVersion> highestGoodBelow(
            Collection<ModelVersion> versions, int limit) {
        return versions.stream()
                .filter(VersionResolver::good)
                .filter(mv -> number(mv) < limit)
                .max(Comparator.comparingInt(VersionResolver::number));
    }
}
