package io.mlcycle.online;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.SparseTables;
import io.mlcycle.model.FeatureAssembler;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.JedisPooled;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same entity gives bit-identical model inputs from the offline tables (as training and batch
 * scoring assemble them) and through Redis (as online serving reads them).
 */
@RealServersTier
class OfflineOnlineConsistencyIT {

    /** Awkward floats: tiny, huge, negative, subnormal, not representable in decimal. */
    static final float[] AWKWARD = {
        0.1f, 1e-7f, 3.4e38f, -2.5f, Float.MIN_VALUE, 1f / 3f, 123456.79f, 7f
    };

    static FeatureCatalog writeTable(Path dir, String prefix, int rows, int features, long seed)
            throws Exception {
        Random rnd = new Random(seed);
        List<SparseTables.Row> out = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            List<Integer> idx = new ArrayList<>();
            for (int f = 0; f < features; f++) {
                if (rnd.nextInt(4) == 0) {
                    idx.add(f);
                }
            }
            int[] i = idx.stream().mapToInt(x -> x).toArray();
            float[] v = new float[i.length];
            for (int k = 0; k < v.length; k++) {
                v[k] =
                        rnd.nextBoolean()
                                ? AWKWARD[rnd.nextInt(AWKWARD.length)]
                                : rnd.nextFloat() * 100;
            }
            // entities overlap only partly between the two tables
            out.add(new SparseTables.Row("user-" + (prefix.equals("a") ? r : r + rows / 2), i, v));
        }
        SparseTables.write(dir, out);
        List<FeatureCatalog.Feature> fs = new ArrayList<>();
        for (int f = 0; f < features; f++) {
            fs.add(new FeatureCatalog.Feature(f, prefix + "_event_" + f, 1, 0, 100, 1));
        }
        FeatureCatalog cat = new FeatureCatalog("user_id", "2026-11-20", fs);
        cat.write(dir);
        return cat;
    }

    @Test
    void everyEntityScoresFromIdenticalInputsOfflineAndOnline(@TempDir Path tmp) throws Exception {
        Path dirA = tmp.resolve("a/asOf=2026-11-20");
        Path dirB = tmp.resolve("b/asOf=2026-11-20");
        writeTable(dirA, "a", 300, 40, 1);
        writeTable(dirB, "b", 200, 30, 2);
        // offline: read back exactly as the trainer and batch scoring do
        SparseMatrix offA = SparseTables.read(dirA);
        SparseMatrix offB = SparseTables.read(dirB);
        FeatureCatalog catA = FeatureCatalog.read(dirA);
        FeatureCatalog catB = FeatureCatalog.read(dirB);
        FeatureAssembler.Assembled joined =
                FeatureAssembler.join(
                        List.of(
                                new FeatureAssembler.Table("view-a", offA, catA),
                                new FeatureAssembler.Table("view-b", offB, catB)));
        // a model that kept a shuffled subset of the features (as after feature selection)
        List<String> model = new ArrayList<>(joined.names());
        Collections.shuffle(model, new Random(7));
        model = new ArrayList<>(model.subList(0, 50));
        model.add("view-c/not-in-any-table");
        SparseMatrix offline = FeatureAssembler.project(joined, model);

        try (LocalRedis server = LocalRedis.start();
                JedisPooled redis = RedisEndpoint.of(server.url(), null).open()) {
            String where = "redis://127.0.0.1:" + server.port();
            OnlineStoreWriter w =
                    new OnlineStoreWriter(
                            redis, OnlineStoreWriter.Options.defaults(Duration.ofHours(1)));
            w.write("view-a", "2026-11-20", offA, catA);
            // the pivot's way: straight from the published version directory
            assertThat(w.write("view-b", dirB).version().asOf()).isEqualTo("2026-11-20");

            // each view on its own: the consistency helper finds no difference
            assertThat(OnlineConsistency.check(redis, where, "view-a", offA, catA, 1)).isEmpty();
            assertThat(OnlineConsistency.check(redis, where, "view-b", offB, catB, 1)).isEmpty();

            // joined and projected: the model's inputs are identical for every entity
            OnlineStoreReader reader =
                    new OnlineStoreReader(
                            redis,
                            where,
                            List.of("view-a", "view-b"),
                            model,
                            Duration.ofSeconds(1),
                            OnlineMetrics.NONE);
            List<String> entities = List.of(offline.entities());
            OnlineStoreReader.Lookup got = reader.lookup(entities);
            SparseMatrix online = got.rows();
            assertThat(online.numFeatures()).isEqualTo(offline.numFeatures());
            int partial = 0;
            for (int r = 0; r < offline.rows(); r++) {
                assertThat(got.unknown(r)).isFalse();
                if (!got.missingViews().get(r).isEmpty()) {
                    partial++;
                }
                assertThat(OnlineConsistency.compare(offline, r, online, r, List.of()))
                        .as("entity %s", offline.entities()[r])
                        .isNull();
            }
            // entities known to one view only are part of the comparison
            assertThat(partial).isGreaterThan(0);
            assertThat(online.nonZeros()).isEqualTo(offline.nonZeros()).isGreaterThan(0);
        }
    }

    @Test
    void theHelperReportsARowThatDiffersOnline(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("a/asOf=2026-11-20");
        writeTable(dir, "a", 20, 10, 3);
        SparseMatrix off = SparseTables.read(dir);
        FeatureCatalog cat = FeatureCatalog.read(dir);
        try (LocalRedis server = LocalRedis.start();
                JedisPooled redis = RedisEndpoint.of(server.url(), null).open()) {
            OnlineStoreWriter.Result res =
                    new OnlineStoreWriter(
                                    redis, OnlineStoreWriter.Options.defaults(Duration.ofHours(1)))
                            .write("view-a", "2026-11-20", off, cat);
            // corrupt one value by one ulp, drop another row
            int r = 0;
            while (off.rowPtr()[r + 1] == off.rowPtr()[r]) {
                r++;
            }
            float[] vals = off.values().clone();
            vals[off.rowPtr()[r]] = Math.nextUp(vals[off.rowPtr()[r]]);
            String tag = res.version().tag();
            redis.set(
                    OnlineKeys.row("view-a", tag, off.entities()[r]),
                    OnlineKeys.encode(off.cols(), vals, off.rowPtr()[r], off.rowPtr()[r + 1]));
            redis.del(OnlineKeys.row("view-a", tag, off.entities()[19]));
            Map<String, String> found = new HashMap<>();
            for (OnlineConsistency.Mismatch m :
                    OnlineConsistency.check(
                            redis, "redis://127.0.0.1:" + server.port(), "view-a", off, cat, 1)) {
                found.put(m.entity(), m.detail());
            }
            assertThat(found).containsOnlyKeys(off.entities()[r], off.entities()[19]);
            assertThat(found.get(off.entities()[19])).isEqualTo("missing online");
        }
    }
}
