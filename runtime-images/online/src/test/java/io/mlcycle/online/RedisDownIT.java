package io.mlcycle.online;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Redis going away turns into an {@link OnlineStoreException} (→ 503), never a crash. */
@RealServersTier
class RedisDownIT {

    @Test
    void lookupsAfterRedisStopsFailWithUnavailable() throws Exception {
        OnlineCounters counters = new OnlineCounters();
        LocalRedis server = LocalRedis.start();
        RedisEndpoint endpoint = RedisEndpoint.of(server.url(), null);
        try (JedisPooled redis = endpoint.open()) {
            SparseMatrix m =
                    new SparseMatrix(
                            new String[] {"u1"},
                            new int[] {0, 1},
                            new int[] {0},
                            new float[] {3f},
                            1);
            FeatureCatalog cat =
                    new FeatureCatalog(
                            "user_id",
                            "2026-11-20",
                            List.of(new FeatureCatalog.Feature(0, "a", 1, 0, 3, 3)));
            new OnlineStoreWriter(redis, OnlineStoreWriter.Options.defaults(Duration.ofHours(1)))
                    .write("down", "2026-11-20", m, cat);
            OnlineStoreReader reader =
                    new OnlineStoreReader(
                            redis,
                            endpoint.describe(),
                            List.of("down"),
                            List.of("down/a"),
                            Duration.ofMinutes(5),
                            counters);
            assertThat(reader.lookup(List.of("u1")).rows().values()).containsExactly(3f);

            server.close();
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> reader.lookup(List.of("u1")))
                        .isInstanceOf(OnlineStoreException.class)
                        .hasMessageContaining("online store " + endpoint.describe())
                        .hasMessageContaining("unreachable")
                        .extracting(e -> ((OnlineStoreException) e).reason())
                        .isEqualTo("Unavailable");
            }
            assertThat(counters.failures("Unavailable")).isEqualTo(3);
        } finally {
            server.close();
        }
    }

    @Test
    void aWriteToAnUnreachableRedisFailsWithUnavailable() throws Exception {
        int port;
        try (LocalRedis gone = LocalRedis.start()) {
            port = gone.port();
        }
        RedisEndpoint endpoint = RedisEndpoint.of("redis://127.0.0.1:" + port, null);
        try (JedisPooled redis = endpoint.open()) {
            SparseMatrix m =
                    new SparseMatrix(
                            new String[] {"u1"}, new int[] {0, 0}, new int[0], new float[0], 1);
            FeatureCatalog cat =
                    new FeatureCatalog(
                            "user_id",
                            "2026-11-20",
                            List.of(new FeatureCatalog.Feature(0, "a", 1, 0, 3, 3)));
            assertThatThrownBy(
                            () ->
                                    new OnlineStoreWriter(
                                                    redis,
                                                    OnlineStoreWriter.Options.defaults(
                                                            Duration.ofHours(1)))
                                            .write("down", "2026-11-20", m, cat))
                    .isInstanceOf(OnlineStoreException.class)
                    .hasMessageContaining(
                            "online store unreachable while writing featureView 'down'")
                    .extracting(e -> ((OnlineStoreException) e).reason())
                    .isEqualTo("Unavailable");
        }
    }
}
