package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The Kubeflow Spark Operator of local mode: runs each SparkApplication's driver as a local process
 * of {@code runtime-images/pivot-spark} (Spark's local master on two cores, no executor pods)
 * through the kubelet, which records the driver pod and its termination message, and writes {@code
 * .status.applicationState} and {@code .status.driverInfo.podName} as the Spark Operator does. The
 * operator follows it exactly as in a cluster.
 */
public final class LocalSparkOperator implements AutoCloseable {

    /** The runtime the kubelet starts for a driver pod. */
    public static final String RUNTIME = "pivot-spark";

    /**
     * The runtime of a driver by its application's {@code mainApplicationFile} (the jar a cluster's
     * image holds); an unknown file runs {@link #RUNTIME}.
     */
    public static final Map<String, String> RUNTIMES =
            Map.of(
                    "local:///opt/mlcycle/pivot-spark.jar",
                    RUNTIME,
                    "local:///opt/mlcycle/trainer-spark.jar",
                    "trainer-spark");

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

    /** One application: submitted, its driver run to completion, completed or failed. */
    private final class Run {
        final GenericKubernetesResource app;
        volatile Process process;
        volatile boolean cancelled;

        Run(GenericKubernetesResource app) {
            this.app = app;
        }

        void cancel() {
            cancelled = true;
            Processes.stop(process, 2000);
        }

        void run() {
            String ns = app.getMetadata().getNamespace();
            String name = app.getMetadata().getName();
            String driverPod = name + "-driver";
            try {
                PodTemplateSpec template = driverTemplate(app);
                String options = javaOptions(app);
                setState(ns, name, "SUBMITTED", null, null);
                setState(ns, name, "RUNNING", null, driverPod);
                Map<String, String> labels =
                        new LinkedHashMap<>(template.getMetadata().getLabels());
                labels.put("spark-role", "driver");
                labels.put(GROUP + "/app-name", name);
                PodLauncher.Result result =
                        kubelet.pods()
                                .runToCompletion(
                                        ns,
                                        driverPod,
                                        labels,
                                        app,
                                        template,
                                        Long.MAX_VALUE,
                                        p -> process = p,
                                        options.isEmpty()
                                                ? Map.of()
                                                : Map.of("JDK_JAVA_OPTIONS", options));
                if (cancelled || closed) {
                    return;
                }
                if (result.exitCode() == 0) {
                    setState(ns, name, "COMPLETED", null, driverPod);
                    log.accept("spark-operator: " + ns + "/" + name + " completed");
                } else {
                    String error = "driver container failed with exit code " + result.exitCode();
                    setState(ns, name, "FAILED", error, driverPod);
                    log.accept("spark-operator: " + ns + "/" + name + " failed: " + error);
                }
            } catch (RuntimeException e) {
                if (!cancelled && !closed) {
                    log.accept("spark-operator: " + ns + "/" + name + ": " + e);
                    try {
                        setState(ns, name, "SUBMISSION_FAILED", e.getMessage(), null);
                    } catch (RuntimeException ignored) {
                        // the application is gone
                    }
                }
            }
        }
    }

    /**
     * The driver pod of an application: its image, env, volume mounts and labels, and the runtime
     * label naming the process ({@link #RUNTIMES}: pivot-spark or trainer-spark).
     */
    @SuppressWarnings("unchecked")
    PodTemplateSpec driverTemplate(GenericKubernetesResource app) {
        Map<String, Object> spec =
                (Map<String, Object>) app.getAdditionalProperties().getOrDefault("spec", Map.of());
        Map<String, Object> driver = (Map<String, Object>) spec.getOrDefault("driver", Map.of());
        Map<String, String> labels = new LinkedHashMap<>();
        if (driver.get("labels") instanceof Map<?, ?> l) {
            l.forEach((k, v) -> labels.put(k.toString(), String.valueOf(v)));
        }
        labels.put(
                Kubelet.RUNTIME_LABEL,
                RUNTIMES.getOrDefault(String.valueOf(spec.get("mainApplicationFile")), RUNTIME));
        Container container =
                new ContainerBuilder()
                        .withName(DRIVER_CONTAINER)
                        .withImage(String.valueOf(spec.get("image")))
                        .withEnv(list(driver.get("env"), EnvVar.class))
                        .withVolumeMounts(list(driver.get("volumeMounts"), VolumeMount.class))
                        .build();
        return new PodTemplateSpecBuilder()
                .withNewMetadata()
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withContainers(container)
                .withVolumes(list(spec.get("volumes"), Volume.class))
                .endSpec()
                .build();
    }

    /**
     * The application's sparkConf as {@code -D} options for the driver JVM (where a cluster's
     * spark-submit would pass them), leaving out class paths (the local jar brings its own) and
     * values with white space.
     */
    @SuppressWarnings("unchecked")
    static String javaOptions(GenericKubernetesResource app) {
        Object conf = app.get("spec", "sparkConf");
        List<String> options = new ArrayList<>();
        if (conf instanceof Map<?, ?> m) {
            ((Map<Object, Object>) m)
                    .forEach(
                            (k, v) -> {
                                String key = String.valueOf(k);
                                String value = String.valueOf(v);
                                if (key.startsWith("spark.")
                                        && !key.endsWith("ClassPath")
                                        && !(key + value).matches(".*\\s.*")) {
                                    options.add("-D" + key + "=" + value);
                                }
                            });
        }
        return String.join(" ", options);
    }

    private <T> List<T> list(Object value, Class<T> type) {
        List<T> out = new ArrayList<>();
        if (value instanceof List<?> items) {
            for (Object item : items) {
                out.add(client.getKubernetesSerialization().convertValue(item, type));
            }
        }
        return out;
    }

    private void setState(String ns, String name, String state, String error, String driverPod) {
        Map<String, Object> applicationState = new LinkedHashMap<>();
        applicationState.put("state", state);
        if (error != null) {
            applicationState.put("errorMessage", error);
        }
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("applicationState", applicationState);
        status.put("sparkApplicationId", "local-" + name);
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
