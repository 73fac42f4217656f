package io.mlcycle.operator.testing;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.common.JobResults;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.task.Summary;
import io.mlcycle.task.Task;
import io.mlcycle.task.TaskJson;

import java.time.Instant;
import java.util.Map;

/**
 * Plays kubelet and Job controller for tests: runs a Job's pod to termination with a summary as its
 * termination message, then marks the Job succeeded or failed.
 */
public class Kubelet {

    private final KubernetesClient client;

    public Kubelet(KubernetesClient client) {
        this.client = client;
    }

    /** The task the operator handed the Job's pod. */
    public static Task task(Job job) {
        return JobResults.task(job).orElseThrow(() -> new AssertionError("Job has no task"));
    }

    /** The pod ends with the summary; the Job succeeds when its outcome is Succeeded. */
    public void finish(Job job, Summary summary) {
        int code = summary.outcome().exitCode();
        terminatePod(job, code, TaskJson.writeSummary(summary));
        if (code == 0) {
            markSucceeded(job);
        } else {
            markFailed(
                    job,
                    code == 1 ? "BackoffLimitExceeded" : "PodFailurePolicy",
                    code == 1
                            ? "Job has reached the specified backoff limit"
                            : "Container runtime for pod failed with exit code " + code);
        }
    }

    /** The Job fails without any pod message (e.g. the image could not be pulled). */
    public void failWithoutPod(Job job, String reason, String message) {
        markFailed(job, reason, message);
    }

    /** A container that terminated with the exit code and termination message. */
    static ContainerStatus terminated(String container, int exitCode, String message) {
        return new ContainerStatusBuilder()
                .withName(container)
                .withNewState()
                .withNewTerminated()
                .withExitCode(exitCode)
                .withReason(exitCode == 0 ? "Completed" : "Error")
                .withMessage(message)
                .endTerminated()
                .endState()
                .build();
    }

    /** Creates the Job's pod, terminated with the exit code and termination message. */
    public Pod terminatePod(Job job, int exitCode, String message) {
        String jobName = job.getMetadata().getName();
        String ns = job.getMetadata().getNamespace();
        String podName = jobName + "-" + Long.toString(System.nanoTime() % 100000, 36);
        Pod pod =
                new PodBuilder()
                        .withNewMetadata()
                        .withName(podName)
                        .withNamespace(ns)
                        .withLabels(
                                Map.of(
                                        "job-name",
                                        jobName,
                                        "batch.kubernetes.io/job-name",
                                        jobName))
                        .withCreationTimestamp(Instant.now().toString())
                        .endMetadata()
                        .withSpec(job.getSpec().getTemplate().getSpec())
                        .withNewStatus()
                        .withPhase(exitCode == 0 ? "Succeeded" : "Failed")
                        .withContainerStatuses(terminated(RuntimeJobs.CONTAINER, exitCode, message))
                        .endStatus()
                        .build();
        return client.pods().inNamespace(ns).resource(pod).create();
    }

    public void markSucceeded(Job job) {
        String now = Instant.now().toString();
        setStatus(
                job,
                new JobStatusBuilder()
                        .withStartTime(now)
                        .withCompletionTime(now)
                        .withSucceeded(1)
                        .withConditions(
                                new JobConditionBuilder()
                                        .withType("SuccessCriteriaMet")
                                        .withStatus("True")
                                        .build(),
                                new JobConditionBuilder()
                                        .withType("Complete")
                                        .withStatus("True")
                                        .build())
                        .build());
    }

    public void markFailed(Job job, String reason, String message) {
        setStatus(
                job,
                new JobStatusBuilder()
                        .withStartTime(Instant.now().toString())
                        .withFailed(1)
                        .withConditions(
                                new JobConditionBuilder()
                                        .withType("Failed")
                                        .withStatus("True")
                                        .withReason(reason)
                                        .withMessage(message)
                                        .build())
                        .build());
    }

    private void setStatus(Job job, io.fabric8.kubernetes.api.model.batch.v1.JobStatus status) {
        client.batch()
                .v1()
                .jobs()
                .inNamespace(job.getMetadata().getNamespace())
                .withName(job.getMetadata().getName())
                .edit(
                        j -> {
                            j.setStatus(status);
                            return j;
                        });
    }
}
