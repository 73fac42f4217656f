package io.mlcycle.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.testing.MockApiTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two real operator processes with leader election on, against one API server (the Lease lives
 * there, its updates guarded by resourceVersion as on a real API server): exactly one reconciles
 * while the other only watches; SIGKILLed, the leader is replaced by the standby within the lease
 * time, which carries on with the same Job (no duplicate, no repeated Event). The standby logs in
 * JSON ({@code logging.json}).
 */
@MockApiTier
class LeaderElectionIT {

    static final String NS = "default";
    static final String VIEW = "ha-events";
    static final Duration LEASE = Duration.ofSeconds(4);
    static final Pattern GAUGE = Pattern.compile("(?m)^mlcycle_operator_leader ([0-9.]+)$");

    static MockApi api;
    static KubernetesClient client;
    static OperatorProcess a;
    static OperatorProcess b;

    @BeforeAll
    static void start() throws IOException {
        Path root = E2eSetup.projectRoot("operator/target/quarkus-app/quarkus-run.jar");
        Path logs = root.resolve("local/target/it-leader-election");
        api = MockApi.start();
        api.createCrds(root.resolve("crds"));
        client = api.client();
        a = operator(root, logs.resolve("a"), "operator-a", Map.of());
        // The second one logs JSON: the chart's logging.json.
        b =
                operator(
                        root,
                        logs.resolve("b"),
                        "operator-b",
                        Map.of("quarkus.log.console.json.enabled", "true"));
    }

    static OperatorProcess operator(
            Path root, Path logDir, String identity, Map<String, String> more) {
        Map<String, String> props = new java.util.HashMap<>(more);
        props.put("mlcycle.leader-election.enabled", "true");
        props.put("mlcycle.leader-election.lease-namespace", NS);
        props.put("mlcycle.leader-election.identity", identity);
        props.put("mlcycle.leader-election.lease-duration", "PT" + LEASE.toSeconds() + "S");
        props.put("mlcycle.leader-election.renew-deadline", "PT3S");
        props.put("mlcycle.leader-election.retry-period", "PT0.5S");
        return OperatorProcess.start(
                root.resolve("operator/target/quarkus-app"),
                api.url(),
                NS,
                logDir,
                Duration.ofMinutes(3),
                false,
                OperatorProcess.LOCAL_JVM_FLAGS,
                props);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {a, b, api}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // best effort
            }
        }
    }

    @Test
    void theStandbyTakesOverAKilledLeaderWithinTheLeaseAndCreatesNoDuplicate() throws Exception {
        String holder = awaitHolder(Duration.ofMinutes(2));
        OperatorProcess leader = holder.equals("operator-a") ? a : b;
        OperatorProcess standby = leader == a ? b : a;
        await("the leader's gauge 1 and the standby's 0 (" + holder + " holds the Lease)")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> gauge(leader) == 1.0 && gauge(standby) == 0.0);
        assertThat(status(standby, "/q/health/ready"))
                .as("a standby is ready: a rolling update can proceed past it")
                .isEqualTo(200);

        client.load(
                        new ByteArrayInputStream(
                                SmallChain.featureView(VIEW, "2026-11-20")
                                        .getBytes(StandardCharsets.UTF_8)))
                .inNamespace(NS)
                .create();
        await("the pivot Job of " + VIEW + " and its status")
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> jobs() == 1 && "Materializing".equals(phase()));
        assertThat(log(leader)).as("reconciles are logged").contains("ReconciliationDispatcher");
        assertThat(log(standby))
                .as("the standby reconciled nothing")
                .doesNotContain("ReconciliationDispatcher");
        long startedEvents = startedEvents();

        leader.kill();
        long killed = System.nanoTime();
        String next = awaitHolder(Duration.ofSeconds(60), holder);
        Duration takeover = Duration.ofNanos(System.nanoTime() - killed);
        await("the new leader's gauge")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> gauge(standby) == 1.0);
        await("the new leader reconciles " + VIEW)
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> log(standby).contains(VIEW));
        System.out.println(
                "BENCH leader-takeover lease_s="
                        + LEASE.toSeconds()
                        + " takeover_ms="
                        + takeover.toMillis());

        assertThat(next).isNotEqualTo(holder);
        assertThat(takeover)
                .as("taken over within the lease time (plus acquisition retries and polling)")
                .isLessThan(LEASE.plusSeconds(6));
        assertThat(jobs()).as("the same Job, not a second one").isEqualTo(1);
        assertThat(startedEvents()).as("MaterializationStarted told once").isEqualTo(startedEvents);
        assertThat(phase()).isEqualTo("Materializing");
        assertJsonLines(b);
    }

    static void assertJsonLines(OperatorProcess json) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        List<String> lines =
                Files.readAllLines(json.log()).stream().filter(l -> l.startsWith("{")).toList();
        assertThat(lines).as("JSON log lines of " + json.log()).isNotEmpty();
        for (String line : lines) {
            assertThat(mapper.readTree(line).has("message")).as(line).isTrue();
        }
    }

    static String awaitHolder(Duration timeout, String... notThese) {
        List<String> excluded = List.of(notThese);
        return await("a Lease holder other than " + excluded + "; Lease: " + lease())
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> {
                            Lease l = lease();
                            return l == null ? null : l.getSpec().getHolderIdentity();
                        },
                        h -> h != null && !h.isBlank() && !excluded.contains(h));
    }

    static Lease lease() {
        return client.leases().inNamespace(NS).withName("mlcycle-operator-lease").get();
    }

    static long jobs() {
        return client.batch().v1().jobs().inNamespace(NS).list().getItems().stream()
                .filter(j -> j.getMetadata().getName().startsWith(VIEW + "-pivot-"))
                .count();
    }

    static long startedEvents() {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> VIEW.equals(e.getInvolvedObject().getName()))
                .filter(e -> "MaterializationStarted".equals(e.getReason()))
                .mapToLong(LeaderElectionIT::count)
                .sum();
    }

    static long count(Event e) {
        return e.getCount() == null ? 1 : e.getCount();
    }

    static String phase() {
        Object phase = E2eSetup.field(client, NS, "FeatureView", VIEW, "status", "phase");
        return phase == null ? null : phase.toString();
    }

    static String log(OperatorProcess op) throws IOException {
        return Files.readString(op.log());
    }

    static double gauge(OperatorProcess op) throws Exception {
        Matcher m = GAUGE.matcher(get(op, "/q/metrics").body());
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    static int status(OperatorProcess op, String path) throws Exception {
        return get(op, path).statusCode();
    }

    static HttpResponse<String> get(OperatorProcess op, String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + op.httpPort() + path))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
