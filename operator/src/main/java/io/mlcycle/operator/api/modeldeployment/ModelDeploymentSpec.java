package io.mlcycle.operator.api.modeldeployment;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;
import io.mlcycle.operator.api.PodOverrides;
import io.mlcycle.operator.api.SparkSpec;
import io.mlcycle.operator.api.StorageSpec;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.IcebergCatalog;
import io.mlcycle.operator.api.featureview.StoreFormat;

import java.util.List;

/** Which version to serve, how, with which batch scoring and rollback analysis. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "!has(self.rollout) || !has(self.rollout.canary) || has(self.rollback)",
        message = "rollout.canary needs spec.rollback: its prometheus and metrics judge the canary")
@ValidationRule(
        value = "!has(self.rollout) || !has(self.rollout.shadow) || has(self.rollback)",
        message = "rollout.shadow needs spec.rollback: its prometheus holds the online metrics")
@ValidationRule(
        value = "!has(self.rollout) || !has(self.rollout.shadow) || !has(self.rollout.canary)",
        message = "rollout.shadow and rollout.canary are exclusive")
@ValidationRule(
        value = "!has(self.rollout) || !has(self.rollout.replay) || has(self.requestLog)",
        message = "rollout.replay needs spec.requestLog: it replays the logged labelled requests")
@ValidationRule(
        value = "!has(self.retrain) || has(self.rollback)",
        message = "retrain.onDrift needs spec.rollback: its prometheus measures the drift")
@ValidationRule(
        value =
                "!has(self.autoscaling) || self.autoscaling.autoscaler != 'keda'"
                        + " || !has(self.autoscaling.targetRequestsPerSecond)"
                        + " || has(self.autoscaling.prometheusUrl) || has(self.rollback)",
        message =
                "autoscaling with keda and targetRequestsPerSecond needs autoscaling.prometheusUrl"
                        + " or spec.rollback.prometheus")
@ValidationRule(
        value =
                "!has(self.disruption) || !has(self.disruption.minAvailable)"
                        + " || self.disruption.minAvailable < (has(self.autoscaling)"
                        + " ? self.autoscaling.minReplicas : self.replicas)",
        message =
                "disruption.minAvailable must be below replicas (autoscaling.minReplicas with"
                        + " autoscaling): a budget that allows no eviction blocks every node drain")
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
    @SpecReplicas
    @JsonPropertyDescription(
            "Serving pods (the scale subresource: kubectl scale sets it). Ignored with"
                    + " spec.autoscaling: then the autoscaler owns the Deployment's replicas.")
    public Integer replicas = 1;

    @JsonPropertyDescription(
            "Scale the serving pods with load: an autoscaling/v2 HorizontalPodAutoscaler <name>"
                    + " (or a KEDA ScaledObject, or an autoscaler of your own) on the stable"
                    + " Deployment; the operator then never writes its replicas.")
    public Autoscaling autoscaling;

    @JsonPropertyDescription(
            "Voluntary disruptions (node drains) of the serving pods: a PodDisruptionBudget"
                    + " <name>, by default when more than one serving pod is wanted.")
    public Disruption disruption;

    @JsonPropertyDescription("Compute resources of a serving pod.")
    public io.fabric8.kubernetes.api.model.ResourceRequirements resources;

    @JsonPropertyDescription(
            "Placement and metadata of the serving and batch scoring pods: nodeSelector, tolerations, affinity,"
                    + " priorityClassName, imagePullSecrets, extra labels and annotations.")
    public PodOverrides pod;

    @JsonPropertyDescription(
            "Object storage of the serving (stable, canary, shadow) and batch scoring pods: endpoint, region, path-style and"
                    + " credentials Secret for its s3:// URIs, each defaulting to the operator's"
                    + " storage.s3 settings.")
    public StorageSpec storage;

    @JsonPropertyDescription("Request limits of the serving API.")
    public Limits limits = new Limits();

    @JsonPropertyDescription("Daily batch scoring of a FeatureView's latest table.")
    public Batch batch;

    @JsonPropertyDescription("Online-metric analysis that rolls back to the last good version.")
    public Rollback rollback;

    @JsonPropertyDescription(
            "How a newly resolved version replaces the served one; default: a rolling update of"
                    + " every pod at once.")
    public Rollout rollout;

    @Min(0)
    @Max(1)
    @Default("0.99")
    @JsonPropertyDescription(
            "Feature compatibility: a version (a rollout, a rollback target, a pin) is served only"
                    + " when the current tables of its FeatureViews hold at least this share of"
                    + " its recorded SHAP mass; below it the deployment keeps what it serves and"
                    + " condition FeatureCompatible names the missing features.")
    public Double minFeatureCoverage;

    @JsonPropertyDescription(
            "Inference by entity id: the server reads the rows of the served version's"
                    + " FeatureViews (their spec.online) from this online store.")
    public Online online;

    @JsonPropertyDescription(
            "Train again when what the served version sees drifts from its training table.")
    public Retrain retrain;

    @JsonPropertyDescription(
            "A bounded, sampled log of what every serving pod scores (features as the model saw"
                    + " them, prediction id, score) and of the feedback it accepts, written as"
                    + " gzipped JSON lines under <uri>/v<version>/date=<day>/ for offline replay;"
                    + " never slows or fails a request (rows it cannot keep are dropped and"
                    + " counted in mlcycle_request_log_rows_total). Off when omitted.")
    public RequestLog requestLog;

    /** The request log of the serving pods. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class RequestLog {
        @Required
        @Pattern(FeatureViewSpec.URI_PATTERN)
        @JsonPropertyDescription(
                "Directory of this deployment's log (file:// or s3://, the latter with"
                        + " spec.storage's settings).")
        public String uri;

        @Min(0.001)
        @Max(1)
        @Default("0.1")
        @JsonPropertyDescription("Share of the scored rows logged, 0.001 to 1.")
        public Double sampleRate;

        @Min(1024)
        @Default("16777216")
        @JsonPropertyDescription(
                "A file is closed and published once this many bytes (uncompressed) went in.")
        public Long maxFileBytes;

        @Pattern("^[0-9]+(s|m|h)$")
        @Default("5m")
        @JsonPropertyDescription("... or once it has been open this long.")
        public String maxAge;

        @Min(1)
        @Default("10000")
        @JsonPropertyDescription(
                "Rows waiting for the log's writer in each pod; beyond it rows are dropped (and"
                        + " counted), never waited for.")
        public Integer maxQueuedRows;
    }

    /** Which autoscaler scales the stable serving Deployment. */
    public enum Autoscaler {
        hpa,
        keda,
        external
    }

    /** Load-driven scaling of the serving pods. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(
            value = "self.minReplicas <= self.maxReplicas",
            message = "autoscaling.minReplicas must not exceed autoscaling.maxReplicas")
    @ValidationRule(
            value =
                    "self.autoscaler == 'external' || has(self.targetCPUUtilizationPercentage)"
                            + " != has(self.targetRequestsPerSecond)",
            message =
                    "autoscaling needs exactly one of targetCPUUtilizationPercentage or"
                            + " targetRequestsPerSecond")
    public static class Autoscaling {
        @Min(1)
        @Default("1")
        @JsonPropertyDescription("Fewest serving pods (also the count a new Deployment starts at).")
        public Integer minReplicas = 1;

        @Required
        @Min(1)
        @JsonPropertyDescription("Most serving pods.")
        public Integer maxReplicas;

        @Min(1)
        @JsonPropertyDescription(
                "Target average CPU utilization of the serving pods, in percent of their CPU"
                        + " request (spec.resources must request CPU).")
        public Integer targetCPUUtilizationPercentage;

        @Min(1)
        @JsonPropertyDescription(
                "Target inference requests per second per pod, from the server's own"
                        + " mlcycle_requests_total{endpoint=\"infer\"}: with hpa the pods metric"
                        + " mlcycle_requests_per_second of the Prometheus adapter, with keda a"
                        + " Prometheus trigger.")
        public Integer targetRequestsPerSecond;

        @Default("hpa")
        @JsonPropertyDescription(
                "hpa: a HorizontalPodAutoscaler; keda: a KEDA ScaledObject (keda.sh/v1alpha1,"
                        + " KEDA installed); external: none, an autoscaler of your own scales the"
                        + " Deployment <name> (or the ModelDeployment's scale subresource).")
        public Autoscaler autoscaler = Autoscaler.hpa;

        @Pattern("^https?://.*")
        @JsonPropertyDescription(
                "Prometheus the KEDA trigger queries; default spec.rollback.prometheus.url.")
        public String prometheusUrl;
    }

    /** Whether the serving pods get a PodDisruptionBudget. */
    public enum Budget {
        auto,
        always,
        never
    }

    /** The serving pods' PodDisruptionBudget. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Disruption {
        @Default("auto")
        @JsonPropertyDescription(
                "auto: a PodDisruptionBudget while more than one serving pod is wanted"
                        + " (replicas, or autoscaling.minReplicas, > 1); always; never.")
        public Budget podDisruptionBudget = Budget.auto;

        @Min(1)
        @Default("1")
        @JsonPropertyDescription("Serving pods a drain may evict at a time.")
        public Integer maxUnavailable = 1;

        @Min(1)
        @JsonPropertyDescription(
                "Serving pods that must stay up instead (used in place of maxUnavailable when"
                        + " set); must be below replicas.")
        public Integer minAvailable;
    }

    @JsonPropertyDescription(
            "Feedback authentication: on by default, with a token Secret the operator creates.")
    public FeedbackSpec feedback = new FeedbackSpec();

    @JsonPropertyDescription(
            "A NetworkPolicy (<name>, and <name>-shadow for the shadow challenger) admitting only"
                    + " these peers to the serving pods; absent: none (the cluster's own policies"
                    + " apply).")
    public NetworkPolicySpec networkPolicy;

    /** Retraining the deployment asks for. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Retrain {
        @Required
        @JsonPropertyDescription(
                "Each rollback interval, the built-in skew of the served version over window;"
                        + " above threshold a TrainingRun <its TrainingRun>-drift-v<version>"
                        + " (a one-off copy of the run that trained it) is started, once per"
                        + " served version, shown in status.retrain and an Event.")
        public OnDrift onDrift;
    }

    /** Drift threshold. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class OnDrift {
        @Required
        @Min(0)
        @JsonPropertyDescription("Largest PSI of a feature above which the model is retrained.")
        public Double threshold;

        @Pattern("^[0-9]+(s|m|h)$")
        @Default("1h")
        @JsonPropertyDescription("Range of served rows judged.")
        public String window = "1h";
    }

    /** How a new version is rolled out. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Rollout {
        @JsonPropertyDescription(
                "Weighted canary: the new version first serves a share of the traffic from a"
                        + " separate <name>-canary Deployment behind the same Service, judged by"
                        + " spec.rollback's metrics each step, promoted after the last step or"
                        + " aborted after failureThreshold failed analyses in a row.")
        public Canary canary;

        @JsonPropertyDescription(
                "Shadow challenger: a challenger version serves from a separate <name>-shadow"
                        + " Deployment and Service, receives a copy of percent % of the live"
                        + " inference requests (it answers nobody), and the feedback for them;"
                        + " it replaces the champion (the version the pods serve) only when its"
                        + " online metric beats the champion's on the same requests by margin"
                        + " with minSamples labels on both. While set, the champion stays what"
                        + " the pods serve (spec.version picks only the first one).")
        public Shadow shadow;

        @JsonPropertyDescription(
                "Offline replay gate: before a new version replaces or challenges the served"
                        + " one (version change, canary or shadow), a Job scores the labelled"
                        + " requests of spec.requestLog with both and judges the paired outcomes"
                        + " as the sequential shadow judge does (alpha 0.05); the rollout starts"
                        + " only when the new version is not worse (status.replay, condition"
                        + " ReplayPassed).")
        public ReplaySpec replay;
    }

    /** The metric a shadow challenger is judged by, from the feedback counts of each side. */
    public enum ShadowMetric {
        accuracy,
        precision,
        recall,
        f1
    }

    /**
     * A challenger served beside the champion on mirrored traffic, promoted on its online metric.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(
            value = "has(self.version) != (has(self.latestApproved) && self.latestApproved)",
            message = "rollout.shadow needs exactly one of version or latestApproved: true")
    public static class Shadow {
        @Min(1)
        @JsonPropertyDescription("The challenger's version number.")
        public Integer version;

        @Default("false")
        @JsonPropertyDescription(
                "The challenger is the latest approved version (not rolled back) of the model.")
        public Boolean latestApproved = false;

        @Min(1)
        @Max(100)
        @Default("10")
        @JsonPropertyDescription(
                "Percent of the champion's inference requests (REST) copied to the challenger.")
        public Integer percent = 10;

        @Min(0)
        @Default("0.01")
        @JsonPropertyDescription(
                "Promote only when challenger metric - champion metric > margin (absolute, e.g."
                        + " 0.01 = one point of accuracy).")
        public Double margin = 0.01;

        @Min(1)
        @Default("100")
        @JsonPropertyDescription(
                "Labelled mirrored predictions needed on both sides before any verdict.")
        public Long minSamples = 100L;

        @Default("accuracy")
        @JsonPropertyDescription(
                "accuracy, precision, recall or f1, from the feedback on mirrored predictions.")
        public ShadowMetric metric = ShadowMetric.accuracy;

        @Default("threshold")
        @JsonPropertyDescription(
                "threshold: promote when challenger metric - champion metric > margin. sequential:"
                        + " judge the paired outcomes of the same requests (both right, only the"
                        + " champion, only the challenger, both wrong; counted by the challenger's"
                        + " server) with an always-valid sequential test: promote once the"
                        + " challenger is more accurate with confidence 1 - alpha, verdict NotBetter"
                        + " once it cannot be better by margin; minSamples stays a floor. Needs"
                        + " metric accuracy.")
        public JudgeMode mode = JudgeMode.threshold;

        @Default("0.05")
        @JsonPropertyDescription(
                "With mode sequential: the chance, at most, of promoting a challenger that is not"
                        + " more accurate, however long it is judged; in (0, 0.5).")
        public Double alpha = 0.05;
    }

    /**
     * A weighted canary without a service mesh: the traffic share is the canary's share of the
     * serving pods behind the one Service (as Argo Rollouts does without a traffic router).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(
            value = "!has(self.maxWeight) || self.maxWeight >= self.weight",
            message = "rollout.canary.maxWeight must be at least weight")
    public static class Canary {
        @Required
        @Min(1)
        @Max(99)
        @JsonPropertyDescription(
                "Percent of the traffic (of the serving pods) on the canary at the first step, and"
                        + " the increase per step: step i sends min(i * weight, maxWeight) %."
                        + " Replicas split as canary = round(replicas * weight / 100) (halves"
                        + " up), at least 1 and at most replicas - 1, the rest stay stable, so the"
                        + " total stays spec.replicas; with replicas 1 the canary adds a pod"
                        + " (about 50 %).")
        public Integer weight;

        @Min(1)
        @Default("1")
        @JsonPropertyDescription(
                "Analysed steps; after the last one passes the canary is promoted.")
        public Integer steps = 1;

        @Min(1)
        @Max(99)
        @Default("99")
        @JsonPropertyDescription(
                "Largest traffic percent on the canary before promotion (Flagger's maxWeight).")
        public Integer maxWeight = 99;

        @Pattern("^[0-9]+(s|m|h)$")
        @Default("1m")
        @JsonPropertyDescription(
                "How long each step runs before its analysis; a failed or inconclusive"
                        + " analysis is repeated after another interval at the same step.")
        public String stepInterval = "1m";

        @Default("false")
        @JsonPropertyDescription(
                "Also run each metric's query for the stable version and fail the canary when"
                        + " its value is worse than the stable one by more than tolerance (worse:"
                        + " lower for a metric with min, higher for one with max only).")
        public Boolean compareToStable = false;

        @Min(0)
        @Default("0.1")
        @JsonPropertyDescription(
                "With compareToStable: allowed relative gap to the stable value (0.1 = 10 %)."
                        + " With mode sequential: the margin, absolute, by which the canary's"
                        + " proportion may fall below the stable one's (0.02 = two points); below"
                        + " 1.")
        public Double tolerance = 0.1;

        @Default("threshold")
        @JsonPropertyDescription(
                "How each step is judged. threshold: the canary's metrics against their bounds"
                        + " (and, with compareToStable, the stable values within tolerance),"
                        + " failureThreshold failed analyses in a row abort. sequential: each"
                        + " metric is a proportion on both versions (its query's value over"
                        + " minSamples.query's count, both counted since each version started),"
                        + " and an always-valid two-sample test (alpha) of canary minus stable"
                        + " aborts once the canary is worse than stable by more than tolerance"
                        + " with confidence 1 - alpha, passes the step once it is not, and"
                        + " otherwise analyses the step again; minSamples stays a floor. Needs"
                        + " min (higher is better; its value is not used), no max, no builtin and"
                        + " minSamples on every metric.")
        public JudgeMode mode = JudgeMode.threshold;

        @Default("0.05")
        @JsonPropertyDescription(
                "With mode sequential: the chance, at most, of aborting a canary that is not"
                        + " worse than stable by more than tolerance, however long it is judged;"
                        + " in (0, 0.5).")
        public Double alpha = 0.05;
    }

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
        @JsonPropertyDescription(
                "Where scores go: <uri>/asOf=<date>/scores.parquet, or with format iceberg one"
                        + " Iceberg table, each run a commit tagged asOf-<date>.")
        public Output output;

        @Pattern(FeatureViewSpec.ACTIVE_DEADLINE_PATTERN)
        @Default("2h")
        @JsonPropertyDescription(
                "Longest a scoring Job may run (its activeDeadlineSeconds): then Kubernetes"
                        + " stops it and the run fails with DeadlineExceeded; no scores are"
                        + " published for it.")
        public String activeDeadline = "2h";

        @Default("pod")
        @JsonPropertyDescription(
                "What scores: pod (one Job with the server image) or spark (a SparkApplication"
                        + " of the Kubeflow Spark Operator whose executors score the feature"
                        + " tables with the same model code; the same scores.parquet, ranks and"
                        + " publishing as the pod).")
        public BatchEngine engine = BatchEngine.pod;

        @JsonPropertyDescription(
                "Settings of the Spark driver and executors (the shape of a FeatureView's"
                        + " spec.spark); only with engine: spark (defaults apply when omitted).")
        public SparkSpec spark;
    }

    /** Engines of batch scoring. */
    public enum BatchEngine {
        pod,
        spark
    }

    /** Output location: dated directories, or one Iceberg table. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(
            value = "!has(self.format) || self.format != 'iceberg' || has(self.catalog)",
            message = "batch.output.catalog is required with batch.output.format iceberg")
    public static class Output {
        @Required
        @Pattern(FeatureViewSpec.URI_PATTERN)
        @JsonPropertyDescription(
                "Root URI of the scores (file:// or s3://bucket/prefix); with format iceberg the"
                        + " warehouse unless catalog.warehouse is set.")
        public String uri;

        @Default("parquet")
        @JsonPropertyDescription(
                "parquet: dated directories asOf=<date>/ with scores.parquet and _SUCCESS;"
                        + " iceberg: one Apache Iceberg table in catalog (entity, score, rank),"
                        + " each run one commit tagged asOf-<date> (by the pod or the Spark"
                        + " driver).")
        public StoreFormat format;

        @JsonPropertyDescription(
                "The Iceberg catalog and table (format iceberg), as a FeatureView's"
                        + " spec.store.catalog; table unset: <deployment>_scores, in the catalog's"
                        + " namespace.")
        public IcebergCatalog catalog;
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
        @JsonPropertyDescription(
                "Consecutive failed analyses that trigger a rollback (or a canary abort).")
        public Integer failureThreshold = 3;

        @Default("false")
        @JsonPropertyDescription(
                "Count an inconclusive analysis (no data, NaN, Prometheus unreachable) as a"
                        + " failure.")
        public Boolean inconclusiveIsFailure = false;

        @Default("threshold")
        @JsonPropertyDescription(
                "How the served version is judged. threshold: a metric out of its bounds for"
                        + " failureThreshold analyses in a row rolls back. sequential: each metric"
                        + " is a proportion (its query's value, over minSamples.query's count of"
                        + " samples, both counted since the version started) and rolls back once"
                        + " an always-valid confidence sequence (alpha) lies wholly below min; safe"
                        + " to judge every interval. Needs min in (0, 1) and minSamples on every"
                        + " metric, and no max.")
        public JudgeMode mode = JudgeMode.threshold;

        @Default("0.05")
        @JsonPropertyDescription(
                "With mode sequential: the chance, at most, of rolling back a version whose metric"
                        + " is at or above min, however long it is watched; in (0, 0.5).")
        public Double alpha = 0.05;

        @Required
        @Size(min = 1)
        @JsonPropertyDescription(
                "PromQL queries; {{name}}, {{namespace}} and {{version}} are replaced. With"
                        + " rollout.canary every query must use {{version}}: it tells the"
                        + " canary's pods (and, for compareToStable, the stable ones) apart.")
        public List<Metric> metrics;

        @JsonPropertyDescription(
                "Slack-compatible JSON webhook posted on rollback and on a canary abort.")
        public Webhook webhook;
    }

    /** How an analysis decides: a threshold on a point estimate, or a sequential test. */
    public enum JudgeMode {
        threshold,
        sequential
    }

    /** Prometheus endpoint. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Prometheus {
        @Required
        @Pattern("^https?://.*")
        @JsonPropertyDescription("Base URL, e.g. http://prometheus.monitoring:9090")
        public String url;

        @JsonPropertyDescription(
                "Secret (this namespace) with Prometheus's credentials: key token (a bearer"
                        + " token) or username and password (basic auth), and any header.<Name>"
                        + " keys sent as that header (e.g. header.X-Scope-OrgID). Read at each"
                        + " analysis; values never appear in status, Events or logs.")
        public String authSecret;
    }

    /** One analysed metric. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(
            value = "has(self.min) || has(self.max)",
            message = "a rollback metric needs min or max")
    @ValidationRule(
            value = "has(self.query) != has(self.builtin)",
            message = "a rollback metric needs exactly one of query or builtin")
    public static class Metric {
        public static final String SKEW = "skew";

        @Required
        @JsonPropertyDescription("Name shown in status and Events.")
        public String name;

        @JsonPropertyDescription("PromQL returning one number (or builtin instead).")
        public String query;

        @Pattern("^skew$")
        @JsonPropertyDescription(
                "A metric mlcycle computes instead of a query. skew: the largest population"
                        + " stability index (PSI) of a feature between what the version served in"
                        + " the last window and its training table (presence and decile bins the"
                        + " trainer stored, exported by the server), the most drifted features"
                        + " named in status and Events; use it with max (0.2 is a common"
                        + " significant shift).")
        public String builtin;

        @Pattern("^[0-9]+(s|m|h)$")
        @Default("10m")
        @JsonPropertyDescription("With builtin: the range of served rows judged.")
        public String window = "10m";

        @JsonPropertyDescription("Fails below this.")
        public Double min;

        @JsonPropertyDescription("Fails above this.")
        public Double max;

        @JsonPropertyDescription(
                "Samples the value needs before it is judged: below minSamples.count the metric"
                        + " is Inconclusive (never a failure, even with inconclusiveIsFailure) and"
                        + " status says how many samples are missing.")
        public MinSamples minSamples;
    }

    /** How many samples a metric needs and the PromQL that counts them. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class MinSamples {
        @Required
        @Min(1)
        @JsonPropertyDescription("Samples needed before the metric is judged.")
        public Long count;

        @Required
        @JsonPropertyDescription(
                "PromQL returning the number of samples behind the metric's value (e.g."
                        + " sum(increase(mlcycle_feedback_total{deployment=\"{{name}}\","
                        + "version=\"{{version}}\"}[10m]))); {{name}}, {{namespace}} and"
                        + " {{version}} are replaced.")
        public String query;
    }

    /** Notification target. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(
            value = "has(self.url) != has(self.urlSecret)",
            message = "a webhook needs exactly one of url or urlSecret")
    public static class Webhook {
        @Pattern("^https?://.*")
        @JsonPropertyDescription("Where rollbacks are POSTed (Slack-compatible JSON).")
        public String url;

        @JsonPropertyDescription(
                "The URL from a Secret instead (a Slack webhook URL is a credential).")
        public SecretKey urlSecret;
    }

    /** One key of a Secret in the resource's namespace. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class SecretKey {
        @Required
        @JsonPropertyDescription("Secret name.")
        public String name;

        @Default("url")
        @JsonPropertyDescription("Key in the Secret.")
        public String key = "url";
    }
}
