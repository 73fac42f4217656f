package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.awaitility.core.ConditionTimeoutException;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What the end-to-end tests share: the project root, its built jars and a cluster's options. */
final class E2eSetup {

    /** The built jars the whole chain runs: operator, pivot, trainer, server, data generator. */
    static final String[] CHAIN_JARS = {
        "operator/target/quarkus-app/quarkus-run.jar",
        "runtime-images/pivot/target/pivot.jar",
        "runtime-images/trainer/target/trainer.jar",
        "runtime-images/server/target/server.jar",
        "examples/generator/target/generator.jar"
    };

    private E2eSetup() {}

    /**
     * Waits for {@code condition} polling every {@code poll}, failing early with the operator's
     * view when the operator died or a resource Failed; when it gives up it names what it waited
     * for and shows every resource's phase, figures and conditions.
     */
    static void awaitState(
            LocalCluster cluster,
            String what,
            Duration atMost,
            Duration poll,
            Callable<Boolean> condition) {
        try {
            await(what)
                    .atMost(atMost)
                    .pollInterval(poll)
                    .until(
                            () -> {
                                assertThat(cluster.operator().isAlive())
                                        .as("operator alive (log " + cluster.operator().log() + ")")
                                        .isTrue();
                                Scenario.State s = Scenario.evaluate(cluster.resources());
                                assertThat(s).as(what).isNotInstanceOf(Scenario.Failed.class);
                                return condition.call();
                            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    "gave up after " + atMost + " waiting for: " + what + "\n" + describe(cluster),
                    e);
        }
    }

    /**
     * Waits until {@code value} satisfies {@code done} and returns it; when it gives up it names
     * what it waited for, the last value seen, and every resource and pod as the API has them.
     */
    static <T> T awaitValue(
            LocalCluster cluster,
            String what,
            Duration atMost,
            Duration poll,
            Callable<T> value,
            Predicate<? super T> done) {
        java.util.concurrent.atomic.AtomicReference<T> last =
                new java.util.concurrent.atomic.AtomicReference<>();
        try {
            return await(what)
                    .atMost(atMost)
                    .pollInterval(poll)
                    .until(
                            () -> {
                                T v = value.call();
                                last.set(v);
                                return v;
                            },
                            v -> done.test(v));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    "gave up after "
                            + atMost
                            + " waiting for: "
                            + what
                            + "\nlast value: "
                            + last.get()
                            + "\n"
                            + describe(cluster),
                    e);
        }
    }

    /** Every mlcycle resource and pod as a person would want them when a wait gave up. */
    static String describe(LocalCluster cluster) {
        StringBuilder sb = new StringBuilder("resources now:\n");
        try {
            cluster.resources()
                    .forEach(
                            (kind, items) ->
                                    items.forEach(r -> sb.append(describe(r)).append('\n')));
            sb.append("pods now:\n");
            cluster.client().pods().inAnyNamespace().list().getItems().stream()
                    .map(E2eSetup::describe)
                    .forEach(line -> sb.append(line).append('\n'));
        } catch (RuntimeException e) {
            sb.append("(the API could not be read: ").append(e).append(")\n");
        }
        return sb.toString();
    }

    private static String describe(Pod pod) {
        StringBuilder sb = new StringBuilder("  pod ").append(pod.getMetadata().getName());
        if (pod.getStatus() == null) {
            return sb.append(" (no status)").toString();
        }
        sb.append(' ').append(pod.getStatus().getPhase());
        for (ContainerStatus c : pod.getStatus().getContainerStatuses()) {
            sb.append(' ').append(c.getName()).append(c.getReady() == Boolean.TRUE ? " ready" : "");
            var state = c.getState();
            if (state != null && state.getTerminated() != null) {
                sb.append(" exit ").append(state.getTerminated().getExitCode());
                if (state.getTerminated().getMessage() != null) {
                    sb.append(": ").append(state.getTerminated().getMessage().strip());
                }
            }
            if (c.getRestartCount() != null && c.getRestartCount() > 0) {
                sb.append(" restarts ").append(c.getRestartCount());
            }
        }
        return sb.toString();
    }

    private static String describe(GenericKubernetesResource r) {
        StringBuilder sb = new StringBuilder("  ").append(ResourceTable.name(r));
        sb.append(' ').append(ResourceTable.phase(r)).append(' ');
        sb.append(ResourceTable.figures(r));
        if (ResourceTable.get(r, "status", "conditions") instanceof List<?> conditions) {
            for (Object o : conditions) {
                if (o instanceof Map<?, ?> c) {
                    sb.append("\n    ").append(c.get("type")).append('=').append(c.get("status"));
                    sb.append(' ').append(c.get("reason")).append(": ").append(c.get("message"));
                }
            }
        }
        return sb.toString();
    }

    /** A nested field of an mlcycle resource as the API has it now; null when either is missing. */
    static Object field(
            KubernetesClient client, String ns, String kind, String name, String... path) {
        GenericKubernetesResource r =
                client.genericKubernetesResources(ResourceTable.API_VERSION, kind)
                        .inNamespace(ns)
                        .withName(name)
                        .get();
        return r == null ? null : ResourceTable.get(r, path);
    }

    /** The project root the build passes in; fails naming the jars that are not built yet. */
    static Path projectRoot(String... jars) {
        Path root = Path.of(System.getProperty("mlcycle.project.root")).toAbsolutePath();
        List<String> missing =
                List.of(jars).stream().filter(p -> !Files.isRegularFile(root.resolve(p))).toList();
        assertThat(missing)
                .as("the E2E runs the built operator, runtimes and generator; build them first")
                .isEmpty();
        return root;
    }

    /**
     * The defaults for {@code work} with Prometheus on a free port (a developer's local session may
     * hold the default one), the previous run's state removed.
     */
    static LocalCluster.Options freshOptions(Path root, Path work, PrintStream out) {
        LocalCluster.Options o =
                LocalCluster.Options.defaults(root, work, out)
                        .withPrometheusPort(Processes.freePort());
        LocalMain.resetRun(o);
        return o;
    }

    private static final java.net.http.HttpClient HTTP =
            java.net.http.HttpClient.newBuilder()
                    .connectTimeout(java.time.Duration.ofSeconds(5))
                    .build();

    /** GET ({@code body} null) or POST JSON; the answer's JSON, or null when not 200. */
    static com.fasterxml.jackson.databind.JsonNode json(String url, String body) throws Exception {
        return json(url, body, null);
    }

    /** {@link #json(String, String)} with {@code Authorization: Bearer token} (null: none). */
    static com.fasterxml.jackson.databind.JsonNode json(String url, String body, String token)
            throws Exception {
        java.net.http.HttpRequest.Builder b =
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                        .timeout(java.time.Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        b =
                body == null
                        ? b.GET()
                        : b.POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));
        java.net.http.HttpResponse<String> r =
                HTTP.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200
                ? new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body())
                : null;
    }

    /** The names of resources, sorted. */
    static Set<String> names(List<? extends io.fabric8.kubernetes.api.model.HasMetadata> items) {
        return items.stream()
                .map(i -> i.getMetadata().getName())
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
