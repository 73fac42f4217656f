package io.mlcycle.pivot;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.lake.LakeCatalog;
import io.mlcycle.lake.LakeTable;
import io.mlcycle.lake.ScanPlan;
import io.mlcycle.online.LocalRedis;
import io.mlcycle.online.OnlineKeys;
import io.mlcycle.online.OnlineMetrics;
import io.mlcycle.online.OnlineStoreReader;
import io.mlcycle.online.RedisEndpoint;
import io.mlcycle.task.PivotSummary;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.task.TaskJson;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.JedisPooled;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.mlcycle.pivot.Fixtures.EVENTS;
import static io.mlcycle.pivot.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;

/** A pivot with {@code online} writes the published version to a real Redis on loopback. */
@RealServersTier
class PivotOnlineIT {

    @TempDir Path tmp;
    Path store;
    String rawUri;

    @BeforeEach
    void setUp() {
        store = tmp.resolve("store");
        write(tmp.resolve("raw/dt=2026-11-20/part-0.parquet"), EVENTS);
        rawUri = tmp.resolve("raw").toUri() + "dt={date}/";
    }

    PivotTask task(PivotTask.Online online) {
        return withOnline(new Fixtures.TaskBuilder(rawUri, store).build(), online);
    }

    private static PivotTask withOnline(PivotTask t, PivotTask.Online online) {
        return new PivotTask(
                t.owner(),
                t.asOf(),
                t.entity(),
                t.source(),
                t.window(),
                t.pivot(),
                t.filters(),
                t.store(),
                t.validation(),
                t.wideExportMaxFeatures(),
                online);
    }

    @Test
    void thePublishedVersionIsReadBackOnlineBitForBit() throws IOException {
        try (LocalRedis server = LocalRedis.start()) {
            Summary s =
                    new PivotRunner(name -> null)
                            .run(task(new PivotTask.Online(server.url(), 3600, null)));

            assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
            assertThat(s.figures())
                    .containsEntry("entities", 3.0)
                    .containsEntry("onlineEntities", 3.0)
                    .containsEntry("onlineSwitched", 1.0)
                    .containsKey("onlineSeconds");
            assertThat(s.details()).containsEntry("onlineAsOf", "2026-11-21");
            assertThat((String) s.details().get("onlineVersion")).startsWith("20261121-");

            Path published = new VersionedStore(store).versionDir("2026-11-21");
            assertOnlineHolds(
                    server,
                    SparseTables.read(published),
                    io.mlcycle.common.FeatureCatalog.read(published));
        }
    }

    /** The test's pivot, stored as an Iceberg table in a Hadoop catalog on the store. */
    private Fixtures.TaskBuilder icebergTask() {
        var iceberg = new Fixtures.TaskBuilder(rawUri, store);
        iceberg.storeFormat = TableCatalog.FORMAT_ICEBERG;
        iceberg.catalog =
                new TableCatalog(
                        TableCatalog.HADOOP,
                        "lake",
                        null,
                        null,
                        "features",
                        "test",
                        null,
                        null,
                        null);
        return iceberg;
    }

    @Test
    void anIcebergVersionGoesOnlineFromItsCommittedSnapshot() throws IOException {
        Fixtures.TaskBuilder iceberg = icebergTask();
        try (LocalRedis server = LocalRedis.start()) {
            Summary s =
                    new PivotRunner(name -> null)
                            .run(
                                    withOnline(
                                            iceberg.build(),
                                            new PivotTask.Online(server.url(), 3600, null)));

            assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
            assertThat(s.figures()).containsEntry("onlineEntities", 3.0);
            assertThat(s.details()).containsEntry("onlineAsOf", "2026-11-21");
            ScanPlan plan =
                    LakeTable.open(
                                    new LakeCatalog(
                                            LakeCatalog.HADOOP,
                                            "lake",
                                            null,
                                            store.toUri().toString(),
                                            null,
                                            null,
                                            "features",
                                            "test",
                                            null))
                            .plan("2026-11-21");
            assertThat(s.details()).containsEntry(PivotSummary.SNAPSHOT_ID, plan.snapshotId());
            assertOnlineHolds(server, plan.read(), plan.featureCatalog());
        }
    }

    @Test
    void anIcebergVersionNarrowedToAColumnListWritesOnlyThoseColumnsOnline() throws IOException {
        Fixtures.TaskBuilder iceberg = icebergTask();
        try (LocalRedis server = LocalRedis.start()) {
            Summary s =
                    new PivotRunner(name -> null)
                            .run(
                                    withOnline(
                                            iceberg.build(),
                                            new PivotTask.Online(
                                                    server.url(), 3600, null, List.of("b"), 0)));

            assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
            assertThat(s.figures())
                    .containsEntry("onlineColumns", 1.0)
                    .containsEntry("onlineEntities", 3.0);
            String tag = (String) s.details().get("onlineVersion");
            try (JedisPooled redis = RedisEndpoint.of(server.url(), null).open()) {
                assertThat(redis.get(OnlineKeys.catalog("test", tag))).isEqualTo("[\"b\"]");
                assertThat(OnlineKeys.length(redis.get(OnlineKeys.row("test", tag, "u2")), "u2"))
                        .isZero();
            }
        }
    }

    /** Every row of {@code offline} reads back from the online store as it is; others unknown. */
    private static void assertOnlineHolds(
            LocalRedis server, SparseMatrix offline, io.mlcycle.common.FeatureCatalog catalog) {
        List<String> space = catalog.features().stream().map(f -> "test/" + f.name()).toList();
        try (JedisPooled redis = RedisEndpoint.of(server.url(), null).open()) {
            OnlineStoreReader reader =
                    new OnlineStoreReader(
                            redis,
                            server.url(),
                            List.of("test"),
                            space,
                            Duration.ofSeconds(1),
                            OnlineMetrics.NONE);
            OnlineStoreReader.Lookup got = reader.lookup(List.of(offline.entities()));
            SparseMatrix online = got.rows();
            for (int r = 0; r < offline.rows(); r++) {
                assertThat(got.unknown(r)).isFalse();
                assertThat(row(online, r)).isEqualTo(row(offline, r));
            }
            assertThat(reader.lookup(List.of("nobody")).unknown(0)).isTrue();
        }
    }

    @Test
    void aColumnListWritesOnlyThoseColumnsOnlineAndTheStoredTableStaysWhole() throws IOException {
        try (LocalRedis server = LocalRedis.start()) {
            Summary s =
                    new PivotRunner(name -> null)
                            .run(
                                    task(
                                            new PivotTask.Online(
                                                    server.url(), 3600, null, List.of("b"), 0)));

            assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
            assertThat(s.figures())
                    .containsEntry("features", 2.0)
                    .containsEntry("onlineColumns", 1.0)
                    .containsEntry("onlineEntities", 3.0);
            Path published = new VersionedStore(store).versionDir("2026-11-21");
            assertThat(Fixtures.read(published).get("u1")).containsOnlyKeys("a", "b");

            String tag = (String) s.details().get("onlineVersion");
            try (JedisPooled redis = RedisEndpoint.of(server.url(), null).open()) {
                assertThat(redis.get(OnlineKeys.catalog("test", tag))).isEqualTo("[\"b\"]");
                // u1 has a and b offline: online only b (index 0 of the narrowed catalog)
                byte[] u1 = redis.get(OnlineKeys.row("test", tag, "u1"));
                assertThat(OnlineKeys.length(u1, "u1")).isEqualTo(1);
                assertThat(OnlineKeys.index(u1, 0)).isZero();
                assertThat(OnlineKeys.value(u1, 0))
                        .isEqualTo(Fixtures.read(published).get("u1").get("b"));
                // u2 has only a: an empty row, still a known entity
                byte[] u2 = redis.get(OnlineKeys.row("test", tag, "u2"));
                assertThat(OnlineKeys.length(u2, "u2")).isZero();
            }
        }
    }

    @Test
    void topK30OfAModelWithFortyFeaturesWritesExactlyItsTop30FromTheFullRankingOnline()
            throws IOException {
        String raw = tmp.resolve("wide") + "/";
        write(tmp.resolve("wide/dt=2026-11-20/part-0.parquet"), Fixtures.manyFeatureEvents(40));
        // the version ranks 50 features, 40 of this view: its top 30 hold 24 of them, while the
        // pod summary (and so the operator's list) records only the top 10
        List<ModelRankings.Ranked> ranking = Fixtures.interleavedRanking("test", 50);
        String artifact = Fixtures.writeRanking(tmp.resolve("models/churn/v3"), ranking);
        List<String> recorded = ModelRankings.topOfView(ranking.subList(0, 10), "test", 10);
        List<String> top30 = ModelRankings.topOfView(ranking, "test", 30);
        assertThat(top30).hasSize(24).containsAll(recorded);
        PivotTask.Online online =
                new PivotTask.Online(
                        null,
                        3600,
                        null,
                        recorded,
                        0,
                        new PivotTask.Ranking(
                                30, List.of(new PivotTask.RankedModel("churn v3", artifact))));

        try (LocalRedis server = LocalRedis.start()) {
            Summary s =
                    new PivotRunner(name -> null)
                            .run(
                                    withOnline(
                                            new Fixtures.TaskBuilder(raw + "dt={date}/", store)
                                                    .build(),
                                            withUrl(online, server.url())));

            assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
            assertThat(s.figures())
                    .containsEntry("features", 40.0)
                    .containsEntry("onlineColumns", 24.0);
            String tag = (String) s.details().get("onlineVersion");
            try (JedisPooled redis = RedisEndpoint.of(server.url(), null).open()) {
                List<String> written =
                        List.of(
                                TaskJson.MAPPER.readValue(
                                        redis.get(OnlineKeys.catalog("test", tag)),
                                        String[].class));
                assertThat(written).containsExactlyInAnyOrderElementsOf(top30);
            }
        }
    }

    @Test
    void aModelWhoseRankingIsMissingFailsTheOnlineWriteNamingItAndKeepsThePublishedTable()
            throws IOException {
        PivotTask.Online online =
                new PivotTask.Online(
                        null,
                        3600,
                        null,
                        List.of("b"),
                        0,
                        new PivotTask.Ranking(
                                30,
                                List.of(
                                        new PivotTask.RankedModel(
                                                "churn v3",
                                                tmp.resolve("models/none").toUri().toString()))));
        try (LocalRedis server = LocalRedis.start()) {
            Summary s = new PivotRunner(name -> null).run(task(withUrl(online, server.url())));

            assertThat(s.outcome()).isEqualTo(Summary.Outcome.Failed);
            assertThat(s.reason()).isEqualTo("OnlineWriteFailed");
            assertThat(s.message())
                    .contains("online columns could not be chosen")
                    .contains("churn v3")
                    .contains("importance.json");
            Path published = new VersionedStore(store).versionDir("2026-11-21");
            assertThat(s.uri()).isEqualTo(published.toUri().toString());
            try (JedisPooled redis = RedisEndpoint.of(server.url(), null).open()) {
                assertThat(redis.keys("*")).isEmpty();
            }
        }
    }

    private static PivotTask.Online withUrl(PivotTask.Online o, String url) {
        return new PivotTask.Online(
                url, o.ttlSeconds(), o.passwordEnv(), o.columns(), o.margin(), o.ranking());
    }

    @Test
    void redisDownFailsTheRunButKeepsThePublishedOfflineTable() throws IOException {
        String url;
        try (LocalRedis server = LocalRedis.start()) {
            url = server.url();
        }
        Summary s = new PivotRunner(name -> null).run(task(new PivotTask.Online(url, 3600, null)));

        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Failed);
        assertThat(s.reason()).isEqualTo("OnlineWriteFailed");
        assertThat(s.message()).contains("published").contains("online store");
        Path published = new VersionedStore(store).versionDir("2026-11-21");
        assertThat(s.uri()).isEqualTo(published.toUri().toString());
        assertThat(published.resolve("_SUCCESS")).exists();
        assertThat(Files.exists(published.resolve("features.json"))).isTrue();
        assertThat(s.figures()).containsEntry("entities", 3.0);
    }

    @Test
    void aBadOnlineBlockIsInvalidBeforeAnyWork() {
        var f = Fixtures.failure(task(new PivotTask.Online("http://redis:6379", 3600, null)));
        assertThat(f.outcome()).isEqualTo(Summary.Outcome.Invalid);
        assertThat(f.getMessage()).contains("online.url");
        assertThat(Files.exists(store.resolve("asOf=2026-11-21"))).isFalse();
    }

    private static Map<Integer, Float> row(SparseMatrix m, int r) {
        Map<Integer, Float> out = new java.util.TreeMap<>();
        for (int k = m.rowPtr()[r]; k < m.rowPtr()[r + 1]; k++) {
            out.put(m.cols()[k], m.values()[k]);
        }
        return out;
    }
}
