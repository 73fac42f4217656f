package io.mlcycle.task;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One materialized FeatureView version, as written by the pivot runtime.
 *
 * @param uri the {@code asOf=<date>/} directory holding the sparse Parquet and features.json (for
 *     an Iceberg table: the directory the version was written to, for people; readers plan)
 * @param catalog the Iceberg table the version is a tagged snapshot of (null: the parquet layout)
 * @param snapshotId the Iceberg snapshot read, filled in by the reader for lineage (null: none)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FeatureInput(
        String featureView, String asOf, String uri, TableCatalog catalog, Long snapshotId) {

    public FeatureInput(String featureView, String asOf, String uri) {
        this(featureView, asOf, uri, null, null);
    }

    /** This version with the snapshot a reader planned. */
    public FeatureInput withSnapshot(long id) {
        return new FeatureInput(featureView, asOf, uri, catalog, id);
    }
}
