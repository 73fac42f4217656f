package io.mlcycle.server;

import io.mlcycle.task.TaskJson;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Runs the request and response paths on synthetic requests before the server is ready. */
final class CodecWarmUp {

    private CodecWarmUp() {}

    /**
     * Runs the request and response paths a few hundred times on synthetic requests, so the first
     * real requests after readiness do not pay for class loading and interpretation.
     */
    static void warmUp(Map<String, Integer> featureIndex, List<String> names) throws IOException {
        int n = names.size();
        StringBuilder dense =
                new StringBuilder("{\"id\":\"warm-up\",\"inputs\":[{\"name\":\"input\",");
        dense.append("\"shape\":[1,").append(n).append("],\"datatype\":\"FP32\",\"data\":[");
        for (int j = 0; j < n; j++) {
            dense.append(j == 0 ? "" : ",").append(j % 7 == 0 ? "1.5" : "0");
        }
        dense.append("]}]}");
        String named =
                "{\"inputs\":[{\"name\":"
                        + TaskJson.write(names.get(0))
                        + ",\"shape\":[2],\"datatype\":\"FP32\",\"data\":[1,2]}]}";
        byte[][] bodies = {
            dense.toString().getBytes(StandardCharsets.UTF_8),
            named.getBytes(StandardCharsets.UTF_8)
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < 500; i++) {
            byte[] body = bodies[i % 2];
            InferRequest r =
                    FeatureRows.readInfer(body, body.length, featureIndex, n, Integer.MAX_VALUE);
            float[] p = new float[r.rows().rows()];
            String[] ids = new String[p.length];
            Arrays.fill(ids, "warm-up");
            out.reset();
            JsonInferResponseWriter.writeResponse(
                    out,
                    "warm-up",
                    "0",
                    r.id(),
                    JsonInferResponseWriter.outputs(p, 0.5, ids),
                    r.outputs(),
                    null);
        }
    }
}
