package io.mlcycle.operator.testing;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.featureview.SparkApplications;
import io.mlcycle.task.Summary;
import io.mlcycle.task.Task;
import io.mlcycle.task.TaskJson;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * Plays the Kubeflow Spark Operator for tests: moves a SparkApplication through its states and
 * leaves a terminated driver pod with a summary as its termination message, as the real driver (the
 * pivot-spark jar) does.
 */
public class SparkOperator {

    private final KubernetesClient client;

    public SparkOperator(KubernetesClient client) {
        this.client = client;
    }

    /** Waits for a SparkApplication with this name and returns it. */
    public GenericKubernetesResource awaitApplication(String name) {
        return await().atMost(Cluster.TIMEOUT).until(() -> get(name), a -> a != null);
    }

    /** The one task the application hands its driver ({@link TaskJson#TASK_ENV} in its env). */
    public static Task driverTask(GenericKubernetesResource app) {
        List<Map<String, Object>> env =
                Trees.at(app.getAdditionalProperties(), "spec", "driver", "env");
        List<String> tasks =
                env.stream()
                        .filter(e -> TaskJson.TASK_ENV.equals(e.get("name")))
                        .map(e -> (String) e.get("value"))
                        .toList();
        if (tasks.size() != 1) {
            throw new AssertionError(tasks.size() + " tasks in the driver's env: " + env);
        }
        return TaskJson.readTask(tasks.get(0));
    }

    public GenericKubernetesResource get(String name) {
        return client.genericKubernetesResources(SparkApplications.CONTEXT)
                .inNamespace(Cluster.NS)
                .withName(name)
                .get();
    }

    /** Sets {@code status.applicationState} (and the driver pod name when given). */
    public void state(String name, String state, String errorMessage, String driverPod) {
        Map<String, Object> applicationState = new LinkedHashMap<>();
        applicationState.put("state", state);
        if (errorMessage != null) {
            applicationState.put("errorMessage", errorMessage);
        }
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("applicationState", applicationState);
        status.put("sparkApplicationId", "spark-" + name);
        if (driverPod != null) {
            status.put("driverInfo", Map.of("podName", driverPod));
        }
        client.genericKubernetesResources(SparkApplications.CONTEXT)
                .inNamespace(Cluster.NS)
                .withName(name)
                .editStatus(
                        a -> {
                            a.setAdditionalProperty("status", status);
                            return a;
                        });
        await().atMost(Cluster.TIMEOUT)
                .until(() -> state.equals(SparkApplications.applicationState(get(name))));
    }

    /** Submitted and running, its driver pod named. */
    public void run(String name) {
        state(name, "SUBMITTED", null, null);
        state(name, "RUNNING", null, name + "-driver");
    }

    /**
     * The driver ends with the summary; the application COMPLETES when its outcome is Succeeded,
     * else FAILS.
     */
    public void finish(String name, Summary summary) {
        run(name);
        int code = summary.outcome().exitCode();
        terminateDriver(name, code, TaskJson.writeSummary(summary));
        state(
                name,
                code == 0 ? "COMPLETED" : "FAILED",
                code == 0 ? null : "driver container failed with ExitCode: " + code,
                name + "-driver");
    }

    /** The Spark Operator could not submit the application: no driver ever ran. */
    public void submissionFailed(String name, String errorMessage) {
        state(name, "SUBMISSION_FAILED", errorMessage, null);
    }

    /** Creates the terminated driver pod {@code <name>-driver}. */
    public void terminateDriver(String name, int exitCode, String message) {
        client.pods()
                .inNamespace(Cluster.NS)
                .resource(
                        new PodBuilder()
                                .withNewMetadata()
                                .withName(name + "-driver")
                                .withNamespace(Cluster.NS)
                                .withLabels(
                                        Map.of(
                                                "spark-role",
                                                "driver",
                                                "sparkoperator.k8s.io/app-name",
                                                name))
                                .withCreationTimestamp(Instant.now().toString())
                                .endMetadata()
                                .withNewSpec()
                                .addNewContainer()
                                .withName(SparkApplications.DRIVER_CONTAINER)
                                .withImage("mlcycle/pivot-spark:test")
                                .endContainer()
                                .endSpec()
                                .withNewStatus()
                                .withPhase(exitCode == 0 ? "Succeeded" : "Failed")
                                .withContainerStatuses(
                                        Kubelet.terminated(
                                                SparkApplications.DRIVER_CONTAINER,
                                                exitCode,
                                                message))
                                .endStatus()
                                .build())
                .create();
    }
}
