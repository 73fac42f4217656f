package io.mlcycle.trainer.spark;

import io.mlcycle.common.ArtifactDigest;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.model.ModelSpec;
import io.mlcycle.spark.SparkRuntime;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TrainSummary;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.UnitTier;
import io.mlcycle.trainer.DistributedXgboost;
import io.mlcycle.trainer.PlantedData;
import io.mlcycle.trainer.Trainer;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** trainer-spark on a real Spark {@code local[2]}: two barrier workers, the planted data. */
@UnitTier
class SparkTrainerTest {

    static SparkSession spark;

    @TempDir static Path root;
    static PlantedData data;

    @BeforeAll
    static void start() throws Exception {
        spark =
                Main.session(
                        SparkRuntime.local("2")
                                // a barrier stage short of slots fails after 2 checks, not 5 min
                                .set(
                                        "spark.scheduler.barrier.maxConcurrentTasksCheck.interval",
                                        "1s")
                                .set(
                                        "spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures",
                                        "2"));
        spark.sparkContext().setLogLevel("WARN");
        data = PlantedData.write(root, 1500, 300, 3);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static TrainTask xgboost(String algorithm, Path out) {
        return xgboost(algorithm, out, new TrainTask.Validation("holdout", 0.2, 5, 42L));
    }

    static TrainTask xgboost(String algorithm, Path out, TrainTask.Validation validation) {
        return xgboost(algorithm, out, validation, null);
    }

    static TrainTask xgboost(
            String algorithm, Path out, TrainTask.Validation validation, TrainTask.Search search) {
        return TrainTask.builder()
                .model("m")
                .version(1)
                .entity("user_id")
                .features(List.of(data.input()))
                .labels(new TrainTask.Labels(data.labels.toString(), "csv", "user_id", "returned"))
                .algorithm(algorithm)
                .hyperparameters(null)
                .preprocessing(null)
                .validation(validation)
                .explain(new TrainTask.Explain("shap", 200, 50, 10))
                .selectionMetric("auc")
                .outputUri(out.toUri().toString())
                .earlyStopping(null)
                .search(search)
                .build();
    }

    @Test
    void trainsOnTwoWorkersToTheSinglePodsArtifactAndAucOnTheSameSplit() throws Exception {
        Path single = root.resolve("models/m/single");
        Path distributed = root.resolve("models/m/spark");
        Summary one = Trainer.run(xgboost("xgboost", single));
        assertThat(Main.workers(spark)).isEqualTo(2);
        Summary s = Main.handle(xgboost("xgboost", distributed), spark);

        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(s.figures().get("auc")).isGreaterThan(0.75);
        assertThat(s.figures().get("auc")).isCloseTo(one.figures().get("auc"), within(0.002));
        // the same artifact and summary as the single pod's
        assertThat(s.figures().keySet()).isEqualTo(one.figures().keySet());
        assertThat(s.details().keySet()).isEqualTo(one.details().keySet());
        try (var files = Files.list(single)) {
            for (Path f : files.toList()) {
                assertThat(distributed.resolve(f.getFileName())).exists();
            }
        }
        assertThat(distributed.resolve("_SUCCESS")).exists();
        assertThat(s.details().get("artifactDigest")).isEqualTo(ArtifactDigest.of(distributed));
        // TreeSHAP on the distributed booster ranks the planted features first
        List<String> top =
                ((List<?>) s.details().get("topFeatures"))
                        .subList(0, 5).stream()
                                .map(m -> (String) ((Map<?, ?>) m).get("name"))
                                .toList();
        assertThat(top).containsExactlyInAnyOrderElementsOf(PlantedData.plantedNames("events"));

        // the server's pure-Java scorer serves it, scoring as XGBoost4J does from the same file
        SparseMatrix x = io.mlcycle.trainer.TrainingData.load(xgboost("xgboost", distributed)).x();
        try (ModelArtifact served = ModelArtifact.load(distributed)) {
            assertThat(served.spec().algorithm()).isEqualTo("xgboost");
            assertThat(served.spec().parameters()).isEqualTo(ModelSpec.TREES);
            Booster booster =
                    XGBoost.loadModel(Files.readAllBytes(distributed.resolve(ModelSpec.TREES)));
            float[][] expected = booster.predict(matrix(x));
            float[] batch = served.predict(x);
            for (int r = 0; r < x.rows(); r++) {
                assertThat(batch[r]).isCloseTo(expected[r][0], within(1e-6f));
            }
        }
    }

    @Test
    void theTasksSearchRunsThePodsTrialEveryDepthOnTheWorkersAndKeepsTheBestOnValidation()
            throws Exception {
        TrainTask.Validation holdout = new TrainTask.Validation("holdout", 0.2, 5, 42L);
        TrainTask.Search random = new TrainTask.Search("random", 4, "1s");
        Path single = root.resolve("models/m/search-single");
        Path distributed = root.resolve("models/m/search-spark");
        Trainer.run(xgboost("xgboost", single, holdout, random));
        Summary s = Main.handle(xgboost("xgboost", distributed, holdout, random), spark);

        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        List<Map<String, Object>> pod = trials(single);
        List<Map<String, Object>> trials = trials(distributed);
        assertThat(trials).hasSameSizeAs(pod).hasSize(1);
        assertThat(s.figures().get("trials")).isEqualTo(1.0);
        Map<String, Object> trial = trials.get(0);
        assertThat(trial.keySet()).isEqualTo(pod.get(0).keySet());
        assertThat(trial.get("hyperparameters")).isEqualTo(pod.get(0).get("hyperparameters"));
        Map<?, ?> fit = (Map<?, ?>) ((List<?>) trial.get("fits")).get(0);
        assertThat(fit.keySet())
                .isEqualTo(((Map<?, ?>) ((List<?>) pod.get(0).get("fits")).get(0)).keySet());
        // each depth was boosted on the workers with early stopping on the validation rows
        List<?> depths = (List<?>) fit.get("depths");
        List<?> auc = (List<?>) fit.get("validationAucByDepth");
        assertThat(auc).hasSameSizeAs(depths).hasSize(2);
        int best = 0;
        for (int d = 1; d < auc.size(); d++) {
            if (((Number) auc.get(d)).doubleValue()
                    > ((Number) auc.get(best)).doubleValue() + 1e-6) {
                best = d;
            }
        }
        assertThat(((Number) auc.get(best)).doubleValue()).isGreaterThan(0.75);
        assertThat(fit.get("maxDepth")).isEqualTo(depths.get(best));
        assertThat(((Number) fit.get("rounds")).intValue()).isBetween(1, 500);
    }

    private static List<Map<String, Object>> trials(Path version) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper()
                .readValue(
                        version.resolve("trials.json").toFile(),
                        new com.fasterxml.jackson.core.type.TypeReference<>() {});
    }

    @Test
    void executorsNumberTheLabelledRowsInTheSinglePodsOrderWithItsLabels() throws Exception {
        TrainTask task = xgboost("xgboost", root.resolve("models/m/order"));
        io.mlcycle.trainer.TrainingData single = io.mlcycle.trainer.TrainingData.load(task);
        TrainingRows rows =
                TrainingRows.read(
                        task,
                        org.apache.spark.api.java.JavaSparkContext.fromSparkContext(
                                spark.sparkContext()),
                        2);
        try {
            List<String> byPosition =
                    rows.rows().sortByKey().values().map(TrainingRows.Labelled::entity).collect();
            assertThat(byPosition).containsExactly(single.x().entities());
            assertThat(rows.labels()).containsExactly(single.y());
            assertThat(rows.labelRows()).isEqualTo(single.labelRows());
            assertThat(rows.columns().names()).isEqualTo(single.assembled().names());
        } finally {
            rows.rows().unpersist(false);
        }
    }

    @Test
    void theRowsComeInOnePartitionPerWorkerSoBoostingOnThemShufflesNoRow() throws Exception {
        TrainTask task = xgboost("xgboost", root.resolve("models/m/partitions"));
        var jsc = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext());
        TrainingRows one = TrainingRows.read(task, jsc, 1);
        TrainingRows two = TrainingRows.read(task, jsc, 2);
        var role =
                jsc.broadcast(
                        DistributedXgboost.roles(DistributedXgboost.plan(task), two.labels()));
        java.util.concurrent.atomic.AtomicLong shuffled =
                new java.util.concurrent.atomic.AtomicLong();
        org.apache.spark.scheduler.SparkListener reads =
                new org.apache.spark.scheduler.SparkListener() {
                    @Override
                    public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
                        if (end.taskMetrics() != null) {
                            shuffled.addAndGet(
                                    end.taskMetrics().shuffleReadMetrics().recordsRead());
                        }
                    }
                };
        try {
            assertThat(one.rows().getNumPartitions()).isEqualTo(1);
            assertThat(two.rows().getNumPartitions()).isEqualTo(2);
            int features = two.columns().names().size();
            var fit =
                    SparkTrainer.frame(spark, two.rows(), role, features, DistributedXgboost.TRAIN);
            var valid =
                    SparkTrainer.frame(spark, two.rows(), role, features, DistributedXgboost.VALID);
            assertThat(fit.rdd().getNumPartitions()).isEqualTo(2);
            spark.sparkContext().addSparkListener(reads);
            double[] auc =
                    new SparkBoosting(spark, 2).train(fit, valid, 3, 20, 5, 42).validationAuc();
            spark.sparkContext().listenerBus().waitUntilEmpty();
            assertThat(auc).isNotEmpty();
            // before, every fit repartitioned its frame: a shuffle of all its rows
            assertThat(shuffled.get()).isLessThan(fit.count());
        } finally {
            spark.sparkContext().removeSparkListener(reads);
            one.rows().unpersist(false);
            two.rows().unpersist(false);
            role.destroy();
        }
    }

    @Test
    void aFramesRowHoldsTheEntitysNonZeroValuesAndItsLabel() {
        var values = Vectors.sparse(6, new int[] {1, 4}, new double[] {2, 3});
        var none = SparkBoosting.row(6, new int[] {1, 4}, new float[] {2, 3}, 1);
        var some = SparkBoosting.row(6, new int[] {1, 2, 4}, new float[] {2, 0, 3}, 0);
        assertThat(none.get(0)).isEqualTo(values);
        assertThat(none.getDouble(1)).isEqualTo(1.0);
        assertThat(some.get(0)).isEqualTo(values);
        assertThat(some.getDouble(1)).isEqualTo(0.0);
    }

    @Test
    void anEntityLabelledBothWaysInTwoLabelFilesIsInvalidNamingIt() throws Exception {
        Path dir = Files.createDirectories(root.resolve("labels-conflict"));
        Files.writeString(dir.resolve("a.csv"), "user_id,returned\nu_both,0\nu_a,1\n");
        Files.writeString(dir.resolve("b.csv"), "user_id,returned\nu_both,1\n");
        TrainTask t =
                TrainTask.builder()
                        .entity("user_id")
                        .labels(
                                new TrainTask.Labels(
                                        dir.toUri().toString(), "csv", "user_id", "returned"))
                        .build();
        var jsc = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext());
        assertThat(LabelFiles.files(t.labels())).hasSize(2);
        assertThatThrownBy(() -> LabelFiles.read(t, jsc).count())
                .satisfies(
                        e ->
                                assertThat(io.mlcycle.spark.Relay.taskFailure(e))
                                        .hasValueSatisfying(
                                                f -> {
                                                    assertThat(f.reason())
                                                            .isEqualTo("ConflictingLabels");
                                                    assertThat(f.getMessage()).contains("'u_both'");
                                                }));
    }

    @Test
    void earlyStoppingReportsTheValidationAucOfTheRoundsItRanOnly() {
        java.util.Random random = new java.util.Random(7);
        List<List<org.apache.spark.sql.Row>> parts = List.of(new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < 600; i++) {
            float[] vals = new float[5];
            for (int k = 0; k < vals.length; k++) {
                vals[k] = random.nextFloat() + 0.01f;
            }
            // labels independent of the features: the validation AUC stalls within a few rounds
            parts.get(i % 3 == 0 ? 1 : 0)
                    .add(SparkBoosting.row(5, new int[] {0, 1, 2, 3, 4}, vals, random.nextInt(2)));
        }
        double[] auc =
                new SparkBoosting(spark, 2)
                        .train(
                                spark.createDataFrame(parts.get(0), SparkBoosting.SCHEMA),
                                spark.createDataFrame(parts.get(1), SparkBoosting.SCHEMA),
                                3,
                                200,
                                5,
                                1)
                        .validationAuc();
        assertThat(auc.length).isBetween(6, 199);
        assertThat(java.util.Arrays.stream(auc).min().orElseThrow()).isGreaterThan(0);
    }

    @Test
    void moreWorkersThanTaskSlotsFailsNamingTheExecutorSettings() {
        SparkBoosting three = new SparkBoosting(spark, 3);
        var rows =
                spark.createDataFrame(
                        List.of(
                                SparkBoosting.row(1, new int[] {0}, new float[] {1}, 0),
                                SparkBoosting.row(1, new int[] {0}, new float[] {2}, 1)),
                        SparkBoosting.SCHEMA);
        assertThatThrownBy(() -> three.train(rows, null, 3, 2, 0, 1))
                .isInstanceOfSatisfying(
                        TaskFailure.class,
                        f -> {
                            assertThat(f.reason()).isEqualTo("ExecutorsUnavailable");
                            assertThat(f.getMessage())
                                    .contains("all 3 workers")
                                    .contains("spec.spark.executor.instances");
                        });
    }

    @Test
    void anAlgorithmOtherThanXgboostIsInvalidNamingTheEngine() {
        assertThatThrownBy(() -> Main.handle(xgboost("auto", root.resolve("models/m/a")), spark))
                .isInstanceOfSatisfying(
                        TaskFailure.class,
                        f -> {
                            assertThat(f.outcome()).isEqualTo(Summary.Outcome.Invalid);
                            assertThat(f.getMessage()).contains("'auto'").contains("engine spark");
                        });
    }

    @Test
    void kfoldNeedsTheWholeTableAndIsInvalidNamingTheField() {
        TrainTask kfold =
                xgboost(
                        "xgboost",
                        root.resolve("models/m/kfold"),
                        new TrainTask.Validation("kfold", 0.2, 5, 42L));
        assertThatThrownBy(() -> Main.handle(kfold, spark))
                .isInstanceOfSatisfying(
                        TaskFailure.class,
                        f -> {
                            assertThat(f.outcome()).isEqualTo(Summary.Outcome.Invalid);
                            assertThat(f.reason()).isEqualTo("UnsupportedOnSpark");
                            assertThat(f.getMessage()).contains("validation.method 'kfold'");
                        });
    }

    @Test
    void anIcebergViewTrainsLikeItsDirectoryFromThePlannedFilesAndLineageNamesItsSnapshot()
            throws Exception {
        TrainTask parquet = xgboost("xgboost", root.resolve("models/m/from-dir"));
        FeatureInput in = parquet.features().get(0);
        PlantedData.IcebergView view = data.iceberg(root.resolve("lake"));
        FeatureInput iceberg = view.input();
        long snapshot = view.snapshotId();
        Path fromTable = root.resolve("models/m/from-table");
        TrainTask pinned =
                TrainTask.builder()
                        .model("m")
                        .version(1)
                        .entity("user_id")
                        .features(List.of(iceberg))
                        .labels(parquet.labels())
                        .algorithm("xgboost")
                        .hyperparameters(null)
                        .preprocessing(null)
                        .validation(parquet.validation())
                        .explain(parquet.explain())
                        .selectionMetric("auc")
                        .outputUri(fromTable.toUri().toString())
                        .earlyStopping(null)
                        .build();

        Summary plain = Main.handle(parquet, spark);
        Summary s = Main.handle(pinned, spark);

        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(s.figures().get("auc")).isEqualTo(plain.figures().get("auc"));
        assertThat(TrainSummary.snapshotIds(s))
                .containsExactly(
                        Map.entry(TrainSummary.snapshotKey(in.featureView(), in.asOf()), snapshot));
        try (ModelArtifact m = ModelArtifact.load(fromTable)) {
            assertThat(m.spec().lineage()).containsExactly(iceberg.withSnapshot(snapshot));
        }
    }

    private static DMatrix matrix(SparseMatrix x) throws Exception {
        long[] ptr = new long[x.rows() + 1];
        for (int r = 0; r <= x.rows(); r++) {
            ptr[r] = x.rowPtr()[r];
        }
        return new DMatrix(ptr, x.cols(), x.values(), DMatrix.SparseType.CSR, x.numFeatures());
    }
}
