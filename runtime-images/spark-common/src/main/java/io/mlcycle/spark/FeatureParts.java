package io.mlcycle.spark;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.ObjectDirs;
import io.mlcycle.common.PlannedVersion;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.Storage;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.Summary;

import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The feature tables of a score task as the driver plans them and the executors read them: each
 * table's catalog and its {@code sparse-*.parquet} parts in name order (the order the single pod
 * reads them in), each part read by one or more slices of its rows.
 */
public final class FeatureParts {

    /** One lock per part URI while it is staged. */
    private static final java.util.concurrent.ConcurrentHashMap<String, Object> STAGING =
            new java.util.concurrent.ConcurrentHashMap<>();

    private FeatureParts() {}

    /** One FeatureView version: its catalog and the URIs of its parts, in name order. */
    public record Table(
            int index, String featureView, FeatureCatalog catalog, List<String> parts) {}

    /**
     * Rows {@code row % slices == slice} of one part of table {@code table}.
     *
     * @param file the part's position among its table's parts
     */
    public record Slice(int table, int file, String uri, String field, int slice, int slices)
            implements Serializable {}

    /** One entity's non-zeros of one table, in the model's columns; {@code ord} its position. */
    public record Piece(int table, long ord, int[] cols, float[] vals) implements Serializable {}

    /** Reads the catalogs and lists the parts of every input (file:// or s3://). */
    public static List<Table> plan(List<FeatureInput> inputs) throws IOException {
        return plan(inputs, Map.of());
    }

    /**
     * {@link #plan(List)}, where an input with a plan (an Iceberg snapshot, planned on the driver
     * by its as-of's tag) has the catalog and the data files the plan lists, never its directory.
     */
    public static List<Table> plan(
            List<FeatureInput> inputs, Map<FeatureInput, ? extends PlannedVersion> plans)
            throws IOException {
        List<Table> tables = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            FeatureInput in = inputs.get(i);
            String field = "features[" + i + "].uri";
            if (in.featureView() == null || in.featureView().isBlank()) {
                throw TaskFailure.invalid(
                        "MissingFeatureView", "a feature input has no featureView name");
            }
            for (Table t : tables) {
                if (t.featureView().equals(in.featureView())) {
                    throw TaskFailure.invalid(
                            "DuplicateFeatureView",
                            "featureView '" + in.featureView() + "' is listed twice");
                }
            }
            PlannedVersion planned = plans.get(in);
            if (planned != null) {
                tables.add(
                        checked(
                                new Table(
                                        i,
                                        in.featureView(),
                                        planned.featureCatalog(),
                                        planned.dataFiles().stream()
                                                .map(FeatureParts::asPodsNameIt)
                                                .toList()),
                                in.uri()));
                continue;
            }
            tables.add(
                    Storage.isS3(in.uri())
                            ? s3Table(i, in, field)
                            : fileTable(i, in, Uris.toPath(in.uri(), field)));
        }
        return tables;
    }

    /**
     * A planned data file as the executors open it: Iceberg records the real path of a {@code
     * file://} table, which under a file root (local mode's data volume, {@code MLCYCLE_FILE_ROOT})
     * the executors' {@link Uris#toPath} would root a second time; so such a path goes back to the
     * volume's name for it ({@code file:///data/…}).
     */
    static String asPodsNameIt(String uri) {
        return uri.startsWith("file:") ? Uris.fileUri(Path.of(URI.create(uri)), false) : uri;
    }

    private static Table fileTable(int index, FeatureInput in, Path dir) throws IOException {
        FeatureCatalog catalog = FeatureCatalog.read(dir);
        List<String> parts;
        try (Stream<Path> files = Files.list(dir)) {
            parts =
                    files.map(p -> p.getFileName().toString())
                            .filter(FeatureParts::isPart)
                            .sorted()
                            .map(name -> Uris.resolve(in.uri(), name))
                            .toList();
        }
        return checked(new Table(index, in.featureView(), catalog, parts), dir.toString());
    }

    private static Table s3Table(int index, FeatureInput in, String field) throws IOException {
        ObjectDirs.Location dir = Storage.locate(in.uri(), field);
        Map<String, String> listed = ObjectDirs.listed(dir);
        String catalogKey = listed.get(FeatureCatalog.FILE);
        if (catalogKey == null) {
            throw TaskFailure.invalid(
                    "MissingCatalog", "no " + FeatureCatalog.FILE + " in " + in.uri());
        }
        Path catalogFile = Storage.stage(dir.store().uri(catalogKey), field);
        FeatureCatalog catalog = FeatureCatalog.read(catalogFile.getParent());
        List<String> parts = new ArrayList<>();
        listed.forEach(
                (rel, key) -> {
                    if (isPart(rel)) {
                        parts.add(dir.store().uri(key));
                    }
                });
        return checked(new Table(index, in.featureView(), catalog, parts), in.uri());
    }

    /**
     * Every part in as many row slices as it takes for the parts to fill the executors' cores at
     * least once (a table written as one file is still read by every executor).
     */
    public static List<Slice> slices(List<Table> tables, int parallelism) {
        int parts = tables.stream().mapToInt(t -> t.parts().size()).sum();
        int perPart = Math.max(1, (parallelism + parts - 1) / parts);
        List<Slice> out = new ArrayList<>();
        for (Table t : tables) {
            for (int f = 0; f < t.parts().size(); f++) {
                for (int s = 0; s < perPart; s++) {
                    out.add(
                            new Slice(
                                    t.index(),
                                    f,
                                    t.parts().get(f),
                                    "features[" + t.index() + "].uri",
                                    s,
                                    perPart));
                }
            }
        }
        return out;
    }

    private static boolean isPart(String name) {
        return name.matches("sparse-[^/]*\\.parquet");
    }

    private static Table checked(Table t, String shown) {
        if (t.parts().isEmpty()) {
            throw TaskFailure.invalid(
                    "MissingSparseTable", "no " + SparseTables.PARTS + " in " + shown);
        }
        return t;
    }

    /**
     * The rows of one slice with their columns mapped through {@code toModel} (-1: not a model
     * feature), keyed by entity; an index outside the catalog is refused as the single pod does.
     */
    public static List<scala.Tuple2<String, Piece>> read(Slice s, String featureView, int[] toModel)
            throws IOException {
        Path file;
        // slices of one part run as concurrent tasks of one executor: one stages it, the others
        // wait and read the copy (Storage keeps what it staged)
        synchronized (STAGING.computeIfAbsent(s.uri(), k -> new Object())) {
            file = Uris.toPath(s.uri(), s.field());
        }
        List<scala.Tuple2<String, Piece>> out = new ArrayList<>();
        try (Connection c = SparseTables.duckdb();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT entity, idx, val, file_row_number FROM read_parquet("
                                        + SparseTables.literal(file.toString())
                                        + ", file_row_number=true) WHERE file_row_number % "
                                        + s.slices()
                                        + " = "
                                        + s.slice())) {
            while (rs.next()) {
                String entity = rs.getString(1);
                Object[] idx = array(rs.getArray(2));
                Object[] val = array(rs.getArray(3));
                long row = rs.getLong(4);
                int[] cols = new int[idx.length];
                float[] vals = new float[idx.length];
                int n = 0;
                for (int j = 0; j < idx.length; j++) {
                    int i = ((Number) idx[j]).intValue();
                    if (i < 0 || i >= toModel.length) {
                        throw TaskFailure.invalid(
                                "CatalogMismatch",
                                "featureView '"
                                        + featureView
                                        + "': the table uses feature index "
                                        + i
                                        + " but features.json lists only "
                                        + toModel.length
                                        + " features");
                    }
                    if (toModel[i] >= 0) {
                        cols[n] = toModel[i];
                        vals[n++] = ((Number) val[j]).floatValue();
                    }
                }
                long ord = ((long) s.table() << 56) | ((long) s.file() << 36) | row;
                out.add(
                        new scala.Tuple2<>(
                                entity,
                                new Piece(
                                        s.table(),
                                        ord,
                                        java.util.Arrays.copyOf(cols, n),
                                        java.util.Arrays.copyOf(vals, n))));
            }
        } catch (SQLException e) {
            throw new TaskFailure(
                    Summary.Outcome.Failed,
                    "ReadFailed",
                    "cannot read features: " + s.uri() + ": " + e.getMessage());
        }
        return out;
    }

    private static Object[] array(Array a) throws SQLException {
        return a == null ? new Object[0] : (Object[]) a.getArray();
    }
}
