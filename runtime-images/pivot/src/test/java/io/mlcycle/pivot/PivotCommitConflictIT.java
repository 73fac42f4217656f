package io.mlcycle.pivot;

import io.mlcycle.common.RuntimeMain;
import io.mlcycle.lake.LakeCatalog;
import io.mlcycle.lake.LakeTable;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.task.TaskJson;
import io.mlcycle.testing.PostgresPerClass;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.mlcycle.pivot.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A pivot pod whose Iceberg commits keep losing to other writers (a JDBC catalog on a real
 * PostgreSQL whose every compare-and-swap loses) fails {@code CommitConflict} after the last
 * attempt, naming catalog and table, and leaves the table and its files as they were.
 */
@RealServersTier
class PivotCommitConflictIT {

    @RegisterExtension static final PostgresPerClass postgres = new PostgresPerClass();

    @TempDir Path tmp;
    Path lake;
    String rawUri;

    @BeforeEach
    void setUp() {
        lake = tmp.resolve("lake");
        rawUri = Fixtures.twoDaysOfEvents(tmp);
    }

    /** The catalog's URL carries the credentials: the pod's Main reads no test environment. */
    private String catalogUrl() {
        return postgres.server().urlWithCredentials();
    }

    private Fixtures.TaskBuilder pivot(String asOf) {
        var b = new Fixtures.TaskBuilder(rawUri, lake);
        b.storeFormat = TableCatalog.FORMAT_ICEBERG;
        b.catalog =
                new TableCatalog(
                        TableCatalog.JDBC,
                        "lake",
                        catalogUrl(),
                        null,
                        "features",
                        "events",
                        null,
                        null,
                        null);
        b.asOf = asOf;
        b.from = "2026-11-20";
        b.to = asOf;
        return b;
    }

    /** Runs the task as the pod does; returns its exit code and termination message. */
    private Map.Entry<Integer, Summary> runPod(Fixtures.TaskBuilder b) throws Exception {
        Path task = Files.createTempFile(tmp, "task-", ".json");
        Files.writeString(task, TaskJson.write(b.build()));
        Path result = tmp.resolve(task.getFileName() + ".result");
        int code =
                RuntimeMain.run(
                        new String[] {"--task", task.toString(), "--result", result.toString()},
                        Main::handle);
        return Map.entry(code, TaskJson.readSummary(Files.readString(result)));
    }

    @Test
    void aPodWhoseCommitsAlwaysLoseFailsCommitConflictAndTheLastGoodVersionStays()
            throws Exception {
        assertThat(runPod(pivot("2026-11-21")).getKey()).as("the first pod's exit code").isZero();
        LakeTable before =
                LakeTable.open(
                        new LakeCatalog(
                                LakeCatalog.JDBC,
                                "lake",
                                catalogUrl(),
                                lake.toUri().toString(),
                                null,
                                null,
                                "features",
                                "events",
                                null));
        long last = before.planCurrent().snapshotId();
        Map<Path, String> data = snapshot(lake.resolve("features/events/data"));

        Map.Entry<Integer, Summary> pod;
        try (AutoCloseable alwaysLoses = postgres.server().loseEveryUpdateOf("iceberg_tables")) {
            pod = runPod(pivot("2026-11-22"));
        }

        assertThat(pod.getKey()).as("exit code").isEqualTo(Summary.Outcome.Failed.exitCode());
        assertThat(pod.getValue().reason()).isEqualTo("CommitConflict");
        assertThat(pod.getValue().message())
                .startsWith("jdbc catalog 'lake' (" + postgres.server().url())
                .contains(
                        "table features.events changed under "
                                + LakeTable.COMMIT_ATTEMPTS
                                + " commits of asOf 2026-11-22 in a row; nothing of it was"
                                + " committed");
        before.table().refresh();
        assertThat(before.asOfTags()).containsExactly("2026-11-21");
        assertThat(before.planCurrent().snapshotId()).isEqualTo(last);
        assertThat(snapshot(lake.resolve("features/events/data")))
                .as("the lost run's files are deleted, the kept version's are untouched")
                .isEqualTo(data);
        try (var left = Files.list(lake)) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .as("no staging or temporary directory is left in the store")
                    .containsExactly("features");
        }
    }
}
