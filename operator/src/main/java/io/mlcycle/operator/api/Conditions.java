package io.mlcycle.operator.api;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Sets conditions the Kubernetes way: lastTransitionTime changes only when the status flips. */
public final class Conditions {

    public static final String TRUE = "True";
    public static final String FALSE = "False";
    public static final String UNKNOWN = "Unknown";

    public static final String READY = "Ready";
    public static final String PROGRESSING = "Progressing";
    public static final String DEGRADED = "Degraded";

    private Conditions() {}

    public static void set(
            MlcycleStatus status,
            String type,
            boolean value,
            String reason,
            String message,
            Long generation,
            Instant now) {
        set(status.conditions, type, value ? TRUE : FALSE, reason, message, generation, now);
    }

    /**
     * Degraded from the last finished run: True with its reason and {@code message} when it failed,
     * else False, reason AsExpected.
     */
    public static void setDegraded(
            MlcycleStatus status,
            boolean failed,
            String reason,
            String message,
            Long generation,
            Instant now) {
        set(
                status,
                DEGRADED,
                failed,
                failed ? reason : "AsExpected",
                failed ? message : "",
                generation,
                now);
    }

    public static void set(
            List<Condition> conditions,
            String type,
            String status,
            String reason,
            String message,
            Long generation,
            Instant now) {
        Optional<Condition> old = find(conditions, type);
        String transition =
                old.filter(c -> status.equals(c.getStatus()))
                        .map(Condition::getLastTransitionTime)
                        .orElse(now.toString());
        Condition next =
                new ConditionBuilder()
                        .withType(type)
                        .withStatus(status)
                        .withReason(reason)
                        .withMessage(message == null ? "" : message)
                        .withObservedGeneration(generation)
                        .withLastTransitionTime(transition)
                        .build();
        conditions.removeIf(c -> type.equals(c.getType()));
        conditions.add(next);
        conditions.sort((a, b) -> a.getType().compareTo(b.getType()));
    }

    public static void remove(MlcycleStatus status, String type) {
        status.conditions.removeIf(c -> type.equals(c.getType()));
    }

    public static Optional<Condition> find(List<Condition> conditions, String type) {
        return conditions == null
                ? Optional.empty()
                : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    /**
     * True when {@code status} (null: none) has condition {@code type} with this reason and
     * message: what a person was told then need not be told again.
     */
    public static boolean says(MlcycleStatus status, String type, String reason, String message) {
        return status != null
                && find(status.conditions, type)
                        .map(c -> reason.equals(c.getReason()) && message.equals(c.getMessage()))
                        .orElse(false);
    }

    public static boolean isTrue(MlcycleStatus status, String type) {
        return status != null
                && find(status.conditions, type).map(c -> TRUE.equals(c.getStatus())).orElse(false);
    }
}
