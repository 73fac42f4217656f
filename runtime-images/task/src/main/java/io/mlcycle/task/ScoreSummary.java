package io.mlcycle.task;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /**
     * Detail: the Iceberg table the scores were committed to ({@code table}: catalog and table as
     * the scorer names them, {@code snapshotId}, {@code asOf}); absent for the directory layout.
     */
    public static final String COMMITTED = "committed";

    private ScoreSummary() {}

    /** The scores' commit to an Iceberg table: where, which snapshot, which as-of tag. */
    public record Committed(String table, long snapshotId, String asOf) {

        /** As the {@link #COMMITTED} detail. */
        public Map<String, Object> detail() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("table", table);
            m.put("snapshotId", snapshotId);
            m.put("asOf", asOf);
            return m;
        }
    }

    /** The {@link #COMMITTED} detail of a summary, or null (the directory layout). */
    public static Committed committed(Summary s) {
        if (s.details() != null
                && s.details().get(COMMITTED) instanceof Map<?, ?> m
                && m.get("snapshotId") instanceof Number id) {
            return new Committed(
                    String.valueOf(m.get("table")), id.longValue(), String.valueOf(m.get("asOf")));
        }
        return null;
    }

    /**
     * A succeeded scoring's summary with the Iceberg snapshots it read as detail {@link
     * TrainSummary#SNAPSHOTS} (the trainer's shape: view, as-of, snapshot id), so a score version
     * names exactly the table versions it came from; unchanged when no input names a snapshot.
     */
    public static Summary withSnapshots(Summary s, List<FeatureInput> inputs) {
        List<Map<String, Object>> snapshots = TrainSummary.snapshots(inputs);
        if (snapshots == null || s.outcome() != Summary.Outcome.Succeeded) {
            return s;
        }
        Map<String, Object> details =
                new LinkedHashMap<>(s.details() == null ? Map.of() : s.details());
        details.put(TrainSummary.SNAPSHOTS, snapshots);
        return new Summary(s.outcome(), s.reason(), s.message(), s.uri(), s.figures(), details);
    }
}
