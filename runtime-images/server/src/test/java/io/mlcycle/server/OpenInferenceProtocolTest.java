package io.mlcycle.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.mlcycle.common.SparseTables;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.server.oip.GRPCInferenceServiceGrpc;
import io.mlcycle.server.oip.ModelInferRequest;
import io.mlcycle.server.oip.ModelInferResponse;
import io.mlcycle.server.oip.ModelMetadataRequest;
import io.mlcycle.server.oip.ModelMetadataResponse;
import io.mlcycle.server.oip.ModelReadyRequest;
import io.mlcycle.server.oip.ServerLiveRequest;
import io.mlcycle.server.oip.ServerReadyRequest;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.InflaterInputStream;

import static io.mlcycle.server.OipMessages.output;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The protocol as clients speak it, through {@link OipClient}: binary tensors, outputs, errors. */
@UnitTier
class OpenInferenceProtocolTest {

    private static InferenceServer server;
    private static OipClient client;
    private static ModelArtifact model;
    private static final List<SparseTables.Row> ROWS = TestModels.rows(24, 77);

    @BeforeAll
    static void start() throws IOException {
        model = TestModels.load();
        ModelSlot slot = new ModelSlot();
        assertThat(slot.load(() -> ArtifactModel.load(TestModels.artifact()))).isTrue();
        server = TestModels.server(OipMessages.config(64 * 1024, 100), slot).start();
        client = new OipClient(server.port());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static float[] dense(List<SparseTables.Row> rows, Function<Float, Float> f) {
        float[] out = new float[rows.size() * TestModels.FEATURES];
        int k = 0;
        for (SparseTables.Row r : rows) {
            for (float v : TestModels.dense(r)) {
                out[k++] = f.apply(v);
            }
        }
        return out;
    }

    private static OipClient.Input denseInput(String datatype, byte[] raw, int rows) {
        return new OipClient.Input("input", datatype, new long[] {rows, TestModels.FEATURES}, raw);
    }

    private static String jsonBody(float[] data, int rows) {
        StringBuilder b = new StringBuilder();
        for (float v : data) {
            b.append(b.length() == 0 ? "" : ",").append(v);
        }
        return "{\"inputs\":[{\"name\":\"input\",\"shape\":["
                + rows
                + ","
                + TestModels.FEATURES
                + "],\"datatype\":\"FP32\",\"data\":["
                + b
                + "]}]}";
    }

    private static float[] jsonProbabilities(float[] data, int rows) {
        OipClient.Response r =
                client.infer(
                        "churn",
                        new OipClient.Body(
                                jsonBody(data, rows).getBytes(StandardCharsets.UTF_8), -1));
        assertThat(r.status()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        JsonNode p = output(r.json(), "probability").get("data");
        float[] out = new float[p.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) p.get(i).asDouble();
        }
        return out;
    }

    @Test
    void binaryRequestAndResponseRoundTripByteExact() {
        float[] data = dense(ROWS, v -> v);
        OipClient.Response r =
                client.infer(
                        "churn",
                        OipClient.request(
                                "bin-1",
                                List.of(denseInput("FP32", OipClient.fp32(data), ROWS.size())),
                                true));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("application/octet-stream");
        JsonNode json = r.json();
        assertThat(json.get("id").asText()).isEqualTo("bin-1");
        for (JsonNode o : json.get("outputs")) {
            assertThat(o.has("data")).as(o.toString()).isFalse();
            assertThat(o.get("shape").get(0).asInt()).isEqualTo(ROWS.size());
        }
        Map<String, byte[]> raw = r.binaryOutputs();
        assertThat(raw).containsOnlyKeys("probability", "class", "prediction_id");
        float[] expected = model.predict(TestModels.matrix(ROWS));
        assertThat(raw.get("probability")).isEqualTo(OipClient.fp32(expected));
        int[] cls = OipClient.toInt32(raw.get("class"));
        for (int i = 0; i < expected.length; i++) {
            assertThat(cls[i]).isEqualTo(expected[i] >= 0.5 ? 1 : 0);
        }
        List<String> ids = OipClient.toStrings(raw.get("prediction_id"));
        assertThat(ids).hasSize(ROWS.size()).doesNotHaveDuplicates().allMatch(s -> !s.isEmpty());
    }

    @Test
    void jsonAndBinaryGiveTheSameProbabilities() {
        float[] data = dense(ROWS, v -> v);
        float[] viaJson = jsonProbabilities(data, ROWS.size());
        OipClient.Response binIn =
                client.infer(
                        "churn",
                        OipClient.request(
                                null,
                                List.of(denseInput("FP32", OipClient.fp32(data), ROWS.size())),
                                false));
        assertThat(binIn.status()).isEqualTo(200);
        assertThat(binIn.header(OipClient.HEADER)).as("JSON outputs were asked for").isNull();
        JsonNode p = output(binIn.json(), "probability").get("data");
        for (int i = 0; i < viaJson.length; i++) {
            assertThat((float) p.get(i).asDouble()).isEqualTo(viaJson[i]);
        }
    }

    @Test
    void everyBinaryNumericDatatypeScoresLikeTheSameValuesInJson() {
        // whole numbers (counts) and 0/1, so INT and BOOL carry the same values as FP32
        float[] counts = dense(ROWS, v -> (float) Math.round(v * 3));
        float[] flags = dense(ROWS, v -> v > 1f ? 1f : 0f);
        float[] countsJson = jsonProbabilities(counts, ROWS.size());
        Map<String, byte[]> typed =
                Map.of(
                        "FP64", OipClient.fp64(counts),
                        "INT32", OipClient.int32(counts),
                        "INT64", OipClient.int64(counts));
        typed.forEach(
                (datatype, raw) -> {
                    OipClient.Response r =
                            client.infer(
                                    "churn",
                                    OipClient.request(
                                            null,
                                            List.of(denseInput(datatype, raw, ROWS.size())),
                                            true));
                    assertThat(r.status()).as(datatype).isEqualTo(200);
                    assertThat(OipClient.toFp32(r.binaryOutputs().get("probability")))
                            .as(datatype)
                            .containsExactly(countsJson);
                });
        OipClient.Response bool =
                client.infer(
                        "churn",
                        OipClient.request(
                                null,
                                List.of(denseInput("BOOL", OipClient.bool(flags), ROWS.size())),
                                true));
        assertThat(bool.status()).isEqualTo(200);
        assertThat(OipClient.toFp32(bool.binaryOutputs().get("probability")))
                .containsExactly(jsonProbabilities(flags, ROWS.size()));
    }

    @Test
    void onlyTheOutputsAskedForInBinaryComeAsBinary() {
        float[] data = dense(ROWS.subList(0, 3), v -> v);
        byte[] json =
                ("{\"inputs\":[{\"name\":\"input\",\"shape\":[3,"
                                + TestModels.FEATURES
                                + "],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":"
                                + data.length * 4
                                + "}}],\"outputs\":[{\"name\":\"probability\",\"parameters\":"
                                + "{\"binary_data\":true}},{\"name\":\"class\"}]}")
                        .getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[json.length + data.length * 4];
        System.arraycopy(json, 0, body, 0, json.length);
        System.arraycopy(OipClient.fp32(data), 0, body, json.length, data.length * 4);
        OipClient.Response r = client.infer("churn", new OipClient.Body(body, json.length));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.binaryOutputs()).containsOnlyKeys("probability");
        assertThat(output(r.json(), "class").get("data")).hasSize(3);
        assertThat(r.json().get("outputs")).hasSize(2);
    }

    @Test
    void malformedBinaryBodiesAre400WithTheProblemNamed() {
        float[] data = dense(ROWS.subList(0, 2), v -> v);
        OipClient.Body ok =
                OipClient.request(null, List.of(denseInput("FP32", OipClient.fp32(data), 2)), true);
        assertThat(error(new OipClient.Body(ok.bytes(), -1)))
                .contains("Inference-Header-Content-Length");
        assertThat(error(new OipClient.Body(ok.bytes(), ok.bytes().length + 1)))
                .contains("Inference-Header-Content-Length");
        byte[] truncated = java.util.Arrays.copyOf(ok.bytes(), ok.bytes().length - 4);
        assertThat(error(new OipClient.Body(truncated, ok.headerLength())))
                .contains("binary_data_size");
        assertThat(
                        error(
                                OipClient.request(
                                        null, List.of(denseInput("FP16", new byte[24], 2)), false)))
                .contains("'FP16' is not supported");
        assertThat(
                        error(
                                OipClient.request(
                                        null, List.of(denseInput("FP32", new byte[10], 2)), false)))
                .contains("not a multiple of 4");
    }

    @Test
    void gzipAndDeflateBodiesAreInflatedAndAnswersCompressedForClientsThatAcceptIt()
            throws IOException {
        List<SparseTables.Row> rows = TestModels.rows(80, 9);
        float[] data = dense(rows, v -> v);
        float[] expected = jsonProbabilities(data, rows.size());
        byte[] json = jsonBody(data, rows.size()).getBytes(StandardCharsets.UTF_8);
        OipClient.Body binary =
                OipClient.request(
                        null, List.of(denseInput("FP32", OipClient.fp32(data), rows.size())), true);
        for (String encoding : List.of("gzip", "deflate")) {
            OipClient.Response r =
                    client.post(
                            "/v2/models/churn/infer",
                            new OipClient.Body(compress(encoding, json), -1),
                            Map.of("Content-Encoding", encoding, "Accept-Encoding", encoding));
            assertThat(r.status()).as(encoding).isEqualTo(200);
            assertThat(r.header("Content-Encoding")).isEqualTo(encoding);
            assertThat(r.body().length).isLessThan(inflate(encoding, r.body()).length);
            OipClient.Response plain =
                    new OipClient.Response(r.status(), Map.of(), inflate(encoding, r.body()));
            JsonNode p = output(plain.json(), "probability").get("data");
            for (int i = 0; i < expected.length; i++) {
                assertThat((float) p.get(i).asDouble()).as(encoding).isEqualTo(expected[i]);
            }
            // the header length counts the JSON before compression, as the extension says
            OipClient.Response b =
                    client.post(
                            "/v2/models/churn/infer",
                            new OipClient.Body(
                                    compress(encoding, binary.bytes()), binary.headerLength()),
                            Map.of("Content-Encoding", encoding));
            assertThat(b.status()).as(encoding).isEqualTo(200);
            assertThat(b.header("Content-Encoding")).as("not asked for").isNull();
            assertThat(OipClient.toFp32(b.binaryOutputs().get("probability")))
                    .containsExactly(expected);
        }
    }

    private static byte[] compress(String encoding, byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z =
                encoding.equals("gzip")
                        ? new GZIPOutputStream(out)
                        : new DeflaterOutputStream(out)) {
            z.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] inflate(String encoding, byte[] data) throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(data);
        try (InputStream z =
                encoding.equals("gzip") ? new GZIPInputStream(in) : new InflaterInputStream(in)) {
            return z.readAllBytes();
        }
    }

    private static ManagedChannel channel() {
        return NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort())
                .usePlaintext()
                .build();
    }

    private static ModelInferRequest.Builder grpcDense(List<SparseTables.Row> rows) {
        return ModelInferRequest.newBuilder()
                .setModelName("churn")
                .addInputs(
                        ModelInferRequest.InferInputTensor.newBuilder()
                                .setName("input")
                                .setDatatype("FP32")
                                .addShape(rows.size())
                                .addShape(TestModels.FEATURES));
    }

    @Test
    void grpcAndRestAgreeAndGrpcPredictionIdsTakeRestFeedback() throws InterruptedException {
        float[] data = dense(ROWS, v -> v);
        float[] viaRest = jsonProbabilities(data, ROWS.size());
        ManagedChannel channel = channel();
        try {
            GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
                    GRPCInferenceServiceGrpc.newBlockingStub(channel);
            assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
            assertThat(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady())
                    .isTrue();
            assertThat(
                            stub.modelReady(ModelReadyRequest.newBuilder().setName("churn").build())
                                    .getReady())
                    .isTrue();
            ModelMetadataResponse meta =
                    stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("churn").build());
            assertThat(meta.getInputs(0).getName()).isEqualTo("input");
            assertThat(meta.getInputs(0).getShapeList()).containsExactly(-1L, 6L);
            assertThat(meta.getVersionsList()).containsExactly("3");

            // typed contents
            ModelInferRequest.Builder typed = grpcDense(ROWS).setId("g-1");
            ModelInferRequest.InferInputTensor.Builder in = typed.getInputsBuilder(0);
            for (float v : data) {
                in.getContentsBuilder().addFp32Contents(v);
            }
            ModelInferResponse r = stub.modelInfer(typed.build());
            assertThat(r.getId()).isEqualTo("g-1");
            assertThat(r.getModelVersion()).isEqualTo("3");
            assertThat(r.getOutputsList())
                    .extracting(ModelInferResponse.InferOutputTensor::getName)
                    .containsExactly("probability", "class", "prediction_id");
            assertThat(OipClient.toFp32(r.getRawOutputContents(0).toByteArray()))
                    .containsExactly(viaRest);
            int[] cls = OipClient.toInt32(r.getRawOutputContents(1).toByteArray());
            for (int i = 0; i < viaRest.length; i++) {
                assertThat(cls[i]).isEqualTo(viaRest[i] >= 0.5 ? 1 : 0);
            }

            // raw_input_contents, one output asked for
            ModelInferResponse raw =
                    stub.modelInfer(
                            grpcDense(ROWS)
                                    .addRawInputContents(ByteString.copyFrom(OipClient.fp32(data)))
                                    .addOutputs(
                                            ModelInferRequest.InferRequestedOutputTensor
                                                    .newBuilder()
                                                    .setName("prediction_id"))
                                    .build());
            assertThat(raw.getOutputsCount()).isEqualTo(1);
            List<String> ids = OipClient.toStrings(raw.getRawOutputContents(0).toByteArray());
            assertThat(ids).hasSize(ROWS.size()).doesNotHaveDuplicates();

            // the ids are in the same feedback window as REST's
            String feedback =
                    "{\"feedback\":[{\"prediction_id\":\"" + ids.get(0) + "\",\"actual\":1}]}";
            OipClient.Response fb =
                    client.post(
                            "/v2/models/churn/feedback",
                            new OipClient.Body(feedback.getBytes(StandardCharsets.UTF_8), -1),
                            Map.of("Authorization", "Bearer " + TestModels.TOKEN));
            assertThat(fb.json().get("accepted").asInt()).isEqualTo(1);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void grpcRefusalsCarryTheStatusAndMessageRestWouldGive() throws InterruptedException {
        double notFoundBefore = notFoundCount();
        ManagedChannel channel = channel();
        try {
            GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
                    GRPCInferenceServiceGrpc.newBlockingStub(channel);
            assertThatThrownBy(() -> stub.modelInfer(grpcDense(ROWS).setModelName("other").build()))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> {
                                assertThat(e.getStatus().getCode())
                                        .isEqualTo(Status.Code.NOT_FOUND);
                                assertThat(e.getStatus().getDescription())
                                        .contains("no model 'other'");
                            });
            // shape says 24 rows, no values
            assertThatThrownBy(() -> stub.modelInfer(grpcDense(ROWS).build()))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> {
                                assertThat(e.getStatus().getCode())
                                        .isEqualTo(Status.Code.INVALID_ARGUMENT);
                                assertThat(e.getStatus().getDescription())
                                        .contains("has 0 values but shape [24, 6] needs 144");
                            });
            List<SparseTables.Row> many = TestModels.rows(101, 1);
            assertThatThrownBy(
                            () ->
                                    stub.modelInfer(
                                            grpcDense(many)
                                                    .addRawInputContents(
                                                            ByteString.copyFrom(
                                                                    OipClient.fp32(
                                                                            dense(many, v -> v))))
                                                    .build()))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e ->
                                    assertThat(e.getStatus().getDescription())
                                            .contains("the limit is 100 rows"));
            assertThatThrownBy(
                            () ->
                                    stub.modelInfer(
                                            grpcDense(ROWS)
                                                    .addRawInputContents(
                                                            ByteString.copyFrom(
                                                                    new byte[70 * 1024]))
                                                    .build()))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e ->
                                    assertThat(e.getStatus().getCode())
                                            .isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertThat(notFoundCount()).as("counted as REST would").isEqualTo(notFoundBefore + 1);
    }

    private static double notFoundCount() {
        Double v =
                Http.sample(
                        new Http(server.port()).get("/metrics").body(),
                        "mlcycle_errors_total",
                        Http.labels(
                                "deployment",
                                "churn-prod",
                                "version",
                                "3",
                                "endpoint",
                                "infer",
                                "reason",
                                "not_found"));
        return v == null ? 0 : v;
    }

    private static String error(OipClient.Body body) {
        OipClient.Response r = client.infer("churn", body);
        assertThat(r.status()).isEqualTo(400);
        return r.json().get("error").asText();
    }

    @Test
    void everyErrorIsAnObjectWithAnErrorField() {
        OipClient.Body empty = new OipClient.Body(new byte[0], -1);
        for (String path :
                List.of("/v2/models/other/infer", "/nothing", "/v2/models/churn/versions/9")) {
            OipClient.Response r = client.post(path, empty, Map.of());
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.json().get("error").asText()).as(path).isNotBlank();
        }
        OipClient.Response wrongMethod = client.post("/v2/health/ready", empty, Map.of());
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.json().get("error").asText()).contains("use GET");
    }
}
