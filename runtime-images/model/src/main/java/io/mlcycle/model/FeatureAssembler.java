package io.mlcycle.model;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.PlannedVersion;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.task.FeatureInput;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Joins FeatureView versions by entity into one sparse matrix whose features are named {@code
 * <featureView>/<feature>}, and maps a matrix into a trained model's feature space.
 *
 * <p>The join is an outer join: an entity present in some tables but not others gets zeros for the
 * tables it is missing from (in a sparse table an absent feature already means zero, and a model
 * must still score an entity that had no events in one source). Rows come in the order the entities
 * first appear, table by table.
 */
public final class FeatureAssembler {

    private FeatureAssembler() {}

    /**
     * A joined table.
     *
     * @param matrix rows by entity, columns in {@code features} order
     * @param features one per column
     * @param min stored minimum per column (features.json)
     * @param max stored maximum per column
     * @param inputs the feature table versions read
     */
    public record Assembled(
            SparseMatrix matrix,
            List<ModelSpec.Feature> features,
            double[] min,
            double[] max,
            List<FeatureInput> inputs) {

        public List<String> names() {
            return features.stream().map(ModelSpec.Feature::name).toList();
        }
    }

    /** One feature table in memory, for {@link #join}. */
    public record Table(String featureView, SparseMatrix matrix, FeatureCatalog catalog) {}

    /** How one feature table version is read (its directory; the trainer plans Iceberg ones). */
    @FunctionalInterface
    public interface VersionReader {
        Table read(FeatureInput in, String field) throws IOException;
    }

    /** Reads a version from its {@code asOf=<date>/} directory. */
    public static Table readDirectory(FeatureInput in, String field) throws IOException {
        Path dir = Uris.toPath(in.uri(), field);
        FeatureCatalog catalog = FeatureCatalog.read(dir);
        return new Table(in.featureView(), SparseTables.read(dir), catalog);
    }

    /**
     * Reads the versions {@code plans} holds from their plan (an Iceberg snapshot's files), the
     * others from their directory.
     */
    public static VersionReader planned(Map<FeatureInput, ? extends PlannedVersion> plans) {
        return (in, field) -> {
            PlannedVersion plan = plans.get(in);
            return plan == null
                    ? readDirectory(in, field)
                    : new Table(in.featureView(), plan.read(), plan.featureCatalog());
        };
    }

    /** Reads and joins the given FeatureView versions. */
    public static Assembled assemble(List<FeatureInput> inputs) throws IOException {
        return assemble(inputs, FeatureAssembler::readDirectory);
    }

    /** Reads the given FeatureView versions with {@code reader} and joins them. */
    public static Assembled assemble(List<FeatureInput> inputs, VersionReader reader)
            throws IOException {
        if (inputs == null || inputs.isEmpty()) {
            throw TaskFailure.invalid(
                    "NoFeatures", "features is empty: give at least one FeatureView");
        }
        List<Table> tables = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            tables.add(reader.read(inputs.get(i), "features[" + i + "].uri"));
        }
        Assembled a = join(tables);
        return new Assembled(a.matrix(), a.features(), a.min(), a.max(), List.copyOf(inputs));
    }

    /** Outer join of in-memory tables by entity. */
    public static Assembled join(List<Table> tables) {
        int total = checkTables(tables);
        List<ModelSpec.Feature> features = new ArrayList<>(total);
        double[] min = new double[total];
        double[] max = new double[total];
        int[] offset = new int[tables.size()];
        int off = 0;
        for (int ti = 0; ti < tables.size(); ti++) {
            Table t = tables.get(ti);
            offset[ti] = off;
            ModelSpec.Feature[] byIndex = new ModelSpec.Feature[t.catalog().size()];
            for (FeatureCatalog.Feature f : t.catalog().features()) {
                if (f.index() < 0 || f.index() >= byIndex.length || byIndex[f.index()] != null) {
                    throw TaskFailure.invalid(
                            "CorruptFeatureCatalog",
                            "featureView '"
                                    + t.featureView()
                                    + "': feature index "
                                    + f.index()
                                    + " is out of range or repeated");
                }
                byIndex[f.index()] =
                        new ModelSpec.Feature(
                                t.featureView() + "/" + f.name(), t.featureView(), f.name());
                min[off + f.index()] = f.min();
                max[off + f.index()] = f.max();
            }
            features.addAll(Arrays.asList(byIndex));
            off += byIndex.length;
        }
        Map<String, int[]> rows = rowsByEntity(tables);
        if (tables.size() == 1) {
            SparseMatrix m = tables.get(0).matrix();
            return new Assembled(
                    new SparseMatrix(m.entities(), m.rowPtr(), m.cols(), m.values(), total),
                    features,
                    min,
                    max,
                    List.of());
        }
        return new Assembled(
                concatenated(tables, rows, offset, total), features, min, max, List.of());
    }

    /** Refuses unnamed, repeated or inconsistent tables; returns their features in all. */
    private static int checkTables(List<Table> tables) {
        Set<String> views = new HashSet<>();
        int total = 0;
        for (Table t : tables) {
            if (t.featureView() == null || t.featureView().isBlank()) {
                throw TaskFailure.invalid(
                        "MissingFeatureView", "a feature input has no featureView name");
            }
            if (!views.add(t.featureView())) {
                throw TaskFailure.invalid(
                        "DuplicateFeatureView",
                        "featureView '" + t.featureView() + "' is listed twice");
            }
            if (t.matrix().numFeatures() != t.catalog().size()) {
                throw TaskFailure.invalid(
                        "CatalogMismatch",
                        "featureView '"
                                + t.featureView()
                                + "': table has "
                                + t.matrix().numFeatures()
                                + " columns but features.json lists "
                                + t.catalog().size());
            }
            total += t.catalog().size();
            SparseMatrix m = t.matrix();
            for (int k = 0; k < m.nonZeros(); k++) {
                if (m.cols()[k] < 0 || m.cols()[k] >= t.catalog().size()) {
                    throw TaskFailure.invalid(
                            "CatalogMismatch",
                            "featureView '"
                                    + t.featureView()
                                    + "': the table uses feature index "
                                    + m.cols()[k]
                                    + " but features.json lists only "
                                    + t.catalog().size()
                                    + " features");
                }
            }
        }
        return total;
    }

    /** Entity → its row in each table (-1 where absent), in first-seen order. */
    private static Map<String, int[]> rowsByEntity(List<Table> tables) {
        Map<String, int[]> rows = new LinkedHashMap<>();
        for (int ti = 0; ti < tables.size(); ti++) {
            SparseMatrix m = tables.get(ti).matrix();
            for (int r = 0; r < m.rows(); r++) {
                int[] at = rows.computeIfAbsent(m.entities()[r], e -> newRowRefs(tables.size()));
                if (at[ti] >= 0) {
                    throw TaskFailure.invalid(
                            "DuplicateEntity",
                            "featureView '"
                                    + tables.get(ti).featureView()
                                    + "' has entity '"
                                    + m.entities()[r]
                                    + "' twice");
                }
                at[ti] = r;
            }
        }
        return rows;
    }

    /** One row per entity with each table's columns shifted by its {@code offset}. */
    private static SparseMatrix concatenated(
            List<Table> tables, Map<String, int[]> rows, int[] offset, int total) {
        long nnz = 0;
        for (int[] at : rows.values()) {
            for (int ti = 0; ti < at.length; ti++) {
                if (at[ti] >= 0) {
                    SparseMatrix m = tables.get(ti).matrix();
                    nnz += m.rowPtr()[at[ti] + 1] - m.rowPtr()[at[ti]];
                }
            }
        }
        if (nnz > Integer.MAX_VALUE) {
            throw TaskFailure.invalid(
                    "TooLarge", "joined features have " + nnz + " non-zeros; the limit is 2^31");
        }
        String[] entities = new String[rows.size()];
        int[] rowPtr = new int[rows.size() + 1];
        int[] cols = new int[(int) nnz];
        float[] vals = new float[(int) nnz];
        int r = 0;
        int k = 0;
        for (Map.Entry<String, int[]> e : rows.entrySet()) {
            entities[r] = e.getKey();
            int[] at = e.getValue();
            for (int ti = 0; ti < at.length; ti++) {
                if (at[ti] < 0) {
                    continue;
                }
                SparseMatrix m = tables.get(ti).matrix();
                for (int p = m.rowPtr()[at[ti]]; p < m.rowPtr()[at[ti] + 1]; p++) {
                    cols[k] = offset[ti] + m.cols()[p];
                    vals[k++] = m.values()[p];
                }
            }
            rowPtr[++r] = k;
        }
        return new SparseMatrix(entities, rowPtr, cols, vals, total);
    }

    private static int[] newRowRefs(int n) {
        int[] a = new int[n];
        Arrays.fill(a, -1);
        return a;
    }

    /** Reads the inputs and maps them into the model's features (for batch scoring). */
    public static SparseMatrix forModel(List<FeatureInput> inputs, List<String> modelFeatures)
            throws IOException {
        return project(assemble(inputs), modelFeatures);
    }

    /**
     * The rows of {@code a} in the column space {@code target}: features the target does not know
     * are dropped, target features missing from {@code a} are zero.
     */
    public static SparseMatrix project(Assembled a, List<String> target) {
        Map<String, Integer> pos = new HashMap<>(target.size() * 2);
        for (int i = 0; i < target.size(); i++) {
            pos.put(target.get(i), i);
        }
        int[] map = new int[a.features().size()];
        for (int j = 0; j < map.length; j++) {
            map[j] = pos.getOrDefault(a.features().get(j).name(), -1);
        }
        return remap(a.matrix(), map, target.size());
    }

    /** Keeps the columns {@code keep} (in that order) as columns 0..keep.length-1. */
    public static SparseMatrix selectColumns(SparseMatrix m, int[] keep) {
        int[] map = new int[m.numFeatures()];
        Arrays.fill(map, -1);
        for (int i = 0; i < keep.length; i++) {
            map[keep[i]] = i;
        }
        return remap(m, map, keep.length);
    }

    /** Columns mapped through {@code map} (-1 drops), indices kept ascending per row. */
    public static SparseMatrix remap(SparseMatrix m, int[] map, int numFeatures) {
        int nnz = 0;
        for (int k = 0; k < m.nonZeros(); k++) {
            if (map[m.cols()[k]] >= 0) {
                nnz++;
            }
        }
        int[] rowPtr = new int[m.rows() + 1];
        int[] cols = new int[nnz];
        float[] vals = new float[nnz];
        int k = 0;
        for (int r = 0; r < m.rows(); r++) {
            int start = k;
            for (int p = m.rowPtr()[r]; p < m.rowPtr()[r + 1]; p++) {
                int c = map[m.cols()[p]];
                if (c >= 0) {
                    cols[k] = c;
                    vals[k++] = m.values()[p];
                }
            }
            sortRow(cols, vals, start, k);
            rowPtr[r + 1] = k;
        }
        return new SparseMatrix(m.entities(), rowPtr, cols, vals, numFeatures);
    }

    private static void sortRow(int[] cols, float[] vals, int from, int to) {
        for (int i = from + 1; i < to; i++) {
            if (cols[i - 1] > cols[i]) {
                // insertion sort: rows are short and mostly ordered already
                for (int a = from + 1; a < to; a++) {
                    int c = cols[a];
                    float v = vals[a];
                    int b = a - 1;
                    while (b >= from && cols[b] > c) {
                        cols[b + 1] = cols[b];
                        vals[b + 1] = vals[b];
                        b--;
                    }
                    cols[b + 1] = c;
                    vals[b + 1] = v;
                }
                return;
            }
        }
    }

    /** The given rows of {@code m}, in that order. */
    public static SparseMatrix rows(SparseMatrix m, int[] rows) {
        int nnz = 0;
        for (int r : rows) {
            nnz += m.rowPtr()[r + 1] - m.rowPtr()[r];
        }
        String[] entities = new String[rows.length];
        int[] rowPtr = new int[rows.length + 1];
        int[] cols = new int[nnz];
        float[] vals = new float[nnz];
        int k = 0;
        for (int i = 0; i < rows.length; i++) {
            int r = rows[i];
            entities[i] = m.entities()[r];
            int len = m.rowPtr()[r + 1] - m.rowPtr()[r];
            System.arraycopy(m.cols(), m.rowPtr()[r], cols, k, len);
            System.arraycopy(m.values(), m.rowPtr()[r], vals, k, len);
            k += len;
            rowPtr[i + 1] = k;
        }
        return new SparseMatrix(entities, rowPtr, cols, vals, m.numFeatures());
    }
}
