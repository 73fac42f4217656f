package io.mlcycle.local;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How local mode starts a pod's container: as a local process of the runtime jar ({@link
 * ProcessRuntime}, the default) or as a podman container of the runtime's image ({@link
 * ContainerRuntime}). The kubelet resolves everything else (env, volumes, ports) the same way.
 */
public interface PodRuntime {

    /**
     * One container start.
     *
     * @param pod the pod's name
     * @param runtime pivot, trainer, server or pivot-spark (the {@code mlcycle.io/runtime} label)
     * @param args the container's args as the pod spec has them (without {@code --result})
     * @param env the container's resolved environment, {@code MLCYCLE_FILE_ROOT} included
     * @param mounts ConfigMap and Secret volumes: mount path in the pod → directory or file here
     * @param podDir the pod's working directory here
     * @param logFile where stdout and stderr go (appended)
     * @param resultFile the termination message file ({@code /dev/termination-log} in the pod)
     */
    record Launch(
            String pod,
            String runtime,
            List<String> args,
            Map<String, String> env,
            Map<String, String> mounts,
            Path podDir,
            Path logFile,
            Path resultFile) {}

    /**
     * Starts the container; the returned process ends when the container does, with its exit code,
     * and {@code destroy()} stops it as a kubelet would (TERM, then KILL when forced).
     *
     * @throws IllegalStateException naming what is missing when it cannot start
     */
    Process start(Launch launch);
}
