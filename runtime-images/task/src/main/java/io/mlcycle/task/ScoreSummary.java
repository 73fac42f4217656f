package io.mlcycle.task;

/** The keys of a batch scorer's {@link Summary}: figures it writes and the operator reads. */
public final class ScoreSummary {

    /** Figure: rows scored. */
    public static final String ROWS = "rows";

    /** Figure: rows at or above the threshold. */
    public static final String POSITIVES = "positives";

    /** Figure: the decision threshold used. */
    public static final String THRESHOLD = "threshold";

    /** Figure: features the model expects. */
    public static final String MODEL_FEATURES = "modelFeatures";

    /** Figure: model features found in the table. */
    public static final String MATCHED_FEATURES = "matchedFeatures";

    /** Figure: seconds in all. */
    public static final String SECONDS = "seconds";

    /** Figure: seconds reading the table. */
    public static final String READ_SECONDS = "readSeconds";

    /** Figure: seconds scoring. */
    public static final String SCORE_SECONDS = "scoreSeconds";

    private ScoreSummary() {}
}
