package io.mlcycle.online;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class RedisEndpointTest {

    @Test
    void describeNamesHostAndPortButNeverThePassword() {
        assertThat(RedisEndpoint.of("redis://:s3cret@redis.data/2", null).describe())
                .isEqualTo("redis://redis.data:6379");
        assertThat(RedisEndpoint.of("rediss://u:p@h:7000", null).describe())
                .isEqualTo("rediss://h:7000");
    }

    @Test
    void badUrlsAreRejectedWithoutEchoingCredentials() {
        assertThatThrownBy(() -> RedisEndpoint.of("redis://:s3cret@h/notadb", null).open())
                .hasMessageContaining("the path must be a database number")
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> RedisEndpoint.of("http://u:s3cret@h:1", null).open())
                .hasMessageContaining("redis:// or rediss://")
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> RedisEndpoint.of(" ", null).open())
                .hasMessageContaining("online.redis.url is empty");
    }

    @Test
    void featureViewNamesThatWouldBreakTheKeyLayoutAreRejected() {
        assertThat(OnlineKeys.checkView("item-events.v2_x")).isEqualTo("item-events.v2_x");
        assertThatThrownBy(() -> OnlineKeys.checkView("a:b")).hasMessageContaining("'a:b'");
        assertThatThrownBy(() -> OnlineKeys.checkView("a*")).hasMessageContaining("'a*'");
    }

    @Test
    void packedRowsKeepFloatBitsExactly() {
        int[] cols = {3, 7, 4000};
        float[] vals = {Float.MIN_VALUE, -0.0f, 1f / 3f};
        byte[] b = OnlineKeys.encode(cols, vals, 0, 3);
        assertThat(OnlineKeys.length(b, "k")).isEqualTo(3);
        for (int k = 0; k < 3; k++) {
            assertThat(OnlineKeys.index(b, k)).isEqualTo(cols[k]);
            assertThat(Float.floatToRawIntBits(OnlineKeys.value(b, k)))
                    .isEqualTo(Float.floatToRawIntBits(vals[k]));
        }
        assertThatThrownBy(() -> OnlineKeys.length(new byte[] {9, 0}, "mlcycle:fv:x:t:u1"))
                .isInstanceOf(OnlineStoreException.class)
                .hasMessageContaining("mlcycle:fv:x:t:u1 is not an mlcycle row");
    }
}
