package io.mlcycle.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Spark application settings of a run with engine spark: a FeatureView's pivot, a TrainingRun, a
 * ModelDeployment's batch scoring.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SparkSpec {

    public static final String SPARK_VERSION_PATTERN = "^[0-9]+\\.[0-9]+\\.[0-9]+$";

    /** JVM memory as Spark writes it: a number and an optional k, m, g or t suffix. */
    public static final String SPARK_MEMORY_PATTERN = "^[1-9][0-9]*[kmgt]?$";

    @JsonPropertyDescription(
            "Image of the driver and executors; default: the operator's image of the engine"
                    + " (pivot-spark for a FeatureView, scorer-spark for batch scoring).")
    public String image;

    @Pattern(SPARK_VERSION_PATTERN)
    @Default("3.5.6")
    @JsonPropertyDescription("Spark version of the image (the Spark Operator's sparkVersion).")
    public String sparkVersion = "3.5.6";

    @JsonPropertyDescription(
            "ServiceAccount of the driver pod (it creates the executor pods); default: the one"
                    + " the Helm chart creates with spark.enabled.")
    public String serviceAccount;

    @JsonPropertyDescription("The driver pod.")
    public Driver driver;

    @JsonPropertyDescription("The executor pods.")
    public Executor executor;

    @JsonPropertyDescription(
            "Extra Spark properties (spark.sql.shuffle.partitions, ...), passed as sparkConf.")
    public java.util.Map<String, String> sparkConf;

    @JsonPropertyDescription(
            "Dynamic allocation: the driver adds and removes executors with the work between"
                    + " minExecutors and maxExecutors (shuffle tracking on, no external"
                    + " shuffle service); off by default: executor.instances executors.")
    public DynamicAllocation dynamicAllocation;

    @Pattern("^(volcano|yunikorn)$")
    @JsonPropertyDescription(
            "Batch scheduler of the driver and executor pods (volcano or yunikorn), passed"
                    + " to the Spark Operator (gang scheduling, queues); default: the"
                    + " cluster's scheduler.")
    public String batchScheduler;

    @JsonPropertyDescription(
            "Options of the batch scheduler, passed through as the SparkApplication's"
                    + " batchSchedulerOptions.")
    public BatchSchedulerOptions batchSchedulerOptions;

    /** Spark's dynamic allocation of executors. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(
            value =
                    "!has(self.minExecutors) || !has(self.maxExecutors) || self.minExecutors <="
                            + " self.maxExecutors",
            message = "minExecutors must not exceed maxExecutors")
    public static class DynamicAllocation {
        @Default("false")
        @JsonPropertyDescription("Whether the driver scales its executors with the work.")
        public Boolean enabled = false;

        @Min(0)
        @JsonPropertyDescription("Executors at start (default: minExecutors).")
        public Integer initialExecutors;

        @Min(0)
        @JsonPropertyDescription("Fewest executors kept (default 0).")
        public Integer minExecutors;

        @Min(1)
        @JsonPropertyDescription("Most executors requested (default: unbounded).")
        public Integer maxExecutors;
    }

    /** What the Spark Operator passes to a batch scheduler. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class BatchSchedulerOptions {
        @JsonPropertyDescription("Queue of the application (Volcano queue, YuniKorn queue).")
        public String queue;

        @JsonPropertyDescription("PriorityClass of the application's pods.")
        public String priorityClassName;
    }

    /** Driver resources. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Driver {
        @Min(1)
        @Default("1")
        @JsonPropertyDescription("CPU cores of the driver.")
        public Integer cores = 1;

        @Pattern(SPARK_MEMORY_PATTERN)
        @Default("1g")
        @JsonPropertyDescription("Driver JVM memory in Spark's notation (at least 512m), e.g. 2g.")
        public String memory = "1g";

        @Pattern(SPARK_MEMORY_PATTERN)
        @JsonPropertyDescription(
                "Memory of the driver pod beyond the JVM heap (off-heap, native), e.g. 512m;"
                        + " default Spark's: 10% of memory, at least 384m.")
        public String memoryOverhead;
    }

    /** Executor count and resources. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Executor {
        @Min(1)
        @Default("2")
        @JsonPropertyDescription("Number of executor pods.")
        public Integer instances = 2;

        @Min(1)
        @Default("1")
        @JsonPropertyDescription("CPU cores (task slots) per executor.")
        public Integer cores = 1;

        @Pattern(SPARK_MEMORY_PATTERN)
        @Default("1g")
        @JsonPropertyDescription(
                "Executor JVM memory in Spark's notation (at least 512m), e.g. 4g.")
        public String memory = "1g";

        @Pattern(SPARK_MEMORY_PATTERN)
        @JsonPropertyDescription(
                "Memory of each executor pod beyond the JVM heap (off-heap, native, shuffle"
                        + " buffers), e.g. 1g; default Spark's: 10% of memory, at least 384m.")
        public String memoryOverhead;
    }
}
