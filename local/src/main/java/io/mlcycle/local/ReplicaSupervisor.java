package io.mlcycle.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.mlcycle.task.TaskJson;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The kubelet's side of a serving replica (restartPolicy Always): starts it on a free loopback
 * port, probes its readiness, restarts it with back-off when it exits and keeps its Pod status.
 */
final class ReplicaSupervisor {

    static final String DEFAULT_READY_PATH = "/v2/health/ready";

    /** One serving process of a Deployment. */
    static final class Replica {
        final String ns;
        final String pod;
        final String hash;
        final Map<String, String> labels;
        final Container container;
        final PodTemplateSpec template;
        final HasMetadata owner;
        volatile int port;
        volatile Process process;
        volatile boolean ready;
        volatile int restarts;
        volatile long restartAt;
        volatile String lastTermination;

        Replica(
                String ns,
                String pod,
                String hash,
                Map<String, String> labels,
                PodTemplateSpec template,
                HasMetadata owner) {
            this.ns = ns;
            this.pod = pod;
            this.hash = hash;
            this.labels = labels;
            this.template = template;
            this.container = template.getSpec().getContainers().get(0);
            this.owner = owner;
        }
    }

    private final KubernetesClient client;
    private final PodLauncher launcher;
    private final PodStatusWriter pods;
    private final Consumer<String> log;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    private volatile boolean closed;

    ReplicaSupervisor(
            KubernetesClient client,
            PodLauncher launcher,
            PodStatusWriter pods,
            Consumer<String> log) {
        this.client = client;
        this.launcher = launcher;
        this.pods = pods;
        this.log = log;
    }

    void start(Replica r) {
        Path dir = launcher.podDir(r.ns, r.pod);
        r.port = Processes.freePort();
        try {
            String task =
                    serveTaskWithPort(PodEnv.resolve(client, r.ns, r.pod, r.container), r.port);
            Map<String, String> overrides = new LinkedHashMap<>();
            if (task != null) {
                overrides.put(TaskJson.TASK_ENV, task);
            }
            overrides.put("PORT", Integer.toString(r.port));
            // the pod's fixed gRPC port would clash between replicas on one host: a free one each
            overrides.put(io.mlcycle.task.PodEnv.GRPC_PORT, "0");
            r.process =
                    launcher.launch(
                            r.ns,
                            r.pod,
                            r.owner,
                            r.template,
                            r.container,
                            dir.resolve("termination-log"),
                            dir.resolve("container.log"),
                            overrides);
            status(r, "Running", null);
            log.accept(
                    "kubelet: pod "
                            + r.ns
                            + "/"
                            + r.pod
                            + " serving on http://127.0.0.1:"
                            + r.port
                            + " (log "
                            + dir.resolve("container.log")
                            + ")");
        } catch (PodEnv.Unresolved | IllegalStateException e) {
            r.lastTermination = e.getMessage();
            r.restartAt = System.currentTimeMillis() + 5000;
            status(r, "Pending", e.getMessage());
        }
    }

    /** The pod's MLCYCLE_TASK with its port replaced by the replica's loopback port. */
    static String serveTaskWithPort(Map<String, String> env, int port) {
        String json = env.get(TaskJson.TASK_ENV);
        if (json == null) {
            return null;
        }
        try {
            JsonNode node = Serialization.jsonMapper().readTree(json);
            if (node instanceof ObjectNode o && o.has("port")) {
                o.put("port", port);
                return Serialization.jsonMapper().writeValueAsString(o);
            }
            return json;
        } catch (IOException e) {
            return json;
        }
    }

    /** Probes readiness and restarts a crashed process with back-off (restartPolicy Always). */
    void supervise(Replica r) {
        Process p = r.process;
        if (p != null && !p.isAlive()) {
            int code = p.exitValue();
            Path dir = launcher.podDir(r.ns, r.pod);
            r.lastTermination =
                    PodLauncher.terminationMessage(
                            dir.resolve("termination-log"), dir.resolve("container.log"), code);
            r.process = null;
            r.ready = false;
            r.restarts++;
            r.restartAt =
                    System.currentTimeMillis() + Math.min(30_000, 1000L << Math.min(r.restarts, 5));
            log.accept(
                    "kubelet: pod "
                            + r.ns
                            + "/"
                            + r.pod
                            + " exited with code "
                            + code
                            + ", restarting");
            status(r, "Failed", r.lastTermination);
            return;
        }
        if (p == null) {
            if (System.currentTimeMillis() >= r.restartAt && !closed) {
                start(r);
            }
            return;
        }
        boolean ready = probe(r);
        if (ready != r.ready) {
            r.ready = ready;
            status(r, "Running", null);
        }
    }

    private boolean probe(Replica r) {
        String path = DEFAULT_READY_PATH;
        if (r.container.getReadinessProbe() != null
                && r.container.getReadinessProbe().getHttpGet() != null
                && r.container.getReadinessProbe().getHttpGet().getPath() != null) {
            path = r.container.getReadinessProbe().getHttpGet().getPath();
        }
        try {
            HttpResponse<Void> resp =
                    http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.port + path))
                                    .timeout(Duration.ofMillis(800))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
            return resp.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void status(Replica r, String phase, String waitingMessage) {
        pods.replica(
                r.ns,
                r.pod,
                r.container.getName(),
                phase,
                r.process != null,
                r.ready,
                r.restarts,
                waitingMessage,
                r.lastTermination);
    }

    void stop(Replica r, boolean deletePod) {
        r.ready = false;
        Processes.stop(r.process, 3000);
        r.process = null;
        if (deletePod) {
            pods.delete(r.ns, r.pod);
        }
    }

    /** No restart from now on (the kubelet is closing). */
    void close() {
        closed = true;
    }
}
