package io.mlcycle.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;

/** What every mlcycle status carries: the generation it reflects and Kubernetes conditions. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public abstract class MlcycleStatus {

    @JsonPropertyDescription("The metadata.generation this status was computed from.")
    public Long observedGeneration;

    @JsonPropertyDescription(
            "Conditions in the Kubernetes shape: Ready, Progressing, Degraded and kind-specific"
                    + " ones.")
    public List<Condition> conditions = new ArrayList<>();
}
