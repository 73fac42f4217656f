package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The scheduler and kubelet for Pods created directly through the API (no Job or Deployment of
 * local mode behind them): Spark's driver pod and the executor pods the driver creates. A Pod with
 * no {@code spec.nodeName} that names a runtime ({@link Kubelet#RUNTIME_LABEL}) is bound to node
 * "local", run once (restartPolicy Never) and its status written (Running and Ready, then
 * Terminated with exit code and termination message); deleting the Pod stops its process, as the
 * kubelet does on a pod's deletion.
 */
final class UnboundPods implements ResourceEventHandler<Pod>, AutoCloseable {

    private final KubernetesClient client;
    private final PodLauncher launcher;
    private final Consumer<String> log;
    private final Map<String, AtomicReference<Process>> running = new ConcurrentHashMap<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(Kubelet.daemon("pod"));
    private volatile boolean closed;

    UnboundPods(KubernetesClient client, PodLauncher launcher, Consumer<String> log) {
        this.client = client;
        this.launcher = launcher;
        this.log = log;
    }

    /** Whether this kubelet runs {@code pod}: unbound, not deleted, names a runtime. */
    static boolean runs(Pod pod) {
        return pod.getSpec() != null
                && pod.getSpec().getNodeName() == null
                && pod.getMetadata().getDeletionTimestamp() == null
                && pod.getMetadata().getLabels() != null
                && pod.getMetadata().getLabels().containsKey(Kubelet.RUNTIME_LABEL)
                && (pod.getStatus() == null
                        || pod.getStatus().getPhase() == null
                        || "Pending".equals(pod.getStatus().getPhase()));
    }

    @Override
    public void onAdd(Pod pod) {
        if (closed || !runs(pod)) {
            return;
        }
        String uid = pod.getMetadata().getUid();
        if (running.putIfAbsent(uid, new AtomicReference<>()) == null) {
            threads.submit(() -> run(pod));
        }
    }

    @Override
    public void onUpdate(Pod old, Pod pod) {
        onAdd(pod);
    }

    @Override
    public void onDelete(Pod pod, boolean unknown) {
        AtomicReference<Process> p = running.remove(pod.getMetadata().getUid());
        if (p != null) {
            Processes.stop(p.get(), 2000);
        }
    }

    private void run(Pod pod) {
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        String uid = pod.getMetadata().getUid();
        try {
            Pod bound =
                    PodStatusWriter.editIfPresent(
                            client.pods().inNamespace(ns).withName(name),
                            p -> p.getSpec().setNodeName("local"));
            if (bound == null) {
                return;
            }
            PodTemplateSpec template =
                    new PodTemplateSpecBuilder()
                            .withMetadata(pod.getMetadata())
                            .withSpec(pod.getSpec())
                            .build();
            PodLauncher.Result result =
                    launcher.runCreated(
                            ns,
                            name,
                            pod,
                            template,
                            Long.MAX_VALUE,
                            p -> {
                                AtomicReference<Process> slot = running.get(uid);
                                if (slot == null) {
                                    // deleted while it started
                                    Processes.stop(p, 2000);
                                } else {
                                    slot.set(p);
                                }
                            },
                            null,
                            true);
            if (result.exitCode() != 0 && !closed && running.containsKey(uid)) {
                log.accept("pod " + ns + "/" + name + " exited with " + result.exitCode());
            }
        } catch (RuntimeException e) {
            if (!closed) {
                log.accept("pod " + ns + "/" + name + ": " + e);
            }
        } finally {
            running.remove(uid);
        }
    }

    /** Stops every pod process this controller started. */
    @Override
    public void close() {
        closed = true;
        running.values().forEach(p -> Processes.stop(p.get(), 2000));
        threads.shutdownNow();
    }
}
