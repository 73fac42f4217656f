package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.analysis.PairedJudge;
import io.mlcycle.operator.analysis.SequentialVerdict;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.ReplayResult;
import io.mlcycle.operator.api.ReplayResult.Decision;
import io.mlcycle.operator.api.ReplayResult.Phase;
import io.mlcycle.operator.api.modeldeployment.ReplaySpec;
import io.mlcycle.operator.modeldeployment.ReplayGate.Action;
import io.mlcycle.operator.modeldeployment.ReplayGate.Pair;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The replay gate's decisions: when a run starts, waits, stands or runs again, what a run's paired
 * counts decide (the live paired judge's verdict, TooFewSamples below minSamples) and when the
 * rollout is held.
 */
@UnitTier
class ReplayGateTest {

    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    private static final Pair V3_V4 = new Pair(3, 4);

    private static ReplaySpec spec(boolean required) {
        ReplaySpec s = Defaults.apply(new ReplaySpec());
        s.required = required;
        return s;
    }

    private static ReplayResult finished(PairedJudge.Pairs pairs, ReplaySpec spec) {
        ReplayResult r = new ReplayResult();
        r.championVersion = 3;
        r.challengerVersion = 4;
        r.attempt = 1;
        r.generation = 2L;
        r.finishTime = NOW.toString();
        ReplayGate.judge(r, pairs, spec);
        return r;
    }

    /**
     * 1000 labelled requests: the challenger alone right on {@code won}, alone wrong on {@code
     * lost}.
     */
    private static PairedJudge.Pairs pairs(long won, long lost) {
        return new PairedJudge.Pairs(700, lost, won, 300 - won - lost);
    }

    @Test
    void theDefaultsAreDeclaredOnceInTheCrdAnnotations() {
        ReplaySpec s = Defaults.apply(new ReplaySpec());
        assertThat(s.minSamples).isEqualTo(100L);
        assertThat(s.required).isTrue();
        assertThat(s.activeDeadline).isEqualTo("30m");
    }

    @Test
    void aWorseChallengerIsHeldWithTheLivePairedJudgesNumbers() {
        PairedJudge.Pairs p = pairs(20, 90);
        ReplayResult r = finished(p, spec(true));

        SequentialVerdict live = new PairedJudge(ReplayGate.ALPHA, 0).judge(p);
        assertThat(r.decision).isEqualTo(Decision.Worse);
        assertThat(r.samples).isEqualTo(1000L);
        assertThat(r.estimate).isEqualTo(-0.07);
        assertThat(r.lower).isCloseTo(live.lower(), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(r.upper).isCloseTo(live.upper(), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(r.upper).isNegative();
        assertThat(r.rule).isEqualTo(live.rule());
        assertThat(r.held).isTrue();
        assertThat(ReplayGate.holds(spec(true), r, V3_V4)).isTrue();
        assertThat(r.message).contains("version 4 against version 3", "worse on replay", "held");
    }

    @Test
    void aBetterOrUndecidedChallengerProceeds() {
        ReplayResult better = finished(pairs(90, 20), spec(true));
        ReplayResult undecided = finished(pairs(30, 28), spec(true));

        assertThat(better.decision).isEqualTo(Decision.Better);
        assertThat(undecided.decision).isEqualTo(Decision.NotWorse);
        assertThat(ReplayGate.holds(spec(true), better, V3_V4)).isFalse();
        assertThat(ReplayGate.holds(spec(true), undecided, V3_V4)).isFalse();
        assertThat(undecided.message).contains("not worse on replay", "the rollout proceeds");
    }

    @Test
    void fewerLabelledRequestsThanMinSamplesHoldWhenRequiredElseProceedAndSaySo() {
        PairedJudge.Pairs few = new PairedJudge.Pairs(40, 5, 1, 4);
        ReplayResult required = finished(few, spec(true));
        ReplayResult advisory = finished(few, spec(false));

        assertThat(required.decision).isEqualTo(Decision.TooFewSamples);
        assertThat(required.held).isTrue();
        assertThat(required.message).contains("50 of minSamples 100", "held");
        assertThat(advisory.decision).isEqualTo(Decision.TooFewSamples);
        assertThat(advisory.held).isFalse();
        assertThat(ReplayGate.holds(spec(false), advisory, V3_V4)).isFalse();
        assertThat(advisory.message).contains("proceeds (rollout.replay.required is false)");
    }

    @Test
    void aWorseChallengerProceedsWhenTheReplayIsNotRequired() {
        ReplayResult r = finished(pairs(20, 90), spec(false));
        assertThat(r.decision).isEqualTo(Decision.Worse);
        assertThat(ReplayGate.holds(spec(false), r, V3_V4)).isFalse();
    }

    @Test
    void aRunStartsForANewPairAndTheRolloutWaitsForIt() {
        assertThat(ReplayGate.next(spec(true), V3_V4, null, 2, NOW).action())
                .isEqualTo(Action.Start);
        ReplayResult other = finished(pairs(90, 20), spec(true));
        other.challengerVersion = 5;
        assertThat(ReplayGate.next(spec(true), V3_V4, other, 2, NOW))
                .isEqualTo(new ReplayGate.Step(Action.Start, 1));
        assertThat(ReplayGate.holds(spec(true), other, V3_V4))
                .as("another pair's pass does not open this one")
                .isTrue();

        ReplayResult running = new ReplayResult();
        running.championVersion = 3;
        running.challengerVersion = 4;
        running.phase = Phase.Running;
        running.attempt = 1;
        assertThat(ReplayGate.next(spec(true), V3_V4, running, 2, NOW).action())
                .isEqualTo(Action.Wait);
        assertThat(ReplayGate.holds(spec(true), running, V3_V4)).isTrue();
        assertThat(ReplayGate.holds(spec(false), running, V3_V4)).isFalse();
    }

    @Test
    void nothingIsGatedWithoutASpecOrANewVersion() {
        assertThat(ReplayGate.next(null, V3_V4, null, 2, NOW).action()).isEqualTo(Action.None);
        assertThat(ReplayGate.next(spec(true), null, null, 2, NOW).action()).isEqualTo(Action.None);
        assertThat(ReplayGate.holds(spec(true), null, null)).isFalse();
    }

    @Test
    void aFinishedRunStandsAFailedOneRunsAgainAfterASpecChangeATooSmallOneAfterTheRetry() {
        ReplayResult worse = finished(pairs(20, 90), spec(true));
        assertThat(ReplayGate.next(spec(true), V3_V4, worse, 9, NOW.plusSeconds(3600)))
                .isEqualTo(new ReplayGate.Step(Action.Done, 1));

        ReplayResult failed = finished(pairs(20, 90), spec(true));
        ReplayGate.failed(failed, "ImagePullBackOff", "no image", spec(true));
        assertThat(failed.held).isTrue();
        assertThat(failed.message).contains("failed (ImagePullBackOff: no image)", "keeps serving");
        assertThat(ReplayGate.holds(spec(true), failed, V3_V4)).isTrue();
        assertThat(ReplayGate.next(spec(true), V3_V4, failed, 2, NOW).action())
                .isEqualTo(Action.Done);
        assertThat(ReplayGate.next(spec(true), V3_V4, failed, 3, NOW))
                .isEqualTo(new ReplayGate.Step(Action.Start, 2));

        ReplayResult few = finished(new PairedJudge.Pairs(40, 5, 1, 4), spec(true));
        assertThat(
                        ReplayGate.next(
                                        spec(true),
                                        V3_V4,
                                        few,
                                        2,
                                        NOW.plus(ReplayGate.RETRY).minusSeconds(1))
                                .action())
                .isEqualTo(Action.Done);
        assertThat(ReplayGate.next(spec(true), V3_V4, few, 2, NOW.plus(ReplayGate.RETRY)))
                .isEqualTo(new ReplayGate.Step(Action.Start, 2));
    }
}
