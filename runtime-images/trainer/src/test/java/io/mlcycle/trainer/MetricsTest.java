package io.mlcycle.trainer;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

@UnitTier
class MetricsTest {

    @Test
    void matchesHandComputedValuesWithTies() {
        float[] s = {0.9f, 0.8f, 0.8f, 0.4f, 0.3f, 0.1f};
        int[] y = {1, 1, 0, 1, 0, 0};
        // pairs (pos, neg): 9; pos 0.9 beats all 3; pos 0.8 ties one (0.5) and beats 2;
        // pos 0.4 beats 2 → (3 + 2.5 + 2) / 9
        assertThat(Metrics.auc(s, y)).isCloseTo(7.5 / 9, within(1e-12));
        Metrics m = Metrics.of(s, y, 0.5);
        // predicted positive: 0.9, 0.8, 0.8 → tp 2, fp 1; fn 1 (0.4), tn 2
        assertThat(m.truePositives()).isEqualTo(2);
        assertThat(m.falsePositives()).isEqualTo(1);
        assertThat(m.falseNegatives()).isEqualTo(1);
        assertThat(m.trueNegatives()).isEqualTo(2);
        assertThat(m.precision()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(m.recall()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(m.f1()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(m.accuracy()).isCloseTo(4.0 / 6, within(1e-12));
        double ll =
                -(Math.log(0.9)
                                + Math.log(0.8)
                                + Math.log(1 - 0.8)
                                + Math.log(0.4)
                                + Math.log(1 - 0.3)
                                + Math.log(1 - 0.1))
                        / 6;
        assertThat(m.logLoss()).isCloseTo(ll, within(1e-6));
        assertThat(m.get("logLoss")).isEqualTo(m.logLoss());
        assertThat(Metrics.higherIsBetter("logLoss")).isFalse();
    }

    @Test
    void aucIsOneHalfForConstantScoresAndOneForPerfectRanking() {
        assertThat(Metrics.auc(new float[] {0.5f, 0.5f, 0.5f}, new int[] {1, 0, 1})).isEqualTo(0.5);
        assertThat(Metrics.auc(new float[] {0.1f, 0.2f, 0.9f}, new int[] {0, 0, 1})).isEqualTo(1.0);
        assertThat(Metrics.auc(new float[] {0.1f, 0.2f}, new int[] {1, 1})).isNaN();
    }

    @Test
    void bestF1ThresholdPicksTheScoreThatMaximisesF1() {
        float[] s = {0.9f, 0.7f, 0.6f, 0.4f, 0.2f};
        int[] y = {1, 1, 0, 1, 0};
        // t=0.9: f1 = 2/4=.5; t=.7: 4/5=.8; t=.6: 4/6; t=.4: 6/7=.857; t=.2: 6/8
        assertThat(Metrics.bestF1Threshold(s, y)).isEqualTo(0.4f);
        assertThat(Metrics.of(s, y, 0.4f).f1()).isCloseTo(6.0 / 7, within(1e-12));
    }
}
