package io.mlcycle.operator.api.featureview;

/** How a FeatureView's dated versions are stored. */
public enum StoreFormat {
    /**
     * Dated directories {@code asOf=<date>/} that count once their {@code _SUCCESS} marker exists.
     */
    parquet,
    /** One Apache Iceberg table; each as-of is a snapshot tagged {@code asOf-<date>}. */
    iceberg
}
