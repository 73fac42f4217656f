package io.mlcycle.operator.common;

import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRuleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.task.Summary;
import io.mlcycle.task.Task;
import io.mlcycle.task.TaskJson;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Builds runtime pods and Jobs from a {@link Task} and reads a finished Job's {@link Summary} back
 * from its pod's termination message.
 */
@ApplicationScoped
public class RuntimeJobs {

    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "mlcycle";
    public static final String RUNTIME_LABEL = "mlcycle.io/runtime";
    public static final String CONTAINER = "runtime";
    public static final String DATA_VOLUME = "data";
    static final String SCRATCH_VOLUME = "scratch";
    public static final String TERMINATION_LOG = "/dev/termination-log";

    /** Exit codes that fail the Job at once instead of retrying (see {@link Summary.Outcome}). */
    public static final List<Integer> NON_RETRYABLE_EXIT_CODES =
            List.of(
                    Summary.Outcome.Invalid.exitCode(),
                    Summary.Outcome.WaitingForData.exitCode(),
                    Summary.Outcome.ValidationFailed.exitCode());

    /** The three runtimes; the value is the label value and the image key. */
    public enum Runtime {
        pivot,
        trainer,
        server
    }

    @Inject OperatorConfig config;
    @Inject KubernetesClient client;

    public RuntimeJobs() {}

    /** For unit tests without CDI. */
    public RuntimeJobs(OperatorConfig config, KubernetesClient client) {
        this.config = config;
        this.client = client;
    }

    public String image(Runtime runtime) {
        return switch (runtime) {
            case pivot -> config.images().pivot();
            case trainer -> config.images().trainer();
            case server -> config.images().server();
        };
    }

    /** Labels of every runtime object created for {@code owner}. */
    public static Map<String, String> labels(HasMetadata owner, Runtime runtime) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(MANAGED_BY_LABEL, MANAGED_BY);
        labels.put(RUNTIME_LABEL, runtime.name());
        labels.put(ownerLabel(owner.getKind()), owner.getMetadata().getName());
        return labels;
    }

    /** The label selector of the Jobs this operator runs with {@code runtime}. */
    public static String selector(Runtime runtime) {
        return MANAGED_BY_LABEL + "=" + MANAGED_BY + "," + RUNTIME_LABEL + "=" + runtime;
    }

    /** {@code mlcycle.io/<kind in lower case>}, e.g. mlcycle.io/featureview. */
    public static String ownerLabel(String kind) {
        return "mlcycle.io/" + kind.toLowerCase(Locale.ROOT);
    }

    /**
     * Of {@code candidates} (an informer's secondary resources of {@code owner}), those that carry
     * its owner label and whose owner references name its uid (labels can be copied, and a deleted
     * owner's children may remain under a new owner of the same name).
     */
    public static <T extends HasMetadata> List<T> ownedBy(
            HasMetadata owner, Collection<T> candidates) {
        String uid = owner.getMetadata().getUid();
        String label = ownerLabel(owner.getKind());
        return candidates.stream()
                .filter(
                        i ->
                                uid != null
                                        && i.getMetadata().getLabels() != null
                                        && owner.getMetadata()
                                                .getName()
                                                .equals(i.getMetadata().getLabels().get(label))
                                        && i.getMetadata().getOwnerReferences().stream()
                                                .anyMatch(o -> uid.equals(o.getUid())))
                .toList();
    }

    /** An owner reference with controller=true (the owner's informer maps events back). */
    public static OwnerReference controllerReference(HasMetadata owner) {
        return new OwnerReferenceBuilder()
                .withApiVersion(owner.getApiVersion())
                .withKind(owner.getKind())
                .withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    /**
     * The pod template running {@code task} in the runtime's image: one container, the task in
     * {@code MLCYCLE_TASK}, the termination message as the summary channel, the data volume, a
     * scratch {@code /tmp}, the runtime service account without an API token.
     *
     * @param extraEnv more variables (e.g. credentials from a Secret), may be empty
     * @param resources the container's resources, may be null
     */
    public PodTemplateSpec podTemplate(
            HasMetadata owner,
            Runtime runtime,
            Task task,
            List<EnvVar> extraEnv,
            ResourceRequirements resources) {
        List<EnvVar> env = new ArrayList<>();
        env.add(
                new EnvVarBuilder()
                        .withName(TaskJson.TASK_ENV)
                        .withValue(TaskJson.write(task))
                        .build());
        env.addAll(extraEnv == null ? List.of() : extraEnv);
        env.addAll(storageEnv());
        ContainerBuilder container =
                new ContainerBuilder()
                        .withName(CONTAINER)
                        .withImage(image(runtime))
                        .withEnv(env)
                        .withTerminationMessagePath(TERMINATION_LOG)
                        .withTerminationMessagePolicy("FallbackToLogsOnError")
                        .withResources(resources);
        securityContext().ifPresent(container::withSecurityContext);
        PodSpecBuilder pod =
                new PodSpecBuilder()
                        .withRestartPolicy("Never")
                        .withAutomountServiceAccountToken(false);
        config.runtime()
                .serviceAccount()
                .filter(s -> !s.isBlank())
                .ifPresent(pod::withServiceAccountName);
        Volumes volumes = volumes();
        container.withVolumeMounts(volumes.mounts());
        pod.withVolumes(volumes.volumes());
        Container built = container.build();
        return new PodTemplateSpecBuilder()
                .withNewMetadata()
                .withLabels(labels(owner, runtime))
                .endMetadata()
                .withSpec(pod.withContainers(built).build())
                .build();
    }

    /**
     * The S3 settings of {@code mlcycle.storage.s3} as the env the runtimes read ({@code
     * MLCYCLE_S3_*}); the keys come from the credentials Secret by reference, only its name is
     * passed as a value (for error messages).
     */
    List<EnvVar> storageEnv() {
        OperatorConfig.S3 s3 = config.storage().s3();
        List<EnvVar> env = new ArrayList<>();
        s3.endpoint()
                .filter(v -> !v.isBlank())
                .ifPresent(v -> env.add(value("MLCYCLE_S3_ENDPOINT", v)));
        s3.region()
                .filter(v -> !v.isBlank())
                .ifPresent(v -> env.add(value("MLCYCLE_S3_REGION", v)));
        s3.pathStyle().ifPresent(v -> env.add(value("MLCYCLE_S3_PATH_STYLE", v.toString())));
        s3.credentialsSecret()
                .filter(v -> !v.isBlank())
                .ifPresent(
                        secret -> {
                            env.add(value("MLCYCLE_S3_CREDENTIALS_SECRET", secret));
                            env.add(secretEnv("AWS_ACCESS_KEY_ID", secret, s3.accessKeyIdKey()));
                            env.add(
                                    secretEnv(
                                            "AWS_SECRET_ACCESS_KEY",
                                            secret,
                                            s3.secretAccessKeyKey()));
                        });
        return env;
    }

    private static EnvVar value(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    /** An env var read from one key of a Secret (the value never enters the pod spec). */
    public static EnvVar secretEnv(String name, String secret, String key) {
        return new EnvVarBuilder()
                .withName(name)
                .withNewValueFrom()
                .withNewSecretKeyRef()
                .withName(secret)
                .withKey(key)
                .endSecretKeyRef()
                .endValueFrom()
                .build();
    }

    /**
     * A run-to-completion Job for {@code task}: restartPolicy Never, {@code backoffLimit} retries,
     * removed {@code mlcycle.runtime.job-ttl-seconds} after it finished, and a pod failure policy
     * that fails it at once on Invalid, WaitingForData and ValidationFailed (retrying cannot help
     * those).
     */
    public Job job(
            HasMetadata owner,
            String name,
            Runtime runtime,
            Task task,
            int backoffLimit,
            List<EnvVar> extraEnv,
            ResourceRequirements resources) {
        return new JobBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(owner.getMetadata().getNamespace())
                .withLabels(labels(owner, runtime))
                .withOwnerReferences(controllerReference(owner))
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(backoffLimit)
                .withTtlSecondsAfterFinished(
                        config.runtime().jobTtlSeconds() < 0
                                ? null
                                : (int)
                                        Math.min(
                                                Integer.MAX_VALUE,
                                                config.runtime().jobTtlSeconds()))
                .withNewPodFailurePolicy()
                .withRules(
                        new PodFailurePolicyRuleBuilder()
                                .withAction("FailJob")
                                .withNewOnExitCodes()
                                .withContainerName(CONTAINER)
                                .withOperator("In")
                                .withValues(NON_RETRYABLE_EXIT_CODES)
                                .endOnExitCodes()
                                .build())
                .endPodFailurePolicy()
                .withTemplate(podTemplate(owner, runtime, task, extraEnv, resources))
                .endSpec()
                .build();
    }

    /** Volumes of a runtime pod and where its container mounts them. */
    public record Volumes(List<Volume> volumes, List<VolumeMount> mounts) {}

    /** The data volume (when a claim is configured) and a scratch {@code /tmp}. */
    public Volumes volumes() {
        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        Optional<String> claim = config.data().claim().filter(c -> !c.isBlank());
        if (claim.isPresent()) {
            mounts.add(
                    new VolumeMountBuilder()
                            .withName(DATA_VOLUME)
                            .withMountPath(config.data().mountPath())
                            .build());
            volumes.add(
                    new VolumeBuilder()
                            .withName(DATA_VOLUME)
                            .withNewPersistentVolumeClaim()
                            .withClaimName(claim.get())
                            .endPersistentVolumeClaim()
                            .build());
        }
        // The root file system is read-only: DuckDB and DJL unpack their natives into /tmp.
        mounts.add(new VolumeMountBuilder().withName(SCRATCH_VOLUME).withMountPath("/tmp").build());
        volumes.add(
                new VolumeBuilder()
                        .withName(SCRATCH_VOLUME)
                        .withNewEmptyDir()
                        .endEmptyDir()
                        .build());
        return new Volumes(volumes, mounts);
    }

    /** The container securityContext of runtime pods (mlcycle.runtime.security-context), if set. */
    public Optional<SecurityContext> securityContext() {
        return config.runtime()
                .securityContext()
                .filter(s -> !s.isBlank())
                .map(
                        json -> {
                            try {
                                return JsonMapper.builder()
                                        .build()
                                        .readValue(json, SecurityContext.class);
                            } catch (java.io.IOException e) {
                                throw new IllegalArgumentException(
                                        "mlcycle.runtime.security-context is not a securityContext"
                                                + " JSON: "
                                                + e.getMessage(),
                                        e);
                            }
                        });
    }

    /** The task a Job was created with (parsed from its MLCYCLE_TASK variable). */
    public static Optional<Task> task(Job job) {
        return job.getSpec().getTemplate().getSpec().getContainers().stream()
                .flatMap(
                        c ->
                                c.getEnv() == null
                                        ? java.util.stream.Stream.empty()
                                        : c.getEnv().stream())
                .filter(e -> TaskJson.TASK_ENV.equals(e.getName()) && e.getValue() != null)
                .findFirst()
                .map(e -> TaskJson.readTask(e.getValue()));
    }

    /** How far a Job got. */
    public enum State {
        Running,
        Succeeded,
        Failed
    }

    /**
     * A Job's state and, once finished, what its pod reported.
     *
     * @param summary null while running; when finished, the pod's summary or one made from the
     *     Job's failed condition
     */
    public record Result(State state, Summary summary) {
        public boolean finished() {
            return state != State.Running;
        }
    }

    /** The state of a Job from its status conditions and counters. */
    public static State state(Job job) {
        if (job.getStatus() == null) {
            return State.Running;
        }
        List<JobCondition> conditions =
                job.getStatus().getConditions() == null
                        ? List.of()
                        : job.getStatus().getConditions();
        for (JobCondition c : conditions) {
            if ("True".equals(c.getStatus()) && "Failed".equals(c.getType())) {
                return State.Failed;
            }
        }
        for (JobCondition c : conditions) {
            if ("True".equals(c.getStatus())
                    && ("Complete".equals(c.getType())
                            || "SuccessCriteriaMet".equals(c.getType()))) {
                return State.Succeeded;
            }
        }
        return State.Running;
    }

    /** Reads a Job's result: its pods' termination message, else its failed condition. */
    public Result result(Job job) {
        State state = state(job);
        if (state == State.Running) {
            return new Result(state, null);
        }
        Optional<Summary> fromPod = podSummary(job);
        if (fromPod.isPresent()) {
            Summary s = fromPod.get();
            if (state == State.Failed && s.outcome() == Summary.Outcome.Succeeded) {
                return new Result(state, failedSummary(job));
            }
            return new Result(state, s);
        }
        if (state == State.Succeeded) {
            return new Result(
                    state,
                    Summary.failure(
                            Summary.Outcome.Failed,
                            "NoSummary",
                            "Job "
                                    + job.getMetadata().getName()
                                    + " completed but its pod left no termination message"));
        }
        return new Result(state, failedSummary(job));
    }

    private static Summary failedSummary(Job job) {
        List<JobCondition> conditions =
                job.getStatus() == null || job.getStatus().getConditions() == null
                        ? List.of()
                        : job.getStatus().getConditions();
        return conditions.stream()
                .filter(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus()))
                .findFirst()
                .map(
                        c ->
                                Summary.failure(
                                        Summary.Outcome.Failed,
                                        c.getReason() == null ? "JobFailed" : c.getReason(),
                                        c.getMessage() == null
                                                ? "Job " + job.getMetadata().getName() + " failed"
                                                : c.getMessage()))
                .orElse(
                        Summary.failure(
                                Summary.Outcome.Failed,
                                "JobFailed",
                                "Job " + job.getMetadata().getName() + " failed"));
    }

    /** The summary of the Job's newest terminated pod, if any pod left one. */
    Optional<Summary> podSummary(Job job) {
        String ns = job.getMetadata().getNamespace();
        String name = job.getMetadata().getName();
        List<Pod> pods =
                new ArrayList<>(
                        client.pods()
                                .inNamespace(ns)
                                .withLabel("job-name", name)
                                .list()
                                .getItems());
        if (pods.isEmpty()) {
            pods.addAll(
                    client.pods()
                            .inNamespace(ns)
                            .withLabel("batch.kubernetes.io/job-name", name)
                            .list()
                            .getItems());
        }
        pods.sort(
                Comparator.comparing(
                                (Pod p) ->
                                        p.getMetadata().getCreationTimestamp() == null
                                                ? ""
                                                : p.getMetadata().getCreationTimestamp())
                        .reversed());
        for (Pod pod : pods) {
            Optional<Summary> summary = podSummary(pod, CONTAINER);
            if (summary.isPresent()) {
                return summary;
            }
        }
        return Optional.empty();
    }

    /**
     * The summary a pod's terminated container left (the one named {@code container}, or the pod's
     * only container); empty while it runs.
     */
    public static Optional<Summary> podSummary(Pod pod, String container) {
        return terminated(pod, container).map(RuntimeJobs::summaryOf);
    }

    private static Optional<ContainerStateTerminated> terminated(Pod pod, String container) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return Optional.empty();
        }
        return pod.getStatus().getContainerStatuses().stream()
                .filter(
                        cs ->
                                container.equals(cs.getName())
                                        || pod.getStatus().getContainerStatuses().size() == 1)
                .map(ContainerStatus::getState)
                .filter(s -> s != null && s.getTerminated() != null)
                .map(s -> s.getTerminated())
                .findFirst();
    }

    /** A terminated container's summary: its JSON message, else one from exit code and reason. */
    static Summary summaryOf(ContainerStateTerminated t) {
        String message = t.getMessage();
        if (message != null && message.trim().startsWith("{")) {
            try {
                return TaskJson.readSummary(message.trim());
            } catch (IllegalArgumentException e) {
                // not a summary: the kubelet fell back to the log tail; report it as is
            }
        }
        int code = t.getExitCode() == null ? 1 : t.getExitCode();
        Summary.Outcome outcome = Summary.Outcome.Failed;
        for (Summary.Outcome o : Summary.Outcome.values()) {
            if (o.exitCode() == code) {
                outcome = o;
            }
        }
        String reason = t.getReason() == null || t.getReason().isBlank() ? "Error" : t.getReason();
        String text =
                message == null || message.isBlank()
                        ? "container exited with code " + code + " (" + reason + ")"
                        : message.trim();
        return Summary.failure(outcome, reason, text);
    }

    /**
     * A DNS-label name (≤ 63 characters) from parts joined by '-'; when too long, the first part is
     * shortened and a hash of the whole keeps it unique.
     */
    public static String name(String... parts) {
        return name(63, parts);
    }

    /** {@link #name(String...)} with at most {@code max} characters. */
    public static String name(int max, String... parts) {
        String full =
                String.join("-", parts).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        if (full.length() <= max) {
            return full;
        }
        String hash = shortHash(full);
        String rest = String.join("-", java.util.Arrays.copyOfRange(parts, 1, parts.length));
        int room = max - hash.length() - rest.length() - 2;
        String head = parts[0];
        if (room < 1) {
            return (head.substring(0, Math.min(head.length(), max - hash.length() - 1))
                            + "-"
                            + hash)
                    .replaceAll("-+$", "");
        }
        head = head.substring(0, Math.min(head.length(), room)).replaceAll("-+$", "");
        return (head + "-" + hash + "-" + rest).toLowerCase(Locale.ROOT);
    }

    /** 8 hex characters of SHA-256. */
    public static String shortHash(String value) {
        try {
            return HexFormat.of()
                    .formatHex(
                            MessageDigest.getInstance("SHA-256")
                                    .digest(value.getBytes(StandardCharsets.UTF_8)),
                            0,
                            4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
