package io.mlcycle.task;

/** The keys of a replay's {@link Summary}: figures it writes and the operator reads. */
public final class ReplaySummary {

    /** Figure: scored rows read from the request log. */
    public static final String LOGGED = "logged";

    /** Figure: labelled rows (a scored row with feedback) replayed. */
    public static final String SAMPLES = "samples";

    /** Figure: labelled rows both versions classified right. */
    public static final String BOTH_RIGHT = "bothRight";

    /** Figure: labelled rows only the champion (the served version) classified right. */
    public static final String CHAMPION_ONLY = "championOnly";

    /** Figure: labelled rows only the challenger (the new version) classified right. */
    public static final String CHALLENGER_ONLY = "challengerOnly";

    /** Figure: labelled rows both versions classified wrong. */
    public static final String BOTH_WRONG = "bothWrong";

    /** Figure: the champion's accuracy on the labelled rows. */
    public static final String CHAMPION_ACCURACY = "championAccuracy";

    /** Figure: the challenger's accuracy on the labelled rows. */
    public static final String CHALLENGER_ACCURACY = "challengerAccuracy";

    /** Figure: request log files read. */
    public static final String FILES = "files";

    /** Figure: seconds in all. */
    public static final String SECONDS = "seconds";

    /** The per-row results a replay publishes: id, actual, both scores. */
    public static final String ROWS_FILE = "replay.jsonl.gz";

    private ReplaySummary() {}
}
