package io.mlcycle.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.common.SparseTables;
import io.mlcycle.task.ServeTask;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
