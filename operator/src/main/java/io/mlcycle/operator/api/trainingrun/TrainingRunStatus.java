package io.mlcycle.operator.api.trainingrun;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.mlcycle.operator.api.MlcycleStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The current training, its inputs, and the last registered version at a glance. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrainingRunStatus extends MlcycleStatus {

    /** Short state for printer columns. */
    public enum Phase {
        Pending,
        WaitingForFeatures,
        Training,
        Succeeded,
        Failed
    }

    @JsonPropertyDescription("Pending, WaitingForFeatures, Training, Succeeded or Failed.")
    public Phase phase;

    @JsonPropertyDescription("The ModelVersion registered by the last successful training.")
    public String modelVersion;

    @JsonPropertyDescription("Its version number.")
    public Integer version;

    @JsonPropertyDescription("Its AUC on validation data.")
    public Double auc;

    @JsonPropertyDescription("Whether it passed its gates.")
    public Boolean approved;

    @JsonPropertyDescription("Its metrics.")
    public Map<String, Double> metrics;

    @JsonPropertyDescription("Its most important features by mean |SHAP|.")
    public List<FeatureImportance> topFeatures;

    @JsonPropertyDescription("The training running now.")
    public Attempt active;

    @JsonPropertyDescription("Recent trainings, newest first (bounded).")
    public List<Attempt> history = new ArrayList<>();

    @JsonPropertyDescription("Inputs of the last training started: feature view → as-of.")
    public Map<String, String> trainedInputs;

    @JsonPropertyDescription("Spec generation the last training was started for.")
    public Long trainedGeneration;

    @JsonPropertyDescription("Last time the retrain schedule fired (RFC 3339).")
    public String lastScheduleTime;

    @JsonPropertyDescription(
            "True when the schedule fired while a training was running or inputs were missing:"
                    + " train once they allow.")
    public Boolean pendingSchedule;

    /** A feature and its importance. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class FeatureImportance {
        @JsonPropertyDescription("Feature name.")
        public String name;

        @JsonPropertyDescription("Mean |SHAP| value.")
        public Double importance;

        public FeatureImportance() {}

        public FeatureImportance(String name, Double importance) {
            this.name = name;
            this.importance = importance;
        }
    }

    /** One training Job. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Attempt {
        @JsonPropertyDescription("Training Job name.")
        public String job;

        @JsonPropertyDescription(
                "While it runs: the pod's last progress report, e.g. resnet epoch 3/10, auc"
                        + " 0.8123.")
        public String progress;

        @JsonPropertyDescription("Version number this training registers.")
        public Integer version;

        @JsonPropertyDescription("Feature view → as-of used.")
        public Map<String, String> inputs;

        @JsonPropertyDescription(
                "Why it started: Created, SpecChanged, FeatureViewUpdated, Schedule.")
        public String trigger;

        @JsonPropertyDescription("Outcome reported by the pod.")
        public String outcome;

        @JsonPropertyDescription("CamelCase reason reported by the pod.")
        public String reason;

        @JsonPropertyDescription("Message reported by the pod.")
        public String message;

        @JsonPropertyDescription("When the Job was created (RFC 3339).")
        public String startedAt;

        @JsonPropertyDescription("When it finished (RFC 3339).")
        public String completedAt;
    }
}
