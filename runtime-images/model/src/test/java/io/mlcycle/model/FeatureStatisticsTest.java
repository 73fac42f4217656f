package io.mlcycle.model;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

@UnitTier
class FeatureStatisticsTest {

    /** 1000 rows: feature a = 1..1000 in every row, feature b = 5 in every other row. */
    private static SparseMatrix table() {
        int rows = 1000;
        String[] entities = new String[rows];
        int[] rowPtr = new int[rows + 1];
        int[] cols = new int[rows + rows / 2];
        float[] values = new float[cols.length];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            entities[r] = "e" + r;
            cols[k] = 0;
            values[k++] = r + 1;
            if (r % 2 == 0) {
                cols[k] = 1;
                values[k++] = 5;
            }
            rowPtr[r + 1] = k;
        }
        return new SparseMatrix(entities, rowPtr, cols, values, 2);
    }

    @Test
    void presenceAndDecileBinsOfEachFeatureSumToTheTrainingShares() {
        FeatureStatistics s = FeatureStatistics.of(table(), List.of("a", "b"));

        assertThat(s.rows()).isEqualTo(1000);
        FeatureStatistics.Feature a = s.features().get(0);
        assertThat(a.presence()).isEqualTo(1.0);
        assertThat(a.edges()).hasSize(9).startsWith(101.0, 201.0);
        assertThat(a.fractions()).containsOnly(0.1).hasSize(10);
        assertThat(a.bin(0.5)).isZero();
        assertThat(a.bin(101)).isEqualTo(1);
        assertThat(a.bin(1e9)).isEqualTo(9);

        FeatureStatistics.Feature b = s.features().get(1);
        assertThat(b.presence()).isEqualTo(0.5);
        assertThat(b.edges()).isEmpty();
        assertThat(b.fractions()).containsExactly(1.0);
        assertThat(b.expected()).containsExactly(0.5, 0.5);
        assertThat(java.util.Arrays.stream(a.expected()).sum()).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void statisticsRoundTripThroughTheModelDirectory(@TempDir Path dir) throws Exception {
        FeatureStatistics s = FeatureStatistics.of(table(), List.of("a", "b"));
        assertThat(FeatureStatistics.read(dir)).isEmpty();

        s.write(dir);
        FeatureStatistics back = FeatureStatistics.read(dir).orElseThrow();

        assertThat(back.rows()).isEqualTo(1000);
        assertThat(back.features().get(0).edges()).containsExactly(s.features().get(0).edges());
        assertThat(back.features().get(1).presence()).isEqualTo(0.5);
    }
}
