package io.mlcycle.operator.api.modeldeployment;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.ArrayList;
import java.util.List;

/** How well the current feature tables fit the version checked before serving. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FeatureCoverageStatus {

    @JsonPropertyDescription("The version checked.")
    public Integer version;

    @JsonPropertyDescription(
            "Share of its recorded SHAP mass whose features the current tables hold (absent:"
                    + " unknown, see message).")
    public Double coverage;

    @JsonPropertyDescription("spec.minFeatureCoverage it was held to.")
    public Double threshold;

    @JsonPropertyDescription(
            "Whether it may serve: coverage at or above the threshold, or unknown.")
    public Boolean fits;

    @JsonPropertyDescription("The missing features with the largest SHAP shares, largest first.")
    public List<MissingFeature> missing = new ArrayList<>();

    @JsonPropertyDescription("How many of its recorded features are missing in all.")
    public Integer missingCount;

    @JsonPropertyDescription("The FeatureViews (current table as-of) it was checked against.")
    public List<String> tables = new ArrayList<>();

    @JsonPropertyDescription("The verdict in words.")
    public String message;

    /** A feature the version was trained on that the current tables lack. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class MissingFeature {
        @JsonPropertyDescription("Column name.")
        public String name;

        @JsonPropertyDescription("Its share of the version's SHAP mass.")
        public Double share;

        public MissingFeature() {}

        public MissingFeature(String name, Double share) {
            this.name = name;
            this.share = share;
        }
    }
}
