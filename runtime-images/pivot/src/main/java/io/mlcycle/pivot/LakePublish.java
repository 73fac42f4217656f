package io.mlcycle.pivot;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.Uris;
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
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Publishes a validated staged version to an Apache Iceberg table ({@code store.format: iceberg}):
 * the staged directory moves into the table's data location for the as-of (on an {@code s3://}
 * warehouse: is uploaded there through the table's FileIO), then its sparse Parquet files become
 * one tagged commit. A failed commit deletes the placed files; the last good snapshot stays
 * current.
 */
final class LakePublish {

    /** The committed version: where its files lie, its snapshot and the as-ofs keep-N removed. */
    record Published(String uri, ScanPlan plan, List<String> pruned) {}

    private LakePublish() {}

    /** Checks the catalog settings and opens (or creates) the table before any work is done. */
    static LakeTable open(PivotTask task, Function<String, String> env) {
        return LakeTable.openOrCreate(
                LakeCatalog.of(task.store().catalog(), task.store().uri(), env));
    }

    static Published publish(LakeTable table, PivotTask task, Path stage) throws IOException {
        String asOf = task.asOf();
        String location = table.runLocation(asOf);
        boolean local = table.isLocal();
        Path dir = local ? Path.of(URI.create(location)) : stage;
        long id;
        try {
            Map<Path, String> placed;
            if (local) {
                Files.createDirectories(dir.getParent());
                Files.move(stage, dir);
                placed = inPlace(dir);
            } else {
                placed = table.upload(stage, location);
            }
            Map<Path, String> parts = new TreeMap<>();
            placed.forEach(
                    (file, uri) -> {
                        if (dir.equals(file.getParent())
                                && file.getFileName().toString().matches("sparse-.*\\.parquet")) {
                            parts.put(file, uri);
                        }
                    });
            String features = placed.get(dir.resolve(FeatureCatalog.FILE));
            id = table.commit(asOf, parts, Map.of(ScanPlan.FEATURES, features));
        } catch (RuntimeException | IOException e) {
            table.deleteLocation(location);
            throw e;
        }
        if (!local) {
            VersionedStore.discard(stage);
        }
        List<String> pruned = table.expire(task.store().keep());
        ScanPlan plan = table.plan(asOf);
        if (plan.snapshotId() != id) {
            throw new IllegalStateException(
                    "tag of asOf " + asOf + " moved to another snapshot while committing");
        }
        return new Published(local ? Uris.fileUri(dir, true) : location + "/", plan, pruned);
    }

    /** The files of a run directory that already lies in the table's data location. */
    private static Map<Path, String> inPlace(Path dir) throws IOException {
        Map<Path, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(f -> out.put(f, f.toUri().toString()));
        }
        return out;
    }
}
