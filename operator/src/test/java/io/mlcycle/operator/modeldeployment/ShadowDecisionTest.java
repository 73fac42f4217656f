package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.analysis.PairedJudge;
import io.mlcycle.operator.analysis.PrometheusClient;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec.ShadowMetric;
import io.mlcycle.operator.modeldeployment.ShadowDecision.Counts;
import io.mlcycle.operator.modeldeployment.ShadowDecision.Verdict;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class ShadowDecisionTest {

    /** {@code right} of {@code n} labels right, half of the predictions positive. */
    private static Counts accuracy(long n, long right) {
        long wrong = n - right;
        return new Counts(right / 2, wrong / 2, right - right / 2, wrong - wrong / 2);
    }

    private static ShadowDecision.Result byAccuracy(
            Counts champion, Counts challenger, double margin) {
        return ShadowDecision.judge(champion, challenger, ShadowMetric.accuracy, margin, 100);
    }

    @Test
    void aChallengerBetterByMoreThanTheMarginWithEnoughLabelsOnBothSidesIsPromoted() {
        var r = byAccuracy(accuracy(200, 140), accuracy(120, 96), 0.05);
        assertThat(r.verdict()).isEqualTo(Verdict.Better);
        assertThat(r.championValue()).isEqualTo(0.7);
        assertThat(r.challengerValue()).isEqualTo(0.8);
        assertThat(r.missingSamples()).isZero();
        assertThat(r.message()).contains("accuracy 0.8000 vs champion 0.7000", "120/200");
    }

    @Test
    void aBetterChallengerBelowMinSamplesOnEitherSideGetsNoVerdictAndSaysHowManyLabelsAreMissing() {
        var fewChallenger = byAccuracy(accuracy(500, 300), accuracy(60, 60), 0.0);
        assertThat(fewChallenger.verdict()).isEqualTo(Verdict.TooFewSamples);
        assertThat(fewChallenger.missingSamples()).isEqualTo(40);
        assertThat(fewChallenger.message()).startsWith("40 labels missing");
        var fewChampion = byAccuracy(accuracy(99, 50), accuracy(500, 500), 0.0);
        assertThat(fewChampion.verdict()).isEqualTo(Verdict.TooFewSamples);
        assertThat(fewChampion.missingSamples()).isEqualTo(1);
    }

    @Test
    void aWorseEqualOrBarelyBetterChallengerIsNeverPromoted() {
        assertThat(byAccuracy(accuracy(200, 160), accuracy(200, 100), 0.0).verdict())
                .isEqualTo(Verdict.NotBetter);
        assertThat(byAccuracy(accuracy(200, 160), accuracy(200, 160), 0.0).verdict())
                .isEqualTo(Verdict.NotBetter);
        // 0.81 vs 0.80 does not clear a margin of 0.02
        assertThat(byAccuracy(accuracy(200, 160), accuracy(200, 162), 0.02).verdict())
                .isEqualTo(Verdict.NotBetter);
    }

    @Test
    void eachMetricIsComputedFromTheFeedbackCountsAndAnUndefinedOneGivesNoVerdict() {
        Counts c = new Counts(30, 10, 50, 10); // tp fp tn fn
        assertThat(c.value(ShadowMetric.accuracy)).isEqualTo(0.8);
        assertThat(c.value(ShadowMetric.precision)).isEqualTo(0.75);
        assertThat(c.value(ShadowMetric.recall)).isEqualTo(0.75);
        assertThat(c.value(ShadowMetric.f1)).isEqualTo(0.75);
        Counts noPositives = new Counts(0, 0, 150, 50);
        var r = ShadowDecision.judge(c, noPositives, ShadowMetric.precision, 0.0, 100);
        assertThat(r.verdict()).isEqualTo(Verdict.NoData);
        assertThat(r.challengerValue()).isNull();
        assertThat(r.message()).contains("precision is undefined", "undefined vs champion 0.7500");
    }

    @Test
    void countsAreReadFromTheFeedbackSeriesByPredictedAndActualClass() {
        Counts c =
                Counts.of(
                        List.of(
                                new PrometheusClient.Series(
                                        Map.of("predicted", "1", "actual", "1"), 3),
                                new PrometheusClient.Series(
                                        Map.of("predicted", "1", "actual", "0"), 4),
                                new PrometheusClient.Series(
                                        Map.of("predicted", "0", "actual", "0"), 5),
                                new PrometheusClient.Series(
                                        Map.of("predicted", "0", "actual", "1"), 6)));
        assertThat(c).isEqualTo(new Counts(3, 4, 5, 6));
        assertThat(Counts.of(List.of()).total()).isZero();
    }

    @Test
    void pairedAChallengerRightWhereTheChampionIsWrongFarMoreOftenThanTheReverseIsPromoted() {
        var p =
                ShadowDecision.judgePaired(
                        new PairedJudge.Pairs(700, 20, 80, 200), 0.05, 0.01, 100);
        assertThat(p.result().verdict()).isEqualTo(Verdict.Better);
        assertThat(p.result().championValue()).isEqualTo(0.72);
        assertThat(p.result().challengerValue()).isEqualTo(0.78);
        assertThat(p.sequential().lower()).isGreaterThan(0);
        assertThat(p.result().message()).contains("with confidence 0.95", "on 1000 paired labels");
    }

    @Test
    void pairedTheSameAccuracyDifferenceOnFewPairsIsUndecidedNotPromoted() {
        // 0.06 ahead on 100 pairs: a threshold rule with margin 0.01 promotes this
        var p = ShadowDecision.judgePaired(new PairedJudge.Pairs(70, 2, 8, 20), 0.05, 0.01, 100);
        assertThat(p.result().verdict()).isEqualTo(Verdict.Undecided);
        var threshold = byAccuracy(new Counts(72, 28, 0, 0), new Counts(78, 22, 0, 0), 0.01);
        assertThat(threshold.verdict()).isEqualTo(Verdict.Better);
    }

    @Test
    void pairedAnEqualChallengerOnManyPairsCannotBeatTheMarginAndIsNotBetter() {
        var p =
                ShadowDecision.judgePaired(
                        new PairedJudge.Pairs(14000, 2000, 2000, 2000), 0.05, 0.02, 100);
        assertThat(p.result().verdict()).isEqualTo(Verdict.NotBetter);
        assertThat(p.sequential().upper()).isLessThan(0.02);
    }

    @Test
    void pairedBelowMinSamplesSaysHowManyLabelsAreMissing() {
        var p = ShadowDecision.judgePaired(new PairedJudge.Pairs(30, 0, 10, 0), 0.05, 0.01, 100);
        assertThat(p.result().verdict()).isEqualTo(Verdict.TooFewSamples);
        assertThat(p.result().missingSamples()).isEqualTo(60);
    }
}
