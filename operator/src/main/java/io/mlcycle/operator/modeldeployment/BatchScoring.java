package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.StoreFormat;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.BatchStatus;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.modelversion.ModelVersionSpec;
import io.mlcycle.operator.common.JobResults;
import io.mlcycle.operator.common.RuntimeObjects;
import io.mlcycle.operator.common.Schedules;
import io.mlcycle.operator.common.SharedOutputs;
import io.mlcycle.operator.featureview.IcebergCatalogs;
import io.mlcycle.operator.featureview.SparkApplications;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.Layout;
import io.mlcycle.task.PivotSummary;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.ScoreSummary;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.task.Task;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static io.mlcycle.operator.modeldeployment.ModelDeploymentReconciler.BATCH_OUTPUT_CONFLICT;

/**
 * Batch scoring on {@code spec.batch.schedule}: one create-only run per fire time, a Job (engine
 * pod) or a SparkApplication (engine spark, see {@link ScoringSparkApplications}).
 */
final class BatchScoring {

    static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmm");
    static final Duration WAIT_RETRY = Duration.ofMinutes(1);

    /** The condition of the last finished batch run: False names its cause. */
    static final String BATCH_SCORED = "BatchScored";

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
            followActive(r, md, status, b, now);
        }
        if (b.activeJob != null) {
            // Like a CronJob with concurrencyPolicy Forbid: a fire while a run is still active
            // waits for it, then the latest fire since the last start runs once.
            return WAIT_RETRY;
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
        Inputs in = inputs(r, md, served);
        if (in.waitingFor() != null) {
            b.lastMessage = in.waitingFor();
            return WAIT_RETRY;
        }
        List<FeatureInput> inputs = in.features();
        String entity = in.entity();
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
                        served.getSpec().artifactDigest,
                        scoresTable(md));
        List<EnvVar> env = new ArrayList<>(in.catalogEnv());
        env.addAll(
                IcebergCatalogs.catalogEnv(
                        spec.output.catalog,
                        PodEnv.SCORES_CATALOG_USER,
                        PodEnv.SCORES_CATALOG_PASSWORD,
                        PodEnv.SCORES_CATALOG_TOKEN));
        String name = jobName(md, fire.get());
        if (!start(r, md, status, name, task, env, now)) {
            b.lastScheduleTime = fire.get().toInstant().toString();
            return untilNext;
        }
        b.lastScheduleTime = fire.get().toInstant().toString();
        b.activeJob = name;
        b.lastAsOf = asOf;
        b.lastMessage = null;
        return untilNext;
    }

    /**
     * The Iceberg table of {@code spec.batch.output} with {@code format: iceberg} (table unset:
     * {@code <deployment>_scores}, which no FeatureView's default table name can be, since
     * Kubernetes names have no underscore), or null for dated directories.
     */
    static TableCatalog scoresTable(ModelDeployment md) {
        ModelDeploymentSpec.Output out = Defaults.copy(md.getSpec().batch.output);
        if (out.format != StoreFormat.iceberg || out.catalog == null) {
            return null;
        }
        return IcebergCatalogs.table(
                out.catalog,
                out.uri,
                md.getMetadata().getName() + "_scores",
                PodEnv.SCORES_CATALOG_USER,
                PodEnv.SCORES_CATALOG_PASSWORD,
                PodEnv.SCORES_CATALOG_TOKEN);
    }

    /**
     * The served version's feature tables as they are now (an Iceberg view's input names its
     * catalog, and {@code catalogEnv} its credentials), or what they still wait for.
     */
    private record Inputs(
            List<FeatureInput> features,
            String entity,
            String waitingFor,
            List<EnvVar> catalogEnv) {}

    private static Inputs inputs(ServingContext r, ModelDeployment md, ModelVersion served) {
        String ns = md.getMetadata().getNamespace();
        List<FeatureInput> inputs = new ArrayList<>();
        Map<String, FeatureView> views = new HashMap<>();
        String entity = null;
        for (String name : featureViews(md, served)) {
            FeatureView fv =
                    r.client().resources(FeatureView.class).inNamespace(ns).withName(name).get();
            if (fv == null
                    || fv.getStatus() == null
                    || fv.getStatus().latest == null
                    || fv.getStatus().latest.uri == null) {
                return new Inputs(
                        List.of(),
                        null,
                        "waiting for FeatureView "
                                + name
                                + (fv == null ? " (not found)" : " to have a materialization"),
                        List.of());
            }
            // an Iceberg view's input names its table: the scorer plans the as-of's tag
            inputs.add(
                    new FeatureInput(
                            name,
                            fv.getStatus().latest.asOf,
                            fv.getStatus().latest.uri,
                            IcebergCatalogs.catalog(fv),
                            null));
            views.put(name, fv);
            if (entity == null) {
                entity = fv.getSpec().entity;
            }
        }
        return new Inputs(
                inputs,
                entity,
                null,
                IcebergCatalogs.catalogEnv(inputs, n -> Optional.ofNullable(views.get(n))));
    }

    /**
     * Why the Spark engine cannot run this scoring, as the run's failed summary, or null: Spark is
     * not available.
     */
    private static Summary sparkRefusal(ServingContext r) {
        if (!r.sparkApplications().available()) {
            return Summary.failure(
                    Summary.Outcome.Invalid,
                    "SparkUnavailable",
                    "spec.batch.engine is spark but "
                            + r.sparkApplications().unavailable().orElse("Spark is unavailable")
                            + "; set spec.batch.engine: pod to score in one pod");
        }
        return null;
    }

    /** Whether {@code spec.batch.engine} is spark. */
    static boolean onSpark(ModelDeployment md) {
        return md.getSpec().batch != null
                && md.getSpec().batch.engine == ModelDeploymentSpec.BatchEngine.spark;
    }

    /**
     * Creates the run of one fire time unless it exists: a Job, or with engine spark a
     * SparkApplication; false (and BatchScored False naming the setting) when the Spark engine is
     * not available. The pod (or the Spark driver and executors) gets {@code catalogEnv}, the
     * credentials of an Iceberg input's catalog.
     */
    private static boolean start(
            ServingContext r,
            ModelDeployment md,
            ModelDeploymentStatus status,
            String name,
            ScoreTask task,
            List<EnvVar> catalogEnv,
            Instant now) {
        ModelDeploymentSpec.Batch spec = md.getSpec().batch;
        String ns = md.getMetadata().getNamespace();
        String asOf = task.asOf();
        if (onSpark(md)) {
            Summary refused = sparkRefusal(r);
            if (refused != null) {
                finished(r, md, status, name, refused, now);
                return false;
            }
            var apps = r.client().genericKubernetesResources(SparkApplications.CONTEXT);
            if (apps.inNamespace(ns).withName(name).get() == null) {
                r.sparkApplications()
                        .create(
                                ScoringSparkApplications.application(
                                        md,
                                        name,
                                        task,
                                        catalogEnv,
                                        r.config(),
                                        r.runtimeJobs(),
                                        r.client().getKubernetesSerialization()));
                r.events()
                        .normal(
                                md,
                                "BatchScoringStarted",
                                "SparkApplication " + name + " scores as of " + asOf);
            }
            return true;
        }
        if (r.createServerJob(
                md,
                name,
                task,
                1,
                Defaults.copy(spec).activeDeadline,
                "spec.batch.activeDeadline",
                catalogEnv)) {
            r.events().normal(md, "BatchScoringStarted", "Job " + name + " scores as of " + asOf);
        }
        return true;
    }

    /** Reads the active run (Job or SparkApplication) and records its outcome once it finished. */
    private static void followActive(
            ServingContext r,
            ModelDeployment md,
            ModelDeploymentStatus status,
            BatchStatus b,
            Instant now) {
        String ns = md.getMetadata().getNamespace();
        ResourceID id = new ResourceID(b.activeJob, ns);
        JobResults.Result result = null;
        // a SparkApplication from the cache first (a Spark run costs no GET of a Job), or one
        // just created that the cache has not seen yet
        GenericKubernetesResource app =
                r.sparkRuns() == null ? null : r.sparkRuns().get(id).orElse(null);
        if (app == null && r.sparkRuns() != null && onSpark(md)) {
            app =
                    r.client()
                            .genericKubernetesResources(SparkApplications.CONTEXT)
                            .inNamespace(ns)
                            .withName(b.activeJob)
                            .get();
        }
        if (app != null) {
            result = r.sparkApplications().result(app);
            if (result.finished()) {
                result =
                        new JobResults.Result(
                                result.state(),
                                ScoringSparkApplications.explained(result.summary()));
            }
        } else {
            Job job = r.job(md, b.activeJob);
            result = job == null ? null : r.jobResults().result(job);
        }
        if (result == null) {
            b.lastOutcome = "Failed";
            b.lastMessage = "run " + b.activeJob + " disappeared before it finished";
            b.activeJob = null;
        } else if (result.finished()) {
            finished(r, md, status, b.activeJob, result.summary(), now);
        }
    }

    /**
     * Records a finished run: the last outcome, and the BatchScored condition (False naming the
     * cause; a failed run keeps the last good scores, lastUri stays theirs).
     */
    private static void finished(
            ServingContext r,
            ModelDeployment md,
            ModelDeploymentStatus status,
            String run,
            Summary s,
            Instant now) {
        BatchStatus b = status.batch;
        Long gen = md.getMetadata().getGeneration();
        b.lastOutcome = s.outcome().name();
        b.lastMessage = s.message();
        b.activeJob = null;
        if (s.outcome() == Summary.Outcome.Succeeded) {
            b.lastUri = s.uri();
            b.lastRows = figure(s, ScoreSummary.ROWS, PivotSummary.ENTITIES);
            ScoreSummary.Committed committed = ScoreSummary.committed(s);
            b.lastTable = committed == null ? null : committed.table();
            b.lastSnapshotId = committed == null ? null : committed.snapshotId();
            String into =
                    committed == null
                            ? s.uri()
                            : committed.table()
                                    + " as snapshot "
                                    + committed.snapshotId()
                                    + " (tag asOf-"
                                    + committed.asOf()
                                    + ")";
            Conditions.set(
                    status, BATCH_SCORED, true, "Succeeded", "scored into " + into, gen, now);
            r.events()
                    .normal(
                            md,
                            "BatchScored",
                            "scored "
                                    + (b.lastRows == null ? "" : b.lastRows + " rows ")
                                    + "as of "
                                    + b.lastAsOf
                                    + " into "
                                    + into);
        } else {
            Conditions.set(status, BATCH_SCORED, false, s.reason(), s.message(), gen, now);
            r.events()
                    .warning(
                            md, "BatchScoringFailed", run + ": " + s.reason() + ": " + s.message());
        }
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
