package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.mlcycle.local.ReplicaSupervisor.Replica;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The Deployment and ReplicaSet controllers of local mode: every 500 ms, for each Deployment,
 * {@code spec.replicas} replicas of its pod template (a new template starts new replicas, waits for
 * them to be ready, then stops the old), the Deployment's status and conditions, and the serving
 * endpoints published to the Service proxies and Prometheus.
 */
final class DeploymentController implements AutoCloseable {

    private final KubernetesClient client;
    private final PodLauncher launcher;
    private final PodStatusWriter pods;
    private final ReplicaSupervisor replicas;
    private final Consumer<String> log;
    private final Map<String, DeploymentRun> deployments = new ConcurrentHashMap<>();
    private final List<Consumer<List<Kubelet.Endpoint>>> endpointListeners =
            new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService loop =
            Executors.newSingleThreadScheduledExecutor(Kubelet.daemon("deployments"));
    private volatile List<Kubelet.Endpoint> lastEndpoints = List.of();
    private volatile boolean closed;

    DeploymentController(
            KubernetesClient client,
            PodLauncher launcher,
            PodStatusWriter pods,
            Consumer<String> log) {
        this.client = client;
        this.launcher = launcher;
        this.pods = pods;
        this.replicas = new ReplicaSupervisor(client, launcher, pods, log);
        this.log = log;
    }

    private static final class DeploymentRun {
        final List<Replica> replicas = new CopyOnWriteArrayList<>();
        DeploymentStatus lastStatus;
    }

    /** Reconciles the Deployments {@code current} returns (an informer's store) every 500 ms. */
    DeploymentController start(Supplier<List<Deployment>> current) {
        loop.scheduleWithFixedDelay(
                () -> {
                    try {
                        reconcileAll(current.get());
                    } catch (RuntimeException e) {
                        if (!closed) {
                            log.accept("kubelet: deployment loop: " + e);
                        }
                    }
                },
                200,
                500,
                TimeUnit.MILLISECONDS);
        return this;
    }

    void onEndpoints(Consumer<List<Kubelet.Endpoint>> listener) {
        endpointListeners.add(listener);
        listener.accept(lastEndpoints);
    }

    List<Kubelet.Endpoint> endpoints() {
        return lastEndpoints;
    }

    private void reconcileAll(List<Deployment> current) {
        if (closed) {
            return;
        }
        Map<String, Deployment> byUid = new LinkedHashMap<>();
        for (Deployment d : current) {
            if (d.getMetadata().getDeletionTimestamp() == null) {
                byUid.put(d.getMetadata().getUid(), d);
            }
        }
        for (String uid : List.copyOf(deployments.keySet())) {
            if (!byUid.containsKey(uid)) {
                DeploymentRun gone = deployments.remove(uid);
                gone.replicas.forEach(r -> replicas.stop(r, true));
            }
        }
        for (Deployment d : byUid.values()) {
            DeploymentRun run =
                    deployments.computeIfAbsent(d.getMetadata().getUid(), u -> new DeploymentRun());
            reconcile(d, run);
        }
        publishEndpoints();
    }

    private void reconcile(Deployment d, DeploymentRun run) {
        String ns = d.getMetadata().getNamespace();
        int desired = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        PodTemplateSpec template = d.getSpec().getTemplate();
        String hash = templateHash(template);
        for (Replica r : run.replicas) {
            replicas.supervise(r);
        }
        List<Replica> fresh = run.replicas.stream().filter(r -> r.hash.equals(hash)).toList();
        List<Replica> old = run.replicas.stream().filter(r -> !r.hash.equals(hash)).toList();
        for (int i = fresh.size(); i < desired; i++) {
            Map<String, String> labels = new LinkedHashMap<>();
            if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
                labels.putAll(template.getMetadata().getLabels());
            }
            labels.put("pod-template-hash", hash);
            String podName = d.getMetadata().getName() + "-" + hash + "-" + launcher.suffix();
            Replica r = new Replica(ns, podName, hash, labels, template, d);
            run.replicas.add(r);
            pods.create(ns, podName, labels, d, template);
            replicas.start(r);
        }
        if (fresh.size() > desired) {
            for (Replica r : fresh.subList(desired, fresh.size())) {
                replicas.stop(r, true);
                run.replicas.remove(r);
            }
            fresh = fresh.subList(0, desired);
        }
        long freshReady = fresh.stream().filter(r -> r.ready).count();
        if (!old.isEmpty() && freshReady >= desired) {
            // out of the Service first, then stopped
            old.forEach(r -> r.ready = false);
            run.replicas.removeAll(old);
            publishEndpoints();
            for (Replica r : old) {
                replicas.stop(r, true);
            }
            log.accept(
                    "kubelet: deployment "
                            + ns
                            + "/"
                            + d.getMetadata().getName()
                            + " rolled to its new pod template");
        }
        publishEndpoints();
        writeStatus(d, run, desired, hash);
    }

    private void writeStatus(Deployment d, DeploymentRun run, int desired, String hash) {
        int total = run.replicas.size();
        int updated = (int) run.replicas.stream().filter(r -> r.hash.equals(hash)).count();
        int ready = (int) run.replicas.stream().filter(r -> r.ready).count();
        int updatedReady =
                (int) run.replicas.stream().filter(r -> r.hash.equals(hash) && r.ready).count();
        boolean available = ready >= desired;
        boolean complete = updatedReady >= desired && total == updated;
        String at = PodStatusWriter.now();
        DeploymentStatus next =
                new DeploymentStatusBuilder()
                        .withObservedGeneration(d.getMetadata().getGeneration())
                        .withReplicas(total)
                        .withUpdatedReplicas(updated)
                        .withReadyReplicas(ready)
                        .withAvailableReplicas(ready)
                        .withUnavailableReplicas(Math.max(0, desired - ready))
                        .withConditions(
                                condition(
                                        "Available",
                                        available,
                                        available
                                                ? "MinimumReplicasAvailable"
                                                : "MinimumReplicasUnavailable",
                                        available
                                                ? "Deployment has minimum availability."
                                                : "Deployment does not have minimum availability.",
                                        at),
                                condition(
                                        "Progressing",
                                        true,
                                        complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                                        complete
                                                ? "ReplicaSet has successfully progressed."
                                                : "ReplicaSet is progressing.",
                                        at))
                        .build();
        if (sameStatus(run.lastStatus, next)) {
            return;
        }
        run.lastStatus = next;
        try {
            Deployment written =
                    PodStatusWriter.editIfPresent(
                            client.apps()
                                    .deployments()
                                    .inNamespace(d.getMetadata().getNamespace())
                                    .withName(d.getMetadata().getName()),
                            x -> x.setStatus(next));
            if (written == null) {
                run.lastStatus = null;
            }
        } catch (KubernetesClientException e) {
            run.lastStatus = null;
            throw e;
        }
    }

    private static boolean sameStatus(DeploymentStatus a, DeploymentStatus b) {
        if (a == null) {
            return false;
        }
        return Objects.equals(a.getObservedGeneration(), b.getObservedGeneration())
                && Objects.equals(a.getReplicas(), b.getReplicas())
                && Objects.equals(a.getUpdatedReplicas(), b.getUpdatedReplicas())
                && Objects.equals(a.getReadyReplicas(), b.getReadyReplicas())
                && Objects.equals(
                        a.getConditions().stream().map(DeploymentCondition::getReason).toList(),
                        b.getConditions().stream().map(DeploymentCondition::getReason).toList());
    }

    private static DeploymentCondition condition(
            String type, boolean status, String reason, String message, String at) {
        return new DeploymentConditionBuilder()
                .withType(type)
                .withStatus(status ? "True" : "False")
                .withReason(reason)
                .withMessage(message)
                .withLastUpdateTime(at)
                .withLastTransitionTime(at)
                .build();
    }

    private synchronized void publishEndpoints() {
        List<Kubelet.Endpoint> eps = new ArrayList<>();
        for (DeploymentRun run : deployments.values()) {
            for (Replica r : run.replicas) {
                if (r.process != null) {
                    eps.add(new Kubelet.Endpoint(r.ns, r.pod, r.labels, r.port, r.ready));
                }
            }
        }
        if (!eps.equals(lastEndpoints)) {
            lastEndpoints = List.copyOf(eps);
            for (var l : endpointListeners) {
                l.accept(lastEndpoints);
            }
        }
    }

    static String templateHash(PodTemplateSpec template) {
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256")
                            .digest(
                                    Serialization.asJson(template)
                                            .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops every replica. */
    @Override
    public void close() {
        closed = true;
        replicas.close();
        loop.shutdownNow();
        for (DeploymentRun run : deployments.values()) {
            for (Replica r : run.replicas) {
                Processes.stop(r.process, 3000);
            }
        }
    }
}
