package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.testing.MockApiTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@MockApiTier
class KubeletTest {

    @TempDir static Path work;

    static MockApi api;
    static KubernetesClient client;
    static Kubelet kubelet;

    @BeforeAll
    static void start() {
        api = MockApi.start();
        client = api.client();
        List<String> fake = FakeRuntime.command();
        kubelet = new Kubelet(client, runtime -> fake, work.resolve("data"), work, s -> {}).start();
        client.secrets()
                .inNamespace("default")
                .resource(
                        new SecretBuilder()
                                .withNewMetadata()
                                .withName("db")
                                .endMetadata()
                                .withStringData(Map.of("password", "s3cret"))
                                .build())
                .create();
    }

    @AfterAll
    static void stop() {
        kubelet.close();
        api.close();
    }

    private static PodTemplateSpec template(String exitCode, String version) {
        return new PodTemplateSpecBuilder()
                .withNewMetadata()
                .withLabels(Map.of(Kubelet.RUNTIME_LABEL, "pivot", "app", "x"))
                .endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withContainers(
                        new ContainerBuilder()
                                .withName("main")
                                .withImage("local/pivot")
                                .withEnv(
                                        new EnvVarBuilder()
                                                .withName("MLCYCLE_TASK")
                                                .withValue(
                                                        version == null
                                                                ? "{\"kind\":\"pivot\"}"
                                                                : "{\"kind\":\"serve\",\"port\":8080}")
                                                .build(),
                                        new EnvVarBuilder()
                                                .withName("EXIT_CODE")
                                                .withValue(exitCode)
                                                .build(),
                                        new EnvVarBuilder()
                                                .withName("VERSION")
                                                .withValue(version)
                                                .build(),
                                        new EnvVarBuilder()
                                                .withName("DB_PASSWORD")
                                                .withNewValueFrom()
                                                .withNewSecretKeyRef("password", "db", false)
                                                .endValueFrom()
                                                .build())
                                .build())
                .endSpec()
                .build();
    }

    private static Job job(String name, String exitCode, int backoffLimit) {
        return new JobBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("default")
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(backoffLimit)
                .withPodFailurePolicy(
                        new PodFailurePolicyBuilder()
                                .addNewRule()
                                .withAction("FailJob")
                                .withNewOnExitCodes()
                                .withOperator("In")
                                .withValues(2, 3)
                                .endOnExitCodes()
                                .endRule()
                                .build())
                .withTemplate(template(exitCode, null))
                .endSpec()
                .build();
    }

    private static Job awaitFinished(String name) {
        await().atMost(Duration.ofSeconds(60))
                .until(
                        () ->
                                JobController.isFinished(
                                        client.batch()
                                                .v1()
                                                .jobs()
                                                .inNamespace("default")
                                                .withName(name)
                                                .get()
                                                .getStatus()));
        return client.batch().v1().jobs().inNamespace("default").withName(name).get();
    }

    private static List<Pod> podsOf(String job) {
        return client.pods().inNamespace("default").withLabel("job-name", job).list().getItems();
    }

    @Test
    void aSucceedingJobRunsOneProcessWithThePodEnvironmentAndRecordsItsTerminationMessage() {
        client.batch().v1().jobs().inNamespace("default").resource(job("ok", "0", 1)).create();

        Job done = awaitFinished("ok");

        assertThat(done.getStatus().getSucceeded()).isEqualTo(1);
        assertThat(done.getStatus().getConditions())
                .anyMatch(c -> c.getType().equals("Complete") && c.getStatus().equals("True"));
        List<Pod> pods = podsOf("ok");
        assertThat(pods).hasSize(1);
        Pod pod = pods.get(0);
        assertThat(pod.getMetadata().getLabels())
                .containsEntry("batch.kubernetes.io/job-name", "ok");
        assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
        var terminated = pod.getStatus().getContainerStatuses().get(0).getState().getTerminated();
        assertThat(terminated.getExitCode()).isZero();
        assertThat(terminated.getMessage())
                .contains("password=s3cret")
                .contains("root=" + work.resolve("data").toAbsolutePath())
                .contains("task={'kind':'pivot'}");
    }

    @Test
    void anExitCodeListedInThePodFailurePolicyFailsTheJobAtOnce() {
        client.batch().v1().jobs().inNamespace("default").resource(job("invalid", "2", 3)).create();

        Job done = awaitFinished("invalid");

        assertThat(done.getStatus().getFailed()).isEqualTo(1);
        assertThat(done.getStatus().getConditions())
                .anyMatch(
                        c ->
                                c.getType().equals("Failed")
                                        && c.getReason().equals("PodFailurePolicy"));
        Pod pod = podsOf("invalid").get(0);
        assertThat(pod.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(
                        pod.getStatus()
                                .getContainerStatuses()
                                .get(0)
                                .getState()
                                .getTerminated()
                                .getExitCode())
                .isEqualTo(2);
    }

    @Test
    void otherFailuresAreRetriedUpToTheBackoffLimit() {
        client.batch().v1().jobs().inNamespace("default").resource(job("crash", "1", 1)).create();

        Job done = awaitFinished("crash");

        assertThat(done.getStatus().getFailed()).isEqualTo(2);
        assertThat(done.getStatus().getConditions())
                .anyMatch(
                        c ->
                                c.getType().equals("Failed")
                                        && c.getReason().equals("BackoffLimitExceeded"));
        assertThat(podsOf("crash"))
                .hasSize(2)
                .allMatch(p -> p.getStatus().getPhase().equals("Failed"));
    }

    @Test
    void aDeploymentServesOnALoopbackPortAndRollsToANewTemplateOnlyOnceItIsReady()
            throws Exception {
        Deployment d =
                new DeploymentBuilder()
                        .withNewMetadata()
                        .withName("srv")
                        .withNamespace("default")
                        .endMetadata()
                        .withNewSpec()
                        .withReplicas(1)
                        .withNewSelector()
                        .withMatchLabels(Map.of("app", "x"))
                        .endSelector()
                        .withTemplate(template("0", "v1"))
                        .endSpec()
                        .build();
        client.apps().deployments().inNamespace("default").resource(d).create();
        await().atMost(Duration.ofSeconds(60)).until(() -> "v1".equals(answer()));
        await().atMost(Duration.ofSeconds(10)).until(() -> readyReplicas("srv") == 1);

        client.apps()
                .deployments()
                .inNamespace("default")
                .withName("srv")
                .edit(
                        x -> {
                            x.getSpec().setTemplate(template("0", "v2"));
                            return x;
                        });

        await().atMost(Duration.ofSeconds(60))
                .until(() -> kubelet.endpoints().size() == 1 && "v2".equals(answer()));
        assertThat(readyReplicas("srv")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10))
                .until(
                        () ->
                                client.pods()
                                                .inNamespace("default")
                                                .withLabel("pod-template-hash")
                                                .list()
                                                .getItems()
                                                .size()
                                        == 1);

        client.apps().deployments().inNamespace("default").withName("srv").delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> kubelet.endpoints().isEmpty());
    }

    private static int readyReplicas(String name) {
        var d = client.apps().deployments().inNamespace("default").withName(name).get();
        return d.getStatus() == null || d.getStatus().getReadyReplicas() == null
                ? 0
                : d.getStatus().getReadyReplicas();
    }

    private static String answer() {
        var ready = kubelet.endpoints().stream().filter(Kubelet.Endpoint::ready).toList();
        if (ready.size() != 1) {
            return null;
        }
        try {
            return HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(
                                            URI.create(
                                                    "http://127.0.0.1:"
                                                            + ready.get(0).port()
                                                            + "/v2/health/ready"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (Exception e) {
            return null;
        }
    }
}
