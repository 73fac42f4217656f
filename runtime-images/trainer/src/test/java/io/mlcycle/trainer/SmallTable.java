package io.mlcycle.trainer;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseTables;
import io.mlcycle.lake.LakeCatalog;
import io.mlcycle.lake.LakeTable;
import io.mlcycle.lake.ScanPlan;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.task.TrainTask;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A small table with a chosen number of positives, one informative feature ({@code signal}), one of
 * noise and one constant in every row ({@code constant}): the data where selection is noisy.
 */
final class SmallTable {

    final FeatureInput input;
    final Path labels;

    private SmallTable(FeatureInput input, Path labels) {
        this.input = input;
        this.labels = labels;
    }

    static SmallTable write(Path dir, int rows, int positives, long seed) throws IOException {
        Random rnd = new Random(seed);
        List<SparseTables.Row> out = new java.util.ArrayList<>();
        StringBuilder labels = new StringBuilder("user_id,returned\n");
        for (int r = 0; r < rows; r++) {
            boolean positive = r < positives;
            float signal = (positive ? 3f : 1f) + rnd.nextInt(3);
            float noise = 1f + rnd.nextInt(5);
            out.add(
                    new SparseTables.Row(
                            "u" + r, new int[] {0, 1, 2}, new float[] {1f, signal, noise}));
            labels.append('u').append(r).append(',').append(positive ? 1 : 0).append('\n');
        }
        Path features = dir.resolve("features/t/asOf=2026-11-20");
        SparseTables.write(features, out);
        new FeatureCatalog(
                        "user_id",
                        "2026-11-20",
                        List.of(
                                new FeatureCatalog.Feature(0, "constant", rows, 1, 1, 1),
                                new FeatureCatalog.Feature(1, "signal", rows, 1, 5, 3),
                                new FeatureCatalog.Feature(2, "noise", rows, 1, 5, 3)))
                .write(features);
        Path labelFile = dir.resolve("labels.csv");
        Files.writeString(labelFile, labels);
        return new SmallTable(
                new FeatureInput("t", "2026-11-20", features.toUri().toString()), labelFile);
    }

    /**
     * A table where two kinds of signal meet: twelve counts with small additive effects (a linear
     * model's) and an exclusive or of two thresholds (trees'), so that no single candidate has
     * both.
     */
    static SmallTable mixed(Path dir, int rows, long seed) throws IOException {
        Random rnd = new Random(seed);
        int features = 14;
        List<SparseTables.Row> out = new java.util.ArrayList<>();
        StringBuilder labels = new StringBuilder("user_id,returned\n");
        List<FeatureCatalog.Feature> catalog = new java.util.ArrayList<>();
        for (int j = 0; j < features; j++) {
            catalog.add(new FeatureCatalog.Feature(j, "f" + j, rows, 1, 5, 3));
        }
        for (int r = 0; r < rows; r++) {
            int[] idx = new int[features];
            float[] val = new float[features];
            double z = 0;
            for (int j = 0; j < features; j++) {
                idx[j] = j;
                val[j] = 1 + rnd.nextInt(5);
                if (j < 12) {
                    z += (j % 2 == 0 ? 0.45 : -0.45) * (val[j] - 3);
                }
            }
            z += (val[12] > 3) != (val[13] > 3) ? 1.8 : -1.8;
            boolean positive = rnd.nextDouble() < 1 / (1 + Math.exp(-z));
            out.add(new SparseTables.Row("u" + r, idx, val));
            labels.append('u').append(r).append(',').append(positive ? 1 : 0).append('\n');
        }
        Path featureDir = dir.resolve("features/t/asOf=2026-11-20");
        SparseTables.write(featureDir, out);
        new FeatureCatalog("user_id", "2026-11-20", catalog).write(featureDir);
        Path labelFile = dir.resolve("labels.csv");
        Files.writeString(labelFile, labels);
        return new SmallTable(
                new FeatureInput("t", "2026-11-20", featureDir.toUri().toString()), labelFile);
    }

    /** The same table and labels read through another input (an Iceberg table of it). */
    SmallTable withInput(FeatureInput other) {
        return new SmallTable(other, labels);
    }

    /** The directory of the table's sparse files and features.json. */
    Path featureDir() {
        return Path.of(java.net.URI.create(input.uri()));
    }

    /**
     * Commits this table's files as as-of 2026-11-20 of the Iceberg table {@code catalog} names
     * (created when missing; credentials from no env); returns the snapshot id.
     */
    long commitTo(TableCatalog catalog) {
        LakeTable table = LakeTable.openOrCreate(LakeCatalog.of(catalog, null, name -> null));
        Path dir = featureDir();
        return table.commit(
                "2026-11-20",
                List.of(dir.resolve("sparse-0.parquet")),
                Map.of(ScanPlan.FEATURES, dir.resolve(FeatureCatalog.FILE).toUri().toString()));
    }

    /** An {@code auto} training of this table into {@code out}, hold-out, the defaults' grid. */
    TrainTask auto(Path out) {
        return task(out, "auto");
    }

    /** A training of this table by {@code algorithm} into {@code out}, hold-out. */
    TrainTask task(Path out, String algorithm) {
        return TrainTask.builder()
                .model("small")
                .version(1)
                .entity("user_id")
                .features(List.of(input))
                .labels(new TrainTask.Labels(labels.toString(), "csv", "user_id", "returned"))
                .algorithm(algorithm)
                .hyperparameters(null)
                .preprocessing(new TrainTask.Preprocessing("log", null))
                .validation(new TrainTask.Validation("holdout", 0.2, 5, 42L))
                .explain(new TrainTask.Explain("shap", 100, 50, 10))
                .selectionMetric("auc")
                .outputUri(out.toUri().toString())
                .earlyStopping(null)
                .build();
    }
}
