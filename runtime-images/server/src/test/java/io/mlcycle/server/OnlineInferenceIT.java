package io.mlcycle.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.SparseTables;
import io.mlcycle.model.FeatureAssembler;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.online.LocalRedis;
import io.mlcycle.online.OnlineStoreWriter;
import io.mlcycle.online.RedisEndpoint;
import io.mlcycle.server.oip.GRPCInferenceServiceGrpc;
import io.mlcycle.server.oip.ModelInferRequest;
import io.mlcycle.server.oip.ModelInferResponse;
import io.mlcycle.task.ServeTask;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.JedisPooled;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.mlcycle.server.OipMessages.byEntity;
import static io.mlcycle.server.OipMessages.output;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Inference by entity id against a real {@code redis-server} on loopback: the same entity scores
 * identically from the offline table and through Redis; Redis down is a 503, not a crash.
 */
@RealServersTier
class OnlineInferenceIT {

    @TempDir Path tmp;

    private static ModelInferResponse grpcByEntity(int port, List<String> ids)
            throws InterruptedException {
        ManagedChannel channel =
                NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            ModelInferRequest.InferInputTensor.Builder in =
                    ModelInferRequest.InferInputTensor.newBuilder()
                            .setName("entity")
                            .setDatatype("BYTES")
                            .addShape(ids.size());
            ids.forEach(
                    id -> in.getContentsBuilder().addBytesContents(ByteString.copyFromUtf8(id)));
            return GRPCInferenceServiceGrpc.newBlockingStub(channel)
                    .modelInfer(
                            ModelInferRequest.newBuilder()
                                    .setModelName("churn")
                                    .addInputs(in)
                                    .build());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static InferenceServer server(String redisUrl) {
        ModelSlot slot = new ModelSlot();
        assertThat(slot.load(() -> ArtifactModel.load(TestModels.artifact()))).isTrue();
        return new InferenceServer(
                OipMessages.config(64 * 1024, 100),
                slot,
                new ServeTask.Online(redisUrl, null, List.of(TestModels.VIEW)),
                TestModels.withToken(Map.of()));
    }

    @Test
    void anEntityScoresIdenticallyFromTheOfflineTableAndThroughRedis() throws Exception {
        Path version = tmp.resolve("events/asOf=2026-11-20");
        var rows = TestModels.rows(40, 77);
        TestModels.writeFeatureTable(version, rows);

        // offline: the table as batch scoring assembles it for the model
        ModelArtifact model = TestModels.load();
        SparseMatrix table = SparseTables.read(version);
        SparseMatrix offline =
                FeatureAssembler.project(
                        FeatureAssembler.join(
                                List.of(
                                        new FeatureAssembler.Table(
                                                TestModels.VIEW,
                                                table,
                                                FeatureCatalog.read(version)))),
                        model.featureNames());
        float[] offlineScores = model.predict(offline);
        Map<String, Float> expected = new HashMap<>();
        for (int r = 0; r < offline.rows(); r++) {
            expected.put(offline.entities()[r], offlineScores[r]);
        }

        try (LocalRedis redis = LocalRedis.start()) {
            try (JedisPooled client = RedisEndpoint.of(redis.url(), null).open()) {
                new OnlineStoreWriter(
                                client, OnlineStoreWriter.Options.defaults(Duration.ofHours(1)))
                        .write(TestModels.VIEW, version);
            }
            try (InferenceServer server = server(redis.url()).start()) {
                Http http = new Http(server.port());
                List<String> ids =
                        List.of(
                                rows.get(3).entity(),
                                rows.get(0).entity(),
                                "nobody",
                                rows.get(17).entity());
                Http.Response r = http.post("/v2/models/churn/infer", byEntity(ids));
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                JsonNode json = r.json();
                assertThat(json.get("id").asText()).isEqualTo("e-1");
                JsonNode prob = output(json, "probability").get("data");
                JsonNode missing = output(json, "missing").get("data");
                assertThat(output(json, "missing").get("datatype").asText()).isEqualTo("BOOL");
                for (int i = 0; i < ids.size(); i++) {
                    if (ids.get(i).equals("nobody")) {
                        assertThat(missing.get(i).asBoolean()).isTrue();
                        assertThat(prob.get(i).asDouble()).isEqualTo(-1.0);
                        assertThat(output(json, "class").get("data").get(i).asInt()).isEqualTo(-1);
                        assertThat(output(json, "prediction_id").get("data").get(i).asText())
                                .isEmpty();
                    } else {
                        assertThat(missing.get(i).asBoolean()).isFalse();
                        assertThat((float) prob.get(i).asDouble())
                                .as("entity %s", ids.get(i))
                                .isEqualTo(expected.get(ids.get(i)));
                    }
                }
                assertThat(output(json, "missing_entities").get("data").toString())
                        .isEqualTo("[\"nobody\"]");
                assertThat(json.get("parameters").get("missing_count").asInt()).isEqualTo(1);
                assertThat(json.get("parameters").get("online_as_of.events").asText())
                        .isEqualTo("2026-11-20");
                assertThat(json.toString()).doesNotContain("null");
                json.get("parameters")
                        .fields()
                        .forEachRemaining(
                                e ->
                                        assertThat(e.getValue().isValueNode())
                                                .as(e.getKey())
                                                .isTrue());

                // feature values in the request still work on a server with online features
                Http.Response named =
                        http.post(
                                "/v2/models/churn/infer",
                                "{\"inputs\":[{\"name\":\"events/e0\",\"shape\":[1],"
                                        + "\"datatype\":\"FP32\",\"data\":[1.5]}]}");
                assertThat(named.status()).as(named.body()).isEqualTo(200);

                String metrics = http.get("/metrics").body();
                assertThat(
                                Http.sample(
                                        metrics,
                                        "mlcycle_online_misses_total",
                                        Http.labels(
                                                "deployment",
                                                "churn-prod",
                                                "version",
                                                "3",
                                                "featureView",
                                                "events")))
                        .isEqualTo(1.0);
                assertThat(
                                Http.sample(
                                        metrics,
                                        "mlcycle_online_lookup_seconds_count",
                                        Http.labels("deployment", "churn-prod", "version", "3")))
                        .isEqualTo(1.0);

                // the same by gRPC (BYTES contents) and by binary REST (BYTES in the binary layout)
                ModelInferResponse g = grpcByEntity(server.grpcPort(), ids);
                assertThat(OipClient.toFp32(g.getRawOutputContents(0).toByteArray()))
                        .containsExactly(OipMessages.floats(prob));
                assertThat(g.getParametersMap().get("missing_count").getInt64Param()).isEqualTo(1);
                OipClient.Response bin =
                        new OipClient(server.port())
                                .infer(
                                        "churn",
                                        OipClient.request(
                                                null,
                                                List.of(
                                                        new OipClient.Input(
                                                                "entity",
                                                                "BYTES",
                                                                new long[] {ids.size()},
                                                                OipClient.bytes(ids))),
                                                true));
                assertThat(bin.status()).isEqualTo(200);
                assertThat(OipClient.toFp32(bin.binaryOutputs().get("probability")))
                        .containsExactly(OipMessages.floats(prob));
                assertThat(OipClient.toStrings(bin.binaryOutputs().get("missing_entities")))
                        .containsExactly("nobody");
            }
        }
    }

    @Test
    void redisDownIsA503WithAClearMessageAndTheServerKeepsServing() throws Exception {
        String url;
        try (LocalRedis redis = LocalRedis.start()) {
            url = redis.url();
        }
        try (InferenceServer server = server(url).start()) {
            Http http = new Http(server.port());
            Http.Response r = http.post("/v2/models/churn/infer", byEntity(List.of("u1")));
            assertThat(r.status()).as(r.body()).isEqualTo(503);
            assertThat(r.body()).contains("online store").contains("127.0.0.1");
            assertThat(http.get("/v2/health/live").status()).isEqualTo(200);
            Http.Response named =
                    http.post(
                            "/v2/models/churn/infer",
                            "{\"inputs\":[{\"name\":\"events/e0\",\"shape\":[1],"
                                    + "\"datatype\":\"FP32\",\"data\":[1.5]}]}");
            assertThat(named.status()).as(named.body()).isEqualTo(200);
            assertThat(
                            Http.sample(
                                    http.get("/metrics").body(),
                                    "mlcycle_online_errors_total",
                                    Http.labels(
                                            "deployment",
                                            "churn-prod",
                                            "version",
                                            "3",
                                            "reason",
                                            "Unavailable")))
                    .isEqualTo(1.0);
        }
    }

    @Test
    void aByEntityRequestMustHoldOnlyTheEntityInputAsBytes() throws Exception {
        try (LocalRedis redis = LocalRedis.start();
                InferenceServer server = server(redis.url()).start()) {
            Http http = new Http(server.port());
            Http.Response wrongType =
                    http.post(
                            "/v2/models/churn/infer",
                            "{\"inputs\":[{\"name\":\"entity\",\"shape\":[1],"
                                    + "\"datatype\":\"FP32\",\"data\":[1]}]}");
            assertThat(wrongType.status()).isEqualTo(400);
            assertThat(wrongType.body()).contains("BYTES");
            Http.Response badShape =
                    http.post(
                            "/v2/models/churn/infer",
                            "{\"inputs\":[{\"name\":\"entity\",\"shape\":[3],"
                                    + "\"datatype\":\"BYTES\",\"data\":[\"a\"]}]}");
            assertThat(badShape.status()).isEqualTo(400);
            assertThat(badShape.body()).contains("shape [1]");
        }
    }

    @Test
    void theAsOfServedPerFeatureViewIsAGaugeThatFollowsAVersionSwitch() throws Exception {
        Path version = tmp.resolve("events/asOf=2026-11-20");
        var rows = TestModels.rows(10, 5);
        TestModels.writeFeatureTable(version, rows);
        SparseMatrix table = SparseTables.read(version);
        FeatureCatalog catalog = FeatureCatalog.read(version);
        Map<String, String> series =
                Http.labels(
                        "deployment", "churn-prod", "version", "3", "featureView", TestModels.VIEW);
        String gauge = "mlcycle_online_features_as_of_seconds";
        try (LocalRedis redis = LocalRedis.start();
                JedisPooled client = RedisEndpoint.of(redis.url(), null).open()) {
            OnlineStoreWriter writer =
                    new OnlineStoreWriter(
                            client, OnlineStoreWriter.Options.defaults(Duration.ofHours(1)));
            writer.write(TestModels.VIEW, "2026-11-20", table, catalog);
            try (InferenceServer server = server(redis.url()).start()) {
                Http http = new Http(server.port());
                // nothing read yet: no as-of to report
                assertThat(Http.sample(http.get("/metrics").body(), gauge, series)).isNull();
                String body = byEntity(List.of(rows.get(0).entity()));
                assertThat(http.post("/v2/models/churn/infer", body).status()).isEqualTo(200);
                assertThat(Http.sample(http.get("/metrics").body(), gauge, series))
                        .isEqualTo(1_795_132_800.0); // 2026-11-20T00:00:00Z

                writer.write(TestModels.VIEW, "2026-11-21", table, catalog);
                // the server re-reads the current pointer after its cache (1 s) expires
                long deadline = System.nanoTime() + 30_000_000_000L;
                Double seen;
                do {
                    Thread.sleep(200);
                    assertThat(http.post("/v2/models/churn/infer", body).status()).isEqualTo(200);
                    seen = Http.sample(http.get("/metrics").body(), gauge, series);
                } while (seen != null && seen < 1_795_219_200.0 && System.nanoTime() < deadline);
                assertThat(seen).isEqualTo(1_795_219_200.0); // 2026-11-21T00:00:00Z
            }
        }
    }
}
