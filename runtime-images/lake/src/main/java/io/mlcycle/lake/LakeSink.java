package io.mlcycle.lake;

import io.mlcycle.common.VersionSink;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.task.Layout;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.TableCatalog;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Publishes a run's staged Parquet files (batch scores) as one commit of a lake table, tagged
 * {@code asOf-<date>}: the files are copied into a fresh run location under the table's data
 * location (uploaded through the table's FileIO on an {@code s3://} warehouse), then committed in
 * one transaction ({@link LakeTable#commit}). A failed commit deletes the placed files; until a
 * commit succeeds readers see the last good snapshot.
 */
public final class LakeSink implements VersionSink {

    /** Snapshot summary keys of a scores commit: the model and version that scored. */
    public static final String MODEL = "mlcycle.model";

    public static final String VERSION = "mlcycle.version";

    private final LakeTable table;
    private final Map<String, String> summary;

    private LakeSink(LakeTable table, Map<String, String> summary) {
        this.table = table;
        this.summary = Map.copyOf(summary);
    }

    /**
     * Opens (or creates) the scores table of {@code catalog} before any work is done: an
     * unreachable catalog or a table with other columns fails here, naming catalog and table.
     *
     * @param defaultWarehouse the warehouse where the catalog names none
     * @param summary what each commit's snapshot summary records besides the as-of (model, version)
     */
    public static LakeSink scores(
            TableCatalog catalog,
            String defaultWarehouse,
            Function<String, String> env,
            Map<String, String> summary) {
        return new LakeSink(
                LakeTable.openOrCreate(
                        LakeCatalog.of(catalog, defaultWarehouse, env), ScoreTableSchema.KIND),
                summary);
    }

    /**
     * The scores table of {@code task}'s output catalog (every batch scorer's), each commit's
     * summary naming the task's model and version.
     *
     * @param warehouse the warehouse where the catalog names none: the parent of the outputUri
     */
    public static LakeSink scores(ScoreTask task, String warehouse, Function<String, String> env) {
        return scores(
                task.outputCatalog(),
                warehouse,
                env,
                Map.of(MODEL, task.model(), VERSION, String.valueOf(task.version())));
    }

    public LakeTable table() {
        return table;
    }

    @Override
    public Path stage(String asOf) throws IOException {
        return Files.createTempDirectory("mlcycle-" + Layout.AS_OF_PREFIX + asOf + "-");
    }

    @Override
    public Published publish(Path staged, String asOf) throws IOException {
        String location = table.runLocation(asOf);
        long id;
        try {
            Map<Path, String> placed =
                    table.isLocal() ? copy(staged, location) : table.upload(staged, location);
            Map<Path, String> data = new LinkedHashMap<>();
            placed.forEach(
                    (file, uri) -> {
                        if (file.getFileName().toString().endsWith(".parquet")) {
                            data.put(file, uri);
                        }
                    });
            id = table.commit(asOf, data, summary);
        } catch (RuntimeException | IOException e) {
            table.deleteLocation(location);
            throw e;
        }
        discard(staged);
        return new Published(location + "/", table.describe(), id);
    }

    @Override
    public void discard(Path staged) {
        VersionedStore.discard(staged);
    }

    /** The staged files copied into a local table's run location (no checksum side files). */
    private static Map<Path, String> copy(Path staged, String location) throws IOException {
        Path dir = Path.of(URI.create(location));
        Files.createDirectories(dir);
        Map<Path, String> placed = new LinkedHashMap<>();
        try (var files = Files.list(staged)) {
            for (Path f : files.sorted().toList()) {
                Path target = dir.resolve(f.getFileName().toString());
                Files.copy(f, target);
                placed.put(f, target.toUri().toString());
            }
        }
        return placed;
    }
}
