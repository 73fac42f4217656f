package io.mlcycle.task;

import java.util.List;

/**
 * One FeatureView materialization: read the partitions of {@code window}, apply the shared filters,
 * pivot long events into one sparse row per entity and publish {@code <store.uri>/asOf=<asOf>/}.
 *
 * @param asOf ISO date of the materialization
 * @param entity entity column in the source, e.g. {@code user_id}
 * @param window dates whose partitions are read: from (inclusive) to (exclusive)
 * @param wideExportMaxFeatures also write {@code wide.parquet} when the feature count is at most
 *     this (0: never)
 * @param online also write each published version to the online store (null: off)
 */
public record PivotTask(
        Owner owner,
        String asOf,
        String entity,
        Source source,
        Window window,
        Pivot pivot,
        Filters filters,
        Store store,
        Validation validation,
        int wideExportMaxFeatures,
        Online online)
        implements Task {

    /**
     * The online store (Redis) a published version is also written to.
     *
     * @param url {@code redis://host:port/db}, without credentials
     * @param ttlSeconds every key of a version expires this long after it is written
     * @param passwordEnv environment variable holding the Redis password (null: none)
     * @param columns write only these feature columns (the features of the models the view's {@code
     *     pivot.select.fromModels} names); null: every column
     * @param margin with {@code columns}, also this many more columns, the view's most supported
     *     first (0: none)
     * @param ranking with {@code columns}, also each listed version's top features of this view
     *     from its full SHAP ranking beside its artifact (null: the list alone)
     */
    public record Online(
            String url,
            long ttlSeconds,
            String passwordEnv,
            List<String> columns,
            int margin,
            Ranking ranking) {

        /** Every column written. */
        public Online(String url, long ttlSeconds, String passwordEnv) {
            this(url, ttlSeconds, passwordEnv, null, 0, null);
        }

        /** Only {@code columns} (and {@code margin} more) written. */
        public Online(
                String url, long ttlSeconds, String passwordEnv, List<String> columns, int margin) {
            this(url, ttlSeconds, passwordEnv, columns, margin, null);
        }

        /** True when only some columns are written. */
        public boolean narrowed() {
            return columns != null;
        }
    }

    /**
     * The model versions whose full SHAP ranking ({@link Layout#IMPORTANCE} in the artifact
     * directory) the pod reads: the features the pod summary records are only a version's top few.
     *
     * @param topK per version, its this many highest-ranked features (of every view) are read;
     *     those of this view are written
     * @param models the versions, in the FeatureView's {@code fromModels} order
     */
    public record Ranking(int topK, List<RankedModel> models) {}

    /**
     * One model version whose ranking is read.
     *
     * @param name {@code <model> v<N>}, for messages
     * @param artifactUri the version's artifact directory ({@code file://} or {@code s3://})
     */
    public record RankedModel(String name, String artifactUri) {}

    /**
     * Where the long event log is. Exactly one of {@code uri} (file source) and {@code jdbc}.
     *
     * @param uri directory or file URI with a {@code {date}} placeholder, e.g. {@code
     *     file:///data/raw/ev/dt={date}/}
     * @param format {@code parquet} or {@code csv}
     * @param successMarker file that must exist in a partition before it counts (null: none)
     * @param timeColumn optional timestamp/date column also restricted to the window
     */
    public record Source(
            String uri, String format, String successMarker, String timeColumn, Jdbc jdbc) {}

    /**
     * A JDBC source. Credentials are read from the named environment variables, never from the
     * task.
     *
     * @param table a table name, or null when {@code query} is given
     * @param query a SELECT whose result is the event log
     */
    public record Jdbc(
            String url, String table, String query, String userEnv, String passwordEnv) {}

    /** Inclusive start, exclusive end, both ISO dates. */
    public record Window(String from, String to) {}

    /**
     * @param key column whose values become features
     * @param value numeric column aggregated per (entity, key); null with aggregate {@code count}
     * @param aggregate sum, count, max, min, mean or last
     * @param prefix prepended to every feature name
     * @param minEntities keep a feature only if at least this many entities have it
     * @param maxFeatures keep at most this many features, most supported first
     */
    public record Pivot(
            String key,
            String value,
            String aggregate,
            String prefix,
            int minEntities,
            int maxFeatures) {}

    /** Business rules shared by every model. */
    public record Filters(String where, List<EntityList> excludeEntities) {}

    /** A Parquet or CSV file (or directory) whose {@code column} lists entities to drop. */
    public record EntityList(String uri, String column, String format) {}

    /**
     * Versioned output, the newest {@code keep} stay: with format {@link
     * TableCatalog#FORMAT_PARQUET} (null reads as it) {@code <uri>/asOf=<date>/}; with {@link
     * TableCatalog#FORMAT_ICEBERG} a tagged snapshot of the Iceberg table {@code catalog} names,
     * {@code uri} the warehouse where the catalog names none.
     */
    public record Store(String uri, int keep, String format, TableCatalog catalog) {

        public Store(String uri, int keep) {
            this(uri, keep, null, null);
        }

        /** True when the version is committed to an Iceberg table. */
        public boolean iceberg() {
            return TableCatalog.FORMAT_ICEBERG.equals(format);
        }
    }

    /** Rules a materialization must pass before it replaces the last good one. */
    public record Validation(
            Integer minEntities,
            Integer minFeatures,
            Double maxSparsity,
            List<String> requiredFeatures) {}
}
