package io.mlcycle.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * An offline replay of a deployment's labelled request log by a new version (challenger) and the
 * served one (champion), and the paired verdict on it; in the ModelDeployment's and the challenger
 * ModelVersion's status.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ReplayResult {

    /** Where a replay is. */
    public enum Phase {
        Running,
        Succeeded,
        Failed
    }

    /** What the replay says of the challenger. */
    public enum Decision {
        Better,
        NotWorse,
        Worse,
        TooFewSamples,
        Failed
    }

    @JsonPropertyDescription("The ModelDeployment whose request log was replayed.")
    public String deployment;

    @JsonPropertyDescription("The served version (champion).")
    public Integer championVersion;

    @JsonPropertyDescription("The new version (challenger).")
    public Integer challengerVersion;

    @JsonPropertyDescription("Running, Succeeded or Failed.")
    public Phase phase;

    @JsonPropertyDescription(
            "Better, NotWorse (no evidence either way), Worse, TooFewSamples or Failed.")
    public Decision decision;

    @JsonPropertyDescription("Whether the rollout of the challenger is held by this replay.")
    public Boolean held;

    @JsonPropertyDescription("The replay Job.")
    public String job;

    @JsonPropertyDescription("Runs of this pair so far (a failed or too-small one runs again).")
    public Integer attempt;

    @JsonPropertyDescription("The ModelDeployment generation the run started at.")
    public Long generation;

    @JsonPropertyDescription("Labelled requests replayed.")
    public Long samples;

    @JsonPropertyDescription("Labelled requests both versions classified right.")
    public Long bothRight;

    @JsonPropertyDescription("Labelled requests only the champion classified right.")
    public Long championOnly;

    @JsonPropertyDescription("Labelled requests only the challenger classified right.")
    public Long challengerOnly;

    @JsonPropertyDescription("Labelled requests both classified wrong.")
    public Long bothWrong;

    @JsonPropertyDescription("Accuracy difference, challenger minus champion.")
    public Double estimate;

    @JsonPropertyDescription("Lower end of its confidence interval (level 1 - alpha).")
    public Double lower;

    @JsonPropertyDescription("Upper end of that interval.")
    public Double upper;

    @JsonPropertyDescription("The paired test, in words.")
    public String rule;

    @JsonPropertyDescription("Where the per-request results are.")
    public String uri;

    @JsonPropertyDescription("When the run started (RFC 3339).")
    public String startTime;

    @JsonPropertyDescription("When it finished (RFC 3339).")
    public String finishTime;

    @JsonPropertyDescription("What the replay found, for people.")
    public String message;
}
