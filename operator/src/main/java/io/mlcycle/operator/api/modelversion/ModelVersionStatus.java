package io.mlcycle.operator.api.modelversion;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.mlcycle.operator.api.MlcycleStatus;

import java.util.ArrayList;
import java.util.List;

/** The approval verdict with each gate's result. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelVersionStatus extends MlcycleStatus {

    /** Short state for printer columns. */
    public enum Phase {
        Training,
        Failed,
        Pending,
        Approved,
        Rejected,
        RolledBack
    }

    @JsonPropertyDescription(
            "Training (number reserved), Failed (training failed), Pending, Approved, Rejected or"
                    + " RolledBack.")
    public Phase phase;

    @JsonPropertyDescription("True when approved (by the gates or a person) and not rolled back.")
    public Boolean approved;

    @JsonPropertyDescription("Each gate's verdict.")
    public List<GateResult> gates = new ArrayList<>();

    @JsonPropertyDescription("The approved version relative gates were compared with.")
    public Integer comparedWithVersion;

    @JsonPropertyDescription("Why this version was rolled back, if it was.")
    public String rolledBackReason;

    @JsonPropertyDescription(
            "The last offline replay of this version against a served one (spec.rollout.replay).")
    public io.mlcycle.operator.api.ReplayResult replay;

    /** One gate's verdict. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class GateResult {
        @JsonPropertyDescription("The metric tested.")
        public String metric;

        @JsonPropertyDescription("min, max or minDeltaVsApproved.")
        public String rule;

        @JsonPropertyDescription("This version's value of the metric.")
        public Double value;

        @JsonPropertyDescription(
                "The bound it was held to (for deltas: the approved value + delta).")
        public Double threshold;

        @JsonPropertyDescription("Whether the rule passed.")
        public Boolean passed;

        @JsonPropertyDescription("The verdict in words.")
        public String message;
    }
}
