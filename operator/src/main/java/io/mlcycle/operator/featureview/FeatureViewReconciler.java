package io.mlcycle.operator.featureview;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
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
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.FeatureViewStatus;
import io.mlcycle.operator.api.featureview.FeatureViewStatus.Materialization;
import io.mlcycle.operator.common.EventRecorder;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.common.SharedOutputs;
import io.mlcycle.operator.common.StatusUpdates;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Materializes a FeatureView: one create-only pivot run per as-of date — a Job (engine duckdb) or a
 * SparkApplication (engine spark, see {@link SparkApplications}) — its pod's summary copied into
 * status (latest good table, bounded history, dates waiting for data). Both engines share the
 * naming, labels, concurrency and the outcome path.
 */
@ControllerConfiguration(name = "featureview", generationAwareEventProcessing = false)
public class FeatureViewReconciler implements Reconciler<FeatureView> {

    public static final String AS_OF_LABEL = "mlcycle.io/as-of";
    public static final String ATTEMPT_LABEL = "mlcycle.io/attempt";
    public static final String TRIGGER_ANNOTATION = "mlcycle.io/trigger";
    public static final String INVALID_SPEC = "InvalidSpec";
    public static final String STORE_CONFLICT = "StoreConflict";
    public static final String WAITING_FOR_DATA = "WaitingForData";
    public static final String VALIDATION_FAILED = "ValidationFailed";
    public static final String ONLINE_SYNCED = "OnlineSynced";

    /** Engine spark while the operator cannot run SparkApplications. */
    public static final String SPARK_UNAVAILABLE = "SparkUnavailable";

    /**
     * The pivot published the offline table but could not write the online store: the table is good
     * (it becomes {@code latest}), the online copy is behind.
     */
    public static final String ONLINE_WRITE_FAILED = "OnlineWriteFailed";

    static final int HISTORY = 10;

    @Inject RuntimeJobs runtimeJobs;
    @Inject EventRecorder events;
    @Inject Clock clock;
    @Inject KubernetesClient client;
    @Inject SparkApplications sparkApplications;

    private InformerEventSource<Job, FeatureView> pivotJobs;
    private InformerEventSource<GenericKubernetesResource, FeatureView> sparkRuns;

    /** One pivot run: a Job or a SparkApplication, with its state. */
    record Run(HasMetadata resource, RuntimeJobs.State state) {
        String name() {
            return resource.getMetadata().getName();
        }

        boolean spark() {
            return resource instanceof GenericKubernetesResource;
        }
    }

    @Override
    public List<EventSource<?, FeatureView>> prepareEventSources(
            EventSourceContext<FeatureView> context) {
        var config =
                InformerEventSourceConfiguration.from(Job.class, FeatureView.class)
                        .withName("pivot-jobs")
                        .withLabelSelector(
                                RuntimeJobs.MANAGED_BY_LABEL
                                        + "="
                                        + RuntimeJobs.MANAGED_BY
                                        + ","
                                        + RuntimeJobs.RUNTIME_LABEL
                                        + "="
                                        + RuntimeJobs.Runtime.pivot)
                        .withSecondaryToPrimaryMapper(
                                Mappers.<Job>fromOwnerReferences(FeatureView.class))
                        .build();
        pivotJobs = new InformerEventSource<>(config, context);
        if (!sparkApplications.available()) {
            // Without the SparkApplication CRD an informer on it would keep the operator from
            // starting: only the duckdb engine runs then.
            return List.of(pivotJobs);
        }
        var spark =
                InformerEventSourceConfiguration.from(SparkApplications.GVK, FeatureView.class)
                        .withName("pivot-spark-applications")
                        .withLabelSelector(
                                RuntimeJobs.MANAGED_BY_LABEL + "=" + RuntimeJobs.MANAGED_BY)
                        .withSecondaryToPrimaryMapper(
                                Mappers.<GenericKubernetesResource>fromOwnerReferences(
                                        FeatureView.class))
                        .build();
        sparkRuns = new InformerEventSource<>(spark, context);
        return List.of(pivotJobs, sparkRuns);
    }

    @Override
    public UpdateControl<FeatureView> reconcile(FeatureView fv, Context<FeatureView> context) {
        Instant now = clock.instant();
        FeatureViewSpec spec = fv.getSpec();
        FeatureViewStatus old = fv.getStatus();
        FeatureViewStatus status = StatusUpdates.copy(old, FeatureViewStatus.class);
        Long generation = fv.getMetadata().getGeneration();
        status.observedGeneration = generation;

        var invalid = PivotTasks.invalid(spec);
        if (invalid.isPresent()) {
            Conditions.set(
                    status, INVALID_SPEC, true, INVALID_SPEC, invalid.get(), generation, now);
            return blocked(fv, status, INVALID_SPEC, invalid.get(), now);
        }
        Conditions.remove(status, INVALID_SPEC);
        if (spec.engine == FeatureViewSpec.Engine.spark && !sparkApplications.available()) {
            return blocked(
                    fv,
                    status,
                    SPARK_UNAVAILABLE,
                    "spec.engine is spark but "
                            + sparkApplications.unavailable().orElse("Spark is not available"),
                    now);
        }

        Optional<FeatureView> storeOwner =
                SharedOutputs.claimedByAnother(
                        fv,
                        context.getPrimaryCache().list(),
                        v ->
                                v.getSpec() == null || v.getSpec().store == null
                                        ? null
                                        : v.getSpec().store.uri);
        if (storeOwner.isPresent()) {
            return blocked(
                    fv,
                    status,
                    STORE_CONFLICT,
                    SharedOutputs.message("spec.store.uri", spec.store.uri, storeOwner.get()),
                    now);
        }

        List<Run> owned = ownedRuns(fv);
        Map<String, Run> byName = new HashMap<>();
        owned.forEach(r -> byName.put(r.name(), r));

        // Finished Jobs of active materializations: copy what the pod reported, once. The status
        // read here may be an older copy (a lost or re-merged status write): an entry listed twice,
        // already recorded, or superseded by a later attempt of its as-of only leaves active.
        Set<String> seen = new HashSet<>();
        for (Materialization active : new ArrayList<>(status.active)) {
            if (active.job == null
                    || !seen.add(active.job)
                    || recorded(status, active.job)
                    || superseded(owned, active)) {
                status.active.remove(active);
                continue;
            }
            Run run = byName.get(active.job);
            if (run == null) {
                boolean spark = FeatureViewSpec.Engine.spark.name().equals(active.engine);
                status.active.remove(active);
                record(
                        fv,
                        status,
                        active,
                        Summary.failure(
                                Summary.Outcome.Failed,
                                spark ? "SparkApplicationDeleted" : "JobDeleted",
                                (spark ? "SparkApplication " : "pivot Job ")
                                        + active.job
                                        + " was deleted before it finished"),
                        now);
                continue;
            }
            RuntimeJobs.Result result = result(run);
            if (result.finished()) {
                status.active.remove(active);
                record(fv, status, active, result.summary(), now);
            }
        }
        // Running Jobs the status does not know (a status update was lost): follow them.
        for (Run run : owned) {
            String name = run.name();
            boolean known = status.active.stream().anyMatch(a -> name.equals(a.job));
            if (!known && run.state() == RuntimeJobs.State.Running) {
                status.active.add(fromRun(run));
            }
        }

        List<MaterializationPlanner.JobInfo> infos =
                owned.stream().map(FeatureViewReconciler::info).collect(Collectors.toList());
        var plan =
                MaterializationPlanner.plan(
                        spec, status, infos, RuntimeJobs.shortHash(TaskJson.write(spec)), now);
        for (Materialization adopted : plan.adopted()) {
            if (status.active.stream().noneMatch(a -> adopted.job.equals(a.job))) {
                Run run = byName.get(adopted.job);
                if (run != null && run.state() == RuntimeJobs.State.Running) {
                    status.active.add(fromRun(run));
                } else if (run != null && !recorded(status, adopted.job)) {
                    // It finished before its creation reached the status (an operator restarted
                    // in between): its result is the view's, not lost.
                    record(fv, status, fromRun(run), result(run).summary(), now);
                }
            }
        }
        for (MaterializationPlanner.Start start : plan.starts()) {
            status.active.add(start(fv, start, now));
        }

        Set<String> listed = new HashSet<>();
        status.active.removeIf(a -> !listed.add(a.job));

        setConditions(status, generation, now);
        setOnlineCondition(spec, status, generation, now);
        UpdateControl<FeatureView> control = StatusUpdates.patchIfChanged(fv, status);
        if (plan.wakeAt().isPresent()) {
            Duration delay = Duration.between(now, plan.wakeAt().get());
            control.rescheduleAfter(
                    delay.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : delay);
        }
        return control;
    }

    private RuntimeJobs.Result result(Run run) {
        return run.resource() instanceof Job job
                ? runtimeJobs.result(job)
                : sparkApplications.result((GenericKubernetesResource) run.resource());
    }

    /** Whether a finished materialization of this Job is in status already. */
    static boolean recorded(FeatureViewStatus status, String job) {
        return status.history.stream().anyMatch(h -> job.equals(h.job))
                || status.waiting.stream().anyMatch(w -> job.equals(w.job))
                || (status.latest != null && job.equals(status.latest.job));
    }

    /**
     * What a view that cannot materialize shows: Degraded with the reason, not Progressing, not
     * Ready while it has no table, phase Failed, a Warning told once per message.
     */
    private UpdateControl<FeatureView> blocked(
            FeatureView fv, FeatureViewStatus status, String reason, String message, Instant now) {
        Long generation = status.observedGeneration;
        FeatureViewStatus old = fv.getStatus();
        boolean already =
                old != null
                        && Conditions.find(old.conditions, Conditions.DEGRADED)
                                .map(
                                        c ->
                                                reason.equals(c.getReason())
                                                        && message.equals(c.getMessage()))
                                .orElse(false);
        Conditions.set(status, Conditions.DEGRADED, true, reason, message, generation, now);
        Conditions.set(
                status,
                Conditions.PROGRESSING,
                false,
                reason,
                "no materialization until this is fixed",
                generation,
                now);
        if (status.latest == null) {
            Conditions.set(status, Conditions.READY, false, reason, message, generation, now);
        }
        status.phase = FeatureViewStatus.Phase.Failed;
        if (!already) {
            events.warning(fv, reason, message);
        }
        return StatusUpdates.patchIfChanged(fv, status);
    }

    /** Whether a later attempt of the same as-of exists (this one was recorded and retried). */
    private static boolean superseded(List<Run> owned, Materialization active) {
        int attempt = active.attempt == null ? 1 : active.attempt;
        return owned.stream()
                .map(FeatureViewReconciler::info)
                .anyMatch(j -> j.asOf().equals(active.asOf) && j.attempt() > attempt);
    }

    /**
     * The view's pivot Jobs and, when the Spark engine is available, its SparkApplications, from
     * the informers' caches (which hold what this operator created, see {@link #start}).
     */
    private List<Run> ownedRuns(FeatureView fv) {
        List<Run> runs = new ArrayList<>();
        RuntimeJobs.ownedBy(fv, pivotJobs.getSecondaryResources(fv))
                .forEach(j -> runs.add(new Run(j, RuntimeJobs.state(j))));
        if (sparkRuns != null) {
            RuntimeJobs.ownedBy(fv, sparkRuns.getSecondaryResources(fv))
                    .forEach(a -> runs.add(new Run(a, SparkApplications.state(a))));
        }
        return runs;
    }

    private static MaterializationPlanner.JobInfo info(Run run) {
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
                run.state() == RuntimeJobs.State.Running);
    }

    private static Materialization fromRun(Run run) {
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

    /** Job name: {@code <fv>-pivot-<yyyymmdd>-<attempt>}, at most 63 characters. */
    public static String jobName(String featureView, String asOf, int attempt) {
        return RuntimeJobs.name(
                featureView, "pivot", asOf.replace("-", ""), Integer.toString(attempt));
    }

    /**
     * SparkApplication name: as {@link #jobName}, at most 56 characters, since the Spark Operator
     * names the driver pod {@code <name>-driver} and its UI Service {@code <name>-ui-svc}.
     */
    public static String sparkApplicationName(String featureView, String asOf, int attempt) {
        return RuntimeJobs.name(
                56, featureView, "pivot", asOf.replace("-", ""), Integer.toString(attempt));
    }

    private Materialization start(FeatureView fv, MaterializationPlanner.Start start, Instant now) {
        FeatureViewSpec spec = fv.getSpec();
        boolean spark = spec.engine == FeatureViewSpec.Engine.spark;
        String name =
                spark
                        ? sparkApplicationName(
                                fv.getMetadata().getName(), start.asOf(), start.attempt())
                        : jobName(fv.getMetadata().getName(), start.asOf(), start.attempt());
        PivotTask task = PivotTasks.task(fv, LocalDate.parse(start.asOf()));
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
                            spec.backoffLimit == null ? 1 : spec.backoffLimit,
                            PivotTasks.env(spec),
                            spec.resources);
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
                    "MaterializationStarted",
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

    /** {@code as-of <date> (<Job|SparkApplication> <name>}: how every Event names a run. */
    private static String describe(Materialization m) {
        String kind =
                FeatureViewSpec.Engine.spark.name().equals(m.engine) ? "SparkApplication" : "Job";
        return "as-of " + m.asOf + " (" + kind + " " + m.job;
    }

    /** Copies one finished materialization into status and tells a person about it. */
    private void record(
            FeatureView fv,
            FeatureViewStatus status,
            Materialization active,
            Summary summary,
            Instant now) {
        Materialization m = new Materialization();
        m.asOf = active.asOf;
        m.job = active.job;
        m.engine = active.engine;
        m.attempt = active.attempt;
        m.trigger = active.trigger;
        m.startedAt = active.startedAt;
        m.completedAt = now.toString();
        m.outcome = summary.outcome().name();
        m.reason = summary.reason();
        m.message = summary.message();
        m.uri = summary.uri();
        Map<String, Double> f = summary.figures() == null ? Map.of() : summary.figures();
        m.entities = asLong(f.get("entities"));
        m.features = asLong(f.get("features"));
        m.nonZeros = asLong(f.get("nonZeros"));
        m.sparsity = f.get("sparsity");
        m.sourceRows = asLong(f.get("sourceRows"));
        m.filteredRows = asLong(f.get("filteredRows"));
        m.seconds = f.get("seconds");
        if (summary.outcome() == Summary.Outcome.Succeeded) {
            recordOnline(status, m, summary, now);
        }
        if (summary.outcome() == Summary.Outcome.Failed
                && ONLINE_WRITE_FAILED.equals(summary.reason())
                && summary.uri() != null) {
            // The offline table was published before the online write failed: training reads it.
            if (status.latest == null || status.latest.asOf.compareTo(m.asOf) <= 0) {
                status.latest = m;
            }
            addHistory(status, m);
            events.warningOnce(
                    fv,
                    ONLINE_WRITE_FAILED,
                    describe(m)
                            + ") published at "
                            + m.uri
                            + " but not written to the online store: "
                            + m.message);
            return;
        }
        switch (summary.outcome()) {
            case Succeeded -> {
                status.latest = m;
                addHistory(status, m);
                events.normalOnce(
                        fv,
                        "Materialized",
                        describe(m)
                                + "): "
                                + m.entities
                                + " entities, "
                                + m.features
                                + " features, sparsity "
                                + m.sparsity
                                + " at "
                                + m.uri);
            }
            case WaitingForData -> {
                m.nextAttemptAt = MaterializationPlanner.nextAttempt(fv.getSpec(), now).toString();
                status.waiting.removeIf(w -> m.asOf.equals(w.asOf));
                status.waiting.add(m);
                events.normalOnce(
                        fv,
                        WAITING_FOR_DATA,
                        describe(m)
                                + ", attempt "
                                + m.attempt
                                + ") waits for data, next try in "
                                + fv.getSpec().source.pollInterval
                                + ": "
                                + m.message);
            }
            case ValidationFailed -> {
                addHistory(status, m);
                events.warningOnce(
                        fv,
                        VALIDATION_FAILED,
                        describe(m) + ") failed validation (" + m.reason + "): " + m.message);
            }
            default -> {
                addHistory(status, m);
                events.warningOnce(
                        fv,
                        "MaterializationFailed",
                        describe(m) + ") failed (" + m.reason + "): " + m.message);
            }
        }
    }

    /**
     * Copies the online write of a successful pivot (figures {@code onlineEntities}, {@code
     * onlineSwitched}; details {@code onlineVersion}, {@code onlineAsOf}, {@code onlineWrittenAt})
     * into {@code status.online}; a write that did not switch (an older backfill) leaves it alone.
     */
    static void recordOnline(
            FeatureViewStatus status, Materialization m, Summary summary, Instant now) {
        Map<String, Double> f = summary.figures() == null ? Map.of() : summary.figures();
        if (!f.containsKey("onlineEntities")) {
            return;
        }
        Double switched = f.get("onlineSwitched");
        if (switched != null && switched == 0) {
            return;
        }
        Map<String, Object> d = summary.details() == null ? Map.of() : summary.details();
        FeatureViewStatus.Online online = new FeatureViewStatus.Online();
        online.asOf = d.get("onlineAsOf") instanceof String s ? s : m.asOf;
        online.version = d.get("onlineVersion") instanceof String s ? s : null;
        online.entities = asLong(f.get("onlineEntities"));
        online.writtenAt = d.get("onlineWrittenAt") instanceof String s ? s : now.toString();
        status.online = online;
    }

    /**
     * {@code OnlineSynced}: True when the online store serves the latest table's as-of; removed
     * (with {@code status.online}) when the view has no {@code spec.online}.
     */
    static void setOnlineCondition(
            FeatureViewSpec spec, FeatureViewStatus status, Long generation, Instant now) {
        if (spec.online == null) {
            Conditions.remove(status, ONLINE_SYNCED);
            status.online = null;
            return;
        }
        Materialization last = status.history.isEmpty() ? null : status.history.get(0);
        if (last != null && ONLINE_WRITE_FAILED.equals(last.reason)) {
            Conditions.set(
                    status,
                    ONLINE_SYNCED,
                    false,
                    ONLINE_WRITE_FAILED,
                    "as-of " + last.asOf + ": " + last.message,
                    generation,
                    now);
        } else if (status.latest == null) {
            Conditions.set(
                    status,
                    ONLINE_SYNCED,
                    false,
                    "NotMaterialized",
                    "no materialization has succeeded yet",
                    generation,
                    now);
        } else if (status.online == null || onlineStale(status)) {
            Conditions.set(
                    status,
                    ONLINE_SYNCED,
                    false,
                    "Behind",
                    "online store serves "
                            + (status.online == null ? "nothing" : "as-of " + status.online.asOf)
                            + ", the latest table is as-of "
                            + status.latest.asOf,
                    generation,
                    now);
        } else {
            Conditions.set(
                    status,
                    ONLINE_SYNCED,
                    true,
                    "Synced",
                    "online store serves as-of "
                            + status.online.asOf
                            + " ("
                            + status.online.entities
                            + " entities, version "
                            + status.online.version
                            + ")",
                    generation,
                    now);
        }
    }

    /** True when the latest table is newer than what the online store serves (or it has none). */
    public static boolean onlineStale(FeatureViewStatus status) {
        if (status == null || status.latest == null || status.latest.asOf == null) {
            return false;
        }
        return status.online == null
                || status.online.asOf == null
                || status.online.asOf.compareTo(status.latest.asOf) < 0;
    }

    private static void addHistory(FeatureViewStatus status, Materialization m) {
        status.history.add(0, m);
        while (status.history.size() > HISTORY) {
            status.history.remove(status.history.size() - 1);
        }
    }

    private static Long asLong(Double d) {
        return d == null ? null : Math.round(d);
    }

    /** Ready, Progressing, Degraded, WaitingForData, ValidationFailed and the phase. */
    static void setConditions(FeatureViewStatus status, Long generation, Instant now) {
        Materialization last = status.history.isEmpty() ? null : status.history.get(0);
        boolean lastFailed = last != null && !"Succeeded".equals(last.outcome);
        if (status.latest != null) {
            Conditions.set(
                    status,
                    Conditions.READY,
                    true,
                    "Materialized",
                    "as-of "
                            + status.latest.asOf
                            + ": "
                            + status.latest.entities
                            + " entities, "
                            + status.latest.features
                            + " features",
                    generation,
                    now);
        } else {
            String reason =
                    !status.waiting.isEmpty()
                            ? WAITING_FOR_DATA
                            : lastFailed
                                    ? last.reason
                                    : !status.active.isEmpty() ? "Materializing" : "Pending";
            Conditions.set(
                    status,
                    Conditions.READY,
                    false,
                    reason,
                    "no materialization has succeeded yet",
                    generation,
                    now);
        }
        boolean progressing = !status.active.isEmpty() || !status.queued.isEmpty();
        Conditions.set(
                status,
                Conditions.PROGRESSING,
                progressing,
                progressing ? "Materializing" : "Idle",
                progressing
                        ? "running: "
                                + status.active.stream()
                                        .map(a -> a.job)
                                        .collect(Collectors.joining(", "))
                                + (status.queued.isEmpty()
                                        ? ""
                                        : "; queued as-of: "
                                                + status.queued.stream()
                                                        .map(q -> q.asOf)
                                                        .collect(Collectors.joining(", ")))
                        : "no materialization running",
                generation,
                now);
        Conditions.set(
                status,
                Conditions.DEGRADED,
                lastFailed,
                lastFailed ? last.reason : "AsExpected",
                lastFailed ? "as-of " + last.asOf + ": " + last.message : "",
                generation,
                now);
        boolean waiting = !status.waiting.isEmpty();
        Conditions.set(
                status,
                WAITING_FOR_DATA,
                waiting,
                waiting ? "PartitionsMissing" : "DataAvailable",
                waiting
                        ? status.waiting.stream()
                                .map(
                                        w ->
                                                "as-of "
                                                        + w.asOf
                                                        + " (attempt "
                                                        + w.attempt
                                                        + ", next try "
                                                        + w.nextAttemptAt
                                                        + "): "
                                                        + w.message)
                                .collect(Collectors.joining("; "))
                        : "",
                generation,
                now);
        boolean validationFailed = last != null && VALIDATION_FAILED.equals(last.outcome);
        Conditions.set(
                status,
                VALIDATION_FAILED,
                validationFailed,
                validationFailed ? last.reason : "Passed",
                validationFailed ? "as-of " + last.asOf + ": " + last.message : "",
                generation,
                now);
        if (!status.active.isEmpty()) {
            status.phase = FeatureViewStatus.Phase.Materializing;
        } else if (waiting) {
            status.phase = FeatureViewStatus.Phase.WaitingForData;
        } else if (lastFailed) {
            status.phase = FeatureViewStatus.Phase.Failed;
        } else if (status.latest != null) {
            status.phase = FeatureViewStatus.Phase.Ready;
        } else {
            status.phase = FeatureViewStatus.Phase.Pending;
        }
    }
}
