package io.mlcycle.operator.api.modeldeployment;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;

import java.util.List;

/** Which version to serve, how, with which batch scoring and rollback analysis. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelDeploymentSpec {

    public static final String LATEST_APPROVED = "latestApproved";

    @Required
    @JsonPropertyDescription("Registered model name (the TrainingRun's spec.model).")
    public String model;

    @Default(LATEST_APPROVED)
    @Pattern("^(latestApproved|[1-9][0-9]*)$")
    @JsonPropertyDescription(
            "latestApproved (the newest approved, not rolled-back version) or a version number.")
    public String version = LATEST_APPROVED;

    @Min(0)
    @Default("1")
    @JsonPropertyDescription("Serving pods.")
    public Integer replicas = 1;

    @JsonPropertyDescription("Compute resources of a serving pod.")
    public io.fabric8.kubernetes.api.model.ResourceRequirements resources;

    @JsonPropertyDescription("Request limits of the serving API.")
    public Limits limits = new Limits();

    @JsonPropertyDescription("Daily batch scoring of a FeatureView's latest table.")
    public Batch batch;

    @JsonPropertyDescription("Online-metric analysis that rolls back to the last good version.")
    public Rollback rollback;

    @JsonPropertyDescription(
            "Inference by entity id: the server reads the rows of the served version's"
                    + " FeatureViews (their spec.online) from this online store.")
    public Online online;

    /** Where the serving pods read feature rows by entity id. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Online {
        @Required
        @JsonPropertyDescription(
                "The Redis server the FeatureViews are written to (their spec.online.redis).")
        public FeatureViewSpec.Redis redis;
    }

    /** Serving limits. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Limits {
        @Min(1024)
        @Default("1048576")
        @JsonPropertyDescription("Largest request body in bytes (413 above).")
        public Integer maxBodyBytes = 1048576;

        @Min(1)
        @Default("1000")
        @JsonPropertyDescription("Most rows per inference request (400 above).")
        public Integer maxRowsPerRequest = 1000;

        @Min(1)
        @Default("100000")
        @JsonPropertyDescription("Recent predictions kept for feedback.")
        public Integer feedbackWindow = 100000;
    }

    /** Batch scoring. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Batch {
        @Required
        @Pattern(FeatureViewSpec.CRON_PATTERN)
        @JsonPropertyDescription("Cron schedule (UTC) of batch scoring.")
        public String schedule;

        @JsonPropertyDescription(
                "FeatureViews to score (their latest tables); default: the ones the served"
                        + " version was trained on.")
        public List<String> featureViews;

        @Required
        @JsonPropertyDescription("Where scores go: <uri>/asOf=<date>/scores.parquet.")
        public Output output;
    }

    /** Output location. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Output {
        @Required
        @Pattern("^(file:/|/).*")
        public String uri;
    }

    /** Rollback analysis. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Rollback {
        @Required
        @JsonPropertyDescription("Prometheus to query.")
        public Prometheus prometheus;

        @Pattern("^[0-9]+(s|m|h)$")
        @Default("30s")
        @JsonPropertyDescription("How often every query runs.")
        public String interval = "30s";

        @Min(1)
        @Default("3")
        @JsonPropertyDescription("Consecutive failed analyses that trigger a rollback.")
        public Integer failureThreshold = 3;

        @Default("false")
        @JsonPropertyDescription(
                "Count an inconclusive analysis (no data, NaN, Prometheus unreachable) as a"
                        + " failure.")
        public Boolean inconclusiveIsFailure = false;

        @Required
        @Size(min = 1)
        @JsonPropertyDescription(
                "PromQL queries; {{name}}, {{namespace}} and {{version}} are replaced.")
        public List<Metric> metrics;

        @JsonPropertyDescription("Slack-compatible JSON webhook posted on rollback.")
        public Webhook webhook;
    }

    /** Prometheus endpoint. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Prometheus {
        @Required
        @Pattern("^https?://.*")
        @JsonPropertyDescription("Base URL, e.g. http://prometheus.monitoring:9090")
        public String url;
    }

    /** One analysed metric. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(
            value = "has(self.min) || has(self.max)",
            message = "a rollback metric needs min or max")
    public static class Metric {
        @Required
        @JsonPropertyDescription("Name shown in status and Events.")
        public String name;

        @Required
        @JsonPropertyDescription("PromQL returning one number.")
        public String query;

        @JsonPropertyDescription("Fails below this.")
        public Double min;

        @JsonPropertyDescription("Fails above this.")
        public Double max;
    }

    /** Notification target. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Webhook {
        @Required
        @Pattern("^https?://.*")
        public String url;
    }
}
