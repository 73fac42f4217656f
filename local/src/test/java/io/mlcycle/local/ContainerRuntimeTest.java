package io.mlcycle.local;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class ContainerRuntimeTest {

    static final Path ROOT =
            Path.of(System.getProperty("mlcycle.project.root", "..")).toAbsolutePath();

    @TempDir Path tmp;

    PodRuntime.Launch launch(Map<String, String> env, Map<String, String> mounts) {
        Path pod = tmp.resolve("pods/default/p1");
        return new PodRuntime.Launch(
                "default",
                "p1",
                "server",
                new io.fabric8.kubernetes.api.model.ContainerBuilder()
                        .withName("server")
                        .withArgs("--verbose", "--result", "/dev/termination-log")
                        .build(),
                env,
                mounts,
                pod,
                pod.resolve("container.log"),
                pod.resolve("termination-log"));
    }

    @Test
    void runsThePodUnderTheContractWithTheDataRootAtItsOwnPath() {
        Path data = tmp.resolve("root");
        ContainerRuntime rt = new ContainerRuntime(ROOT, data, "9.9.9", "1000:1000");
        List<String> cmd =
                rt.command(
                        launch(
                                Map.of("MLCYCLE_TASK", "{\"secret\":\"s3cr3t\"}"),
                                Map.of("/etc/mlcycle/conf", "/host/volumes/conf")),
                        "p1-1");
        String line = String.join(" ", cmd);
        assertThat(cmd.subList(0, 3)).containsExactly("podman", "run", "--rm");
        assertThat(line)
                .contains("--read-only", "--tmpfs /tmp:", "--user 1000:1000", "--network host")
                .contains("-v " + data + ":" + data + " ")
                .contains(
                        "-v "
                                + tmp.resolve("pods/default/p1/termination-log")
                                + ":/dev/termination-log")
                .contains("-v /host/volumes/conf:/etc/mlcycle/conf:ro")
                .contains("--name p1-1", "--pull=never", "-e HOSTNAME=p1")
                .contains("-e MLCYCLE_BIND_ADDRESS=127.0.0.1");
        // the task (and any Secret in it) reaches podman through its environment, not argv
        assertThat(line).contains("-e MLCYCLE_TASK ").doesNotContain("s3cr3t");
        // the image, then the container's args
        assertThat(cmd.subList(cmd.size() - 2, cmd.size()))
                .containsExactly("mlcycle/server:9.9.9", "--verbose");
    }

    @Test
    void keepsTheCallersUidWithRootlessPodman() {
        ContainerRuntime rt = new ContainerRuntime(ROOT, tmp, "1", "1234:1234");
        String line = String.join(" ", rt.command(launch(Map.of(), Map.of()), "p1-1"));
        assertThat(line).contains("--userns=keep-id --user 1234:1234");
    }

    @Test
    void tagsImagesWithTheChartsAppVersion() throws Exception {
        Files.createDirectories(tmp.resolve("helm-chart"));
        Files.writeString(
                tmp.resolve("helm-chart/Chart.yaml"),
                "apiVersion: v2\nname: mlcycle\nversion: 0.3.0\nappVersion: \"0.2.1\"\n");
        assertThat(ContainerRuntime.appVersion(tmp)).isEqualTo("0.2.1");
    }

    @Test
    void namesTheMissingImageAndTheCommandThatBuildsIt() {
        ContainerRuntime rt = new ContainerRuntime(ROOT, tmp, "0.0.0-none", "1000:1000");
        boolean podman =
                List.of(System.getenv().getOrDefault("PATH", "").split(":")).stream()
                        .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, "podman")));
        if (podman) {
            assertThatThrownBy(() -> rt.requireImages(List.of("pivot", "trainer")))
                    .hasMessage(
                            "--runtime containers: images mlcycle/pivot:0.0.0-none,"
                                    + " mlcycle/trainer:0.0.0-none missing; build them with:"
                                    + " images/build pivot trainer");
        } else {
            assertThatThrownBy(() -> rt.requireImages(List.of("pivot")))
                    .hasMessageStartingWith("--runtime containers needs podman");
        }
    }

    @Test
    void refusesAnUnknownRuntimeValueNamingIt() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code =
                LocalMain.run(
                        new String[] {"--runtime", "docker"},
                        new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("--runtime 'docker' must be processes or containers");
    }
}
