package io.mlcycle.trainer;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class SplitsTest {

    static int[] labels(int n, int positives) {
        int[] y = new int[n];
        for (int i = 0; i < positives; i++) {
            y[(i * 7) % n] = 1;
        }
        return y;
    }

    static long positives(int[] y, int[] rows) {
        return Arrays.stream(rows).filter(r -> y[r] == 1).count();
    }

    @Test
    void holdoutIsStratifiedDisjointCompleteAndSeeded() {
        int[] y = labels(1000, 100);
        Splits.Split s = Splits.holdout(y, 0.2, 42);
        assertThat(s.test()).hasSize(200);
        assertThat(positives(y, s.test())).isEqualTo(20);
        assertThat(positives(y, s.train())).isEqualTo(80);
        Set<Integer> all = new HashSet<>();
        Arrays.stream(s.train()).forEach(all::add);
        Arrays.stream(s.test()).forEach(all::add);
        assertThat(all).hasSize(1000);
        Splits.Split again = Splits.holdout(y, 0.2, 42);
        assertThat(again.test()).containsExactly(s.test());
        assertThat(Splits.holdout(y, 0.2, 43).test()).isNotEqualTo(s.test());
    }

    @Test
    void kfoldTestPartsPartitionTheRowsWithBalancedClasses() {
        int[] y = labels(103, 31);
        List<Splits.Split> folds = Splits.kfold(y, 5, 7);
        assertThat(folds).hasSize(5);
        int[] seen = new int[y.length];
        for (Splits.Split f : folds) {
            for (int r : f.test()) {
                seen[r]++;
            }
            assertThat(f.train().length + f.test().length).isEqualTo(y.length);
            assertThat(positives(y, f.test())).isBetween(6L, 7L);
            assertThat(f.test().length).isBetween(20, 21);
            assertThat(
                            IntStream.of(f.train())
                                    .noneMatch(r -> Arrays.binarySearch(f.test(), r) >= 0))
                    .isTrue();
        }
        assertThat(seen).containsOnly(1);
        assertThat(Splits.kfold(y, 5, 7).get(2).test()).containsExactly(folds.get(2).test());
    }
}
