package io.mlcycle.operator.common;

import io.fabric8.kubernetes.api.model.ContainerStateTerminatedBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import io.mlcycle.testing.MockApiTier;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@MockApiTier
class JobResultsTest {

    @Test
    void aFinishedJobsPodsAreReadOnceHoweverOftenItsResultIsAsked() {
        var server = io.mlcycle.operator.testing.MockKubernetesServer.startCrud();
        try (var client = server.createClient()) {
            client.pods()
                    .resource(
                            new io.fabric8.kubernetes.api.model.PodBuilder()
                                    .withNewMetadata()
                                    .withName("train-v1-1-abc")
                                    .withNamespace("test")
                                    .addToLabels("job-name", "train-v1-1")
                                    .endMetadata()
                                    .withNewStatus()
                                    .addNewContainerStatus()
                                    .withName(RuntimeJobs.CONTAINER)
                                    .withNewState()
                                    .withTerminated(
                                            new ContainerStateTerminatedBuilder()
                                                    .withExitCode(0)
                                                    .withMessage(
                                                            TaskJson.writeSummary(
                                                                    Summary.succeeded(
                                                                            "file:///m/v1/",
                                                                            Map.of("auc", 0.7),
                                                                            null)))
                                                    .build())
                                    .endState()
                                    .endContainerStatus()
                                    .endStatus()
                                    .build())
                    .create();
            var job =
                    new JobBuilder()
                            .withNewMetadata()
                            .withName("train-v1-1")
                            .withNamespace("test")
                            .withUid("3f1c")
                            .endMetadata()
                            .withNewStatus()
                            .addNewCondition()
                            .withType("Complete")
                            .withStatus("True")
                            .endCondition()
                            .endStatus()
                            .build();
            JobResults results = new JobResults(client);
            assertThat(results.result(job).summary().uri()).isEqualTo("file:///m/v1/");
            int afterFirst = server.getRequestCount();
            assertThat(results.result(job).summary().uri()).isEqualTo("file:///m/v1/");
            assertThat(server.getRequestCount()).isEqualTo(afterFirst);
        } finally {
            server.destroy();
        }
    }

    @Test
    void aRunningJobsProgressIsReadAtMostOncePerPollHoweverOftenItIsReconciled() {
        var server = io.mlcycle.operator.testing.MockKubernetesServer.startCrud();
        try (var client = server.createClient()) {
            JobResults results = new JobResults(client);
            var job =
                    new JobBuilder()
                            .withNewMetadata()
                            .withName("fv-pivot-20261118-1")
                            .withNamespace("test")
                            .endMetadata()
                            .build();
            java.time.Instant t0 = java.time.Instant.parse("2026-11-18T10:00:00Z");
            results.progress(job, t0);
            int afterFirst = server.getRequestCount();
            assertThat(afterFirst).isPositive();
            results.progress(job, t0.plusSeconds(1));
            results.progress(job, t0.plus(results.progressPoll()).minusMillis(1));
            assertThat(server.getRequestCount()).isEqualTo(afterFirst);
            results.progress(job, t0.plus(results.progressPoll()));
            assertThat(server.getRequestCount()).isGreaterThan(afterFirst);
        } finally {
            server.destroy();
        }
    }

    @Test
    void terminationMessageIsParsedAsSummary() {
        String json =
                TaskJson.writeSummary(
                        Summary.succeeded("file:///x/", Map.of("entities", 3.0), null));
        Summary s =
                JobResults.summaryOf(
                        new ContainerStateTerminatedBuilder()
                                .withExitCode(0)
                                .withMessage(json)
                                .build());
        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(s.uri()).isEqualTo("file:///x/");
        assertThat(s.figures()).containsEntry("entities", 3.0);
    }

    @Test
    void logTailWithoutSummaryKeepsExitCodeOutcomeAndText() {
        Summary s =
                JobResults.summaryOf(
                        new ContainerStateTerminatedBuilder()
                                .withExitCode(2)
                                .withReason("Error")
                                .withMessage("Exception in thread main: bad task")
                                .build());
        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Invalid);
        assertThat(s.reason()).isEqualTo("Error");
        assertThat(s.message()).contains("bad task");
        Summary oom =
                JobResults.summaryOf(
                        new ContainerStateTerminatedBuilder()
                                .withExitCode(137)
                                .withReason("OOMKilled")
                                .build());
        assertThat(oom.outcome()).isEqualTo(Summary.Outcome.Failed);
        assertThat(oom.reason()).isEqualTo("OOMKilled");
        assertThat(oom.message()).contains("137");
    }

    @Test
    void jobStateFollowsItsConditions() {
        var running = new JobBuilder().withNewMetadata().withName("j").endMetadata().build();
        assertThat(JobResults.state(running)).isEqualTo(JobResults.State.Running);
        var done =
                new JobBuilder(running)
                        .withNewStatus()
                        .addNewCondition()
                        .withType("Complete")
                        .withStatus("True")
                        .endCondition()
                        .endStatus()
                        .build();
        assertThat(JobResults.state(done)).isEqualTo(JobResults.State.Succeeded);
        var failed =
                new JobBuilder(running)
                        .withNewStatus()
                        .addNewCondition()
                        .withType("Failed")
                        .withStatus("True")
                        .withReason("BackoffLimitExceeded")
                        .endCondition()
                        .endStatus()
                        .build();
        assertThat(JobResults.state(failed)).isEqualTo(JobResults.State.Failed);
    }

    @Test
    void aJobStoppedByItsDeadlineSaysSoEvenWhenItsKilledPodLeftAnExitCode() {
        var job =
                new JobBuilder()
                        .withNewMetadata()
                        .withName("kpi-pivot-20261120-1")
                        .endMetadata()
                        .withNewSpec()
                        .withActiveDeadlineSeconds(7200L)
                        .endSpec()
                        .withNewStatus()
                        .addNewCondition()
                        .withType("Failed")
                        .withStatus("True")
                        .withReason(JobResults.DEADLINE_EXCEEDED)
                        .withMessage("Job was active longer than specified deadline")
                        .endCondition()
                        .endStatus()
                        .build();
        JobResults.Result r = new JobResults(null).result(job);
        assertThat(r.state()).isEqualTo(JobResults.State.Failed);
        assertThat(r.summary().outcome()).isEqualTo(Summary.Outcome.Failed);
        assertThat(r.summary().reason()).isEqualTo("DeadlineExceeded");
        assertThat(r.summary().message())
                .contains("kpi-pivot-20261120-1", "7200 s", "spec.activeDeadline");
    }
}
