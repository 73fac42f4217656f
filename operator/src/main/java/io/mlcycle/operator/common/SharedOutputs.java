package io.mlcycle.operator.common;

import io.fabric8.kubernetes.api.model.HasMetadata;

import java.util.Comparator;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Outputs that must have one writer (a FeatureView's store, a ModelDeployment's batch output): of
 * the resources naming the same URI, the one created first keeps it, the others are refused. Reads
 * only the informer cache the caller passes in.
 */
public final class SharedOutputs {

    private SharedOutputs() {}

    /**
     * The resource that owns {@code self}'s output URI when it is not {@code self}: the oldest of
     * those naming the same URI (ties broken by namespace and name, so every reconcile agrees).
     */
    public static <R extends HasMetadata> Optional<R> claimedByAnother(
            R self, Stream<R> all, Function<R, String> uriOf) {
        String mine = normalize(uriOf.apply(self));
        if (mine == null) {
            return Optional.empty();
        }
        return Stream.concat(Stream.of(self), all)
                .filter(r -> mine.equals(normalize(uriOf.apply(r))))
                .filter(r -> r.getMetadata().getDeletionTimestamp() == null)
                .min(FIRST)
                .filter(first -> !sameObject(first, self));
    }

    /** The message of a refusal: which field, which URI, who holds it. */
    public static String message(String field, String uri, HasMetadata owner) {
        return field
                + " "
                + uri
                + " is already written by "
                + owner.getKind()
                + " "
                + owner.getMetadata().getNamespace()
                + "/"
                + owner.getMetadata().getName()
                + " (created first); two writers of one location would replace each other's"
                + " versions: choose another URI";
    }

    /** Scheme lower-cased, {@code file:/x} and {@code file:///x} alike, no trailing slash. */
    static String normalize(String uri) {
        if (uri == null || uri.isBlank()) {
            return null;
        }
        String u = uri.trim();
        int colon = u.indexOf(':');
        if (colon > 0) {
            u = u.substring(0, colon).toLowerCase(Locale.ROOT) + u.substring(colon);
        }
        if (u.startsWith("file:")) {
            String path = u.substring("file:".length()).replaceFirst("^/+", "/");
            u = "file://" + path;
        }
        while (u.endsWith("/") && !u.endsWith("://")) {
            u = u.substring(0, u.length() - 1);
        }
        return u;
    }

    private static final Comparator<HasMetadata> FIRST =
            Comparator.comparing(
                            (HasMetadata r) ->
                                    Objects.requireNonNullElse(
                                            r.getMetadata().getCreationTimestamp(), "~"))
                    .thenComparing(r -> Objects.toString(r.getMetadata().getNamespace(), ""))
                    .thenComparing(r -> r.getMetadata().getName());

    private static boolean sameObject(HasMetadata a, HasMetadata b) {
        return Objects.equals(a.getMetadata().getNamespace(), b.getMetadata().getNamespace())
                && Objects.equals(a.getMetadata().getName(), b.getMetadata().getName());
    }
}
