package io.mlcycle.operator.api.trainingrun;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** A metric rule a model version must pass to be approved. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "has(self.min) || has(self.max) || has(self.minDeltaVsApproved)",
        message = "a gate needs min, max or minDeltaVsApproved")
public class Gate {

    @Required
    @JsonPropertyDescription("Metric: auc, precision, recall, f1, logLoss or accuracy.")
    public Metric metric;

    @JsonPropertyDescription("The metric must be at least this.")
    public Double min;

    @JsonPropertyDescription("The metric must be at most this (e.g. for logLoss).")
    public Double max;

    @JsonPropertyDescription(
            "The metric must be at least the currently approved version's plus this (0: not"
                    + " worse). Passes when no version is approved yet.")
    public Double minDeltaVsApproved;

    /** Metrics a gate can test. */
    public enum Metric {
        auc,
        precision,
        recall,
        f1,
        logLoss,
        accuracy
    }
}
