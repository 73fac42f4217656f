package io.mlcycle.operator.api.modeldeployment;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
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

    @StatusReplicas
    @JsonPropertyDescription(
            "Serving pods wanted: spec.replicas, or with autoscaling the stable Deployment's"
                    + " replicas as the autoscaler set them (the scale subresource's replicas).")
    public Integer replicas;

    @LabelSelector
    @JsonPropertyDescription(
            "Label selector of the serving pods (the scale subresource's selector, for"
                    + " autoscalers that target the ModelDeployment).")
    public String selector;

    @JsonPropertyDescription(
            "The autoscaler the operator made for spec.autoscaling (HorizontalPodAutoscaler/<name>"
                    + " or ScaledObject/<name>), or external.")
    public String autoscaler;

    @JsonPropertyDescription(
            "Serving pods ready of wanted, e.g. 2/3, as kubectl shows Deployments.")
    public String ready;

    @JsonPropertyDescription("In-cluster URL of the inference API.")
    public String url;

    @JsonPropertyDescription("The latest analysis of the online metrics.")
    public Analysis analysis;

    @JsonPropertyDescription("Rollbacks, newest first (bounded).")
    public List<RollbackRecord> rollbacks = new ArrayList<>();

    @JsonPropertyDescription(
            "The latest canary (spec.rollout.canary): its phase, step, traffic share and"
                    + " analysis; kept after it succeeded or aborted until the next one.")
    public Canary canary;

    @JsonPropertyDescription(
            "The shadow challenger (spec.rollout.shadow): its version, the labelled samples and"
                    + " both online metrics, and the verdict.")
    public Shadow shadow;

    @JsonPropertyDescription("Batch scoring.")
    public BatchStatus batch;

    @JsonPropertyDescription("The last offline replay gate (spec.rollout.replay).")
    public io.mlcycle.operator.api.ReplayResult replay;

    @JsonPropertyDescription(
            "Feature compatibility of the version last checked before serving: the share of its"
                    + " SHAP mass the current tables hold and the missing features.")
    public FeatureCoverageStatus featureCoverage;

    /** Where a shadow challenger is. */
    public enum ShadowPhase {
        Running,
        Promoted
    }

    /** A challenger judged on mirrored traffic against the champion. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Shadow {
        @JsonPropertyDescription(
                "Mode sequential: the lower end of the confidence interval of challenger minus"
                        + " champion accuracy on the same requests, valid at every judgement.")
        public Double lower;

        @JsonPropertyDescription("Mode sequential: the upper end of that interval.")
        public Double upper;

        @JsonPropertyDescription("Mode sequential: the decision rule, in words.")
        public String rule;

        @JsonPropertyDescription(
                "Running (mirrored and judged each rollback interval; a challenger that is not"
                        + " better stays Running) or Promoted (it is the champion now).")
        public ShadowPhase phase;

        @JsonPropertyDescription("Challenger version.")
        public Integer version;

        @JsonPropertyDescription("Challenger ModelVersion.")
        public String modelVersion;

        @JsonPropertyDescription("Champion version it is compared with.")
        public Integer championVersion;

        @JsonPropertyDescription("Percent of the requests mirrored.")
        public Integer percent;

        @JsonPropertyDescription("Metric compared (accuracy, precision, recall, f1).")
        public String metric;

        @JsonPropertyDescription("Labelled mirrored predictions of the champion.")
        public Long championSamples;

        @JsonPropertyDescription("Labelled mirrored predictions of the challenger.")
        public Long challengerSamples;

        @JsonPropertyDescription("Labels still missing before a verdict (on the smaller side).")
        public Long missingSamples;

        @JsonPropertyDescription("Champion's metric on the mirrored requests.")
        public Double championValue;

        @JsonPropertyDescription("Challenger's metric on the same requests.")
        public Double challengerValue;

        @JsonPropertyDescription(
                "Better (promoted), NotBetter (stays a challenger), TooFewSamples, NoData or"
                        + " (mode sequential) Undecided.")
        public String verdict;

        @JsonPropertyDescription("When the challenger started (RFC 3339).")
        public String startTime;

        @JsonPropertyDescription("When it was last judged (RFC 3339).")
        public String lastRun;

        @JsonPropertyDescription("What happened last, for people.")
        public String message;
    }

    @JsonPropertyDescription("The Secret key the serving pods take the feedback token from.")
    public FeedbackStatus feedback;

    /** Where the feedback token is (never the token itself). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class FeedbackStatus {
        @JsonPropertyDescription(
                "Secret holding the token (kubectl get secret <name> -o jsonpath).")
        public String tokenSecret;

        @JsonPropertyDescription("Key of the token in that Secret.")
        public String tokenKey;

        @JsonPropertyDescription("false when spec.feedback.authentication turned it off.")
        public Boolean authentication;
    }

    @JsonPropertyDescription(
            "The latest retraining started on drift (spec.retrain.onDrift); the last skew seen.")
    public RetrainStatus retrain;

    /** Drift measured and retraining started. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class RetrainStatus {
        @JsonPropertyDescription("Served version the skew was last measured for.")
        public Integer version;

        @JsonPropertyDescription("Its latest skew (largest feature PSI) and when.")
        public Double skew;

        public String measuredAt;

        @JsonPropertyDescription("The most drifted features, or why there is no value.")
        public String message;

        @JsonPropertyDescription("TrainingRun started on drift for this version (once).")
        public String trainingRun;

        @JsonPropertyDescription("When it was started (RFC 3339).")
        public String startedAt;
    }

    @JsonPropertyDescription(
            "Online features of the served version's FeatureViews: the as-of served online"
                    + " against the latest table (spec.online).")
    public List<OnlineFeatures> onlineFeatures;

    /** Where a canary is. */
    public enum CanaryPhase {
        Progressing,
        Promoting,
        Succeeded,
        Aborted
    }

    /** A canary rollout of a new version beside the stable one. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Canary {
        @JsonPropertyDescription(
                "Progressing (steps running), Promoting (the stable Deployment rolls to the"
                        + " canary's version), Succeeded or Aborted.")
        public CanaryPhase phase;

        @JsonPropertyDescription("Version on the canary.")
        public Integer version;

        @JsonPropertyDescription("ModelVersion on the canary.")
        public String modelVersion;

        @JsonPropertyDescription("Version the stable Deployment served when the canary started.")
        public Integer stableVersion;

        @JsonPropertyDescription("Current step, 1-based.")
        public Integer step;

        @JsonPropertyDescription("Steps before promotion.")
        public Integer steps;

        @JsonPropertyDescription(
                "Traffic percent the step sets (100 once promoted, 0 once aborted); the pods"
                        + " give canaryReplicas / (canaryReplicas + stableReplicas).")
        public Integer weight;

        @JsonPropertyDescription("Canary pods wanted.")
        public Integer canaryReplicas;

        @JsonPropertyDescription("Canary pods ready.")
        public Integer readyReplicas;

        @JsonPropertyDescription("Stable pods wanted during the canary.")
        public Integer stableReplicas;

        @JsonPropertyDescription("When the canary started (RFC 3339).")
        public String startTime;

        @JsonPropertyDescription("When the current step started (RFC 3339).")
        public String stepStartTime;

        @JsonPropertyDescription("The latest analysis of the canary's version.")
        public Analysis analysis;

        @JsonPropertyDescription("What happened last, for people.")
        public String message;
    }

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

        @JsonPropertyDescription(
                "Passed, Failed or Inconclusive; Pending when the version just began serving (its"
                        + " first round is one interval later, after Prometheus scraped its ready"
                        + " pods); a canary in mode sequential also Undecided (the test has not"
                        + " decided yet: the step is analysed again).")
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

        @JsonPropertyDescription("The stable version's value (canary compareToStable).")
        public Double stableValue;

        @JsonPropertyDescription("Passed, Failed or Inconclusive.")
        public String verdict;

        public String message;

        @JsonPropertyDescription("Samples counted by the metric's minSamples.query.")
        public Long samples;

        @JsonPropertyDescription(
                "Samples still missing before the metric is judged (minSamples.count - samples).")
        public Long missingSamples;

        @JsonPropertyDescription(
                "Mode sequential: the lower end of the confidence interval, valid at every"
                        + " analysis, of the metric (rollback) or of canary minus stable (canary).")
        public Double lower;

        @JsonPropertyDescription("Mode sequential: the upper end of the interval.")
        public Double upper;

        @JsonPropertyDescription(
                "Mode sequential: the estimate the interval is around: the metric's proportion"
                        + " (rollback) or canary minus stable (canary, value - stableValue).")
        public Double estimate;

        @JsonPropertyDescription(
                "Canary mode sequential: samples of the stable version, counted by the metric's"
                        + " minSamples.query.")
        public Long stableSamples;

        @JsonPropertyDescription(
                "Mode sequential: Continue, Accept (rollback: at or above min; canary: not worse"
                        + " than stable by more than tolerance; with confidence) or Reject"
                        + " (rollback: below min; canary: worse by more than tolerance).")
        public String decision;

        @JsonPropertyDescription("Mode sequential: the decision rule, in words.")
        public String rule;
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

        @JsonPropertyDescription(
                "The Iceberg table the last good scores were committed to (output.format"
                        + " iceberg).")
        public String lastTable;

        @JsonPropertyDescription("The snapshot of the last good scores in lastTable.")
        public Long lastSnapshotId;
    }
}
