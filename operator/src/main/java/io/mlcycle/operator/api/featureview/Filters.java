package io.mlcycle.operator.api.featureview;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.List;

/** A FeatureView's business filters ({@code spec.filters}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Filters {
    @JsonPropertyDescription(
            "One SQL boolean expression over source columns, e.g. channel <> 'test'.")
    public String where;

    @JsonPropertyDescription("Lists of entities to drop (test accounts, black-listed users).")
    public List<EntityList> excludeEntities;
}
