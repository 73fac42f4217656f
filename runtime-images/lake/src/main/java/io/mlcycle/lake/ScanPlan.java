package io.mlcycle.lake;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.PlannedVersion;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.Storage;
import io.mlcycle.common.TaskFailure;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
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
        Map<String, String> summary)
        implements PlannedVersion {

    /** Summary key: the as-of date of the version. */
    public static final String AS_OF = "mlcycle.as-of";

    /** Summary key: URI of the version's {@code features.json}. */
    public static final String FEATURES = "mlcycle.features";

    public String featuresUri() {
        return summary.get(FEATURES);
    }

    /** The version's rows, read by DuckDB from the planned files, and its feature catalog. */
    @Override
    public SparseMatrix read() throws IOException {
        List<Path> files = new ArrayList<>();
        for (String f : dataFiles) {
            files.add(local(f, "data file"));
        }
        return SparseTables.read(files, featureCatalog());
    }

    /** The version's {@code features.json}. */
    @Override
    public FeatureCatalog featureCatalog() throws IOException {
        if (featuresUri() == null) {
            throw TaskFailure.invalid(
                    "MissingFeatureCatalog",
                    table + " snapshot " + snapshotId + " has no " + FEATURES + " in its summary");
        }
        return FeatureCatalog.read(local(featuresUri(), FEATURES).getParent());
    }

    /** A local copy of a planned file: the file itself, or on {@code s3://} a staged download. */
    private Path local(String uri, String what) {
        if (Storage.isS3(uri)) {
            return Storage.stage(uri, table + " " + what);
        }
        if (!uri.startsWith("file:")) {
            throw TaskFailure.invalid(
                    "UnsupportedScheme",
                    table + ": " + what + " " + uri + " is neither file:// nor s3://");
        }
        return Path.of(URI.create(uri));
    }
}
