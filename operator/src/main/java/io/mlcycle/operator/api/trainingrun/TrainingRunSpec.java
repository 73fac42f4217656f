package io.mlcycle.operator.api.trainingrun;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.mlcycle.operator.api.PodOverrides;
import io.mlcycle.operator.api.SparkSpec;
import io.mlcycle.operator.api.StorageSpec;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.task.TrainDefaults;

import java.util.List;

/** Which features and labels, which model and grid, how to evaluate, explain and gate. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrainingRunSpec {

    @Required
    @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    @JsonPropertyDescription(
            "Registered model name; versions are ModelVersions named <model>-v<N>.")
    public String model;

    @Required
    @Size(min = 1)
    @JsonPropertyDescription("FeatureViews whose tables are joined by entity.")
    public List<FeatureRef> features;

    @Default("latest")
    @Pattern("^(latest|[0-9]{4}-[0-9]{2}-[0-9]{2})$")
    @JsonPropertyDescription(
            "Which as-of to train on: latest (the newest date every FeatureView has) or an ISO"
                    + " date.")
    public String asOf = "latest";

    @Required
    @JsonPropertyDescription("The label table for the same as-of.")
    public Labels labels;

    @Default(TrainDefaults.ALGORITHM)
    @JsonPropertyDescription(
            "auto (default: fits logistic, xgboost and resnet on the training rows, by five"
                    + " inner folds when they are at most 10 000, else on a carved fifth, and keeps"
                    + " the simplest within one standard error of the best selection metric; every"
                    + " candidate is in trials.json and the status), logistic (L2 logistic regression solved to"
                    + " its optimum, L2 strength chosen on validation rows: fast, strong on many"
                    + " small additive effects such as word or event counts), xgboost"
                    + " (gradient-boosted trees by XGBoost4J: thresholds and interactions, mixed"
                    + " numeric and categorical columns), resnet (residual MLP; the"
                    + " hyperparameters apply to it), mlp, or ensemble (auto's candidates compared"
                    + " by five inner folds whatever the rows, then published as their weighted"
                    + " mean of probabilities, the weights fitted on their out-of-fold"
                    + " probabilities; auto offers the same ensemble on inner folds and keeps it"
                    + " only when its mean is more than one standard error above every single"
                    + " candidate's).")
    public Algorithm algorithm;

    @Default("{}")
    @JsonPropertyDescription(
            "Every field is a list: one value fixes it, several make a grid that is searched.")
    public Hyperparameters hyperparameters;

    @Default("{}")
    @JsonPropertyDescription("Scaling and correlated-feature removal.")
    public Preprocessing preprocessing;

    @Default("{}")
    @JsonPropertyDescription("Hold-out or k-fold evaluation.")
    public Validation validation;

    @Default("{}")
    @JsonPropertyDescription(
            "Stop each network's training (resnet, mlp) when the selection metric on rows held out"
                    + " of its own training data stops improving, keeping the best epoch; epochs is"
                    + " then the most it trains. On by default (it keeps wide sparse inputs from"
                    + " overfitting: benchmarks/quality); enabled: false trains every epoch.")
    public EarlyStopping earlyStopping;

    @Default("{}")
    @JsonPropertyDescription(
            "How hyperparameter points (and, for auto, the learners) are tried, and for how long.")
    public Search search;

    @Default("{}")
    @JsonPropertyDescription("SHAP feature ranking.")
    public Explain explain;

    @JsonPropertyDescription("Retrain on the top-K features by SHAP and report both models.")
    public Select select;

    @Min(0)
    @Max(1)
    @JsonPropertyDescription(
            "Decision threshold for precision/recall/F1; without one, the F1-best threshold on"
                    + " validation data is chosen and recorded.")
    public Double threshold;

    @JsonPropertyDescription(
            "Rules a version must pass to be approved, e.g. auc min 0.65 and minDeltaVsApproved"
                    + " 0.")
    public List<Gate> gates;

    @JsonPropertyDescription("When to train again.")
    public Retrain retrain = new Retrain();

    @JsonPropertyDescription(
            "Root URI of model artifacts (<uri>/<model>/v<N>/); default: the operator's.")
    @Pattern(FeatureViewSpec.URI_PATTERN)
    public String modelsUri;

    @Min(0)
    @Default("0")
    @JsonPropertyDescription("Retries of a failed training pod (the Job's backoffLimit).")
    public Integer backoffLimit = 0;

    @Pattern(FeatureViewSpec.ACTIVE_DEADLINE_PATTERN)
    @Default("6h")
    @JsonPropertyDescription(
            "Longest a training Job may run, retries included (its activeDeadlineSeconds): then"
                    + " Kubernetes stops it, the training fails with DeadlineExceeded and its"
                    + " ModelVersion is marked Failed.")
    public String activeDeadline = "6h";

    @JsonPropertyDescription(
            "Placement and metadata of the training pods: nodeSelector, tolerations, affinity,"
                    + " priorityClassName, imagePullSecrets, extra labels and annotations.")
    public PodOverrides pod;

    @JsonPropertyDescription(
            "Object storage of the training pod: endpoint, region, path-style and"
                    + " credentials Secret for its s3:// URIs, each defaulting to the operator's"
                    + " storage.s3 settings.")
    public StorageSpec storage;

    @JsonPropertyDescription("Compute resources of the training pod.")
    public io.fabric8.kubernetes.api.model.ResourceRequirements resources;

    @Default("pod")
    @JsonPropertyDescription(
            "What trains: pod (one training Job, every algorithm) or spark (algorithm xgboost"
                    + " only: a SparkApplication of the Kubeflow Spark Operator whose executors run"
                    + " XGBoost4J-Spark in barrier mode, every executor at once; the same split,"
                    + " evaluation, SHAP and artifact as the pod).")
    public Engine engine = Engine.pod;

    @JsonPropertyDescription(
            "Settings of the Spark driver and executors; only with engine: spark (defaults apply"
                    + " when omitted).")
    public Spark spark;

    /** Engines of the training. */
    public enum Engine {
        pod,
        spark
    }

    /** Spark application settings of a TrainingRun with engine spark. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Spark {
        @JsonPropertyDescription(
                "Image of the driver and executors; default: the operator's trainer-spark image.")
        public String image;

        @Pattern(SparkSpec.SPARK_VERSION_PATTERN)
        @Default("3.5.6")
        @JsonPropertyDescription("Spark version of the image (the Spark Operator's sparkVersion).")
        public String sparkVersion = "3.5.6";

        @JsonPropertyDescription(
                "ServiceAccount of the driver pod (it creates the executor pods); default: the one"
                        + " the Helm chart creates with spark.enabled.")
        public String serviceAccount;

        @JsonPropertyDescription("The driver pod (it reads the tables and runs the evaluation).")
        public SparkSpec.Driver driver;

        @JsonPropertyDescription(
                "The executor pods: XGBoost trains with instances x cores workers, all at once.")
        public SparkSpec.Executor executor;

        @JsonPropertyDescription("Extra Spark properties, passed as sparkConf.")
        public java.util.Map<String, String> sparkConf;

        @Pattern("^(volcano|yunikorn)$")
        @JsonPropertyDescription(
                "Batch scheduler of the driver and executor pods (volcano or yunikorn), passed"
                        + " to the Spark Operator (gang scheduling: XGBoost needs every executor"
                        + " at once); default: the cluster's scheduler.")
        public String batchScheduler;

        @JsonPropertyDescription(
                "Options of the batch scheduler, passed through as the SparkApplication's"
                        + " batchSchedulerOptions.")
        public SparkSpec.BatchSchedulerOptions batchSchedulerOptions;
    }

    /** Algorithms. */
    public enum Algorithm {
        auto,
        resnet,
        mlp,
        logistic,
        xgboost,
        ensemble
    }

    /** A referenced FeatureView. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class FeatureRef {
        @Required
        @JsonPropertyDescription("FeatureView name in the same namespace.")
        public String featureView;
    }

    /** Labels. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Labels {
        @Required
        @Pattern(FeatureViewSpec.URI_PATTERN)
        @JsonPropertyDescription(
                "Parquet/CSV file or directory URI; {date} is replaced by the as-of date. A"
                        + " directory holding asOf=<date>/ folders is read at the as-of.")
        public String uri;

        @Required
        @JsonPropertyDescription("Label column, values 0 and 1.")
        public String column;

        @JsonPropertyDescription("Entity column (default: the first FeatureView's entity).")
        public String entity;

        @Default("parquet")
        @JsonPropertyDescription("parquet or csv.")
        public FeatureViewSpec.Format format = FeatureViewSpec.Format.parquet;
    }

    /** Grid axes. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Hyperparameters {
        @Default("[" + TrainDefaults.LEARNING_RATE + "]")
        @JsonPropertyDescription("Learning rates, e.g. [0.001, 0.0003].")
        public List<Double> learningRate;

        @Default("[\"" + TrainDefaults.OPTIMIZER + "\"]")
        @JsonPropertyDescription("Optimizers: adam or sgd (with momentum 0.9).")
        public List<String> optimizer;

        @Default("[" + TrainDefaults.EPOCHS + "]")
        @JsonPropertyDescription(
                "Epochs (the most each network trains: early stopping keeps the best one).")
        public List<Integer> epochs;

        @Default("[" + TrainDefaults.BATCH_SIZE + "]")
        @JsonPropertyDescription("Mini-batch sizes.")
        public List<Integer> batchSize;

        @Default("[" + TrainDefaults.HIDDEN_SIZE + "]")
        @JsonPropertyDescription("Width of the hidden layers.")
        public List<Integer> hiddenSize;

        @Default("[" + TrainDefaults.BLOCKS + "]")
        @JsonPropertyDescription("Residual blocks (resnet) or hidden layers (mlp).")
        public List<Integer> blocks;

        @Default("[" + TrainDefaults.DROPOUT + "]")
        @JsonPropertyDescription("Dropout rates.")
        public List<Double> dropout;

        @Default("[" + TrainDefaults.WEIGHT_DECAY + "]")
        @JsonPropertyDescription(
                "L2 weight decay of the networks; for logistic a fixed L2 strength when > 0 (0:"
                        + " chosen on a fifth of the training rows).")
        public List<Double> weightDecay;

        @Default("[\"" + TrainDefaults.LEARNING_RATE_SCHEDULE + "\"]")
        @JsonPropertyDescription(
                "Learning-rate schedules: constant, or cosine (decays to 0 over the epochs).")
        public List<LearningRateSchedule> learningRateSchedule;
    }

    /** Learning-rate schedules. */
    public enum LearningRateSchedule {
        constant,
        cosine
    }

    /** Preprocessing. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Preprocessing {
        @Default(TrainDefaults.SCALING)
        @JsonPropertyDescription(
                "log (default: sign(v)*log1p(|v|), then min-max over the transformed stored"
                        + " range; for counts and sums), minmax (from the stored statistics) or"
                        + " none. The model records it and serving applies the same transform;"
                        + " xgboost splits on raw values and ignores it.")
        public Scaling scaling;

        @Min(0)
        @Max(1)
        @JsonPropertyDescription("Drop one feature of each pair correlated above this.")
        public Double dropCorrelatedAbove;
    }

    /** Scalings. */
    public enum Scaling {
        minmax,
        log,
        none
    }

    /** Evaluation. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(
            value = "self.method != 'kfold' || self.folds >= 2",
            message = "kfold needs folds >= 2")
    public static class Validation {
        @Default(TrainDefaults.VALIDATION_METHOD)
        @JsonPropertyDescription("holdout or kfold (both stratified).")
        public Method method;

        @Min(0.01)
        @Max(0.9)
        @Default("" + TrainDefaults.TEST_FRACTION)
        @JsonPropertyDescription("Hold-out fraction.")
        public Double testFraction;

        @Default("" + TrainDefaults.FOLDS)
        @JsonPropertyDescription("Folds for kfold.")
        public Integer folds;

        @Default("" + TrainDefaults.SEED)
        @JsonPropertyDescription("Seed: the same seed gives the same split and metrics.")
        public Long seed;
    }

    /** Early stopping on a share of each fit's training rows. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class EarlyStopping {
        @Default("" + TrainDefaults.EARLY_STOPPING)
        @JsonPropertyDescription("false: every epoch is trained.")
        public Boolean enabled;

        @Min(0.01)
        @Max(0.5)
        @Default("" + TrainDefaults.EARLY_STOPPING_FRACTION)
        @JsonPropertyDescription(
                "Share of the training rows held out (stratified) to pick the best epoch; never"
                        + " the validation rows that score the model.")
        public Double validationFraction;

        @Min(1)
        @Default("" + TrainDefaults.PATIENCE)
        @JsonPropertyDescription("Epochs without improvement before training stops.")
        public Integer patience;
    }

    /** Search. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Search {
        @Default(TrainDefaults.SEARCH_METHOD)
        @JsonPropertyDescription(
                "grid (every point), random (trials points drawn from the grid) or halving"
                        + " (successive halving: every point on a third of the epochs, the best"
                        + " third on three times as many, until one is left).")
        public SearchMethod method;

        @Min(1)
        @Default("" + TrainDefaults.SEARCH_TRIALS)
        @JsonPropertyDescription("Points drawn by random.")
        public Integer trials;

        @Pattern("^([0-9]+[smh])+$")
        @JsonPropertyDescription(
                "Wall-clock time after which no new trial starts, e.g. 90s, 10m, 1h30m; the"
                        + " first trial always runs, and the status says when the budget stopped"
                        + " the search.")
        public String budget;
    }

    /** Search methods. */
    public enum SearchMethod {
        grid,
        random,
        halving
    }

    /** Evaluation methods. */
    public enum Method {
        holdout,
        kfold
    }

    /** Explanations. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Explain {
        @Default(TrainDefaults.EXPLAIN_METHOD)
        @JsonPropertyDescription("shap or none.")
        public String method;

        @Min(1)
        @Default("" + TrainDefaults.EXPLAIN_SAMPLES)
        @JsonPropertyDescription("Rows explained.")
        public Integer samples;

        @Min(1)
        @Default("" + TrainDefaults.EXPLAIN_BACKGROUND)
        @JsonPropertyDescription("Rows in the background sample.")
        public Integer background;

        @Min(1)
        @Default("" + TrainDefaults.EXPLAIN_TOP_K)
        @JsonPropertyDescription("Features reported, by mean |SHAP|.")
        public Integer topK;
    }

    /** Feature selection. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Select {
        @Required
        @Min(1)
        @JsonPropertyDescription("Keep this many top features.")
        public Integer topK;
    }

    /** Retraining triggers. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Retrain {
        @Default("true")
        @JsonPropertyDescription("Train again when a referenced FeatureView gets a new as-of.")
        public Boolean onFeatureViewUpdate = true;

        @Pattern(FeatureViewSpec.CRON_PATTERN)
        @JsonPropertyDescription("Also train on this cron schedule (UTC).")
        public String schedule;
    }
}
