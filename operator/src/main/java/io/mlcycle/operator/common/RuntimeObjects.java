package io.mlcycle.operator.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What marks an object as this operator's and whose it is: the labels and selector of runtime
 * objects, owner references and the ownership check, DNS-label names and the short hash in them.
 */
public final class RuntimeObjects {

    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "mlcycle";
    public static final String RUNTIME_LABEL = "mlcycle.io/runtime";

    private RuntimeObjects() {}

    /** Labels of every runtime object created for {@code owner}. */
    public static Map<String, String> labels(HasMetadata owner, RuntimeJobs.Runtime runtime) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(MANAGED_BY_LABEL, MANAGED_BY);
        labels.put(RUNTIME_LABEL, runtime.name());
        labels.put(ownerLabel(owner.getKind()), owner.getMetadata().getName());
        return labels;
    }

    /** The label selector of the Jobs this operator runs with {@code runtime}. */
    public static String selector(RuntimeJobs.Runtime runtime) {
        return MANAGED_BY_LABEL + "=" + MANAGED_BY + "," + RUNTIME_LABEL + "=" + runtime;
    }

    /** {@code mlcycle.io/<kind in lower case>}, e.g. mlcycle.io/featureview. */
    public static String ownerLabel(String kind) {
        return "mlcycle.io/" + kind.toLowerCase(Locale.ROOT);
    }

    /**
     * Of {@code candidates} (an informer's secondary resources of {@code owner}), those that carry
     * its owner label and whose owner references name its uid (labels can be copied, and a deleted
     * owner's children may remain under a new owner of the same name).
     */
    public static <T extends HasMetadata> List<T> ownedBy(
            HasMetadata owner, Collection<T> candidates) {
        String uid = owner.getMetadata().getUid();
        String label = ownerLabel(owner.getKind());
        return candidates.stream()
                .filter(
                        i ->
                                uid != null
                                        && i.getMetadata().getLabels() != null
                                        && owner.getMetadata()
                                                .getName()
                                                .equals(i.getMetadata().getLabels().get(label))
                                        && i.getMetadata().getOwnerReferences().stream()
                                                .anyMatch(o -> uid.equals(o.getUid())))
                .toList();
    }

    /** An owner reference with controller=true (the owner's informer maps events back). */
    public static OwnerReference controllerReference(HasMetadata owner) {
        return new OwnerReferenceBuilder()
                .withApiVersion(owner.getApiVersion())
                .withKind(owner.getKind())
                .withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    /**
     * A DNS-label name (≤ 63 characters) from parts joined by '-'; when too long, the first part is
     * shortened and a hash of the whole keeps it unique.
     */
    public static String name(String... parts) {
        return name(63, parts);
    }

    /** {@link #name(String...)} with at most {@code max} characters. */
    public static String name(int max, String... parts) {
        String full =
                String.join("-", parts).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        if (full.length() <= max) {
            return full;
        }
        String hash = shortHash(full);
        String rest = String.join("-", java.util.Arrays.copyOfRange(parts, 1, parts.length));
        int room = max - hash.length() - rest.length() - 2;
        String head = parts[0];
        if (room < 1) {
            return (head.substring(0, Math.min(head.length(), max - hash.length() - 1))
                            + "-"
                            + hash)
                    .replaceAll("-+$", "");
        }
        head = head.substring(0, Math.min(head.length(), room)).replaceAll("-+$", "");
        return (head + "-" + hash + "-" + rest).toLowerCase(Locale.ROOT);
    }

    /** 8 hex characters of SHA-256. */
    public static String shortHash(String value) {
        try {
            return HexFormat.of()
                    .formatHex(
                            MessageDigest.getInstance("SHA-256")
                                    .digest(value.getBytes(StandardCharsets.UTF_8)),
                            0,
                            4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
