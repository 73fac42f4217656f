package io.mlcycle.operator.analysis;

import io.mlcycle.operator.analysis.PairedJudge.Pairs;
import io.mlcycle.operator.analysis.SequentialVerdict.Outcome;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class PairedJudgeTest {

    private static final double ALPHA = 0.05;

    /** Labels one model pair until the judge decides or {@code horizon}; the final verdict. */
    private static SequentialVerdict run(
            PairedJudge judge,
            SplittableRandom random,
            double championOnly,
            double challengerOnly,
            int horizon) {
        long both = 0, champion = 0, challenger = 0, none = 0;
        SequentialVerdict verdict = null;
        for (int n = 1; n <= horizon; n++) {
            double u = random.nextDouble();
            if (u < championOnly) {
                champion++;
            } else if (u < championOnly + challengerOnly) {
                challenger++;
            } else if (u < 0.85) {
                both++;
            } else {
                none++;
            }
            verdict = judge.judge(new Pairs(both, champion, challenger, none));
            if (verdict.decided()) {
                return verdict;
            }
        }
        return verdict;
    }

    @Test
    void anEqualChallengerIsPromotedAtMostAlphaOfTheTimeWhenJudgedAfterEveryLabel() {
        PairedJudge judge = new PairedJudge(ALPHA, 0);
        SplittableRandom random = new SplittableRandom(7);
        int runs = 400;
        int promoted = 0;
        for (int i = 0; i < runs; i++) {
            promoted += run(judge, random, 0.1, 0.1, 1500).outcome() == Outcome.Accept ? 1 : 0;
        }
        assertThat((double) promoted / runs).isLessThanOrEqualTo(ALPHA);
    }

    @Test
    void aChallengerBetterByFivePointsIsPromotedWithTheDifferenceInItsInterval() {
        PairedJudge judge = new PairedJudge(ALPHA, 0.01);
        SequentialVerdict verdict = run(judge, new SplittableRandom(1), 0.06, 0.11, 20_000);

        assertThat(verdict.outcome()).isEqualTo(Outcome.Accept);
        assertThat(verdict.lower()).isGreaterThan(0).isLessThan(0.05);
        assertThat(verdict.upper()).isGreaterThan(0.05);
        assertThat(verdict.rule()).contains("alpha 0.05").contains("margin 0.01");
    }

    @Test
    void aWorseChallengerIsRejected() {
        PairedJudge judge = new PairedJudge(ALPHA, 0);
        SequentialVerdict verdict = run(judge, new SplittableRandom(2), 0.11, 0.06, 20_000);

        assertThat(verdict.outcome()).isEqualTo(Outcome.Reject);
        assertThat(verdict.upper()).isLessThan(0);
        assertThat(verdict.estimate()).isNegative();
    }

    @Test
    void anEqualChallengerIsRejectedForFutilityWhenItCannotBeBetterByTheMargin() {
        PairedJudge judge = new PairedJudge(ALPHA, 0.03);
        SequentialVerdict verdict = run(judge, new SplittableRandom(3), 0.1, 0.1, 20_000);

        assertThat(verdict.outcome()).isEqualTo(Outcome.Reject);
        assertThat(verdict.upper()).isLessThan(0.03).isGreaterThan(0);
    }

    @Test
    void noPairsYetKeepsGoingWithTheWholeRange() {
        SequentialVerdict verdict = new PairedJudge(ALPHA, 0.01).judge(new Pairs(0, 0, 0, 0));

        assertThat(verdict.outcome()).isEqualTo(Outcome.Continue);
        assertThat(verdict.lower()).isEqualTo(-1);
        assertThat(verdict.upper()).isEqualTo(1);
        assertThat(verdict.samples()).isZero();
    }

    @Test
    void alphaOrMarginOutOfRangeIsRefusedNamingTheField() {
        assertThatThrownBy(() -> new PairedJudge(0.5, 0.01)).hasMessageContaining("alpha");
        assertThatThrownBy(() -> new PairedJudge(0, 0.01)).hasMessageContaining("alpha");
        assertThatThrownBy(() -> new PairedJudge(0.05, 1)).hasMessageContaining("margin");
    }
}
