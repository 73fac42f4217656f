package io.mlcycle.lake;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.Summary;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Feature table versions for lake tests: Parquet files written by DuckDB as the pivot writes them
 * (no Iceberg field ids), and the rows two independent readers get back — DuckDB over the planned
 * files and Iceberg's own generic reader — as sorted {@code entity:idx=val,…} strings.
 */
final class Versions {

    private Versions() {}

    /** A Hadoop catalog on a local warehouse, table {@code features.<table>}. */
    static LakeCatalog hadoop(Path warehouse, String table) {
        return new LakeCatalog(
                LakeCatalog.HADOOP,
                "lake",
                null,
                warehouse.toUri().toString(),
                null,
                null,
                "features",
                table,
                null);
    }

    /** {@code n} entities named {@code <prefix>-<i>} with features i and i+1 valued by the date. */
    static List<SparseTables.Row> rows(String prefix, int n, float value) {
        List<SparseTables.Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(
                    new SparseTables.Row(
                            prefix + "-" + i, new int[] {i, i + 1}, new float[] {value, i}));
        }
        return rows;
    }

    /**
     * The object keys under {@code prefix} of a bucket S3Proxy's file system backend keeps in
     * {@code bucket}.
     */
    static List<String> objects(Path bucket, String prefix) throws IOException {
        Path dir = bucket.resolve(prefix);
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .map(p -> bucket.relativize(p).toString())
                    .sorted()
                    .toList();
        }
    }

    /** Writes rows with DuckDB into {@code dir/sparse-0.parquet}; returns that file. */
    static Path write(Path dir, List<SparseTables.Row> rows) {
        try {
            SparseTables.write(dir, rows);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir.resolve("sparse-0.parquet");
    }

    /** Writes a version into the table's data location for that as-of and commits it. */
    static ScanPlan commit(LakeTable table, String asOf, String run, List<SparseTables.Row> rows) {
        Path dir = Path.of(URI.create(table.dataLocation(asOf))).resolve(run);
        long id = table.commit(asOf, List.of(write(dir, rows)), Map.of("mlcycle.run", run));
        ScanPlan plan = table.plan(asOf);
        if (plan.snapshotId() != id) {
            throw new IllegalStateException("tag asOf-" + asOf + " is not the committed snapshot");
        }
        return plan;
    }

    /**
     * Commits {@code file} as {@code asOf} while {@code fault} makes every commit lose; returns the
     * failure, checked to be a {@code Failed} {@code CommitConflict}.
     */
    static TaskFailure refusedCommit(
            LakeTable table, String asOf, Path file, Callable<AutoCloseable> fault)
            throws Exception {
        TaskFailure refused;
        try (AutoCloseable alwaysLoses = fault.call()) {
            refused =
                    catchThrowableOfType(
                            TaskFailure.class, () -> table.commit(asOf, List.of(file), Map.of()));
        }
        assertThat(refused).as("the commit was refused").isNotNull();
        assertThat(refused.outcome()).isEqualTo(Summary.Outcome.Failed);
        assertThat(refused.reason()).isEqualTo("CommitConflict");
        return refused;
    }

    /**
     * Writes a version (its Parquet file and a {@code features.json}) under {@code scratch},
     * uploads it to a fresh run location of the table through the table's FileIO and commits it.
     */
    static ScanPlan upload(
            LakeTable table, String asOf, String run, List<SparseTables.Row> rows, Path scratch)
            throws IOException {
        Path dir = scratch.resolve(run);
        Path parquet = write(dir, rows);
        int width =
                rows.stream()
                        .mapToInt(r -> r.indices()[r.indices().length - 1] + 1)
                        .max()
                        .orElse(0);
        List<FeatureCatalog.Feature> features = new ArrayList<>();
        for (int i = 0; i < width; i++) {
            features.add(new FeatureCatalog.Feature(i, "f" + i, 1, 0, 0, 0));
        }
        new FeatureCatalog("entity", asOf, features).write(dir);
        Map<Path, String> uploaded = table.upload(dir, table.runLocation(asOf));
        long id =
                table.commit(
                        asOf,
                        Map.of(parquet, uploaded.get(parquet)),
                        Map.of(
                                ScanPlan.FEATURES,
                                uploaded.get(dir.resolve(FeatureCatalog.FILE)),
                                "mlcycle.run",
                                run));
        ScanPlan plan = table.plan(asOf);
        if (plan.snapshotId() != id) {
            throw new IllegalStateException("tag asOf-" + asOf + " is not the committed snapshot");
        }
        return plan;
    }

    /** The rows a reader gets from a plan ({@link ScanPlan#read}, the trainer's and scorer's). */
    static List<String> lines(SparseMatrix m) {
        List<String> out = new ArrayList<>();
        for (int r = 0; r < m.rows(); r++) {
            List<Integer> idx = new ArrayList<>();
            List<Float> val = new ArrayList<>();
            for (int k = m.rowPtr()[r]; k < m.rowPtr()[r + 1]; k++) {
                idx.add(m.cols()[k]);
                val.add(m.values()[k]);
            }
            out.add(line(m.entities()[r], idx, val));
        }
        return out.stream().sorted().toList();
    }

    static List<String> expected(List<SparseTables.Row> rows) {
        return rows.stream()
                .map(r -> line(r.entity(), toList(r.indices()), toList(r.values())))
                .sorted()
                .toList();
    }

    /** What DuckDB reads from the data files a plan lists. */
    static List<String> duckdb(ScanPlan plan) {
        String files =
                plan.dataFiles().stream()
                        .map(f -> SparseTables.literal(Path.of(URI.create(f)).toString()))
                        .collect(Collectors.joining(", ", "[", "]"));
        List<String> out = new ArrayList<>();
        try (Connection c = SparseTables.duckdb();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT entity, idx, val FROM read_parquet(" + files + ")")) {
            while (rs.next()) {
                out.add(line(rs.getString(1), list(rs.getArray(2)), list(rs.getArray(3))));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out.stream().sorted().toList();
    }

    /** What Iceberg's own reader reads at a snapshot (columns found through the name mapping). */
    static List<String> iceberg(Table table, long snapshotId) {
        List<String> out = new ArrayList<>();
        try (CloseableIterable<Record> records =
                IcebergGenerics.read(table).useSnapshot(snapshotId).build()) {
            for (Record r : records) {
                out.add(
                        line(
                                (String) r.getField("entity"),
                                (List<?>) r.getField("idx"),
                                (List<?>) r.getField("val")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.stream().sorted().toList();
    }

    static boolean exists(String fileUri) {
        return Files.exists(Path.of(URI.create(fileUri)));
    }

    private static String line(String entity, List<?> idx, List<?> val) {
        StringBuilder sb = new StringBuilder(entity).append(':');
        for (int j = 0; j < idx.size(); j++) {
            sb.append(j == 0 ? "" : ",")
                    .append(((Number) idx.get(j)).intValue())
                    .append('=')
                    .append(((Number) val.get(j)).floatValue());
        }
        return sb.toString();
    }

    private static List<?> list(Array a) throws SQLException {
        return a == null ? List.of() : Arrays.asList((Object[]) a.getArray());
    }

    private static List<Integer> toList(int[] a) {
        return Arrays.stream(a).boxed().toList();
    }

    private static List<Float> toList(float[] a) {
        List<Float> out = new ArrayList<>();
        for (float f : a) {
            out.add(f);
        }
        return out;
    }
}
