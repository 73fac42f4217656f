package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.model.FeatureAssembler;
import io.mlcycle.task.TrainTask;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Labelled rows: the assembled features inner-joined with the label table by entity, checked for
 * what would make training meaningless (labels not 0/1, one class, no overlap, NaN values, no
 * features).
 *
 * @param x raw feature values of the labelled rows (entities in feature-table order)
 * @param y 0/1 label per row
 * @param assembled the joined feature tables (all entities) with names and statistics
 * @param labelRows rows in the label table
 */
public record TrainingData(
        SparseMatrix x, int[] y, FeatureAssembler.Assembled assembled, int labelRows) {

    public static TrainingData load(TrainTask task) throws IOException {
        FeatureAssembler.Assembled a = LakeFeatures.assemble(task.features(), System::getenv);
        Map<String, Integer> labels = readLabels(task);
        return join(a, labels, task.labels().uri());
    }

    /** Inner join of features and labels; rows in feature-table order. */
    public static TrainingData join(
            FeatureAssembler.Assembled a, Map<String, Integer> labels, String labelsUri) {
        if (a.features().isEmpty()) {
            throw TaskFailure.invalid(
                    "NoFeatures", "the feature tables have zero features: nothing to train on");
        }
        SparseMatrix m = a.matrix();
        checkFinite(a);
        List<Integer> rows = new ArrayList<>();
        List<Integer> ys = new ArrayList<>();
        for (int r = 0; r < m.rows(); r++) {
            Integer y = labels.get(m.entities()[r]);
            if (y != null) {
                rows.add(r);
                ys.add(y);
            }
        }
        if (rows.isEmpty()) {
            List<String> someLabels = labels.keySet().stream().limit(3).toList();
            List<String> someFeatures = java.util.Arrays.stream(m.entities()).limit(3).toList();
            throw TaskFailure.invalid(
                    "NoEntityOverlap",
                    "no entity of the labels "
                            + labelsUri
                            + " (e.g. "
                            + someLabels
                            + ") is in the feature tables (e.g. "
                            + someFeatures
                            + ")");
        }
        int[] y = ys.stream().mapToInt(Integer::intValue).toArray();
        long pos = ys.stream().filter(v -> v == 1).count();
        if (pos == 0 || pos == y.length) {
            throw TaskFailure.invalid(
                    "SingleClass",
                    "all "
                            + y.length
                            + " labelled rows have label "
                            + y[0]
                            + ": training needs both classes 0 and 1");
        }
        SparseMatrix x =
                FeatureAssembler.rows(m, rows.stream().mapToInt(Integer::intValue).toArray());
        return new TrainingData(x, y, a, labels.size());
    }

    private static void checkFinite(FeatureAssembler.Assembled a) {
        SparseMatrix m = a.matrix();
        for (int r = 0; r < m.rows(); r++) {
            for (int k = m.rowPtr()[r]; k < m.rowPtr()[r + 1]; k++) {
                if (!Float.isFinite(m.values()[k])) {
                    throw TaskFailure.invalid(
                            "NaNValue",
                            "feature "
                                    + a.features().get(m.cols()[k]).name()
                                    + " of entity '"
                                    + m.entities()[r]
                                    + "' is "
                                    + m.values()[k]);
                }
            }
        }
        for (int j = 0; j < a.features().size(); j++) {
            if (!Double.isFinite(a.min()[j]) || !Double.isFinite(a.max()[j])) {
                throw TaskFailure.invalid(
                        "NaNValue",
                        "features.json gives feature "
                                + a.features().get(j).name()
                                + " a non-finite min/max");
            }
        }
    }

    /** Entity → 0/1 from a Parquet or CSV file (or a directory of them). */
    public static Map<String, Integer> readLabels(TrainTask task) throws IOException {
        TrainTask.Labels l = task.labels();
        if (l == null) {
            throw TaskFailure.invalid("MissingLabels", "labels is missing from the task");
        }
        Path path = Uris.toPath(l.uri(), "labels.uri");
        String entityCol = l.entity() != null ? l.entity() : task.entity();
        if (entityCol == null || entityCol.isBlank()) {
            throw TaskFailure.invalid("MissingEntity", "labels.entity (or entity) is empty");
        }
        if (l.column() == null || l.column().isBlank()) {
            throw TaskFailure.invalid("MissingLabelColumn", "labels.column is empty");
        }
        String format = format(l, path);
        String source;
        if (Files.isDirectory(path)) {
            source = path.resolve("*." + (format.equals("csv") ? "csv" : "parquet")).toString();
        } else if (Files.isRegularFile(path)) {
            source = path.toString();
        } else {
            throw TaskFailure.invalid("MissingLabels", "labels.uri " + l.uri() + " does not exist");
        }
        String reader =
                format.equals("csv")
                        ? "read_csv(" + SparseTables.literal(source) + ", header = true)"
                        : "read_parquet(" + SparseTables.literal(source) + ")";
        try (Connection c = SparseTables.duckdb();
                Statement st = c.createStatement()) {
            List<String> columns = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("DESCRIBE SELECT * FROM " + reader)) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
            for (String col : List.of(entityCol, l.column())) {
                if (!columns.contains(col)) {
                    throw TaskFailure.invalid(
                            "MissingColumn",
                            "labels "
                                    + l.uri()
                                    + " has no column '"
                                    + col
                                    + "' (has "
                                    + columns
                                    + ")");
                }
            }
            Map<String, Integer> out = new LinkedHashMap<>();
            Map<String, Integer> seen = new HashMap<>();
            try (ResultSet rs =
                    st.executeQuery(
                            "SELECT CAST("
                                    + quote(entityCol)
                                    + " AS VARCHAR), CAST("
                                    + quote(l.column())
                                    + " AS VARCHAR) FROM "
                                    + reader)) {
                while (rs.next()) {
                    String entity = rs.getString(1);
                    String raw = rs.getString(2);
                    if (entity == null) {
                        continue;
                    }
                    int y = label(raw, entity, l.column());
                    Integer before = seen.put(entity, y);
                    if (before != null && before != y) {
                        throw TaskFailure.invalid(
                                "ConflictingLabels",
                                "entity '" + entity + "' has both labels 0 and 1 in " + l.uri());
                    }
                    out.put(entity, y);
                }
            }
            return out;
        } catch (SQLException e) {
            throw TaskFailure.invalid(
                    "UnreadableLabels", "cannot read labels " + l.uri() + ": " + e.getMessage());
        }
    }

    private static int label(String raw, String entity, String column) {
        if (raw == null) {
            throw TaskFailure.invalid(
                    "InvalidLabel",
                    column + " of entity '" + entity + "' is empty; labels must be 0 or 1");
        }
        String s = raw.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "0", "0.0", "false" -> {
                return 0;
            }
            case "1", "1.0", "true" -> {
                return 1;
            }
            default ->
                    throw TaskFailure.invalid(
                            "InvalidLabel",
                            column
                                    + " of entity '"
                                    + entity
                                    + "' is '"
                                    + raw
                                    + "'; labels must be 0 or 1");
        }
    }

    private static String format(TrainTask.Labels l, Path path) {
        if (l.format() != null && !l.format().isBlank()) {
            String f = l.format().toLowerCase(Locale.ROOT);
            if (!f.equals("csv") && !f.equals("parquet")) {
                throw TaskFailure.invalid(
                        "UnsupportedFormat",
                        "labels.format '" + l.format() + "' is not parquet or csv");
            }
            return f;
        }
        return path.toString().toLowerCase(Locale.ROOT).endsWith(".csv") ? "csv" : "parquet";
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
