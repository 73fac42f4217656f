package io.mlcycle.operator.featureview;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.javaoperatorsdk.operator.processing.GroupVersionKind;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.common.JobResults;
import io.mlcycle.operator.common.OperatorConfig;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.common.RuntimeObjects;
import io.mlcycle.operator.common.SparkApplicationBuilder;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.ArrayList;
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

    public static final String GROUP = SparkApplicationBuilder.GROUP;
    public static final String VERSION = SparkApplicationBuilder.VERSION;
    public static final String API_VERSION = GROUP + "/" + VERSION;
    public static final String KIND = SparkApplicationBuilder.KIND;
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
    public static final String LIB_CLASSPATH = SparkApplicationBuilder.LIB_CLASSPATH;

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
     * The SparkApplication of one materialization: the pivot-spark jar's main class, the PivotTask
     * in the driver's {@code MLCYCLE_TASK} exactly as a pivot Job's pod gets it, the Secret
     * variables and the view's object storage env on driver and executors (see {@link
     * SparkApplicationBuilder}); restartPolicy Never: an Invalid, WaitingForData or
     * ValidationFailed outcome must not be retried, as the Job's pod failure policy ensures.
     */
    public GenericKubernetesResource application(FeatureView fv, String name, PivotTask task) {
        FeatureViewSpec spec = Defaults.copy(fv.getSpec());
        List<EnvVar> env = new ArrayList<>(PivotTasks.env(spec));
        env.addAll(runtimeJobs.storageEnv(fv));
        SparkApplicationBuilder.Runtime runtime =
                new SparkApplicationBuilder.Runtime(
                        MAIN_CLASS, APPLICATION_FILE, config.images().pivotSpark(), Map.of(), true);
        return SparkApplicationBuilder.build(
                new SparkApplicationBuilder.Request(
                        fv, name, labels(fv), runtime, task, spec.spark, env, spec.pod),
                config,
                runtimeJobs,
                client.getKubernetesSerialization());
    }

    /** Labels of a FeatureView's runtime objects plus the engine. */
    static Map<String, String> labels(FeatureView fv) {
        Map<String, String> labels = RuntimeObjects.labels(fv, RuntimeJobs.Runtime.pivot);
        labels.put(ENGINE_LABEL, FeatureViewSpec.Engine.spark.name());
        return labels;
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
                            FeatureViewConditions.NO_SUMMARY,
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
        String reason =
                "SUBMISSION_FAILED".equals(state)
                        ? FeatureViewConditions.SUBMISSION_FAILED
                        : FeatureViewConditions.SPARK_FAILED;
        String message =
                "SparkApplication "
                        + app.getMetadata().getName()
                        + " "
                        + state
                        + (error == null || error.toString().isBlank() ? "" : ": " + error);
        return Summary.failure(Summary.Outcome.Failed, reason, message);
    }
}
