package io.mlcycle.spark;

import io.mlcycle.common.TaskFailure;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One entity's row over all tables, columns ascending; its order is its first appearance (table by
 * table, then part and row), as the single pod's outer join orders its rows.
 */
public record JoinedRow(long ord, int[] cols, float[] vals) implements java.io.Serializable {

    public static JoinedRow of(String entity, Iterable<FeatureParts.Piece> pieces, String[] views) {
        List<FeatureParts.Piece> list = new ArrayList<>();
        boolean[] seen = new boolean[views.length];
        long ord = Long.MAX_VALUE;
        int nnz = 0;
        for (FeatureParts.Piece p : pieces) {
            if (seen[p.table()]) {
                throw TaskFailure.invalid(
                        "DuplicateEntity",
                        "featureView '" + views[p.table()] + "' has entity '" + entity + "' twice");
            }
            seen[p.table()] = true;
            ord = Math.min(ord, p.ord());
            nnz += p.cols().length;
            list.add(p);
        }
        list.sort(Comparator.comparingInt(FeatureParts.Piece::table));
        int[] cols = new int[nnz];
        float[] vals = new float[nnz];
        int k = 0;
        for (FeatureParts.Piece p : list) {
            System.arraycopy(p.cols(), 0, cols, k, p.cols().length);
            System.arraycopy(p.vals(), 0, vals, k, p.vals().length);
            k += p.cols().length;
        }
        sort(cols, vals);
        return new JoinedRow(ord, cols, vals);
    }

    /** Insertion sort by column: rows are short and mostly ordered already. */
    private static void sort(int[] cols, float[] vals) {
        for (int a = 1; a < cols.length; a++) {
            int c = cols[a];
            float v = vals[a];
            int b = a - 1;
            while (b >= 0 && cols[b] > c) {
                cols[b + 1] = cols[b];
                vals[b + 1] = vals[b];
                b--;
            }
            cols[b + 1] = c;
            vals[b + 1] = v;
        }
    }
}
