package io.mlcycle.bench.server;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** The benchmark's rows and their OIP v2 request bodies: JSON and the binary tensor form. */
final class RequestBodies {

    static final String INFER = "/v2/models/bench/infer";

    private RequestBodies() {}

    /** {@code n} rows of the model's features, dense. */
    static List<float[]> rows(BenchModel data, Random rnd, int n, int features) {
        List<float[]> rows = new ArrayList<>(n);
        for (int r = 0; r < n; r++) {
            BenchModel.Row row = data.row(rnd, 12);
            float[] x = new float[features];
            for (int k = 0; k < row.idx().length; k++) {
                x[row.idx()[k]] = row.val()[k];
            }
            rows.add(x);
        }
        return rows;
    }

    /** A dense [n, F] request in feature order (the OIP v2 tensor form). */
    static byte[] dense(List<float[]> rows) {
        int features = rows.get(0).length;
        StringBuilder sb = new StringBuilder(rows.size() * features * 2 + 128);
        sb.append("{\"inputs\":[{\"name\":\"input\",\"shape\":[")
                .append(rows.size())
                .append(',')
                .append(features)
                .append("],\"datatype\":\"FP32\",\"data\":[");
        boolean first = true;
        for (float[] x : rows) {
            for (float v : x) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                if (v == (int) v) {
                    sb.append((int) v);
                } else {
                    sb.append(v);
                }
            }
        }
        sb.append("]}]}");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The same rows with the binary tensor data extension: raw little-endian FP32 after the JSON,
     * outputs asked for in binary too, as Triton's and KServe's clients send by default.
     */
    static byte[] binary(List<float[]> rows) {
        int features = rows.get(0).length;
        int size = rows.size() * features * 4;
        byte[] json =
                ("{\"inputs\":[{\"name\":\"input\",\"shape\":["
                                + rows.size()
                                + ","
                                + features
                                + "],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":"
                                + size
                                + "}}],\"parameters\":{\"binary_data_output\":true}}")
                        .getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(json.length + size).order(ByteOrder.LITTLE_ENDIAN);
        body.put(json);
        for (float[] x : rows) {
            for (float v : x) {
                body.putFloat(v);
            }
        }
        return RawHttp.post(
                INFER,
                body.array(),
                "application/octet-stream",
                "Inference-Header-Content-Length: " + json.length + "\r\n");
    }
}
