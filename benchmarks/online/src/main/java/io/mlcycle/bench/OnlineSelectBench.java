package io.mlcycle.bench;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.online.LocalRedis;
import io.mlcycle.online.OnlineKeys;
import io.mlcycle.online.OnlineMetrics;
import io.mlcycle.online.OnlineSelection;
import io.mlcycle.online.OnlineStoreReader;
import io.mlcycle.online.OnlineStoreWriter;
import io.mlcycle.online.RedisEndpoint;
import io.mlcycle.trainer.Metrics;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The online copy of a wide view, full vs narrowed to what one model uses ({@code
 * spec.pivot.select}): Redis memory per entity, write time, and the model's AUC scored through
 * by-entity lookups on each copy. The label is planted on {@code selected} columns (every {@code
 * features/selected}-th), which stand in for the model's top features by SHAP.
 */
public final class OnlineSelectBench {

    private OnlineSelectBench() {}

    /** One copy written and scored. */
    record Copy(
            int columns,
            double bytesPerEntity,
            double sampledKeyBytes,
            double seconds,
            double auc,
            double aucAllInputs) {}

    public static void main(String[] args) throws Exception {
        int entities = OnlineBench.arg(args, 0, 20_000);
        int nnz = OnlineBench.arg(args, 1, 100);
        int features = OnlineBench.arg(args, 2, 2000);
        int selected = OnlineBench.arg(args, 3, 50);
        int every = features / selected;
        SparseMatrix table = OnlineBench.generate(entities, nnz, features, 1);
        FeatureCatalog catalog = OnlineBench.catalog(table);
        int[] y = OnlineBench.planted(table, every, Math.max(1, nnz / every));
        int trainRows = Math.min(entities / 2, 5000);
        List<String> columns = new ArrayList<>();
        for (int f = 0; f < features; f += every) {
            columns.add("event_" + f);
        }
        OnlineSelection selection = new OnlineSelection(columns, 0);
        var narrowed = selection.apply(table, catalog);
        List<ModelArtifact> models =
                List.of(
                        OnlineBench.train(narrowed.rows(), narrowed.catalog(), trainRows, y),
                        OnlineBench.train(table, catalog, trainRows, y));

        try (LocalRedis server = LocalRedis.start();
                JedisPooled redis =
                        new RedisEndpoint(server.url(), null, Duration.ofSeconds(10), 4).open();
                Jedis admin = new Jedis("127.0.0.1", server.port())) {
            // one unrecorded write of each kind first: the path is compiled before it is timed
            write(redis, admin, table, catalog, OnlineSelection.ALL);
            write(redis, admin, table, catalog, selection);
            Copy full =
                    score(redis, admin, table, catalog, OnlineSelection.ALL, models, y, trainRows);
            Copy sel = score(redis, admin, table, catalog, selection, models, y, trainRows);
            for (var c : List.of(full, sel)) {
                System.out.printf(
                        Locale.ROOT,
                        "%d columns: used_memory %.0f B/entity, MEMORY USAGE %.0f B/row key, write"
                                + " %.3f s, AUC on %d held-out entities: model on the %d"
                                + " columns %.4f, model on all %d %.4f%n",
                        c.columns(),
                        c.bytesPerEntity(),
                        c.sampledKeyBytes(),
                        c.seconds(),
                        entities - trainRows,
                        selected,
                        c.auc(),
                        features,
                        c.aucAllInputs());
            }
            System.out.printf(
                    Locale.ROOT,
                    "BENCH online-select columns_full=%d columns_selected=%d"
                            + " bytes_per_entity_full=%.0f bytes_per_entity_selected=%.0f"
                            + " write_seconds_full=%.3f write_seconds_selected=%.3f auc_full=%.4f"
                            + " auc_selected=%.4f auc_all_inputs_full=%.4f"
                            + " auc_all_inputs_selected=%.4f%n",
                    full.columns(),
                    sel.columns(),
                    full.bytesPerEntity(),
                    sel.bytesPerEntity(),
                    full.seconds(),
                    sel.seconds(),
                    full.auc(),
                    sel.auc(),
                    full.aucAllInputs(),
                    sel.aucAllInputs());
        }
    }

    /** Empties Redis, writes the copy (narrowing included in the time) and measures it. */
    private static Copy write(
            JedisPooled redis,
            Jedis admin,
            SparseMatrix table,
            FeatureCatalog catalog,
            OnlineSelection selection) {
        admin.flushAll();
        long before = usedMemory(admin);
        long start = System.nanoTime();
        var narrowed = selection.apply(table, catalog);
        OnlineStoreWriter.Result r =
                new OnlineStoreWriter(
                                redis, OnlineStoreWriter.Options.defaults(Duration.ofHours(1)))
                        .write(OnlineBench.VIEW, "2026-11-20", narrowed.rows(), narrowed.catalog());
        double seconds = (System.nanoTime() - start) / 1e9;
        long after = usedMemory(admin);
        long sampled = 0;
        int samples = Math.min(1000, table.rows());
        for (int i = 0; i < samples; i++) {
            byte[] key = OnlineKeys.row(OnlineBench.VIEW, r.version().tag(), table.entities()[i]);
            Long bytes = admin.memoryUsage(key);
            sampled += bytes == null ? 0 : bytes;
        }
        return new Copy(
                r.columns(),
                (double) (after - before) / table.rows(),
                (double) sampled / samples,
                seconds,
                Double.NaN,
                Double.NaN);
    }

    /** {@link #write} then the models' AUC on the held-out entities, read by entity id. */
    private static Copy score(
            JedisPooled redis,
            Jedis admin,
            SparseMatrix table,
            FeatureCatalog catalog,
            OnlineSelection selection,
            List<ModelArtifact> models,
            int[] y,
            int trainRows) {
        Copy c = write(redis, admin, table, catalog, selection);
        List<String> ids = Arrays.asList(table.entities()).subList(trainRows, table.rows());
        int[] labels = Arrays.copyOfRange(y, trainRows, table.rows());
        double[] auc = new double[models.size()];
        for (int m = 0; m < models.size(); m++) {
            ModelArtifact model = models.get(m);
            OnlineStoreReader reader =
                    new OnlineStoreReader(
                            redis,
                            "loopback",
                            List.of(OnlineBench.VIEW),
                            model.featureNames(),
                            Duration.ofSeconds(1),
                            OnlineMetrics.NONE);
            float[] p = new float[ids.size()];
            for (int from = 0; from < ids.size(); from += 500) {
                List<String> batch = ids.subList(from, Math.min(ids.size(), from + 500));
                float[] got = model.predict(reader.lookup(batch).rows());
                System.arraycopy(got, 0, p, from, got.length);
            }
            auc[m] = Metrics.auc(p, labels);
        }
        return new Copy(
                c.columns(), c.bytesPerEntity(), c.sampledKeyBytes(), c.seconds(), auc[0], auc[1]);
    }

    private static long usedMemory(Jedis admin) {
        return admin.info("memory")
                .lines()
                .filter(l -> l.startsWith("used_memory:"))
                .map(l -> Long.parseLong(l.substring("used_memory:".length()).trim()))
                .findFirst()
                .orElseThrow();
    }
}
