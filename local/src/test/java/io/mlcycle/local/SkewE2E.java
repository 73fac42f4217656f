package io.mlcycle.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.testing.EndToEndTier;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The built-in skew with a real server process under the real operator (local mode, Prometheus): v2
 * is fed rows far outside its training table's distribution, its served feature bins drift from the
 * training shares the trainer stored, and the operator rolls back to v1 naming the drifted
 * features.
 */
@EndToEndTier
class SkewE2E {

    static final String NS = "default";
    static final String VIEW = "skew-events";
    static final String MODEL = "skew-model";
    static final String MD = "skew-serving";

    /** The skew metric the deployment rolls back on. */
    static final String SKEW =
            """
            - name: skew
              builtin: skew
              window: 20s
              max: 0.2
            """;

    @Test
    void aServerFedAShiftedDistributionFiresSkewAndRollsBackNamingTheDriftedFeatures()
            throws Exception {
        try (LocalCluster cluster =
                SmallChain.servingV1ThenTrainingV2(
                        "local/target/e2e-skew",
                        VIEW,
                        MODEL,
                        MD,
                        SmallChain.deployment(
                                MD,
                                MODEL,
                                SmallChain.rollback(
                                        LocalCluster.DEFAULT_PROMETHEUS_URL, "2s", SKEW)))) {
            KubernetesClient client = cluster.client();
            awaitState(
                    cluster,
                    "v2 served",
                    () ->
                            Integer.valueOf(2).equals(field(client, "status", "currentVersion"))
                                    && "Available".equals(field(client, "status", "phase")));

            String model = cluster.services().url(NS, MD).orElseThrow() + "/v2/models/" + MODEL;
            JsonNode meta = E2eSetup.json(model, null);
            int features = meta.get("parameters").get("features").asInt();
            List<String> names = new ArrayList<>();
            meta.get("inputs").forEach(i -> names.add(i.get("name").asText()));
            // every feature of every row far above anything in the training table
            StringBuilder data = new StringBuilder();
            for (int i = 0; i < 20 * features; i++) {
                data.append(i == 0 ? "" : ",").append(1000);
            }
            String shifted =
                    "{\"inputs\":[{\"name\":\"input\",\"shape\":[20,"
                            + features
                            + "],\"datatype\":\"FP32\",\"data\":["
                            + data
                            + "]}]}";
            awaitState(
                    cluster,
                    "rolled back on skew",
                    () -> {
                        E2eSetup.json(model + "/infer", shifted);
                        return "RolledBack".equals(field(client, "status", "phase"));
                    });

            @SuppressWarnings("unchecked")
            Map<String, Object> rollback =
                    ((List<Map<String, Object>>) field(client, "status", "rollbacks")).get(0);
            assertThat(rollback)
                    .containsEntry("fromVersion", 2)
                    .containsEntry("toVersion", 1)
                    .containsEntry("metric", "skew");
            String message = (String) rollback.get("message");
            assertThat(message).contains("most drifted: ");
            assertThat(names.stream().filter(message::contains).toList())
                    .as("features named in %s", message)
                    .isNotEmpty();
        }
    }

    static Object field(KubernetesClient client, String... path) {
        return E2eSetup.field(client, NS, "ModelDeployment", MD, path);
    }

    static void awaitState(
            LocalCluster cluster, String what, java.util.concurrent.Callable<Boolean> c) {
        E2eSetup.awaitState(cluster, what, Duration.ofMinutes(4), Duration.ofMillis(500), c);
    }
}
