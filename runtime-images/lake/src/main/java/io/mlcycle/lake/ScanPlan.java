package io.mlcycle.lake;

import java.util.List;
import java.util.Map;

/**
 * What a reader of one feature table version reads: the snapshot (its id goes into lineage), its
 * as-of date, the data files, and the snapshot summary mlcycle wrote ({@code mlcycle.features}
 * names the version's {@code features.json}).
 */
public record ScanPlan(
        String table,
        long snapshotId,
        String asOf,
        List<String> dataFiles,
        Map<String, String> summary) {

    /** Summary key: the as-of date of the version. */
    public static final String AS_OF = "mlcycle.as-of";

    /** Summary key: URI of the version's {@code features.json}. */
    public static final String FEATURES = "mlcycle.features";

    public String featuresUri() {
        return summary.get(FEATURES);
    }
}
