package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.PodOverrides;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.common.Durations;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.common.RuntimeObjects;
import io.mlcycle.operator.featureview.PivotTasks;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.ServeTask;
import io.mlcycle.task.Task;
import io.mlcycle.task.TaskJson;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The serving Deployment and Service of a ModelDeployment, built from the version it serves. */
public final class ServingResources {

    public static final int PORT = 8080;
    public static final String PORT_NAME = "http";

    /** The server's OIP v2 gRPC port (container and Service), named {@value #GRPC_PORT_NAME}. */
    public static final int GRPC_PORT = 8081;

    public static final String GRPC_PORT_NAME = "grpc";
    public static final String VERSION_LABEL = "mlcycle.io/model-version";
    public static final String SPEC_HASH_ANNOTATION = "mlcycle.io/spec-hash";
    public static final String TRACK_LABEL = "mlcycle.io/track";
    public static final String CANARY_TRACK = "canary";
    public static final String SHADOW_TRACK = "shadow";

    /**
     * On a shadow challenger's pods in place of {@code mlcycle.io/modeldeployment}, so the
     * deployment's Service and stable Deployment never select them: the value names the deployment.
     */
    public static final String SHADOW_OF_LABEL = "mlcycle.io/shadow-of";

    private ServingResources() {}

    /** Labels selecting a ModelDeployment's serving pods (stable across versions). */
    public static Map<String, String> selector(ModelDeployment md) {
        return RuntimeObjects.labels(md, RuntimeJobs.Runtime.server);
    }

    public static ServeTask task(ModelDeployment md, ModelVersion mv) {
        return task(md, mv, md.getMetadata().getName());
    }

    /** The serve task; {@code deployment} is the {@code deployment} label of its metrics. */
    static ServeTask task(ModelDeployment md, ModelVersion mv, String deployment) {
        ModelDeploymentSpec.Limits limits =
                md.getSpec().limits == null
                        ? new ModelDeploymentSpec.Limits()
                        : md.getSpec().limits;
        return new ServeTask(
                new Task.Owner(
                        md.getKind(), md.getMetadata().getNamespace(), md.getMetadata().getName()),
                deployment,
                md.getSpec().model,
                mv.getSpec().version,
                mv.getSpec().artifactUri,
                PORT,
                limits.maxBodyBytes,
                limits.maxRowsPerRequest,
                limits.feedbackWindow,
                online(md, mv),
                mv.getSpec().artifactDigest,
                requestLog(md));
    }

    /** The request log the pods write, its defaults applied; null when off. */
    static ServeTask.RequestLog requestLog(ModelDeployment md) {
        ModelDeploymentSpec.RequestLog log = Defaults.copy(md.getSpec().requestLog);
        if (log == null) {
            return null;
        }
        return new ServeTask.RequestLog(
                log.uri,
                log.sampleRate,
                log.maxFileBytes,
                (int) Durations.parse(log.maxAge, "spec.requestLog.maxAge").toSeconds(),
                log.maxQueuedRows);
    }

    /** The online config of the served version: its lineage's FeatureViews; null when off. */
    static ServeTask.Online online(ModelDeployment md, ModelVersion mv) {
        if (md.getSpec().online == null || md.getSpec().online.redis == null) {
            return null;
        }
        FeatureViewSpec.Redis redis = md.getSpec().online.redis;
        return new ServeTask.Online(
                redis.url,
                redis.passwordSecret == null ? null : PivotTasks.REDIS_PASSWORD_ENV,
                lineageViews(mv));
    }

    /** Distinct FeatureView names of a version's lineage, in lineage order. */
    static List<String> lineageViews(ModelVersion mv) {
        var lineage = mv.getSpec() == null ? null : mv.getSpec().lineage;
        if (lineage == null || lineage.featureViews == null) {
            return List.of();
        }
        return lineage.featureViews.stream()
                .map(f -> f.name)
                .filter(java.util.Objects::nonNull)
                .distinct()
                .toList();
    }

    /**
     * The Deployment serving {@code mv}: the task in MLCYCLE_TASK (so a new version changes the pod
     * template and rolls the pods), health probes, rolling update without unavailable pods,
     * Prometheus scrape annotations; a hash of its spec in an annotation decides updates.
     */
    public static Deployment deployment(RuntimeJobs jobs, ModelDeployment md, ModelVersion mv) {
        return deployment(jobs, md, mv, Defaults.copy(md.getSpec()).replicas, false);
    }

    /** The server container's ports (REST, gRPC), its gRPC and feedback-token env and probes. */
    private static void serverContainer(Container c, ModelDeployment md) {
        c.setPorts(
                List.of(
                        new ContainerPortBuilder()
                                .withName(PORT_NAME)
                                .withContainerPort(PORT)
                                .withProtocol("TCP")
                                .build(),
                        new ContainerPortBuilder()
                                .withName(GRPC_PORT_NAME)
                                .withContainerPort(GRPC_PORT)
                                .withProtocol("TCP")
                                .build()));
        // the server binds gRPC here; its readiness endpoint is not ready while gRPC is down
        List<EnvVar> env = new ArrayList<>(c.getEnv() == null ? List.of() : c.getEnv());
        env.add(new EnvVar(PodEnv.GRPC_PORT, String.valueOf(GRPC_PORT), null));
        env.addAll(FeedbackTokens.env(md));
        c.setEnv(env);
        c.setReadinessProbe(probe("/v2/health/ready", 5, 5, 3));
        c.setLivenessProbe(probe("/v2/health/live", 30, 10, 3));
    }

    /** {@code <name>-canary}: the Deployment of a canary beside the stable one. */
    public static String canaryName(ModelDeployment md) {
        return md.getMetadata().getName() + "-canary";
    }

    /**
     * The serving Deployment of {@code mv} with {@code replicas} pods. A canary is named {@code
     * <name>-canary} and adds {@code mlcycle.io/track: canary} to its labels, selector and pods;
     * its pods keep every label the Service selects on, so they share the traffic by their number.
     * The stable Deployment's selector stays as it always was (selectors are immutable): it also
     * matches the canary pods, but the ReplicaSets belong to their Deployment by controller
     * reference, so neither Deployment adopts or counts the other's pods.
     */
    public static Deployment deployment(
            RuntimeJobs jobs, ModelDeployment md, ModelVersion mv, int replicas, boolean canary) {
        return deployment(jobs, md, mv, replicas, canary ? CANARY_TRACK : null);
    }

    /** {@code <name>-shadow}: the Deployment and Service of a shadow challenger. */
    public static String shadowName(ModelDeployment md) {
        return md.getMetadata().getName() + "-shadow";
    }

    /** Labels selecting a ModelDeployment's shadow challenger pods (none of the Service's). */
    public static Map<String, String> shadowSelector(ModelDeployment md) {
        Map<String, String> labels = new LinkedHashMap<>(selector(md));
        labels.remove(RuntimeObjects.ownerLabel(md.getKind()));
        labels.put(SHADOW_OF_LABEL, md.getMetadata().getName());
        return labels;
    }

    /**
     * The shadow challenger's Deployment: {@code replicas} pods of the canary's shape serving
     * {@code mv}, its metrics under {@code deployment="<name>-shadow"} (so queries of the
     * deployment never count it), selected only by its own Service ({@link #shadowService}).
     */
    public static Deployment shadowDeployment(
            RuntimeJobs jobs, ModelDeployment md, ModelVersion mv, int replicas) {
        return deployment(jobs, md, mv, replicas, SHADOW_TRACK);
    }

    private static Deployment deployment(
            RuntimeJobs jobs, ModelDeployment md, ModelVersion mv, int replicas, String track) {
        boolean shadow = SHADOW_TRACK.equals(track);
        PodTemplateSpec template =
                jobs.podTemplate(
                        md,
                        RuntimeJobs.Runtime.server,
                        task(md, mv, shadow ? shadowName(md) : md.getMetadata().getName()),
                        md.getSpec().online == null
                                ? List.of()
                                : PivotTasks.redisEnv(md.getSpec().online.redis),
                        md.getSpec().resources);
        template.getSpec().setRestartPolicy("Always");
        Map<String, String> podLabels = new LinkedHashMap<>(template.getMetadata().getLabels());
        podLabels.put(
                io.mlcycle.operator.api.modelversion.ModelVersion.MODEL_LABEL, md.getSpec().model);
        podLabels.put(VERSION_LABEL, String.valueOf(mv.getSpec().version));
        Map<String, String> selector =
                new LinkedHashMap<>(shadow ? shadowSelector(md) : selector(md));
        if (shadow) {
            podLabels.remove(RuntimeObjects.ownerLabel(md.getKind()));
            podLabels.put(SHADOW_OF_LABEL, md.getMetadata().getName());
        }
        if (track != null) {
            podLabels.put(TRACK_LABEL, track);
            selector.put(TRACK_LABEL, track);
        }
        template.getMetadata().setLabels(podLabels);
        Map<String, String> podAnnotations = new LinkedHashMap<>();
        podAnnotations.put("prometheus.io/scrape", "true");
        podAnnotations.put("prometheus.io/port", String.valueOf(PORT));
        podAnnotations.put("prometheus.io/path", "/metrics");
        template.getMetadata().setAnnotations(podAnnotations);
        PodOverrides.apply(md.getSpec().pod, template);
        if (template.getSpec().getTopologySpreadConstraints() == null
                || template.getSpec().getTopologySpreadConstraints().isEmpty()) {
            template.getSpec().setTopologySpreadConstraints(List.of(spreadByHostname(selector)));
        }

        serverContainer(template.getSpec().getContainers().get(0), md);

        Deployment d =
                new DeploymentBuilder()
                        .withNewMetadata()
                        .withName(
                                track == null
                                        ? md.getMetadata().getName()
                                        : md.getMetadata().getName() + "-" + track)
                        .withNamespace(md.getMetadata().getNamespace())
                        .withLabels(selector)
                        .withOwnerReferences(RuntimeObjects.controllerReference(md))
                        .endMetadata()
                        .withNewSpec()
                        .withReplicas(replicas)
                        .withNewSelector()
                        .withMatchLabels(selector)
                        .endSelector()
                        .withNewStrategy()
                        .withType("RollingUpdate")
                        .withNewRollingUpdate()
                        .withMaxUnavailable(new IntOrString(0))
                        .withMaxSurge(new IntOrString(1))
                        .endRollingUpdate()
                        .endStrategy()
                        .withTemplate(template)
                        .endSpec()
                        .build();
        hash(d);
        return d;
    }

    /**
     * The default spread of serving pods: at most one more pod of a revision on a node than on
     * another, as a preference (ScheduleAnyway: a single-node cluster still schedules them all).
     */
    static TopologySpreadConstraint spreadByHostname(Map<String, String> selector) {
        return new TopologySpreadConstraintBuilder()
                .withMaxSkew(1)
                .withTopologyKey("kubernetes.io/hostname")
                .withWhenUnsatisfiable("ScheduleAnyway")
                .withNewLabelSelector()
                .withMatchLabels(new LinkedHashMap<>(selector))
                .endLabelSelector()
                .withMatchLabelKeys("pod-template-hash")
                .build();
    }

    /**
     * Leaves the Deployment's replicas to an autoscaler: none in the desired spec (an update keeps
     * the live count, a create starts at the autoscaler's minimum) and none in its spec hash, so a
     * scale never looks like a change.
     */
    static Deployment replicasOwnedElsewhere(Deployment d) {
        d.getSpec().setReplicas(null);
        hash(d);
        return d;
    }

    private static void hash(Deployment d) {
        d.getMetadata()
                .setAnnotations(
                        new LinkedHashMap<>(
                                Map.of(
                                        SPEC_HASH_ANNOTATION,
                                        RuntimeObjects.shortHash(TaskJson.write(d.getSpec())))));
    }

    /**
     * Tells the champion's pods to mirror {@code percent} % of their inference requests to the
     * shadow challenger's Service (and the feedback for them): env on the server container, so the
     * pods roll when the challenger changes and its mirrored counts start afresh.
     */
    public static Deployment mirrorTo(
            Deployment champion, ModelDeployment md, int challengerVersion, int percent) {
        Container c = champion.getSpec().getTemplate().getSpec().getContainers().get(0);
        List<EnvVar> env = new ArrayList<>(c.getEnv());
        env.add(
                new EnvVar(
                        PodEnv.SHADOW_URL,
                        "http://" + shadowName(md) + "." + md.getMetadata().getNamespace() + ".svc",
                        null));
        env.add(new EnvVar(PodEnv.SHADOW_PERCENT, String.valueOf(percent), null));
        env.add(new EnvVar(PodEnv.SHADOW_VERSION, String.valueOf(challengerVersion), null));
        c.setEnv(env);
        hash(champion);
        return champion;
    }

    private static Probe probe(String path, int initialDelay, int period, int failures) {
        return new ProbeBuilder()
                .withNewHttpGet()
                .withPath(path)
                .withPort(new IntOrString(PORT_NAME))
                .endHttpGet()
                .withInitialDelaySeconds(initialDelay)
                .withPeriodSeconds(period)
                .withFailureThreshold(failures)
                .build();
    }

    /** ClusterIP Service: port 80 to the pods' http port, 8081 (h2c) to their grpc port. */
    public static Service service(ModelDeployment md) {
        return service(md, md.getMetadata().getName(), selector(md));
    }

    /** {@code <name>-shadow}: the Service the champion mirrors to, selecting the challenger. */
    public static Service shadowService(ModelDeployment md) {
        Map<String, String> selector = new LinkedHashMap<>(shadowSelector(md));
        selector.put(TRACK_LABEL, SHADOW_TRACK);
        return service(md, shadowName(md), selector);
    }

    private static Service service(ModelDeployment md, String name, Map<String, String> selector) {
        return new ServiceBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(md.getMetadata().getNamespace())
                .withLabels(selector)
                .withOwnerReferences(RuntimeObjects.controllerReference(md))
                .endMetadata()
                .withNewSpec()
                .withType("ClusterIP")
                .withSelector(selector)
                .addNewPort()
                .withName(PORT_NAME)
                .withPort(80)
                .withTargetPort(new IntOrString(PORT_NAME))
                .withProtocol("TCP")
                .endPort()
                .addNewPort()
                .withName(GRPC_PORT_NAME)
                .withPort(GRPC_PORT)
                .withTargetPort(new IntOrString(GRPC_PORT_NAME))
                .withProtocol("TCP")
                .withAppProtocol("kubernetes.io/h2c")
                .endPort()
                .endSpec()
                .build();
    }

    /** The version a Deployment's pod template serves, from its label. */
    public static Integer servedVersion(Deployment d) {
        if (d == null
                || d.getSpec() == null
                || d.getSpec().getTemplate() == null
                || d.getSpec().getTemplate().getMetadata() == null
                || d.getSpec().getTemplate().getMetadata().getLabels() == null) {
            return null;
        }
        String v = d.getSpec().getTemplate().getMetadata().getLabels().get(VERSION_LABEL);
        try {
            return v == null ? null : Integer.valueOf(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    public static String specHash(Deployment d) {
        return d.getMetadata().getAnnotations() == null
                ? null
                : d.getMetadata().getAnnotations().get(SPEC_HASH_ANNOTATION);
    }

    public static String url(ModelDeployment md) {
        return "http://"
                + md.getMetadata().getName()
                + "."
                + md.getMetadata().getNamespace()
                + ".svc/v2/models/"
                + md.getSpec().model;
    }
}
