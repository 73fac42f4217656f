package io.mlcycle.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.mlcycle.common.ArtifactDigest;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.server.oip.GRPCInferenceServiceGrpc;
import io.mlcycle.server.oip.ModelInferRequest;
import io.mlcycle.server.oip.ModelInferResponse;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.ServeTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.Task;
import io.mlcycle.task.TaskJson;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.mlcycle.server.Http.labels;
import static org.assertj.core.api.Assertions.assertThat;

/** Runs the packaged server jar as its own process on loopback, as a pod would run it. */
@RealServersTier
class ServerProcessIT {

    private static final Task.Owner OWNER = new Task.Owner("ModelDeployment", "ml", "churn");
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern GRPC = Pattern.compile("listening on .* grpc (\\d+)$");

    /** A started server process; its output goes to a file, read whole after it ends. */
    private record Server(Process process, Path log) {
        List<String> output() {
            try {
                return Files.readAllLines(log, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static Server start(Path tmp, Object task) throws IOException {
        return start(tmp, task, java.util.Map.of());
    }

    private static Server start(Path tmp, Object task, java.util.Map<String, String> env)
            throws IOException {
        Files.createDirectories(tmp);
        Path taskFile = tmp.resolve("task.json");
        Files.writeString(taskFile, TaskJson.write(task));
        Path jar = Path.of("target/server.jar").toAbsolutePath();
        assertThat(jar).as("the packaged jar (mvn package first)").exists();
        ProcessBuilder pb =
                new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx256m",
                        "-Dai.djl.offline=true",
                        "-jar",
                        jar.toString(),
                        "--task",
                        taskFile.toString(),
                        "--result",
                        tmp.resolve("result.json").toString());
        pb.environment().put(Serve.BIND_ENV, "127.0.0.1");
        pb.environment().put(Serve.DRAIN_ENV, "3");
        pb.environment().remove(TaskJson.TASK_ENV);
        pb.environment().put(ServeTask.FEEDBACK_TOKEN_ENV, TestModels.TOKEN);
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        // a file, not a pipe: a pipe reader can lose the last lines when the process exits
        Path log = tmp.resolve("server.log");
        pb.redirectOutput(log.toFile());
        return new Server(pb.start(), log);
    }

    private static ServeTask serveTask(Path artifact) {
        return serveTask(artifact, "churn-prod", TestModels.VERSION);
    }

    private static ServeTask serveTask(Path artifact, String deployment, int version) {
        return new ServeTask(
                OWNER,
                deployment,
                TestModels.MODEL,
                version,
                artifact.toUri().toString(),
                0,
                1 << 20,
                1000,
                10_000,
                null,
                null,
                null);
    }

    /** The port the server prints once it listens. */
    private static int awaitPort(Server s) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            for (String line : s.output()) {
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            }
            if (!s.process().isAlive()) {
                throw new AssertionError("server exited: " + s.output());
            }
            Thread.sleep(50);
        }
        throw new AssertionError("server never printed its port: " + s.output());
    }

    /** Scores one row with events/e0 high through the jar's gRPC port; returns its class. */
    private static int grpcClassOfE0High(Server s) throws InterruptedException {
        int port = -1;
        for (String line : s.output()) {
            Matcher m = GRPC.matcher(line);
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
            }
        }
        assertThat(port).as("gRPC port in %s", s.output()).isPositive();
        ManagedChannel channel =
                NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            ModelInferRequest.InferInputTensor.Builder in =
                    ModelInferRequest.InferInputTensor.newBuilder()
                            .setName("events/e0")
                            .setDatatype("FP32")
                            .addShape(1);
            in.getContentsBuilder().addFp32Contents(2f);
            ModelInferResponse r =
                    GRPCInferenceServiceGrpc.newBlockingStub(channel)
                            .modelInfer(
                                    ModelInferRequest.newBuilder()
                                            .setModelName("churn")
                                            .addInputs(in)
                                            .build());
            return r.getRawOutputContents(1)
                    .asReadOnlyByteBuffer()
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .getInt();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static boolean awaitReady(Http http, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (http.get("/v2/health/ready").status() == 200) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    /** The model metadata once the model failed to load (asserted within 30 s). */
    private static JsonNode awaitFailedModel(Http http) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        JsonNode meta = http.get("/v2/models/churn").json();
        while (!meta.get("state").asText().equals("FAILED") && System.nanoTime() < deadline) {
            Thread.sleep(100);
            meta = http.get("/v2/models/churn").json();
        }
        assertThat(meta.get("state").asText()).isEqualTo("FAILED");
        return meta;
    }

    private static void stop(Server s) throws InterruptedException {
        s.process().destroy(); // SIGTERM, as the kubelet sends
        if (!s.process().waitFor(20, TimeUnit.SECONDS)) {
            s.process().destroyForcibly();
            throw new AssertionError("server did not stop on SIGTERM: " + s.output());
        }
    }

    @Test
    void aChampionJarMirrorsToAChallengerJarJoinsTheirFeedbackAndAnswersWhenItIsGone(
            @TempDir Path tmp) throws Exception {
        Server challenger =
                start(
                        tmp.resolve("challenger"),
                        serveTask(TestModels.artifact(), "churn-shadow", 4));
        Server champion = null;
        try {
            int challengerPort = awaitPort(challenger);
            Http toChallenger = new Http(challengerPort);
            champion =
                    start(
                            tmp.resolve("champion"),
                            serveTask(TestModels.artifact()),
                            java.util.Map.of(
                                    ShadowMirror.URL_ENV,
                                    "http://127.0.0.1:" + challengerPort,
                                    ShadowMirror.PERCENT_ENV,
                                    "50",
                                    ShadowMirror.VERSION_ENV,
                                    "4"));
            Http toChampion = new Http(awaitPort(champion));
            assertThat(awaitReady(toChallenger, 60)).isTrue();
            assertThat(awaitReady(toChampion, 60)).isTrue();
            String body =
                    "{\"inputs\":[{\"name\":\"events/e0\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[2]}]}";
            StringBuilder fb = new StringBuilder();
            for (int i = 0; i < 200; i++) {
                Http.Response r = toChampion.post("/v2/models/churn/infer", body);
                assertThat(r.status()).isEqualTo(200);
                String id = r.json().get("outputs").get(2).get("data").get(0).asText();
                fb.append(i == 0 ? "" : ",")
                        .append("{\"prediction_id\":\"")
                        .append(id)
                        .append("\",\"actual\":")
                        .append(i % 4 == 0 ? 0 : 1)
                        .append('}');
            }
            // every label reaches the champion; those of mirrored requests reach the challenger
            assertThat(
                            toChampion
                                    .post(
                                            "/v2/models/churn/feedback",
                                            "{\"feedback\":[" + fb + "]}")
                                    .json()
                                    .get("accepted")
                                    .asInt())
                    .isEqualTo(200);
            double mirrored =
                    toChampion.total(
                            "mlcycle_mirrored_feedback_total",
                            "deployment",
                            "churn-prod",
                            "version",
                            "3",
                            "challenger",
                            "4");
            assertThat(mirrored).as("about half of 200 mirrored").isBetween(50.0, 150.0);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (toChallenger.total(
                                    "mlcycle_feedback_total",
                                    "deployment",
                                    "churn-shadow",
                                    "version",
                                    "4")
                            < mirrored
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(
                            toChallenger.total(
                                    "mlcycle_feedback_total",
                                    "deployment",
                                    "churn-shadow",
                                    "version",
                                    "4"))
                    .as("the challenger's labels: the same mirrored requests")
                    .isEqualTo(mirrored);

            // the challenger goes away: the champion answers all the same, the copies fail
            stop(challenger);
            for (int i = 0; i < 20; i++) {
                assertThat(toChampion.post("/v2/models/churn/infer", body).status()).isEqualTo(200);
            }
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            double failed = 0;
            while (failed < 1 && System.nanoTime() < deadline) {
                Thread.sleep(100);
                // summed over the reasons (refused, timed out, cut off)
                failed =
                        Http.total(
                                toChampion.get("/metrics").body(),
                                "mlcycle_mirror_total",
                                labels(
                                        "deployment",
                                        "churn-prod",
                                        "version",
                                        "3",
                                        "kind",
                                        "infer",
                                        "outcome",
                                        "failed"));
            }
            assertThat(failed)
                    .as("copies to the stopped challenger counted as failed")
                    .isPositive();
        } finally {
            if (champion != null) {
                stop(champion);
            }
            if (challenger.process().isAlive()) {
                stop(challenger);
            }
        }
    }

    @Test
    void theServerJarServesPredictionsAndFeedbackAndStopsOnSigterm(@TempDir Path tmp)
            throws Exception {
        Server s = start(tmp, serveTask(TestModels.artifact()));
        try {
            Http http = new Http(awaitPort(s));
            assertThat(http.get("/v2/health/live").status()).isEqualTo(200);
            assertThat(awaitReady(http, 60)).as("ready; output: %s", s.output()).isTrue();
            Http.Response r =
                    http.post(
                            "/v2/models/churn/infer",
                            "{\"id\":\"p1\",\"inputs\":["
                                    + "{\"name\":\"events/e0\",\"shape\":[2],\"datatype\":\"FP32\",\"data\":[2,0]},"
                                    + "{\"name\":\"events/e2\",\"shape\":[2],\"datatype\":\"FP32\",\"data\":[0,2]}]}");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            JsonNode outputs = r.json().get("outputs");
            assertThat(outputs.get(1).get("data").get(0).asInt()).as("e0 high → 1").isEqualTo(1);
            assertThat(outputs.get(1).get("data").get(1).asInt()).as("e2 high → 0").isEqualTo(0);
            String id = outputs.get(2).get("data").get(0).asText();
            Http.Response fb =
                    http.post(
                            "/v2/models/churn/feedback",
                            "{\"feedback\":[{\"prediction_id\":\"" + id + "\",\"actual\":0}]}");
            assertThat(fb.json().get("accepted").asInt()).isEqualTo(1);
            assertThat(
                            Http.sample(
                                    http.get("/metrics").body(),
                                    "mlcycle_feedback_total",
                                    labels(
                                            "deployment",
                                            "churn-prod",
                                            "version",
                                            "3",
                                            "predicted",
                                            "1",
                                            "actual",
                                            "0")))
                    .isEqualTo(1.0);
            assertThat(grpcClassOfE0High(s)).as("the same answer over gRPC").isEqualTo(1);
            assertThat(http.post("/v2/models/churn/infer", "{oops").status()).isEqualTo(400);
            assertThat(http.get("/v2/health/live").status()).isEqualTo(200);
            // SIGTERM: not ready at once, yet requests still routed here are answered
            s.process().destroy();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (http.get("/v2/health/ready").status() == 200 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(http.get("/v2/health/ready").status()).isEqualTo(503);
            assertThat(
                            http.post(
                                            "/v2/models/churn/infer",
                                            "{\"inputs\":[{\"name\":\"events/e1\",\"shape\":[1],"
                                                    + "\"datatype\":\"FP32\",\"data\":[1]}]}")
                                    .status())
                    .isEqualTo(200);
        } finally {
            stop(s);
        }
        Summary summary = TaskJson.readSummary(Files.readString(tmp.resolve("result.json")));
        assertThat(summary.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(s.output()).anyMatch(l -> l.contains("mlcycle-server stopping"));
    }

    @Test
    void aServerWhoseModelCannotLoadStaysLiveButNeverReady(@TempDir Path tmp) throws Exception {
        Path broken = tmp.resolve("broken");
        Files.createDirectories(broken);
        Files.writeString(broken.resolve("model.json"), "{\"model\": ");
        Server s = start(tmp, serveTask(broken));
        try {
            Http http = new Http(awaitPort(s));
            JsonNode meta = awaitFailedModel(http);
            assertThat(meta.get("error").asText()).contains("model.json");
            assertThat(http.get("/v2/health/live").status()).isEqualTo(200);
            assertThat(http.get("/v2/health/ready").status()).isEqualTo(503);
        } finally {
            stop(s);
        }
        assertThat(s.output()).anyMatch(l -> l.contains("model failed to load"));
        Summary summary = TaskJson.readSummary(Files.readString(tmp.resolve("result.json")));
        assertThat(summary.reason()).isEqualTo("ModelLoadFailed");
    }

    @Test
    void aServerServesOnlyTheArtifactTheRegistryRecordedAfterItIsRewritten(@TempDir Path tmp)
            throws Exception {
        Path artifact = tmp.resolve("v3");
        try (var files = Files.list(TestModels.artifact())) {
            Files.createDirectories(artifact);
            for (Path f : files.toList()) {
                Files.copy(f, artifact.resolve(f.getFileName()));
            }
        }
        String recorded = ArtifactDigest.of(artifact);
        ServeTask base = serveTask(artifact);
        ServeTask checked =
                new ServeTask(
                        base.owner(),
                        base.deployment(),
                        base.model(),
                        base.version(),
                        base.artifactUri(),
                        base.port(),
                        base.maxBodyBytes(),
                        base.maxRowsPerRequest(),
                        base.feedbackWindow(),
                        null,
                        recorded,
                        null);
        Path first = Files.createDirectories(tmp.resolve("first"));
        Server s = start(first, checked);
        try {
            Http http = new Http(awaitPort(s));
            assertThat(awaitReady(http, 60)).as("ready; output: %s", s.output()).isTrue();
        } finally {
            stop(s);
        }

        // another training wrote into the version directory after it was registered
        Files.writeString(artifact.resolve("metrics.json"), "{\"auc\": 0.99}");
        Path second = Files.createDirectories(tmp.resolve("second"));
        s = start(second, checked);
        try {
            Http http = new Http(awaitPort(s));
            JsonNode meta = awaitFailedModel(http);
            assertThat(meta.get("error").asText())
                    .contains("refusing to use a different artifact")
                    .contains(recorded)
                    .contains("churn v3");
            assertThat(http.get("/v2/health/ready").status()).isEqualTo(503);
        } finally {
            stop(s);
        }
    }

    @Test
    void theServerJarRunsABatchScoringTask(@TempDir Path tmp) throws Exception {
        Path features = tmp.resolve("features/asOf=2026-11-20");
        TestModels.writeFeatureTable(features, TestModels.rows(40, 21));
        Path out = tmp.resolve("scores/asOf=2026-11-21");
        ScoreTask task =
                new ScoreTask(
                        OWNER,
                        TestModels.MODEL,
                        TestModels.VERSION,
                        TestModels.artifact().toUri().toString(),
                        "2026-11-21",
                        "user_id",
                        List.of(
                                new FeatureInput(
                                        TestModels.VIEW,
                                        "2026-11-20",
                                        features.toUri().toString())),
                        out.toUri().toString(),
                        null,
                        null);
        Server s = start(tmp, task);
        assertThat(s.process().waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(s.process().exitValue()).as("output: %s", s.output()).isZero();
        Summary summary = TaskJson.readSummary(Files.readString(tmp.resolve("result.json")));
        assertThat(summary.figures()).containsEntry("rows", 40.0);
        assertThat(out.resolve("scores.parquet")).exists();
        assertThat(out.resolve(VersionedStore.SUCCESS)).exists();
    }
}
