package io.mlcycle.common;

import java.io.IOException;
import java.util.List;

/**
 * A feature table version read from the files a plan lists (an Iceberg snapshot) instead of its
 * {@code asOf=<date>/} directory.
 */
public interface PlannedVersion {

    /** The version's rows. */
    SparseMatrix read() throws IOException;

    /** The version's {@code features.json}. */
    FeatureCatalog featureCatalog() throws IOException;

    /** The URIs of the version's data files (sparse Parquet parts), for readers that split them. */
    List<String> dataFiles();
}
