package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.analysis.PairedJudge;
import io.mlcycle.operator.analysis.SequentialVerdict;
import io.mlcycle.operator.api.ReplayResult;
import io.mlcycle.operator.api.ReplayResult.Decision;
import io.mlcycle.operator.api.ReplayResult.Phase;
import io.mlcycle.operator.api.modeldeployment.ReplaySpec;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * The offline replay gate's decisions, pure: whether a rollout of a new version needs a replay run,
 * what a finished run's paired counts say (the live paired judge, {@link PairedJudge}, at alpha
 * {@value #ALPHA} with margin 0: Worse once the new version is less accurate with confidence) and
 * whether the rollout is held. {@link ReplayJobs} acts on them.
 */
final class ReplayGate {

    /** The condition: True when the rollout of the new version may proceed. */
    static final String TYPE = "ReplayPassed";

    /** The level of the paired test. */
    static final double ALPHA = 0.05;

    /** How long a held TooFewSamples waits before it replays again (labels keep coming). */
    static final Duration RETRY = Duration.ofMinutes(10);

    private ReplayGate() {}

    /** The served version and the one a rollout would put live beside or instead of it. */
    record Pair(int champion, int challenger) {}

    /** What to do about a pair now. */
    enum Action {
        /** Nothing is gated (no replay spec, or no new version). */
        None,
        /** Start run {@code attempt} of the pair. */
        Start,
        /** The pair's run is still going. */
        Wait,
        /** The pair's run finished; its result stands. */
        Done
    }

    record Step(Action action, int attempt) {}

    /**
     * The step for {@code pair} (null: no new version) given the recorded replay: a first run, a
     * new run after a failed one once the spec changed (a new generation) or after a held
     * TooFewSamples once {@link #RETRY} passed, else wait for or keep the recorded one.
     */
    static Step next(
            ReplaySpec spec, Pair pair, ReplayResult recorded, long generation, Instant now) {
        if (spec == null || pair == null) {
            return new Step(Action.None, 0);
        }
        if (!of(recorded, pair)) {
            return new Step(Action.Start, 1);
        }
        int attempt = recorded.attempt == null ? 1 : recorded.attempt;
        if (recorded.phase == Phase.Running) {
            return new Step(Action.Wait, attempt);
        }
        boolean failedBefore =
                recorded.decision == Decision.Failed
                        && (recorded.generation == null || recorded.generation < generation);
        boolean tooFewLongAgo =
                recorded.decision == Decision.TooFewSamples
                        && spec.required
                        && recorded.finishTime != null
                        && !now.isBefore(Instant.parse(recorded.finishTime).plus(RETRY));
        if (failedBefore || tooFewLongAgo) {
            return new Step(Action.Start, attempt + 1);
        }
        return new Step(Action.Done, attempt);
    }

    /** Whether {@code recorded} is a replay of {@code pair}. */
    static boolean of(ReplayResult recorded, Pair pair) {
        return recorded != null
                && pair != null
                && Objects.equals(recorded.championVersion, pair.champion())
                && Objects.equals(recorded.challengerVersion, pair.challenger());
    }

    /**
     * Whether the rollout of {@code pair} is held: with {@code required}, until the pair's replay
     * finished and found the new version Better or NotWorse; without, never.
     */
    static boolean holds(ReplaySpec spec, ReplayResult recorded, Pair pair) {
        if (spec == null || pair == null || !spec.required) {
            return false;
        }
        if (!of(recorded, pair) || recorded.phase == Phase.Running) {
            return true;
        }
        return recorded.decision != Decision.Better && recorded.decision != Decision.NotWorse;
    }

    /**
     * Fills {@code r} (a finished run) from its paired counts: the samples, the judge's estimate,
     * interval and rule, the decision (TooFewSamples below {@code minSamples}) and whether it holds
     * the rollout, with a message saying so.
     */
    static void judge(ReplayResult r, PairedJudge.Pairs pairs, ReplaySpec spec) {
        SequentialVerdict v = new PairedJudge(ALPHA, 0).judge(pairs);
        r.phase = Phase.Succeeded;
        r.samples = pairs.total();
        r.bothRight = pairs.bothRight();
        r.championOnly = pairs.championOnly();
        r.challengerOnly = pairs.challengerOnly();
        r.bothWrong = pairs.bothWrong();
        r.estimate = round(v.estimate());
        r.lower = round(v.lower());
        r.upper = round(v.upper());
        r.rule = v.rule();
        if (pairs.total() < spec.minSamples) {
            r.decision = Decision.TooFewSamples;
        } else {
            r.decision =
                    switch (v.outcome()) {
                        case Accept -> Decision.Better;
                        case Reject -> Decision.Worse;
                        case Continue -> Decision.NotWorse;
                    };
        }
        r.held = spec.required && r.decision != Decision.Better && r.decision != Decision.NotWorse;
        r.message = message(r, spec);
    }

    /** Fills {@code r} for a run that failed: Failed, held when required, the cause named. */
    static void failed(ReplayResult r, String reason, String cause, ReplaySpec spec) {
        r.phase = Phase.Failed;
        r.decision = Decision.Failed;
        r.held = spec.required;
        r.message =
                "replay of version "
                        + r.challengerVersion
                        + " against version "
                        + r.championVersion
                        + " failed ("
                        + reason
                        + ": "
                        + cause
                        + "); "
                        + (spec.required
                                ? "version "
                                        + r.championVersion
                                        + " keeps serving; the next spec change replays again"
                                : "the rollout proceeds (rollout.replay.required is false)");
    }

    private static String message(ReplayResult r, ReplaySpec spec) {
        String pair =
                "version " + r.challengerVersion + " against version " + r.championVersion + ": ";
        String counts =
                String.format(
                        Locale.ROOT,
                        "%d labelled requests, accuracy difference %+.4f in [%.4f, %.4f]",
                        r.samples,
                        r.estimate,
                        r.lower,
                        r.upper);
        String outcome =
                switch (r.decision) {
                    case Better -> "better on replay";
                    case NotWorse -> "not worse on replay";
                    case Worse -> "worse on replay";
                    case TooFewSamples ->
                            "too few labelled requests ("
                                    + r.samples
                                    + " of minSamples "
                                    + spec.minSamples
                                    + ")";
                    case Failed -> "failed";
                };
        String then =
                Boolean.TRUE.equals(r.held)
                        ? "; the rollout is held, version " + r.championVersion + " keeps serving"
                        : r.decision == Decision.Better || r.decision == Decision.NotWorse
                                ? "; the rollout proceeds"
                                : "; the rollout proceeds (rollout.replay.required is false)";
        return pair + outcome + " (" + counts + ")" + then;
    }

    private static double round(double x) {
        return Math.round(x * 1e6) / 1e6;
    }
}
