package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The Kubeflow Spark Operator of local mode: submits each SparkApplication in cluster mode as the
 * Spark Operator's spark-submit does ({@link SparkSubmission}: the driver's {@code
 * spark.properties} ConfigMap and the driver Pod, created through the API server), follows the
 * driver pod the kubelet runs ({@link UnboundPods}) and writes {@code .status.applicationState},
 * {@code .status.sparkApplicationId} and {@code .status.driverInfo.podName} as the Spark Operator
 * does. The driver's {@code KubernetesClusterSchedulerBackend} creates its executor pods through
 * the same API server and the kubelet runs them; what runs a pod is chosen from its image ({@link
 * SparkSubmission#runtimeOf}), so any Spark application image built here fits.
 */
public final class LocalSparkOperator implements AutoCloseable {

    /** The runtime the kubelet starts for a driver pod. */
    public static final String RUNTIME = "pivot-spark";

    /**
     * JVM flags of a driver started with plain {@code java}: the module openings spark-submit adds
     * on JDK 17, and a local master bound to the loopback interface without a UI.
     */
    public static final List<String> JVM_FLAGS =
            List.of(
                    "--add-opens=java.base/java.lang=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                    "--add-opens=java.base/java.io=ALL-UNNAMED",
                    "--add-opens=java.base/java.net=ALL-UNNAMED",
                    "--add-opens=java.base/java.nio=ALL-UNNAMED",
                    "--add-opens=java.base/java.util=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
                    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                    "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
                    "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
                    "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
                    "-Dspark.master=local[2]",
                    "-Dspark.ui.enabled=false",
                    "-Dspark.driver.host=127.0.0.1",
                    "-Dspark.driver.bindAddress=127.0.0.1");

    static final String GROUP = "sparkoperator.k8s.io";
    static final long POLL_MILLIS = 500;
    static final String DRIVER_CONTAINER = "spark-kubernetes-driver";
    static final ResourceDefinitionContext CONTEXT =
            new ResourceDefinitionContext.Builder()
                    .withGroup(GROUP)
                    .withVersion("v1beta2")
                    .withKind("SparkApplication")
                    .withPlural("sparkapplications")
                    .withNamespaced(true)
                    .build();

    private final KubernetesClient client;
    private final Kubelet kubelet;
    private final Consumer<String> log;
    private final Map<String, Run> runs = new ConcurrentHashMap<>();
    private final ExecutorService threads =
            Executors.newCachedThreadPool(
                    r -> {
                        Thread t = new Thread(r, "spark-driver");
                        t.setDaemon(true);
                        return t;
                    });
    private SharedIndexInformer<GenericKubernetesResource> informer;
    private volatile boolean closed;

    public LocalSparkOperator(KubernetesClient client, Kubelet kubelet, Consumer<String> log) {
        this.client = client;
        this.kubelet = kubelet;
        this.log = log;
    }

    /** The SparkApplication CRD as far as an API server needs it (the real one has the schema). */
    static CustomResourceDefinition crd() {
        return new CustomResourceDefinitionBuilder()
                .withNewMetadata()
                .withName("sparkapplications." + GROUP)
                .endMetadata()
                .withNewSpec()
                .withGroup(GROUP)
                .withScope("Namespaced")
                .withNewNames()
                .withKind("SparkApplication")
                .withListKind("SparkApplicationList")
                .withPlural("sparkapplications")
                .withSingular("sparkapplication")
                .endNames()
                .addNewVersion()
                .withName("v1beta2")
                .withServed(true)
                .withStorage(true)
                .withNewSubresources()
                .withNewStatus()
                .endStatus()
                .endSubresources()
                .withNewSchema()
                .withNewOpenAPIV3Schema()
                .withType("object")
                .withXKubernetesPreserveUnknownFields(true)
                .endOpenAPIV3Schema()
                .endSchema()
                .endVersion()
                .endSpec()
                .build();
    }

    /**
     * Creates the CRD (before the operator starts, so it watches SparkApplications) and watches.
     */
    public LocalSparkOperator start() {
        try {
            client.apiextensions().v1().customResourceDefinitions().resource(crd()).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
        informer =
                client.genericKubernetesResources(CONTEXT)
                        .inAnyNamespace()
                        .inform(
                                new ResourceEventHandler<>() {
                                    @Override
                                    public void onAdd(GenericKubernetesResource app) {
                                        onApplication(app);
                                    }

                                    @Override
                                    public void onUpdate(
                                            GenericKubernetesResource old,
                                            GenericKubernetesResource app) {
                                        onApplication(app);
                                    }

                                    @Override
                                    public void onDelete(
                                            GenericKubernetesResource app, boolean unknown) {
                                        Run run = runs.remove(app.getMetadata().getUid());
                                        if (run != null) {
                                            run.cancel();
                                        }
                                    }
                                },
                                0);
        return this;
    }

    private void onApplication(GenericKubernetesResource app) {
        if (closed
                || app.getMetadata().getDeletionTimestamp() != null
                || app.get("status", "applicationState", "state") != null) {
            return;
        }
        runs.computeIfAbsent(
                app.getMetadata().getUid(),
                uid -> {
                    Run run = new Run(app);
                    threads.submit(run::run);
                    return run;
                });
    }

    /**
     * One application: submitted in cluster mode (the driver's ConfigMap and Pod created through
     * the API), its driver pod followed to its end, completed or failed.
     */
    private final class Run {
        final GenericKubernetesResource app;
        volatile String applicationId;
        volatile boolean cancelled;

        Run(GenericKubernetesResource app) {
            this.app = app;
        }

        /** Deletes the driver pod (the kubelet stops it) and whatever executor pods are left. */
        void cancel() {
            cancelled = true;
            String ns = app.getMetadata().getNamespace();
            try {
                client.pods()
                        .inNamespace(ns)
                        .withName(app.getMetadata().getName() + "-driver")
                        .delete();
                if (applicationId != null) {
                    client.pods()
                            .inNamespace(ns)
                            .withLabel(SparkSubmission.APP_SELECTOR, applicationId)
                            .delete();
                }
            } catch (KubernetesClientException e) {
                // the API is gone (local mode stopping)
            }
        }

        void run() {
            String ns = app.getMetadata().getNamespace();
            String name = app.getMetadata().getName();
            try {
                SparkSubmission.Objects submitted =
                        new SparkSubmission(client.getKubernetesSerialization())
                                .submit(app, client.getConfiguration().getMasterUrl());
                applicationId = submitted.applicationId();
                String driverPod = submitted.driver().getMetadata().getName();
                client.configMaps().inNamespace(ns).resource(submitted.conf()).create();
                client.pods().inNamespace(ns).resource(submitted.driver()).create();
                setState(ns, name, "SUBMITTED", null, driverPod, applicationId);
                ContainerStateTerminated end = awaitDriver(ns, driverPod, name);
                if (cancelled || closed || end == null) {
                    return;
                }
                if (end.getExitCode() == 0) {
                    setState(ns, name, "COMPLETED", null, driverPod, applicationId);
                    log.accept("spark-operator: " + ns + "/" + name + " completed");
                } else {
                    String error = "driver container failed with exit code " + end.getExitCode();
                    setState(ns, name, "FAILED", error, driverPod, applicationId);
                    log.accept("spark-operator: " + ns + "/" + name + " failed: " + error);
                }
            } catch (RuntimeException e) {
                if (!cancelled && !closed) {
                    log.accept("spark-operator: " + ns + "/" + name + ": " + e);
                    try {
                        setState(
                                ns, name, "SUBMISSION_FAILED", e.getMessage(), null, applicationId);
                    } catch (RuntimeException ignored) {
                        // the application is gone
                    }
                }
            }
        }

        /**
         * Follows the driver pod: RUNNING once its container runs, its terminated state at the end;
         * null when the pod is deleted or the run cancelled.
         */
        private ContainerStateTerminated awaitDriver(String ns, String pod, String name) {
            boolean running = false;
            while (!cancelled && !closed) {
                Pod driver = client.pods().inNamespace(ns).withName(pod).get();
                if (driver == null) {
                    return null;
                }
                ContainerState state = driverState(driver);
                if (state != null && state.getTerminated() != null) {
                    return state.getTerminated();
                }
                if (!running && state != null && state.getRunning() != null) {
                    running = true;
                    setState(ns, name, "RUNNING", null, pod, applicationId);
                }
                try {
                    Thread.sleep(POLL_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
            return null;
        }
    }

    private static ContainerState driverState(Pod driver) {
        if (driver.getStatus() == null || driver.getStatus().getContainerStatuses() == null) {
            return null;
        }
        return driver.getStatus().getContainerStatuses().stream()
                .filter(c -> DRIVER_CONTAINER.equals(c.getName()))
                .map(ContainerStatus::getState)
                .findFirst()
                .orElse(null);
    }

    private void setState(
            String ns,
            String name,
            String state,
            String error,
            String driverPod,
            String applicationId) {
        Map<String, Object> applicationState = new LinkedHashMap<>();
        applicationState.put("state", state);
        if (error != null) {
            applicationState.put("errorMessage", error);
        }
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("applicationState", applicationState);
        if (applicationId != null) {
            status.put("sparkApplicationId", applicationId);
        }
        status.put("lastSubmissionAttemptTime", Instant.now().toString());
        if (driverPod != null) {
            status.put("driverInfo", Map.of("podName", driverPod));
        }
        if ("COMPLETED".equals(state) || "FAILED".equals(state)) {
            status.put("terminationTime", Instant.now().toString());
        }
        client.genericKubernetesResources(CONTEXT)
                .inNamespace(ns)
                .withName(name)
                .editStatus(
                        a -> {
                            a.setAdditionalProperty("status", status);
                            return a;
                        });
    }

    /** Stops every driver this operator started. */
    @Override
    public void close() {
        closed = true;
        if (informer != null) {
            informer.close();
        }
        runs.values().forEach(Run::cancel);
        threads.shutdownNow();
    }
}
