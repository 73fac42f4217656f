package io.mlcycle.online;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.task.TaskJson;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A copy narrowed to a model's columns, on a real redis-server: it holds exactly those columns, and
 * a by-entity lookup in that model's feature space reads the same rows from it as from the full
 * copy (so the model scores the same); columns outside it read as absent (zero).
 */
@RealServersTier
class NarrowedOnlineCopyIT {

    static final int ENTITIES = 300;
    static final int FEATURES = 40;
    static final List<String> MODEL_COLUMNS = List.of("f3", "f7", "f11", "f20", "f33");

    @Test
    void aLookupInTheModelsFeatureSpaceReadsTheSameRowsFromTheNarrowedCopy() throws Exception {
        SparseMatrix table = table(new Random(5));
        FeatureCatalog catalog = catalog();
        try (LocalRedis server = LocalRedis.start();
                JedisPooled redis = RedisEndpoint.of(server.url(), null).open()) {
            var writer =
                    new OnlineStoreWriter(
                            redis, OnlineStoreWriter.Options.defaults(Duration.ofHours(1)));
            var full = writer.write("full", "2026-11-20", table, catalog);
            var n = new OnlineSelection(MODEL_COLUMNS, 0).apply(table, catalog);
            var narrow = writer.write("narrow", "2026-11-20", n.rows(), n.catalog());

            assertThat(full.columns()).isEqualTo(FEATURES);
            assertThat(narrow.columns()).isEqualTo(MODEL_COLUMNS.size());
            List<String> stored =
                    Arrays.asList(
                            TaskJson.MAPPER.readValue(
                                    redis.get(OnlineKeys.catalog("narrow", narrow.version().tag())),
                                    String[].class));
            assertThat(stored).containsExactly("f3", "f7", "f11", "f20", "f33");
            for (String e : table.entities()) {
                byte[] row = redis.get(OnlineKeys.row("narrow", narrow.version().tag(), e));
                int len = OnlineKeys.length(row, e);
                for (int k = 0; k < len; k++) {
                    assertThat(OnlineKeys.index(row, k)).isBetween(0, MODEL_COLUMNS.size() - 1);
                }
            }

            List<String> ids = List.of(table.entities());
            SparseMatrix fromFull = lookup(redis, "full", MODEL_COLUMNS, ids);
            SparseMatrix fromNarrow = lookup(redis, "narrow", MODEL_COLUMNS, ids);
            assertThat(fromNarrow.rowPtr()).isEqualTo(fromFull.rowPtr());
            assertThat(fromNarrow.cols()).isEqualTo(fromFull.cols());
            assertThat(fromNarrow.values()).isEqualTo(fromFull.values());
            assertThat(fromFull.nonZeros()).isPositive();

            // a column the model does not use is in the full copy only
            assertThat(lookup(redis, "full", List.of("f0"), ids).nonZeros()).isPositive();
            assertThat(lookup(redis, "narrow", List.of("f0"), ids).nonZeros()).isZero();
        }
    }

    private static SparseMatrix lookup(
            JedisPooled redis, String view, List<String> columns, List<String> ids) {
        OnlineStoreReader reader =
                new OnlineStoreReader(
                        redis,
                        "loopback",
                        List.of(view),
                        columns.stream().map(c -> view + "/" + c).toList(),
                        Duration.ofSeconds(1),
                        OnlineMetrics.NONE);
        OnlineStoreReader.Lookup got = reader.lookup(ids);
        for (int i = 0; i < ids.size(); i++) {
            assertThat(got.unknown(i)).as("entity %s known", ids.get(i)).isFalse();
        }
        return got.rows();
    }

    /** Each entity has about a quarter of the columns, values 1..9. */
    static SparseMatrix table(Random rnd) {
        String[] ids = new String[ENTITIES];
        int[] ptr = new int[ENTITIES + 1];
        List<Integer> cols = new ArrayList<>();
        List<Float> vals = new ArrayList<>();
        for (int r = 0; r < ENTITIES; r++) {
            ids[r] = "u" + r;
            for (int c = 0; c < FEATURES; c++) {
                if (rnd.nextInt(4) == 0) {
                    cols.add(c);
                    vals.add(1f + rnd.nextInt(9));
                }
            }
            ptr[r + 1] = cols.size();
        }
        float[] v = new float[vals.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = vals.get(i);
        }
        return new SparseMatrix(ids, ptr, cols.stream().mapToInt(x -> x).toArray(), v, FEATURES);
    }

    static FeatureCatalog catalog() {
        List<FeatureCatalog.Feature> fs = new ArrayList<>();
        for (int f = 0; f < FEATURES; f++) {
            fs.add(new FeatureCatalog.Feature(f, "f" + f, 1, 0, 9, 1));
        }
        return new FeatureCatalog("user_id", "2026-11-20", fs);
    }
}
