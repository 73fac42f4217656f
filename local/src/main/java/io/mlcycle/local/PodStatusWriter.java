package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The Pod objects of local mode, as a kubelet writes them: created Pending on node "local" with the
 * controller as owner, then Running, Terminated (exit code, reason, termination message) or a
 * serving replica's ready/crash-loop state.
 */
final class PodStatusWriter {

    private final KubernetesClient client;

    PodStatusWriter(KubernetesClient client) {
        this.client = client;
    }

    /** Creates the Pod of {@code template}, owned by (the controller) {@code owner}. */
    void create(
            String ns,
            String podName,
            Map<String, String> labels,
            HasMetadata owner,
            PodTemplateSpec template) {
        Pod pod =
                new PodBuilder()
                        .withNewMetadata()
                        .withName(podName)
                        .withNamespace(ns)
                        .withLabels(labels)
                        .withAnnotations(
                                template.getMetadata() == null
                                        ? null
                                        : template.getMetadata().getAnnotations())
                        .withOwnerReferences(
                                new OwnerReferenceBuilder()
                                        .withApiVersion(owner.getApiVersion())
                                        .withKind(owner.getKind())
                                        .withName(owner.getMetadata().getName())
                                        .withUid(owner.getMetadata().getUid())
                                        .withController(true)
                                        .withBlockOwnerDeletion(true)
                                        .build())
                        .endMetadata()
                        .withSpec(template.getSpec())
                        .withStatus(
                                new PodStatusBuilder()
                                        .withPhase("Pending")
                                        .withHostIP("127.0.0.1")
                                        .withPodIP("127.0.0.1")
                                        .build())
                        .build();
        pod.getSpec().setNodeName("local");
        client.pods().inNamespace(ns).resource(pod).create();
    }

    void running(String ns, String pod, String container, String startedAt, boolean ready) {
        runOnce(
                ns,
                pod,
                "Running",
                startedAt,
                container,
                true,
                ready,
                new ContainerStateBuilder().withNewRunning(startedAt).build());
    }

    void terminated(
            String ns,
            String pod,
            String container,
            int code,
            String reason,
            String message,
            String startedAt) {
        runOnce(
                ns,
                pod,
                code == 0 ? "Succeeded" : "Failed",
                startedAt,
                container,
                false,
                false,
                new ContainerStateBuilder()
                        .withNewTerminated()
                        .withExitCode(code)
                        .withReason(reason)
                        .withMessage(message)
                        .withStartedAt(startedAt)
                        .withFinishedAt(now())
                        .endTerminated()
                        .build());
    }

    /**
     * The status of a run-once pod (restartPolicy Never) whose one container is in {@code state}.
     */
    private void runOnce(
            String ns,
            String pod,
            String phase,
            String startedAt,
            String container,
            boolean started,
            boolean ready,
            ContainerState state) {
        PodStatusBuilder status = podStatus(phase).withStartTime(startedAt);
        if (ready) {
            status.withConditions(
                    new PodConditionBuilder()
                            .withType("Ready")
                            .withStatus("True")
                            .withLastTransitionTime(now())
                            .build());
        }
        edit(
                ns,
                pod,
                status.withContainerStatuses(
                                new ContainerStatusBuilder()
                                        .withName(container)
                                        .withReady(ready)
                                        .withStarted(started)
                                        .withRestartCount(0)
                                        .withState(state)
                                        .build())
                        .build());
    }

    /**
     * A serving replica's pod (restartPolicy Always): running or waiting (CrashLoopBackOff after a
     * restart, else CreateContainerConfigError), with its last termination.
     */
    void replica(
            String ns,
            String pod,
            String container,
            String phase,
            boolean running,
            boolean ready,
            int restarts,
            String waitingMessage,
            String lastTermination) {
        ContainerStatusBuilder cs =
                new ContainerStatusBuilder()
                        .withName(container)
                        .withReady(ready)
                        .withStarted(running)
                        .withRestartCount(restarts);
        if (running) {
            cs.withState(new ContainerStateBuilder().withNewRunning(now()).build());
        } else {
            cs.withState(
                    new ContainerStateBuilder()
                            .withNewWaiting()
                            .withReason(
                                    restarts > 0
                                            ? "CrashLoopBackOff"
                                            : "CreateContainerConfigError")
                            .withMessage(waitingMessage)
                            .endWaiting()
                            .build());
        }
        if (lastTermination != null && restarts > 0) {
            cs.withNewLastState()
                    .withNewTerminated()
                    .withExitCode(1)
                    .withReason("Error")
                    .withMessage(lastTermination)
                    .endTerminated()
                    .endLastState();
        }
        ContainerStatus status = cs.build();
        edit(
                ns,
                pod,
                podStatus(phase)
                        .withConditions(
                                new PodConditionBuilder()
                                        .withType("Ready")
                                        .withStatus(ready ? "True" : "False")
                                        .withLastTransitionTime(now())
                                        .build())
                        .withContainerStatuses(status)
                        .build());
    }

    void delete(String ns, String pod) {
        try {
            client.pods().inNamespace(ns).withName(pod).delete();
        } catch (KubernetesClientException e) {
            // already gone
        }
    }

    private void edit(String ns, String pod, PodStatus status) {
        editIfPresent(client.pods().inNamespace(ns).withName(pod), p -> p.setStatus(status));
    }

    /**
     * Edits an object unless it is gone (deleted meanwhile: nothing left to report on); null then.
     */
    static <T extends HasMetadata> T editIfPresent(Resource<T> resource, Consumer<T> change) {
        try {
            return resource.edit(
                    x -> {
                        change.accept(x);
                        return x;
                    });
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
            return null;
        }
    }

    /** A pod status in {@code phase} on this host (node "local", pod IP the loopback). */
    private static PodStatusBuilder podStatus(String phase) {
        return new PodStatusBuilder()
                .withPhase(phase)
                .withHostIP("127.0.0.1")
                .withPodIP("127.0.0.1");
    }

    /** A timestamp as the API server writes them (whole seconds). */
    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
