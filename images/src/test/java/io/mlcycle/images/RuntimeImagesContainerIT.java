package io.mlcycle.images;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.ServeTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.Task;
import io.mlcycle.task.TaskJson;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each runtime image runs a real task the way a pod runs it: the task in {@code MLCYCLE_TASK},
 * read-only root, user 1000, the data volume at {@code /data}, the summary in {@code
 * /dev/termination-log}, and the exit codes of the contract (0 succeeded, 1 failed, 2 invalid, 3
 * waiting for data, 4 validation failed). The chain pivot → trainer → server runs on generated
 * data.
 */
@RealServersTier
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RuntimeImagesContainerIT {

    static final String AS_OF = "2026-11-20";
    static final Task.Owner OWNER = new Task.Owner("FeatureView", "default", "items");
    static Path work;
    static Path data;
    static Summary duckdbPivot;

    @BeforeAll
    static void generate() throws Exception {
        Podman.tag();
        work = Podman.ROOT.resolve("images/target/containers");
        Podman.run(Duration.ofMinutes(1), "rm", "-rf", work.toString());
        data = Files.createDirectories(work.resolve("data"));
        Path generator = Podman.ROOT.resolve("examples/generator/target/generator.jar");
        Podman.Result g =
                Podman.run(
                        Duration.ofMinutes(3),
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-jar",
                        generator.toString(),
                        "--out",
                        data.toString(),
                        "--users",
                        "600",
                        "--items",
                        "60",
                        "--days",
                        "3",
                        "--end",
                        AS_OF,
                        "--seed",
                        "7");
        assertThat(g.exit()).as(g.output()).isZero();
        Podman.shared(data);
    }

    /** Runs {@code image} with {@code task} to completion; returns its exit code and summary. */
    static Summary runTask(String container, String image, Task task, int expectedExit)
            throws IOException {
        return runTask(container, image, task, expectedExit, List.of());
    }

    /** {@link #runTask(String, String, Task, int)} with {@code args} after the image name. */
    static Summary runTask(
            String container, String image, Task task, int expectedExit, List<String> args)
            throws IOException {
        Path log = Podman.shared(work.resolve(container + ".termination-log"));
        Files.writeString(log, "");
        List<String> cmd =
                Podman.runCommand(
                        container,
                        data,
                        log,
                        List.of(
                                "--rm",
                                "--network",
                                "none",
                                "-e",
                                "MLCYCLE_TASK=" + TaskJson.write(task)),
                        Podman.image(image));
        cmd.addAll(args);
        Podman.Result r = Podman.run(Duration.ofMinutes(5), cmd);
        assertThat(r.exit())
                .as("%s exit code; output:%n%s", container, r.output())
                .isEqualTo(expectedExit);
        String summary = Files.readString(log);
        assertThat(summary).as("%s termination message", container).isNotBlank();
        return TaskJson.readSummary(summary);
    }

    static PivotTask pivot(String asOf, String store, Integer minEntities) {
        return new PivotTask(
                OWNER,
                asOf,
                "user_id",
                new PivotTask.Source(
                        "file:///data/raw/item-events/dt={date}/",
                        "parquet",
                        "_SUCCESS",
                        null,
                        null),
                new PivotTask.Window(java.time.LocalDate.parse(asOf).minusDays(3).toString(), asOf),
                new PivotTask.Pivot("event_id", "cnt", "sum", null, 5, 0),
                new PivotTask.Filters(null, List.of()),
                new PivotTask.Store(store, 3),
                new PivotTask.Validation(minEntities, null, null, null),
                0,
                null);
    }

    static TrainTask train(int version) {
        return train(version, "logistic");
    }

    static TrainTask train(int version, String algorithm) {
        return TrainTask.builder()
                .owner(new Task.Owner("TrainingRun", "default", "churn"))
                .model("churn")
                .version(version)
                .entity("user_id")
                .features(
                        List.of(
                                new FeatureInput(
                                        "items",
                                        AS_OF,
                                        "file:///data/features/items/asOf=" + AS_OF + "/")))
                .labels(
                        new TrainTask.Labels(
                                "file:///data/labels/returned/asOf=" + AS_OF + "/",
                                "parquet",
                                "user_id",
                                "returned"))
                .algorithm(algorithm)
                .hyperparameters(
                        new TrainTask.Hyperparameters(
                                List.of(0.01),
                                List.of("adam"),
                                List.of(3),
                                List.of(128),
                                List.of(16),
                                List.of(1),
                                List.of(0.0),
                                null,
                                null))
                .preprocessing(new TrainTask.Preprocessing("minmax", null))
                .validation(new TrainTask.Validation("holdout", 0.2, 5, 42L))
                .explain(new TrainTask.Explain("none", 0, 0, 0))
                .selectionMetric("auc")
                .outputUri("file:///data/models/churn/v" + version + "/")
                .earlyStopping(null)
                .build();
    }

    @Test
    @Order(1)
    void thePivotImagePublishesATableAndEndsWithTheContractsExitCodes() throws Exception {
        Summary ok =
                runTask("pivot-ok", "pivot", pivot(AS_OF, "file:///data/features/items/", 10), 0);
        assertThat(ok.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        duckdbPivot = ok;
        assertThat(ok.figures().get("entities")).isGreaterThan(100);
        assertThat(data.resolve("features/items/asOf=" + AS_OF + "/_SUCCESS")).exists();

        Summary waiting =
                runTask(
                        "pivot-wait",
                        "pivot",
                        pivot("2026-12-24", "file:///data/features/later/", 10),
                        3);
        assertThat(waiting.outcome()).isEqualTo(Summary.Outcome.WaitingForData);

        Summary invalid = runTask("pivot-invalid", "pivot", pivot(AS_OF, "s4://nowhere/", 10), 2);
        assertThat(invalid.outcome()).isEqualTo(Summary.Outcome.Invalid);
        assertThat(invalid.message()).contains("s4://nowhere/");

        Summary rejected =
                runTask(
                        "pivot-invalid-table",
                        "pivot",
                        pivot(AS_OF, "file:///data/features/strict/", 1_000_000),
                        4);
        assertThat(rejected.outcome()).isEqualTo(Summary.Outcome.ValidationFailed);
        assertThat(data.resolve("features/strict/asOf=" + AS_OF)).doesNotExist();
    }

    @Test
    @Order(2)
    void thePivotSparkImageRunsThePivotTaskAsAPodAndAsASparkDriverOffline() throws Exception {
        // a plain pod start: the task of MLCYCLE_TASK on Spark's local master
        Summary ok =
                runTask(
                        "spark-ok",
                        "pivot-spark",
                        pivot(AS_OF, "file:///data/features/items-spark/", 10),
                        0);
        assertThat(ok.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(ok.details()).containsEntry("engine", "spark");
        assertThat(data.resolve("features/items-spark/asOf=" + AS_OF + "/_SUCCESS")).exists();
        if (duckdbPivot != null) {
            for (String figure : List.of("entities", "features", "nonZeros")) {
                assertThat(ok.figures().get(figure))
                        .as(figure)
                        .isEqualTo(duckdbPivot.figures().get(figure));
            }
        }
        // the Spark Operator's driver command: spark-submit in client mode, the exit code kept
        Summary waiting =
                runTask(
                        "spark-driver-wait",
                        "pivot-spark",
                        pivot("2026-12-24", "file:///data/features/later-spark/", 10),
                        3,
                        List.of(
                                "driver",
                                "--master",
                                "local[2]",
                                "--conf",
                                "spark.ui.enabled=false",
                                "--conf",
                                "spark.driver.host=127.0.0.1",
                                "--conf",
                                "spark.driver.bindAddress=127.0.0.1",
                                "--class",
                                "io.mlcycle.pivot.spark.Main",
                                "local:///opt/mlcycle/pivot-spark.jar"));
        assertThat(waiting.outcome()).isEqualTo(Summary.Outcome.WaitingForData);
        // an executor pod runs Spark's Kubernetes backend, which the image carries (Spark 3.5.6 for
        // Scala 2.12); started without the env a driver gives its executor pods it stops at once
        // naming what is missing
        Podman.Result backend =
                Podman.run(
                        Duration.ofMinutes(1),
                        "podman",
                        "run",
                        "--rm",
                        "--network",
                        "none",
                        "--user",
                        Podman.USER,
                        Podman.image("pivot-spark"),
                        "ls",
                        "/opt/mlcycle/lib");
        assertThat(backend.exit()).isZero();
        assertThat(backend.output()).contains("spark-kubernetes_2.12-3.5.6.jar");
        Podman.Result executor =
                Podman.run(
                        Duration.ofMinutes(1),
                        "podman",
                        "run",
                        "--rm",
                        "--network",
                        "none",
                        "--user",
                        Podman.USER,
                        Podman.image("pivot-spark"),
                        "executor");
        assertThat(executor.exit()).isNotZero();
        assertThat(executor.output()).contains("SPARK_EXECUTOR_POD_IP");
    }

    @Test
    @Order(3)
    void theTrainerImagePublishesAModelOnceFailsOnASecondWriteAndTrainsTrees() throws Exception {
        Summary trained = runTask("trainer-ok", "trainer", train(1), 0);
        assertThat(trained.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(trained.figures().get("auc")).isBetween(0.5, 1.0);
        assertThat(trained.details().get("artifactDigest")).asString().startsWith("sha256:");
        assertThat(data.resolve("models/churn/v1/_SUCCESS")).exists();

        Summary again = runTask("trainer-again", "trainer", train(1), 1);
        assertThat(again.outcome()).isEqualTo(Summary.Outcome.Failed);
        assertThat(again.reason()).isEqualTo("VersionAlreadyPublished");

        // XGBoost4J's native library loads in the image (it needs libgomp from the base)
        Summary trees = runTask("trainer-xgboost", "trainer", train(2, "xgboost"), 0);
        assertThat(trees.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(data.resolve("models/churn/v2/model.xgb.json")).exists();
    }

    @Test
    @Order(4)
    void theTrainerSparkImageTrainsTreesAsAPodAndTheScorerSparkImageScoresThemAsASparkDriver()
            throws Exception {
        // a plain pod start: the xgboost task of MLCYCLE_TASK on Spark's local master, the rows
        // read by its executors
        Summary trained = runTask("trainer-spark-ok", "trainer-spark", train(3, "xgboost"), 0);
        assertThat(trained.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(trained.figures().get("auc")).isBetween(0.5, 1.0);
        assertThat(data.resolve("models/churn/v3/model.xgb.json")).exists();
        assertThat(data.resolve("models/churn/v3/_SUCCESS")).exists();
        // the Spark Operator's driver command scores that version with scorer-spark
        String digest = (String) trained.details().get("artifactDigest");
        ScoreTask score =
                new ScoreTask(
                        new Task.Owner("ModelDeployment", "default", "churn"),
                        "churn",
                        3,
                        "file:///data/models/churn/v3/",
                        AS_OF,
                        "user_id",
                        List.of(
                                new FeatureInput(
                                        "items",
                                        AS_OF,
                                        "file:///data/features/items/asOf=" + AS_OF + "/")),
                        "file:///data/scores/churn/asOf=" + AS_OF + "/",
                        digest,
                        null);
        Summary scored =
                runTask(
                        "scorer-spark-driver",
                        "scorer-spark",
                        score,
                        0,
                        List.of(
                                "driver",
                                "--master",
                                "local[2]",
                                "--conf",
                                "spark.ui.enabled=false",
                                "--conf",
                                "spark.driver.host=127.0.0.1",
                                "--conf",
                                "spark.driver.bindAddress=127.0.0.1",
                                "--class",
                                "io.mlcycle.scorer.spark.Main",
                                "local:///opt/mlcycle/scorer-spark.jar"));
        assertThat(scored.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(data.resolve("scores/churn/asOf=" + AS_OF + "/scores.parquet")).exists();
        // both carry Spark's Kubernetes backend for their executor pods
        for (String image : List.of("trainer-spark", "scorer-spark")) {
            Podman.Result lib =
                    Podman.run(
                            Duration.ofMinutes(1),
                            "podman",
                            "run",
                            "--rm",
                            "--network",
                            "none",
                            "--user",
                            Podman.USER,
                            Podman.image(image),
                            "ls",
                            "/opt/mlcycle/lib");
            assertThat(lib.output()).as(image).contains("spark-kubernetes_2.12-3.5.6.jar");
        }
    }

    @Test
    @Order(5)
    void theServerImageBecomesReadyAnswersAnInferenceAndStopsOnSigterm() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ServeTask serve =
                new ServeTask(
                        new Task.Owner("ModelDeployment", "default", "churn"),
                        "churn",
                        "churn",
                        1,
                        "file:///data/models/churn/v1/",
                        8080,
                        0,
                        0,
                        0,
                        null,
                        null,
                        null);
        Path log = Podman.shared(work.resolve("server.termination-log"));
        Files.writeString(log, "");
        List<String> extra = new ArrayList<>();
        extra.addAll(List.of("-d", "-p", "127.0.0.1:" + port + ":8080"));
        extra.addAll(List.of("-e", "MLCYCLE_TASK=" + TaskJson.write(serve)));
        extra.addAll(List.of("-e", "MLCYCLE_DRAIN_SECONDS=1"));
        extra.addAll(List.of("-e", ServeTask.FEEDBACK_TOKEN_ENV + "=container-test-token"));
        Podman.Result started =
                Podman.run(
                        Duration.ofMinutes(2),
                        Podman.runCommand("server", data, log, extra, Podman.image("server")));
        assertThat(started.exit()).as(started.output()).isZero();
        try {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + port;
            Podman.awaitOrExplain(
                    "the server container ready",
                    Duration.ofMinutes(2),
                    Duration.ofMillis(500),
                    () -> get(http, base + "/v2/health/ready").statusCode(),
                    code -> code == 200,
                    () -> Podman.logs("server"));
            JsonNode probabilities = Podman.infer(http, base + "/v2/models/churn");
            assertThat(probabilities.get("data")).hasSize(2);
            assertThat(probabilities.get("data").get(0).asDouble()).isBetween(0.0, 1.0);

            Podman.Result stopped =
                    Podman.run(Duration.ofMinutes(1), "podman", "stop", "-t", "20", "server");
            assertThat(stopped.exit()).as(stopped.output()).isZero();
            Podman.Result exit =
                    Podman.run(
                            Duration.ofMinutes(1),
                            "podman",
                            "inspect",
                            "--format",
                            "{{.State.ExitCode}}",
                            "server");
            // the JVM ends by the signal once the drained server wrote its summary: 128 + 15
            assertThat(exit.output().trim()).isIn("0", "143");
            Summary summary = TaskJson.readSummary(Files.readString(log));
            assertThat(summary.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        } finally {
            Podman.remove("server");
        }
    }

    static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
