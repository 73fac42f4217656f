package io.mlcycle.images;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.mlcycle.local.ContainerRuntime;
import io.mlcycle.local.Processes;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import io.mlcycle.testing.EndToEndTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./mlcycle-local examples/quickstart --runtime containers}: the quickstart chain (two
 * FeatureViews, a TrainingRun, its ModelVersion, a ModelDeployment) with every pod a podman
 * container of the images {@code images/build} built, to a served version that answers an inference
 * through its Service; a killed serving container is restarted, and nothing is left running once
 * local mode ends.
 */
@EndToEndTier
class QuickstartContainersE2E {

    static final Pattern SERVING = Pattern.compile("Serving +return-predictor: (http://\\S+)");

    static Process local;

    @AfterAll
    static void stop() {
        if (local != null) {
            local.destroyForcibly();
        }
    }

    @Test
    void theQuickstartServesAVersionWithEveryPodAContainer() throws Exception {
        String tag = Podman.tag();
        long t0 = System.nanoTime();
        Path work = Podman.ROOT.resolve("images/target/local-containers");
        Path data = work.resolve("root");
        Path out = Files.createDirectories(work.getParent()).resolve("local-containers.log");
        ProcessBuilder pb =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-Dmlcycle.project.root=" + Podman.ROOT,
                                "-jar",
                                Podman.ROOT.resolve("local/target/mlcycle-local.jar").toString(),
                                "examples/quickstart",
                                "--runtime",
                                "containers",
                                "--no-story",
                                "--keep-running",
                                "--timeout",
                                "8m",
                                "--work",
                                work.toString(),
                                "--prometheus-port",
                                Integer.toString(Processes.freePort()))
                        .directory(Podman.ROOT.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile());
        local = pb.start();
        Podman.awaitOrExplain(
                "local mode serving v1",
                Duration.ofMinutes(8),
                Duration.ofSeconds(1),
                () -> {
                    String s = Files.readString(out);
                    assertThat(local.isAlive()).as(s).isTrue();
                    return s.contains("Serving until Ctrl-C.");
                },
                Boolean::booleanValue,
                () -> Podman.tail(out));
        String printed = Files.readString(out);
        assertThat(printed).contains("Pods        podman containers of mlcycle/<runtime>:" + tag);
        Matcher m = SERVING.matcher(printed);
        assertThat(m.find()).as(printed).isTrue();
        String model = m.group(1);
        HttpClient http = HttpClient.newHttpClient();
        JsonNode probabilities = Podman.infer(http, model);
        assertThat(probabilities.get("data")).hasSize(2);
        assertThat(probabilities.get("data").get(0).asDouble()).isBetween(0.0, 1.0);

        // the serving pod is a container under the pod contract
        List<String> running = containers(data);
        assertThat(running).as("containers of this local mode").hasSize(1);
        String server = running.get(0);
        Podman.Result inspect =
                Podman.run(
                        Duration.ofMinutes(1),
                        "podman",
                        "inspect",
                        "--format",
                        "{{.ImageName}} {{.HostConfig.ReadonlyRootfs}} {{.Config.User}}",
                        server);
        assertThat(inspect.output().trim())
                .isIn(
                        "mlcycle/server:" + tag + " true 1000:1000",
                        "localhost/mlcycle/server:" + tag + " true 1000:1000");

        // every Job pod (pivot ×2, trainer) ran a container whose summary came back through the
        // bind-mounted termination log, and wrote the data root as the containers' user
        try (KubernetesClient client =
                new KubernetesClientBuilder()
                        .withConfig(
                                Config.fromKubeconfig(Files.readString(work.resolve("kubeconfig"))))
                        .build()) {
            List<Pod> jobPods =
                    client.pods().inNamespace("default").withLabel("job-name").list().getItems();
            assertThat(jobPods).hasSize(3);
            for (Pod p : jobPods) {
                ContainerStateTerminated t =
                        p.getStatus().getContainerStatuses().get(0).getState().getTerminated();
                assertThat(t.getExitCode()).as(p.getMetadata().getName()).isZero();
                Summary summary = TaskJson.readSummary(t.getMessage());
                assertThat(summary.outcome()).isEqualTo(Summary.Outcome.Succeeded);
            }
            if ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0) {
                Path table = data.resolve("data/features/kpi/asOf=2026-11-20/_SUCCESS");
                assertThat(Files.getAttribute(table, "unix:uid")).isEqualTo(1000);
            }

            // restartPolicy Always: a killed serving container comes back and serves again
            Podman.Result killed = Podman.run(Duration.ofMinutes(1), "podman", "kill", server);
            assertThat(killed.exit()).as(killed.output()).isZero();
            Podman.awaitOrExplain(
                    "the serving pod restarted and serving again",
                    Duration.ofMinutes(2),
                    Duration.ofMillis(500),
                    () ->
                            client.pods()
                                    .inNamespace("default")
                                    .withLabel("pod-template-hash")
                                    .list()
                                    .getItems()
                                    .get(0)
                                    .getStatus(),
                    status ->
                            status.getContainerStatuses().get(0).getRestartCount() == 1
                                    && servesTwoRows(http, model),
                    () -> Podman.tail(out));
        }
        assertThat(containers(data)).hasSize(1).doesNotContain(server);

        // Ctrl-C: local mode stops its containers on the way out
        local.destroy();
        assertThat(local.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(containers(data)).isEmpty();
        System.out.printf(
                "QuickstartContainersE2E: %.0f s (log %s)%n", (System.nanoTime() - t0) / 1e9, out);
    }

    /** Names of the containers (running or not) of the local mode with this data root. */
    static List<String> containers(Path data) {
        Podman.Result ps =
                Podman.run(
                        Duration.ofMinutes(1),
                        "podman",
                        "ps",
                        "-a",
                        "--filter",
                        "label=" + ContainerRuntime.DATA_LABEL + "=" + data,
                        "--format",
                        "{{.Names}}");
        assertThat(ps.exit()).as(ps.output()).isZero();
        return ps.output().lines().filter(l -> !l.isBlank()).toList();
    }

    private static boolean servesTwoRows(HttpClient http, String model) {
        try {
            return Podman.infer(http, model).get("data").size() == 2;
        } catch (Exception | AssertionError e) {
            return false;
        }
    }
}
