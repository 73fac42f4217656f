package io.mlcycle.operator.testing;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.MlcycleStatus;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewStatus;
import org.assertj.core.api.AbstractStringAssert;
import org.awaitility.core.ConditionTimeoutException;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
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
        return awaitResource(client, type, name, TIMEOUT, until);
    }

    /**
     * Waits up to {@code atMost} until the fetched resource satisfies the predicate, and returns
     * it; on time-out fails naming the resource and showing it as the API has it then.
     */
    public static <T extends HasMetadata> T awaitResource(
            KubernetesClient client,
            Class<T> type,
            String name,
            Duration atMost,
            Predicate<T> until) {
        return awaitResource(client, type, name, "", atMost, until);
    }

    /**
     * {@link #awaitResource(KubernetesClient, Class, String, Duration, Predicate)} naming the
     * awaited {@code state} (e.g. "with status.shadow judged on 200 pairs") in the wait and its
     * failure.
     */
    public static <T extends HasMetadata> T awaitResource(
            KubernetesClient client,
            Class<T> type,
            String name,
            String state,
            Duration atMost,
            Predicate<T> until) {
        Callable<T> fetch = () -> client.resources(type).inNamespace(NS).withName(name).get();
        String what = type.getSimpleName() + " " + name + (state.isEmpty() ? "" : " " + state);
        try {
            return await(what)
                    .atMost(atMost)
                    .pollInterval(Duration.ofMillis(200))
                    .until(fetch, r -> r != null && until.test(r));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    what
                            + " did not reach the awaited state within "
                            + atMost
                            + "; now:\n"
                            + describe(fetch),
                    e);
        }
    }

    private static String describe(Callable<? extends HasMetadata> fetch) {
        try {
            HasMetadata r = fetch.call();
            return r == null ? "(absent)" : Serialization.asYaml(r);
        } catch (Exception e) {
            return "(could not be read: " + e + ")";
        }
    }

    /** Waits until the FeatureView is in this phase, and returns it. */
    public static FeatureView awaitPhase(
            KubernetesClient client, String name, FeatureViewStatus.Phase phase) {
        return awaitResource(
                client,
                FeatureView.class,
                name,
                f -> f.getStatus() != null && f.getStatus().phase == phase);
    }

    /** Asserts that the owner, and only it, controls the object. */
    public static void assertControlledBy(HasMetadata object, HasMetadata owner) {
        assertThat(object.getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(
                        o -> {
                            assertThat(o.getKind()).isEqualTo(owner.getKind());
                            assertThat(o.getName()).isEqualTo(owner.getMetadata().getName());
                            assertThat(o.getUid()).isEqualTo(owner.getMetadata().getUid());
                            assertThat(o.getController()).isTrue();
                        });
    }

    /** Waits until the resource's status has the condition with this status, and returns it. */
    public static <T extends CustomResource<?, ? extends MlcycleStatus>> T awaitCondition(
            KubernetesClient client, Class<T> type, String name, String condition, String value) {
        return awaitResource(client, type, name, r -> conditionIs(r.getStatus(), condition, value));
    }

    /**
     * Asserts that the status carries the condition with this status and reason, and returns an
     * assertion on its message.
     */
    public static AbstractStringAssert<?> assertCondition(
            MlcycleStatus status, String type, String expectedStatus, String reason) {
        Condition c =
                condition(status, type)
                        .orElseThrow(() -> new AssertionError("no condition " + type));
        assertThat(c.getStatus()).as(type + " status").isEqualTo(expectedStatus);
        assertThat(c.getReason()).as(type + " reason").isEqualTo(reason);
        return assertThat(c.getMessage()).as(type + " message");
    }

    /** Closes what was started, in order, skipping what never was. */
    public static void closeAll(AutoCloseable... started) throws Exception {
        for (AutoCloseable c : started) {
            if (c != null) {
                c.close();
            }
        }
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

    /** Waits up to ten seconds for an event with this reason on the object. */
    public static void awaitEvent(KubernetesClient client, String involvedName, String reason) {
        await().atMost(Duration.ofSeconds(10)).until(() -> hasEvent(client, involvedName, reason));
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
