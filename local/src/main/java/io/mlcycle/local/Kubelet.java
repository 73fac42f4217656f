package io.mlcycle.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The pod runner of local mode: runs each Job's pod and each Deployment's replicas as local
 * processes of the runtime jars, with the pod's environment, and writes Pod, Job and Deployment
 * status back to the API the way a kubelet and the built-in controllers would.
 */
public final class Kubelet implements AutoCloseable {

    /** Label the operator puts on runtime pods: pivot, trainer or server. */
    public static final String RUNTIME_LABEL = "mlcycle.io/runtime";

    static final String DEFAULT_READY_PATH = "/v2/health/ready";

    /**
     * Adjusts a pod's resolved environment just before its process starts: the local stand-in for
     * an in-cluster address (a Redis) the way DNS would resolve it there.
     */
    @FunctionalInterface
    public interface EnvRewrite {
        /**
         * @param owner what the pod runs for, e.g. "FeatureView views" (for messages)
         * @throws IllegalStateException naming what is missing: the pod does not start
         */
        void rewrite(String owner, Container container, Map<String, String> env);
    }

    /** A running, possibly ready, serving replica. */
    public record Endpoint(
            String namespace, String pod, Map<String, String> labels, int port, boolean ready) {}

    private final KubernetesClient client;
    private final PodRuntime runtime;
    private final Path workDir;
    private final Consumer<String> log;
    private final Map<String, JobRun> jobs = new ConcurrentHashMap<>();
    private final Map<String, DeploymentRun> deployments = new ConcurrentHashMap<>();
    private final List<Consumer<List<Endpoint>>> endpointListeners = new CopyOnWriteArrayList<>();
    private final List<EnvRewrite> envRewrites = new CopyOnWriteArrayList<>();
    private final ExecutorService jobThreads = Executors.newCachedThreadPool(daemon("job"));
    private final ScheduledExecutorService loop =
            Executors.newSingleThreadScheduledExecutor(daemon("deployments"));
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    private final SecureRandom random = new SecureRandom();
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private volatile List<Endpoint> lastEndpoints = List.of();
    private volatile boolean closed;

    /** Runs pods as processes of the runtime jars ({@link ProcessPodRuntime}). */
    public Kubelet(
            KubernetesClient client,
            ProcessPodRuntime.RuntimeCommand runtimes,
            Path dataRoot,
            Path workDir,
            Consumer<String> log) {
        this(client, new ProcessPodRuntime(runtimes, dataRoot), workDir, log);
    }

    /** Runs pods with {@code runtime}; each pod's files live in {@code workDir/pods/<ns>/<pod>}. */
    public Kubelet(
            KubernetesClient client, PodRuntime runtime, Path workDir, Consumer<String> log) {
        this.client = client;
        this.runtime = runtime;
        this.workDir = workDir.toAbsolutePath();
        this.log = log;
    }

    /** Starts watching Jobs and Deployments in every namespace. */
    public Kubelet start() {
        informers.add(
                client.batch()
                        .v1()
                        .jobs()
                        .inAnyNamespace()
                        .inform(
                                new ResourceEventHandler<>() {
                                    @Override
                                    public void onAdd(Job job) {
                                        onJob(job);
                                    }

                                    @Override
                                    public void onUpdate(Job old, Job job) {
                                        onJob(job);
                                    }

                                    @Override
                                    public void onDelete(Job job, boolean unknown) {
                                        JobRun run = jobs.remove(job.getMetadata().getUid());
                                        if (run != null) {
                                            run.cancel();
                                        }
                                    }
                                },
                                0));
        SharedIndexInformer<Deployment> deploymentInformer =
                client.apps().deployments().inAnyNamespace().inform();
        informers.add(deploymentInformer);
        loop.scheduleWithFixedDelay(
                () -> {
                    try {
                        reconcileDeployments(deploymentInformer.getStore().list());
                    } catch (RuntimeException e) {
                        if (!closed) {
                            log.accept("kubelet: deployment loop: " + e);
                        }
                    }
                },
                200,
                500,
                TimeUnit.MILLISECONDS);
        return this;
    }

    /** Applies {@code rewrite} to the environment of every pod started from now on. */
    public Kubelet rewriteEnv(EnvRewrite rewrite) {
        envRewrites.add(rewrite);
        return this;
    }

    /** Called with every change of the serving replicas (for Services and Prometheus). */
    public void onEndpoints(Consumer<List<Endpoint>> listener) {
        endpointListeners.add(listener);
        listener.accept(lastEndpoints);
    }

    public List<Endpoint> endpoints() {
        return lastEndpoints;
    }

    // ---------------------------------------------------------------- Jobs

    private void onJob(Job job) {
        if (closed || job.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        if (isFinished(job.getStatus()) || Boolean.TRUE.equals(job.getSpec().getSuspend())) {
            return;
        }
        String uid = job.getMetadata().getUid();
        jobs.computeIfAbsent(
                uid,
                u -> {
                    JobRun run = new JobRun(job);
                    run.future = jobThreads.submit(run::run);
                    return run;
                });
    }

    static boolean isFinished(JobStatus status) {
        return status != null
                && status.getConditions() != null
                && status.getConditions().stream()
                        .anyMatch(
                                c ->
                                        ("Complete".equals(c.getType())
                                                        || "Failed".equals(c.getType()))
                                                && "True".equals(c.getStatus()));
    }

    /** One Job: pods one after another until it completes or fails. */
    private final class JobRun {
        final Job job;
        volatile java.util.concurrent.Future<?> future;
        volatile Process process;
        volatile boolean cancelled;

        JobRun(Job job) {
            this.job = job;
        }

        void cancel() {
            cancelled = true;
            Processes.stop(process, 2000);
        }

        void run() {
            String ns = job.getMetadata().getNamespace();
            String name = job.getMetadata().getName();
            String started = now();
            int failed = 0;
            int ignored = 0;
            Long deadline = job.getSpec().getActiveDeadlineSeconds();
            long deadlineAt =
                    deadline == null
                            ? Long.MAX_VALUE
                            : System.currentTimeMillis() + deadline * 1000;
            try {
                writeJobStatus(ns, name, started, 1, 0, failed, null);
                while (!cancelled && !closed) {
                    PodTemplateSpec template = job.getSpec().getTemplate();
                    String podName = name + "-" + suffix();
                    Map<String, String> labels = new LinkedHashMap<>();
                    if (template.getMetadata() != null
                            && template.getMetadata().getLabels() != null) {
                        labels.putAll(template.getMetadata().getLabels());
                    }
                    labels.put("job-name", name);
                    labels.put("batch.kubernetes.io/job-name", name);
                    labels.put("controller-uid", job.getMetadata().getUid());
                    labels.put("batch.kubernetes.io/controller-uid", job.getMetadata().getUid());
                    Result result =
                            runToCompletion(
                                    ns,
                                    podName,
                                    labels,
                                    job,
                                    template,
                                    deadlineAt,
                                    p -> process = p,
                                    null);
                    if (cancelled || closed) {
                        return;
                    }
                    if (result.deadlineExceeded) {
                        writeJobStatus(
                                ns,
                                name,
                                started,
                                0,
                                0,
                                failed + 1,
                                new JobPolicy.Fail(
                                        "DeadlineExceeded",
                                        "Job was active longer than specified deadline"));
                        return;
                    }
                    JobPolicy.Decision d =
                            JobPolicy.decide(
                                    job.getSpec(), result.container, result.exitCode, failed);
                    if (d instanceof JobPolicy.Complete) {
                        writeJobStatus(ns, name, started, 0, 1, failed, d);
                        log.accept("kubelet: job " + ns + "/" + name + " succeeded");
                        return;
                    }
                    if (d instanceof JobPolicy.Fail f) {
                        writeJobStatus(ns, name, started, 0, 0, failed + 1, d);
                        log.accept(
                                "kubelet: job "
                                        + ns
                                        + "/"
                                        + name
                                        + " failed ("
                                        + f.reason()
                                        + ", exit code "
                                        + result.exitCode
                                        + ")");
                        return;
                    }
                    if (((JobPolicy.Retry) d).counted()) {
                        failed++;
                    } else if (++ignored > 20) {
                        writeJobStatus(
                                ns,
                                name,
                                started,
                                0,
                                0,
                                failed + 1,
                                new JobPolicy.Fail(
                                        "BackoffLimitExceeded",
                                        "local mode stops after 20 ignored pod failures"));
                        return;
                    }
                    writeJobStatus(ns, name, started, 1, 0, failed, null);
                    sleepQuietly(Math.min(10_000, 1000L << Math.min(failed, 4)));
                }
            } catch (RuntimeException e) {
                if (!cancelled && !closed) {
                    log.accept("kubelet: job " + ns + "/" + name + ": " + e);
                }
            }
        }
    }

    /** How a pod's container ended. */
    record Result(String container, int exitCode, boolean deadlineExceeded) {}

    /**
     * Creates the Pod object, runs its first container as a process, waits for it and records the
     * terminated state (with the termination message) in the Pod's status. {@code envOverrides}
     * (may be null) are added to the pod's environment variables.
     */
    Result runToCompletion(
            String ns,
            String podName,
            Map<String, String> labels,
            HasMetadata owner,
            PodTemplateSpec template,
            long deadlineAt,
            Consumer<Process> started,
            Map<String, String> envOverrides) {
        Container container = template.getSpec().getContainers().get(0);
        Pod pod = createPod(ns, podName, labels, owner, template);
        Path dir = podDir(ns, podName);
        Path result = dir.resolve("termination-log");
        Path logFile = dir.resolve("container.log");
        String startedAt = now();
        Process p;
        try {
            p = launch(ns, podName, owner, template, container, result, logFile, envOverrides);
        } catch (PodEnv.Unresolved | IllegalStateException e) {
            // A pod that cannot start is shown as failed: the message says why.
            setPodTerminated(
                    pod, container.getName(), 128, "StartError", e.getMessage(), startedAt);
            return new Result(container.getName(), 128, false);
        }
        started.accept(p);
        setPodRunning(pod, container.getName(), startedAt);
        boolean deadline = false;
        try {
            long wait = deadlineAt - System.currentTimeMillis();
            if (deadlineAt != Long.MAX_VALUE
                    && !p.waitFor(Math.max(1, wait), TimeUnit.MILLISECONDS)) {
                deadline = true;
                Processes.stop(p, 2000);
            }
            p.waitFor();
        } catch (InterruptedException e) {
            Processes.stop(p, 2000);
            Thread.currentThread().interrupt();
        }
        int code = p.isAlive() ? 137 : p.exitValue();
        String message = terminationMessage(result, logFile, code);
        setPodTerminated(
                pod,
                container.getName(),
                code,
                deadline ? "DeadlineExceeded" : code == 0 ? "Completed" : "Error",
                message,
                startedAt);
        return new Result(container.getName(), code, deadline);
    }

    /** The termination message, falling back to the log's tail on error (as the pods do). */
    static String terminationMessage(Path result, Path logFile, int exitCode) {
        try {
            if (Files.exists(result) && Files.size(result) > 0) {
                byte[] bytes = Files.readAllBytes(result);
                int n = Math.min(bytes.length, 4096);
                return new String(bytes, 0, n, StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            // fall through to the log
        }
        return exitCode == 0 ? "" : Processes.tail(logFile, 2048);
    }

    /**
     * Resolves a container's environment (Secret/ConfigMap refs, {@code overrides}, env rewrites)
     * and volumes, writes the task to the pod directory and starts it with the pod runtime.
     */
    private Process launch(
            String ns,
            String podName,
            HasMetadata owner,
            PodTemplateSpec template,
            Container container,
            Path resultFile,
            Path logFile,
            Map<String, String> overrides) {
        String runtimeName = runtimeOf(template, container);
        Map<String, String> env = PodEnv.resolve(client, ns, podName, container);
        if (overrides != null) {
            env.putAll(overrides);
        }
        for (EnvRewrite r : envRewrites) {
            r.rewrite(describeOwner(owner), container, env);
        }
        Path dir = podDir(ns, podName);
        Map<String, String> mounts = materializeVolumes(ns, template, container, dir);
        if (env.get(io.mlcycle.task.TaskJson.TASK_ENV) != null) {
            // the task as the pod got it, to rerun by hand: java -jar <runtime>.jar --task
            // task.json
            try {
                Files.writeString(
                        dir.resolve("task.json"), env.get(io.mlcycle.task.TaskJson.TASK_ENV));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return runtime.start(
                new PodRuntime.Launch(
                        ns,
                        podName,
                        runtimeName,
                        container,
                        env,
                        mounts,
                        dir,
                        logFile,
                        resultFile));
    }

    /**
     * "Kind name" of the resource a pod runs for: the controller of its Job or Deployment (the
     * FeatureView, ModelDeployment…), else the Job or Deployment itself.
     */
    static String describeOwner(HasMetadata owner) {
        if (owner.getMetadata().getOwnerReferences() != null) {
            for (var ref : owner.getMetadata().getOwnerReferences()) {
                if (Boolean.TRUE.equals(ref.getController())) {
                    return ref.getKind() + " " + ref.getName();
                }
            }
        }
        return owner.getKind() + " " + owner.getMetadata().getName();
    }

    static String runtimeOf(PodTemplateSpec template, Container container) {
        if (template.getMetadata() != null
                && template.getMetadata().getLabels() != null
                && template.getMetadata().getLabels().get(RUNTIME_LABEL) != null) {
            return template.getMetadata().getLabels().get(RUNTIME_LABEL);
        }
        String image = container.getImage() == null ? "" : container.getImage();
        for (String r : List.of("pivot", "trainer", "server")) {
            if (image.contains(r)) {
                return r;
            }
        }
        throw new IllegalStateException(
                "pod template has no "
                        + RUNTIME_LABEL
                        + " label and image '"
                        + image
                        + "' names no runtime");
    }

    /** Writes ConfigMap and Secret volumes mounted by the container into the pod's directory. */
    private Map<String, String> materializeVolumes(
            String ns, PodTemplateSpec template, Container container, Path dir) {
        Map<String, String> mounts = new LinkedHashMap<>();
        if (container.getVolumeMounts() == null || template.getSpec().getVolumes() == null) {
            return mounts;
        }
        for (VolumeMount m : container.getVolumeMounts()) {
            Volume v =
                    template.getSpec().getVolumes().stream()
                            .filter(x -> x.getName().equals(m.getName()))
                            .findFirst()
                            .orElse(null);
            if (v == null) {
                continue;
            }
            Map<String, String> files = null;
            if (v.getConfigMap() != null) {
                ConfigMap cm = PodEnv.configMap(client, ns, v.getConfigMap().getName());
                files = cm == null ? null : cm.getData();
            } else if (v.getSecret() != null) {
                Secret s = PodEnv.secret(client, ns, v.getSecret().getSecretName());
                files = s == null ? null : PodEnv.secretData(s);
            }
            if (files == null) {
                continue;
            }
            Path target = dir.resolve("volumes").resolve(m.getName());
            try {
                Files.createDirectories(target);
                for (var f : files.entrySet()) {
                    Files.writeString(target.resolve(f.getKey()), f.getValue());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String mountPath = m.getMountPath();
            if (m.getSubPath() != null) {
                mounts.put(mountPath, target.resolve(m.getSubPath()).toString());
            } else {
                mounts.put(mountPath, target.toString());
            }
        }
        return mounts;
    }

    private Pod createPod(
            String ns,
            String podName,
            Map<String, String> labels,
            HasMetadata owner,
            PodTemplateSpec template) {
        Pod pod =
                new PodBuilder()
                        .withNewMetadata()
                        .withName(podName)
                        .withNamespace(ns)
                        .withLabels(labels)
                        .withAnnotations(
                                template.getMetadata() == null
                                        ? null
                                        : template.getMetadata().getAnnotations())
                        .withOwnerReferences(
                                new OwnerReferenceBuilder()
                                        .withApiVersion(owner.getApiVersion())
                                        .withKind(owner.getKind())
                                        .withName(owner.getMetadata().getName())
                                        .withUid(owner.getMetadata().getUid())
                                        .withController(true)
                                        .withBlockOwnerDeletion(true)
                                        .build())
                        .endMetadata()
                        .withSpec(template.getSpec())
                        .withStatus(
                                new PodStatusBuilder()
                                        .withPhase("Pending")
                                        .withHostIP("127.0.0.1")
                                        .withPodIP("127.0.0.1")
                                        .build())
                        .build();
        pod.getSpec().setNodeName("local");
        return client.pods().inNamespace(ns).resource(pod).create();
    }

    private void setPodRunning(Pod pod, String container, String startedAt) {
        editPodStatus(
                pod,
                new PodStatusBuilder()
                        .withPhase("Running")
                        .withHostIP("127.0.0.1")
                        .withPodIP("127.0.0.1")
                        .withStartTime(startedAt)
                        .withContainerStatuses(
                                new ContainerStatusBuilder()
                                        .withName(container)
                                        .withReady(false)
                                        .withStarted(true)
                                        .withRestartCount(0)
                                        .withState(
                                                new ContainerStateBuilder()
                                                        .withNewRunning(startedAt)
                                                        .build())
                                        .build())
                        .build());
    }

    private void setPodTerminated(
            Pod pod, String container, int code, String reason, String message, String startedAt) {
        editPodStatus(
                pod,
                new PodStatusBuilder()
                        .withPhase(code == 0 ? "Succeeded" : "Failed")
                        .withHostIP("127.0.0.1")
                        .withPodIP("127.0.0.1")
                        .withStartTime(startedAt)
                        .withContainerStatuses(
                                new ContainerStatusBuilder()
                                        .withName(container)
                                        .withReady(false)
                                        .withStarted(false)
                                        .withRestartCount(0)
                                        .withState(
                                                new ContainerStateBuilder()
                                                        .withNewTerminated()
                                                        .withExitCode(code)
                                                        .withReason(reason)
                                                        .withMessage(message)
                                                        .withStartedAt(startedAt)
                                                        .withFinishedAt(now())
                                                        .endTerminated()
                                                        .build())
                                        .build())
                        .build());
    }

    private void editPodStatus(Pod pod, PodStatus status) {
        try {
            client.pods()
                    .inNamespace(pod.getMetadata().getNamespace())
                    .withName(pod.getMetadata().getName())
                    .edit(
                            p -> {
                                p.setStatus(status);
                                return p;
                            });
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private void writeJobStatus(
            String ns,
            String name,
            String startTime,
            int active,
            int succeeded,
            int failed,
            JobPolicy.Decision end) {
        JobStatus status = new JobStatus();
        status.setStartTime(startTime);
        status.setActive(active == 0 ? null : active);
        status.setSucceeded(succeeded == 0 ? null : succeeded);
        status.setFailed(failed == 0 ? null : failed);
        status.setReady(0);
        String at = now();
        if (end instanceof JobPolicy.Complete) {
            status.setCompletionTime(at);
            status.setConditions(
                    List.of(
                            jobCondition("SuccessCriteriaMet", "CompletionsReached", "", at),
                            jobCondition("Complete", "CompletionsReached", "", at)));
        } else if (end instanceof JobPolicy.Fail f) {
            status.setConditions(
                    List.of(
                            jobCondition("FailureTarget", f.reason(), f.message(), at),
                            jobCondition("Failed", f.reason(), f.message(), at)));
        }
        try {
            client.batch()
                    .v1()
                    .jobs()
                    .inNamespace(ns)
                    .withName(name)
                    .edit(
                            j -> {
                                j.setStatus(status);
                                return j;
                            });
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private static JobCondition jobCondition(
            String type, String reason, String message, String at) {
        return new JobConditionBuilder()
                .withType(type)
                .withStatus("True")
                .withReason(reason)
                .withMessage(message)
                .withLastProbeTime(at)
                .withLastTransitionTime(at)
                .build();
    }

    // ---------------------------------------------------------------- Deployments

    /** One serving process of a Deployment. */
    private final class Replica {
        final String ns;
        final String pod;
        final String hash;
        final Map<String, String> labels;
        final Container container;
        final PodTemplateSpec template;
        final HasMetadata owner;
        volatile int port;
        volatile Process process;
        volatile boolean ready;
        volatile int restarts;
        volatile long restartAt;
        volatile String lastTermination;

        Replica(
                String ns,
                String pod,
                String hash,
                Map<String, String> labels,
                PodTemplateSpec template,
                HasMetadata owner) {
            this.ns = ns;
            this.pod = pod;
            this.hash = hash;
            this.labels = labels;
            this.template = template;
            this.container = template.getSpec().getContainers().get(0);
            this.owner = owner;
        }
    }

    private final class DeploymentRun {
        final List<Replica> replicas = new CopyOnWriteArrayList<>();
        DeploymentStatus lastStatus;
    }

    private void reconcileDeployments(List<Deployment> current) {
        if (closed) {
            return;
        }
        Map<String, Deployment> byUid = new LinkedHashMap<>();
        for (Deployment d : current) {
            if (d.getMetadata().getDeletionTimestamp() == null) {
                byUid.put(d.getMetadata().getUid(), d);
            }
        }
        for (String uid : List.copyOf(deployments.keySet())) {
            if (!byUid.containsKey(uid)) {
                DeploymentRun gone = deployments.remove(uid);
                gone.replicas.forEach(r -> stopReplica(r, true));
            }
        }
        for (Deployment d : byUid.values()) {
            DeploymentRun run =
                    deployments.computeIfAbsent(d.getMetadata().getUid(), u -> new DeploymentRun());
            reconcile(d, run);
        }
        publishEndpoints();
    }

    private void reconcile(Deployment d, DeploymentRun run) {
        String ns = d.getMetadata().getNamespace();
        int desired = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        PodTemplateSpec template = d.getSpec().getTemplate();
        String hash = templateHash(template);
        for (Replica r : run.replicas) {
            supervise(r);
        }
        List<Replica> fresh = run.replicas.stream().filter(r -> r.hash.equals(hash)).toList();
        List<Replica> old = run.replicas.stream().filter(r -> !r.hash.equals(hash)).toList();
        for (int i = fresh.size(); i < desired; i++) {
            Map<String, String> labels = new LinkedHashMap<>();
            if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
                labels.putAll(template.getMetadata().getLabels());
            }
            labels.put("pod-template-hash", hash);
            String podName = d.getMetadata().getName() + "-" + hash + "-" + suffix();
            Replica r = new Replica(ns, podName, hash, labels, template, d);
            run.replicas.add(r);
            createPod(ns, podName, labels, d, template);
            startReplica(r);
        }
        if (fresh.size() > desired) {
            for (Replica r : fresh.subList(desired, fresh.size())) {
                stopReplica(r, true);
                run.replicas.remove(r);
            }
            fresh = fresh.subList(0, desired);
        }
        long freshReady = fresh.stream().filter(r -> r.ready).count();
        if (!old.isEmpty() && freshReady >= desired) {
            // out of the Service first, then stopped
            old.forEach(r -> r.ready = false);
            run.replicas.removeAll(old);
            publishEndpoints();
            for (Replica r : old) {
                stopReplica(r, true);
            }
            log.accept(
                    "kubelet: deployment "
                            + ns
                            + "/"
                            + d.getMetadata().getName()
                            + " rolled to its new pod template");
        }
        publishEndpoints();
        writeDeploymentStatus(d, run, desired, hash);
    }

    private void startReplica(Replica r) {
        Path dir = podDir(r.ns, r.pod);
        r.port = Processes.freePort();
        try {
            String task =
                    serveTaskWithPort(PodEnv.resolve(client, r.ns, r.pod, r.container), r.port);
            Map<String, String> overrides = new LinkedHashMap<>();
            if (task != null) {
                overrides.put(io.mlcycle.task.TaskJson.TASK_ENV, task);
            }
            overrides.put("PORT", Integer.toString(r.port));
            // the pod's fixed gRPC port would clash between replicas on one host: a free one each
            overrides.put("MLCYCLE_GRPC_PORT", "0");
            r.process =
                    launch(
                            r.ns,
                            r.pod,
                            r.owner,
                            r.template,
                            r.container,
                            dir.resolve("termination-log"),
                            dir.resolve("container.log"),
                            overrides);
            setReplicaPodStatus(r, "Running", null);
            log.accept(
                    "kubelet: pod "
                            + r.ns
                            + "/"
                            + r.pod
                            + " serving on http://127.0.0.1:"
                            + r.port
                            + " (log "
                            + dir.resolve("container.log")
                            + ")");
        } catch (PodEnv.Unresolved | IllegalStateException e) {
            r.lastTermination = e.getMessage();
            r.restartAt = System.currentTimeMillis() + 5000;
            setReplicaPodStatus(r, "Pending", e.getMessage());
        }
    }

    /** The pod's MLCYCLE_TASK with its port replaced by the replica's loopback port. */
    static String serveTaskWithPort(Map<String, String> env, int port) {
        String json = env.get(io.mlcycle.task.TaskJson.TASK_ENV);
        if (json == null) {
            return null;
        }
        try {
            JsonNode node = Serialization.jsonMapper().readTree(json);
            if (node instanceof ObjectNode o && o.has("port")) {
                o.put("port", port);
                return Serialization.jsonMapper().writeValueAsString(o);
            }
            return json;
        } catch (IOException e) {
            return json;
        }
    }

    /** Probes readiness and restarts a crashed process with back-off (restartPolicy Always). */
    private void supervise(Replica r) {
        Process p = r.process;
        if (p != null && !p.isAlive()) {
            int code = p.exitValue();
            Path dir = podDir(r.ns, r.pod);
            r.lastTermination =
                    terminationMessage(
                            dir.resolve("termination-log"), dir.resolve("container.log"), code);
            r.process = null;
            r.ready = false;
            r.restarts++;
            r.restartAt =
                    System.currentTimeMillis() + Math.min(30_000, 1000L << Math.min(r.restarts, 5));
            log.accept(
                    "kubelet: pod "
                            + r.ns
                            + "/"
                            + r.pod
                            + " exited with code "
                            + code
                            + ", restarting");
            setReplicaPodStatus(r, "Failed", r.lastTermination);
            return;
        }
        if (p == null) {
            if (System.currentTimeMillis() >= r.restartAt && !closed) {
                startReplica(r);
            }
            return;
        }
        boolean ready = probe(r);
        if (ready != r.ready) {
            r.ready = ready;
            setReplicaPodStatus(r, "Running", null);
        }
    }

    private boolean probe(Replica r) {
        String path = DEFAULT_READY_PATH;
        if (r.container.getReadinessProbe() != null
                && r.container.getReadinessProbe().getHttpGet() != null
                && r.container.getReadinessProbe().getHttpGet().getPath() != null) {
            path = r.container.getReadinessProbe().getHttpGet().getPath();
        }
        try {
            HttpResponse<Void> resp =
                    http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.port + path))
                                    .timeout(Duration.ofMillis(800))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
            return resp.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void setReplicaPodStatus(Replica r, String phase, String waitingMessage) {
        ContainerStatusBuilder cs =
                new ContainerStatusBuilder()
                        .withName(r.container.getName())
                        .withReady(r.ready)
                        .withStarted(r.process != null)
                        .withRestartCount(r.restarts);
        if (r.process != null) {
            cs.withState(new ContainerStateBuilder().withNewRunning(now()).build());
        } else {
            cs.withState(
                    new ContainerStateBuilder()
                            .withNewWaiting()
                            .withReason(
                                    r.restarts > 0
                                            ? "CrashLoopBackOff"
                                            : "CreateContainerConfigError")
                            .withMessage(waitingMessage)
                            .endWaiting()
                            .build());
        }
        if (r.lastTermination != null && r.restarts > 0) {
            cs.withNewLastState()
                    .withNewTerminated()
                    .withExitCode(1)
                    .withReason("Error")
                    .withMessage(r.lastTermination)
                    .endTerminated()
                    .endLastState();
        }
        ContainerStatus status = cs.build();
        Pod pod =
                new PodBuilder()
                        .withNewMetadata()
                        .withName(r.pod)
                        .withNamespace(r.ns)
                        .endMetadata()
                        .build();
        editPodStatus(
                pod,
                new PodStatusBuilder()
                        .withPhase(phase)
                        .withHostIP("127.0.0.1")
                        .withPodIP("127.0.0.1")
                        .withConditions(
                                new PodConditionBuilder()
                                        .withType("Ready")
                                        .withStatus(r.ready ? "True" : "False")
                                        .withLastTransitionTime(now())
                                        .build())
                        .withContainerStatuses(status)
                        .build());
    }

    private void stopReplica(Replica r, boolean deletePod) {
        r.ready = false;
        Processes.stop(r.process, 3000);
        r.process = null;
        if (deletePod) {
            try {
                client.pods().inNamespace(r.ns).withName(r.pod).delete();
            } catch (KubernetesClientException e) {
                // already gone
            }
        }
    }

    private void writeDeploymentStatus(Deployment d, DeploymentRun run, int desired, String hash) {
        int total = run.replicas.size();
        int updated = (int) run.replicas.stream().filter(r -> r.hash.equals(hash)).count();
        int ready = (int) run.replicas.stream().filter(r -> r.ready).count();
        int updatedReady =
                (int) run.replicas.stream().filter(r -> r.hash.equals(hash) && r.ready).count();
        boolean available = ready >= desired;
        boolean complete = updatedReady >= desired && total == updated;
        String at = now();
        DeploymentStatus next =
                new DeploymentStatusBuilder()
                        .withObservedGeneration(d.getMetadata().getGeneration())
                        .withReplicas(total)
                        .withUpdatedReplicas(updated)
                        .withReadyReplicas(ready)
                        .withAvailableReplicas(ready)
                        .withUnavailableReplicas(Math.max(0, desired - ready))
                        .withConditions(
                                deploymentCondition(
                                        "Available",
                                        available,
                                        available
                                                ? "MinimumReplicasAvailable"
                                                : "MinimumReplicasUnavailable",
                                        available
                                                ? "Deployment has minimum availability."
                                                : "Deployment does not have minimum availability.",
                                        at),
                                deploymentCondition(
                                        "Progressing",
                                        true,
                                        complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                                        complete
                                                ? "ReplicaSet has successfully progressed."
                                                : "ReplicaSet is progressing.",
                                        at))
                        .build();
        if (sameStatus(run.lastStatus, next)) {
            return;
        }
        run.lastStatus = next;
        try {
            client.apps()
                    .deployments()
                    .inNamespace(d.getMetadata().getNamespace())
                    .withName(d.getMetadata().getName())
                    .edit(
                            x -> {
                                x.setStatus(next);
                                return x;
                            });
        } catch (KubernetesClientException e) {
            run.lastStatus = null;
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private static boolean sameStatus(DeploymentStatus a, DeploymentStatus b) {
        if (a == null) {
            return false;
        }
        return Objects.equals(a.getObservedGeneration(), b.getObservedGeneration())
                && Objects.equals(a.getReplicas(), b.getReplicas())
                && Objects.equals(a.getUpdatedReplicas(), b.getUpdatedReplicas())
                && Objects.equals(a.getReadyReplicas(), b.getReadyReplicas())
                && Objects.equals(
                        a.getConditions().stream().map(DeploymentCondition::getReason).toList(),
                        b.getConditions().stream().map(DeploymentCondition::getReason).toList());
    }

    private static DeploymentCondition deploymentCondition(
            String type, boolean status, String reason, String message, String at) {
        return new DeploymentConditionBuilder()
                .withType(type)
                .withStatus(status ? "True" : "False")
                .withReason(reason)
                .withMessage(message)
                .withLastUpdateTime(at)
                .withLastTransitionTime(at)
                .build();
    }

    private synchronized void publishEndpoints() {
        List<Endpoint> eps = new ArrayList<>();
        for (DeploymentRun run : deployments.values()) {
            for (Replica r : run.replicas) {
                if (r.process != null) {
                    eps.add(new Endpoint(r.ns, r.pod, r.labels, r.port, r.ready));
                }
            }
        }
        if (!eps.equals(lastEndpoints)) {
            lastEndpoints = List.copyOf(eps);
            for (var l : endpointListeners) {
                l.accept(lastEndpoints);
            }
        }
    }

    static String templateHash(PodTemplateSpec template) {
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256")
                            .digest(
                                    Serialization.asJson(template)
                                            .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- helpers

    private Path podDir(String ns, String pod) {
        Path dir = workDir.resolve("pods").resolve(ns).resolve(pod);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    private String suffix() {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private static String now() {
        return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, "kubelet-" + name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Stops every process this kubelet started. */
    @Override
    public void close() {
        closed = true;
        informers.forEach(SharedIndexInformer::close);
        loop.shutdownNow();
        for (JobRun run : jobs.values()) {
            run.cancel();
        }
        for (DeploymentRun run : deployments.values()) {
            for (Replica r : run.replicas) {
                Processes.stop(r.process, 3000);
            }
        }
        jobThreads.shutdownNow();
    }
}
