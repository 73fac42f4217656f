package io.mlcycle.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.testing.EndToEndTier;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The replay gate in local mode with the real operator, server processes and the replay Job: two
 * deployments serve v1 with a request log and a required replay; each gets labelled traffic (one
 * where v1 is right on every label, one where it is wrong on every label); then v2 is approved, a
 * copy of v1 that always answers the other class. Replayed on each log, v2 is worse on the first
 * and never serves there, and better on the second, where it rolls out and answers.
 */
@EndToEndTier
class ReplayE2E {

    static final String NS = "default";
    static final String VIEW = "replay-events";
    static final String MODEL = "replay-model";
    static final String WORSE = "replay-worse";
    static final String BETTER = "replay-better";
    static final int ROWS = 120;

    /** A deployment of the model that logs every request and replays a new version first. */
    static String deployment(String name) {
        return SmallChain.deployment(
                name,
                MODEL,
                """
                requestLog:
                  uri: "file:///data/request-logs/%s/"
                  sampleRate: 1
                  maxAge: 1s
                rollout:
                  replay:
                    minSamples: 40
                """
                        .formatted(name));
    }

    static final String VERSION_TWO =
            """
            apiVersion: mlcycle.io/v1alpha1
            kind: ModelVersion
            metadata:
              name: %1$s-v2
              labels:
                mlcycle.io/model: %1$s
            spec:
              model: %1$s
              version: 2
              artifactUri: "%2$s"
              algorithm: resnet
              metrics:
                auc: 0.7
              approval: Approved
            """;

    @Test
    void aVersionWorseOnTheLoggedLabelsNeverServesAndABetterOneRollsOut() throws Exception {
        try (LocalCluster cluster =
                SmallChain.servingV1(
                        "local/target/e2e-replay",
                        VIEW,
                        MODEL,
                        List.of(WORSE, BETTER),
                        deployment(WORSE) + "---\n" + deployment(BETTER))) {
            KubernetesClient client = cluster.client();
            // v1's answers; the class it gives most is the one v2 never gives
            Map<String, Integer> worse = traffic(cluster, WORSE);
            Map<String, Integer> better = traffic(cluster, BETTER);
            int common = majority(worse);
            Map<String, Integer> labelledWorse = label(cluster, WORSE, worse, common, common);
            Map<String, Integer> labelledBetter =
                    label(cluster, BETTER, better, common, 1 - common);
            awaitLogged(cluster, WORSE, labelledWorse.size());
            awaitLogged(cluster, BETTER, labelledBetter.size());

            String v2Uri = writeOpposite(cluster, common);
            Path v2 = cluster.options().workDir().resolve("replay-v2.yaml");
            Files.writeString(v2, VERSION_TWO.formatted(MODEL, v2Uri));
            cluster.apply(v2);

            awaitState(
                    cluster,
                    BETTER + " serving v2 after a Better replay",
                    () ->
                            Integer.valueOf(2)
                                            .equals(
                                                    field(
                                                            client,
                                                            BETTER,
                                                            "status",
                                                            "currentVersion"))
                                    && "Better"
                                            .equals(
                                                    field(
                                                            client,
                                                            BETTER,
                                                            "status",
                                                            "replay",
                                                            "decision")));
            awaitState(
                    cluster,
                    WORSE + " holding v2 after a Worse replay",
                    () -> "Worse".equals(field(client, WORSE, "status", "replay", "decision")));
            assertThat(((Number) field(client, WORSE, "status", "replay", "samples")).longValue())
                    .isEqualTo(labelledWorse.size());
            assertThat(field(client, WORSE, "status", "replay", "held")).isEqualTo(true);
            assertThat(
                            E2eSetup.field(
                                    client,
                                    NS,
                                    "ModelVersion",
                                    MODEL + "-v2",
                                    "status",
                                    "replay",
                                    "decision"))
                    .as("the last replay of v2, in its own status")
                    .isIn("Worse", "Better");
            awaitState(
                    cluster,
                    BETTER + "'s pods answering as v2",
                    () -> "2".equals(modelVersion(cluster, BETTER)));
            Thread.sleep(3000); // a few more reconciles: the held one stays on v1
            assertThat(field(client, WORSE, "status", "currentVersion")).isEqualTo(1);
            assertThat(modelVersion(cluster, WORSE)).isEqualTo("1");
            assertThat(
                            client.pods().inNamespace(NS).list().getItems().stream()
                                    .filter(p -> p.getMetadata().getLabels() != null)
                                    .filter(
                                            p ->
                                                    WORSE.equals(
                                                            p.getMetadata()
                                                                    .getLabels()
                                                                    .get(
                                                                            "mlcycle.io/modeldeployment")))
                                    .map(
                                            p ->
                                                    p.getMetadata()
                                                            .getLabels()
                                                            .get("mlcycle.io/model-version"))
                                    .toList())
                    .as("no pod of " + WORSE + " ever runs v2")
                    .doesNotContain("2");
        }
    }

    /** {@link #ROWS} rows scored by {@code md}'s v1: prediction id → class. */
    static Map<String, Integer> traffic(LocalCluster cluster, String md) throws Exception {
        String model = cluster.services().url(NS, md).orElseThrow() + "/v2/models/" + MODEL;
        JsonNode meta = E2eSetup.json(model, null);
        String feature = meta.get("inputs").get(1).get("name").asText();
        Map<String, Integer> answers = new LinkedHashMap<>();
        for (int r = 0; r < 2; r++) {
            List<String> values = new ArrayList<>();
            for (int i = 0; i < ROWS / 2; i++) {
                values.add(String.valueOf((r * ROWS / 2 + i) % 12));
            }
            JsonNode a =
                    E2eSetup.json(
                            model + "/infer",
                            "{\"inputs\":[{\"name\":\""
                                    + feature
                                    + "\",\"shape\":["
                                    + values.size()
                                    + "],\"datatype\":\"FP32\",\"data\":["
                                    + String.join(",", values)
                                    + "]}]}");
            assertThat(a).as("v1 of " + md + " answers").isNotNull();
            JsonNode out = a.get("outputs");
            for (int i = 0; i < values.size(); i++) {
                answers.put(
                        out.get(2).get("data").get(i).asText(),
                        out.get(1).get("data").get(i).asInt());
            }
        }
        return answers;
    }

    static int majority(Map<String, Integer> answers) {
        long ones = answers.values().stream().filter(c -> c == 1).count();
        return ones * 2 >= answers.size() ? 1 : 0;
    }

    /**
     * Posts feedback {@code actual} for every row {@code md}'s v1 answered {@code answered};
     * returns the labelled prediction ids.
     */
    static Map<String, Integer> label(
            LocalCluster cluster, String md, Map<String, Integer> answers, int answered, int actual)
            throws Exception {
        Map<String, Integer> labelled = new LinkedHashMap<>();
        answers.forEach(
                (id, c) -> {
                    if (c == answered) {
                        labelled.put(id, actual);
                    }
                });
        List<String> feedback = new ArrayList<>();
        labelled.forEach(
                (id, a) -> feedback.add("{\"prediction_id\":\"" + id + "\",\"actual\":" + a + "}"));
        String model = cluster.services().url(NS, md).orElseThrow() + "/v2/models/" + MODEL;
        String token = TrafficReplayer.feedbackToken(cluster.client(), NS, md);
        assertThat(
                        E2eSetup.json(
                                model + "/feedback",
                                "{\"feedback\":[" + String.join(",", feedback) + "]}",
                                token))
                .as("feedback accepted by " + md)
                .isNotNull();
        assertThat(labelled.size()).as("labelled rows of " + md).isGreaterThanOrEqualTo(ROWS / 2);
        return labelled;
    }

    /** Waits until {@code md}'s published request log holds {@code labels} feedback lines. */
    static void awaitLogged(LocalCluster cluster, String md, int labels) {
        Path dir = cluster.options().dataRoot().resolve("data/request-logs/" + md);
        awaitState(
                cluster,
                md + "'s request log with " + labels + " labels",
                () -> feedbackLines(dir) >= labels);
    }

    static long feedbackLines(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(f -> f.getFileName().toString().endsWith(".jsonl.gz")).toList();
        }
        long n = 0;
        for (Path f : files) {
            try (BufferedReader in =
                    new BufferedReader(
                            new InputStreamReader(
                                    new GZIPInputStream(Files.newInputStream(f)),
                                    StandardCharsets.UTF_8))) {
                n += in.lines().filter(l -> l.contains("\"actual\"")).count();
            }
        }
        return n;
    }

    /**
     * v2: v1's artifact copied beside it with a threshold that always gives the class v1 gives
     * least; returns its URI.
     */
    static String writeOpposite(LocalCluster cluster, int common) throws IOException {
        String v1Uri =
                (String)
                        E2eSetup.field(
                                cluster.client(),
                                NS,
                                "ModelVersion",
                                MODEL + "-v1",
                                "spec",
                                "artifactUri");
        Path root = cluster.options().dataRoot();
        Path v1 = root.resolve(java.net.URI.create(v1Uri).getPath().substring(1));
        Path v2 = v1.resolveSibling("v2-opposite");
        try (Stream<Path> s = Files.walk(v1)) {
            for (Path f : s.toList()) {
                Path to = v2.resolve(v1.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode spec = (ObjectNode) json.readTree(v2.resolve("model.json").toFile());
        spec.put("version", 2);
        spec.put("threshold", common == 1 ? 1.0 : 0.0);
        json.writeValue(v2.resolve("model.json").toFile(), spec);
        return "file:///" + root.relativize(v2).toString().replace('\\', '/') + "/";
    }

    /** The {@code model_version} {@code md}'s Service answers with now (null when not 200). */
    static String modelVersion(LocalCluster cluster, String md) throws Exception {
        String model = cluster.services().url(NS, md).orElseThrow() + "/v2/models/" + MODEL;
        JsonNode meta = E2eSetup.json(model, null);
        String feature = meta == null ? null : meta.get("inputs").get(1).get("name").asText();
        JsonNode a =
                feature == null
                        ? null
                        : E2eSetup.json(
                                model + "/infer",
                                "{\"inputs\":[{\"name\":\""
                                        + feature
                                        + "\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}");
        return a == null ? null : a.get("model_version").asText();
    }

    static Object field(KubernetesClient client, String md, String... path) {
        return E2eSetup.field(client, NS, "ModelDeployment", md, path);
    }

    static void awaitState(
            LocalCluster cluster, String what, java.util.concurrent.Callable<Boolean> c) {
        E2eSetup.awaitState(cluster, what, Duration.ofMinutes(4), Duration.ofMillis(500), c);
    }
}
