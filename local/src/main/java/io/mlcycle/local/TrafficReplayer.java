package io.mlcycle.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.SparseTables;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.TaskJson;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Replays users against a served model: sends their features to the OIP v2 infer endpoint, then
 * reports their true outcome as feedback, or, after {@code degradeAfter} requests, the opposite
 * outcome, so that online precision falls and a rollback fires.
 *
 * <p>Users come from one as-of's feature tables and labels, in a fixed pseudo-random order; use an
 * as-of later than the served version's training data for users it has not seen.
 */
public final class TrafficReplayer {

    /** One FeatureView table: its name (the model's input prefix) and its as-of directory. */
    public record Table(String featureView, Path dir) {}

    /**
     * @param baseUrl the Service URL, e.g. http://127.0.0.1:41234
     * @param labels a label Parquet file or a directory of them
     * @param degradeAfter requests with true feedback before the feedback turns wrong (-1: never)
     * @param pause pause between requests
     * @param feedbackToken the ModelDeployment's feedback token ({@link #feedbackToken}), sent as
     *     {@code Authorization: Bearer}; null: none (the server refuses the feedback with 401,
     *     counted in {@link Report#feedbackRejected})
     */
    public record Options(
            String baseUrl,
            String model,
            List<Table> tables,
            Path labels,
            String entityColumn,
            String labelColumn,
            int requests,
            int batch,
            int degradeAfter,
            Duration pause,
            String feedbackToken) {}

    /** What was sent and reported. */
    public record Report(
            int requests,
            int rows,
            int feedbackAccepted,
            int feedbackRejected,
            int wrongFeedback,
            int predictedPositive,
            int truePositive,
            Map<String, Integer> servedVersions) {

        /** Precision of the predictions against the true labels. */
        public double precision() {
            return predictedPositive == 0 ? Double.NaN : truePositive / (double) predictedPositive;
        }
    }

    private final Options options;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> users = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();
    private final Map<String, Map<String, Float>> features = new HashMap<>();
    private int cursor;

    public TrafficReplayer(Options options) throws IOException {
        this.options = options;
        load();
    }

    private void load() throws IOException {
        for (Table t : options.tables()) {
            SparseMatrix m = SparseTables.read(t.dir());
            FeatureCatalog cat = FeatureCatalog.read(t.dir());
            String[] names = new String[m.numFeatures()];
            for (FeatureCatalog.Feature f : cat.features()) {
                names[f.index()] = t.featureView() + "/" + f.name();
            }
            for (int r = 0; r < m.rows(); r++) {
                Map<String, Float> row =
                        features.computeIfAbsent(m.entities()[r], k -> new LinkedHashMap<>());
                for (int k = m.rowPtr()[r]; k < m.rowPtr()[r + 1]; k++) {
                    row.put(names[m.cols()[k]], m.values()[k]);
                }
            }
        }
        String glob =
                Files.isDirectory(options.labels())
                        ? options.labels().resolve("*.parquet").toString()
                        : options.labels().toString();
        try (Connection db = SparseTables.duckdb();
                Statement st = db.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT CAST(\""
                                        + options.entityColumn()
                                        + "\" AS VARCHAR), CAST(\""
                                        + options.labelColumn()
                                        + "\" AS INTEGER) FROM read_parquet("
                                        + SparseTables.literal(glob)
                                        + ")")) {
            while (rs.next()) {
                labels.put(rs.getString(1), rs.getInt(2));
            }
        } catch (SQLException e) {
            throw new IOException("cannot read labels " + glob + ": " + e.getMessage(), e);
        }
        for (String u : labels.keySet()) {
            if (features.containsKey(u)) {
                users.add(u);
            }
        }
        if (users.isEmpty()) {
            throw new IOException("no user has both features and a label");
        }
        users.sort(Comparator.comparingInt((String u) -> mix(u.hashCode())).thenComparing(u -> u));
    }

    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x7feb352d;
        h ^= h >>> 15;
        return h;
    }

    /** Sends {@code options.requests()} requests and their feedback. */
    public Report run(Consumer<String> log) throws IOException, InterruptedException {
        List<String> inputs = modelInputs();
        Set<String> known = new LinkedHashSet<>(inputs);
        int rows = 0;
        int accepted = 0;
        int rejected = 0;
        int wrong = 0;
        int predictedPositive = 0;
        int truePositive = 0;
        Map<String, Integer> served = new LinkedHashMap<>();
        for (int i = 0; i < options.requests(); i++) {
            List<String> batch = new ArrayList<>();
            for (int b = 0; b < options.batch(); b++) {
                batch.add(users.get(cursor++ % users.size()));
            }
            JsonNode resp = post("/infer", inferBody(batch, known, inputs.get(0)));
            String version = resp.path("model_version").asText("?");
            served.merge(version, 1, Integer::sum);
            JsonNode classes = output(resp, "class");
            JsonNode ids = output(resp, "prediction_id");
            boolean degrade = options.degradeAfter() >= 0 && i >= options.degradeAfter();
            ObjectNode feedback = TaskJson.MAPPER.createObjectNode();
            ArrayNode list = feedback.putArray("feedback");
            for (int b = 0; b < batch.size(); b++) {
                int actual = labels.get(batch.get(b));
                int predicted = classes.get(b).asInt();
                if (predicted == 1) {
                    predictedPositive++;
                    truePositive += actual;
                }
                int reported = degrade ? 1 - actual : actual;
                wrong += degrade ? 1 : 0;
                list.addObject().put("prediction_id", ids.get(b).asText()).put("actual", reported);
            }
            JsonNode fb = postFeedback(TaskJson.write(feedback));
            if (fb == null) {
                rejected++;
            } else {
                accepted += fb.path("accepted").asInt();
            }
            rows += batch.size();
            if (i == options.degradeAfter() && log != null) {
                log.accept("replayer: from now on the feedback reports the opposite outcome");
            }
            if (!options.pause().isZero()) {
                Thread.sleep(options.pause().toMillis());
            }
        }
        return new Report(
                options.requests(),
                rows,
                accepted,
                rejected,
                wrong,
                predictedPositive,
                truePositive,
                served);
    }

    private String inferBody(List<String> batch, Set<String> known, String fallbackInput) {
        Map<String, float[]> columns = new LinkedHashMap<>();
        for (int b = 0; b < batch.size(); b++) {
            for (var e : features.get(batch.get(b)).entrySet()) {
                if (known.contains(e.getKey())) {
                    columns.computeIfAbsent(e.getKey(), k -> new float[batch.size()])[b] =
                            e.getValue();
                }
            }
        }
        if (columns.isEmpty()) {
            columns.put(fallbackInput, new float[batch.size()]);
        }
        ObjectNode body = TaskJson.MAPPER.createObjectNode();
        ArrayNode in = body.putArray("inputs");
        for (var c : columns.entrySet()) {
            ObjectNode t = in.addObject();
            t.put("name", c.getKey());
            t.put("datatype", "FP32");
            t.putArray("shape").add(batch.size());
            ArrayNode data = t.putArray("data");
            for (float v : c.getValue()) {
                data.add(v);
            }
        }
        return TaskJson.write(body);
    }

    private static JsonNode output(JsonNode resp, String name) throws IOException {
        for (JsonNode o : resp.path("outputs")) {
            if (name.equals(o.path("name").asText())) {
                return o.path("data");
            }
        }
        throw new IOException("the infer response has no output '" + name + "': " + resp);
    }

    /** The model's feature input names, from its OIP v2 metadata. */
    private List<String> modelInputs() throws IOException, InterruptedException {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create(modelUrl())).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(
                    "GET " + modelUrl() + " answered " + r.statusCode() + ": " + r.body());
        }
        List<String> names = new ArrayList<>();
        for (JsonNode in : TaskJson.MAPPER.readTree(r.body()).path("inputs")) {
            // the per-feature [-1] inputs; not the dense [-1, F] one nor the BYTES entity one
            if (in.path("shape").size() == 1 && in.path("datatype").asText().equals("FP32")) {
                names.add(in.path("name").asText());
            }
        }
        if (names.isEmpty()) {
            throw new IOException("the model metadata at " + modelUrl() + " lists no inputs");
        }
        return names;
    }

    private String modelUrl() {
        return options.baseUrl() + "/v2/models/" + options.model();
    }

    /** Posts feedback with the token; null when the server refused it as unauthenticated. */
    private JsonNode postFeedback(String body) throws IOException, InterruptedException {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(modelUrl() + "/feedback"))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body));
        if (options.feedbackToken() != null) {
            b.header("Authorization", "Bearer " + options.feedbackToken());
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 401) {
            return null;
        }
        if (r.statusCode() != 200) {
            throw new IOException(
                    "POST "
                            + modelUrl()
                            + "/feedback answered "
                            + r.statusCode()
                            + ": "
                            + r.body());
        }
        return TaskJson.MAPPER.readTree(r.body());
    }

    /**
     * The feedback token of ModelDeployment {@code name}, read through the API as any client would
     * ({@code kubectl get secret <status.feedback.tokenSecret> -o jsonpath=…}); null when its
     * feedback authentication is off or its status names no token yet.
     */
    public static String feedbackToken(KubernetesClient client, String namespace, String name) {
        GenericKubernetesResource md =
                client.genericKubernetesResources("mlcycle.io/v1alpha1", "ModelDeployment")
                        .inNamespace(namespace)
                        .withName(name)
                        .get();
        if (md == null) {
            return null;
        }
        Optional<String> secret = ResourceTable.text(md, "status", "feedback", "tokenSecret");
        Optional<String> key = ResourceTable.text(md, "status", "feedback", "tokenKey");
        if (secret.isEmpty() || key.isEmpty()) {
            return null;
        }
        Secret s = client.secrets().inNamespace(namespace).withName(secret.get()).get();
        String value = s == null || s.getData() == null ? null : s.getData().get(key.get());
        return value == null
                ? null
                : new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8).trim();
    }

    private JsonNode post(String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create(modelUrl() + path))
                                .timeout(Duration.ofSeconds(30))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(
                    "POST " + modelUrl() + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return TaskJson.MAPPER.readTree(r.body());
    }

    /**
     * {@code TrafficReplayer --url U --model M --table kpi=DIR --table item-events=DIR --labels DIR
     * [--requests 200] [--batch 20] [--degrade-after -1] [--pause-ms 100]}.
     */
    public static void main(String[] args) throws Exception {
        String url = null;
        String model = null;
        List<Table> tables = new ArrayList<>();
        Path labelsDir = null;
        int requests = 200;
        int batch = 20;
        int degradeAfter = -1;
        long pause = 100;
        String token = System.getenv(PodEnv.FEEDBACK_TOKEN);
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--url" -> url = v;
                case "--model" -> model = v;
                case "--table" -> {
                    int eq = v.indexOf('=');
                    tables.add(new Table(v.substring(0, eq), Path.of(v.substring(eq + 1))));
                }
                case "--labels" -> labelsDir = Path.of(v);
                case "--requests" -> requests = Integer.parseInt(v);
                case "--batch" -> batch = Integer.parseInt(v);
                case "--degrade-after" -> degradeAfter = Integer.parseInt(v);
                case "--pause-ms" -> pause = Long.parseLong(v);
                case "--token" -> token = v;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
            i++;
        }
        if (url == null || model == null || tables.isEmpty() || labelsDir == null) {
            System.err.println(
                    "usage: TrafficReplayer --url U --model M --table NAME=DIR... --labels DIR"
                            + " [--requests N] [--batch B] [--degrade-after N] [--pause-ms MS]"
                            + " [--token T] (default: $MLCYCLE_FEEDBACK_TOKEN)");
            System.exit(2);
        }
        Report r =
                new TrafficReplayer(
                                new Options(
                                        url,
                                        model,
                                        tables,
                                        labelsDir,
                                        "user_id",
                                        "returned",
                                        requests,
                                        batch,
                                        degradeAfter,
                                        Duration.ofMillis(pause),
                                        token))
                        .run(System.out::println);
        System.out.printf(
                "replayed %d requests (%d rows): feedback accepted %d, rejected %d (%d wrong on"
                        + " purpose),"
                        + " precision %.3f, versions %s%n",
                r.requests(),
                r.rows(),
                r.feedbackAccepted(),
                r.feedbackRejected(),
                r.wrongFeedback(),
                r.precision(),
                r.servedVersions());
    }
}
