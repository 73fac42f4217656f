package io.mlcycle.bench.operator;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.mlcycle.task.Layout;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.Task;
import io.mlcycle.task.TaskJson;
import io.mlcycle.task.TrainTask;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Kubelet, Job controller and Deployment controller without processes: every Job's pod terminates
 * at once with a summary (a pivot's table, a training's AUC 0.8), the Job succeeds; every
 * Deployment's replicas become ready.
 */
final class FakeWorkloads implements AutoCloseable {

    private final KubernetesClient client;
    private final ExecutorService workers = Executors.newFixedThreadPool(2);
    private final Set<String> finishedJobs = ConcurrentHashMap.newKeySet();
    private final List<SharedIndexInformer<?>> informers;

    FakeWorkloads(KubernetesClient client) {
        this.client = client;
        this.informers =
                List.of(
                        client.batch().v1().jobs().inAnyNamespace().inform(handler(this::finish)),
                        client.apps()
                                .deployments()
                                .inAnyNamespace()
                                .inform(handler(this::markReady)));
    }

    private <T> ResourceEventHandler<T> handler(Consumer<T> action) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                workers.execute(() -> action.accept(obj));
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                workers.execute(() -> action.accept(newObj));
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {}
        };
    }

    private void finish(Job job) {
        if (job.getStatus() != null
                && (job.getStatus().getSucceeded() != null
                        || job.getStatus().getFailed() != null)) {
            return;
        }
        if (!finishedJobs.add(job.getMetadata().getUid())) {
            return;
        }
        try {
            String ns = job.getMetadata().getNamespace();
            String name = job.getMetadata().getName();
            var container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
            Task task =
                    TaskJson.readTask(
                            container.getEnv().stream()
                                    .filter(e -> TaskJson.TASK_ENV.equals(e.getName()))
                                    .map(EnvVar::getValue)
                                    .filter(Objects::nonNull)
                                    .findFirst()
                                    .orElseThrow());
            String message = TaskJson.writeSummary(summary(task));
            client.pods()
                    .inNamespace(ns)
                    .resource(
                            new PodBuilder()
                                    .withNewMetadata()
                                    .withName(name + "-pod")
                                    .withNamespace(ns)
                                    .withLabels(
                                            Map.of(
                                                    "job-name",
                                                    name,
                                                    "batch.kubernetes.io/job-name",
                                                    name))
                                    .endMetadata()
                                    .withNewSpec()
                                    .withContainers(container)
                                    .withRestartPolicy("Never")
                                    .endSpec()
                                    .withNewStatus()
                                    .withPhase("Succeeded")
                                    .addNewContainerStatus()
                                    .withName(container.getName())
                                    .withNewState()
                                    .withNewTerminated()
                                    .withExitCode(0)
                                    .withReason("Completed")
                                    .withMessage(message)
                                    .endTerminated()
                                    .endState()
                                    .endContainerStatus()
                                    .endStatus()
                                    .build())
                    .create();
            String now = Instant.now().toString();
            client.batch()
                    .v1()
                    .jobs()
                    .inNamespace(ns)
                    .withName(name)
                    .edit(
                            j -> {
                                j.setStatus(
                                        new JobStatusBuilder()
                                                .withStartTime(now)
                                                .withCompletionTime(now)
                                                .withSucceeded(1)
                                                .withConditions(
                                                        new JobConditionBuilder()
                                                                .withType("SuccessCriteriaMet")
                                                                .withStatus("True")
                                                                .build(),
                                                        new JobConditionBuilder()
                                                                .withType("Complete")
                                                                .withStatus("True")
                                                                .build())
                                                .build());
                                return j;
                            });
        } catch (RuntimeException e) {
            finishedJobs.remove(job.getMetadata().getUid());
            System.err.println("fake kubelet: " + job.getMetadata().getName() + ": " + e);
        }
    }

    private static Summary summary(Task task) {
        if (task instanceof PivotTask p) {
            return Summary.succeeded(
                    Layout.asOfUri(p.store().uri(), p.asOf()),
                    Map.of(
                            "entities", 2000.0,
                            "features", 300.0,
                            "nonZeros", 50000.0,
                            "sparsity", 0.9,
                            "sourceRows", 60000.0),
                    null);
        }
        if (task instanceof TrainTask t) {
            return Summary.succeeded(
                    t.outputUri(),
                    Map.of("auc", 0.8, "precision", 0.6, "recall", 0.5, "f1", 0.55, "rows", 2000.0),
                    Map.of(
                            "topFeatures",
                            List.of(
                                    Map.of("name", "item_42", "importance", 0.31),
                                    Map.of("name", "logins", "importance", 0.12))));
        }
        throw new IllegalArgumentException("no fake result for " + task.getClass().getSimpleName());
    }

    private void markReady(Deployment d) {
        Integer replicas = d.getSpec().getReplicas();
        int n = replicas == null ? 1 : replicas;
        var s = d.getStatus();
        if (s != null
                && Objects.equals(s.getObservedGeneration(), d.getMetadata().getGeneration())
                && Objects.equals(s.getReadyReplicas(), n)
                && Objects.equals(s.getUpdatedReplicas(), n)
                && Objects.equals(s.getReplicas(), n)) {
            return;
        }
        try {
            client.apps()
                    .deployments()
                    .inNamespace(d.getMetadata().getNamespace())
                    .withName(d.getMetadata().getName())
                    .edit(
                            x -> {
                                x.setStatus(
                                        new DeploymentStatusBuilder()
                                                .withObservedGeneration(
                                                        x.getMetadata().getGeneration())
                                                .withReplicas(n)
                                                .withUpdatedReplicas(n)
                                                .withReadyReplicas(n)
                                                .withAvailableReplicas(n)
                                                .build());
                                return x;
                            });
        } catch (RuntimeException e) {
            System.err.println(
                    "fake deployment controller: " + d.getMetadata().getName() + ": " + e);
        }
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
        workers.shutdownNow();
    }
}
