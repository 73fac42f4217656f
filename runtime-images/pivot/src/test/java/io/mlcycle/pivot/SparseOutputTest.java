package io.mlcycle.pivot;

import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.Summary;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.mlcycle.pivot.Fixtures.read;
import static io.mlcycle.pivot.Fixtures.snapshot;
import static io.mlcycle.pivot.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The sparse table on a generated log: its rows, its parts, and a spill over the scratch limit. */
@UnitTier
class SparseOutputTest {

    /**
     * 40 000 events of 3 000 users over 400 keys, values -2..2, so that some (user, key) sums are
     * zero, and two users whose every sum is zero (they keep an empty row).
     */
    static final String LOG =
            "SELECT 'u' || lpad(CAST(hash(i, 1) % 3000 AS VARCHAR), 5, '0') AS user_id,"
                    + " 'ev_' || CAST(hash(i, 2) % 400 AS VARCHAR) AS event_id,"
                    + " CAST(hash(i, 3) % 5 AS INTEGER) - 2 AS cnt"
                    + " FROM range(40000) r(i)"
                    + " UNION ALL SELECT * FROM (VALUES ('u99990', 'ev_1', 0), ('u99991', 'ev_2', 3),"
                    + " ('u99991', 'ev_2', -3)) t(user_id, event_id, cnt)";

    @TempDir Path tmp;
    String rawUri;

    @BeforeEach
    void setUp() {
        write(tmp.resolve("raw/dt=2026-11-20/part-0.parquet"), LOG);
        rawUri = tmp.resolve("raw").toUri() + "dt={date}/";
    }

    Path run(String storeName, long passPairs) throws IOException {
        Path store = tmp.resolve(storeName);
        new PivotRunner(name -> null, passPairs)
                .run(new Fixtures.TaskBuilder(rawUri, store).build());
        return new VersionedStore(store).versionDir("2026-11-21");
    }

    @Test
    void generatedLogGivesTheIndependentlySummedTableInOnePassAndInSeveral() throws Exception {
        Map<String, Map<String, Float>> expected = summedByHand();

        Path onePass = run("one", SparseVersionStager.PASS_PAIRS);
        Path severalPasses = run("several", 5_000);

        assertThat(parts(onePass)).hasSize(1);
        assertThat(parts(severalPasses)).hasSizeGreaterThan(3);
        assertThat(expected.values()).anyMatch(Map::isEmpty);
        assertThat(read(onePass)).isEqualTo(expected);
        assertThat(read(severalPasses)).isEqualTo(expected);
    }

    @Test
    void severalPassesHoldContiguousEntityRangesInEntityOrder() throws Exception {
        Path version = run("several", 5_000);
        List<String> entities = new ArrayList<>();
        try (Connection c = SparseTables.duckdb();
                Statement st = c.createStatement()) {
            for (Path part : parts(version)) {
                try (ResultSet rs =
                        st.executeQuery(
                                "SELECT entity, idx = list_sort(idx) FROM read_parquet("
                                        + SparseTables.literal(part.toString())
                                        + ")")) {
                    while (rs.next()) {
                        entities.add(rs.getString(1));
                        assertThat(rs.getBoolean(2)).as("idx ascending").isTrue();
                    }
                }
            }
        }
        assertThat(entities).hasSize(summedByHand().size()).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void spillBeyondTheScratchLimitFailsNamingItAndKeepsTheLastGoodVersion() throws IOException {
        Path store = tmp.resolve("store");
        new PivotRunner(name -> null).run(new Fixtures.TaskBuilder(rawUri, store).build());
        Map<Path, String> before = snapshot(store);
        write(
                tmp.resolve("big/dt=2026-11-20/part-0.parquet"),
                "SELECT 'user-' || CAST(i AS VARCHAR) AS user_id, 'ev_' || CAST(i % 7 AS VARCHAR)"
                        + " AS event_id, 1 AS cnt FROM range(1000000) r(i)");
        PivotTask task =
                new Fixtures.TaskBuilder(tmp.resolve("big").toUri() + "dt={date}/", store).build();
        Map<String, String> env =
                Map.of(
                        PodEnv.PIVOT_MEMORY_LIMIT, "24MB",
                        PodEnv.PIVOT_THREADS, "1",
                        PodEnv.STAGE_MAX_BYTES, "1048576");

        assertThatThrownBy(() -> new PivotRunner(env::get).run(task))
                .isInstanceOfSatisfying(
                        TaskFailure.class,
                        f -> {
                            assertThat(f.outcome()).isEqualTo(Summary.Outcome.Failed);
                            assertThat(f.reason()).isEqualTo("ScratchSpaceExceeded");
                        })
                .hasMessageContaining(PodEnv.STAGE_MAX_BYTES)
                .hasMessageContaining("1.0 MiB");
        assertThat(snapshot(store)).isEqualTo(before);
    }

    /** User → (key → sum) where the sum is not zero, computed straight from the log. */
    Map<String, Map<String, Float>> summedByHand() throws SQLException {
        Map<String, Map<String, Float>> out = new HashMap<>();
        try (Connection c = SparseTables.duckdb();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT user_id, event_id, sum(cnt) FROM ("
                                        + LOG
                                        + ") GROUP BY user_id, event_id")) {
            while (rs.next()) {
                Map<String, Float> row = out.computeIfAbsent(rs.getString(1), u -> new HashMap<>());
                if (rs.getLong(3) != 0) {
                    row.put(rs.getString(2), (float) rs.getLong(3));
                }
            }
        }
        return out;
    }

    /** The version's sparse parts in part order. */
    static List<Path> parts(Path version) throws IOException {
        try (Stream<Path> files = Files.list(version)) {
            return files.filter(p -> p.getFileName().toString().startsWith("sparse-"))
                    .sorted(
                            (a, b) ->
                                    Integer.compare(
                                            partNumber(a.getFileName().toString()),
                                            partNumber(b.getFileName().toString())))
                    .toList();
        }
    }

    private static int partNumber(String name) {
        return Integer.parseInt(name.substring("sparse-".length(), name.indexOf('.')));
    }
}
