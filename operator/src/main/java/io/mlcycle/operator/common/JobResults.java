package io.mlcycle.operator.common;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.task.Progress;
import io.mlcycle.task.Summary;
import io.mlcycle.task.Task;
import io.mlcycle.task.TaskJson;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import static io.mlcycle.operator.common.RuntimeJobs.CONTAINER;

/**
 * Reads a runtime Job back: its state from its conditions, the {@link Summary} its pod left in the
 * termination message once it finished (else one made from the failed condition), the task it was
 * created with.
 */
@ApplicationScoped
public class JobResults {

    @Inject KubernetesClient client;

    @Inject OperatorConfig config;

    private final java.util.Map<String, java.time.Instant> progressReadAt =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Results of finished Jobs by uid: final once the Job is, and each costs a LIST of its pods,
     * which every reconcile until the status records it would repeat.
     */
    private final java.util.Map<String, Result> finished =
            java.util.Collections.synchronizedMap(
                    new java.util.LinkedHashMap<>(256, 0.75f, true) {
                        @Override
                        protected boolean removeEldestEntry(
                                java.util.Map.Entry<String, Result> eldest) {
                            return size() > 4096;
                        }
                    });

    public JobResults() {}

    /** For unit tests without CDI. */
    public JobResults(KubernetesClient client) {
        this.client = client;
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

    /**
     * Reads a Job's result: its pods' termination message, else its failed condition; read once per
     * finished Job.
     */
    public Result result(Job job) {
        State state = state(job);
        if (state == State.Running) {
            return new Result(state, null);
        }
        String uid = job.getMetadata().getUid();
        if (uid == null) {
            return finishedResult(job, state);
        }
        Result known = finished.get(uid);
        if (known != null && known.state() == state) {
            return known;
        }
        Result read = finishedResult(job, state);
        finished.put(uid, read);
        return read;
    }

    private Result finishedResult(Job job, State state) {
        Optional<JobCondition> deadline = failedCondition(job, DEADLINE_EXCEEDED);
        if (deadline.isPresent()) {
            // the pod was killed: what it says (exit 143, or nothing) would hide why
            Long seconds = job.getSpec() == null ? null : job.getSpec().getActiveDeadlineSeconds();
            return new Result(
                    state,
                    Summary.failure(
                            Summary.Outcome.Failed,
                            DEADLINE_EXCEEDED,
                            "Job "
                                    + job.getMetadata().getName()
                                    + " ran longer than its activeDeadline"
                                    + (seconds == null ? "" : " (" + seconds + " s)")
                                    + " and was stopped; raise spec.activeDeadline if the work"
                                    + " needs longer"));
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

    /** The reason of a Job's Failed condition when it ran past activeDeadlineSeconds. */
    public static final String DEADLINE_EXCEEDED = "DeadlineExceeded";

    private static Optional<JobCondition> failedCondition(Job job, String reason) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return job.getStatus().getConditions().stream()
                .filter(
                        c ->
                                "Failed".equals(c.getType())
                                        && "True".equals(c.getStatus())
                                        && reason.equals(c.getReason()))
                .findFirst();
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
    /** How often a running runtime's progress is read from its pod's log. */
    public java.time.Duration progressPoll() {
        return config == null ? java.time.Duration.ofSeconds(15) : config.runtime().progressPoll();
    }

    /**
     * When the reconcile after this one is due: at {@code wakeAt} (at least a second away) or,
     * while a runtime runs, after {@link #progressPoll()} when that is sooner; empty when neither.
     */
    public Optional<java.time.Duration> nextReconcile(
            java.time.Instant now, Optional<java.time.Instant> wakeAt, boolean running) {
        Optional<java.time.Duration> delay =
                wakeAt.map(
                        at -> {
                            java.time.Duration d = java.time.Duration.between(now, at);
                            return d.compareTo(java.time.Duration.ofSeconds(1)) < 0
                                    ? java.time.Duration.ofSeconds(1)
                                    : d;
                        });
        if (running && (delay.isEmpty() || delay.get().compareTo(progressPoll()) > 0)) {
            return Optional.of(progressPoll()); // the running pods' progress
        }
        return delay;
    }

    /**
     * The last progress line ({@link Progress}) of the Job's running pod: a live read of its log's
     * tail, made only while the Job runs and at most once per {@link #progressPoll()} per Job
     * (every event of a converging resource reconciles it); empty when it has none yet or was read
     * less than a poll ago, so the caller keeps what it showed.
     */
    public Optional<String> progress(Job job, java.time.Instant now) {
        String ns = job.getMetadata().getNamespace();
        String key = ns + "/" + job.getMetadata().getName();
        java.time.Instant last = progressReadAt.get(key);
        if (last != null && last.plus(progressPoll()).isAfter(now)) {
            return Optional.empty();
        }
        progressReadAt.put(key, now);
        if (progressReadAt.size() > 4096) {
            // Jobs that finished or went away; one that runs on is simply read again
            progressReadAt.values().removeIf(at -> at.plus(progressPoll()).isBefore(now));
        }
        try {
            return pods(job).stream()
                    .filter(
                            p ->
                                    p.getStatus() != null
                                            && "Running".equals(p.getStatus().getPhase()))
                    .findFirst()
                    .map(
                            p ->
                                    client.pods()
                                            .inNamespace(ns)
                                            .withName(p.getMetadata().getName())
                                            .inContainer(CONTAINER)
                                            .tailingLines(50)
                                            .getLog())
                    .map(Progress::last);
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            // no log (yet), or no permission: progress is a nicety, never an error
            return Optional.empty();
        }
    }

    /** The Job's pods, newest first (by either job-name label Kubernetes sets). */
    private List<Pod> pods(Job job) {
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
        return pods;
    }

    Optional<Summary> podSummary(Job job) {
        List<Pod> pods = pods(job);
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
        return terminated(pod, container).map(JobResults::summaryOf);
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
}
