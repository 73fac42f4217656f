package io.mlcycle.operator.api.modelversion;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.ArrayList;
import java.util.List;

/** The features a version was trained on, with their SHAP shares, and the views they came from. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FeatureSchema {

    @JsonPropertyDescription(
            "The features the trainer ranked (its top features by mean |SHAP|), each with its"
                    + " share of their SHAP mass; a deployment checks these against the tables it"
                    + " scores on before serving this version.")
    public List<Feature> features = new ArrayList<>();

    @JsonPropertyDescription("The FeatureViews the features came from, as trained.")
    public List<View> views = new ArrayList<>();

    /** One feature and its share of the SHAP mass. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Feature {
        @JsonPropertyDescription("Column name in the feature table.")
        public String name;

        @JsonPropertyDescription("Share of the recorded features' SHAP mass (0..1).")
        public Double share;

        public Feature() {}

        public Feature(String name, Double share) {
            this.name = name;
            this.share = share;
        }
    }

    /** One FeatureView as the version was trained on it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class View {
        @JsonPropertyDescription("FeatureView name.")
        public String name;

        @JsonPropertyDescription("The view's metadata.generation (its spec) when training ended.")
        public Long generation;

        @JsonPropertyDescription("As-of date (ISO) of the table trained on.")
        public String asOf;

        public View() {}

        public View(String name, Long generation, String asOf) {
            this.name = name;
            this.generation = generation;
            this.asOf = asOf;
        }
    }
}
