package io.mlcycle.online;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Writer and reader against a real redis-server on loopback. */
@RealServersTier
class OnlineStoreIT {

    static LocalRedis server;
    static JedisPooled redis;
    static String where;

    @BeforeAll
    static void start() throws Exception {
        server = LocalRedis.start();
        RedisEndpoint endpoint = RedisEndpoint.of(server.url(), null);
        redis = endpoint.open();
        where = endpoint.describe();
    }

    @AfterAll
    static void stop() {
        if (redis != null) {
            redis.close();
        }
        if (server != null) {
            server.close();
        }
    }

    static FeatureCatalog catalog(String... names) {
        List<FeatureCatalog.Feature> fs = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            fs.add(new FeatureCatalog.Feature(i, names[i], 1, 0, 10, 1));
        }
        return new FeatureCatalog("user_id", "2026-11-20", fs);
    }

    /** Entities u0..u(n-1); row i has features (i % f) and ((i+1) % f) with values from value. */
    static SparseMatrix table(int n, int f, float value) {
        String[] e = new String[n];
        int[] ptr = new int[n + 1];
        List<Integer> cols = new ArrayList<>();
        List<Float> vals = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            e[i] = "u" + i;
            int a = i % f;
            int b = (i + 1) % f;
            cols.add(Math.min(a, b));
            vals.add(value);
            if (a != b) {
                cols.add(Math.max(a, b));
                vals.add(value + 0.5f);
            }
            ptr[i + 1] = cols.size();
        }
        float[] v = new float[vals.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = vals.get(i);
        }
        return new SparseMatrix(e, ptr, cols.stream().mapToInt(x -> x).toArray(), v, f);
    }

    static OnlineStoreWriter writer() {
        return new OnlineStoreWriter(
                redis, OnlineStoreWriter.Options.defaults(Duration.ofHours(1)));
    }

    @Test
    void rowsComeBackInTheCallersFeatureSpace() {
        FeatureCatalog cat = catalog("a", "b", "c");
        SparseMatrix m =
                new SparseMatrix(
                        new String[] {"alice", "bob"},
                        new int[] {0, 2, 3},
                        new int[] {0, 2, 1},
                        new float[] {1.5f, 0.1f, 7f},
                        3);
        OnlineStoreWriter.Result res = writer().write("rt", "2026-11-20", m, cat);
        assertThat(res.version().entities()).isEqualTo(2);
        assertThat(res.version().asOf()).isEqualTo("2026-11-20");
        assertThat(res.figures()).containsEntry("onlineEntities", 2L);

        // model columns: c, unknown, a  (b is not used by the model)
        OnlineStoreReader reader =
                new OnlineStoreReader(
                        redis,
                        where,
                        List.of("rt"),
                        List.of("rt/c", "other/x", "rt/a"),
                        Duration.ofSeconds(1),
                        OnlineMetrics.NONE);
        OnlineStoreReader.Lookup got = reader.lookup(List.of("bob", "alice"));
        SparseMatrix rows = got.rows();
        assertThat(rows.numFeatures()).isEqualTo(3);
        assertThat(rows.entities()).containsExactly("bob", "alice");
        assertThat(rows.denseRow(0)).containsExactly(0f, 0f, 0f);
        assertThat(rows.denseRow(1)).containsExactly(0.1f, 0f, 1.5f);
        assertThat(rows.cols()).containsExactly(0, 2);
        assertThat(got.missingViews()).containsExactly(List.of(), List.of());
        assertThat(got.versions().get("rt").tag()).isEqualTo(res.version().tag());
    }

    @Test
    void missingEntitiesAreReportedPerRowNotAsAFailure() {
        FeatureCatalog cat = catalog("x", "y");
        writer().write("m1", "2026-11-20", table(10, 2, 1f), cat);
        writer().write("m2", "2026-11-20", table(3, 2, 2f), cat);
        OnlineCounters counters = new OnlineCounters();
        OnlineStoreReader reader =
                new OnlineStoreReader(
                        redis,
                        where,
                        List.of("m1", "m2"),
                        List.of("m1/x", "m1/y", "m2/x", "m2/y"),
                        Duration.ofSeconds(1),
                        counters);
        OnlineStoreReader.Lookup got = reader.lookup(List.of("u1", "nobody", "u5"));
        assertThat(got.missingViews())
                .containsExactly(List.of(), List.of("m1", "m2"), List.of("m2"));
        assertThat(got.unknown(0)).isFalse();
        assertThat(got.unknown(1)).isTrue();
        assertThat(got.unknown(2)).isFalse();
        assertThat(got.rows().denseRow(0)).containsExactly(1f, 1.5f, 2f, 2.5f);
        assertThat(got.rows().denseRow(1)).containsExactly(0f, 0f, 0f, 0f);
        assertThat(got.rows().denseRow(2)).containsExactly(1f, 1.5f, 0f, 0f);
        assertThat(counters.misses("m1")).isEqualTo(1);
        assertThat(counters.misses("m2")).isEqualTo(2);
        assertThat(counters.lookups()).isEqualTo(1);
        assertThat(counters.entities()).isEqualTo(3);
    }

    @Test
    void everyKeyOfAVersionCarriesTheTtlAndTheOldVersionExpiresAfterTheSwitch() {
        FeatureCatalog cat = catalog("x", "y", "z");
        OnlineStoreWriter w =
                new OnlineStoreWriter(
                        redis,
                        new OnlineStoreWriter.Options(
                                Duration.ofMinutes(10), 3, Duration.ofSeconds(20)));
        OnlineStoreWriter.Result first = w.write("ttl", "2026-11-19", table(7, 3, 1f), cat);
        String tag = first.version().tag();
        long ttlMs = Duration.ofMinutes(10).toMillis();
        assertThat(redis.pttl(OnlineKeys.current("ttl"))).isBetween(ttlMs - 60_000, ttlMs);
        assertThat(redis.pttl(OnlineKeys.catalog("ttl", tag))).isBetween(ttlMs - 60_000, ttlMs);
        for (int i = 0; i < 7; i++) {
            assertThat(redis.pttl(OnlineKeys.row("ttl", tag, "u" + i)))
                    .isBetween(ttlMs - 60_000, ttlMs);
        }
        OnlineStoreWriter.Result second = w.write("ttl", "2026-11-20", table(5, 3, 2f), cat);
        assertThat(second.previousTag()).isEqualTo(tag);
        assertThat(second.retiredKeys()).isEqualTo(7);
        for (int i = 0; i < 7; i++) {
            assertThat(redis.pttl(OnlineKeys.row("ttl", tag, "u" + i))).isBetween(1L, 20_000L);
        }
        assertThat(redis.pttl(OnlineKeys.catalog("ttl", tag))).isBetween(1L, 20_000L);
        assertThat(redis.pttl(OnlineKeys.row("ttl", second.version().tag(), "u0")))
                .isGreaterThan(20_000L);
    }

    @Test
    void aReaderPollingDuringSwitchesSeesOneCompleteVersionAtATime() throws Exception {
        int n = 3000;
        FeatureCatalog cat = catalog("f0", "f1", "f2", "f3");
        OnlineStoreWriter w =
                new OnlineStoreWriter(
                        redis,
                        new OnlineStoreWriter.Options(
                                Duration.ofHours(1), 200, Duration.ofSeconds(30)));
        w.write("sw", "2026-11-01", table(n, 4, 1f), cat);
        OnlineStoreReader reader =
                new OnlineStoreReader(
                        redis,
                        where,
                        List.of("sw"),
                        List.of("sw/f0", "sw/f1", "sw/f2", "sw/f3"),
                        Duration.ZERO,
                        OnlineMetrics.NONE);
        AtomicBoolean done = new AtomicBoolean();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        Set<Float> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        AtomicInteger lookups = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            long seed = t;
            Thread th =
                    new Thread(
                            () -> {
                                Random rnd = new Random(seed);
                                while (!done.get()) {
                                    List<String> ask = new ArrayList<>();
                                    for (int i = 0; i < 100; i++) {
                                        ask.add("u" + rnd.nextInt(n));
                                    }
                                    OnlineStoreReader.Lookup got = reader.lookup(ask);
                                    lookups.incrementAndGet();
                                    Set<Float> versions = new HashSet<>();
                                    for (int i = 0; i < ask.size(); i++) {
                                        if (!got.missingViews().get(i).isEmpty()) {
                                            problems.add(ask.get(i) + " missing");
                                        }
                                        // the smaller of a row's two values is the version number
                                        SparseMatrix r = got.rows();
                                        float min = Float.MAX_VALUE;
                                        for (int k = r.rowPtr()[i]; k < r.rowPtr()[i + 1]; k++) {
                                            min = Math.min(min, r.values()[k]);
                                        }
                                        versions.add(min);
                                    }
                                    if (versions.size() != 1) {
                                        problems.add("one lookup saw versions " + versions);
                                    }
                                    seen.addAll(versions);
                                }
                            });
            th.start();
            threads.add(th);
        }
        for (int v = 2; v <= 6; v++) {
            w.write("sw", "2026-11-0" + v, table(n, 4, v), cat);
        }
        done.set(true);
        for (Thread th : threads) {
            th.join(30_000);
        }
        assertThat(problems).isEmpty();
        assertThat(lookups.get()).isGreaterThan(0);
        // the readers really ran across switches (otherwise this test proves nothing)
        assertThat(seen.size()).isGreaterThan(1);
        assertThat(reader.lookup(List.of("u0")).rows().values()[0]).isEqualTo(6f);
    }

    @Test
    void anOlderAsOfNeverReplacesANewerCurrentVersion() {
        FeatureCatalog cat = catalog("x", "y");
        OnlineStoreWriter w = writer();
        OnlineStoreWriter.Result newer = w.write("bf", "2026-11-20", table(4, 2, 5f), cat);
        assertThat(newer.switched()).isTrue();
        OnlineStoreWriter.Result older = w.write("bf", "2026-11-19", table(4, 2, 1f), cat);
        assertThat(older.switched()).isFalse();
        assertThat(older.entities()).isZero();
        assertThat(older.version().tag()).isEqualTo(newer.version().tag());
        assertThat(older.figures()).containsEntry("onlineAsOf", "2026-11-20");
        // the same date again (a re-materialization) does replace it
        OnlineStoreWriter.Result again = w.write("bf", "2026-11-20", table(4, 2, 6f), cat);
        assertThat(again.switched()).isTrue();
        assertThat(again.previousTag()).isEqualTo(newer.version().tag());
        OnlineStoreReader reader =
                new OnlineStoreReader(
                        redis,
                        where,
                        List.of("bf"),
                        List.of("bf/x", "bf/y"),
                        Duration.ZERO,
                        OnlineMetrics.NONE);
        assertThat(reader.lookup(List.of("u0")).rows().denseRow(0)).containsExactly(6f, 6.5f);
    }

    @Test
    void aViewNeverWrittenIsANamedOnlineStoreError() {
        OnlineStoreReader reader =
                new OnlineStoreReader(
                        redis,
                        where,
                        List.of("never-written"),
                        List.of("never-written/a"),
                        Duration.ofSeconds(1),
                        OnlineMetrics.NONE);
        assertThatThrownBy(() -> reader.lookup(List.of("u1")))
                .isInstanceOf(OnlineStoreException.class)
                .hasMessageContaining("featureView 'never-written' has no current version")
                .extracting(e -> ((OnlineStoreException) e).reason())
                .isEqualTo("NoOnlineVersion");
    }

    @Test
    void badInputIsRejectedWithTheFieldNamed() {
        FeatureCatalog cat = catalog("a", "b");
        assertThatThrownBy(() -> writer().write("bad:name", "2026-11-20", table(2, 2, 1f), cat))
                .hasMessageContaining("featureView 'bad:name'");
        assertThatThrownBy(() -> writer().write("ok", "2026-11-20", table(2, 3, 1f), cat))
                .hasMessageContaining("table has 3 columns but features.json lists 2");
        SparseMatrix dup =
                new SparseMatrix(
                        new String[] {"a", "a"}, new int[] {0, 0, 0}, new int[0], new float[0], 2);
        assertThatThrownBy(() -> writer().write("ok", "2026-11-20", dup, cat))
                .hasMessageContaining("entity 'a' twice");
        assertThatThrownBy(
                        () ->
                                new OnlineStoreWriter(
                                        redis, OnlineStoreWriter.Options.defaults(Duration.ZERO)))
                .hasMessageContaining("online.ttl must be positive");
        assertThatThrownBy(() -> RedisEndpoint.of("http://x:1", null).open())
                .hasMessageContaining("redis:// or rediss://");
    }

    @Test
    void warmingOpensEveryPooledConnectionUpFront() {
        RedisEndpoint endpoint = new RedisEndpoint(server.url(), null, Duration.ofMillis(500), 5);
        try (JedisPooled pooled = endpoint.open();
                redis.clients.jedis.Jedis admin =
                        new redis.clients.jedis.Jedis("127.0.0.1", server.port())) {
            long before = clientsNamed(admin, "mlcycle-online");
            assertThat(endpoint.warm(pooled)).isEqualTo(5);
            assertThat(clientsNamed(admin, "mlcycle-online")).isEqualTo(before + 5);
            // warming again opens nothing more; lookups then reuse the open connections
            assertThat(endpoint.warm(pooled)).isEqualTo(5);
            pooled.get("nothing");
            assertThat(clientsNamed(admin, "mlcycle-online")).isEqualTo(before + 5);
        }
    }

    @Test
    void warmingAnUnreachableRedisLeavesThePoolLazy() throws Exception {
        int port;
        try (java.net.ServerSocket s =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RedisEndpoint endpoint =
                new RedisEndpoint("redis://127.0.0.1:" + port, null, Duration.ofMillis(200), 3);
        try (JedisPooled pooled = endpoint.open()) {
            assertThat(endpoint.warm(pooled)).isZero();
        }
    }

    private static long clientsNamed(redis.clients.jedis.Jedis admin, String name) {
        return admin.clientList().lines().filter(l -> l.contains(" name=" + name + " ")).count();
    }
}
