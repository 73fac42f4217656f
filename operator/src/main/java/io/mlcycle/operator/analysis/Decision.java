package io.mlcycle.operator.analysis;

/** What an analysis round asks the reconciler to do. */
public sealed interface Decision {

    /** Every metric within its bounds. */
    record Healthy() implements Decision {}

    /** A metric is out of bounds, but fewer than failureThreshold rounds in a row. */
    record Failing(int consecutiveFailures, String metric, Double value, String message)
            implements Decision {}

    /**
     * A sequential test has not decided yet on usable data: judge again with more samples; never a
     * failure.
     */
    record Undecided(String reason) implements Decision {}

    /** failureThreshold rounds in a row failed: go back to the previous good version. */
    record Rollback(int consecutiveFailures, String metric, Double value, String message)
            implements Decision {}

    /**
     * No usable data this round; {@code consecutiveFailures} only grows when inconclusive counts as
     * failure. {@code tooFewSamples}: every usable metric lacked samples (minSamples), which never
     * counts as failure.
     */
    record Inconclusive(int consecutiveFailures, String reason, boolean tooFewSamples)
            implements Decision {

        public Inconclusive(int consecutiveFailures, String reason) {
            this(consecutiveFailures, reason, false);
        }
    }
}
