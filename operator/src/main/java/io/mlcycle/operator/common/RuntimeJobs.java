package io.mlcycle.operator.common;

import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRuleBuilder;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.Summary;
import io.mlcycle.task.Task;
import io.mlcycle.task.TaskJson;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds runtime pods and Jobs from a {@link Task}: image, task variable, termination message,
 * volumes, security context, pod failure policy. {@link RuntimeObjects} names and labels them,
 * {@link JobResults} reads a finished Job back.
 */
@ApplicationScoped
public class RuntimeJobs {

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

    public RuntimeJobs() {}

    /** For unit tests without CDI. */
    public RuntimeJobs(OperatorConfig config) {
        this.config = config;
    }

    public String image(Runtime runtime) {
        return switch (runtime) {
            case pivot -> config.images().pivot();
            case trainer -> config.images().trainer();
            case server -> config.images().server();
        };
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
                        .withValue(TaskJson.writeTask(task))
                        .build());
        env.addAll(extraEnv == null ? List.of() : extraEnv);
        env.addAll(storageEnv(owner));
        env.add(value(PodEnv.STAGE_MAX_BYTES, Long.toString(stageMaxBytes())));
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
                .withLabels(RuntimeObjects.labels(owner, runtime))
                .endMetadata()
                .withSpec(pod.withContainers(built).build())
                .build();
    }

    /**
     * The object storage env of {@code owner}'s pods: its {@code spec.storage.s3} over {@code
     * mlcycle.storage.s3.*} ({@link ObjectStorage#merge}).
     */
    public List<EnvVar> storageEnv(HasMetadata owner) {
        return ObjectStorage.env(
                ObjectStorage.merge(ObjectStorage.of(owner), config.storage().s3()));
    }

    /**
     * {@link #storageEnv(HasMetadata)} and {@code catalogEnv}, the credentials of the catalogs of
     * the Iceberg views a Spark driver plans.
     */
    public List<EnvVar> storageEnv(HasMetadata owner, List<EnvVar> catalogEnv) {
        List<EnvVar> env = new ArrayList<>(storageEnv(owner));
        env.addAll(catalogEnv);
        return env;
    }

    /** A plain env var. */
    static EnvVar value(String name, String value) {
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
     * stopped by Kubernetes after {@code activeDeadline} (a spec duration such as 2h, named by
     * {@code deadlineField} when it does not parse; retries included), removed {@code
     * mlcycle.runtime.job-ttl-seconds} after it finished, and a pod failure policy that fails it at
     * once on Invalid, WaitingForData and ValidationFailed (retrying cannot help those).
     */
    public Job job(
            HasMetadata owner,
            String name,
            Runtime runtime,
            Task task,
            int backoffLimit,
            String activeDeadline,
            String deadlineField,
            List<EnvVar> extraEnv,
            ResourceRequirements resources) {
        long deadlineSeconds = Durations.parse(activeDeadline, deadlineField).toSeconds();
        return new JobBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(owner.getMetadata().getNamespace())
                .withLabels(RuntimeObjects.labels(owner, runtime))
                .withOwnerReferences(RuntimeObjects.controllerReference(owner))
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(backoffLimit)
                .withActiveDeadlineSeconds(deadlineSeconds)
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
                        .withSizeLimit(scratchSizeLimit())
                        .endEmptyDir()
                        .build());
        return new Volumes(volumes, mounts);
    }

    /**
     * The size limit of the pods' scratch {@code /tmp} ({@code
     * mlcycle.runtime.scratch-size-limit}).
     */
    Quantity scratchSizeLimit() {
        String text = config.runtime().scratchSizeLimit();
        try {
            Quantity q = new Quantity(text);
            if (Quantity.getAmountInBytes(q).signum() > 0) {
                return q;
            }
        } catch (IllegalArgumentException | ArithmeticException e) {
            // named below
        }
        throw new IllegalStateException(
                "mlcycle.runtime.scratch-size-limit '" + text + "' is not a positive quantity");
    }

    /** Bytes a pod may stage from object storage: four fifths of its scratch volume. */
    long stageMaxBytes() {
        return Quantity.getAmountInBytes(scratchSizeLimit())
                .multiply(java.math.BigDecimal.valueOf(4))
                .divide(java.math.BigDecimal.valueOf(5), java.math.RoundingMode.DOWN)
                .longValueExact();
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
}
