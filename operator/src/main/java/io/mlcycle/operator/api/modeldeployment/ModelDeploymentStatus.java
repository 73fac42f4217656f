package io.mlcycle.operator.api.modeldeployment;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.mlcycle.operator.api.MlcycleStatus;

import java.util.ArrayList;
import java.util.List;

/** Served version, readiness, the last analysis and rollbacks, batch scoring. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelDeploymentStatus extends MlcycleStatus {

    /** Short state for printer columns. */
    public enum Phase {
        Pending,
        Progressing,
        Available,
        Degraded,
        RolledBack,
        Failed
    }

    @JsonPropertyDescription("Pending, Progressing, Available, Degraded, RolledBack or Failed.")
    public Phase phase;

    @JsonPropertyDescription("Version served now.")
    public Integer currentVersion;

    @JsonPropertyDescription("Version served before the last change.")
    public Integer previousVersion;

    @JsonPropertyDescription("ModelVersion served now.")
    public String modelVersion;

    @JsonPropertyDescription("Serving pods ready.")
    public Integer readyReplicas;

    @JsonPropertyDescription("Serving pods wanted.")
    public Integer replicas;

    @JsonPropertyDescription("In-cluster URL of the inference API.")
    public String url;

    @JsonPropertyDescription("The latest analysis of the online metrics.")
    public Analysis analysis;

    @JsonPropertyDescription("Rollbacks, newest first (bounded).")
    public List<RollbackRecord> rollbacks = new ArrayList<>();

    @JsonPropertyDescription("Batch scoring.")
    public BatchStatus batch;

    @JsonPropertyDescription(
            "Online features of the served version's FeatureViews: the as-of served online"
                    + " against the latest table (spec.online).")
    public List<OnlineFeatures> onlineFeatures;

    /** One FeatureView's online state as the serving pods see it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class OnlineFeatures {
        @JsonPropertyDescription("FeatureView name.")
        public String featureView;

        @JsonPropertyDescription("As-of served from the online store (none: not written).")
        public String asOf;

        @JsonPropertyDescription("As-of of the FeatureView's latest table.")
        public String latestAsOf;

        @JsonPropertyDescription("True when the online rows are older than the latest table.")
        public Boolean stale;
    }

    /** One analysis round. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Analysis {
        @JsonPropertyDescription("When it ran (RFC 3339).")
        public String lastRun;

        @JsonPropertyDescription("Version it analysed.")
        public Integer version;

        @JsonPropertyDescription("Failed analyses in a row.")
        public Integer consecutiveFailures = 0;

        @JsonPropertyDescription("Passed, Failed or Inconclusive.")
        public String verdict;

        @JsonPropertyDescription("Each metric's value.")
        public List<MetricResult> metrics = new ArrayList<>();
    }

    /** One metric's value. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class MetricResult {
        public String name;
        public Double value;
        public Double min;
        public Double max;

        @JsonPropertyDescription("Passed, Failed or Inconclusive.")
        public String verdict;

        public String message;
    }

    /** A rollback. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class RollbackRecord {
        public Integer fromVersion;
        public Integer toVersion;
        public String metric;
        public Double value;
        public String at;
        public String message;
    }

    /** Batch scoring state. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class BatchStatus {
        public String lastScheduleTime;
        public String activeJob;
        public String lastAsOf;
        public String lastOutcome;
        public String lastUri;
        public Long lastRows;
        public String lastMessage;
    }
}
