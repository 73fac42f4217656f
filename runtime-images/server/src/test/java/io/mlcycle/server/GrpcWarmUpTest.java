package io.mlcycle.server;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The gRPC warm-up: its calls go over loopback through the real transport and codec. */
@UnitTier
class GrpcWarmUpTest {

    @Test
    void everyWarmUpCallIsDecodedAndAnsweredOverLoopback() {
        List<String> names = List.of("v/a", "v/b", "v/c", "v/d", "v/e", "v/f", "v/g", "v/h");
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            index.put(names.get(i), i);
        }
        assertThat(GrpcWarmUp.run(index, names, 300, TimeUnit.SECONDS.toNanos(60))).isEqualTo(300);
    }

    @Test
    void aCallTheServerRefusesEndsTheWarmUpWithoutFailingIt() {
        // the second request (typed contents of the first name) names a feature the index lacks
        List<String> names = List.of("x", "b");
        assertThat(GrpcWarmUp.run(Map.of("a", 0, "b", 1), names, 10, 10_000_000_000L)).isEqualTo(1);
    }
}
