package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Test support: every executor pod a Spark driver created through the API, as last seen (the driver
 * deletes them when it ends), their processes and logs in local mode's pod directories.
 */
final class SparkPods implements AutoCloseable {

    private final Path workDir;
    private final Map<String, Pod> executors = new ConcurrentHashMap<>();
    private final SharedIndexInformer<Pod> informer;

    SparkPods(KubernetesClient client, Path workDir) {
        this.workDir = workDir;
        this.informer =
                client.pods()
                        .inAnyNamespace()
                        .withLabel("spark-role", "executor")
                        .inform(
                                new ResourceEventHandler<>() {
                                    @Override
                                    public void onAdd(Pod pod) {
                                        executors.put(pod.getMetadata().getName(), pod);
                                    }

                                    @Override
                                    public void onUpdate(Pod old, Pod pod) {
                                        executors.put(pod.getMetadata().getName(), pod);
                                    }

                                    @Override
                                    public void onDelete(Pod pod, boolean unknown) {
                                        executors.put(pod.getMetadata().getName(), pod);
                                    }
                                },
                                0);
    }

    /** The executor pods of the application whose pods carry {@code spark-app-selector=appId}. */
    List<Pod> of(String appId) {
        return executors.values().stream()
                .filter(p -> appId.equals(p.getMetadata().getLabels().get("spark-app-selector")))
                .sorted(java.util.Comparator.comparing(p -> p.getMetadata().getName()))
                .toList();
    }

    /** The executor pods whose name starts with {@code prefix} (the application's name). */
    List<Pod> named(String prefix) {
        return executors.values().stream()
                .filter(p -> p.getMetadata().getName().startsWith(prefix + "-exec-"))
                .sorted(java.util.Comparator.comparing(p -> p.getMetadata().getName()))
                .toList();
    }

    /** The log local mode's kubelet keeps of a pod's container. */
    Path log(Pod pod) {
        return workDir.resolve("pods")
                .resolve(pod.getMetadata().getNamespace())
                .resolve(pod.getMetadata().getName())
                .resolve("container.log");
    }

    /** The local process of an executor pod: its KubernetesExecutorBackend with --podName. */
    static Optional<ProcessHandle> process(String pod) {
        return ProcessHandle.allProcesses()
                .filter(
                        p -> {
                            String cmd = p.info().commandLine().orElse("");
                            return cmd.contains(SparkProcessCommand.EXECUTOR_BACKEND)
                                    && cmd.contains("--podName " + pod);
                        })
                .findFirst();
    }

    static Integer exitCode(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return null;
        }
        return pod.getStatus().getContainerStatuses().stream()
                .map(c -> c.getState() == null ? null : c.getState().getTerminated())
                .filter(t -> t != null)
                .map(t -> t.getExitCode())
                .findFirst()
                .orElse(null);
    }

    @Override
    public void close() {
        informer.close();
    }

    /**
     * Asserts that the application's driver created at least two executor pods through the API,
     * each owned by the driver pod, running {@code executor}, with each of {@code logLines} (e.g.
     * "Finished task") in its log; returns them.
     */
    List<Pod> assertRanTasks(String appId, String driverPod, String why, String... logLines)
            throws java.io.IOException {
        List<Pod> pods = of(appId);
        assertThat(pods)
                .as("executor pods the driver created through the API")
                .hasSizeGreaterThanOrEqualTo(2);
        for (Pod pod : pods) {
            assertThat(pod.getMetadata().getOwnerReferences())
                    .as("owned by the driver pod")
                    .anyMatch(r -> r.getKind().equals("Pod") && r.getName().equals(driverPod));
            assertThat(pod.getSpec().getContainers().get(0).getArgs()).containsExactly("executor");
            assertThat(java.nio.file.Files.readString(log(pod)))
                    .as(why + " on " + pod.getMetadata().getName())
                    .contains(logLines);
        }
        return pods;
    }
}
