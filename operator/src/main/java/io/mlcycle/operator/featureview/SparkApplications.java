package io.mlcycle.operator.featureview;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.javaoperatorsdk.operator.processing.GroupVersionKind;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.PodOverrides;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.common.JobResults;
import io.mlcycle.operator.common.OperatorConfig;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.common.RuntimeObjects;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The Spark engine of a FeatureView: the Kubeflow Spark Operator {@code SparkApplication} that runs
 * one materialization, and its outcome read back.
 *
 * <p>Why a SparkApplication and not spark-submit from the operator: it is declarative and
 * create-only like the duckdb engine's Job, owned by the FeatureView (garbage-collected with it),
 * and watchable (its status arrives as an informer event and survives an operator restart, where a
 * spark-submit child process would not); the Spark Operator submits, runs and cleans up driver and
 * executor pods; and the operator image needs no Spark distribution. The resource is handled as a
 * {@link GenericKubernetesResource} so the operator has no dependency on a spark-operator client.
 */
@ApplicationScoped
public class SparkApplications {

    public static final String GROUP = "sparkoperator.k8s.io";
    public static final String VERSION = "v1beta2";
    public static final String API_VERSION = GROUP + "/" + VERSION;
    public static final String KIND = "SparkApplication";
    public static final String PLURAL = "sparkapplications";
    public static final String CRD = PLURAL + "." + GROUP;
    public static final GroupVersionKind GVK = new GroupVersionKind(GROUP, VERSION, KIND);

    /** Group, version, kind and plural: the client needs no API discovery to use them. */
    public static final ResourceDefinitionContext CONTEXT =
            new ResourceDefinitionContext.Builder()
                    .withGroup(GROUP)
                    .withVersion(VERSION)
                    .withKind(KIND)
                    .withPlural(PLURAL)
                    .withNamespaced(true)
                    .build();

    public static final String MAIN_CLASS = "io.mlcycle.pivot.spark.Main";
    public static final String APPLICATION_FILE = "local:///opt/mlcycle/pivot-spark.jar";

    /** The runtime's own libraries in the pivot-spark image. */
    public static final String LIB_CLASSPATH = "/opt/mlcycle/lib/*";

    /** The container name the Spark Operator gives the driver. */
    public static final String DRIVER_CONTAINER = "spark-kubernetes-driver";

    public static final String ENGINE_LABEL = "mlcycle.io/engine";

    /** States after which the Spark Operator does nothing more with an application. */
    static final Set<String> DONE = Set.of("COMPLETED", "FAILED", "SUBMISSION_FAILED");

    private static final Logger LOG = Logger.getLogger(SparkApplications.class);

    @Inject OperatorConfig config;
    @Inject KubernetesClient client;
    @Inject RuntimeJobs runtimeJobs;

    private volatile Optional<String> unavailable;

    public SparkApplications() {}

    /** For tests without CDI. */
    public SparkApplications(
            OperatorConfig config, KubernetesClient client, RuntimeJobs runtimeJobs) {
        this.config = config;
        this.client = client;
        this.runtimeJobs = runtimeJobs;
    }

    /**
     * Why the Spark engine cannot be used, or empty when it can: disabled by config, or the
     * SparkApplication CRD is not installed. Decided once (at start-up, when the event sources are
     * prepared): the operator only watches SparkApplications when it can, so it starts and runs the
     * duckdb engine in a cluster without the Spark Operator.
     */
    public Optional<String> unavailable() {
        Optional<String> known = unavailable;
        if (known == null) {
            known = check();
            known.ifPresent(why -> LOG.infof("FeatureView engine spark is not available: %s", why));
            unavailable = known;
        }
        return known;
    }

    public boolean available() {
        return unavailable().isEmpty();
    }

    private Optional<String> check() {
        if (!config.spark().enabled()) {
            return Optional.of(
                    "the operator runs with the Spark engine disabled (mlcycle.spark.enabled=false;"
                            + " Helm value spark.enabled)");
        }
        try {
            if (client.apiextensions().v1().customResourceDefinitions().withName(CRD).get()
                    == null) {
                return Optional.of(
                        "the SparkApplication CRD ("
                                + CRD
                                + ") is not installed: install the Kubeflow Spark Operator and"
                                + " restart the mlcycle operator");
            }
            return Optional.empty();
        } catch (KubernetesClientException e) {
            return Optional.of("cannot read the CRD " + CRD + ": " + e.getMessage());
        }
    }

    /**
     * The SparkApplication of one materialization: the pivot-spark jar's main class in cluster
     * mode, the PivotTask in the driver's {@code MLCYCLE_TASK} exactly as a pivot Job's pod gets
     * it, the Secret variables and the view's object storage env on driver and executors, the data
     * volume and scratch {@code /tmp} of runtime pods, restartPolicy Never (an Invalid,
     * WaitingForData or ValidationFailed outcome must not be retried, as the Job's pod failure
     * policy ensures).
     */
    public GenericKubernetesResource application(FeatureView fv, String name, PivotTask task) {
        FeatureViewSpec spec = Defaults.copy(fv.getSpec());
        FeatureViewSpec.Spark spark =
                spec.spark == null ? Defaults.apply(new FeatureViewSpec.Spark()) : spec.spark;
        FeatureViewSpec.Driver driver =
                spark.driver == null ? Defaults.apply(new FeatureViewSpec.Driver()) : spark.driver;
        FeatureViewSpec.Executor executor =
                spark.executor == null
                        ? Defaults.apply(new FeatureViewSpec.Executor())
                        : spark.executor;
        Map<String, String> labels = labels(fv);
        RuntimeJobs.Volumes volumes = runtimeJobs.volumes();
        List<EnvVar> secrets = new ArrayList<>(PivotTasks.env(spec));
        secrets.addAll(runtimeJobs.storageEnv(fv));
        List<EnvVar> driverEnv = new ArrayList<>();
        driverEnv.add(
                new EnvVarBuilder()
                        .withName(TaskJson.TASK_ENV)
                        .withValue(TaskJson.writeTask(task))
                        .build());
        driverEnv.addAll(secrets);

        Map<String, Object> driverSpec = new LinkedHashMap<>();
        driverSpec.put("cores", driver.cores);
        driverSpec.put("memory", driver.memory);
        if (driver.memoryOverhead != null) {
            driverSpec.put("memoryOverhead", driver.memoryOverhead);
        }
        serviceAccount(spark).ifPresent(sa -> driverSpec.put("serviceAccount", sa));
        driverSpec.put("labels", labels);
        driverSpec.put("env", driverEnv);
        driverSpec.put("volumeMounts", volumes.mounts());
        runtimeJobs.securityContext().ifPresent(sc -> driverSpec.put("securityContext", sc));

        Map<String, Object> executorSpec = new LinkedHashMap<>();
        executorSpec.put("instances", executor.instances);
        executorSpec.put("cores", executor.cores);
        executorSpec.put("memory", executor.memory);
        if (executor.memoryOverhead != null) {
            executorSpec.put("memoryOverhead", executor.memoryOverhead);
        }
        // Executors call no API: the runtime account, without permissions or token.
        config.runtime()
                .serviceAccount()
                .filter(sa -> !sa.isBlank())
                .ifPresent(sa -> executorSpec.put("serviceAccount", sa));
        executorSpec.put("labels", labels);
        if (!secrets.isEmpty()) {
            executorSpec.put("env", secrets);
        }
        executorSpec.put("volumeMounts", volumes.mounts());
        runtimeJobs.securityContext().ifPresent(sc -> executorSpec.put("securityContext", sc));
        PodOverrides.applyToSpark(spec.pod, driverSpec);
        PodOverrides.applyToSpark(spec.pod, executorSpec);

        // The image keeps its jars (Spark's and what Spark lacks: DuckDB, Jedis, the PostgreSQL
        // driver, mlcycle's modules) in /opt/mlcycle/lib. Shuffle files go to the emptyDir Spark
        // mounts for its local dirs by itself (writable under a read-only root file system). No
        // --add-opens here: the image's entrypoint adds them to every JVM it starts.
        Map<String, String> sparkConf = new LinkedHashMap<>();
        sparkConf.put("spark.driver.extraClassPath", LIB_CLASSPATH);
        sparkConf.put("spark.executor.extraClassPath", LIB_CLASSPATH);
        if (spark.sparkConf != null) {
            sparkConf.putAll(spark.sparkConf);
        }

        Map<String, Object> appSpec = new LinkedHashMap<>();
        appSpec.put("type", "Java");
        appSpec.put("mode", "cluster");
        appSpec.put("image", image(spark));
        appSpec.put("imagePullPolicy", "IfNotPresent");
        if (spec.pod != null && spec.pod.imagePullSecrets != null) {
            appSpec.put(
                    "imagePullSecrets",
                    spec.pod.imagePullSecrets.stream()
                            .map(io.fabric8.kubernetes.api.model.LocalObjectReference::getName)
                            .toList());
        }
        appSpec.put("mainClass", MAIN_CLASS);
        appSpec.put("mainApplicationFile", APPLICATION_FILE);
        appSpec.put("sparkVersion", spark.sparkVersion);
        appSpec.put("restartPolicy", Map.of("type", "Never"));
        appSpec.put("sparkConf", sparkConf);
        appSpec.put("volumes", volumes.volumes());
        appSpec.put("driver", driverSpec);
        appSpec.put("executor", executorSpec);
        scheduling(spark, appSpec);

        GenericKubernetesResource app = new GenericKubernetesResource();
        app.setApiVersion(API_VERSION);
        app.setKind(KIND);
        app.setMetadata(
                new ObjectMetaBuilder()
                        .withName(name)
                        .withNamespace(fv.getMetadata().getNamespace())
                        .withLabels(new LinkedHashMap<>(labels))
                        .withOwnerReferences(RuntimeObjects.controllerReference(fv))
                        .build());
        // Through the client's serialization: plain maps and lists, as a SparkApplication read
        // back from the API server holds them.
        app.setAdditionalProperty(
                "spec", client.getKubernetesSerialization().convertValue(appSpec, Map.class));
        return app;
    }

    /**
     * Dynamic allocation and the batch scheduler, as the Spark Operator's fields of the same names
     * (it turns them into spark.dynamicAllocation.* and the pods' scheduler).
     */
    static void scheduling(FeatureViewSpec.Spark spark, Map<String, Object> appSpec) {
        FeatureViewSpec.DynamicAllocation dynamic = spark.dynamicAllocation;
        if (dynamic != null && Boolean.TRUE.equals(dynamic.enabled)) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("enabled", true);
            if (dynamic.initialExecutors != null) {
                d.put("initialExecutors", dynamic.initialExecutors);
            }
            if (dynamic.minExecutors != null) {
                d.put("minExecutors", dynamic.minExecutors);
            }
            if (dynamic.maxExecutors != null) {
                d.put("maxExecutors", dynamic.maxExecutors);
            }
            appSpec.put("dynamicAllocation", d);
        }
        if (spark.batchScheduler != null && !spark.batchScheduler.isBlank()) {
            appSpec.put("batchScheduler", spark.batchScheduler);
        }
        FeatureViewSpec.BatchSchedulerOptions options = spark.batchSchedulerOptions;
        if (options != null) {
            Map<String, Object> o = new LinkedHashMap<>();
            if (options.queue != null) {
                o.put("queue", options.queue);
            }
            if (options.priorityClassName != null) {
                o.put("priorityClassName", options.priorityClassName);
            }
            appSpec.put("batchSchedulerOptions", o);
        }
    }

    /** Labels of a FeatureView's runtime objects plus the engine. */
    static Map<String, String> labels(FeatureView fv) {
        Map<String, String> labels = RuntimeObjects.labels(fv, RuntimeJobs.Runtime.pivot);
        labels.put(ENGINE_LABEL, FeatureViewSpec.Engine.spark.name());
        return labels;
    }

    String image(FeatureViewSpec.Spark spark) {
        return spark.image != null && !spark.image.isBlank()
                ? spark.image
                : config.images().pivotSpark();
    }

    private Optional<String> serviceAccount(FeatureViewSpec.Spark spark) {
        if (spark.serviceAccount != null && !spark.serviceAccount.isBlank()) {
            return Optional.of(spark.serviceAccount);
        }
        return config.spark().serviceAccount().filter(s -> !s.isBlank());
    }

    public GenericKubernetesResource create(GenericKubernetesResource app) {
        return client.genericKubernetesResources(CONTEXT)
                .inNamespace(app.getMetadata().getNamespace())
                .resource(app)
                .create();
    }

    /**
     * {@code .status.applicationState.state}, upper case; empty before the Spark Operator saw it.
     */
    public static String applicationState(GenericKubernetesResource app) {
        Object state = app.get("status", "applicationState", "state");
        return state == null ? "" : state.toString().toUpperCase(Locale.ROOT);
    }

    /**
     * COMPLETED: succeeded; FAILED and SUBMISSION_FAILED: failed; every other state (new,
     * SUBMITTED, RUNNING, PENDING_RERUN, INVALIDATING, SUCCEEDING, FAILING, UNKNOWN): running.
     */
    public static JobResults.State state(GenericKubernetesResource app) {
        return switch (applicationState(app)) {
            case "COMPLETED" -> JobResults.State.Succeeded;
            case "FAILED", "SUBMISSION_FAILED" -> JobResults.State.Failed;
            default -> JobResults.State.Running;
        };
    }

    /**
     * The application's state and, once done, the summary its driver left in its termination
     * message (as a pivot Job's pod does); without one, a failure carrying the Spark Operator's
     * error message.
     */
    public JobResults.Result result(GenericKubernetesResource app) {
        JobResults.State state = state(app);
        if (state == JobResults.State.Running) {
            return new JobResults.Result(state, null);
        }
        String name = app.getMetadata().getName();
        Optional<Summary> fromDriver =
                "SUBMISSION_FAILED".equals(applicationState(app))
                        ? Optional.empty()
                        : driverSummary(app);
        if (fromDriver.isPresent()) {
            Summary s = fromDriver.get();
            if (state == JobResults.State.Failed && s.outcome() == Summary.Outcome.Succeeded) {
                return new JobResults.Result(state, failure(app));
            }
            return new JobResults.Result(state, s);
        }
        if (state == JobResults.State.Succeeded) {
            return new JobResults.Result(
                    state,
                    Summary.failure(
                            Summary.Outcome.Failed,
                            "NoSummary",
                            "SparkApplication "
                                    + name
                                    + " completed but its driver left no termination message"));
        }
        return new JobResults.Result(state, failure(app));
    }

    private Optional<Summary> driverSummary(GenericKubernetesResource app) {
        Object podName = app.get("status", "driverInfo", "podName");
        if (podName == null || podName.toString().isBlank()) {
            return Optional.empty();
        }
        Pod pod =
                client.pods()
                        .inNamespace(app.getMetadata().getNamespace())
                        .withName(podName.toString())
                        .get();
        return pod == null ? Optional.empty() : JobResults.podSummary(pod, DRIVER_CONTAINER);
    }

    private static Summary failure(GenericKubernetesResource app) {
        String state = applicationState(app);
        Object error = app.get("status", "applicationState", "errorMessage");
        String reason = "SUBMISSION_FAILED".equals(state) ? "SubmissionFailed" : "SparkFailed";
        String message =
                "SparkApplication "
                        + app.getMetadata().getName()
                        + " "
                        + state
                        + (error == null || error.toString().isBlank() ? "" : ": " + error);
        return Summary.failure(Summary.Outcome.Failed, reason, message);
    }
}
