package io.mlcycle.pivot;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.lake.LakeCatalog;
import io.mlcycle.lake.LakeTable;
import io.mlcycle.lake.ScanPlan;
import io.mlcycle.task.PivotTask;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Publishes a validated staged version to an Apache Iceberg table ({@code store.format: iceberg}):
 * the staged directory moves into the table's data location for the as-of, then its sparse Parquet
 * files become one tagged commit. A failed commit deletes the moved files; the last good snapshot
 * stays current.
 */
final class LakePublish {

    /** The committed version: its files' directory, snapshot and the as-ofs keep-N removed. */
    record Published(Path dir, ScanPlan plan, List<String> pruned) {}

    private LakePublish() {}

    /** Checks the catalog settings and opens (or creates) the table before any work is done. */
    static LakeTable open(PivotTask task, Function<String, String> env) {
        return LakeTable.openOrCreate(
                LakeCatalog.of(task.store().catalog(), task.store().uri(), env));
    }

    static Published publish(LakeTable table, PivotTask task, Path stage) throws IOException {
        String asOf = task.asOf();
        URI location = URI.create(table.dataLocation(asOf));
        if (!"file".equals(location.getScheme())) {
            throw TaskFailure.invalid(
                    "UnsupportedScheme",
                    "the Iceberg table's data location "
                            + location
                            + " is not file://; only file:// warehouses are written so far");
        }
        Path dir = Path.of(location).resolve(System.currentTimeMillis() + "-" + UUID.randomUUID());
        Files.createDirectories(dir.getParent());
        Files.move(stage, dir);
        long id;
        try {
            List<Path> parts;
            try (Stream<Path> files = Files.list(dir)) {
                parts =
                        files.filter(p -> p.getFileName().toString().matches("sparse-.*\\.parquet"))
                                .sorted()
                                .toList();
            }
            String features = dir.resolve(FeatureCatalog.FILE).toUri().toString();
            id = table.commit(asOf, parts, Map.of(ScanPlan.FEATURES, features));
        } catch (RuntimeException | IOException e) {
            VersionedStore.discard(dir);
            throw e;
        }
        List<String> pruned = table.expire(task.store().keep());
        ScanPlan plan = table.plan(asOf);
        if (plan.snapshotId() != id) {
            throw new IllegalStateException(
                    "tag of asOf " + asOf + " moved to another snapshot while committing");
        }
        return new Published(dir, plan, pruned);
    }
}
