package io.mlcycle.operator.api.featureview;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import java.util.List;

/**
 * {@code spec.pivot.select}: materialize online only the columns the named models use, once each
 * has an approved version.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "!has(self.applyTo) || self.applyTo == 'online'",
        message =
                "pivot.select.applyTo: both (narrowing the stored table too) is not built; the"
                        + " stored table stays whole so training can explore: use online")
public class ModelSelection {

    @Required
    @Size(min = 1)
    @JsonPropertyDescription(
            "Registered model names (ModelVersion spec.model, this namespace): the online copy"
                    + " holds the features of each one's latest approved, not rolled-back"
                    + " version. A model that does not exist or has no approved version leaves the"
                    + " view writing every column, with condition SelectionNarrowed False naming"
                    + " it.")
    public List<String> fromModels;

    @Min(1)
    @Default("50")
    @JsonPropertyDescription(
            "Per model, its this many largest features by mean |SHAP| (over every view it was"
                    + " trained on), those of this view written: beyond the few the version's"
                    + " featureSchema records, the pivot reads the version's full ranking"
                    + " (importance.json beside its artifact).")
    public Integer topK = 50;

    @Min(0)
    @Default("0")
    @JsonPropertyDescription(
            "Also write this many more columns, the view's most supported first (its own"
                    + " ranking), so a retraining can explore beyond what the models use.")
    public Integer margin = 0;

    @Default("online")
    @JsonPropertyDescription(
            "What is narrowed: online (the Redis copy). both (the stored table too) is refused:"
                    + " not built.")
    public ApplyTo applyTo = ApplyTo.online;

    /** What a selection narrows. */
    public enum ApplyTo {
        online,
        both
    }
}
