package io.mlcycle.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.ServeTask;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The request log, in-process on loopback: what the model saw reaches the log under the prediction
 * ids the client got, files rotate by size, and a log that cannot be written or keep up never fails
 * or slows a request into an error (it counts what it lost).
 */
@UnitTier
class RequestLogTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private InferenceServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private Http start(ServeTask.RequestLog log) throws IOException {
        server = RequestLogs.start(log);
        return new Http(server.port());
    }

    private static Map<String, Float> score(Http http, List<SparseTables.Row> rows, String id)
            throws IOException {
        return RequestLogs.score(http, rows, id);
    }

    private static List<Path> files(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".jsonl.gz"))
                    .sorted()
                    .toList();
        }
    }

    private static List<JsonNode> lines(List<Path> files) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (Path f : files) {
            try (BufferedReader in =
                    new BufferedReader(
                            new InputStreamReader(
                                    new GZIPInputStream(Files.newInputStream(f)),
                                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    out.add(JSON.readTree(line));
                }
            }
        }
        return out;
    }

    @Test
    void everyScoredRowIsLoggedWithTheFeaturesTheModelSawUnderTheClientsPredictionId(
            @TempDir Path dir) throws IOException {
        Http http =
                start(new ServeTask.RequestLog(dir.toUri().toString(), 1.0, 1 << 20, 3600, 1000));
        List<SparseTables.Row> rows = TestModels.rows(40, 5);
        Map<String, Float> scored = score(http, rows, "r-1");
        List<String> labelled = scored.keySet().stream().sorted().limit(10).toList();
        StringBuilder fb = new StringBuilder();
        for (String id : labelled) {
            fb.append(fb.length() == 0 ? "" : ",")
                    .append("{\"prediction_id\":\"")
                    .append(id)
                    .append("\",\"actual\":1}");
        }
        Http.Response accepted =
                http.post("/v2/models/churn/feedback", "{\"feedback\":[" + fb + "]}");
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
        server.close();

        List<Path> files = files(dir);
        assertThat(files).hasSize(1);
        assertThat(dir.relativize(files.get(0)).toString())
                .matches("v3/date=\\d{4}-\\d{2}-\\d{2}/\\d+-[A-Za-z0-9._-]+-0\\.jsonl\\.gz");
        List<JsonNode> all = lines(files);
        List<JsonNode> logged = all.stream().filter(l -> !l.has("actual")).toList();
        assertThat(
                        all.stream()
                                .filter(l -> l.has("actual"))
                                .map(l -> l.get("id").asText() + "=" + l.get("actual").asInt()))
                .as("the feedback lines join the scored rows by prediction id")
                .containsExactlyInAnyOrderElementsOf(
                        labelled.stream().map(id -> id + "=1").toList());
        assertThat(logged).hasSize(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            JsonNode line = logged.get(i);
            String id = line.get("id").asText();
            assertThat(scored).containsKey(id);
            assertThat((float) line.get("score").asDouble()).isEqualTo(scored.get(id));
            assertThat(line.get("version").asInt()).isEqualTo(TestModels.VERSION);
            Map<String, Float> features = new HashMap<>();
            line.get("features")
                    .fields()
                    .forEachRemaining(
                            e -> features.put(e.getKey(), (float) e.getValue().asDouble()));
            Map<String, Float> sent = new HashMap<>();
            SparseTables.Row row = rows.get(i);
            for (int k = 0; k < row.indices().length; k++) {
                sent.put(TestModels.feature(row.indices()[k]), row.values()[k]);
            }
            assertThat(features).as("row " + i).isEqualTo(sent);
        }
        assertThat(metric("logged")).isEqualTo(rows.size() + labelled.size());
        assertThat(metric("dropped") + metric("failed")).isZero();
    }

    private double metric(String outcome) throws IOException {
        return RequestLogs.rows(server, outcome);
    }

    @Test
    void aCountIsWrittenAsAnIntegerAndEveryValueReadsBackAsSent(@TempDir Path dir)
            throws IOException {
        Http http =
                start(new ServeTask.RequestLog(dir.toUri().toString(), 1.0, 1 << 20, 3600, 1000));
        float[] sent = {3f, 2.5f, -1f, 0.1f, 1e8f};
        score(http, List.of(new SparseTables.Row(null, new int[] {0, 1, 2, 3, 4}, sent)), "counts");
        server.close();
        JsonNode features = lines(files(dir)).get(0).get("features");
        for (int k = 0; k < sent.length; k++) {
            JsonNode v = features.get(TestModels.feature(k));
            assertThat((float) v.asDouble()).as(TestModels.feature(k)).isEqualTo(sent[k]);
        }
        assertThat(features.get(TestModels.feature(0)).isInt()).isTrue();
        assertThat(features.get(TestModels.feature(1)).isInt()).isFalse();
    }

    @Test
    void filesRotateBySizeAndTogetherHoldEveryRow(@TempDir Path dir) throws IOException {
        Http http = start(new ServeTask.RequestLog(dir.toUri().toString(), 1.0, 2_000, 3600, 1000));
        int n = 0;
        for (int i = 0; i < 5; i++) {
            n += score(http, TestModels.rows(30, 10 + i), "r-" + i).size();
        }
        server.close();
        List<Path> files = files(dir);
        assertThat(files.size()).isGreaterThan(2);
        assertThat(lines(files)).hasSize(n);
        assertThat(metric("logged")).isEqualTo(n);
    }

    @Test
    void aLogThatCannotBeWrittenNeverFailsARequestAndCountsTheLostRows(@TempDir Path dir)
            throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
        Http http =
                start(
                        new ServeTask.RequestLog(
                                notADirectory.resolve("log").toUri().toString(),
                                1.0,
                                500,
                                3600,
                                1000));
        int n = 0;
        for (int i = 0; i < 4; i++) {
            n += score(http, TestModels.rows(20, 30 + i), "r-" + i).size();
        }
        server.close();
        assertThat(metric("failed")).isEqualTo(n);
        assertThat(metric("logged")).isZero();
    }

    @Test
    void aFullQueueDropsRowsInsteadOfWaitingAndCountsThem(@TempDir Path dir) throws IOException {
        Http http = start(new ServeTask.RequestLog(dir.toUri().toString(), 1.0, 1 << 20, 3600, 1));
        int n = score(http, TestModels.rows(500, 7), "big").size();
        server.close();
        double logged = metric("logged");
        double dropped = metric("dropped");
        assertThat(logged + dropped).isEqualTo(n);
        assertThat(dropped).isPositive();
        assertThat(lines(files(dir))).hasSize((int) logged);
    }

    @Test
    void aSampleRateLogsAboutThatShareOfTheRows(@TempDir Path dir) throws IOException {
        Http http =
                start(
                        new ServeTask.RequestLog(
                                dir.toUri().toString(), 0.25, 1 << 20, 3600, 10_000));
        for (int i = 0; i < 4; i++) {
            score(http, TestModels.rows(500, 50 + i), "r-" + i);
        }
        server.close();
        // 2 000 rows at 1/4: mean 500, standard deviation about 19
        assertThat(lines(files(dir)).size()).isBetween(400, 600);
    }

    @Test
    void aSpecOutOfRangeIsRefusedNamingTheField() {
        assertThatThrownBy(() -> start(new ServeTask.RequestLog("file:///tmp/x", 0, 1, 1, 1)))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("requestLog.sampleRate 0.0 is not in (0, 1]");
        assertThatThrownBy(() -> start(new ServeTask.RequestLog("file:///tmp/x", 1, 1, 0, 1)))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("requestLog.maxAgeSeconds 0 is not > 0");
    }
}
