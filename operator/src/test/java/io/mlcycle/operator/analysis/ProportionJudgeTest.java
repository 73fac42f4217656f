package io.mlcycle.operator.analysis;

import io.mlcycle.operator.analysis.SequentialVerdict.Outcome;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class ProportionJudgeTest {

    private static final double ALPHA = 0.05;

    private static Outcome watch(
            ProportionJudge judge, SplittableRandom random, double p, int horizon) {
        long k = 0;
        for (int n = 1; n <= horizon; n++) {
            k += random.nextDouble() < p ? 1 : 0;
            SequentialVerdict verdict = judge.judge(k, n);
            if (verdict.outcome() == Outcome.Reject) {
                return Outcome.Reject;
            }
        }
        return Outcome.Continue;
    }

    @Test
    void aProportionAtMinIsRejectedAtMostAlphaOfTheTimeWhenJudgedAfterEverySample() {
        ProportionJudge judge = new ProportionJudge(ALPHA, 0.8);
        SplittableRandom random = new SplittableRandom(11);
        int runs = 500;
        int rejected = 0;
        for (int i = 0; i < runs; i++) {
            rejected += watch(judge, random, 0.8, 1500) == Outcome.Reject ? 1 : 0;
        }
        assertThat((double) rejected / runs).isLessThanOrEqualTo(ALPHA);
    }

    @Test
    void aProportionWellBelowMinIsRejectedAndOneWellAboveIsAccepted() {
        ProportionJudge judge = new ProportionJudge(ALPHA, 0.8);

        SequentialVerdict below = judge.judge(700, 1000);
        SequentialVerdict above = judge.judge(900, 1000);

        assertThat(below.outcome()).isEqualTo(Outcome.Reject);
        assertThat(below.upper()).isLessThan(0.8);
        assertThat(below.estimate()).isEqualTo(0.7);
        assertThat(above.outcome()).isEqualTo(Outcome.Accept);
        assertThat(above.lower()).isGreaterThanOrEqualTo(0.8);
    }

    @Test
    void aHandfulOfBadSamplesIsNoReasonToRollBack() {
        SequentialVerdict verdict = new ProportionJudge(ALPHA, 0.8).judge(0, 3);

        assertThat(verdict.outcome()).isEqualTo(Outcome.Continue);
    }

    @Test
    void minOutsideAProportionIsRefusedNamingTheField() {
        assertThatThrownBy(() -> new ProportionJudge(ALPHA, 1.5)).hasMessageContaining("min");
        assertThatThrownBy(() -> new ProportionJudge(0.7, 0.5)).hasMessageContaining("alpha");
    }
}
