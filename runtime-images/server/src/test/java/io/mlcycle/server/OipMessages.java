package io.mlcycle.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.common.SparseTables;

import java.util.List;

/**
 * Open Inference Protocol request bodies and response readers the server tests share, and the test
 * server's config.
 */
final class OipMessages {

    private OipMessages() {}

    /** The test model's server config as deployment churn-prod, on any free port. */
    static InferenceServer.Config config(int maxBody, int maxRows) {
        return new InferenceServer.Config(
                "churn-prod",
                TestModels.MODEL,
                TestModels.VERSION,
                "127.0.0.1",
                0,
                0,
                maxBody,
                maxRows,
                1000,
                4);
    }

    /** A request of one dense FP32 tensor named input, one row per table row. */
    static String denseBody(String id, List<SparseTables.Row> rows) {
        StringBuilder data = new StringBuilder();
        for (SparseTables.Row r : rows) {
            for (float v : TestModels.dense(r)) {
                data.append(data.length() == 0 ? "" : ",").append(v);
            }
        }
        return "{\"id\":\""
                + id
                + "\",\"inputs\":[{\"name\":\"input\",\"shape\":["
                + rows.size()
                + ","
                + TestModels.FEATURES
                + "],\"datatype\":\"FP32\",\"data\":["
                + data
                + "]}]}";
    }

    /** One feature's FP32 values for {@code rows} rows, as a named OIP input tensor. */
    static String namedTensor(String name, int rows, CharSequence data) {
        return "{\"name\":\""
                + name
                + "\",\"shape\":["
                + rows
                + "],\"datatype\":\"FP32\",\"data\":["
                + data
                + "]}";
    }

    /** The floats of an output's data. */
    static float[] floats(JsonNode data) {
        float[] out = new float[data.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) data.get(i).asDouble();
        }
        return out;
    }

    /** The named output of a response; fails when it is absent. */
    static JsonNode output(JsonNode response, String name) {
        for (JsonNode o : response.get("outputs")) {
            if (o.get("name").asText().equals(name)) {
                return o;
            }
        }
        throw new AssertionError("no output " + name + " in " + response);
    }

    /** A JSON request by entity id: input {@code entity}, BYTES, shape [n]. */
    static String byEntity(List<String> ids) {
        StringBuilder data = new StringBuilder();
        for (String id : ids) {
            data.append(data.length() == 0 ? "" : ",").append('"').append(id).append('"');
        }
        return "{\"id\":\"e-1\",\"inputs\":[{\"name\":\"entity\",\"shape\":["
                + ids.size()
                + "],\"datatype\":\"BYTES\",\"data\":["
                + data
                + "]}]}";
    }
}
