package io.mlcycle.common;

import java.io.IOException;

/**
 * A feature table version read from the files a plan lists (an Iceberg snapshot) instead of its
 * {@code asOf=<date>/} directory.
 */
public interface PlannedVersion {

    /** The version's rows. */
    SparseMatrix read() throws IOException;

    /** The version's {@code features.json}. */
    FeatureCatalog featureCatalog() throws IOException;
}
