package io.mlcycle.online;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseMatrix;
import redis.clients.jedis.UnifiedJedis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks that rows read through the online store are bit-for-bit the rows of the offline table they
 * were written from (the training/serving consistency a feature store promises).
 */
public final class OnlineConsistency {

    private OnlineConsistency() {}

    /** One entity whose online row differs from its offline row. */
    public record Mismatch(String entity, String detail) {}

    /**
     * Compares every {@code step}-th row of {@code offline} (one FeatureView version, as {@link
     * io.mlcycle.common.SparseTables#read} gives it) with the same entities read online in that
     * view's own feature space; returns the mismatches (empty when consistent).
     */
    public static List<Mismatch> check(
            UnifiedJedis redis,
            String where,
            String view,
            SparseMatrix offline,
            FeatureCatalog catalog,
            int step) {
        List<String> space = new ArrayList<>(catalog.size());
        for (String name : OnlineStoreWriter.names(catalog)) {
            space.add(view + "/" + name);
        }
        OnlineStoreReader reader =
                new OnlineStoreReader(
                        redis, where, List.of(view), space, Duration.ZERO, OnlineMetrics.NONE);
        List<Mismatch> out = new ArrayList<>();
        int batch = 500;
        List<Integer> rows = new ArrayList<>();
        for (int r = 0; r < offline.rows(); r += Math.max(1, step)) {
            rows.add(r);
        }
        for (int from = 0; from < rows.size(); from += batch) {
            List<Integer> part = rows.subList(from, Math.min(rows.size(), from + batch));
            List<String> entities = part.stream().map(r -> offline.entities()[r]).toList();
            OnlineStoreReader.Lookup got = reader.lookup(entities);
            SparseMatrix on = got.rows();
            for (int i = 0; i < part.size(); i++) {
                int r = part.get(i);
                String detail = compare(offline, r, on, i, got.missingViews().get(i));
                if (detail != null) {
                    out.add(new Mismatch(offline.entities()[r], detail));
                }
            }
        }
        return out;
    }

    /** Null when row {@code a} of {@code x} equals row {@code b} of {@code y} bit for bit. */
    static String compare(SparseMatrix x, int a, SparseMatrix y, int b, List<String> missing) {
        if (!missing.isEmpty()) {
            return "missing online";
        }
        int xs = x.rowPtr()[a];
        int xl = x.rowPtr()[a + 1] - xs;
        int ys = y.rowPtr()[b];
        int yl = y.rowPtr()[b + 1] - ys;
        if (xl != yl) {
            return xl + " non-zeros offline, " + yl + " online";
        }
        for (int k = 0; k < xl; k++) {
            int xc = x.cols()[xs + k];
            int yc = y.cols()[ys + k];
            float xv = x.values()[xs + k];
            float yv = y.values()[ys + k];
            if (xc != yc || Float.floatToRawIntBits(xv) != Float.floatToRawIntBits(yv)) {
                return "feature " + xc + "=" + xv + " offline, " + yc + "=" + yv + " online";
            }
        }
        return null;
    }
}
