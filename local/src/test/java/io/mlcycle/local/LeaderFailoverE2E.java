package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.testing.EndToEndTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two operator replicas with leader election in local mode (the Lease in the mock API): the leader
 * is SIGKILLed while a ModelDeployment's rollback analysis of v2 has counted one failure; the
 * standby takes the Lease over within the lease time, finishes the analysis (v2 is rolled back, v1
 * serves again) and creates no second Job, ModelVersion or repeated Event.
 */
@EndToEndTier
class LeaderFailoverE2E {

    static final String NS = "default";
    static final String VIEW = "failover-events";
    static final String RUN = "failover-training";
    static final String RUN_2 = "failover-training-2";
    static final String MODEL = "failover-model";
    static final String SERVING = "failover-serving";
    static final Duration LEASE = Duration.ofSeconds(4);

    /** The metric the deployment rolls back on: ready, pushed below the threshold above v1. */
    static final String READY_BELOW_V2 =
            """
            - name: ready-below-v2
              query: max(mlcycle_model_ready{deployment="{{name}}",version="{{version}}"}) - ({{version}} > bool 1)
              min: 0.5
            """;

    static LocalCluster cluster;
    static KubernetesClient client;
    static OperatorProcess standby;

    static Map<String, String> election(String identity) {
        return Map.of(
                "mlcycle.leader-election.enabled",
                "true",
                "mlcycle.leader-election.lease-namespace",
                NS,
                "mlcycle.leader-election.identity",
                identity,
                "mlcycle.leader-election.lease-duration",
                "PT" + LEASE.toSeconds() + "S",
                "mlcycle.leader-election.renew-deadline",
                "PT3S",
                "mlcycle.leader-election.retry-period",
                "PT0.5S");
    }

    @BeforeAll
    static void start() throws IOException {
        assertThat(LocalPrometheus.DEFAULT_BINARY)
                .as("the rollback analysis needs a local Prometheus (apt-get install prometheus)")
                .isRegularFile();
        LocalCluster.Options o =
                SmallChain.options("local/target/e2e-leader-failover")
                        .withOperatorProperties(election("operator-a"));
        cluster = LocalCluster.start(o);
        client = cluster.client();
        standby =
                cluster.startOperatorReplica(
                        "operator-b", Map.of("mlcycle.leader-election.identity", "operator-b"));
        Path manifests = o.workDir().resolve("failover-chain.yaml");
        Files.writeString(
                manifests,
                SmallChain.featureView(VIEW, "2026-11-20")
                        + "---\n"
                        + SmallChain.trainingRun(RUN, MODEL, VIEW)
                        + "---\n"
                        + SmallChain.deployment(
                                SERVING,
                                MODEL,
                                SmallChain.rollback(
                                        cluster.prometheus().orElseThrow().url(),
                                        "4s",
                                        READY_BELOW_V2)));
        cluster.apply(manifests);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void theStandbyFinishesTheRollbackAnalysisOfAKilledLeaderWithoutDuplicates() throws Exception {
        E2eSetup.awaitValue(
                cluster,
                "operator-a, started first, holding the Lease",
                Duration.ofSeconds(60),
                Duration.ofMillis(200),
                () -> lease(),
                lease -> "operator-a".equals(holder()));
        awaitState(
                SERVING + " serving v1",
                () ->
                        Integer.valueOf(1).equals(field(SERVING, "status", "currentVersion"))
                                && "Available".equals(field(SERVING, "status", "phase")));
        Path second = cluster.options().workDir().resolve("failover-training-2.yaml");
        Files.writeString(second, SmallChain.trainingRun(RUN_2, MODEL, VIEW));
        cluster.apply(second);
        awaitState(
                SERVING + " analysing v2 with one failure",
                () ->
                        Integer.valueOf(2).equals(field(SERVING, "status", "analysis", "version"))
                                && Integer.valueOf(1)
                                        .equals(
                                                field(
                                                        SERVING,
                                                        "status",
                                                        "analysis",
                                                        "consecutiveFailures")));
        assertThat((List<?>) field(SERVING, "status", "rollbacks"))
                .as("killed under analysis, before the rollback")
                .isNullOrEmpty();
        assertThat(Files.readString(standby.log()))
                .as("the standby reconciled nothing")
                .doesNotContain("ReconciliationDispatcher");

        cluster.operator().kill();
        long killed = System.nanoTime();
        E2eSetup.awaitValue(
                cluster,
                "operator-b holding the Lease",
                Duration.ofSeconds(60),
                Duration.ofMillis(200),
                () -> lease(),
                lease -> "operator-b".equals(holder()));
        Duration takeover = Duration.ofNanos(System.nanoTime() - killed);
        System.out.println(
                "BENCH leader-failover lease_s="
                        + LEASE.toSeconds()
                        + " takeover_ms="
                        + takeover.toMillis());
        assertThat(takeover).isLessThan(LEASE.plusSeconds(6));

        E2eSetup.awaitValue(
                cluster,
                "v2 rolled back by operator-b, v1 serving",
                Duration.ofMinutes(3),
                Duration.ofMillis(200),
                () -> field(SERVING, "status"),
                status ->
                        standby.isAlive()
                                && "RolledBack"
                                        .equals(
                                                E2eSetup.field(
                                                        client,
                                                        NS,
                                                        "ModelVersion",
                                                        MODEL + "-v2",
                                                        "status",
                                                        "phase"))
                                && Integer.valueOf(1)
                                        .equals(field(SERVING, "status", "currentVersion"))
                                && field(SERVING, "status", "rollbacks") instanceof List<?> l
                                && l.size() == 1);

        assertThat(jobs()).as("one pivot and two training Jobs").hasSize(3);
        assertThat(
                        client.genericKubernetesResources(ResourceTable.API_VERSION, "ModelVersion")
                                .inNamespace(NS)
                                .list()
                                .getItems())
                .as("v1 and v2 only")
                .hasSize(2);
        List<Event> rolledBack = events(SERVING, "RolledBack");
        assertThat(rolledBack).hasSize(1);
        assertThat(rolledBack.get(0).getCount()).as("told once").isEqualTo(1);
        for (Event e : client.v1().events().inNamespace(NS).list().getItems()) {
            assertThat(e.getCount() == null ? 1 : e.getCount())
                    .as("no Event storm: " + e.getInvolvedObject().getName() + " " + e.getReason())
                    .isLessThanOrEqualTo(5);
        }
    }

    static List<String> jobs() {
        return client.batch().v1().jobs().inNamespace(NS).list().getItems().stream()
                .map(j -> j.getMetadata().getName())
                .toList();
    }

    static List<Event> events(String name, String reason) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()))
                .filter(e -> reason.equals(e.getReason()))
                .toList();
    }

    static Lease lease() {
        return client.leases().inNamespace(NS).withName("mlcycle-operator-lease").get();
    }

    static String holder() {
        Lease l = lease();
        return l == null ? null : l.getSpec().getHolderIdentity();
    }

    static Object field(String deployment, String... path) {
        return E2eSetup.field(client, NS, "ModelDeployment", deployment, path);
    }

    static void awaitState(String what, Callable<Boolean> c) {
        E2eSetup.awaitState(cluster, what, Duration.ofMinutes(4), Duration.ofMillis(100), c);
    }
}
