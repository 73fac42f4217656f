package io.mlcycle.operator.analysis;

import io.mlcycle.operator.analysis.SequentialVerdict.Outcome;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class TwoSampleJudgeTest {

    private static final double ALPHA = 0.05;

    /** Every step one stable and one canary sample (of 10 %); the first decided verdict. */
    private static SequentialVerdict watch(
            TwoSampleJudge judge,
            SplittableRandom random,
            double canary,
            double stable,
            int horizon) {
        long ck = 0, cn = 0, sk = 0, sn = 0;
        SequentialVerdict verdict = null;
        for (int i = 1; i <= horizon; i++) {
            sk += random.nextDouble() < stable ? 1 : 0;
            sn++;
            if (i % 10 == 0) {
                ck += random.nextDouble() < canary ? 1 : 0;
                cn++;
            }
            verdict = judge.judge(ck, cn, sk, sn);
            if (verdict.decided()) {
                return verdict;
            }
        }
        return verdict;
    }

    @Test
    void anEqualCanaryIsAbortedAtMostAlphaOfTheTimeWhenJudgedAfterEverySample() {
        TwoSampleJudge judge = new TwoSampleJudge(ALPHA, 0);
        SplittableRandom random = new SplittableRandom(5);
        int runs = 200;
        int aborted = 0;
        for (int i = 0; i < runs; i++) {
            aborted += watch(judge, random, 0.9, 0.9, 2000).outcome() == Outcome.Reject ? 1 : 0;
        }
        assertThat((double) aborted / runs).isLessThanOrEqualTo(ALPHA);
    }

    @Test
    void aMuchWorseCanaryIsAbortedWithTheGapInItsInterval() {
        SequentialVerdict verdict =
                watch(new TwoSampleJudge(ALPHA, 0.02), new SplittableRandom(6), 0.6, 0.9, 20_000);

        assertThat(verdict.outcome()).isEqualTo(Outcome.Reject);
        assertThat(verdict.upper()).isLessThan(-0.02);
        assertThat(verdict.lower()).isLessThan(-0.3);
    }

    @Test
    void anEqualCanaryIsAcceptedWithinTheTolerance() {
        SequentialVerdict verdict =
                watch(new TwoSampleJudge(ALPHA, 0.1), new SplittableRandom(8), 0.9, 0.9, 50_000);

        assertThat(verdict.outcome()).isEqualTo(Outcome.Accept);
        assertThat(verdict.lower()).isGreaterThanOrEqualTo(-0.1);
    }
}
