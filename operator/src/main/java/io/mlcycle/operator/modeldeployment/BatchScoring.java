package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.PodOverrides;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.BatchStatus;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.modelversion.ModelVersionSpec;
import io.mlcycle.operator.common.JobResults;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.common.RuntimeObjects;
import io.mlcycle.operator.common.Schedules;
import io.mlcycle.operator.common.SharedOutputs;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.Layout;
import io.mlcycle.task.PivotSummary;
import io.mlcycle.task.ScoreSummary;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.Task;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static io.mlcycle.operator.modeldeployment.ModelDeploymentReconciler.BATCH_OUTPUT_CONFLICT;

/** Batch scoring on {@code spec.batch.schedule}: one create-only Job per fire time. */
final class BatchScoring {

    static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmm");
    static final Duration WAIT_RETRY = Duration.ofMinutes(1);

    private BatchScoring() {}

    /** The Job name of one fire time. */
    static String jobName(ModelDeployment md, ZonedDateTime fire) {
        return RuntimeObjects.name(
                md.getMetadata().getName(),
                "score",
                NAME_TIME.format(fire.withZoneSameInstant(ZoneOffset.UTC)));
    }

    /** {@code <output.uri>/asOf=<date>/}. */
    static String outputUri(String base, String asOf) {
        String root = base.endsWith("/") ? base : base + "/";
        return root + Layout.asOfDir(asOf) + "/";
    }

    /**
     * Batch scoring of {@code served} when {@code spec.batch} is set, unless another deployment of
     * {@code all} (the first created) writes the same output, which BatchOutputConflict says;
     * returns the delay until the next fire (or a retry), or null.
     */
    static Duration reconcile(
            ServingContext r,
            ModelDeployment md,
            Stream<ModelDeployment> all,
            ModelDeploymentStatus status,
            ModelVersion served,
            Instant now) {
        ModelDeploymentSpec spec = md.getSpec();
        Long gen = md.getMetadata().getGeneration();
        Optional<ModelDeployment> outputOwner =
                spec.batch == null || spec.batch.output == null
                        ? Optional.empty()
                        : SharedOutputs.claimedByAnother(
                                md,
                                all,
                                d ->
                                        d.getSpec() == null
                                                        || d.getSpec().batch == null
                                                        || d.getSpec().batch.output == null
                                                ? null
                                                : d.getSpec().batch.output.uri);
        if (outputOwner.isPresent()) {
            String message =
                    SharedOutputs.message(
                                    "spec.batch.output.uri",
                                    spec.batch.output.uri,
                                    outputOwner.get())
                            + "; no batch scoring until then";
            boolean already =
                    Conditions.find(status.conditions, BATCH_OUTPUT_CONFLICT)
                            .map(c -> message.equals(c.getMessage()))
                            .orElse(false);
            Conditions.set(
                    status, BATCH_OUTPUT_CONFLICT, true, BATCH_OUTPUT_CONFLICT, message, gen, now);
            if (!already) {
                r.events().warning(md, BATCH_OUTPUT_CONFLICT, message);
            }
            return null;
        }
        Conditions.remove(status, BATCH_OUTPUT_CONFLICT);
        if (spec.batch == null) {
            status.batch = null;
            return null;
        }
        return scheduled(r, md, status, served, now);
    }

    /**
     * Follows the running Job, starts one when the schedule fired since the last start; returns the
     * delay until the next fire (or a retry).
     */
    private static Duration scheduled(
            ServingContext r,
            ModelDeployment md,
            ModelDeploymentStatus status,
            ModelVersion served,
            Instant now) {
        ModelDeploymentSpec.Batch spec = md.getSpec().batch;
        Schedules schedule = Schedules.parse(spec.schedule, "UTC", "spec.batch.schedule");
        BatchStatus b = status.batch == null ? new BatchStatus() : status.batch;
        status.batch = b;
        String ns = md.getMetadata().getNamespace();

        if (b.activeJob != null) {
            Job job =
                    r.jobs()
                            .get(
                                    new io.javaoperatorsdk.operator.processing.event.ResourceID(
                                            b.activeJob, ns))
                            .orElseGet(
                                    () ->
                                            r.client()
                                                    .batch()
                                                    .v1()
                                                    .jobs()
                                                    .inNamespace(ns)
                                                    .withName(b.activeJob)
                                                    .get());
            if (job == null) {
                b.lastOutcome = "Failed";
                b.lastMessage = "Job " + b.activeJob + " disappeared before it finished";
                b.activeJob = null;
            } else {
                JobResults.Result result = r.jobResults().result(job);
                if (result.finished()) {
                    Summary s = result.summary();
                    b.lastOutcome = s.outcome().name();
                    b.lastMessage = s.message();
                    b.lastUri = s.uri();
                    b.lastRows = figure(s, ScoreSummary.ROWS, PivotSummary.ENTITIES);
                    b.activeJob = null;
                    if (s.outcome() == Summary.Outcome.Succeeded) {
                        r.events()
                                .normal(
                                        md,
                                        "BatchScored",
                                        "scored "
                                                + (b.lastRows == null ? "" : b.lastRows + " rows ")
                                                + "as of "
                                                + b.lastAsOf
                                                + " into "
                                                + b.lastUri);
                    } else {
                        r.events()
                                .warning(
                                        md,
                                        "BatchScoringFailed",
                                        job.getMetadata().getName()
                                                + ": "
                                                + s.reason()
                                                + ": "
                                                + s.message());
                    }
                }
            }
        }

        if (b.lastScheduleTime == null) {
            // Like a CronJob: fire times before the resource existed are not made up.
            String created = md.getMetadata().getCreationTimestamp();
            b.lastScheduleTime = created == null ? now.toString() : created;
        }
        Instant baseline = Instant.parse(b.lastScheduleTime);
        Optional<ZonedDateTime> fire = schedule.lastFire(now);
        Duration untilNext =
                schedule.nextFire(now).map(n -> Duration.between(now, n.toInstant())).orElse(null);
        if (fire.isEmpty() || !fire.get().toInstant().isAfter(baseline)) {
            return untilNext;
        }
        String asOf = fire.get().withZoneSameInstant(ZoneOffset.UTC).toLocalDate().toString();
        List<FeatureInput> inputs = new ArrayList<>();
        String entity = null;
        for (String name : featureViews(md, served)) {
            FeatureView fv =
                    r.client().resources(FeatureView.class).inNamespace(ns).withName(name).get();
            if (fv == null
                    || fv.getStatus() == null
                    || fv.getStatus().latest == null
                    || fv.getStatus().latest.uri == null) {
                b.lastMessage =
                        "waiting for FeatureView "
                                + name
                                + (fv == null ? " (not found)" : " to have a materialization");
                return WAIT_RETRY;
            }
            inputs.add(
                    new FeatureInput(name, fv.getStatus().latest.asOf, fv.getStatus().latest.uri));
            if (entity == null) {
                entity = fv.getSpec().entity;
            }
        }
        if (inputs.isEmpty()) {
            b.lastMessage =
                    "no FeatureView to score: set spec.batch.featureViews or serve a version"
                            + " with lineage";
            b.lastScheduleTime = fire.get().toInstant().toString();
            return untilNext;
        }
        ScoreTask task =
                new ScoreTask(
                        new Task.Owner(md.getKind(), ns, md.getMetadata().getName()),
                        md.getSpec().model,
                        served.getSpec().version,
                        served.getSpec().artifactUri,
                        asOf,
                        entity,
                        inputs,
                        outputUri(spec.output.uri, asOf),
                        served.getSpec().artifactDigest);
        String name = jobName(md, fire.get());
        var jobs = r.client().batch().v1().jobs().inNamespace(ns);
        if (jobs.withName(name).get() == null) {
            Job job =
                    r.runtimeJobs()
                            .job(
                                    md,
                                    name,
                                    RuntimeJobs.Runtime.server,
                                    task,
                                    1,
                                    Defaults.copy(spec).activeDeadline,
                                    "spec.batch.activeDeadline",
                                    List.of(),
                                    md.getSpec().resources);
            PodOverrides.apply(md.getSpec().pod, job.getSpec().getTemplate());
            jobs.resource(job).create();
            r.events().normal(md, "BatchScoringStarted", "Job " + name + " scores as of " + asOf);
        }
        b.lastScheduleTime = fire.get().toInstant().toString();
        b.activeJob = name;
        b.lastAsOf = asOf;
        b.lastMessage = null;
        return untilNext;
    }

    private static List<String> featureViews(ModelDeployment md, ModelVersion served) {
        if (md.getSpec().batch.featureViews != null && !md.getSpec().batch.featureViews.isEmpty()) {
            return md.getSpec().batch.featureViews;
        }
        ModelVersionSpec.Lineage lineage = served.getSpec().lineage;
        if (lineage == null || lineage.featureViews == null) {
            return List.of();
        }
        return lineage.featureViews.stream().map(f -> f.name).toList();
    }

    private static Long figure(Summary s, String... keys) {
        if (s.figures() == null) {
            return null;
        }
        for (String k : keys) {
            Double v = s.figures().get(k);
            if (v != null) {
                return v.longValue();
            }
        }
        return null;
    }
}
