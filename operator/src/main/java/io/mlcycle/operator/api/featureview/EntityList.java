package io.mlcycle.operator.api.featureview;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A file listing entities ({@code spec.filters.excludeEntities[]}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EntityList {
    @Required
    @Pattern(FeatureViewSpec.URI_PATTERN)
    @JsonPropertyDescription("Parquet or CSV file (or directory) URI: file:// or s3://.")
    public String uri;

    @Required
    @JsonPropertyDescription("Column holding the entity ids.")
    public String column;

    @JsonPropertyDescription("parquet or csv (default: from the file name).")
    public FeatureViewSpec.Format format;
}
