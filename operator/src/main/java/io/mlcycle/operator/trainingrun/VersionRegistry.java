package io.mlcycle.operator.trainingrun;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.modelversion.ModelVersionSpec;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus.FeatureImportance;
import io.mlcycle.operator.common.RuntimeObjects;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.TrainSummary;
import io.mlcycle.task.TrainTask;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * The model registry's write side. A version number is reserved by creating ModelVersion {@code
 * <model>-v<N>} (state Training) before its training Job exists: the API server's create is the
 * lock, so concurrent TrainingRuns of one model, and an operator restarted in between, never share
 * a number — a conflict means "take the next one". The training's end completes the record
 * (metrics, artifact digest) or marks it Failed; the number is never reused.
 */
@ApplicationScoped
public class VersionRegistry {

    /** Marks which training (its trigger key) a reservation belongs to. */
    public static final String KEY_ANNOTATION = TrainingRunReconciler.KEY_ANNOTATION;

    private static final int MAX_CONFLICTS = 100;

    @Inject KubernetesClient client;

    /**
     * What the registry reads, from the informers' caches: the API server's create is the lock, so
     * a stale cache only costs a 409 and the next number (or, when the version holding the number
     * is this run's reservation of the same key, that number), never a shared one.
     */
    public interface Cache {
        /** The cached versions of {@code model} in {@code namespace}. */
        List<ModelVersion> versions(String namespace, String model);

        Optional<ModelVersion> version(String namespace, String name);

        /** The highest version a running training Job of {@code model} trains (0: none). */
        int runningVersion(String namespace, String model);

        /** Puts what this operator just wrote into the cache, so the next reconcile sees it. */
        void written(ModelVersion written, ModelVersion before);

        /** A FeatureView's metadata.generation, when the cache has the view. */
        default Long viewGeneration(String namespace, String view) {
            return null;
        }
    }

    /**
     * The result of a training, as the registry records it.
     *
     * @param algorithm the model's algorithm (what auto chose); null: the TrainingRun's
     * @param candidates auto's candidate table (null otherwise)
     * @param searchBudgetExhausted true when search.budget stopped the search (null otherwise)
     * @param snapshots the Iceberg snapshots read, by {@link TrainSummary#snapshotKey} (empty:
     *     none)
     */
    public record Trained(
            String artifactUri,
            String artifactDigest,
            Map<String, Double> metrics,
            List<FeatureImportance> topFeatures,
            String image,
            String job,
            String trainedAt,
            String algorithm,
            List<ModelVersionSpec.Candidate> candidates,
            Boolean searchBudgetExhausted,
            Map<String, Long> snapshots) {}

    /**
     * The version reserved for this run's training {@code key}: an earlier reservation of the same
     * key (the Job was never created: operator restarted in between) or a fresh number.
     *
     * @param task the training task for a candidate number (its output URI and inputs are recorded)
     */
    public int reserve(TrainingRun tr, String key, IntFunction<TrainTask> task, Cache cache) {
        String ns = tr.getMetadata().getNamespace();
        String model = tr.getSpec().model;
        List<ModelVersion> versions = cache.versions(ns, model);
        Optional<Integer> earlier =
                versions.stream()
                        .filter(mv -> ownReservation(mv, tr, key))
                        .map(mv -> mv.getSpec().version)
                        .findFirst();
        if (earlier.isPresent()) {
            return earlier.get();
        }
        int next =
                Math.max(
                                versions.stream()
                                        .filter(mv -> mv.getSpec() != null)
                                        .filter(mv -> mv.getSpec().version != null)
                                        .mapToInt(mv -> mv.getSpec().version)
                                        .max()
                                        .orElse(0),
                                cache.runningVersion(ns, model))
                        + 1;
        for (int i = 0; i < MAX_CONFLICTS; i++, next++) {
            ModelVersion mv = reservation(tr, key, next, task.apply(next));
            try {
                cache.written(client.resource(mv).create(), null);
                return next;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // the cache had not seen the version holding this number: when it is this run's
                // reservation of the same key (the Job was never created), train under it
                ModelVersion held = client.resource(mv).get();
                if (ownReservation(held, tr, key)) {
                    cache.written(held, null);
                    return next;
                }
            }
        }
        throw new IllegalStateException(
                "could not reserve a version of model "
                        + model
                        + " after "
                        + MAX_CONFLICTS
                        + " conflicts");
    }

    /**
     * Records a succeeded training on its reserved version. Returns true when this call completed
     * the record (false: it was complete already).
     */
    public boolean complete(
            TrainingRun tr, int version, TrainTask task, Trained trained, Cache cache) {
        String ns = tr.getMetadata().getNamespace();
        String name = name(tr.getSpec().model, version);
        ModelVersion existing = cache.version(ns, name).orElse(null);
        if (existing != null && existing.getSpec() != null && existing.getSpec().trained()) {
            return false;
        }
        if (existing == null) {
            // the reservation was deleted by a person, or the Job predates reservations
            ModelVersion mv = reservation(tr, null, version, task);
            fill(mv.getSpec(), tr, task, trained, cache);
            try {
                cache.written(client.resource(mv).create(), null);
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                return false;
            }
        }
        ModelVersionSpec filled = new ModelVersionSpec();
        fill(filled, tr, task, trained, cache);
        patchSpec(existing, filled, cache);
        return true;
    }

    /** Marks a reserved version whose training failed; its number is never used again. */
    public void fail(TrainingRun tr, int version, String reason, String message, Cache cache) {
        if (version <= 0) {
            return;
        }
        String ns = tr.getMetadata().getNamespace();
        ModelVersion existing = cache.version(ns, name(tr.getSpec().model, version)).orElse(null);
        if (existing == null || !reservedBy(existing, tr) || !isTraining(existing)) {
            return;
        }
        ModelVersionSpec failed = new ModelVersionSpec();
        failed.training =
                new ModelVersionSpec.Training(ModelVersionSpec.State.Failed, reason, message);
        patchSpec(existing, failed, cache);
    }

    /**
     * Sets the non-null fields of {@code fields} in the version's spec with one JSON patch (each an
     * {@code add}, which replaces a list or object whole): no read first, and fields a person set
     * meanwhile (approval) are left as they are.
     */
    private void patchSpec(ModelVersion existing, ModelVersionSpec fields, Cache cache) {
        Map<String, Object> values =
                client.getKubernetesSerialization().convertValue(fields, Map.class);
        List<Map<String, Object>> ops =
                values.entrySet().stream()
                        .map(
                                e ->
                                        Map.<String, Object>of(
                                                "op",
                                                "add",
                                                "path",
                                                "/spec/" + e.getKey(),
                                                "value",
                                                e.getValue()))
                        .toList();
        ModelVersion patched =
                // on the cached object: by name, the client would GET it first
                client.resource(existing)
                        .patch(
                                PatchContext.of(PatchType.JSON),
                                client.getKubernetesSerialization().asJson(ops));
        cache.written(patched, existing);
    }

    public static String name(String model, int version) {
        return model + "-v" + version;
    }

    private ModelVersion reservation(TrainingRun tr, String key, int version, TrainTask task) {
        String model = tr.getSpec().model;
        ModelVersion mv = new ModelVersion();
        Map<String, String> annotations = new LinkedHashMap<>();
        if (key != null) {
            annotations.put(KEY_ANNOTATION, key);
        }
        mv.setMetadata(
                new ObjectMetaBuilder()
                        .withName(name(model, version))
                        .withNamespace(tr.getMetadata().getNamespace())
                        .withLabels(
                                Map.of(
                                        ModelVersion.MODEL_LABEL,
                                        model,
                                        TrainingRunReconciler.TRAINING_RUN_LABEL,
                                        tr.getMetadata().getName(),
                                        RuntimeObjects.MANAGED_BY_LABEL,
                                        RuntimeObjects.MANAGED_BY))
                        .withAnnotations(annotations)
                        .build());
        ModelVersionSpec s = new ModelVersionSpec();
        s.model = model;
        s.version = version;
        s.artifactUri = task.outputUri();
        s.algorithm = task.algorithm();
        s.gates = tr.getSpec().gates;
        s.training = new ModelVersionSpec.Training(ModelVersionSpec.State.Training, null, null);
        s.lineage = lineage(tr, task);
        mv.setSpec(s);
        return mv;
    }

    private static void fill(
            ModelVersionSpec s, TrainingRun tr, TrainTask task, Trained trained, Cache cache) {
        if (trained.artifactUri() != null) {
            s.artifactUri = trained.artifactUri();
        }
        s.artifactDigest = trained.artifactDigest();
        if (trained.algorithm() != null) {
            s.algorithm = trained.algorithm();
        }
        s.candidates = trained.candidates();
        s.searchBudgetExhausted = trained.searchBudgetExhausted();
        s.metrics = trained.metrics();
        s.topFeatures = trained.topFeatures();
        s.gates = tr.getSpec().gates;
        s.lineage = lineage(tr, task);
        for (ModelVersionSpec.FeatureSource f : s.lineage.featureViews) {
            f.snapshotId = trained.snapshots().get(TrainSummary.snapshotKey(f.name, f.asOf));
        }
        s.lineage.image = trained.image();
        s.lineage.job = trained.job();
        s.lineage.trainedAt = trained.trainedAt();
        s.featureSchema =
                FeatureSchemas.of(
                        trained.topFeatures(),
                        task,
                        view -> cache.viewGeneration(tr.getMetadata().getNamespace(), view));
        s.training = new ModelVersionSpec.Training(ModelVersionSpec.State.Succeeded, null, null);
    }

    private static ModelVersionSpec.Lineage lineage(TrainingRun tr, TrainTask task) {
        ModelVersionSpec.Lineage lineage = new ModelVersionSpec.Lineage();
        lineage.trainingRun = tr.getMetadata().getName();
        lineage.featureViews = new ArrayList<>();
        if (task != null) {
            for (FeatureInput in : task.features()) {
                lineage.featureViews.add(
                        new ModelVersionSpec.FeatureSource(in.featureView(), in.asOf(), in.uri()));
            }
            lineage.labelsUri = task.labels() == null ? null : task.labels().uri();
        }
        return lineage;
    }

    /** A version this run reserved for the same training key and that is still training. */
    private static boolean ownReservation(ModelVersion mv, TrainingRun tr, String key) {
        return mv != null && reservedBy(mv, tr) && key.equals(annotation(mv)) && isTraining(mv);
    }

    private static boolean reservedBy(ModelVersion mv, TrainingRun tr) {
        return mv.getMetadata().getLabels() != null
                && tr.getMetadata()
                        .getName()
                        .equals(
                                mv.getMetadata()
                                        .getLabels()
                                        .get(TrainingRunReconciler.TRAINING_RUN_LABEL));
    }

    private static boolean isTraining(ModelVersion mv) {
        return mv.getSpec() != null
                && mv.getSpec().training != null
                && mv.getSpec().training.state == ModelVersionSpec.State.Training;
    }

    private static String annotation(ModelVersion mv) {
        return mv.getMetadata().getAnnotations() == null
                ? null
                : mv.getMetadata().getAnnotations().get(KEY_ANNOTATION);
    }
}
