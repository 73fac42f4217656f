package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/**
 * The node of local mode: runs each Job's pod and each Deployment's replicas with a {@link
 * PodRuntime} and writes Pod, Job and Deployment status back to the API the way a kubelet and the
 * built-in controllers would. The work is split as in Kubernetes: {@link JobController}, {@link
 * DeploymentController} (with {@link ReplicaSupervisor} for each serving replica), {@link
 * PodLauncher} (a pod's env, volumes, start) and {@link PodStatusWriter} (Pod objects).
 */
public final class Kubelet implements AutoCloseable {

    /** Label the operator puts on runtime pods: pivot, trainer or server. */
    public static final String RUNTIME_LABEL = "mlcycle.io/runtime";

    /**
     * Adjusts a pod's resolved environment just before its process starts: the local stand-in for
     * an in-cluster address (a Redis) the way DNS would resolve it there.
     */
    @FunctionalInterface
    public interface EnvRewrite {
        /**
         * @param owner what the pod runs for, e.g. "FeatureView views" (for messages)
         * @throws IllegalStateException naming what is missing: the pod does not start
         */
        void rewrite(String owner, Container container, Map<String, String> env);
    }

    /** A running, possibly ready, serving replica. */
    public record Endpoint(
            String namespace, String pod, Map<String, String> labels, int port, boolean ready) {}

    private final KubernetesClient client;
    private final PodLauncher launcher;
    private final JobController jobs;
    private final DeploymentController deployments;
    private final UnboundPods unbound;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

    /** Runs pods as processes of the runtime jars ({@link ProcessPodRuntime}). */
    public Kubelet(
            KubernetesClient client,
            ProcessPodRuntime.RuntimeCommand runtimes,
            Path dataRoot,
            Path workDir,
            Consumer<String> log) {
        this(client, new ProcessPodRuntime(runtimes, dataRoot), workDir, log);
    }

    /** Runs pods with {@code runtime}; each pod's files live in {@code workDir/pods/<ns>/<pod>}. */
    public Kubelet(
            KubernetesClient client, PodRuntime runtime, Path workDir, Consumer<String> log) {
        this.client = client;
        PodStatusWriter pods = new PodStatusWriter(client);
        this.launcher = new PodLauncher(client, runtime, workDir, pods);
        this.jobs = new JobController(client, launcher, log);
        this.deployments = new DeploymentController(client, launcher, pods, log);
        this.unbound = new UnboundPods(client, launcher, log);
    }

    /**
     * Starts watching Jobs, Deployments and Pods created through the API (Spark's) in every
     * namespace.
     */
    public Kubelet start() {
        informers.add(client.batch().v1().jobs().inAnyNamespace().inform(jobs, 0));
        informers.add(client.pods().inAnyNamespace().inform(unbound, 0));
        SharedIndexInformer<Deployment> deploymentInformer =
                client.apps().deployments().inAnyNamespace().inform();
        informers.add(deploymentInformer);
        deployments.start(() -> deploymentInformer.getStore().list());
        return this;
    }

    /** Applies {@code rewrite} to the environment of every pod started from now on. */
    public Kubelet rewriteEnv(EnvRewrite rewrite) {
        launcher.rewriteEnv(rewrite);
        return this;
    }

    /** Called with every change of the serving replicas (for Services and Prometheus). */
    public void onEndpoints(Consumer<List<Endpoint>> listener) {
        deployments.onEndpoints(listener);
    }

    public List<Endpoint> endpoints() {
        return deployments.endpoints();
    }

    /** Runs pods to completion for controllers other than Jobs (the local Spark operator). */
    PodLauncher pods() {
        return launcher;
    }

    static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, "kubelet-" + name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Stops every process this kubelet started. */
    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
        deployments.close();
        jobs.close();
        unbound.close();
    }
}
