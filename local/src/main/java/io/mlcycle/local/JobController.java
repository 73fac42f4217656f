package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The Job controller of local mode: runs each unfinished, unsuspended Job's pods one after another
 * (backoffLimit, podFailurePolicy and activeDeadlineSeconds through {@link JobPolicy}) and writes
 * the Job's status and conditions as Kubernetes does.
 */
final class JobController implements ResourceEventHandler<Job>, AutoCloseable {

    private final KubernetesClient client;
    private final PodLauncher launcher;
    private final Consumer<String> log;
    private final Map<String, JobRun> jobs = new ConcurrentHashMap<>();
    private final ExecutorService jobThreads = Executors.newCachedThreadPool(Kubelet.daemon("job"));
    private volatile boolean closed;

    JobController(KubernetesClient client, PodLauncher launcher, Consumer<String> log) {
        this.client = client;
        this.launcher = launcher;
        this.log = log;
    }

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
        volatile Future<?> future;
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
            String started = PodStatusWriter.now();
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
                    String podName = name + "-" + launcher.suffix();
                    Map<String, String> labels = new LinkedHashMap<>();
                    if (template.getMetadata() != null
                            && template.getMetadata().getLabels() != null) {
                        labels.putAll(template.getMetadata().getLabels());
                    }
                    labels.put("job-name", name);
                    labels.put("batch.kubernetes.io/job-name", name);
                    labels.put("controller-uid", job.getMetadata().getUid());
                    labels.put("batch.kubernetes.io/controller-uid", job.getMetadata().getUid());
                    PodLauncher.Result result =
                            launcher.runToCompletion(
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
                    if (result.deadlineExceeded()) {
                        failJob(
                                ns,
                                name,
                                started,
                                failed + 1,
                                "DeadlineExceeded",
                                "Job was active longer than specified deadline");
                        return;
                    }
                    JobPolicy.Decision d =
                            JobPolicy.decide(
                                    job.getSpec(), result.container(), result.exitCode(), failed);
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
                                        + result.exitCode()
                                        + ")");
                        return;
                    }
                    if (((JobPolicy.Retry) d).counted()) {
                        failed++;
                    } else if (++ignored > 20) {
                        failJob(
                                ns,
                                name,
                                started,
                                failed + 1,
                                "BackoffLimitExceeded",
                                "local mode stops after 20 ignored pod failures");
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
        String at = PodStatusWriter.now();
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
        PodStatusWriter.editIfPresent(
                client.batch().v1().jobs().inNamespace(ns).withName(name),
                j -> j.setStatus(status));
    }

    private void failJob(
            String ns, String name, String started, int failed, String reason, String message) {
        writeJobStatus(ns, name, started, 0, 0, failed, new JobPolicy.Fail(reason, message));
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

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops every Job's running pod. */
    @Override
    public void close() {
        closed = true;
        for (JobRun run : jobs.values()) {
            run.cancel();
        }
        jobThreads.shutdownNow();
    }
}
