package io.mlcycle.operator.trainingrun;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.PrimaryToSecondaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.PodOverrides;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.api.trainingrun.TrainingRunSpec;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus.Attempt;
import io.mlcycle.operator.common.EventRecorder;
import io.mlcycle.operator.common.JobResults;
import io.mlcycle.operator.common.OperatorConfig;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.common.RuntimeObjects;
import io.mlcycle.operator.featureview.SparkApplications;
import io.mlcycle.task.Layout;
import io.mlcycle.task.Task;
import io.mlcycle.task.TaskJson;
import io.mlcycle.task.TrainTask;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static io.mlcycle.operator.trainingrun.TrainingRunReconciler.GENERATION_ANNOTATION;
import static io.mlcycle.operator.trainingrun.TrainingRunReconciler.INPUTS_ANNOTATION;
import static io.mlcycle.operator.trainingrun.TrainingRunReconciler.KEY_ANNOTATION;
import static io.mlcycle.operator.trainingrun.TrainingRunReconciler.TRAINING_RUN_LABEL;
import static io.mlcycle.operator.trainingrun.TrainingRunReconciler.TRIGGER_ANNOTATION;
import static io.mlcycle.operator.trainingrun.TrainingRunReconciler.VERSION_LABEL;

/**
 * A TrainingRun's world from the informers' caches — its training Jobs (engine pod) and
 * SparkApplications (engine spark, see {@link TrainingSparkApplications}), the FeatureViews it
 * references (their events reach it through a primary-cache index on the referenced names), its
 * registered ModelVersions — and the create-only start of a training Job {@code
 * <tr>-train-v<N>-<attempt>} (put into the cache at once, so the next reconcile needs no live
 * read).
 */
final class TrainingJobs implements VersionRegistry.Cache {

    static final String FEATURE_VIEW_INDEX = "referenced-featureviews";

    private final KubernetesClient client;
    private final RuntimeJobs runtimeJobs;
    private final JobResults jobResults;
    private final EventRecorder events;
    private final VersionRegistry registry;
    private final InformerEventSource<FeatureView, TrainingRun> featureViews;
    private final InformerEventSource<Job, TrainingRun> trainingJobs;
    private final InformerEventSource<ModelVersion, TrainingRun> versions;
    private final SparkApplications sparkApplications;
    private final OperatorConfig config;

    /** Null while the Spark engine is unavailable (no SparkApplication CRD, or disabled). */
    private final InformerEventSource<GenericKubernetesResource, TrainingRun> sparkRuns;

    private TrainingJobs(
            KubernetesClient client,
            RuntimeJobs runtimeJobs,
            JobResults jobResults,
            EventRecorder events,
            VersionRegistry registry,
            InformerEventSource<FeatureView, TrainingRun> featureViews,
            InformerEventSource<Job, TrainingRun> trainingJobs,
            InformerEventSource<ModelVersion, TrainingRun> versions,
            SparkApplications sparkApplications,
            OperatorConfig config,
            InformerEventSource<GenericKubernetesResource, TrainingRun> sparkRuns) {
        this.sparkApplications = sparkApplications;
        this.config = config;
        this.sparkRuns = sparkRuns;
        this.client = client;
        this.runtimeJobs = runtimeJobs;
        this.jobResults = jobResults;
        this.events = events;
        this.registry = registry;
        this.featureViews = featureViews;
        this.trainingJobs = trainingJobs;
        this.versions = versions;
    }

    /** The FeatureViews the runs reference, mapped back through a primary-cache index. */
    private static InformerEventSourceConfiguration<FeatureView> featureViews(
            EventSourceContext<TrainingRun> context) {
        var primaries = context.getPrimaryCache();
        primaries.addIndexer(
                FEATURE_VIEW_INDEX,
                tr ->
                        referencedFeatureViews(tr).stream()
                                .map(f -> indexKey(tr.getMetadata().getNamespace(), f))
                                .toList());
        return InformerEventSourceConfiguration.from(FeatureView.class, TrainingRun.class)
                .withName("featureviews")
                .withSecondaryToPrimaryMapper(
                        (FeatureView fv) ->
                                primaries
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
    }

    /** The runs' SparkApplications; null when the cluster has no SparkApplication CRD. */
    private static InformerEventSource<GenericKubernetesResource, TrainingRun> sparkRuns(
            EventSourceContext<TrainingRun> context, SparkApplications sparkApplications) {
        // without the SparkApplication CRD an informer on it would keep the operator from
        // starting: engine spark is then refused with SparkUnavailable
        if (!sparkApplications.available()) {
            return null;
        }
        return new InformerEventSource<>(
                InformerEventSourceConfiguration.from(SparkApplications.GVK, TrainingRun.class)
                        .withName("training-spark-applications")
                        .withLabelSelector(RuntimeObjects.selector(RuntimeJobs.Runtime.trainer))
                        .withSecondaryToPrimaryMapper(
                                Mappers.<GenericKubernetesResource>fromOwnerReferences(
                                        TrainingRun.class))
                        .build(),
                context);
    }

    /** The informers on referenced FeatureViews, training Jobs and registered ModelVersions. */
    static TrainingJobs create(
            EventSourceContext<TrainingRun> context,
            KubernetesClient client,
            RuntimeJobs runtimeJobs,
            JobResults jobResults,
            EventRecorder events,
            VersionRegistry registry,
            SparkApplications sparkApplications,
            OperatorConfig config) {
        var featureViews = featureViews(context);
        var jobs =
                InformerEventSourceConfiguration.from(Job.class, TrainingRun.class)
                        .withName("training-jobs")
                        .withLabelSelector(RuntimeObjects.selector(RuntimeJobs.Runtime.trainer))
                        .withSecondaryToPrimaryMapper(
                                Mappers.<Job>fromOwnerReferences(TrainingRun.class))
                        .build();
        var versions =
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
        InformerEventSource<GenericKubernetesResource, TrainingRun> sparkRuns =
                sparkRuns(context, sparkApplications);
        return new TrainingJobs(
                client,
                runtimeJobs,
                jobResults,
                events,
                registry,
                new InformerEventSource<>(featureViews, context),
                new InformerEventSource<>(jobs, context),
                new InformerEventSource<>(versions, context),
                sparkApplications,
                config,
                sparkRuns);
    }

    List<EventSource<?, TrainingRun>> eventSources() {
        return sparkRuns == null
                ? List.of(featureViews, trainingJobs, versions)
                : List.of(featureViews, trainingJobs, versions, sparkRuns);
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

    static String indexKey(String namespace, String name) {
        return namespace + "/" + name;
    }

    /**
     * The run's training Jobs and SparkApplications, from the informers' caches (which hold what
     * they created).
     */
    List<HasMetadata> owned(TrainingRun tr) {
        List<HasMetadata> runs =
                new ArrayList<>(RuntimeObjects.ownedBy(tr, trainingJobs.getSecondaryResources(tr)));
        if (sparkRuns != null) {
            runs.addAll(RuntimeObjects.ownedBy(tr, sparkRuns.getSecondaryResources(tr)));
        }
        return runs;
    }

    /** Running, succeeded or failed: a Job's or a SparkApplication's state. */
    static JobResults.State state(HasMetadata run) {
        return run instanceof GenericKubernetesResource app
                ? SparkApplications.state(app)
                : JobResults.state((Job) run);
    }

    /** The task a training Job's pod or a SparkApplication's driver was given. */
    static Optional<Task> task(HasMetadata run) {
        if (run instanceof Job job) {
            return JobResults.task(job);
        }
        List<?> env = (List<?>) ((GenericKubernetesResource) run).get("spec", "driver", "env");
        if (env == null) {
            return Optional.empty();
        }
        for (Object e : env) {
            Map<?, ?> var =
                    e instanceof Map<?, ?> m ? m : TaskJson.MAPPER.convertValue(e, Map.class);
            if (TaskJson.TASK_ENV.equals(var.get("name")) && var.get("value") != null) {
                return Optional.of(TaskJson.readTask(var.get("value").toString()));
            }
        }
        return Optional.empty();
    }

    /** The image that trained: the Job's container's, or the SparkApplication's. */
    static String image(HasMetadata run) {
        if (run instanceof Job job) {
            return job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
        }
        Object image = ((GenericKubernetesResource) run).get("spec", "image");
        return image == null ? null : image.toString();
    }

    /** Why engine spark cannot run here, or empty when it can. */
    Optional<String> sparkUnavailable() {
        return sparkApplications.unavailable();
    }

    Optional<FeatureView> featureView(String namespace, String name) {
        return featureViews.get(new ResourceID(name, namespace));
    }

    @Override
    public Long viewGeneration(String namespace, String view) {
        return featureView(namespace, view)
                .map(fv -> fv.getMetadata().getGeneration())
                .orElse(null);
    }

    @Override
    public Optional<ModelVersion> version(String namespace, String name) {
        return versions.get(new ResourceID(name, namespace));
    }

    @Override
    public List<ModelVersion> versions(String namespace, String model) {
        return versions.list(
                        namespace,
                        mv ->
                                model.equals(
                                        mv.getMetadata().getLabels().get(ModelVersion.MODEL_LABEL)))
                .toList();
    }

    @Override
    public int runningVersion(String namespace, String model) {
        java.util.function.Predicate<HasMetadata> running =
                j ->
                        model.equals(j.getMetadata().getLabels().get(ModelVersion.MODEL_LABEL))
                                && state(j) == JobResults.State.Running;
        java.util.stream.Stream<HasMetadata> runs =
                trainingJobs.list(namespace, running::test).map(HasMetadata.class::cast);
        if (sparkRuns != null) {
            runs = java.util.stream.Stream.concat(runs, sparkRuns.list(namespace, running::test));
        }
        return runs.mapToInt(
                        j ->
                                Integer.parseInt(
                                        j.getMetadata()
                                                .getLabels()
                                                .getOrDefault(VERSION_LABEL, "0")))
                .max()
                .orElse(0);
    }

    @Override
    public void written(ModelVersion written, ModelVersion before) {
        ResourceID id = ResourceID.fromResource(written);
        if (before == null) {
            versions.handleRecentResourceCreate(id, written);
        } else {
            versions.handleRecentResourceUpdate(id, written, before);
        }
    }

    JobResults.Result result(HasMetadata run) {
        return run instanceof GenericKubernetesResource app
                ? sparkApplications.result(app)
                : jobResults.result((Job) run);
    }

    /**
     * Creates the run (put into its informer's cache at once); false when it exists already (a 409:
     * an earlier reconcile created it).
     */
    private boolean createOnce(HasMetadata run, String ns) {
        try {
            if (run instanceof GenericKubernetesResource app) {
                GenericKubernetesResource made = sparkApplications.create(app);
                sparkRuns.handleRecentResourceCreate(ResourceID.fromResource(made), made);
            } else {
                Job made = client.batch().v1().jobs().inNamespace(ns).resource((Job) run).create();
                trainingJobs.handleRecentResourceCreate(ResourceID.fromResource(made), made);
            }
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            return false;
        }
    }

    /**
     * Reserves the version number ({@link VersionRegistry#reserve}) and creates its training Job (a
     * 409 means an earlier reconcile created it); returns the active attempt.
     */
    Attempt start(
            TrainingRun tr,
            FeatureResolver.Resolution inputs,
            String trigger,
            String key,
            List<HasMetadata> owned,
            String modelsUri,
            Instant now) {
        String ns = tr.getMetadata().getNamespace();
        TrainingRunSpec spec = Defaults.copy(tr.getSpec());
        int version =
                registry.reserve(tr, key, n -> TrainTasks.task(tr, inputs, n, modelsUri), this);
        String v = Layout.versionDir(version);
        long sameVersion =
                owned.stream()
                        .filter(
                                j ->
                                        v.equals(
                                                Layout.VERSION_PREFIX
                                                        + j.getMetadata()
                                                                .getLabels()
                                                                .get(VERSION_LABEL)))
                        .count();
        // a SparkApplication's at most 56 characters: the Spark Operator adds -driver, -ui-svc
        String name =
                RuntimeObjects.name(
                        spec.engine == TrainingRunSpec.Engine.spark ? 56 : 63,
                        tr.getMetadata().getName(),
                        "train",
                        v,
                        Long.toString(sameVersion + 1));
        TrainTask task = TrainTasks.task(tr, inputs, version, modelsUri);
        boolean spark = spec.engine == TrainingRunSpec.Engine.spark;
        HasMetadata run = spark ? sparkApplication(tr, name, task) : job(tr, spec, name, task);
        run.getMetadata().getLabels().put(TRAINING_RUN_LABEL, tr.getMetadata().getName());
        run.getMetadata().getLabels().put(ModelVersion.MODEL_LABEL, spec.model);
        run.getMetadata().getLabels().put(VERSION_LABEL, Integer.toString(version));
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(KEY_ANNOTATION, key);
        annotations.put(TRIGGER_ANNOTATION, trigger);
        annotations.put(GENERATION_ANNOTATION, String.valueOf(tr.getMetadata().getGeneration()));
        annotations.put(INPUTS_ANNOTATION, TaskJson.write(inputs.inputMap()));
        run.getMetadata().setAnnotations(annotations);
        boolean created = createOnce(run, ns);
        Attempt attempt = new Attempt();
        attempt.job = name;
        attempt.version = version;
        attempt.inputs = inputs.inputMap();
        attempt.trigger = trigger;
        attempt.startedAt = now.toString();
        if (created) {
            events.normal(
                    tr,
                    TrainingRunConditions.TRAINING_STARTED,
                    (spark ? "SparkApplication " : "Job ")
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
        return attempt;
    }

    private Job job(TrainingRun tr, TrainingRunSpec spec, String name, TrainTask task) {
        Job job =
                runtimeJobs.job(
                        tr,
                        name,
                        RuntimeJobs.Runtime.trainer,
                        task,
                        spec.backoffLimit,
                        spec.activeDeadline,
                        "spec.activeDeadline",
                        TrainTasks.catalogEnv(
                                task, n -> featureView(tr.getMetadata().getNamespace(), n)),
                        spec.resources);
        PodOverrides.apply(spec.pod, job.getSpec().getTemplate());
        return job;
    }

    private GenericKubernetesResource sparkApplication(
            TrainingRun tr, String name, TrainTask task) {
        return TrainingSparkApplications.application(
                tr,
                name,
                task,
                TrainTasks.catalogEnv(task, n -> featureView(tr.getMetadata().getNamespace(), n)),
                config,
                runtimeJobs,
                client.getKubernetesSerialization());
    }
}
