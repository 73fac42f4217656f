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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Sparse count data where a few planted features decide the label (and the rest are noise); shared
 * with trainer-spark's tests through this module's test jar.
 */
public final class PlantedData {

    public static final int[] PLANTED = {7, 53, 111, 197, 263};
    static final double[] WEIGHTS = {1.0, -0.9, 0.8, 0.8, -0.7};

    public final Path featureDir;
    public final Path labels;

    private PlantedData(Path featureDir, Path labels) {
        this.featureDir = featureDir;
        this.labels = labels;
    }

    public static List<String> plantedNames(String view) {
        List<String> out = new ArrayList<>();
        for (int p : PLANTED) {
            out.add(view + "/ev" + p);
        }
        return out;
    }

    public FeatureInput input() {
        return new FeatureInput("events", "2026-11-20", featureDir.toUri().toString());
    }

    /** This data's feature version committed as an Iceberg table version, and its snapshot. */
    public record IcebergView(FeatureInput input, long snapshotId) {}

    /**
     * Commits the feature directory in place as the as-of's version of table {@code
     * features.events} in a Hadoop catalog on {@code warehouse}; the input names that catalog.
     */
    public IcebergView iceberg(Path warehouse) {
        FeatureInput in = input();
        TableCatalog catalog =
                new TableCatalog(
                        TableCatalog.HADOOP,
                        "lake",
                        null,
                        warehouse.toUri().toString(),
                        "features",
                        in.featureView(),
                        null,
                        null,
                        null);
        LakeTable table = LakeTable.openOrCreate(LakeCatalog.of(catalog, null, name -> null));
        long snapshot =
                table.commit(
                        in.asOf(),
                        List.of(featureDir.resolve("sparse-0.parquet")),
                        Map.of(
                                ScanPlan.FEATURES,
                                featureDir.resolve(FeatureCatalog.FILE).toUri().toString()));
        return new IcebergView(
                new FeatureInput(in.featureView(), in.asOf(), in.uri(), catalog, null), snapshot);
    }

    /** A logistic training of this data into {@code out}: hold-out, SHAP top five. */
    TrainTask logistic(Path out, int version, double learningRate) {
        return logistic(input(), labels.toString(), out.toUri().toString(), version, learningRate);
    }

    /** A small logistic training of "returned" by user_id on one table, from and to any URIs. */
    static TrainTask logistic(
            FeatureInput features,
            String labelsUri,
            String outUri,
            int version,
            double learningRate) {
        return TrainTask.builder()
                .model("return-predictor")
                .version(version)
                .entity("user_id")
                .features(List.of(features))
                .labels(new TrainTask.Labels(labelsUri, "csv", "user_id", "returned"))
                .algorithm("logistic")
                .hyperparameters(hp(List.of(learningRate), 2))
                .preprocessing(new TrainTask.Preprocessing("minmax", 0.95))
                .validation(new TrainTask.Validation("holdout", 0.25, 5, 3L))
                .explain(new TrainTask.Explain("shap", 100, 50, 5))
                .selectionMetric("auc")
                .outputUri(outUri)
                .earlyStopping(null)
                .build();
    }

    public static PlantedData write(Path root, int rows, int features, long seed)
            throws IOException {
        Random rnd = new Random(seed);
        List<SparseTables.Row> out = new ArrayList<>();
        StringBuilder labels = new StringBuilder("user_id,returned\n");
        for (int r = 0; r < rows; r++) {
            TreeMap<Integer, Float> row = new TreeMap<>();
            int noise = 5 + rnd.nextInt(20);
            for (int i = 0; i < noise; i++) {
                row.put(rnd.nextInt(features), 1f + rnd.nextInt(5));
            }
            double logit = -0.6;
            for (int k = 0; k < PLANTED.length; k++) {
                row.remove(PLANTED[k]);
                if (rnd.nextDouble() < 0.3) {
                    float v = 1f + rnd.nextInt(5);
                    row.put(PLANTED[k], v);
                    logit += WEIGHTS[k] * v;
                }
            }
            int[] idx = row.keySet().stream().mapToInt(Integer::intValue).toArray();
            float[] val = new float[idx.length];
            for (int i = 0; i < idx.length; i++) {
                val[i] = row.get(idx[i]);
            }
            String entity = "u" + r;
            out.add(new SparseTables.Row(entity, idx, val));
            int y = rnd.nextDouble() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
            labels.append(entity).append(',').append(y).append('\n');
        }
        Path dir = root.resolve("features/events/asOf=2026-11-20");
        SparseTables.write(dir, out);
        List<FeatureCatalog.Feature> fs = new ArrayList<>();
        for (int j = 0; j < features; j++) {
            fs.add(new FeatureCatalog.Feature(j, "ev" + j, 1, 1, 5, 3));
        }
        new FeatureCatalog("user_id", "2026-11-20", fs).write(dir);
        Path labelFile = root.resolve("labels/returned.csv");
        Files.createDirectories(labelFile.getParent());
        Files.writeString(labelFile, labels);
        return new PlantedData(dir, labelFile);
    }

    /**
     * Hyper-parameters: adam, hidden 128, batch 32, 2 layers, dropout 0.1, these rates and epochs.
     */
    static TrainTask.Hyperparameters hp(List<Double> lr, int epochs) {
        return new TrainTask.Hyperparameters(
                lr,
                List.of("adam"),
                List.of(epochs),
                List.of(128),
                List.of(32),
                List.of(2),
                List.of(0.1),
                null,
                null);
    }
}
