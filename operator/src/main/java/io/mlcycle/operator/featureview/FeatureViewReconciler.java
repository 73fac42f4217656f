package io.mlcycle.operator.featureview;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.FeatureViewStatus;
import io.mlcycle.operator.api.featureview.FeatureViewStatus.Materialization;
import io.mlcycle.operator.common.EventRecorder;
import io.mlcycle.operator.common.JobResults;
import io.mlcycle.operator.common.ObjectStorage;
import io.mlcycle.operator.common.OutboundPolicy;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.common.RuntimeObjects;
import io.mlcycle.operator.common.SharedOutputs;
import io.mlcycle.operator.common.StatusUpdates;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Instant;
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
    public static final String INVALID_SPEC = FeatureViewConditions.INVALID_SPEC;
    public static final String STORE_CONFLICT = FeatureViewConditions.STORE_CONFLICT;
    public static final String WAITING_FOR_DATA = FeatureViewConditions.WAITING_FOR_DATA;
    public static final String VALIDATION_FAILED = FeatureViewConditions.VALIDATION_FAILED;
    public static final String ONLINE_SYNCED = FeatureViewConditions.ONLINE_SYNCED;

    /** Engine spark while the operator cannot run SparkApplications. */
    public static final String SPARK_UNAVAILABLE = FeatureViewConditions.SPARK_UNAVAILABLE;

    /**
     * The pivot published the offline table but could not write the online store: the table is good
     * (it becomes {@code latest}), the online copy is behind.
     */
    public static final String ONLINE_WRITE_FAILED = FeatureViewConditions.ONLINE_WRITE_FAILED;

    static final int HISTORY = 10;

    @Inject RuntimeJobs runtimeJobs;
    @Inject JobResults jobResults;
    @Inject EventRecorder events;
    @Inject Clock clock;
    @Inject KubernetesClient client;
    @Inject SparkApplications sparkApplications;
    @Inject ObjectStorage objectStorage;
    @Inject OutboundPolicy outbound;

    @Inject MaterializationRecorder recorder;

    private PivotRuns runs;
    private OnlineSelections selections;

    @Override
    public List<EventSource<?, FeatureView>> prepareEventSources(
            EventSourceContext<FeatureView> context) {
        runs =
                PivotRuns.create(
                        context, client, runtimeJobs, jobResults, sparkApplications, events);
        selections = OnlineSelections.create(context, events);
        List<EventSource<?, FeatureView>> sources = new ArrayList<>(runs.eventSources());
        sources.add(selections.eventSource());
        return sources;
    }

    @Override
    public UpdateControl<FeatureView> reconcile(FeatureView fv, Context<FeatureView> context) {
        Instant now = clock.instant();
        FeatureViewSpec spec = fv.getSpec();
        FeatureViewStatus old = fv.getStatus();
        FeatureViewStatus status = StatusUpdates.copy(old, FeatureViewStatus.class);
        Long generation = fv.getMetadata().getGeneration();
        status.observedGeneration = generation;

        Optional<UpdateControl<FeatureView>> cannot = cannotMaterialize(fv, status, context, now);
        if (cannot.isPresent()) {
            return cannot.get();
        }

        ModelColumns.Decision selection = selections.decide(fv, status, now);
        List<PivotRuns.Run> owned = runs.owned(fv);
        runs.pruneWaited(fv, owned);
        Map<String, PivotRuns.Run> byName = new HashMap<>();
        owned.forEach(r -> byName.put(r.name(), r));

        follow(fv, status, owned, byName, now);

        List<MaterializationPlanner.JobInfo> infos =
                owned.stream().map(PivotRuns::info).collect(Collectors.toList());
        var plan =
                MaterializationPlanner.plan(
                        Defaults.copy(spec),
                        status,
                        infos,
                        RuntimeObjects.shortHash(TaskJson.write(spec)),
                        now);
        for (Materialization adopted : plan.adopted()) {
            if (status.active.stream().noneMatch(a -> adopted.job.equals(a.job))) {
                PivotRuns.Run run = byName.get(adopted.job);
                if (run != null && run.state() == JobResults.State.Running) {
                    status.active.add(PivotRuns.fromRun(run));
                } else if (run != null && !MaterializationRecorder.recorded(status, adopted.job)) {
                    // It finished before its creation reached the status (an operator restarted
                    // in between): its result is the view's, not lost.
                    recorder.record(
                            fv, status, PivotRuns.fromRun(run), runs.result(run).summary(), now);
                }
            }
        }
        for (MaterializationPlanner.Start start : plan.starts()) {
            status.active.add(runs.start(fv, start, selection, now));
        }

        Set<String> listed = new HashSet<>();
        status.active.removeIf(a -> !listed.add(a.job));

        MaterializationRecorder.setConditions(status, generation, now);
        MaterializationRecorder.setOnlineCondition(spec, status, generation, now);
        UpdateControl<FeatureView> control = StatusUpdates.patchIfChanged(fv, status);
        jobResults
                .nextReconcile(now, plan.wakeAt(), !status.active.isEmpty())
                .ifPresent(control::rescheduleAfter);
        return control;
    }

    /**
     * The one validation path of a FeatureView, then what it needs before it can materialize
     * (Spark, object storage, a store no other view writes); the blocked status when something is
     * missing.
     */
    private Optional<UpdateControl<FeatureView>> cannotMaterialize(
            FeatureView fv, FeatureViewStatus status, Context<FeatureView> context, Instant now) {
        FeatureViewSpec spec = fv.getSpec();
        Long generation = fv.getMetadata().getGeneration();
        var invalid =
                PivotTasks.invalid(spec)
                        .or(
                                () ->
                                        IcebergCatalogs.catalogRefusal(
                                                spec.store == null ? null : spec.store.catalog,
                                                "spec.store.catalog",
                                                outbound));
        if (invalid.isPresent()) {
            Conditions.set(
                    status, INVALID_SPEC, true, INVALID_SPEC, invalid.get(), generation, now);
            return Optional.of(blocked(fv, status, INVALID_SPEC, invalid.get(), now));
        }
        Conditions.remove(status, INVALID_SPEC);
        if (spec.engine == FeatureViewSpec.Engine.spark && !sparkApplications.available()) {
            return Optional.of(
                    blocked(
                            fv,
                            status,
                            SPARK_UNAVAILABLE,
                            "spec.engine is spark but "
                                    + sparkApplications
                                            .unavailable()
                                            .orElse("Spark is not available"),
                            now));
        }

        Optional<ObjectStorage.Problem> storage = objectStorage.problem(fv);
        if (storage.isPresent()) {
            return Optional.of(
                    blocked(fv, status, storage.get().reason(), storage.get().message(), now)
                            .rescheduleAfter(ObjectStorage.RECHECK));
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
            return Optional.of(
                    blocked(
                            fv,
                            status,
                            STORE_CONFLICT,
                            SharedOutputs.message(
                                    "spec.store.uri", spec.store.uri, storeOwner.get()),
                            now));
        }
        return Optional.empty();
    }

    /**
     * Follows the active materializations: a finished run's result recorded once, a deleted one
     * recorded as failed, progress of the running ones; running Jobs the status lost followed
     * again.
     */
    private void follow(
            FeatureView fv,
            FeatureViewStatus status,
            List<PivotRuns.Run> owned,
            Map<String, PivotRuns.Run> byName,
            Instant now) {
        // Finished Jobs of active materializations: copy what the pod reported, once. The status
        // read here may be an older copy (a lost or re-merged status write): an entry listed twice,
        // already recorded, or superseded by a later attempt of its as-of only leaves active.
        Set<String> seen = new HashSet<>();
        for (Materialization active : new ArrayList<>(status.active)) {
            if (active.job == null
                    || !seen.add(active.job)
                    || MaterializationRecorder.recorded(status, active.job)
                    || PivotRuns.superseded(owned, active)) {
                status.active.remove(active);
                continue;
            }
            PivotRuns.Run run = byName.get(active.job);
            if (run == null) {
                boolean spark = FeatureViewSpec.Engine.spark.name().equals(active.engine);
                status.active.remove(active);
                recorder.record(
                        fv,
                        status,
                        active,
                        Summary.failure(
                                Summary.Outcome.Failed,
                                spark
                                        ? FeatureViewConditions.SPARK_APPLICATION_DELETED
                                        : FeatureViewConditions.JOB_DELETED,
                                (spark ? "SparkApplication " : "pivot Job ")
                                        + active.job
                                        + " was deleted before it finished"),
                        now);
                continue;
            }
            JobResults.Result result = runs.result(run);
            if (result.finished()) {
                status.active.remove(active);
                recorder.record(fv, status, active, result.summary(), now);
            } else {
                active.progress = runs.progress(run, now).orElse(active.progress);
            }
        }
        // Running Jobs the status does not know (a status update was lost): follow them.
        for (PivotRuns.Run run : owned) {
            String name = run.name();
            boolean known = status.active.stream().anyMatch(a -> name.equals(a.job));
            if (!known && run.state() == JobResults.State.Running) {
                status.active.add(PivotRuns.fromRun(run));
            }
        }
    }

    /**
     * What a view that cannot materialize shows: Degraded with the reason, not Progressing, not
     * Ready while it has no table, phase Failed, a Warning told once per message.
     */
    private UpdateControl<FeatureView> blocked(
            FeatureView fv, FeatureViewStatus status, String reason, String message, Instant now) {
        Long generation = status.observedGeneration;
        boolean already = Conditions.says(fv.getStatus(), Conditions.DEGRADED, reason, message);
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
}
