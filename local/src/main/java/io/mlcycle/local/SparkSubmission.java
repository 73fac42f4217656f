package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What a cluster-mode submission of a SparkApplication creates, as the Spark Operator's
 * spark-submit does: a ConfigMap with the driver's {@code spark.properties} and the driver Pod that
 * runs {@code driver --properties-file … --class <mainClass> <mainApplicationFile>}. The
 * application's executor settings become the Spark properties the driver's {@code
 * KubernetesClusterSchedulerBackend} creates executor pods from (instances, cores, memory,
 * overhead, dynamic allocation, labels, env, Secret refs, volumes, scheduler). Pure: the caller
 * creates the objects through the API.
 *
 * <p>Local stand-ins for the pod network: the driver's address is 127.0.0.1 (no driver Service and
 * DNS), and the API server is the one the driver talks to in-cluster.
 */
final class SparkSubmission {

    static final String CONF_DIR = "/opt/spark/conf";
    static final String CONF_VOLUME = "spark-conf-volume-driver";
    static final String PROPERTIES = "spark.properties";
    static final String APP_SELECTOR = "spark-app-selector";
    static final String ROLE = "spark-role";

    /** The objects of one submission. */
    record Objects(ConfigMap conf, Pod driver, String applicationId) {}

    private final KubernetesSerialization json;

    SparkSubmission(KubernetesSerialization json) {
        this.json = json;
    }

    /**
     * @param apiUrl the API server as the driver reaches it (in a cluster
     *     https://kubernetes.default.svc)
     */
    Objects submit(GenericKubernetesResource app, String apiUrl) {
        Map<String, Object> spec = map(app.getAdditionalProperties().get("spec"));
        Map<String, Object> driver = map(spec.get("driver"));
        String name = app.getMetadata().getName();
        String ns = app.getMetadata().getNamespace();
        String appId = "spark-" + UUID.randomUUID().toString().replace("-", "");
        String driverPod = name + "-driver";
        String image = string(driver.get("image"), string(spec.get("image"), ""));
        Map<String, String> props = properties(app, apiUrl, appId, driverPod);

        StringBuilder file = new StringBuilder();
        props.forEach((k, v) -> file.append(k).append('=').append(escape(v)).append('\n'));
        ConfigMap conf =
                new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName(name + "-driver-conf-map")
                        .withNamespace(ns)
                        .withLabels(Map.of(APP_SELECTOR, appId))
                        .withOwnerReferences(owner(app))
                        .endMetadata()
                        .withData(Map.of(PROPERTIES, file.toString()))
                        .build();

        Map<String, String> labels = new LinkedHashMap<>(strings(driver.get("labels")));
        labels.put(Kubelet.RUNTIME_LABEL, runtimeOf(image));
        labels.put(APP_SELECTOR, appId);
        labels.put(ROLE, "driver");
        labels.put(LocalSparkOperator.GROUP + "/app-name", name);
        labels.put(LocalSparkOperator.GROUP + "/launched-by-spark-operator", "true");

        List<String> args = new ArrayList<>();
        args.addAll(
                List.of(
                        "driver",
                        "--properties-file",
                        CONF_DIR + "/" + PROPERTIES,
                        "--class",
                        string(spec.get("mainClass"), "")));
        args.add(string(spec.get("mainApplicationFile"), ""));
        for (Object a : list(spec.get("arguments"))) {
            args.add(String.valueOf(a));
        }
        List<EnvVar> env = new ArrayList<>(convert(driver.get("env"), EnvVar.class));
        env.add(new EnvVarBuilder().withName("SPARK_APPLICATION_ID").withValue(appId).build());
        env.add(
                new EnvVarBuilder()
                        .withName("SPARK_DRIVER_BIND_ADDRESS")
                        .withNewValueFrom()
                        .withNewFieldRef()
                        .withFieldPath("status.podIP")
                        .endFieldRef()
                        .endValueFrom()
                        .build());
        List<VolumeMount> mounts =
                new ArrayList<>(convert(driver.get("volumeMounts"), VolumeMount.class));
        mounts.add(new VolumeMountBuilder().withName(CONF_VOLUME).withMountPath(CONF_DIR).build());
        List<Volume> volumes = new ArrayList<>(convert(spec.get("volumes"), Volume.class));
        volumes.add(
                new VolumeBuilder()
                        .withName(CONF_VOLUME)
                        .withNewConfigMap()
                        .withName(conf.getMetadata().getName())
                        .endConfigMap()
                        .build());
        Container container =
                new ContainerBuilder()
                        .withName(LocalSparkOperator.DRIVER_CONTAINER)
                        .withImage(image)
                        .withArgs(args)
                        .withEnv(env)
                        .withVolumeMounts(mounts)
                        .build();
        Pod pod =
                new PodBuilder()
                        .withNewMetadata()
                        .withName(driverPod)
                        .withNamespace(ns)
                        .withLabels(labels)
                        .withOwnerReferences(owner(app))
                        .endMetadata()
                        .withNewSpec()
                        .withRestartPolicy("Never")
                        .withServiceAccountName(string(driver.get("serviceAccount"), null))
                        .withSchedulerName(string(spec.get("batchScheduler"), null))
                        .withSecurityContext(
                                driver.get("securityContext") == null
                                        ? null
                                        : json.convertValue(
                                                driver.get("securityContext"),
                                                PodSecurityContext.class))
                        .withContainers(container)
                        .withVolumes(volumes)
                        .endSpec()
                        .build();
        return new Objects(conf, pod, appId);
    }

    /**
     * The driver's Spark properties: what spark-submit puts in the driver's ConfigMap for a
     * cluster-mode submission, the Spark Operator's translation of the application's fields, and
     * the application's {@code sparkConf} last (it wins).
     */
    Map<String, String> properties(
            GenericKubernetesResource app, String apiUrl, String appId, String driverPod) {
        Map<String, Object> spec = map(app.getAdditionalProperties().get("spec"));
        Map<String, Object> driver = map(spec.get("driver"));
        Map<String, Object> executor = map(spec.get("executor"));
        String api = apiUrl.endsWith("/") ? apiUrl.substring(0, apiUrl.length() - 1) : apiUrl;
        String image = string(spec.get("image"), "");
        String executorImage = string(executor.get("image"), image);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("spark.master", "k8s://" + api);
        p.put("spark.submit.deployMode", "cluster");
        p.put("spark.kubernetes.submitInDriver", "true");
        p.put("spark.kubernetes.driver.master", api);
        p.put("spark.app.name", app.getMetadata().getName());
        p.put("spark.app.id", appId);
        p.put("spark.kubernetes.namespace", app.getMetadata().getNamespace());
        p.put("spark.kubernetes.driver.pod.name", driverPod);
        p.put("spark.kubernetes.executor.podNamePrefix", app.getMetadata().getName());
        p.put("spark.kubernetes.container.image", image);
        p.put("spark.kubernetes.driver.container.image", string(driver.get("image"), image));
        p.put("spark.kubernetes.executor.container.image", executorImage);
        // the pod network: the driver's pod IP, reachable from the executors
        p.put("spark.driver.host", "127.0.0.1");
        p.put("spark.ui.enabled", "false");
        putIf(p, "spark.driver.cores", driver.get("cores"));
        putIf(p, "spark.driver.memory", driver.get("memory"));
        putIf(p, "spark.driver.memoryOverhead", driver.get("memoryOverhead"));
        putIf(p, "spark.executor.instances", executor.get("instances"));
        putIf(p, "spark.executor.cores", executor.get("cores"));
        putIf(p, "spark.executor.memory", executor.get("memory"));
        putIf(p, "spark.executor.memoryOverhead", executor.get("memoryOverhead"));
        putIf(p, "spark.kubernetes.scheduler.name", spec.get("batchScheduler"));
        putIf(
                p,
                "spark.kubernetes.authenticate.driver.serviceAccountName",
                driver.get("serviceAccount"));
        Map<String, Object> dynamic = map(spec.get("dynamicAllocation"));
        if (Boolean.TRUE.equals(dynamic.get("enabled"))) {
            p.put("spark.dynamicAllocation.enabled", "true");
            // no external shuffle service on Kubernetes: executors keep shuffle data while needed
            p.put("spark.dynamicAllocation.shuffleTracking.enabled", "true");
            putIf(p, "spark.dynamicAllocation.initialExecutors", dynamic.get("initialExecutors"));
            putIf(p, "spark.dynamicAllocation.minExecutors", dynamic.get("minExecutors"));
            putIf(p, "spark.dynamicAllocation.maxExecutors", dynamic.get("maxExecutors"));
        }
        strings(executor.get("labels"))
                .forEach(
                        (k, v) -> {
                            if (!k.equals(Kubelet.RUNTIME_LABEL)) {
                                p.put("spark.kubernetes.executor.label." + k, v);
                            }
                        });
        p.put("spark.kubernetes.executor.label." + Kubelet.RUNTIME_LABEL, runtimeOf(executorImage));
        executorEnv(executor, p);
        executorVolumes(spec, executor, p);
        p.putAll(strings(spec.get("sparkConf")));
        // the executor image may come from sparkConf: the runtime label follows it
        p.put(
                "spark.kubernetes.executor.label." + Kubelet.RUNTIME_LABEL,
                runtimeOf(p.get("spark.kubernetes.executor.container.image")));
        return p;
    }

    /** Literal env as {@code spark.executorEnv.*}, Secret keys as {@code secretKeyRef}. */
    private void executorEnv(Map<String, Object> executor, Map<String, String> p) {
        for (EnvVar e : convert(executor.get("env"), EnvVar.class)) {
            if (e.getValueFrom() == null) {
                p.put("spark.executorEnv." + e.getName(), e.getValue() == null ? "" : e.getValue());
            } else if (e.getValueFrom().getSecretKeyRef() != null) {
                var ref = e.getValueFrom().getSecretKeyRef();
                p.put(
                        "spark.kubernetes.executor.secretKeyRef." + e.getName(),
                        ref.getName() + ":" + ref.getKey());
            }
        }
    }

    /** The executor's mounts of the volume kinds Spark's properties can describe. */
    private void executorVolumes(
            Map<String, Object> spec, Map<String, Object> executor, Map<String, String> p) {
        Map<String, Volume> byName = new LinkedHashMap<>();
        for (Volume v : convert(spec.get("volumes"), Volume.class)) {
            byName.put(v.getName(), v);
        }
        for (VolumeMount m : convert(executor.get("volumeMounts"), VolumeMount.class)) {
            Volume v = byName.get(m.getName());
            if (v == null) {
                continue;
            }
            String prefix;
            if (v.getPersistentVolumeClaim() != null) {
                prefix = "spark.kubernetes.executor.volumes.persistentVolumeClaim." + m.getName();
                p.put(prefix + ".options.claimName", v.getPersistentVolumeClaim().getClaimName());
            } else if (v.getEmptyDir() != null) {
                prefix = "spark.kubernetes.executor.volumes.emptyDir." + m.getName();
                if (v.getEmptyDir().getSizeLimit() != null) {
                    p.put(prefix + ".options.sizeLimit", v.getEmptyDir().getSizeLimit().toString());
                }
            } else if (v.getHostPath() != null) {
                prefix = "spark.kubernetes.executor.volumes.hostPath." + m.getName();
                p.put(prefix + ".options.path", v.getHostPath().getPath());
            } else {
                continue;
            }
            p.put(prefix + ".mount.path", m.getMountPath());
            if (Boolean.TRUE.equals(m.getReadOnly())) {
                p.put(prefix + ".mount.readOnly", "true");
            }
        }
    }

    /**
     * The local runtime an image runs: its repository's last path segment without the tag (e.g.
     * {@code local/pivot-spark} and {@code mlcycle/pivot-spark:0.1.0} run {@code pivot-spark}).
     */
    static String runtimeOf(String image) {
        String s = image == null ? "" : image;
        int at = s.indexOf('@');
        if (at >= 0) {
            s = s.substring(0, at);
        }
        s = s.substring(s.lastIndexOf('/') + 1);
        int colon = s.indexOf(':');
        return colon >= 0 ? s.substring(0, colon) : s;
    }

    private static io.fabric8.kubernetes.api.model.OwnerReference owner(
            GenericKubernetesResource app) {
        return new OwnerReferenceBuilder()
                .withApiVersion(app.getApiVersion())
                .withKind(app.getKind())
                .withName(app.getMetadata().getName())
                .withUid(app.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    private static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\n", "\\n");
    }

    private static void putIf(Map<String, String> p, String key, Object value) {
        if (value != null && !String.valueOf(value).isBlank()) {
            p.put(key, String.valueOf(value));
        }
    }

    private static String string(Object v, String otherwise) {
        return v == null || String.valueOf(v).isBlank() ? otherwise : String.valueOf(v);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object v) {
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static List<?> list(Object v) {
        return v instanceof List<?> l ? l : List.of();
    }

    private static Map<String, String> strings(Object v) {
        Map<String, String> out = new LinkedHashMap<>();
        map(v).forEach((k, x) -> out.put(k, String.valueOf(x)));
        return out;
    }

    private <T> List<T> convert(Object value, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Object item : list(value)) {
            out.add(json.convertValue(item, type));
        }
        return out;
    }
}
