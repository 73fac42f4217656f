package io.mlcycle.operator.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

/** Builds the new status next to the old one and patches it only when it changed. */
public final class StatusUpdates {

    private static final ObjectMapper MAPPER =
            JsonMapper.builder().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS).build();

    private StatusUpdates() {}

    /** A deep copy of a status (or a fresh one when absent), safe to modify. */
    public static <S> S copy(S status, Class<S> type) {
        try {
            if (status == null) {
                return type.getDeclaredConstructor().newInstance();
            }
            return MAPPER.treeToValue(MAPPER.valueToTree(status), type);
        } catch (ReflectiveOperationException | java.io.IOException e) {
            throw new IllegalStateException("cannot copy " + type.getSimpleName(), e);
        }
    }

    /** Whether two statuses differ as JSON trees. */
    public static boolean changed(Object oldStatus, Object newStatus) {
        JsonNode a = oldStatus == null ? null : MAPPER.valueToTree(oldStatus);
        JsonNode b = newStatus == null ? null : MAPPER.valueToTree(newStatus);
        return a == null ? b != null : !a.equals(b);
    }

    /**
     * Sets {@code next} on the primary and asks for a status patch when it differs from the
     * primary's current status; otherwise no update.
     */
    public static <S, P extends CustomResource<?, S>> UpdateControl<P> patchIfChanged(
            P primary, S next) {
        if (!changed(primary.getStatus(), next)) {
            return UpdateControl.noUpdate();
        }
        primary.setStatus(next);
        return UpdateControl.patchStatus(primary);
    }
}
