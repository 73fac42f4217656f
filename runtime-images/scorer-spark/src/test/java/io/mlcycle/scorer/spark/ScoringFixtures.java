package io.mlcycle.scorer.spark;

import io.mlcycle.common.SparseTables;
import io.mlcycle.task.TrainTask;
import io.mlcycle.trainer.PlantedData;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Test support: a training of the planted data, and a scores file's rows as text. */
final class ScoringFixtures {

    private ScoringFixtures() {}

    /** A hold-out training of {@code algorithm} on the planted data into {@code out}. */
    static TrainTask training(PlantedData data, String algorithm, Path out) {
        return TrainTask.builder()
                .model("m")
                .version(1)
                .entity("user_id")
                .features(List.of(data.input()))
                .labels(new TrainTask.Labels(data.labels.toString(), "csv", "user_id", "returned"))
                .algorithm(algorithm)
                .hyperparameters(null)
                .preprocessing(null)
                .validation(new TrainTask.Validation("holdout", 0.2, 0, 42L))
                .explain(new TrainTask.Explain("shap", 100, 50, 5))
                .selectionMetric("auc")
                .outputUri(out.toUri().toString())
                .build();
    }

    /** {@code entity|score|rank} per row, in file order. */
    static List<String> rows(Path parquet) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = SparseTables.duckdb();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT entity, score, rank FROM read_parquet("
                                        + SparseTables.literal(parquet.toString())
                                        + ")")) {
            while (rs.next()) {
                out.add(rs.getString(1) + "|" + rs.getFloat(2) + "|" + rs.getLong(3));
            }
        }
        return out;
    }
}
