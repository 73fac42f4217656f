package io.mlcycle.trainer;

import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import io.mlcycle.task.TrainTask;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Trainer pods as separate JVMs started at once on the same task (racing publishers). */
final class TrainerProcesses {

    /** The outcomes of {@code n} trainers of {@code task}: succeeded summaries and refusals. */
    record Outcomes(List<Summary> succeeded, List<String> refused) {}

    private TrainerProcesses() {}

    static Outcomes race(Path dir, String name, TrainTask task, int n, Map<String, String> env)
            throws Exception {
        Path taskFile = dir.resolve("task-" + name + ".json");
        Files.writeString(taskFile, TaskJson.write(task));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> pods = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ProcessBuilder pb =
                    new ProcessBuilder(
                                    java,
                                    "-Dai.djl.offline=true",
                                    "-cp",
                                    System.getProperty("java.class.path"),
                                    Main.class.getName(),
                                    "--task",
                                    taskFile.toString(),
                                    "--result",
                                    dir.resolve("result-" + name + "-" + i + ".json").toString())
                            .redirectErrorStream(true)
                            .redirectOutput(dir.resolve("pod-" + name + "-" + i + ".log").toFile());
            pb.environment().putAll(env);
            pods.add(pb.start());
        }
        List<Summary> succeeded = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            assertThat(pods.get(i).waitFor(180, TimeUnit.SECONDS)).isTrue();
            Summary s =
                    TaskJson.readSummary(
                            Files.readString(dir.resolve("result-" + name + "-" + i + ".json")));
            if (pods.get(i).exitValue() == 0) {
                succeeded.add(s);
            } else {
                assertThat(pods.get(i).exitValue()).isEqualTo(1);
                refused.add(s.reason());
            }
        }
        return new Outcomes(succeeded, refused);
    }
}
