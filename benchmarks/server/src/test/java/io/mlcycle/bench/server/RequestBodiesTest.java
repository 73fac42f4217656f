package io.mlcycle.bench.server;

import io.mlcycle.server.oip.ModelInferRequest;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The three single-row forms the paths compare carry the same row. */
@UnitTier
class RequestBodiesTest {

    private static final List<float[]> ROW = List.of(new float[] {0f, 2f, 0.5f, 0f});

    @Test
    void jsonBodyListsTheRowsValuesInFeatureOrder() {
        String http =
                new String(
                        RawHttp.post(RequestBodies.INFER, RequestBodies.dense(ROW)),
                        StandardCharsets.UTF_8);

        assertThat(http).startsWith("POST /v2/models/bench/infer HTTP/1.1\r\n");
        assertThat(http)
                .endsWith(
                        "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\","
                                + "\"data\":[0,2,0.5,0]}]}");
    }

    @Test
    void binaryBodyEndsWithTheSameRowAsLittleEndianFloats() {
        byte[] http = RequestBodies.binary(ROW);
        String text = new String(http, StandardCharsets.ISO_8859_1);

        assertThat(text).contains("Inference-Header-Content-Length: ");
        assertThat(text).contains("\"binary_data_size\":16");
        assertThat(floats(Arrays.copyOfRange(http, http.length - 16, http.length)))
                .containsExactly(ROW.get(0));
    }

    @Test
    void grpcRequestCarriesTheSameRowInRawInputContents() {
        ModelInferRequest req = GrpcLoad.request("bench", ROW);

        assertThat(req.getInputs(0).getShapeList()).containsExactly(1L, 4L);
        assertThat(floats(req.getRawInputContents(0).toByteArray())).containsExactly(ROW.get(0));
    }

    @Test
    void rowsAreDenseWithTheModelsFeatureCount() {
        List<float[]> rows = RequestBodies.rows(new BenchModel(50, 1), new Random(7), 3, 50);

        assertThat(rows).hasSize(3).allSatisfy(r -> assertThat(r).hasSize(50));
        assertThat(rows.get(0)).isNotEqualTo(new float[50]);
    }

    private static float[] floats(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bytes.length / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getFloat();
        }
        return out;
    }
}
