package io.mlcycle.trainer;

import io.mlcycle.model.Algorithm;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class FirstFoldGateTest {

    private static final int ROWS = 2000;

    /** Probabilities of a noisy logit of ±{@code strength} where {@code informed}, else noise. */
    private static float[] member(int[] y, double strength, boolean evenRowsOnly, Random rnd) {
        float[] p = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            boolean informed = !evenRowsOnly || i % 2 == 0;
            double z =
                    informed
                            ? (y[i] == 1 ? strength : -strength) + rnd.nextGaussian()
                            : 0.2 * rnd.nextGaussian();
            p[i] = (float) (1 / (1 + Math.exp(-z)));
        }
        return p;
    }

    private static int[] labels(Random rnd) {
        int[] y = new int[ROWS];
        for (int i = 0; i < ROWS; i++) {
            y[i] = rnd.nextBoolean() ? 1 : 0;
        }
        return y;
    }

    private static FirstFoldGate.Decision decide(float[] earlier, float[] own, int[] y) {
        int[] rows = Splits.kfold(y, 5, 3).get(0).test();
        return FirstFoldGate.afterFirstFold(
                new float[][] {earlier}, own, y, rows, (s, l) -> Metrics.auc(s, l));
    }

    @Test
    void aNetworkBehindTheOthersThatAddsNothingToTheBlendStopsAfterItsFirstFold() {
        Random rnd = new Random(5);
        int[] y = labels(rnd);
        float[] strong = member(y, 1.5, false, rnd);
        float[] noise = member(y, 0, false, rnd);

        FirstFoldGate.Decision d = decide(strong, noise, y);

        assertThat(d.goOn()).isFalse();
        assertThat(d.reason()).contains("blend weight 0.00");
    }

    @Test
    void aNetworkBehindTheOthersThatTheBlendWeighsGoesOn() {
        Random rnd = new Random(6);
        int[] y = labels(rnd);
        // the earlier candidate knows every row a little; the network knows half the rows well
        float[] weakEverywhere = member(y, 1.0, false, rnd);
        float[] strongOnHalf = member(y, 1.2, true, rnd);

        FirstFoldGate.Decision d = decide(weakEverywhere, strongOnHalf, y);

        assertThat(d.goOn()).isTrue();
        assertThat(d.reason()).doesNotContain("blend weight 0.00");
    }

    @Test
    void aNetworkAheadOfTheOthersOnItsFirstFoldGoesOn() {
        Random rnd = new Random(7);
        int[] y = labels(rnd);
        float[] weak = member(y, 0.3, false, rnd);
        float[] strong = member(y, 1.5, false, rnd);

        assertThat(decide(weak, strong, y).goOn()).isTrue();
    }

    @Test
    void onlyNetworksAfterAnEarlierCandidateOnSeveralFoldsAreGated() {
        assertThat(FirstFoldGate.applies(Algorithm.RESNET, 2, 5)).isTrue();
        assertThat(FirstFoldGate.applies(Algorithm.MLP, 1, 5)).isTrue();
        assertThat(FirstFoldGate.applies(Algorithm.XGBOOST, 1, 5)).isFalse();
        assertThat(FirstFoldGate.applies(Algorithm.LOGISTIC, 0, 5)).isFalse();
        assertThat(FirstFoldGate.applies(Algorithm.RESNET, 0, 5)).isFalse();
        assertThat(FirstFoldGate.applies(Algorithm.RESNET, 2, 1)).isFalse();
    }
}
