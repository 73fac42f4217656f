package io.mlcycle.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.testing.EndToEndTier;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A shadow challenger in local mode with real server processes, the real operator and Prometheus:
 * v2 serves from its own Deployment while v1's process mirrors every request to it through the
 * Service proxy; labels posted to v1 reach both; judged on them (v1 right on every label, so v2 can
 * at best tie), v2 is never promoted and stays a challenger with the samples in status.
 */
@EndToEndTier
class ShadowE2E {

    static final String NS = "default";
    static final String VIEW = "shadow-events";
    static final String MODEL = "shadow-model";
    static final String MD = "shadow-serving";

    /** The deployment's spec beyond model, version and replicas, its %s the Prometheus URL. */
    static final String SPEC =
            """
            rollout:
              shadow:
                latestApproved: true
                percent: 100
                margin: 0.01
                minSamples: 30
            rollback:
              prometheus:
                url: "%s"
              interval: 2s
              metrics:
                - name: ready
                  query: max(mlcycle_model_ready{deployment="{{name}}",version="{{version}}"})
                  min: 0.5
            """;

    @Test
    void aChallengerServedBesideTheChampionGetsItsMirroredLabelsAndIsNeverPromotedWhenNotBetter()
            throws Exception {
        try (LocalCluster cluster =
                SmallChain.servingV1ThenTrainingV2(
                        "local/target/e2e-shadow",
                        VIEW,
                        MODEL,
                        MD,
                        SmallChain.deployment(
                                MD, MODEL, SPEC.formatted(LocalCluster.DEFAULT_PROMETHEUS_URL)))) {
            KubernetesClient client = cluster.client();
            awaitState(
                    cluster,
                    "v2 started as shadow challenger",
                    () -> Integer.valueOf(2).equals(field(client, "status", "shadow", "version")));

            String base = cluster.services().url(NS, MD).orElseThrow();
            String model = base + "/v2/models/" + MODEL;
            JsonNode meta = E2eSetup.json(model, null);
            String token = TrafficReplayer.feedbackToken(client, NS, MD);
            assertThat(token).as("the operator's token Secret, read through the API").isNotBlank();
            String feature = meta.get("inputs").get(1).get("name").asText();
            // traffic to v1, each label = v1's own answer, until v2 is judged on enough of them
            int[] n = {0};
            awaitState(
                    cluster,
                    "v2 judged on enough mirrored labels",
                    () -> {
                        List<String> feedback = new ArrayList<>();
                        for (int i = 0; i < 10; i++) {
                            JsonNode a =
                                    E2eSetup.json(
                                            model + "/infer",
                                            "{\"inputs\":[{\"name\":\""
                                                    + feature
                                                    + "\",\"shape\":[1],\"datatype\":\"FP32\","
                                                    + "\"data\":["
                                                    + (n[0]++ % 7)
                                                    + "]}]}");
                            if (a == null) {
                                continue;
                            }
                            JsonNode out = a.get("outputs");
                            feedback.add(
                                    "{\"prediction_id\":\""
                                            + out.get(2).get("data").get(0).asText()
                                            + "\",\"actual\":"
                                            + out.get(1).get("data").get(0).asInt()
                                            + "}");
                        }
                        E2eSetup.json(
                                model + "/feedback",
                                "{\"feedback\":[" + String.join(",", feedback) + "]}",
                                token);
                        return "NotBetter".equals(field(client, "status", "shadow", "verdict"));
                    });

            Thread.sleep(5000); // a few more rounds: still not promoted
            assertThat(field(client, "status", "shadow", "phase")).isEqualTo("Running");
            assertThat(field(client, "status", "shadow", "verdict")).isEqualTo("NotBetter");
            assertThat(field(client, "status", "currentVersion")).isEqualTo(1);
            assertThat(field(client, "status", "shadow", "championValue")).isEqualTo(1.0);
            long challenger =
                    ((Number) field(client, "status", "shadow", "challengerSamples")).longValue();
            long champion =
                    ((Number) field(client, "status", "shadow", "championSamples")).longValue();
            assertThat(challenger).isGreaterThanOrEqualTo(30).isLessThanOrEqualTo(champion);
            assertThat(
                            client.v1().events().inNamespace(NS).list().getItems().stream()
                                    .map(e -> e.getReason())
                                    .toList())
                    .contains("ShadowStarted", "ShadowRejected")
                    .doesNotContain("ShadowPromoted");
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
