package io.mlcycle.operator.api.modelversion;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.mlcycle.operator.api.trainingrun.Gate;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus.FeatureImportance;

import java.util.List;
import java.util.Map;

/**
 * Written by the operator: created when a training starts (the version number is reserved then,
 * {@code training.state: Training}), completed with metrics and the artifact digest when it
 * succeeds; a person may set {@code approval} to override the gates.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelVersionSpec {

    @Required
    @JsonPropertyDescription("Registered model name.")
    public String model;

    @Required
    @Min(1)
    @JsonPropertyDescription("Version number, increasing per model.")
    public Integer version;

    @Required
    @JsonPropertyDescription("URI of the trained artifact (model.json, parameters, metrics).")
    public String artifactUri;

    @JsonPropertyDescription(
            "SHA-256 of the published artifact's files (sha256:<hex>); the server refuses to"
                    + " serve a directory that does not match it.")
    public String artifactDigest;

    @JsonPropertyDescription(
            "The training behind this version. Absent on versions registered before versions"
                    + " were reserved: those count as Succeeded.")
    public Training training;

    @JsonPropertyDescription(
            "The model's algorithm: logistic, xgboost, resnet, mlp or ensemble (what auto chose,"
                    + " when the TrainingRun asked for auto).")
    public String algorithm;

    @JsonPropertyDescription(
            "algorithm auto: every learner it tried, with its selection metric on the training"
                    + " rows (mean over inner folds, or on a carved fifth) and its standard error,"
                    + " and which it chose and why.")
    public List<Candidate> candidates;

    @JsonPropertyDescription("True when search.budget stopped the search before every trial ran.")
    public Boolean searchBudgetExhausted;

    @JsonPropertyDescription("Validation metrics: auc, precision, recall, f1, logLoss, accuracy…")
    public Map<String, Double> metrics;

    @JsonPropertyDescription("Most important features by mean |SHAP|.")
    public List<FeatureImportance> topFeatures;

    @JsonPropertyDescription("The gates this version is judged by (copied from the TrainingRun).")
    public List<Gate> gates;

    @JsonPropertyDescription("Where this version came from.")
    public Lineage lineage;

    @JsonPropertyDescription(
            "The feature schema it was trained on: features with their SHAP shares, the views"
                    + " and their spec generations.")
    public FeatureSchema featureSchema;

    @JsonPropertyDescription(
            "Set by a person to override the gates: Approved or Rejected. Empty: the gates"
                    + " decide.")
    public Approval approval;

    @JsonPropertyDescription("Why a person overrode the gates.")
    public String approvalReason;

    /** Whether this version's training has finished; a reserved number is Training. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Training {
        @JsonPropertyDescription(
                "Training (the number is reserved, the artifact not written yet), Succeeded or"
                        + " Failed (the number stays used; nothing was published).")
        public State state;

        @JsonPropertyDescription("Why the training failed.")
        public String reason;

        @JsonPropertyDescription("The failure in words.")
        public String message;

        public Training() {}

        public Training(State state, String reason, String message) {
            this.state = state;
            this.reason = reason;
            this.message = message;
        }
    }

    /** Where a version's training stands. */
    public enum State {
        Training,
        Succeeded,
        Failed
    }

    /** True unless the training behind this version is still running or failed. */
    @JsonIgnore
    public boolean trained() {
        return training == null || training.state == null || training.state == State.Succeeded;
    }

    /** One learner auto tried. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Candidate {
        @JsonPropertyDescription("logistic, xgboost, resnet or ensemble.")
        public String algorithm;

        @JsonPropertyDescription(
                "The ensemble only: its members and their weights (non-negative, summing to one).")
        public List<Member> members;

        @JsonPropertyDescription(
                "Its best selection metric (auc by default) on the training rows: the mean over"
                        + " the inner folds, or on a carved fifth.")
        public Double metric;

        @JsonPropertyDescription("The standard error of that metric.")
        public Double standardError;

        @JsonPropertyDescription("Trials it ran.")
        public Integer trials;

        @JsonPropertyDescription("Seconds its trials took.")
        public Double seconds;

        @JsonPropertyDescription("Succeeded, Failed or SkippedByBudget.")
        public String status;

        @JsonPropertyDescription("Whether this learner became the model.")
        public Boolean chosen;

        @JsonPropertyDescription("Why it failed.")
        public String message;

        @JsonPropertyDescription(
                "The chosen one only: why it won (the one-standard-error rule prefers the simpler"
                        + " of logistic, xgboost and resnet).")
        public String reason;
    }

    /** One member of the ensemble candidate. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Member {
        @JsonPropertyDescription("logistic, xgboost or resnet.")
        public String algorithm;

        @JsonPropertyDescription("Its weight in the mean of the members' probabilities.")
        public Double weight;
    }

    /** A person's verdict. */
    public enum Approval {
        Approved,
        Rejected
    }

    /** Provenance of a version. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Lineage {
        @JsonPropertyDescription("The TrainingRun that trained it.")
        public String trainingRun;

        @JsonPropertyDescription("Feature tables it was trained on.")
        public List<FeatureSource> featureViews;

        @JsonPropertyDescription("Label table URI.")
        public String labelsUri;

        @JsonPropertyDescription("Trainer image.")
        public String image;

        @JsonPropertyDescription("Training Job.")
        public String job;

        @JsonPropertyDescription("When training finished (RFC 3339).")
        public String trainedAt;
    }

    /** One FeatureView version. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class FeatureSource {
        @JsonPropertyDescription("FeatureView name.")
        public String name;

        @JsonPropertyDescription("As-of date of the table (ISO).")
        public String asOf;

        @JsonPropertyDescription("URI of the table version.")
        public String uri;

        @JsonPropertyDescription(
                "The Iceberg snapshot the trainer read (a view with store.format iceberg: the"
                        + " snapshot tagged asOf-<date> when it trained); absent for Parquet.")
        public Long snapshotId;

        public FeatureSource() {}

        public FeatureSource(String name, String asOf, String uri) {
            this.name = name;
            this.asOf = asOf;
            this.uri = uri;
        }
    }
}
