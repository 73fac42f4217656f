package io.mlcycle.operator.trainingrun;

import com.fasterxml.jackson.core.type.TypeReference;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.PrimaryToSecondaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.modelversion.ModelVersionSpec;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.api.trainingrun.TrainingRunSpec;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus.Attempt;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus.FeatureImportance;
import io.mlcycle.operator.common.EventRecorder;
import io.mlcycle.operator.common.OperatorConfig;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.common.Schedules;
import io.mlcycle.operator.common.StatusUpdates;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import io.mlcycle.task.TrainTask;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Trains a model: resolves the referenced FeatureViews' tables, runs one create-only training Job,
 * and registers its result as ModelVersion {@code <model>-v<N>}. Trains again on spec change, when
 * a referenced FeatureView gets a new as-of (FeatureView events reach the TrainingRuns that
 * reference them through an index on the referenced names), and on {@code retrain.schedule}.
 *
 * <p>ModelVersions carry no owner reference: they are registry records and outlive the run that
 * trained them (a deployment may still serve one); the lineage and the {@code
 * mlcycle.io/trainingrun} label say where they came from.
 */
@ControllerConfiguration(name = "trainingrun", generationAwareEventProcessing = false)
public class TrainingRunReconciler implements Reconciler<TrainingRun> {

    public static final String FEATURE_VIEW_INDEX = "referenced-featureviews";
    public static final String TRAINING_RUN_LABEL = "mlcycle.io/trainingrun";
    public static final String VERSION_LABEL = "mlcycle.io/version";
    public static final String KEY_ANNOTATION = "mlcycle.io/training-key";
    public static final String INPUTS_ANNOTATION = "mlcycle.io/inputs";
    public static final String GENERATION_ANNOTATION = "mlcycle.io/generation";
    public static final String TRIGGER_ANNOTATION = "mlcycle.io/trigger";
    public static final String WAITING_FOR_FEATURES = "WaitingForFeatures";
    public static final String INVALID_SPEC = "InvalidSpec";
    static final int HISTORY = 10;
    static final int TOP_FEATURES = 10;
    static final List<String> METRICS =
            List.of("auc", "precision", "recall", "f1", "logLoss", "accuracy", "threshold");

    @Inject RuntimeJobs runtimeJobs;
    @Inject EventRecorder events;
    @Inject Clock clock;
    @Inject KubernetesClient client;
    @Inject OperatorConfig config;
    @Inject VersionRegistry registry;

    private InformerEventSource<FeatureView, TrainingRun> featureViews;
    private InformerEventSource<Job, TrainingRun> trainingJobs;
    private InformerEventSource<ModelVersion, TrainingRun> versions;

    @Override
    public List<EventSource<?, TrainingRun>> prepareEventSources(
            EventSourceContext<TrainingRun> context) {
        context.getPrimaryCache()
                .addIndexer(
                        FEATURE_VIEW_INDEX,
                        tr ->
                                referencedFeatureViews(tr).stream()
                                        .map(f -> indexKey(tr.getMetadata().getNamespace(), f))
                                        .toList());
        var featureViewsConfig =
                InformerEventSourceConfiguration.from(FeatureView.class, TrainingRun.class)
                        .withName("featureviews")
                        .withSecondaryToPrimaryMapper(
                                (FeatureView fv) ->
                                        context
                                                .getPrimaryCache()
                                                .byIndex(
                                                        FEATURE_VIEW_INDEX,
                                                        indexKey(
                                                                fv.getMetadata().getNamespace(),
                                                                fv.getMetadata().getName()))
                                                .stream()
                                                .map(ResourceID::fromResource)
                                                .collect(Collectors.toSet()))
                        .withPrimaryToSecondaryMapper(
                                (PrimaryToSecondaryMapper<TrainingRun>)
                                        tr ->
                                                referencedFeatureViews(tr).stream()
                                                        .map(
                                                                f ->
                                                                        new ResourceID(
                                                                                f,
                                                                                tr.getMetadata()
                                                                                        .getNamespace()))
                                                        .collect(Collectors.toSet()))
                        .build();
        var jobs =
                InformerEventSourceConfiguration.from(Job.class, TrainingRun.class)
                        .withName("training-jobs")
                        .withLabelSelector(RuntimeJobs.selector(RuntimeJobs.Runtime.trainer))
                        .withSecondaryToPrimaryMapper(
                                Mappers.<Job>fromOwnerReferences(TrainingRun.class))
                        .build();
        var versionsConfig =
                InformerEventSourceConfiguration.from(ModelVersion.class, TrainingRun.class)
                        .withName("modelversions")
                        .withLabelSelector(TRAINING_RUN_LABEL)
                        .withSecondaryToPrimaryMapper(
                                (ModelVersion mv) ->
                                        Set.of(
                                                new ResourceID(
                                                        mv.getMetadata()
                                                                .getLabels()
                                                                .get(TRAINING_RUN_LABEL),
                                                        mv.getMetadata().getNamespace())))
                        .build();
        featureViews = new InformerEventSource<>(featureViewsConfig, context);
        trainingJobs = new InformerEventSource<>(jobs, context);
        versions = new InformerEventSource<>(versionsConfig, context);
        return List.of(featureViews, trainingJobs, versions);
    }

    /** Names of the FeatureViews a run reads (none when the spec lists none). */
    static List<String> referencedFeatureViews(TrainingRun tr) {
        if (tr.getSpec() == null || tr.getSpec().features == null) {
            return List.of();
        }
        return tr.getSpec().features.stream()
                .map(f -> f.featureView)
                .filter(Objects::nonNull)
                .toList();
    }

    /**
     * What one training is keyed by (its Job and its reserved version carry it): the spec
     * generation, the inputs' as-ofs and, for a scheduled retrain, the fire time.
     */
    static String trainingKey(Long generation, Map<String, String> inputs, String scheduleFire) {
        return "g"
                + generation
                + "/"
                + RuntimeJobs.shortHash(TaskJson.write(inputs))
                + "/"
                + (scheduleFire == null ? "" : scheduleFire);
    }

    static String indexKey(String namespace, String name) {
        return namespace + "/" + name;
    }

    @Override
    public UpdateControl<TrainingRun> reconcile(TrainingRun tr, Context<TrainingRun> context) {
        Instant now = clock.instant();
        TrainingRunSpec spec = tr.getSpec();
        TrainingRunStatus status = StatusUpdates.copy(tr.getStatus(), TrainingRunStatus.class);
        Long generation = tr.getMetadata().getGeneration();
        status.observedGeneration = generation;
        String ns = tr.getMetadata().getNamespace();

        Optional<String> invalid = TrainTasks.invalid(spec);
        if (invalid.isPresent()) {
            boolean already =
                    Conditions.find(status.conditions, INVALID_SPEC)
                            .map(c -> invalid.get().equals(c.getMessage()))
                            .orElse(false);
            Conditions.set(
                    status, INVALID_SPEC, true, INVALID_SPEC, invalid.get(), generation, now);
            Conditions.set(
                    status,
                    Conditions.DEGRADED,
                    true,
                    INVALID_SPEC,
                    invalid.get(),
                    generation,
                    now);
            status.phase = TrainingRunStatus.Phase.Failed;
            if (!already) {
                events.warning(tr, INVALID_SPEC, invalid.get());
            }
            return StatusUpdates.patchIfChanged(tr, status);
        }
        Conditions.remove(status, INVALID_SPEC);

        List<Job> owned = ownedJobs(tr);
        Map<String, Job> byName = new HashMap<>();
        owned.forEach(j -> byName.put(j.getMetadata().getName(), j));

        // 1. The running training: finished → register the version or record the failure. An
        // active attempt already in history comes from an older copy of the status: drop it.
        if (status.active != null
                && status.history.stream()
                        .anyMatch(h -> h.job != null && h.job.equals(status.active.job))) {
            status.active = null;
        }
        if (status.active != null) {
            Job job = byName.get(status.active.job);
            if (job == null) {
                finish(
                        tr,
                        status,
                        null,
                        Summary.failure(
                                Summary.Outcome.Failed,
                                "JobDeleted",
                                "training Job "
                                        + status.active.job
                                        + " was deleted before it finished"),
                        now);
            } else {
                RuntimeJobs.Result result = runtimeJobs.result(job);
                if (result.finished()) {
                    finish(tr, status, job, result.summary(), now);
                }
            }
        }
        if (status.active == null) {
            // A training Job the status does not know (its status update was lost): follow it.
            owned.stream()
                    .filter(j -> RuntimeJobs.state(j) == RuntimeJobs.State.Running)
                    .filter(
                            j ->
                                    status.history.stream()
                                            .noneMatch(
                                                    h -> j.getMetadata().getName().equals(h.job)))
                    .findFirst()
                    .ifPresent(j -> adopt(status, j));
        }

        // 2. Inputs.
        FeatureResolver.Resolution inputs =
                FeatureResolver.resolve(spec, name -> featureViews.get(new ResourceID(name, ns)));
        Optional<Instant> wake = Optional.empty();
        if (!inputs.resolved()) {
            boolean already =
                    Conditions.find(status.conditions, WAITING_FOR_FEATURES)
                            .map(
                                    c ->
                                            Conditions.TRUE.equals(c.getStatus())
                                                    && inputs.missing().equals(c.getMessage()))
                            .orElse(false);
            Conditions.set(
                    status,
                    WAITING_FOR_FEATURES,
                    true,
                    "FeaturesMissing",
                    inputs.missing(),
                    generation,
                    now);
            if (!already) {
                events.normal(tr, WAITING_FOR_FEATURES, inputs.missing());
            }
        } else {
            Conditions.set(
                    status,
                    WAITING_FOR_FEATURES,
                    false,
                    "FeaturesAvailable",
                    "as-of " + inputs.asOf() + ": " + inputs.inputMap(),
                    generation,
                    now);
        }

        // 3. Triggers.
        String trigger = null;
        String scheduleFire = "";
        if (status.trainedGeneration == null) {
            trigger = "Created";
        } else if (!generation.equals(status.trainedGeneration)) {
            trigger = "SpecChanged";
        } else if (inputs.resolved()
                && (spec.retrain == null || !Boolean.FALSE.equals(spec.retrain.onFeatureViewUpdate))
                && !inputs.inputMap().equals(status.trainedInputs)) {
            trigger = "FeatureViewUpdated";
        }
        if (spec.retrain != null && spec.retrain.schedule != null) {
            Schedules schedule =
                    Schedules.parse(spec.retrain.schedule, "UTC", "spec.retrain.schedule");
            if (status.lastScheduleTime == null) {
                status.lastScheduleTime = now.toString();
            } else {
                Optional<ZonedDateTime> last = schedule.lastFire(now);
                if (last.isPresent()
                        && last.get().toInstant().isAfter(Instant.parse(status.lastScheduleTime))) {
                    if (trigger == null) {
                        trigger = "Schedule";
                    }
                    scheduleFire = last.get().toInstant().toString();
                    status.lastScheduleTime = scheduleFire;
                    status.pendingSchedule = true;
                }
            }
            wake = schedule.nextFire(now).map(ZonedDateTime::toInstant);
        }
        if (trigger == null && Boolean.TRUE.equals(status.pendingSchedule)) {
            trigger = "Schedule";
        }
        if (trigger != null && inputs.resolved() && status.active == null) {
            String key =
                    trainingKey(
                            generation,
                            inputs.inputMap(),
                            "Schedule".equals(trigger) ? status.lastScheduleTime : null);
            Optional<Job> existing =
                    owned.stream()
                            .filter(
                                    j ->
                                            j.getMetadata().getAnnotations() != null
                                                    && key.equals(
                                                            j.getMetadata()
                                                                    .getAnnotations()
                                                                    .get(KEY_ANNOTATION)))
                            .findFirst();
            if (existing.isPresent()) {
                Job job = existing.get();
                if (status.history.stream()
                        .noneMatch(h -> job.getMetadata().getName().equals(h.job))) {
                    adopt(status, job);
                    // Finished before its creation reached the status (an operator restarted in
                    // between): record it now, no later event of the Job would.
                    RuntimeJobs.Result result = runtimeJobs.result(job);
                    if (result.finished()) {
                        finish(tr, status, job, result.summary(), now);
                    }
                }
            } else {
                start(tr, status, inputs, trigger, key, owned, now);
            }
            status.trainedGeneration = generation;
            status.trainedInputs = inputs.inputMap();
            status.pendingSchedule = null;
        }

        // 4. The registered version's verdict, conditions and phase.
        if (status.modelVersion != null) {
            ModelVersion mv = versions.get(new ResourceID(status.modelVersion, ns)).orElse(null);
            status.approved = mv == null || mv.getStatus() == null ? null : mv.getStatus().approved;
        }
        setConditions(status, inputs, generation, now);
        UpdateControl<TrainingRun> control = StatusUpdates.patchIfChanged(tr, status);
        if (wake.isPresent()) {
            Duration delay = Duration.between(now, wake.get());
            control.rescheduleAfter(
                    delay.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : delay);
        }
        return control;
    }

    /** The run's training Jobs, from the informer's cache (which holds what it created). */
    private List<Job> ownedJobs(TrainingRun tr) {
        return RuntimeJobs.ownedBy(tr, trainingJobs.getSecondaryResources(tr));
    }

    private static void adopt(TrainingRunStatus status, Job job) {
        Map<String, String> a =
                job.getMetadata().getAnnotations() == null
                        ? Map.of()
                        : job.getMetadata().getAnnotations();
        Attempt attempt = new Attempt();
        attempt.job = job.getMetadata().getName();
        attempt.version =
                Integer.valueOf(job.getMetadata().getLabels().getOrDefault(VERSION_LABEL, "0"));
        attempt.trigger = a.get(TRIGGER_ANNOTATION);
        attempt.startedAt = job.getMetadata().getCreationTimestamp();
        if (a.get(INPUTS_ANNOTATION) != null) {
            try {
                attempt.inputs =
                        TaskJson.MAPPER.readValue(
                                a.get(INPUTS_ANNOTATION),
                                new TypeReference<LinkedHashMap<String, String>>() {});
            } catch (java.io.IOException e) {
                attempt.inputs = null;
            }
        }
        status.active = attempt;
        if (a.get(GENERATION_ANNOTATION) != null) {
            status.trainedGeneration = Long.valueOf(a.get(GENERATION_ANNOTATION));
        }
        if (attempt.inputs != null) {
            status.trainedInputs = attempt.inputs;
        }
    }

    private void start(
            TrainingRun tr,
            TrainingRunStatus status,
            FeatureResolver.Resolution inputs,
            String trigger,
            String key,
            List<Job> owned,
            Instant now) {
        String ns = tr.getMetadata().getNamespace();
        TrainingRunSpec spec = tr.getSpec();
        String modelsUri = spec.modelsUri != null ? spec.modelsUri : config.modelsUri();
        int version = registry.reserve(tr, key, n -> TrainTasks.task(tr, inputs, n, modelsUri));
        String v = "v" + version;
        long sameVersion =
                owned.stream()
                        .filter(j -> v.equals("v" + j.getMetadata().getLabels().get(VERSION_LABEL)))
                        .count();
        String name =
                RuntimeJobs.name(
                        tr.getMetadata().getName(), "train", v, Long.toString(sameVersion + 1));
        TrainTask task = TrainTasks.task(tr, inputs, version, modelsUri);
        Job job =
                runtimeJobs.job(
                        tr,
                        name,
                        RuntimeJobs.Runtime.trainer,
                        task,
                        spec.backoffLimit == null ? 0 : spec.backoffLimit,
                        List.of(),
                        spec.resources);
        job.getMetadata().getLabels().put(TRAINING_RUN_LABEL, tr.getMetadata().getName());
        job.getMetadata().getLabels().put(ModelVersion.MODEL_LABEL, spec.model);
        job.getMetadata().getLabels().put(VERSION_LABEL, Integer.toString(version));
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(KEY_ANNOTATION, key);
        annotations.put(TRIGGER_ANNOTATION, trigger);
        annotations.put(GENERATION_ANNOTATION, String.valueOf(tr.getMetadata().getGeneration()));
        annotations.put(INPUTS_ANNOTATION, TaskJson.write(inputs.inputMap()));
        job.getMetadata().setAnnotations(annotations);
        boolean created = false;
        try {
            Job made = client.batch().v1().jobs().inNamespace(ns).resource(job).create();
            trainingJobs.handleRecentResourceCreate(ResourceID.fromResource(made), made);
            created = true;
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
        Attempt attempt = new Attempt();
        attempt.job = name;
        attempt.version = version;
        attempt.inputs = inputs.inputMap();
        attempt.trigger = trigger;
        attempt.startedAt = now.toString();
        status.active = attempt;
        if (!created) {
            return;
        }
        events.normal(
                tr,
                "TrainingStarted",
                "Job "
                        + name
                        + " trains "
                        + spec.model
                        + " "
                        + v
                        + " on as-of "
                        + inputs.asOf()
                        + " ("
                        + trigger
                        + ")");
    }

    /** Records the finished training; on success registers the ModelVersion (once). */
    private void finish(
            TrainingRun tr, TrainingRunStatus status, Job job, Summary summary, Instant now) {
        Attempt attempt = status.active;
        status.active = null;
        attempt.completedAt = now.toString();
        attempt.outcome = summary.outcome().name();
        attempt.reason = summary.reason();
        attempt.message = summary.message();
        status.history.add(0, attempt);
        while (status.history.size() > HISTORY) {
            status.history.remove(status.history.size() - 1);
        }
        TrainingRunSpec spec = tr.getSpec();
        if (summary.outcome() != Summary.Outcome.Succeeded || job == null) {
            registry.fail(tr, attempt.version, summary.reason(), summary.message());
            events.warningOnce(
                    tr,
                    "TrainingFailed",
                    spec.model
                            + " v"
                            + attempt.version
                            + " ("
                            + attempt.job
                            + ") failed: "
                            + summary.reason()
                            + ": "
                            + summary.message());
            return;
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        Map<String, Double> figures = summary.figures() == null ? Map.of() : summary.figures();
        for (String m : METRICS) {
            if (figures.get(m) != null) {
                metrics.put(m, figures.get(m));
            }
        }
        List<FeatureImportance> top = topFeatures(summary);
        TrainTask task = (TrainTask) RuntimeJobs.task(job).orElse(null);
        String name = VersionRegistry.name(spec.model, attempt.version);
        Object digest = summary.details() == null ? null : summary.details().get("artifactDigest");
        boolean completed =
                registry.complete(
                        tr,
                        attempt.version,
                        task,
                        new VersionRegistry.Trained(
                                summary.uri() != null
                                        ? summary.uri()
                                        : task == null ? null : task.outputUri(),
                                digest == null ? null : digest.toString(),
                                metrics,
                                top,
                                job.getSpec()
                                        .getTemplate()
                                        .getSpec()
                                        .getContainers()
                                        .get(0)
                                        .getImage(),
                                job.getMetadata().getName(),
                                now.toString(),
                                summary.details() == null
                                                || summary.details().get("algorithm") == null
                                        ? null
                                        : String.valueOf(summary.details().get("algorithm")),
                                candidates(summary),
                                budgetExhausted(summary)));
        status.modelVersion = name;
        status.version = attempt.version;
        status.metrics = metrics;
        status.auc = metrics.get("auc");
        status.topFeatures =
                top.size() > TOP_FEATURES ? new ArrayList<>(top.subList(0, TOP_FEATURES)) : top;
        status.approved = null;
        if (completed) {
            events.normal(
                    tr,
                    "ModelVersionRegistered",
                    "registered "
                            + name
                            + " (auc "
                            + metrics.get("auc")
                            + ") from Job "
                            + attempt.job);
        }
    }

    /** auto's candidate table from the trainer's summary; null when it tried only one. */
    static List<ModelVersionSpec.Candidate> candidates(Summary summary) {
        if (summary.details() == null
                || !(summary.details().get("candidates") instanceof List<?> list)) {
            return null;
        }
        List<ModelVersionSpec.Candidate> out = new ArrayList<>();
        for (Object o : list) {
            if (o instanceof Map<?, ?> m) {
                ModelVersionSpec.Candidate c = new ModelVersionSpec.Candidate();
                c.algorithm =
                        m.get("algorithm") == null ? null : String.valueOf(m.get("algorithm"));
                Object metric = m.get(summary.details().getOrDefault("selectionMetric", "auc"));
                c.metric = metric instanceof Number n ? n.doubleValue() : null;
                c.trials = m.get("trials") instanceof Number n ? n.intValue() : null;
                c.seconds = m.get("seconds") instanceof Number n ? n.doubleValue() : null;
                c.status = m.get("status") == null ? null : String.valueOf(m.get("status"));
                c.chosen = m.get("chosen") instanceof Boolean b ? b : null;
                c.message = m.get("message") == null ? null : String.valueOf(m.get("message"));
                out.add(c);
            }
        }
        return out;
    }

    static Boolean budgetExhausted(Summary summary) {
        return summary.details() != null
                        && summary.details().get("search") instanceof Map<?, ?> search
                        && Boolean.TRUE.equals(search.get("budgetExhausted"))
                ? Boolean.TRUE
                : null;
    }

    @SuppressWarnings("unchecked")
    static List<FeatureImportance> topFeatures(Summary summary) {
        List<FeatureImportance> out = new ArrayList<>();
        if (summary.details() == null
                || !(summary.details().get("topFeatures") instanceof List<?> list)) {
            return out;
        }
        for (Object o : list) {
            if (o instanceof Map<?, ?> m) {
                Object name = m.get("name");
                Object imp = m.containsKey("importance") ? m.get("importance") : m.get("value");
                if (name != null) {
                    out.add(
                            new FeatureImportance(
                                    String.valueOf(name),
                                    imp instanceof Number n ? n.doubleValue() : null));
                }
            }
        }
        return out;
    }

    static void setConditions(
            TrainingRunStatus status,
            FeatureResolver.Resolution inputs,
            Long generation,
            Instant now) {
        Attempt last = status.history.isEmpty() ? null : status.history.get(0);
        boolean lastFailed = last != null && !"Succeeded".equals(last.outcome);
        Conditions.set(
                status,
                Conditions.READY,
                status.modelVersion != null,
                status.modelVersion != null ? "VersionRegistered" : "NoVersion",
                status.modelVersion != null
                        ? status.modelVersion + " registered (auc " + status.auc + ")"
                        : "no version registered yet",
                generation,
                now);
        Conditions.set(
                status,
                Conditions.PROGRESSING,
                status.active != null,
                status.active != null ? "Training" : "Idle",
                status.active != null
                        ? "Job " + status.active.job + " trains v" + status.active.version
                        : "",
                generation,
                now);
        Conditions.set(
                status,
                Conditions.DEGRADED,
                lastFailed,
                lastFailed ? last.reason : "AsExpected",
                lastFailed ? last.job + ": " + last.message : "",
                generation,
                now);
        if (status.active != null) {
            status.phase = TrainingRunStatus.Phase.Training;
        } else if (!inputs.resolved()) {
            status.phase = TrainingRunStatus.Phase.WaitingForFeatures;
        } else if (lastFailed) {
            status.phase = TrainingRunStatus.Phase.Failed;
        } else if (status.modelVersion != null) {
            status.phase = TrainingRunStatus.Phase.Succeeded;
        } else {
            status.phase = TrainingRunStatus.Phase.Pending;
        }
    }
}
