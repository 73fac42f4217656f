package io.mlcycle.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseTables;
import io.mlcycle.online.LocalRedis;
import io.mlcycle.online.OnlineSelection;
import io.mlcycle.online.OnlineStoreWriter;
import io.mlcycle.online.RedisEndpoint;
import io.mlcycle.task.ServeTask;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.JedisPooled;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.mlcycle.server.OipMessages.byEntity;
import static io.mlcycle.server.OipMessages.floats;
import static io.mlcycle.server.OipMessages.output;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * spec.pivot.select's online copy, served: a view wider than the model (four columns it does not
 * use) written once whole and once narrowed to the model's columns, each to its own real
 * redis-server; the server scores every entity by id the same from both.
 */
@RealServersTier
class NarrowedOnlineInferenceIT {

    static final int EXTRA = 4;

    @TempDir Path tmp;

    @Test
    void byEntityScoresFromTheNarrowedCopyEqualThoseFromTheFullCopy() throws Exception {
        Path version = tmp.resolve("events/asOf=2026-11-20");
        List<SparseTables.Row> rows = widened(TestModels.rows(40, 91));
        SparseTables.write(version, rows);
        List<FeatureCatalog.Feature> features = new ArrayList<>();
        List<String> modelColumns = new ArrayList<>();
        for (int j = 0; j < TestModels.FEATURES + EXTRA; j++) {
            features.add(new FeatureCatalog.Feature(j, TestModels.raw(j), 20, 0.1, 2.0, 1.0));
            if (j < TestModels.FEATURES) {
                modelColumns.add(TestModels.raw(j));
            }
        }
        new FeatureCatalog("user_id", "2026-11-20", features).write(version);
        List<String> ids = rows.stream().map(SparseTables.Row::entity).toList();

        float[] full = scores(version, OnlineSelection.ALL, TestModels.FEATURES + EXTRA, ids);
        float[] narrowed =
                scores(version, new OnlineSelection(modelColumns, 0), TestModels.FEATURES, ids);

        assertThat(narrowed).containsExactly(full);
        assertThat(Arrays.stream(toDoubles(full)).distinct().count()).isGreaterThan(5);
    }

    /**
     * Writes the version to a fresh redis-server through {@code selection} and scores {@code ids}
     * by entity on a server reading it.
     */
    private static float[] scores(
            Path version, OnlineSelection selection, int columns, List<String> ids)
            throws Exception {
        try (LocalRedis redis = LocalRedis.start()) {
            try (JedisPooled client = RedisEndpoint.of(redis.url(), null).open()) {
                var written =
                        new OnlineStoreWriter(
                                        client,
                                        OnlineStoreWriter.Options.defaults(Duration.ofHours(1)))
                                .write(TestModels.VIEW, version, selection);
                assertThat(written.columns()).isEqualTo(columns);
            }
            ModelSlot slot = new ModelSlot();
            assertThat(slot.load(() -> ArtifactModel.load(TestModels.artifact()))).isTrue();
            try (InferenceServer server =
                    new InferenceServer(
                                    OipMessages.config(64 * 1024, 100),
                                    slot,
                                    new ServeTask.Online(
                                            redis.url(), null, List.of(TestModels.VIEW)),
                                    TestModels.withToken(Map.of()))
                            .start()) {
                Http.Response r =
                        new Http(server.port()).post("/v2/models/churn/infer", byEntity(ids));
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                JsonNode json = r.json();
                assertThat(json.get("parameters").get("missing_count").asInt()).isZero();
                return floats(output(json, "probability").get("data"));
            }
        }
    }

    /** Each row with the four extra columns (indices 6..9) the model does not read. */
    private static List<SparseTables.Row> widened(List<SparseTables.Row> rows) {
        List<SparseTables.Row> out = new ArrayList<>();
        for (SparseTables.Row row : rows) {
            int n = row.indices().length;
            int[] idx = Arrays.copyOf(row.indices(), n + EXTRA);
            float[] val = Arrays.copyOf(row.values(), n + EXTRA);
            for (int k = 0; k < EXTRA; k++) {
                idx[n + k] = TestModels.FEATURES + k;
                val[n + k] = 1.5f + k;
            }
            out.add(new SparseTables.Row(row.entity(), idx, val));
        }
        return out;
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
