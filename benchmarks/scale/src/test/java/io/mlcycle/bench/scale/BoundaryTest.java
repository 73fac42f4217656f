package io.mlcycle.bench.scale;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bisection on a run that needs 1 000 MB. */
class BoundaryTest {

    @Test
    void bracketsTheSmallestFittingLimitWithinTheStep() throws Exception {
        List<Long> probed = new ArrayList<>();
        Boundary.Found f =
                Boundary.search(
                        256,
                        2048,
                        64,
                        limit -> {
                            probed.add(limit);
                            return limit >= 1000;
                        });

        assertThat(f.lastFailingMb()).isLessThan(1000);
        assertThat(f.firstFittingMb()).isGreaterThanOrEqualTo(1000);
        assertThat(f.firstFittingMb() - f.lastFailingMb()).isLessThanOrEqualTo(64);
        assertThat(probed).startsWith(256L, 2048L).hasSize(f.tried().size());
        assertThat(f.tried()).first().isEqualTo("256 MB fails");
    }

    @Test
    void saysSoWhenTheLowLimitAlreadyFitsOrTheHighOneFails() throws Exception {
        assertThat(Boundary.search(256, 2048, 64, limit -> true))
                .isEqualTo(new Boundary.Found(0, 256, List.of("256 MB completes")));
        assertThat(Boundary.search(256, 2048, 64, limit -> false).firstFittingMb())
                .isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void refusesAnEmptyBracket() {
        assertThatThrownBy(() -> Boundary.search(2048, 256, 64, limit -> true))
                .hasMessageContaining("lo < hi");
    }
}
