package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.Container;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What runs a pod's container in local mode: the one seam between the kubelet (which resolves the
 * pod) and the thing that executes it ({@link ProcessPodRuntime}: a local process of the runtime
 * jar; a container engine is another implementation).
 */
@FunctionalInterface
public interface PodRuntime {

    /**
     * One container to start, resolved by the kubelet.
     *
     * @param runtime the {@code mlcycle.io/runtime} of the pod (pivot, trainer, server, …)
     * @param container the container as the pod spec has it (image, args, ports, probes)
     * @param env its environment: Secret and ConfigMap refs resolved, the kubelet's overrides
     *     (replica port…) and env rewrites (local Redis, S3) applied
     * @param mounts mount path in the container → host path of its materialized ConfigMap or Secret
     *     volume (a file when the mount has a subPath)
     * @param podDir the pod's own directory (working directory, volumes, task.json)
     * @param logFile where stdout and stderr go (the operator reads progress from it)
     * @param resultFile where the container must write its termination message (the kubelet reads
     *     it when the process ends); null for serving replicas
     */
    record Launch(
            String namespace,
            String pod,
            String runtime,
            Container container,
            Map<String, String> env,
            Map<String, String> mounts,
            Path podDir,
            Path logFile,
            Path resultFile) {

        /**
         * The container's args as in the pod spec, without its {@code --result <path>}: each
         * runtime points the termination message at {@link #resultFile} its own way.
         */
        public List<String> args() {
            List<String> given = container.getArgs() == null ? List.of() : container.getArgs();
            List<String> out = new java.util.ArrayList<>();
            for (int i = 0; i < given.size(); i++) {
                if ("--result".equals(given.get(i))) {
                    i++;
                    continue;
                }
                out.add(given.get(i));
            }
            return out;
        }
    }

    /**
     * Starts the container; the returned process ends when the container ends, and stopping it
     * ({@link Processes#stop}) stops the container.
     *
     * @throws IllegalStateException naming what is missing when it cannot start (the pod then shows
     *     a StartError or CreateContainerConfigError with that message)
     */
    Process start(Launch launch);
}
