package io.mlcycle.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.common.SparseTables;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.model.TabularNet;
import io.mlcycle.task.ServeTask;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.mlcycle.server.OipMessages.config;
import static io.mlcycle.server.OipMessages.denseBody;
import static io.mlcycle.server.OipMessages.output;
import static org.assertj.core.api.Assertions.assertThat;

/** The request-log tests' server: the test model served with a request log, scored over HTTP. */
final class RequestLogs {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RequestLogs() {}

    /** The test model's server, started, writing {@code log}. */
    static InferenceServer start(ServeTask.RequestLog log) throws IOException {
        ModelSlot slot = new ModelSlot();
        assertThat(slot.load(() -> ArtifactModel.load(TestModels.artifact()))).isTrue();
        return new InferenceServer(
                        config(1 << 20, 1000), slot, null, log, TestModels.withToken(Map.of()))
                .start();
    }

    /**
     * Scores {@code rows}, asserting a 200; returns each row's prediction id → the client's
     * probability.
     */
    static Map<String, Float> score(Http http, List<SparseTables.Row> rows, String id)
            throws IOException {
        Http.Response r = http.post("/v2/models/churn/infer", denseBody(id, rows));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        JsonNode ids = output(body, "prediction_id").get("data");
        JsonNode p = output(body, "probability").get("data");
        Map<String, Float> out = new HashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            out.put(ids.get(i).asText(), (float) p.get(i).asDouble());
        }
        return out;
    }

    /**
     * A request log under {@code dir} as the test model's server writes it: {@code rows} scored,
     * and feedback (the label rule's answer, {@link TestModels#positive}) for the rows {@code
     * labelled} keeps; returns the labelled rows by prediction id.
     */
    static Map<String, SparseTables.Row> labelledLog(
            Path dir, List<SparseTables.Row> rows, java.util.function.IntPredicate labelled)
            throws IOException {
        InferenceServer server =
                start(new ServeTask.RequestLog(dir.toUri().toString(), 1.0, 1 << 20, 3600, 10_000));
        Map<String, SparseTables.Row> out = new java.util.LinkedHashMap<>();
        try {
            Http http = new Http(server.port());
            StringBuilder fb = new StringBuilder();
            for (int i = 0; i < rows.size(); i++) {
                // one row a request: its prediction id is the only one in the response
                String id = score(http, List.of(rows.get(i)), "r-" + i).keySet().iterator().next();
                if (labelled.test(i)) {
                    out.put(id, rows.get(i));
                    fb.append(fb.length() == 0 ? "" : ",")
                            .append("{\"prediction_id\":\"")
                            .append(id)
                            .append("\",\"actual\":")
                            .append(TestModels.positive(TestModels.dense(rows.get(i))) ? 1 : 0)
                            .append('}');
                }
            }
            Http.Response accepted =
                    http.post("/v2/models/churn/feedback", "{\"feedback\":[" + fb + "]}");
            assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
        } finally {
            server.close();
        }
        return out;
    }

    /**
     * A linear model artifact under {@code dir} with the test model's features and threshold and
     * these weights (one per feature) and bias.
     */
    static Path linearModel(Path dir, float[] weights, float bias) throws IOException {
        ModelArtifact.write(
                dir, TestModels.load().spec(), TabularNet.linearParameters(weights, bias));
        return dir;
    }

    /** {@code mlcycle_request_log_rows_total{outcome}} as the server exports it now. */
    static double rows(InferenceServer server, String outcome) throws IOException {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        server.metrics().write(text);
        return Http.total(
                text.toString(StandardCharsets.UTF_8),
                "mlcycle_request_log_rows_total",
                Http.labels("outcome", outcome));
    }
}
