package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.task.TaskJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Starts a pod's container the way a kubelet prepares it: environment resolved (Secret and
 * ConfigMap refs, overrides, env rewrites), ConfigMap/Secret volumes written to the pod's
 * directory, then handed to the {@link PodRuntime}; runs Job pods to completion and records them.
 */
final class PodLauncher {

    /** How a pod's container ended. */
    record Result(String container, int exitCode, boolean deadlineExceeded) {}

    private final KubernetesClient client;
    private final PodRuntime runtime;
    private final Path workDir;
    private final PodStatusWriter pods;
    private final List<Kubelet.EnvRewrite> envRewrites = new CopyOnWriteArrayList<>();
    private final SecureRandom random = new SecureRandom();

    PodLauncher(KubernetesClient client, PodRuntime runtime, Path workDir, PodStatusWriter pods) {
        this.client = client;
        this.runtime = runtime;
        this.workDir = workDir.toAbsolutePath();
        this.pods = pods;
    }

    void rewriteEnv(Kubelet.EnvRewrite rewrite) {
        envRewrites.add(rewrite);
    }

    /**
     * Creates the Pod object, runs its first container, waits for it and records the terminated
     * state (with the termination message) in the Pod's status. {@code envOverrides} (may be null)
     * are added to the pod's environment variables.
     */
    Result runToCompletion(
            String ns,
            String podName,
            Map<String, String> labels,
            HasMetadata owner,
            PodTemplateSpec template,
            long deadlineAt,
            Consumer<Process> started,
            Map<String, String> envOverrides) {
        pods.create(ns, podName, labels, owner, template);
        return runCreated(ns, podName, owner, template, deadlineAt, started, envOverrides, false);
    }

    /**
     * Runs the first container of the existing Pod {@code podName} to completion (as {@link
     * #runToCompletion} after creating it); {@code readyWhileRunning} marks it Ready while it runs
     * (a container without a readiness probe, as Spark's driver waits for).
     */
    Result runCreated(
            String ns,
            String podName,
            HasMetadata owner,
            PodTemplateSpec template,
            long deadlineAt,
            Consumer<Process> started,
            Map<String, String> envOverrides,
            boolean readyWhileRunning) {
        Container container = template.getSpec().getContainers().get(0);
        Path dir = podDir(ns, podName);
        Path result = dir.resolve("termination-log");
        Path logFile = dir.resolve("container.log");
        String startedAt = PodStatusWriter.now();
        Process p;
        try {
            p = launch(ns, podName, owner, template, container, result, logFile, envOverrides);
        } catch (PodEnv.Unresolved | IllegalStateException e) {
            // A pod that cannot start is shown as failed: the message says why.
            pods.terminated(
                    ns, podName, container.getName(), 128, "StartError", e.getMessage(), startedAt);
            return new Result(container.getName(), 128, false);
        }
        started.accept(p);
        pods.running(ns, podName, container.getName(), startedAt, readyWhileRunning);
        boolean deadline = false;
        try {
            long wait = deadlineAt - System.currentTimeMillis();
            if (deadlineAt != Long.MAX_VALUE
                    && !p.waitFor(Math.max(1, wait), TimeUnit.MILLISECONDS)) {
                deadline = true;
                Processes.stop(p, 2000);
            }
            p.waitFor();
        } catch (InterruptedException e) {
            Processes.stop(p, 2000);
            Thread.currentThread().interrupt();
        }
        int code = p.isAlive() ? 137 : p.exitValue();
        String message = terminationMessage(result, logFile, code);
        pods.terminated(
                ns,
                podName,
                container.getName(),
                code,
                deadline ? "DeadlineExceeded" : code == 0 ? "Completed" : "Error",
                message,
                startedAt);
        return new Result(container.getName(), code, deadline);
    }

    /** The termination message, falling back to the log's tail on error (as the pods do). */
    static String terminationMessage(Path result, Path logFile, int exitCode) {
        try {
            if (Files.exists(result) && Files.size(result) > 0) {
                byte[] bytes = Files.readAllBytes(result);
                int n = Math.min(bytes.length, 4096);
                return new String(bytes, 0, n, StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            // fall through to the log
        }
        return exitCode == 0 ? "" : Processes.tail(logFile, 2048);
    }

    /**
     * Resolves a container's environment (Secret/ConfigMap refs, {@code overrides}, env rewrites)
     * and volumes, writes the task to the pod directory and starts it with the pod runtime.
     */
    Process launch(
            String ns,
            String podName,
            HasMetadata owner,
            PodTemplateSpec template,
            Container container,
            Path resultFile,
            Path logFile,
            Map<String, String> overrides) {
        String runtimeName = runtimeOf(template, container);
        Map<String, String> env = PodEnv.resolve(client, ns, podName, container);
        if (overrides != null) {
            env.putAll(overrides);
        }
        for (Kubelet.EnvRewrite r : envRewrites) {
            r.rewrite(describeOwner(owner), container, env);
        }
        Path dir = podDir(ns, podName);
        Map<String, String> mounts = materializeVolumes(ns, template, container, dir);
        if (env.get(TaskJson.TASK_ENV) != null) {
            // the task as the pod got it, to rerun by hand: java -jar <runtime>.jar --task
            // task.json
            try {
                Files.writeString(dir.resolve("task.json"), env.get(TaskJson.TASK_ENV));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return runtime.start(
                new PodRuntime.Launch(
                        ns,
                        podName,
                        runtimeName,
                        container,
                        env,
                        mounts,
                        dir,
                        logFile,
                        resultFile));
    }

    /**
     * "Kind name" of the resource a pod runs for: the controller of its Job or Deployment (the
     * FeatureView, ModelDeployment…), else the Job or Deployment itself.
     */
    static String describeOwner(HasMetadata owner) {
        if (owner.getMetadata().getOwnerReferences() != null) {
            for (var ref : owner.getMetadata().getOwnerReferences()) {
                if (Boolean.TRUE.equals(ref.getController())) {
                    return ref.getKind() + " " + ref.getName();
                }
            }
        }
        return owner.getKind() + " " + owner.getMetadata().getName();
    }

    static String runtimeOf(PodTemplateSpec template, Container container) {
        if (template.getMetadata() != null
                && template.getMetadata().getLabels() != null
                && template.getMetadata().getLabels().get(Kubelet.RUNTIME_LABEL) != null) {
            return template.getMetadata().getLabels().get(Kubelet.RUNTIME_LABEL);
        }
        String image = container.getImage() == null ? "" : container.getImage();
        for (String r : List.of("pivot", "trainer", "server")) {
            if (image.contains(r)) {
                return r;
            }
        }
        throw new IllegalStateException(
                "pod template has no "
                        + Kubelet.RUNTIME_LABEL
                        + " label and image '"
                        + image
                        + "' names no runtime");
    }

    /** Writes ConfigMap and Secret volumes mounted by the container into the pod's directory. */
    private Map<String, String> materializeVolumes(
            String ns, PodTemplateSpec template, Container container, Path dir) {
        Map<String, String> mounts = new LinkedHashMap<>();
        if (container.getVolumeMounts() == null || template.getSpec().getVolumes() == null) {
            return mounts;
        }
        for (VolumeMount m : container.getVolumeMounts()) {
            Volume v =
                    template.getSpec().getVolumes().stream()
                            .filter(x -> x.getName().equals(m.getName()))
                            .findFirst()
                            .orElse(null);
            if (v == null) {
                continue;
            }
            Map<String, String> files = null;
            if (v.getConfigMap() != null) {
                ConfigMap cm = PodEnv.configMap(client, ns, v.getConfigMap().getName());
                files = cm == null ? null : cm.getData();
            } else if (v.getSecret() != null) {
                Secret s = PodEnv.secret(client, ns, v.getSecret().getSecretName());
                files = s == null ? null : PodEnv.secretData(s);
            }
            if (files == null) {
                continue;
            }
            Path target = dir.resolve("volumes").resolve(m.getName());
            try {
                Files.createDirectories(target);
                for (var f : files.entrySet()) {
                    Files.writeString(target.resolve(f.getKey()), f.getValue());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String mountPath = m.getMountPath();
            if (m.getSubPath() != null) {
                mounts.put(mountPath, target.resolve(m.getSubPath()).toString());
            } else {
                mounts.put(mountPath, target.toString());
            }
        }
        return mounts;
    }

    /** The pod's directory: its log, termination message, task.json and volumes. */
    Path podDir(String ns, String pod) {
        Path dir = workDir.resolve("pods").resolve(ns).resolve(pod);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** A pod name suffix as the controllers make them (five consonants and digits). */
    String suffix() {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
