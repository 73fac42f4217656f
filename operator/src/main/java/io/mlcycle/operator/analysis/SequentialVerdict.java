package io.mlcycle.operator.analysis;

/**
 * The answer of an always-valid sequential test after the samples so far: the estimate, its
 * confidence interval (valid at every look), the samples it rests on, the outcome and the rule that
 * gave it, in words for status and Events.
 */
public record SequentialVerdict(
        double estimate, double lower, double upper, long samples, Outcome outcome, String rule) {

    /** What the test says now. */
    public enum Outcome {
        /** The interval still straddles the boundary: look again with more samples. */
        Continue,
        /** The hypothesis the caller wants to act on holds with confidence (promote, keep). */
        Accept,
        /** Its opposite holds with confidence (reject the challenger, roll back, abort). */
        Reject
    }

    /** Whether the test has decided. */
    public boolean decided() {
        return outcome != Outcome.Continue;
    }

    /** Checks a test's level: alpha must lie in (0, 0.5). */
    static void checkAlpha(double alpha) {
        if (!(alpha > 0 && alpha < 0.5)) {
            throw new IllegalArgumentException("alpha must be in (0, 0.5), got " + alpha);
        }
    }
}
