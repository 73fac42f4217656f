package io.mlcycle.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.SparseTables;
import io.mlcycle.task.TaskJson;
import io.mlcycle.testing.EndToEndTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * examples/online-quickstart in local mode with a real redis-server: the pivot writes the online
 * store, the served model scores players by id from Redis exactly as from their offline rows, an
 * unknown id is reported missing, a resource whose Redis cannot run fails naming the binary, and
 * closing local mode stops redis-server.
 */
@EndToEndTier
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OnlineQuickstartE2E {

    static final String NS = "default";
    static final String VIEW = "item-events-online";
    static final String MODEL = "return-predictor-online";
    static final String AS_OF = "2026-11-20";

    static Path redisLink;
    static LocalCluster cluster;
    static long started;

    @BeforeAll
    static void start() throws Exception {
        assumeThat(LocalOnlineStore.DEFAULT_BINARY)
                .as("the online chain needs redis-server (apt-get install redis-server)")
                .isExecutable();
        started = System.nanoTime();
        Path root = E2eSetup.projectRoot(E2eSetup.CHAIN_JARS);
        Path work = root.resolve("local/target/e2e-online");
        LocalCluster.Options o = E2eSetup.freshOptions(root, work, System.out);
        // a link the last test removes: redis-server "uninstalled" while local mode runs
        redisLink = work.resolve("bin/redis-server");
        Files.createDirectories(redisLink.getParent());
        Files.deleteIfExists(redisLink);
        Files.createSymbolicLink(redisLink, LocalOnlineStore.DEFAULT_BINARY);
        o = o.withRedisBinary(redisLink);
        Path example = root.resolve("examples/online-quickstart");
        for (List<String> args : QuickstartData.generatorRuns(example)) {
            QuickstartData.generate(root, o.dataRoot(), args, work.resolve("logs/generator.log"));
        }
        cluster = LocalCluster.start(o);
        cluster.watch();
        cluster.apply(example);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
            System.out.printf(
                    "OnlineQuickstartE2E: %.0f s in all%n", (System.nanoTime() - started) / 1e9);
        }
    }

    static Object field(String kind, String name, String... path) {
        return E2eSetup.field(cluster.client(), NS, kind, name, path);
    }

    static void awaitDone() {
        E2eSetup.awaitState(
                cluster,
                "the online chain done",
                Duration.ofMinutes(3),
                Duration.ofMillis(500),
                () -> Scenario.evaluate(cluster.resources()) instanceof Scenario.Done);
    }

    @Test
    @Order(1)
    void theFeatureViewShowsWhatItWroteToTheOnlineStore() {
        awaitDone();
        Object entities = field("FeatureView", VIEW, "status", "latest", "entities");
        assertThat(field("FeatureView", VIEW, "status", "online", "asOf")).isEqualTo(AS_OF);
        assertThat(field("FeatureView", VIEW, "status", "online", "entities")).isEqualTo(entities);
        assertThat(((Number) entities).longValue()).isGreaterThan(1000);
        assertThat(field("FeatureView", VIEW, "status", "online", "version")).isNotNull();
        GenericKubernetesResource fv = cluster.resources().get("FeatureView").get(0);
        assertThat(Scenario.conditionIs(fv, "OnlineSynced", "True")).isTrue();

        List<LocalOnlineStore.Server> servers = cluster.onlineStore().servers();
        assertThat(servers).hasSize(1);
        assertThat(servers.get(0).address()).isEqualTo("redis.data:6379");
        assertThat(servers.get(0).passwordFrom()).isEqualTo("Secret feature-redis key password");
    }

    @Test
    @Order(2)
    void theDeploymentsOnlineFeaturesAreNotStale() {
        GenericKubernetesResource md = cluster.resources().get("ModelDeployment").get(0);
        assertThat(Scenario.conditionIs(md, "OnlineFeaturesStale", "False")).isTrue();
        Object views = field("ModelDeployment", MODEL, "status", "onlineFeatures");
        assertThat(views).isInstanceOf(List.class);
        Map<?, ?> view = (Map<?, ?>) ((List<?>) views).get(0);
        assertThat(view.get("featureView")).isEqualTo(VIEW);
        assertThat(view.get("asOf")).isEqualTo(AS_OF);
        assertThat(view.get("stale")).isEqualTo(false);
    }

    @Test
    @Order(3)
    void playersScoreTheSameByIdFromRedisAsFromTheirOfflineRowsAndUnknownIdsAreMissing()
            throws Exception {
        Path table =
                cluster.options().dataRoot().resolve("data/features/" + VIEW + "/asOf=" + AS_OF);
        SparseMatrix m = SparseTables.read(table);
        FeatureCatalog catalog = FeatureCatalog.read(table);
        String base = cluster.services().url(NS, MODEL).orElseThrow() + "/v2/models/" + MODEL;
        List<String> inputs = new ArrayList<>();
        for (JsonNode in : get(base).path("inputs")) {
            // one [-1] FP32 input per feature; metadata also lists the dense [-1, F] input and
            // the BYTES entity input
            if (in.path("shape").size() == 1 && in.path("datatype").asText().equals("FP32")) {
                inputs.add(in.path("name").asText());
            }
        }
        String[] names = new String[m.numFeatures()];
        for (FeatureCatalog.Feature f : catalog.features()) {
            names[f.index()] = VIEW + "/" + f.name();
        }
        int[] rows = {0, m.rows() / 2, m.rows() - 1};
        List<String> players = new ArrayList<>();
        Map<String, float[]> columns = new LinkedHashMap<>();
        inputs.forEach(name -> columns.put(name, new float[rows.length]));
        for (int i = 0; i < rows.length; i++) {
            int r = rows[i];
            players.add(m.entities()[r]);
            for (int k = m.rowPtr()[r]; k < m.rowPtr()[r + 1]; k++) {
                String name = names[m.cols()[k]];
                if (columns.containsKey(name)) {
                    columns.get(name)[i] = m.values()[k];
                }
            }
        }
        ObjectNode byValues = TaskJson.MAPPER.createObjectNode();
        ArrayNode in = byValues.putArray("inputs");
        columns.forEach(
                (name, values) -> {
                    ObjectNode t = in.addObject().put("name", name).put("datatype", "FP32");
                    t.putArray("shape").add(values.length);
                    ArrayNode data = t.putArray("data");
                    for (float v : values) {
                        data.add(v);
                    }
                });
        JsonNode offline = output(post(base + "/infer", byValues), "probability");

        ObjectNode byId = TaskJson.MAPPER.createObjectNode();
        ObjectNode entity = byId.putArray("inputs").addObject();
        entity.put("name", "entity").put("datatype", "BYTES");
        entity.putArray("shape").add(players.size() + 1);
        ArrayNode ids = entity.putArray("data");
        players.forEach(ids::add);
        ids.add("no-such-player");
        JsonNode resp = post(base + "/infer", byId);
        JsonNode online = output(resp, "probability");
        JsonNode missing = output(resp, "missing");

        for (int i = 0; i < players.size(); i++) {
            assertThat(missing.get(i).asBoolean()).as(players.get(i) + " missing").isFalse();
            assertThat(online.get(i).asDouble())
                    .as(players.get(i) + " by id against its offline row")
                    .isBetween(0.0, 1.0)
                    .isCloseTo(offline.get(i).asDouble(), within(1e-5));
        }
        assertThat(missing.get(players.size()).asBoolean()).isTrue();
        assertThat(online.get(players.size()).asDouble()).isEqualTo(-1.0);
        assertThat(output(resp, "missing_entities").toString()).isEqualTo("[\"no-such-player\"]");
        assertThat(resp.path("parameters").path("online_as_of." + VIEW).asText()).isEqualTo(AS_OF);
    }

    @Test
    @Order(4)
    void aFeatureViewWhoseRedisCannotRunFailsNamingTheMissingBinary() throws Exception {
        Files.delete(redisLink);
        Path manifest = cluster.options().workDir().resolve("other-redis.yaml");
        Files.writeString(
                manifest,
                Files.readString(
                                cluster.options()
                                        .projectRoot()
                                        .resolve("examples/online-quickstart/10-featureview.yaml"))
                        .replace("name: " + VIEW, "name: other-online")
                        .replace("redis.data:6379", "redis.other:6379")
                        .replace("features/" + VIEW, "features/other-online"));
        cluster.apply(manifest);
        E2eSetup.awaitValue(
                cluster,
                "FeatureView other-online Failed",
                Duration.ofMinutes(1),
                Duration.ofMillis(500),
                () -> field("FeatureView", "other-online", "status", "phase"),
                "Failed"::equals);
        GenericKubernetesResource fv =
                cluster.resources().get("FeatureView").stream()
                        .filter(r -> r.getMetadata().getName().equals("other-online"))
                        .findFirst()
                        .orElseThrow();
        assertThat(Scenario.why(fv))
                .contains("FeatureView other-online")
                .contains(redisLink.toString())
                .contains("not installed");
        // the Redis already running keeps serving the first view
        assertThat(cluster.onlineStore().servers()).hasSize(1);
    }

    @Test
    @Order(5)
    void closingLocalModeStopsRedisServer() {
        List<ProcessHandle> redis =
                cluster.onlineStore().servers().stream().map(s -> s.process().toHandle()).toList();
        assertThat(redis).isNotEmpty().allMatch(ProcessHandle::isAlive);
        cluster.close();
        assertThat(redis).noneMatch(ProcessHandle::isAlive);
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static JsonNode get(String url) throws Exception {
        HttpResponse<String> r =
                HTTP.send(
                        HttpRequest.newBuilder(URI.create(url)).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET " + url + ": " + r.body()).isEqualTo(200);
        return TaskJson.MAPPER.readTree(r.body());
    }

    private static JsonNode post(String url, JsonNode body) throws Exception {
        HttpResponse<String> r =
                HTTP.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("POST " + url + ": " + r.body()).isEqualTo(200);
        return TaskJson.MAPPER.readTree(r.body());
    }

    private static JsonNode output(JsonNode resp, String name) {
        for (JsonNode o : resp.path("outputs")) {
            if (name.equals(o.path("name").asText())) {
                return o.path("data");
            }
        }
        throw new AssertionError("no output '" + name + "' in " + resp);
    }
}
