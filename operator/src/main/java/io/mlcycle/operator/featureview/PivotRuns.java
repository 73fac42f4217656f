package io.mlcycle.operator.featureview;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.PodOverrides;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.FeatureViewStatus.Materialization;
import io.mlcycle.operator.common.EventRecorder;
import io.mlcycle.operator.common.JobResults;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.common.RuntimeObjects;
import io.mlcycle.task.PivotTask;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.mlcycle.operator.featureview.FeatureViewReconciler.AS_OF_LABEL;
import static io.mlcycle.operator.featureview.FeatureViewReconciler.ATTEMPT_LABEL;
import static io.mlcycle.operator.featureview.FeatureViewReconciler.TRIGGER_ANNOTATION;

/**
 * A FeatureView's pivot runs — Jobs (engine duckdb) or SparkApplications (engine spark): observed
 * from the informers' caches, started create-only under deterministic names (a start goes into the
 * cache at once, so the next reconcile sees it without a live read), their results read once
 * finished.
 */
final class PivotRuns {

    /** One pivot run: a Job or a SparkApplication, with its state. */
    record Run(HasMetadata resource, JobResults.State state) {
        String name() {
            return resource.getMetadata().getName();
        }

        boolean spark() {
            return resource instanceof GenericKubernetesResource;
        }
    }

    private final KubernetesClient client;
    private final RuntimeJobs runtimeJobs;
    private final JobResults jobResults;
    private final SparkApplications sparkApplications;
    private final EventRecorder events;
    private final InformerEventSource<Job, FeatureView> pivotJobs;
    private final InformerEventSource<GenericKubernetesResource, FeatureView> sparkRuns;

    private PivotRuns(
            KubernetesClient client,
            RuntimeJobs runtimeJobs,
            JobResults jobResults,
            SparkApplications sparkApplications,
            EventRecorder events,
            InformerEventSource<Job, FeatureView> pivotJobs,
            InformerEventSource<GenericKubernetesResource, FeatureView> sparkRuns) {
        this.client = client;
        this.runtimeJobs = runtimeJobs;
        this.jobResults = jobResults;
        this.sparkApplications = sparkApplications;
        this.events = events;
        this.pivotJobs = pivotJobs;
        this.sparkRuns = sparkRuns;
    }

    /**
     * The informers on pivot Jobs and (when the Spark engine is available) SparkApplications, their
     * events mapped to the owning view.
     */
    static PivotRuns create(
            EventSourceContext<FeatureView> context,
            KubernetesClient client,
            RuntimeJobs runtimeJobs,
            JobResults jobResults,
            SparkApplications sparkApplications,
            EventRecorder events) {
        var config =
                InformerEventSourceConfiguration.from(Job.class, FeatureView.class)
                        .withName("pivot-jobs")
                        .withLabelSelector(RuntimeObjects.selector(RuntimeJobs.Runtime.pivot))
                        .withSecondaryToPrimaryMapper(
                                Mappers.<Job>fromOwnerReferences(FeatureView.class))
                        .build();
        var pivotJobs = new InformerEventSource<>(config, context);
        if (!sparkApplications.available()) {
            // Without the SparkApplication CRD an informer on it would keep the operator from
            // starting: only the duckdb engine runs then.
            return new PivotRuns(
                    client, runtimeJobs, jobResults, sparkApplications, events, pivotJobs, null);
        }
        var spark =
                InformerEventSourceConfiguration.from(SparkApplications.GVK, FeatureView.class)
                        .withName("pivot-spark-applications")
                        .withLabelSelector(
                                RuntimeObjects.MANAGED_BY_LABEL + "=" + RuntimeObjects.MANAGED_BY)
                        .withSecondaryToPrimaryMapper(
                                Mappers.<GenericKubernetesResource>fromOwnerReferences(
                                        FeatureView.class))
                        .build();
        return new PivotRuns(
                client,
                runtimeJobs,
                jobResults,
                sparkApplications,
                events,
                pivotJobs,
                new InformerEventSource<>(spark, context));
    }

    List<EventSource<?, FeatureView>> eventSources() {
        return sparkRuns == null ? List.of(pivotJobs) : List.of(pivotJobs, sparkRuns);
    }

    /**
     * Deletes the finished pivot Jobs whose WaitingForData result the stored status already holds
     * (with their pods): polling for a late {@code _SUCCESS} marker leaves no failed Job and pod
     * behind per attempt, only the latest until the next one.
     */
    void pruneWaited(FeatureView fv, List<Run> owned) {
        var stored = fv.getStatus();
        if (stored == null || stored.waiting == null || stored.waiting.isEmpty()) {
            return;
        }
        for (Run run : owned) {
            String name = run.name();
            boolean recorded = stored.waiting.stream().anyMatch(w -> name.equals(w.job));
            boolean followed =
                    stored.active != null
                            && stored.active.stream().anyMatch(a -> name.equals(a.job));
            if (run.resource() instanceof Job
                    && run.state() == JobResults.State.Failed
                    && recorded
                    && !followed) {
                client.batch()
                        .v1()
                        .jobs()
                        .inNamespace(fv.getMetadata().getNamespace())
                        .withName(name)
                        .withPropagationPolicy(DeletionPropagation.BACKGROUND)
                        .delete();
            }
        }
    }

    /** Whether a later attempt of the same as-of exists (this one was recorded and retried). */
    static boolean superseded(List<Run> owned, Materialization active) {
        int attempt = active.attempt == null ? 1 : active.attempt;
        return owned.stream()
                .map(PivotRuns::info)
                .anyMatch(j -> j.asOf().equals(active.asOf) && j.attempt() > attempt);
    }

    /**
     * The view's pivot Jobs and, when the Spark engine is available, its SparkApplications, from
     * the informers' caches (which hold what this operator created, see {@link #start}).
     */
    List<Run> owned(FeatureView fv) {
        List<Run> runs = new ArrayList<>();
        RuntimeObjects.ownedBy(fv, pivotJobs.getSecondaryResources(fv))
                .forEach(j -> runs.add(new Run(j, JobResults.state(j))));
        if (sparkRuns != null) {
            RuntimeObjects.ownedBy(fv, sparkRuns.getSecondaryResources(fv))
                    .forEach(a -> runs.add(new Run(a, SparkApplications.state(a))));
        }
        return runs;
    }

    static MaterializationPlanner.JobInfo info(Run run) {
        var meta = run.resource().getMetadata();
        Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
        Map<String, String> annotations =
                meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
        int attempt;
        try {
            attempt = Integer.parseInt(labels.getOrDefault(ATTEMPT_LABEL, "1"));
        } catch (NumberFormatException e) {
            attempt = 1;
        }
        return new MaterializationPlanner.JobInfo(
                meta.getName(),
                labels.getOrDefault(AS_OF_LABEL, ""),
                attempt,
                annotations.get(TRIGGER_ANNOTATION),
                run.state() == JobResults.State.Running);
    }

    static Materialization fromRun(Run run) {
        var info = info(run);
        Materialization m = new Materialization();
        m.asOf = info.asOf();
        m.job = info.name();
        m.attempt = info.attempt();
        m.trigger = info.trigger();
        m.engine = engineOf(run);
        m.startedAt = run.resource().getMetadata().getCreationTimestamp();
        return m;
    }

    /** A running pivot Job's last progress report (none for SparkApplications). */
    Optional<String> progress(Run run, java.time.Instant now) {
        return run.resource() instanceof Job job ? jobResults.progress(job, now) : Optional.empty();
    }

    JobResults.Result result(Run run) {
        return run.resource() instanceof Job job
                ? jobResults.result(job)
                : sparkApplications.result((GenericKubernetesResource) run.resource());
    }

    /** Job name: {@code <fv>-pivot-<yyyymmdd>-<attempt>}, at most 63 characters. */
    public static String jobName(String featureView, String asOf, int attempt) {
        return RuntimeObjects.name(
                featureView, "pivot", asOf.replace("-", ""), Integer.toString(attempt));
    }

    /**
     * SparkApplication name: as {@link #jobName}, at most 56 characters, since the Spark Operator
     * names the driver pod {@code <name>-driver} and its UI Service {@code <name>-ui-svc}.
     */
    public static String sparkApplicationName(String featureView, String asOf, int attempt) {
        return RuntimeObjects.name(
                56, featureView, "pivot", asOf.replace("-", ""), Integer.toString(attempt));
    }

    /** Starts one run; {@code selection} narrows its online write (null: every column). */
    Materialization start(
            FeatureView fv,
            MaterializationPlanner.Start start,
            ModelColumns.Decision selection,
            Instant now) {
        FeatureViewSpec spec = Defaults.copy(fv.getSpec());
        boolean spark = spec.engine == FeatureViewSpec.Engine.spark;
        String name =
                spark
                        ? sparkApplicationName(
                                fv.getMetadata().getName(), start.asOf(), start.attempt())
                        : jobName(fv.getMetadata().getName(), start.asOf(), start.attempt());
        PivotTask task =
                selection == null
                        ? PivotTasks.task(fv, LocalDate.parse(start.asOf()))
                        : PivotTasks.task(
                                fv,
                                LocalDate.parse(start.asOf()),
                                selection.columns(),
                                selection.ranking());
        HasMetadata run;
        if (spark) {
            run = sparkApplications.application(fv, name, task);
        } else {
            run =
                    runtimeJobs.job(
                            fv,
                            name,
                            RuntimeJobs.Runtime.pivot,
                            task,
                            spec.backoffLimit,
                            spec.activeDeadline,
                            "spec.activeDeadline",
                            PivotTasks.env(spec),
                            spec.resources);
            PodOverrides.apply(spec.pod, ((Job) run).getSpec().getTemplate());
        }
        run.getMetadata().getLabels().put(AS_OF_LABEL, start.asOf());
        run.getMetadata().getLabels().put(ATTEMPT_LABEL, Integer.toString(start.attempt()));
        run.getMetadata().setAnnotations(Map.of(TRIGGER_ANNOTATION, start.trigger()));
        try {
            // Into the informer's cache at once: the next reconcile may come before its event.
            if (run instanceof Job job) {
                Job created =
                        client.batch()
                                .v1()
                                .jobs()
                                .inNamespace(fv.getMetadata().getNamespace())
                                .resource(job)
                                .create();
                pivotJobs.handleRecentResourceCreate(ResourceID.fromResource(created), created);
            } else {
                GenericKubernetesResource created =
                        sparkApplications.create((GenericKubernetesResource) run);
                sparkRuns.handleRecentResourceCreate(ResourceID.fromResource(created), created);
            }
            events.normal(
                    fv,
                    FeatureViewConditions.MATERIALIZATION_STARTED,
                    (spark ? "SparkApplication " : "pivot Job ")
                            + name
                            + " materializes as-of "
                            + start.asOf()
                            + " (window "
                            + task.window().from()
                            + " to "
                            + task.window().to()
                            + ", exclusive)");
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
        Materialization m = new Materialization();
        m.asOf = start.asOf();
        m.job = name;
        m.engine = spec.engine == null ? FeatureViewSpec.Engine.duckdb.name() : spec.engine.name();
        m.attempt = start.attempt();
        m.trigger = start.trigger();
        m.startedAt = now.toString();
        return m;
    }

    private static String engineOf(Run run) {
        return (run.spark() ? FeatureViewSpec.Engine.spark : FeatureViewSpec.Engine.duckdb).name();
    }
}
