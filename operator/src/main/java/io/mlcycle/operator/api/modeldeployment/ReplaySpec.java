package io.mlcycle.operator.api.modeldeployment;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** The offline replay gate of {@code spec.rollout.replay}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ReplaySpec {

    @Min(1)
    @Default("100")
    @JsonPropertyDescription(
            "Labelled logged requests (scored rows of spec.requestLog with feedback) the replay"
                    + " needs; with fewer the gate says TooFewSamples and holds the rollout when"
                    + " required, or lets it proceed and says so.")
    public Long minSamples;

    @Default("true")
    @JsonPropertyDescription(
            "Hold the rollout (version change, canary or shadow) while the replay runs, fails,"
                    + " has too few samples or finds the new version worse; false: record the"
                    + " replay and proceed.")
    public Boolean required;

    @Pattern("^[0-9]+(s|m|h)$")
    @Default("30m")
    @JsonPropertyDescription("The replay Job is stopped (and counts as failed) after this long.")
    public String activeDeadline;
}
