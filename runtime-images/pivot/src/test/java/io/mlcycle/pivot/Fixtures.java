package io.mlcycle.pivot;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.Layout;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.task.Task;
import io.mlcycle.task.TaskJson;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Small inputs and a task builder for pivot tests. */
final class Fixtures {

    private Fixtures() {}

    /** Writes the rows of a DuckDB query to a Parquet (or CSV by extension) file. */
    static Path write(Path file, String select) {
        try {
            Files.createDirectories(file.getParent());
            try (Connection c = SparseTables.duckdb();
                    Statement st = c.createStatement()) {
                String fmt = file.toString().endsWith(".csv") ? "csv, HEADER" : "parquet";
                st.execute(
                        "COPY ("
                                + select
                                + ") TO "
                                + SparseTables.literal(file.toString())
                                + " (FORMAT "
                                + fmt
                                + ")");
            }
            return file;
        } catch (IOException | SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The events of the hand-computed case: user, event, count, time, channel. */
    static final String EVENTS =
            "SELECT * FROM (VALUES"
                    + " ('u1', 'a', 2, TIMESTAMP '2026-11-20 01:00:00', 'web'),"
                    + " ('u1', 'a', 5, TIMESTAMP '2026-11-20 03:00:00', 'web'),"
                    + " ('u1', 'b', 1, TIMESTAMP '2026-11-20 01:00:00', 'web'),"
                    + " ('u2', 'a', 3, TIMESTAMP '2026-11-20 05:00:00', 'app'),"
                    + " ('u2', 'a', 1, TIMESTAMP '2026-11-20 02:00:00', 'app'),"
                    + " ('u3', 'b', 4, TIMESTAMP '2026-11-20 01:00:00', 'test')"
                    + ") t(user_id, event_id, cnt, ts, channel)";

    /** Entity → (feature name → value) of a published version. */
    static Map<String, Map<String, Float>> read(Path versionDir) throws IOException {
        return byName(SparseTables.read(versionDir), FeatureCatalog.read(versionDir));
    }

    /** Entity → (feature name → value) of a table and its catalog. */
    static Map<String, Map<String, Float>> byName(SparseMatrix m, FeatureCatalog catalog) {
        Map<Integer, String> names = new HashMap<>();
        catalog.features().forEach(f -> names.put(f.index(), f.name()));
        Map<String, Map<String, Float>> out = new HashMap<>();
        for (int r = 0; r < m.rows(); r++) {
            Map<String, Float> row = new HashMap<>();
            for (int k = m.rowPtr()[r]; k < m.rowPtr()[r + 1]; k++) {
                row.put(names.get(m.cols()[k]), m.values()[k]);
            }
            out.put(m.entities()[r], row);
        }
        return out;
    }

    /** Every file under a directory with its content, to prove a failed run left it alone. */
    static Map<Path, String> snapshot(Path dir) throws IOException {
        Map<Path, String> out = new HashMap<>();
        if (!Files.exists(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(
                        dir.relativize(p),
                        Integer.toHexString(java.util.Arrays.hashCode(Files.readAllBytes(p))));
            }
        }
        return out;
    }

    static TaskFailure failure(PivotTask task) {
        try {
            new PivotRunner(name -> null).run(task);
        } catch (TaskFailure f) {
            return f;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        throw new AssertionError("expected the task to fail");
    }

    /**
     * Writes {@link #EVENTS} as the partitions of 2026-11-20 and 2026-11-21 under {@code tmp/raw/};
     * returns the source URI pattern ({@code dt={date}/}).
     */
    static String twoDaysOfEvents(Path tmp) {
        write(tmp.resolve("raw/dt=2026-11-20/part-0.parquet"), EVENTS);
        write(tmp.resolve("raw/dt=2026-11-21/part-0.parquet"), EVENTS);
        return tmp.resolve("raw").toUri() + "dt={date}/";
    }

    /**
     * Writes a model version's ranking as the trainer does ({@code importance.json}: every feature
     * as {@code {name, importance}}) into {@code artifact}; returns the directory's URI.
     */
    static String writeRanking(Path artifact, List<ModelRankings.Ranked> ranking) {
        try {
            Files.createDirectories(artifact);
            List<Map<String, Object>> entries = new ArrayList<>();
            for (ModelRankings.Ranked r : ranking) {
                entries.add(Map.of("name", r.name(), "importance", r.importance()));
            }
            TaskJson.MAPPER.writeValue(artifact.resolve(Layout.IMPORTANCE).toFile(), entries);
            return artifact.toUri().toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A ranking of {@code size} features, largest first (importance 1/(p+1) at position p), where
     * every fifth one (p = 4, 9, …) comes from FeatureView {@code other} ({@code other/x<p>}) and
     * the rest from {@code view} ({@code <view>/f<nn>}, numbered in order).
     */
    static List<ModelRankings.Ranked> interleavedRanking(String view, int size) {
        List<ModelRankings.Ranked> ranking = new ArrayList<>();
        int own = 0;
        for (int p = 0; p < size; p++) {
            String name = p % 5 == 4 ? "other/x" + p : view + "/" + featureName(own++);
            ranking.add(new ModelRankings.Ranked(name, 1.0 / (p + 1)));
        }
        return ranking;
    }

    /** {@code f00}, {@code f01}, …: the keys of {@link #manyFeatureEvents(int)}. */
    static String featureName(int i) {
        return String.format(java.util.Locale.ROOT, "f%02d", i);
    }

    /**
     * Events of 2026-11-20 with {@code keys} distinct event ids {@code f00…}, each held by one of
     * five users ({@code u0…u4}).
     */
    static String manyFeatureEvents(int keys) {
        return "SELECT 'u' || (i % 5) AS user_id, 'f' || lpad(CAST(i AS VARCHAR), 2, '0') AS"
                + " event_id, 1 + i AS cnt, TIMESTAMP '2026-11-20 01:00:00' AS ts, 'web' AS"
                + " channel FROM range("
                + keys
                + ") t(i)";
    }

    /** A mutable builder of pivot tasks with the defaults of the small case. */
    static final class TaskBuilder {
        String asOf = "2026-11-21";
        String entity = "user_id";
        String uri;
        String format = "parquet";
        String marker;
        String timeColumn;
        PivotTask.Jdbc jdbc;
        String from = "2026-11-20";
        String to = "2026-11-21";
        String key = "event_id";
        String value = "cnt";
        String aggregate = "sum";
        String prefix = "";
        int minEntities = 1;
        int maxFeatures = 0;
        String where;
        List<PivotTask.EntityList> exclude = new ArrayList<>();
        String store;
        int keep = 5;
        String storeFormat;
        TableCatalog catalog;
        PivotTask.Validation validation;
        int wide = 0;

        TaskBuilder(String uri, Path store) {
            this.uri = uri;
            this.store = store.toUri().toString();
        }

        /** The next day's run: as of 2026-11-22 over 2026-11-21 to 2026-11-22. */
        TaskBuilder nextDay() {
            asOf = "2026-11-22";
            from = "2026-11-21";
            to = "2026-11-22";
            return this;
        }

        PivotTask build() {
            return new PivotTask(
                    new Task.Owner("FeatureView", "default", "test"),
                    asOf,
                    entity,
                    new PivotTask.Source(uri, format, marker, timeColumn, jdbc),
                    new PivotTask.Window(from, to),
                    new PivotTask.Pivot(key, value, aggregate, prefix, minEntities, maxFeatures),
                    new PivotTask.Filters(where, exclude),
                    new PivotTask.Store(store, keep, storeFormat, catalog),
                    validation,
                    wide,
                    null);
        }
    }
}
