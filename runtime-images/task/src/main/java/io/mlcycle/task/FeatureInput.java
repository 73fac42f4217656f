package io.mlcycle.task;

/**
 * One materialized FeatureView version, as written by the pivot runtime.
 *
 * @param uri the {@code asOf=<date>/} directory holding the sparse Parquet and features.json
 */
public record FeatureInput(String featureView, String asOf, String uri) {}
