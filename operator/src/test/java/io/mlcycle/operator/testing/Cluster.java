package io.mlcycle.operator.testing;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.MlcycleStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

import static org.awaitility.Awaitility.await;

/** Small helpers for lifecycle tests against the mock API server. */
public final class Cluster {

    public static final String NS = MockKubernetesServer.NAMESPACE;
    public static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Cluster() {}

    /** Jobs carrying a label, in creation order. */
    public static List<Job> jobs(KubernetesClient client, String label, String value) {
        return client.batch().v1().jobs().inNamespace(NS).withLabel(label, value).list().getItems();
    }

    /** Waits for a Job with this name and returns it. */
    public static Job awaitJob(KubernetesClient client, String name) {
        return await().atMost(TIMEOUT)
                .until(
                        () -> client.batch().v1().jobs().inNamespace(NS).withName(name).get(),
                        j -> j != null);
    }

    /** Waits until the fetched resource satisfies the predicate, and returns it. */
    public static <T extends HasMetadata> T awaitResource(
            KubernetesClient client, Class<T> type, String name, Predicate<T> until) {
        return await().atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> client.resources(type).inNamespace(NS).withName(name).get(),
                        r -> r != null && until.test(r));
    }

    public static Optional<Condition> condition(MlcycleStatus status, String type) {
        return status == null ? Optional.empty() : Conditions.find(status.conditions, type);
    }

    public static boolean conditionIs(MlcycleStatus status, String type, String value) {
        return condition(status, type).map(c -> value.equals(c.getStatus())).orElse(false);
    }

    /** Events recorded on an object. */
    public static List<Event> events(KubernetesClient client, String involvedName) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> involvedName.equals(e.getInvolvedObject().getName()))
                .toList();
    }

    public static boolean hasEvent(KubernetesClient client, String involvedName, String reason) {
        return events(client, involvedName).stream().anyMatch(e -> reason.equals(e.getReason()));
    }

    /** Touches an annotation so the operator reconciles now (as kubectl annotate would). */
    public static <T extends HasMetadata> void poke(
            KubernetesClient client, Class<T> type, String name) {
        edit(
                client,
                type,
                name,
                r -> {
                    r.getMetadata()
                            .getAnnotations()
                            .put("test.mlcycle.io/poke", Instant.now().toString());
                    return r;
                });
    }

    /** Edits a resource, retrying when the operator updated it in between (409). */
    public static <T extends HasMetadata> T edit(
            KubernetesClient client, Class<T> type, String name, UnaryOperator<T> change) {
        for (int attempt = 1; ; attempt++) {
            try {
                return client.resources(type).inNamespace(NS).withName(name).edit(change);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= 10) {
                    throw e;
                }
            }
        }
    }
}
