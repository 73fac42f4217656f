package io.mlcycle.operator.api.modeldeployment;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;

/** Who may post feedback to the serving pods. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FeedbackSpec {

    @Default("true")
    @JsonPropertyDescription(
            "Feedback (POST .../feedback, and the labels a champion forwards to its shadow"
                    + " challenger) needs 'Authorization: Bearer <token>'; false lets anyone who"
                    + " reaches a serving pod post labels that decide rollbacks and promotions."
                    + " Inference is not affected.")
    public Boolean authentication = true;

    @JsonPropertyDescription(
            "The Secret key holding the token; without it the operator creates"
                    + " <name>-feedback-token (key token), once, owned by this ModelDeployment.")
    public TokenSecret tokenSecret;

    /** One key of a Secret in the ModelDeployment's namespace. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class TokenSecret {
        @Required
        @JsonPropertyDescription("Secret name, in the ModelDeployment's namespace.")
        public String name;

        @Default("token")
        @JsonPropertyDescription("Key in the Secret.")
        public String key = "token";
    }
}
