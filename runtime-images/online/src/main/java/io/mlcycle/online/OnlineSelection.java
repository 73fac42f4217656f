package io.mlcycle.online;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseMatrix;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which columns of a version the online store holds: every one, or the named ones (the features of
 * the models a FeatureView's {@code pivot.select.fromModels} names) plus a margin of the view's
 * most supported other columns. The narrowed table keeps every entity (a row with no selected value
 * is written empty, so the entity stays known) and the columns' order and statistics.
 *
 * @param columns the column names to keep; null keeps every column
 * @param margin with {@code columns}, also this many more columns, most supported first
 */
public record OnlineSelection(List<String> columns, int margin) {

    /** Every column. */
    public static final OnlineSelection ALL = new OnlineSelection(null, 0);

    public OnlineSelection {
        if (margin < 0) {
            throw new IllegalArgumentException("online margin must be >= 0, got " + margin);
        }
        columns = columns == null ? null : List.copyOf(columns);
    }

    /**
     * A table narrowed to the selection.
     *
     * @param absent named columns the version does not have (this as-of lacks them)
     */
    public record Narrowed(SparseMatrix rows, FeatureCatalog catalog, List<String> absent) {}

    /** {@code rows} and {@code catalog} with only the selected columns, re-indexed in order. */
    public Narrowed apply(SparseMatrix rows, FeatureCatalog catalog) {
        if (columns == null) {
            return new Narrowed(rows, catalog, List.of());
        }
        Set<String> keep = new HashSet<>(columns);
        List<String> absent = new ArrayList<>();
        Set<String> names = catalog.indexByName().keySet();
        for (String c : columns) {
            if (!names.contains(c)) {
                absent.add(c);
            }
        }
        catalog.features().stream()
                .filter(f -> !keep.contains(f.name()))
                .sorted(
                        Comparator.comparingLong(FeatureCatalog.Feature::support)
                                .reversed()
                                .thenComparingInt(FeatureCatalog.Feature::index))
                .limit(margin)
                .forEach(f -> keep.add(f.name()));
        int[] newIndex = new int[catalog.size()];
        java.util.Arrays.fill(newIndex, -1);
        List<FeatureCatalog.Feature> kept = new ArrayList<>();
        catalog.features().stream()
                .sorted(Comparator.comparingInt(FeatureCatalog.Feature::index))
                .filter(f -> keep.contains(f.name()))
                .forEach(
                        f -> {
                            newIndex[f.index()] = kept.size();
                            kept.add(
                                    new FeatureCatalog.Feature(
                                            kept.size(),
                                            f.name(),
                                            f.support(),
                                            f.min(),
                                            f.max(),
                                            f.mean()));
                        });
        return new Narrowed(
                project(rows, newIndex, kept.size()),
                new FeatureCatalog(catalog.entity(), catalog.asOf(), kept),
                List.copyOf(absent));
    }

    /** The rows with column {@code c} moved to {@code newIndex[c]} (dropped when -1). */
    private static SparseMatrix project(SparseMatrix rows, int[] newIndex, int numFeatures) {
        int[] rowPtr = new int[rows.rows() + 1];
        int[] cols = new int[rows.cols().length];
        float[] values = new float[rows.values().length];
        int k = 0;
        for (int r = 0; r < rows.rows(); r++) {
            for (int p = rows.rowPtr()[r]; p < rows.rowPtr()[r + 1]; p++) {
                int c = newIndex[rows.cols()[p]];
                if (c >= 0) {
                    cols[k] = c;
                    values[k++] = rows.values()[p];
                }
            }
            rowPtr[r + 1] = k;
        }
        return new SparseMatrix(
                rows.entities(),
                rowPtr,
                java.util.Arrays.copyOf(cols, k),
                java.util.Arrays.copyOf(values, k),
                numFeatures);
    }
}
