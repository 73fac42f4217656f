package io.mlcycle.operator.trainingrun;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.api.trainingrun.TrainingRunSpec;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus;
import io.mlcycle.operator.common.EventRecorder;
import io.mlcycle.operator.common.JobResults;
import io.mlcycle.operator.common.ObjectStorage;
import io.mlcycle.operator.common.OperatorConfig;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.common.StatusUpdates;
import io.mlcycle.operator.featureview.SparkApplications;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Trains a model: resolves the referenced FeatureViews' tables, runs one create-only training Job,
 * and registers its result as ModelVersion {@code <model>-v<N>}. One shape, like the FeatureView's:
 * observe ({@link TrainingJobs}, from the informers' caches) → decide ({@link TrainingTriggers},
 * pure: spec change, a referenced FeatureView's new as-of, {@code retrain.schedule}) → act ({@link
 * TrainingJobs#start}, the number reserved by {@link VersionRegistry}) → record ({@link
 * TrainingRecorder}: history, ModelVersion completion, conditions).
 *
 * <p>ModelVersions carry no owner reference: they are registry records and outlive the run that
 * trained them (a deployment may still serve one); the lineage and the {@code
 * mlcycle.io/trainingrun} label say where they came from.
 */
@ControllerConfiguration(name = "trainingrun", generationAwareEventProcessing = false)
public class TrainingRunReconciler implements Reconciler<TrainingRun> {

    public static final String TRAINING_RUN_LABEL = "mlcycle.io/trainingrun";
    public static final String VERSION_LABEL = "mlcycle.io/version";
    public static final String KEY_ANNOTATION = "mlcycle.io/training-key";
    public static final String INPUTS_ANNOTATION = "mlcycle.io/inputs";
    public static final String GENERATION_ANNOTATION = "mlcycle.io/generation";
    public static final String TRIGGER_ANNOTATION = "mlcycle.io/trigger";
    public static final String WAITING_FOR_FEATURES = TrainingRunConditions.WAITING_FOR_FEATURES;
    public static final String INVALID_SPEC = TrainingRunConditions.INVALID_SPEC;

    /** Engine spark while the operator cannot run SparkApplications. */
    public static final String SPARK_UNAVAILABLE = TrainingRunConditions.SPARK_UNAVAILABLE;

    @Inject RuntimeJobs runtimeJobs;
    @Inject JobResults jobResults;
    @Inject EventRecorder events;
    @Inject Clock clock;
    @Inject KubernetesClient client;
    @Inject OperatorConfig config;
    @Inject VersionRegistry registry;
    @Inject TrainingRecorder recorder;
    @Inject ObjectStorage objectStorage;
    @Inject SparkApplications sparkApplications;

    private TrainingJobs jobs;

    @Override
    public List<EventSource<?, TrainingRun>> prepareEventSources(
            EventSourceContext<TrainingRun> context) {
        jobs =
                TrainingJobs.create(
                        context,
                        client,
                        runtimeJobs,
                        jobResults,
                        events,
                        registry,
                        sparkApplications,
                        config);
        return jobs.eventSources();
    }

    @Override
    public UpdateControl<TrainingRun> reconcile(TrainingRun tr, Context<TrainingRun> context) {
        Instant now = clock.instant();
        TrainingRunSpec spec = Defaults.copy(tr.getSpec());
        TrainingRunStatus status = StatusUpdates.copy(tr.getStatus(), TrainingRunStatus.class);
        Long generation = tr.getMetadata().getGeneration();
        status.observedGeneration = generation;
        String ns = tr.getMetadata().getNamespace();

        Optional<String> invalid = TrainTasks.invalid(spec);
        if (invalid.isPresent()) {
            recorder.invalid(tr, status, invalid.get(), now);
            return StatusUpdates.patchIfChanged(tr, status);
        }
        Conditions.remove(status, INVALID_SPEC);
        if (spec.engine == TrainingRunSpec.Engine.spark) {
            Optional<String> unavailable = jobs.sparkUnavailable();
            if (unavailable.isPresent()) {
                recorder.blocked(
                        tr,
                        status,
                        SPARK_UNAVAILABLE,
                        "spec.engine is spark but " + unavailable.get(),
                        now);
                return StatusUpdates.patchIfChanged(tr, status);
            }
        }
        Optional<ObjectStorage.Problem> storage = objectStorage.problem(tr);
        if (storage.isPresent()) {
            recorder.blocked(tr, status, storage.get().reason(), storage.get().message(), now);
            return StatusUpdates.patchIfChanged(tr, status).rescheduleAfter(ObjectStorage.RECHECK);
        }

        // 1. Observe: the running training, finished → record it. An active attempt already in
        // history comes from an older copy of the status: drop it.
        List<HasMetadata> owned = jobs.owned(tr);
        Map<String, HasMetadata> byName = new HashMap<>();
        owned.forEach(j -> byName.put(j.getMetadata().getName(), j));
        follow(tr, status, byName, now);
        if (status.active == null) {
            TrainingAttempts.untracked(owned, status)
                    .ifPresent(j -> TrainingAttempts.adopt(status, j));
        }
        FeatureResolver.Resolution inputs =
                FeatureResolver.resolve(spec, name -> jobs.featureView(ns, name));
        recorder.inputs(tr, status, inputs, now);

        // 2. Decide.
        TrainingTriggers.Decision decision =
                TrainingTriggers.decide(spec, status, generation, inputs, now);

        // 3. Act: start the training, or adopt the Job an earlier reconcile started for it.
        if (decision.train()) {
            train(tr, spec, status, owned, inputs, decision, now);
        }

        // 4. Record: the registered version's verdict, conditions and phase.
        if (status.modelVersion != null) {
            ModelVersion mv = jobs.version(ns, status.modelVersion).orElse(null);
            status.approved = mv == null || mv.getStatus() == null ? null : mv.getStatus().approved;
        }
        TrainingRecorder.setConditions(status, inputs, generation, now);
        UpdateControl<TrainingRun> control = StatusUpdates.patchIfChanged(tr, status);
        jobResults
                .nextReconcile(now, decision.wakeAt(), status.active != null)
                .ifPresent(control::rescheduleAfter);
        return control;
    }

    /**
     * The active training: finished → recorded, deleted → recorded as failed, else its progress. An
     * active attempt already in history comes from an older copy of the status: dropped.
     */
    private void follow(
            TrainingRun tr,
            TrainingRunStatus status,
            Map<String, HasMetadata> byName,
            Instant now) {
        if (status.active != null
                && status.history.stream()
                        .anyMatch(h -> h.job != null && h.job.equals(status.active.job))) {
            status.active = null;
        }
        if (status.active != null) {
            HasMetadata job = byName.get(status.active.job);
            if (job == null) {
                recorder.jobDeleted(tr, status, jobs, now);
            } else {
                JobResults.Result result = jobs.result(job);
                if (result.finished()) {
                    recorder.finish(tr, status, job, result.summary(), jobs, now);
                } else if (job instanceof Job j) {
                    String was = status.active.progress;
                    status.active.progress = jobResults.progress(j, now).orElse(was);
                }
            }
        }
    }

    /** Starts the training, or adopts the Job an earlier reconcile started for the same key. */
    private void train(
            TrainingRun tr,
            TrainingRunSpec spec,
            TrainingRunStatus status,
            List<HasMetadata> owned,
            FeatureResolver.Resolution inputs,
            TrainingTriggers.Decision decision,
            Instant now) {
        Long generation = tr.getMetadata().getGeneration();
        Optional<HasMetadata> existing = TrainingAttempts.withKey(owned, decision.key());
        if (existing.isPresent()) {
            HasMetadata job = existing.get();
            if (status.history.stream().noneMatch(h -> job.getMetadata().getName().equals(h.job))) {
                TrainingAttempts.adopt(status, job);
                // Finished before its creation reached the status (an operator restarted in
                // between): record it now, no later event of the Job would.
                JobResults.Result result = jobs.result(job);
                if (result.finished()) {
                    recorder.finish(tr, status, job, result.summary(), jobs, now);
                }
            }
        } else {
            String modelsUri = spec.modelsUri != null ? spec.modelsUri : config.modelsUri();
            status.active =
                    jobs.start(
                            tr,
                            inputs,
                            decision.trigger().get(),
                            decision.key(),
                            owned,
                            modelsUri,
                            now);
        }
        TrainingTriggers.started(status, generation, inputs);
    }
}
