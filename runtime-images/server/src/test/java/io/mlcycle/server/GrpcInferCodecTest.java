package io.mlcycle.server;

import com.google.protobuf.ByteString;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.server.oip.InferTensorContents;
import io.mlcycle.server.oip.ModelInferRequest;
import io.mlcycle.server.oip.ModelInferResponse;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The gRPC ModelInfer messages decoded into feature rows (typed contents and raw_input_contents,
 * each numeric datatype) and answers encoded as raw_output_contents, without a server.
 */
@UnitTier
class GrpcInferCodecTest {

    private static final Map<String, Integer> FEATURES = Map.of("a", 0, "b", 1, "c", 2);

    private static ModelInferRequest.InferInputTensor.Builder tensor(
            String name, String datatype, long... shape) {
        ModelInferRequest.InferInputTensor.Builder t =
                ModelInferRequest.InferInputTensor.newBuilder().setName(name).setDatatype(datatype);
        for (long d : shape) {
            t.addShape(d);
        }
        return t;
    }

    private static SparseMatrix rows(ModelInferRequest req) {
        return FeatureRows.rows(GrpcInferCodec.parse(req), FEATURES, 3, 100).rows();
    }

    /** The rows as dense arrays, one per row. */
    private static float[][] dense(SparseMatrix m) {
        float[][] out = new float[m.rows()][];
        for (int r = 0; r < m.rows(); r++) {
            out[r] = m.denseRow(r);
        }
        return out;
    }

    private static ModelInferRequest typed(
            String datatype, Consumer<InferTensorContents.Builder> values) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        values.accept(c);
        return ModelInferRequest.newBuilder()
                .addInputs(tensor("input", datatype, 2, 3).setContents(c))
                .build();
    }

    @Test
    void typedContentsOfEveryNumericDatatypeGiveTheSameRows() {
        float[][] expected = {{1, 0, 3}, {0, 5, 1}};
        int[] ints = {1, 0, 3, 0, 5, 1};
        assertThat(dense(rows(typed("FP32", c -> ints(ints, v -> c.addFp32Contents(v))))))
                .isEqualTo(expected);
        assertThat(dense(rows(typed("FP64", c -> ints(ints, v -> c.addFp64Contents(v))))))
                .isEqualTo(expected);
        for (String t : List.of("INT8", "INT16", "INT32")) {
            assertThat(dense(rows(typed(t, c -> ints(ints, c::addIntContents)))))
                    .as(t)
                    .isEqualTo(expected);
        }
        assertThat(dense(rows(typed("INT64", c -> ints(ints, v -> c.addInt64Contents(v))))))
                .isEqualTo(expected);
        assertThat(dense(rows(typed("UINT32", c -> ints(ints, c::addUintContents)))))
                .isEqualTo(expected);
        assertThat(dense(rows(typed("UINT64", c -> ints(ints, v -> c.addUint64Contents(v))))))
                .isEqualTo(expected);
        assertThat(dense(rows(typed("BOOL", c -> ints(ints, v -> c.addBoolContents(v != 0))))))
                .isEqualTo(new float[][] {{1, 0, 1}, {0, 1, 1}});
    }

    private static void ints(int[] values, java.util.function.IntConsumer add) {
        for (int v : values) {
            add.accept(v);
        }
    }

    @Test
    void rawContentsOfEachBinaryDatatypeGiveTheSameRowsAsTypedOnes() {
        float[][] expected = {{1.5f, 0, -2}, {0, 4, 0.25f}};
        float[] flat = {1.5f, 0, -2, 0, 4, 0.25f};
        ByteBuffer fp32 = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer fp64 = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : flat) {
            fp32.putFloat(v);
            fp64.putDouble(v);
        }
        assertThat(dense(rows(raw("FP32", fp32.array())))).isEqualTo(expected);
        assertThat(dense(rows(raw("FP64", fp64.array())))).isEqualTo(expected);
        ByteBuffer int32 = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer int64 = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : new int[] {7, 0, -1, 0, 2, 9}) {
            int32.putInt(v);
            int64.putLong(v);
        }
        float[][] ints = {{7, 0, -1}, {0, 2, 9}};
        assertThat(dense(rows(raw("INT32", int32.array())))).isEqualTo(ints);
        assertThat(dense(rows(raw("INT64", int64.array())))).isEqualTo(ints);
        assertThat(dense(rows(raw("BOOL", new byte[] {1, 0, 1, 0, 0, 1}))))
                .isEqualTo(new float[][] {{1, 0, 1}, {0, 0, 1}});
        assertThat(dense(rows(typed("FP32", c -> c.addAllFp32Contents(floats(flat))))))
                .isEqualTo(expected);
    }

    private static List<Float> floats(float[] v) {
        Float[] boxed = new Float[v.length];
        for (int i = 0; i < v.length; i++) {
            boxed[i] = v[i];
        }
        return List.of(boxed);
    }

    private static ModelInferRequest raw(String datatype, byte[] bytes) {
        return ModelInferRequest.newBuilder()
                .addInputs(tensor("input", datatype, 2, 3))
                .addRawInputContents(ByteString.copyFrom(bytes))
                .build();
    }

    @Test
    void namedTensorsInTypedContentsFillTheirFeaturesAndTheRestIsZero() {
        ModelInferRequest req =
                ModelInferRequest.newBuilder()
                        .setId("r-1")
                        .addInputs(
                                tensor("c", "FP32", 2)
                                        .setContents(
                                                InferTensorContents.newBuilder()
                                                        .addFp32Contents(4)
                                                        .addFp32Contents(5)))
                        .addInputs(
                                tensor("a", "INT64", 2)
                                        .setContents(
                                                InferTensorContents.newBuilder()
                                                        .addInt64Contents(1)
                                                        .addInt64Contents(0)))
                        .addOutputs(
                                ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                                        .setName("class"))
                        .build();
        ParsedRequest parsed = GrpcInferCodec.parse(req);
        assertThat(parsed.id()).isEqualTo("r-1");
        assertThat(parsed.outputs().wanted("class")).isTrue();
        assertThat(parsed.outputs().wanted("probability")).isFalse();
        assertThat(dense(rows(req))).isEqualTo(new float[][] {{1, 0, 4}, {0, 0, 5}});
    }

    @Test
    void contentsThatDoNotFitTheShapeAreRefusedNamingTheInput() {
        ModelInferRequest fewer = typed("FP32", c -> c.addFp32Contents(1).addFp32Contents(2));
        assertThatThrownBy(() -> rows(fewer))
                .isInstanceOfSatisfying(
                        BadRequest.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessage("input 'input' has 2 values but shape [2, 3] needs 6");
        assertThatThrownBy(() -> rows(raw("FP32", new byte[20])))
                .hasMessage("input 'input' has 5 values but shape [2, 3] needs 6");
        assertThatThrownBy(() -> rows(raw("INT64", new byte[20])))
                .hasMessageContaining("of input 'input' is not a multiple of 8 bytes (INT64)");
        ModelInferRequest columns =
                ModelInferRequest.newBuilder()
                        .addInputs(tensor("input", "FP32", 1, 4))
                        .addRawInputContents(ByteString.copyFrom(new byte[16]))
                        .build();
        assertThatThrownBy(() -> rows(columns))
                .hasMessage("input 'input' has 4 columns but the model has 3 features");
    }

    @Test
    void malformedMessagesAreRefusedNamingTheInputOrTheField() {
        assertThatThrownBy(() -> rows(typed("FP64", c -> c.addFp64Contents(1e300))))
                .hasMessage("contents of input 'input' hold Infinity, not FP32");
        ModelInferRequest both =
                ModelInferRequest.newBuilder()
                        .addInputs(
                                tensor("input", "FP32", 1, 3)
                                        .setContents(InferTensorContents.getDefaultInstance()))
                        .addRawInputContents(ByteString.copyFrom(new byte[12]))
                        .build();
        assertThatThrownBy(() -> rows(both))
                .hasMessage("input 'input' has contents and raw_input_contents");
        ModelInferRequest twoRaw =
                raw("FP32", new byte[24]).toBuilder().addRawInputContents(ByteString.EMPTY).build();
        assertThatThrownBy(() -> rows(twoRaw))
                .hasMessage(
                        "raw_input_contents has 2 entries for 1 inputs; send one per input or"
                                + " none");
        assertThatThrownBy(() -> rows(typed("BYTES", c -> c.addBytesContents(ByteString.EMPTY))))
                .hasMessageStartingWith("input 'input' has datatype 'BYTES'; features are numeric");
    }

    @Test
    void everyOutputAskedForComesAsRawContentsInTheBinaryLayout() throws Exception {
        float[] p = {0.25f, 0.75f};
        String[] ids = {"x-1", "x-é"};
        List<Tensor> tensors = JsonInferResponseWriter.outputs(p, 0.5, ids);
        ModelInferResponse all =
                answer(
                        new Scorer.Answer("q", tensors, RequestedOutputs.ALL_JSON, Map.of("n", 2)),
                        "m",
                        "7");
        assertThat(all.getModelName()).isEqualTo("m");
        assertThat(all.getModelVersion()).isEqualTo("7");
        assertThat(all.getId()).isEqualTo("q");
        assertThat(all.getParametersMap().get("n").getInt64Param()).isEqualTo(2);
        assertThat(all.getOutputsCount()).isEqualTo(tensors.size());
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            t.writeBinary(expected);
            assertThat(all.getOutputs(i).getName()).isEqualTo(t.name());
            assertThat(all.getOutputs(i).getDatatype()).isEqualTo(t.datatype());
            assertThat(all.getOutputs(i).getShapeList()).containsExactly(2L);
            assertThat(all.getRawOutputContents(i).toByteArray())
                    .as(t.name())
                    .isEqualTo(expected.toByteArray());
        }
        ByteArrayOutputStream missing = new ByteArrayOutputStream();
        Tensor.bool("missing", new boolean[] {true, false}).writeBinary(missing);
        assertThat(
                        GrpcInferCodec.raw(Tensor.bool("missing", new boolean[] {true, false}))
                                .toByteArray())
                .isEqualTo(missing.toByteArray());
        ModelInferResponse one =
                answer(
                        new Scorer.Answer(
                                null,
                                tensors,
                                new RequestedOutputs(Set.of("class"), false, Set.of(), Set.of()),
                                null),
                        "m",
                        "7");
        assertThat(one.getId()).isEmpty();
        assertThat(one.getOutputsList())
                .extracting(ModelInferResponse.InferOutputTensor::getName)
                .containsExactly("class");
    }

    @Test
    void answersAreWrittenByteForByteAsProtobufWritesTheSameMessage() throws Exception {
        List<Tensor> tensors =
                JsonInferResponseWriter.outputs(
                        new float[] {0.25f, 0.75f, 0.5f}, 0.5, new String[] {"a", "b", "ç"});
        for (Scorer.Answer a :
                List.of(
                        new Scorer.Answer("q", tensors, RequestedOutputs.ALL_JSON, Map.of("n", 2)),
                        new Scorer.Answer(null, tensors, RequestedOutputs.ALL_JSON, null),
                        new Scorer.Answer(
                                "", tensors, RequestedOutputs.ALL_JSON, Map.of("s", "x")))) {
            byte[] written = GrpcInferResponses.encode(a, "model", "12").bytes();
            ModelInferResponse parsed = ModelInferResponse.parseFrom(written);
            assertThat(parsed.toByteArray()).isEqualTo(written);
            assertThat(parsed.getOutputsCount()).isEqualTo(tensors.size());
        }
        byte[] drained =
                GrpcInferResponses.MARSHALLER.stream(
                                GrpcInferResponses.encode(
                                        new Scorer.Answer(
                                                "q", tensors, RequestedOutputs.ALL_JSON, null),
                                        "m",
                                        "1"))
                        .readAllBytes();
        assertThat(ModelInferResponse.parseFrom(drained).getId()).isEqualTo("q");
    }

    private static ModelInferResponse answer(Scorer.Answer a, String model, String version)
            throws Exception {
        return ModelInferResponse.parseFrom(GrpcInferResponses.encode(a, model, version).bytes());
    }

    @Test
    void requestsAreReadOffTheWireOnceAndTheirRawContentsAliasThatArray() throws Exception {
        ModelInferRequest sent = raw("FP32", new byte[] {0, 0, -64, 63, 0, 0, 0, 0, 0, 0, 0, 64});
        ModelInferRequest read =
                GrpcInferCodec.REQUESTS.parse(GrpcInferCodec.REQUESTS.stream(sent));
        assertThat(read).isEqualTo(sent);
        byte[] wire = sent.toByteArray();
        ModelInferRequest aliased = GrpcInferCodec.parseAliasing(wire);
        assertThat(aliased).isEqualTo(sent);
        // no copy: the raw contents are the wire array's bytes
        wire[wire.length - 1] = 0x40 + 1;
        assertThat(aliased.getRawInputContents(0).byteAt(11)).isEqualTo((byte) 0x41);
        assertThatThrownBy(
                        () ->
                                GrpcInferCodec.REQUESTS.parse(
                                        new java.io.ByteArrayInputStream(new byte[] {10, 50})))
                .isInstanceOfSatisfying(
                        io.grpc.StatusRuntimeException.class,
                        e ->
                                assertThat(e.getStatus().getCode())
                                        .isEqualTo(io.grpc.Status.Code.INTERNAL));
    }
}
