package io.mlcycle.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.SparseTables;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.server.oip.GRPCInferenceServiceGrpc;
import io.mlcycle.server.oip.ServerReadyRequest;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.mlcycle.server.Http.labels;
import static io.mlcycle.server.OipMessages.config;
import static io.mlcycle.server.OipMessages.denseBody;
import static io.mlcycle.server.OipMessages.floats;
import static io.mlcycle.server.OipMessages.namedTensor;
import static io.mlcycle.server.OipMessages.output;
import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class InferenceServerTest {

    private static final String DEPLOYMENT = "churn-prod";
    private static InferenceServer server;
    private static Http http;
    private static ModelArtifact model;

    @BeforeAll
    static void start() throws IOException {
        model = TestModels.load();
        ModelSlot slot = new ModelSlot();
        assertThat(slot.load(() -> ArtifactModel.load(TestModels.artifact()))).isTrue();
        server = TestModels.server(config(64 * 1024, 100), slot).start();
        http = new Http(server.port());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static String namedBody(List<SparseTables.Row> rows) {
        List<String> inputs = new ArrayList<>();
        // feature 5 is left out on purpose: a missing feature is 0 in every row
        for (int j = 4; j >= 0; j--) {
            StringBuilder data = new StringBuilder();
            for (SparseTables.Row r : rows) {
                data.append(data.length() == 0 ? "" : ",").append(TestModels.dense(r)[j]);
            }
            inputs.add(namedTensor(TestModels.feature(j), rows.size(), data));
        }
        return "{\"inputs\":[" + String.join(",", inputs) + "]}";
    }

    @Test
    void healthAndMetadataDescribeTheLoadedModel() {
        assertThat(http.get("/v2/health/live").status()).isEqualTo(200);
        assertThat(http.get("/v2/health/ready").status()).isEqualTo(200);
        Http.Response ready = http.get("/v2/models/churn/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().get("name").asText()).isEqualTo("churn");
        assertThat(ready.json().get("ready").asBoolean()).isTrue();
        Http.Response meta = http.get("/v2/models/churn");
        assertThat(meta.status()).isEqualTo(200);
        JsonNode m = meta.json();
        assertThat(m.get("name").asText()).isEqualTo("churn");
        assertThat(m.get("versions").get(0).asText()).isEqualTo("3");
        assertThat(m.get("platform").asText()).isNotBlank();
        assertThat(m.get("inputs")).hasSize(1 + TestModels.FEATURES);
        JsonNode dense = m.get("inputs").get(0);
        assertThat(dense.get("name").asText()).isEqualTo("input");
        assertThat(dense.get("shape").toString()).isEqualTo("[-1," + TestModels.FEATURES + "]");
        assertThat(m.get("inputs").get(3).get("name").asText()).isEqualTo("events/e2");
        assertThat(m.get("inputs").get(3).get("datatype").asText()).isEqualTo("FP32");
        assertThat(m.get("inputs").get(3).get("shape").toString()).isEqualTo("[-1]");
        assertThat(m.get("outputs").findValuesAsText("name"))
                .containsExactly("probability", "class", "prediction_id");
        assertThat(http.get("/v2/models/churn/versions/3").status()).isEqualTo(200);
    }

    @Test
    void denseRowsAreScoredByTheModelWithClassesAtItsThreshold() {
        List<SparseTables.Row> rows = TestModels.rows(20, 123);
        Http.Response r = http.post("/v2/models/churn/infer", denseBody("req-1", rows));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode json = r.json();
        assertThat(json.get("model_name").asText()).isEqualTo("churn");
        assertThat(json.get("model_version").asText()).isEqualTo("3");
        assertThat(json.get("id").asText()).isEqualTo("req-1");
        JsonNode prob = output(json, "probability");
        assertThat(prob.get("datatype").asText()).isEqualTo("FP32");
        assertThat(prob.get("shape").get(0).asInt()).isEqualTo(20);
        float[] expected = model.predict(TestModels.matrix(rows));
        assertThat(floats(prob.get("data"))).containsExactly(expected);
        JsonNode cls = output(json, "class");
        assertThat(cls.get("datatype").asText()).isEqualTo("INT32");
        boolean sawBoth = false;
        for (int i = 0; i < expected.length; i++) {
            assertThat(cls.get("data").get(i).asInt()).isEqualTo(expected[i] >= 0.5 ? 1 : 0);
            sawBoth |= cls.get("data").get(i).asInt() != cls.get("data").get(0).asInt();
        }
        assertThat(sawBoth).as("the test rows get both classes").isTrue();
        JsonNode ids = output(json, "prediction_id");
        assertThat(ids.get("datatype").asText()).isEqualTo("BYTES");
        assertThat(ids.get("data")).hasSize(20);
        List<String> idList = new ArrayList<>();
        ids.get("data").forEach(n -> idList.add(n.asText()));
        assertThat(idList).doesNotHaveDuplicates();
    }

    @Test
    void namedSparseFeaturesScoreLikeTheSameDenseRows() {
        List<SparseTables.Row> rows = TestModels.rows(7, 5);
        for (SparseTables.Row r : rows) {
            // the named request leaves out feature 5; the dense one sends it as 0
            for (int k = 0; k < r.indices().length; k++) {
                if (r.indices()[k] == 5) {
                    r.values()[k] = 0f;
                }
            }
        }
        Http.Response named = http.post("/v2/models/churn/infer", namedBody(rows));
        Http.Response dense = http.post("/v2/models/churn/infer", denseBody("d", rows));
        assertThat(named.status()).as(named.body()).isEqualTo(200);
        assertThat(named.json().has("id")).isFalse();
        assertThat(floats(output(named.json(), "probability").get("data")))
                .containsExactly(floats(output(dense.json(), "probability").get("data")));
    }

    @Test
    void feedbackIsCountedByPredictedAndActualClassInTheMetrics() {
        List<SparseTables.Row> rows = TestModels.rows(30, 77);
        JsonNode json = http.post("/v2/models/churn/infer", denseBody("f", rows)).json();
        JsonNode cls = output(json, "class").get("data");
        JsonNode ids = output(json, "prediction_id").get("data");
        String before = http.get("/metrics").body();
        // actual: the truth of the synthetic rule; count what we expect per (predicted, actual)
        long[][] expected = new long[2][2];
        StringBuilder fb = new StringBuilder();
        for (int i = 0; i < rows.size(); i++) {
            int actual = TestModels.positive(TestModels.dense(rows.get(i))) ? 1 : 0;
            expected[cls.get(i).asInt()][actual]++;
            fb.append(fb.length() == 0 ? "" : ",")
                    .append("{\"prediction_id\":\"")
                    .append(ids.get(i).asText())
                    .append("\",\"actual\":")
                    .append(actual)
                    .append("}");
        }
        fb.append(",{\"prediction_id\":\"gone-123\",\"actual\":1}");
        Http.Response r = http.post("/v2/models/churn/feedback", "{\"feedback\":[" + fb + "]}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(30);
        assertThat(r.json().get("unknown").get(0).asText()).isEqualTo("gone-123");
        String metrics = http.get("/metrics").body();
        for (int p = 0; p < 2; p++) {
            for (int a = 0; a < 2; a++) {
                var l =
                        labels(
                                "deployment",
                                DEPLOYMENT,
                                "version",
                                "3",
                                "predicted",
                                "" + p,
                                "actual",
                                "" + a);
                double was = Http.sample(before, "mlcycle_feedback_total", l);
                assertThat(Http.sample(metrics, "mlcycle_feedback_total", l))
                        .as("feedback predicted=%d actual=%d", p, a)
                        .isEqualTo(was + expected[p][a]);
            }
        }
        assertThat(expected[1][1]).as("some true positives").isPositive();
        // a second report for the same prediction is not counted twice
        Http.Response again =
                http.post(
                        "/v2/models/churn/feedback",
                        "{\"feedback\":[{\"prediction_id\":\""
                                + ids.get(0).asText()
                                + "\",\"actual\":1}]}");
        assertThat(again.json().get("accepted").asInt()).isZero();
        assertThat(again.json().get("duplicate")).hasSize(1);
    }

    @Test
    void feedbackWithoutTheTokenIsRefusedWith401CountedAndNeverReachesTheFeedbackMetrics() {
        List<SparseTables.Row> rows = TestModels.rows(20, 91);
        JsonNode json = http.post("/v2/models/churn/infer", denseBody("auth", rows)).json();
        JsonNode ids = output(json, "prediction_id").get("data");
        StringBuilder fb = new StringBuilder();
        for (int i = 0; i < rows.size(); i++) {
            fb.append(i == 0 ? "" : ",")
                    .append("{\"prediction_id\":\"")
                    .append(ids.get(i).asText())
                    .append("\",\"actual\":0}");
        }
        String body = "{\"feedback\":[" + fb + "]}";
        String before = http.get("/metrics").body();
        // a flood of wrong labels: none carries the token
        for (int i = 0; i < 10; i++) {
            Http.Response none = http.post("/v2/models/churn/feedback", body, null);
            assertThat(none.status()).as(none.body()).isEqualTo(401);
            assertThat(none.json().get("error").asText()).contains("Authorization: Bearer");
            Http.Response wrong =
                    http.post(
                            "/v2/models/churn/feedback", body, "Bearer " + TestModels.TOKEN + "x");
            assertThat(wrong.status()).as(wrong.body()).isEqualTo(401);
            assertThat(wrong.body()).doesNotContain(TestModels.TOKEN);
        }
        Http.Response basic = http.post("/v2/models/churn/feedback", body, "Basic Zm9vOmJhcg==");
        assertThat(basic.status()).isEqualTo(401);
        String after = http.get("/metrics").body();
        var any = labels("deployment", DEPLOYMENT, "version", "3");
        assertThat(Http.total(after, "mlcycle_feedback_total", any))
                .as("no refused label is counted")
                .isEqualTo(Http.total(before, "mlcycle_feedback_total", any));
        var missing = labels("deployment", DEPLOYMENT, "version", "3", "reason", "missing_token");
        var wrong = labels("deployment", DEPLOYMENT, "version", "3", "reason", "wrong_token");
        assertThat(Http.sample(after, "mlcycle_feedback_rejected_total", missing))
                .isEqualTo(Http.sample(before, "mlcycle_feedback_rejected_total", missing) + 11);
        assertThat(Http.sample(after, "mlcycle_feedback_rejected_total", wrong))
                .isEqualTo(Http.sample(before, "mlcycle_feedback_rejected_total", wrong) + 10);
        // the same labels with the token count, every one
        Http.Response ok = http.post("/v2/models/churn/feedback", body);
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(ok.json().get("accepted").asInt()).isEqualTo(20);
    }

    @Test
    void metricsExposeRequestsLatencyScoresAndTheModelVersion() {
        http.post("/v2/models/churn/infer", denseBody("m", TestModels.rows(3, 1)));
        http.post("/v2/models/churn/infer", "{not json");
        String m = http.get("/metrics").body();
        assertThat(
                        Http.sample(
                                m,
                                "mlcycle_model_info",
                                labels("deployment", DEPLOYMENT, "model", "churn", "version", "3")))
                .isEqualTo(1.0);
        assertThat(
                        Http.sample(
                                m,
                                "mlcycle_requests_total",
                                labels(
                                        "deployment",
                                        DEPLOYMENT,
                                        "version",
                                        "3",
                                        "endpoint",
                                        "infer",
                                        "code",
                                        "200")))
                .isGreaterThanOrEqualTo(1.0);
        assertThat(
                        Http.sample(
                                m,
                                "mlcycle_errors_total",
                                labels(
                                        "deployment",
                                        DEPLOYMENT,
                                        "version",
                                        "3",
                                        "endpoint",
                                        "infer",
                                        "reason",
                                        "bad_request")))
                .isGreaterThanOrEqualTo(1.0);
        assertThat(
                        Http.sample(
                                m,
                                "mlcycle_request_duration_seconds_count",
                                labels(
                                        "deployment",
                                        DEPLOYMENT,
                                        "version",
                                        "3",
                                        "endpoint",
                                        "infer")))
                .isGreaterThanOrEqualTo(2.0);
        assertThat(
                        Http.sample(
                                m,
                                "mlcycle_score_count",
                                labels("deployment", DEPLOYMENT, "version", "3")))
                .isGreaterThanOrEqualTo(3.0);
        assertThat(
                        Http.sample(
                                m,
                                "mlcycle_score_bucket",
                                labels("deployment", DEPLOYMENT, "version", "3", "le", "+Inf")))
                .isGreaterThanOrEqualTo(3.0);
        assertThat(
                        Http.sample(
                                m,
                                "mlcycle_model_ready",
                                labels("deployment", DEPLOYMENT, "version", "3")))
                .isEqualTo(1.0);
    }

    @Test
    void badBodiesGet400WithTheProblemNamedAndTheServerKeepsServing() {
        assertThat(http.post("/v2/models/churn/infer", "{\"inputs\": [{\"name\":").body())
                .contains("malformed JSON");
        Http.Response unknown =
                http.post(
                        "/v2/models/churn/infer",
                        "{\"inputs\":[{\"name\":\"events/nope\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().get("error").asText()).contains("unknown feature 'events/nope'");
        Http.Response type =
                http.post(
                        "/v2/models/churn/infer",
                        "{\"inputs\":[{\"name\":\"events/e0\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"x\"]}]}");
        assertThat(type.status()).isEqualTo(400);
        assertThat(type.json().get("error").asText()).contains("datatype 'BYTES'");
        Http.Response shape =
                http.post(
                        "/v2/models/churn/infer",
                        "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}");
        assertThat(shape.status()).isEqualTo(400);
        assertThat(shape.json().get("error").asText()).contains("4 columns but the model has 6");
        Http.Response rows =
                http.post("/v2/models/churn/infer", denseBody("big", TestModels.rows(101, 3)));
        assertThat(rows.status()).isEqualTo(400);
        assertThat(rows.json().get("error").asText()).contains("the limit is 100 rows");
        Http.Response feedback =
                http.post(
                        "/v2/models/churn/feedback",
                        "{\"feedback\":[{\"prediction_id\":\"x\",\"actual\":\"yes\"}]}");
        assertThat(feedback.status()).isEqualTo(400);
        assertThat(feedback.json().get("error").asText()).contains("actual must be 0 or 1");
        assertThat(
                        http.post("/v2/models/churn/infer", denseBody("ok", TestModels.rows(2, 8)))
                                .status())
                .isEqualTo(200);
    }

    @Test
    void oversizeBodiesGet413WithOrWithoutAContentLength() {
        String big = "{\"id\":\"" + "x".repeat(70 * 1024) + "\"}";
        Http.Response declared = http.post("/v2/models/churn/infer", big);
        assertThat(declared.status()).isEqualTo(413);
        assertThat(declared.json().get("error").asText()).contains("65536 bytes");
        Http.Response chunked = http.postChunked("/v2/models/churn/infer", big.getBytes());
        assertThat(chunked.status()).isEqualTo(413);
        assertThat(http.get("/v2/health/ready").status()).isEqualTo(200);
    }

    @Test
    void anotherModelOrVersionIs404AndAWrongMethodIs405() {
        Http.Response other = http.post("/v2/models/fraud/infer", "{}");
        assertThat(other.status()).isEqualTo(404);
        assertThat(other.json().get("error").asText())
                .contains("no model 'fraud'")
                .contains("'churn'");
        assertThat(http.get("/v2/models/churn/versions/2").status()).isEqualTo(404);
        assertThat(http.get("/v2/models/churnx").status()).isEqualTo(404);
        assertThat(http.get("/nothing").status()).isEqualTo(404);
        assertThat(http.get("/v2/models/churn/infer").status()).isEqualTo(405);
    }

    @Test
    void aModelThatFailsToLoadIsLiveButNeverReady(@TempDir Path dir) throws IOException {
        Files.copy(TestModels.artifact().resolve("model.json"), dir.resolve("model.json"));
        Files.writeString(dir.resolve("model.params"), "not parameters");
        ModelSlot slot = new ModelSlot();
        try (InferenceServer broken = TestModels.server(config(1024, 10), slot).start()) {
            Http h = new Http(broken.port());
            assertThat(h.get("/v2/health/ready").status()).as("while loading").isEqualTo(503);
            Http.Response loading = h.get("/v2/models/churn");
            assertThat(loading.status()).isEqualTo(503);
            assertThat(loading.json().get("error").asText()).contains("still loading");
            Http.Response notReady = h.get("/v2/models/churn/ready");
            assertThat(notReady.json().get("name").asText()).isEqualTo("churn");
            assertThat(notReady.json().get("ready").asBoolean()).isFalse();
            assertThat(slot.load(() -> ArtifactModel.load(dir))).isFalse();
            assertThat(h.get("/v2/health/live").status()).isEqualTo(200);
            assertThat(h.get("/v2/health/ready").status()).isEqualTo(503);
            assertThat(h.get("/v2/models/churn/ready").status()).isEqualTo(503);
            Http.Response meta = h.get("/v2/models/churn");
            assertThat(meta.json().get("state").asText()).isEqualTo("FAILED");
            assertThat(meta.json().get("error").asText()).contains("model.params");
            Http.Response infer =
                    h.post(
                            "/v2/models/churn/infer",
                            "{\"inputs\":[{\"name\":\"events/e0\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}");
            assertThat(infer.status()).isEqualTo(503);
            assertThat(infer.json().get("error").asText()).contains("failed to load");
            assertThat(
                            Http.sample(
                                    h.get("/metrics").body(),
                                    "mlcycle_model_ready",
                                    labels("deployment", DEPLOYMENT, "version", "3")))
                    .isEqualTo(0.0);
        }
    }

    @Test
    void onlyTheRequestedOutputsAreReturned() {
        Http.Response r =
                http.post(
                        "/v2/models/churn/infer",
                        "{\"inputs\":[{\"name\":\"events/e0\",\"shape\":[1],\"datatype\":\"FP32\","
                                + "\"data\":[1]}],\"outputs\":[{\"name\":\"class\"}]}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("outputs").findValuesAsText("name")).containsExactly("class");
    }

    @Test
    void aDrainingServerReportsNotReadyButStillServes() throws InterruptedException {
        ModelSlot slot = new ModelSlot();
        assertThat(slot.load(() -> ArtifactModel.load(TestModels.artifact()))).isTrue();
        ManagedChannel channel = null;
        try (InferenceServer s = TestModels.server(config(64 * 1024, 10), slot).start()) {
            Http h = new Http(s.port());
            channel =
                    NettyChannelBuilder.forAddress("127.0.0.1", s.grpcPort())
                            .usePlaintext()
                            .build();
            GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub grpc =
                    GRPCInferenceServiceGrpc.newBlockingStub(channel);
            ServerReadyRequest ready = ServerReadyRequest.getDefaultInstance();
            assertThat(h.get("/v2/health/ready").status()).isEqualTo(200);
            assertThat(grpc.serverReady(ready).getReady()).isTrue();
            s.drain();
            assertThat(h.get("/v2/health/ready").status()).isEqualTo(503);
            assertThat(grpc.serverReady(ready).getReady()).isFalse();
            assertThat(h.get("/v2/health/live").status()).isEqualTo(200);
            assertThat(
                            h.post(
                                            "/v2/models/churn/infer",
                                            denseBody("late", TestModels.rows(1, 2)))
                                    .status())
                    .isEqualTo(200);
        } catch (IOException e) {
            throw new AssertionError(e);
        } finally {
            if (channel != null) {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void dataFromTheArtifactItselfIsScoredConsistently() {
        SparseMatrix one =
                new SparseMatrix(
                        new String[] {"a"}, new int[] {0, 1}, new int[] {0}, new float[] {2f}, 6);
        float p = model.predict(one)[0];
        Http.Response r =
                http.post(
                        "/v2/models/churn/versions/3/infer",
                        "{\"inputs\":[{\"name\":\"events/e0\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[2]}]}");
        assertThat(r.status()).isEqualTo(200);
        assertThat((float) output(r.json(), "probability").get("data").get(0).asDouble())
                .isEqualTo(p);
        assertThat(p).as("e0 = 2 is a positive by the rule the model learned").isGreaterThan(0.5f);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderEvenWhenTheFirstRunsOnAWorkerThread()
            throws IOException {
        // a body over 16 KiB is scored on a worker thread, the GET behind it on the event loop
        String big = denseBody("x".repeat(20_000), TestModels.rows(2, 9));
        byte[] json = big.getBytes(StandardCharsets.UTF_8);
        String requests =
                "POST /v2/models/churn/infer HTTP/1.1\r\nHost: t\r\nContent-Type:"
                        + " application/json\r\nContent-Length: "
                        + json.length
                        + "\r\n\r\n"
                        + big
                        + "GET /v2/health/live HTTP/1.1\r\nHost: t\r\n\r\n"
                        + "GET /nothing HTTP/1.1\r\nHost: t\r\n\r\n";
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(requests.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            String first = readResponse(in);
            assertThat(first).startsWith("HTTP/1.1 200").contains("\"probability\"");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200").endsWith("{\"live\":true}");
            assertThat(readResponse(in))
                    .startsWith("HTTP/1.1 404")
                    .contains("no endpoint /nothing");
        }
    }

    @Test
    void aMalformedRequestLineGets400AndTheConnectionCloses() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write("GET\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 400").contains("malformed HTTP");
            assertThat(in.read()).isEqualTo(-1);
        }
        assertThat(http.get("/v2/health/live").status()).isEqualTo(200);
    }

    /** One response (status line, headers and a Content-Length body) from a raw connection. */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("connection closed after: " + head);
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return head + new String(body, StandardCharsets.UTF_8);
    }
}
