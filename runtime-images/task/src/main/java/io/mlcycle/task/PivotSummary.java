package io.mlcycle.task;

import java.util.List;
import java.util.Map;

/** The keys of a pivot's {@link Summary}: figures and details it writes and the operator reads. */
public final class PivotSummary {

    /** Figure: event rows read. */
    public static final String SOURCE_ROWS = "sourceRows";

    /** Figure: rows left after the filter. */
    public static final String FILTERED_ROWS = "filteredRows";

    /** Figure: entities (rows of the table). */
    public static final String ENTITIES = "entities";

    /** Figure: features (columns of the table). */
    public static final String FEATURES = "features";

    /** Figure: non-zero cells. */
    public static final String NON_ZEROS = "nonZeros";

    /** Figure: share of zero cells. */
    public static final String SPARSITY = "sparsity";

    /** Figure: seconds the pivot took. */
    public static final String SECONDS = "seconds";

    /** Figure: entities written to the online store. */
    public static final String ONLINE_ENTITIES = "onlineEntities";

    /** Figure: seconds the online write took. */
    public static final String ONLINE_SECONDS = "onlineSeconds";

    /** Figure: bytes written to the online store. */
    public static final String ONLINE_BYTES = "onlineBytes";

    /** Figure: 1 when the online store switched to this version, 0 when it kept a newer one. */
    public static final String ONLINE_SWITCHED = "onlineSwitched";

    /**
     * Figure: feature columns written to the online store (fewer than the table's when narrowed).
     */
    public static final String ONLINE_COLUMNS = "onlineColumns";

    /** Detail: the table's as-of date. */
    public static final String AS_OF = "asOf";

    /** Detail: the engine that pivoted (duckdb, spark). */
    public static final String ENGINE = "engine";

    /** Detail: partitions read. */
    public static final String PARTITIONS = "partitions";

    /** Detail: whether a wide (dense) export was written. */
    public static final String WIDE_EXPORT = "wideExport";

    /** Detail: versions pruned by the store's keep. */
    public static final String PRUNED = "pruned";

    /** Detail key: the Iceberg snapshot a version was committed as. */
    public static final String SNAPSHOT_ID = "snapshotId";

    /** Detail key: the Iceberg table (catalog and name) a version was committed to. */
    public static final String TABLE = "table";

    /** Detail: the online store's version tag. */
    public static final String ONLINE_VERSION = "onlineVersion";

    /** Detail: the as-of the online store serves. */
    public static final String ONLINE_AS_OF = "onlineAsOf";

    /** Detail: when the online write finished (ISO instant). */
    public static final String ONLINE_WRITTEN_AT = "onlineWrittenAt";

    /**
     * Detail: the table's feature column names, published only while they fit in {@link
     * #COLUMNS_MAX_CHARS} (so the summary stays within {@link Summary#MAX_BYTES}); absent: unknown.
     */
    public static final String COLUMNS = "columns";

    /** The most characters the column names of {@link #COLUMNS} take together. */
    public static final int COLUMNS_MAX_CHARS = 2048;

    private PivotSummary() {}

    /** {@code names} for the {@link #COLUMNS} detail, or null when they do not fit. */
    public static List<String> columnsDetail(List<String> names) {
        int chars = 0;
        for (String n : names) {
            chars += n.length() + 3;
        }
        return chars <= COLUMNS_MAX_CHARS ? List.copyOf(names) : null;
    }

    /** The published column names, or null when the pivot did not publish them. */
    public static List<String> columns(Summary s) {
        Map<String, Object> d = s.details();
        if (d == null || !(d.get(COLUMNS) instanceof List<?> l)) {
            return null;
        }
        return l.stream().map(String::valueOf).toList();
    }

    /** A figure, or null. */
    public static Double figure(Summary s, String key) {
        return s.figures() == null ? null : s.figures().get(key);
    }

    /** A string detail, or null. */
    public static String detailString(Summary s, String key) {
        Map<String, Object> d = s.details();
        return d != null && d.get(key) instanceof String v ? v : null;
    }
}
