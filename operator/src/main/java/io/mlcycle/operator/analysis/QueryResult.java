package io.mlcycle.operator.analysis;

/** What one PromQL query gave: a number, or a reason why there is none. */
public sealed interface QueryResult {

    /**
     * A single finite-or-infinite number (never NaN); {@code detail} says what is behind it for
     * people (a built-in metric's most drifted features), or null.
     */
    record Value(double value, String detail) implements QueryResult {
        public Value(double value) {
            this(value, null);
        }
    }

    /** No usable number: empty result, NaN, an error from Prometheus, or no answer at all. */
    record Inconclusive(String reason) implements QueryResult {}

    /** The reason of a query that matched no series. */
    String NO_DATA = "query returned no data";

    /** True for a query that matched no series (Prometheus answered, nothing to count). */
    static boolean isNoData(QueryResult r) {
        return r instanceof Inconclusive i && NO_DATA.equals(i.reason());
    }

    static QueryResult value(double v) {
        return Double.isNaN(v) ? new Inconclusive("query returned NaN") : new Value(v);
    }

    static QueryResult inconclusive(String reason) {
        return new Inconclusive(reason);
    }
}
