package io.mlcycle.task;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The keys of a trainer's {@link Summary}: figures and details it writes and the operator reads,
 * with typed readers for the details the operator copies into a ModelVersion.
 */
public final class TrainSummary {

    /** Figures: the evaluation metrics on the validation rows, copied into status. */
    public static final List<String> METRICS =
            List.of("auc", "precision", "recall", "f1", "logLoss", "accuracy", "threshold");

    /** Figure: the number of trials the search ran. */
    public static final String TRIALS = "trials";

    /** Figure: seconds the training took. */
    public static final String SECONDS = "seconds";

    /** Figure: rows trained on. */
    public static final String ROWS = "rows";

    /** Figure: features the model uses. */
    public static final String FEATURES = "features";

    /** Figure: the decision threshold. */
    public static final String THRESHOLD = "threshold";

    /** Detail: sha256 of the published artifact's files. */
    public static final String ARTIFACT_DIGEST = "artifactDigest";

    /**
     * Detail: the Iceberg snapshots the trainer read (the model's {@code lineage[].snapshotId}), a
     * list of maps with {@code featureView}, {@code asOf} and {@code snapshotId}; absent when no
     * input is an Iceberg table.
     */
    public static final String SNAPSHOTS = "snapshots";

    /** Detail: the algorithm of the kept model. */
    public static final String ALGORITHM = "algorithm";

    /** Detail: the metric that picked the best trial (auto). */
    public static final String SELECTION_METRIC = "selectionMetric";

    /** Detail: auto's table of learners tried (maps with algorithm, trials, seconds, status…). */
    public static final String CANDIDATES = "candidates";

    /**
     * Detail (auto): how the candidates were compared on the training rows, {@code innerKFold} or
     * {@code carve}; each candidate then carries {@code standardError}, and the chosen one {@code
     * reason}.
     */
    public static final String SELECTED_BY = "selectedBy";

    /** Key of a candidate: the standard error of its selection metric. */
    public static final String STANDARD_ERROR = "standardError";

    /** Key of the chosen candidate: why it won. */
    public static final String REASON = "reason";

    /**
     * Key of the ensemble candidate: its members, each a map with {@code algorithm} and {@code
     * weight}.
     */
    public static final String MEMBERS = "members";

    /** Detail: how the search ran (a map with {@link #BUDGET_EXHAUSTED}…). */
    public static final String SEARCH = "search";

    /** Key inside {@link #SEARCH}: true when the time budget stopped the search. */
    public static final String BUDGET_EXHAUSTED = "budgetExhausted";

    /** Detail: the most important features (maps with name and importance). */
    public static final String TOP_FEATURES = "topFeatures";

    /** Detail: the retrained top-K model's report. */
    public static final String SELECTED = "selected";

    private TrainSummary() {}

    /** The artifact digest, or null. */
    public static String artifactDigest(Summary s) {
        Object v = detail(s, ARTIFACT_DIGEST);
        return v == null ? null : v.toString();
    }

    /** The kept algorithm, or null. */
    public static String algorithm(Summary s) {
        Object v = detail(s, ALGORITHM);
        return v == null ? null : String.valueOf(v);
    }

    /** The metric candidates are compared on: the summary's, else auc. */
    public static String selectionMetric(Summary s) {
        Object v = detail(s, SELECTION_METRIC);
        return v == null ? "auc" : String.valueOf(v);
    }

    /** The candidates list, or null when the trainer tried one learner. */
    public static List<?> candidates(Summary s) {
        return detail(s, CANDIDATES) instanceof List<?> l ? l : null;
    }

    /** The top features list, or null. */
    public static List<?> topFeatures(Summary s) {
        return detail(s, TOP_FEATURES) instanceof List<?> l ? l : null;
    }

    /** Whether the search stopped at its time budget. */
    public static boolean budgetExhausted(Summary s) {
        return detail(s, SEARCH) instanceof Map<?, ?> search
                && Boolean.TRUE.equals(search.get(BUDGET_EXHAUSTED));
    }

    /** The {@link #SNAPSHOTS} detail of the inputs that name a snapshot; null when none does. */
    public static List<Map<String, Object>> snapshots(List<FeatureInput> lineage) {
        List<Map<String, Object>> out =
                lineage == null
                        ? List.of()
                        : lineage.stream()
                                .filter(in -> in.snapshotId() != null)
                                .map(
                                        in -> {
                                            Map<String, Object> m = new LinkedHashMap<>();
                                            m.put("featureView", in.featureView());
                                            m.put("asOf", in.asOf());
                                            m.put("snapshotId", in.snapshotId());
                                            return m;
                                        })
                                .toList();
        return out.isEmpty() ? null : out;
    }

    /**
     * The snapshot ids of the summary's {@link #SNAPSHOTS}, by {@link #snapshotKey}; empty when
     * none.
     */
    public static Map<String, Long> snapshotIds(Summary s) {
        Map<String, Long> ids = new LinkedHashMap<>();
        if (detail(s, SNAPSHOTS) instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m && m.get("snapshotId") instanceof Number id) {
                    ids.put(
                            snapshotKey(
                                    String.valueOf(m.get("featureView")),
                                    String.valueOf(m.get("asOf"))),
                            id.longValue());
                }
            }
        }
        return ids;
    }

    /** The key of one FeatureView version in {@link #snapshotIds}. */
    public static String snapshotKey(String featureView, String asOf) {
        return featureView + "@" + asOf;
    }

    private static Object detail(Summary s, String key) {
        return s.details() == null ? null : s.details().get(key);
    }
}
