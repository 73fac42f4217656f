package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mlcycle.operator.analysis.PairedJudge;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.ReplayResult;
import io.mlcycle.operator.api.ReplayResult.Phase;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modeldeployment.ReplaySpec;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.modelversion.ModelVersionStatus;
import io.mlcycle.operator.common.JobResults;
import io.mlcycle.operator.common.RuntimeObjects;
import io.mlcycle.operator.common.StatusUpdates;
import io.mlcycle.task.ReplaySummary;
import io.mlcycle.task.ReplayTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.Task;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

/**
 * The offline replay gate in action ({@code spec.rollout.replay}): for a new version about to
 * replace or challenge the served one, runs a replay Job (the server runtime's replay task), reads
 * its summary from the Job in the informer cache, records the verdict ({@link ReplayGate}) in the
 * ModelDeployment's and the new ModelVersion's status with the ReplayPassed condition and an Event,
 * and holds the rollout while the gate says so.
 */
final class ReplayJobs {

    private static final Logger LOG = Logger.getLogger(ReplayJobs.class);

    /** How often a running replay is looked at besides its Job's events. */
    static final Duration POLL = Duration.ofSeconds(30);

    private ReplayJobs() {}

    /**
     * The resolution to roll out (the served version's while a version change or canary is held)
     * and when to look again (null: on the next change).
     */
    record Gated(VersionResolver.Resolution resolution, Duration next) {}

    /**
     * The gate for {@code resolution} (what the served version's analysis and the feature gate let
     * through; nothing is gated right after a rollback) against the version {@code served}.
     */
    static Gated reconcile(
            ServingContext r,
            ModelDeployment md,
            ModelDeploymentStatus status,
            VersionResolver.Resolution resolution,
            boolean rolledBack,
            Optional<ModelVersion> served,
            List<ModelVersion> modelVersions,
            Instant now) {
        ReplaySpec spec = spec(md);
        if (spec == null) {
            status.replay = null;
            Conditions.remove(status, ReplayGate.TYPE);
            return new Gated(resolution, null);
        }
        if (status.replay != null && status.replay.phase == Phase.Running) {
            follow(r, md, status, spec, modelVersions, now);
        }
        ModelVersion champion = served.isPresent() && !rolledBack ? served.get() : null;
        ModelVersion challenger = challenger(md, resolution, modelVersions);
        ReplayGate.Pair pair =
                champion == null
                                || challenger == null
                                || VersionResolver.number(champion)
                                        == VersionResolver.number(challenger)
                        ? null
                        : new ReplayGate.Pair(
                                VersionResolver.number(champion),
                                VersionResolver.number(challenger));
        Long gen = md.getMetadata().getGeneration();
        ReplayGate.Step step =
                ReplayGate.next(spec, pair, status.replay, gen == null ? 0 : gen, now);
        if (step.action() == ReplayGate.Action.None) {
            // nothing new to roll out: the last replay and its condition stay as they were
            return new Gated(resolution, null);
        }
        if (step.action() == ReplayGate.Action.Start) {
            start(r, md, status, spec, champion, challenger, step.attempt(), now);
        }
        boolean held = ReplayGate.holds(spec, status.replay, pair);
        ReplayResult rec = status.replay;
        Conditions.set(
                status,
                ReplayGate.TYPE,
                !held,
                rec.phase == Phase.Running ? "ReplayRunning" : rec.decision.name(),
                rec.message,
                gen,
                now);
        if (held && rec.phase != Phase.Running) {
            r.events().warningOnce(md, "ReplayHeld", rec.message);
        }
        Duration next =
                rec.phase == Phase.Running
                        ? POLL
                        : held && rec.decision == ReplayResult.Decision.TooFewSamples
                                ? Duration.between(
                                        now, Instant.parse(rec.finishTime).plus(ReplayGate.RETRY))
                                : null;
        if (!held || shadow(md)) {
            // a held shadow challenger is left out by ShadowRollout itself (holds)
            return new Gated(resolution, next);
        }
        return new Gated(new VersionResolver.Resolution(champion, "ReplayHeld", rec.message), next);
    }

    /**
     * Whether the replay gate holds {@code challenger} back from serving beside {@code champion}
     * (for the shadow, which picks its own challenger).
     */
    static boolean holds(
            ModelDeployment md,
            ModelDeploymentStatus status,
            ModelVersion champion,
            ModelVersion challenger) {
        return ReplayGate.holds(
                spec(md),
                status.replay,
                new ReplayGate.Pair(
                        VersionResolver.number(champion), VersionResolver.number(challenger)));
    }

    private static ReplaySpec spec(ModelDeployment md) {
        return md.getSpec().rollout == null ? null : Defaults.copy(md.getSpec().rollout.replay);
    }

    private static boolean shadow(ModelDeployment md) {
        return md.getSpec().rollout != null && md.getSpec().rollout.shadow != null;
    }

    /** The version a rollout would put live: the shadow's challenger, else the resolved one. */
    private static ModelVersion challenger(
            ModelDeployment md,
            VersionResolver.Resolution resolution,
            List<ModelVersion> modelVersions) {
        if (shadow(md)) {
            return ShadowRollout.challenger(md, md.getSpec().rollout.shadow, modelVersions);
        }
        return resolution.version();
    }

    /** The Job name of one run of a pair. */
    static String jobName(ModelDeployment md, int champion, int challenger, int attempt) {
        return RuntimeObjects.name(
                md.getMetadata().getName(),
                "replay",
                "v" + challenger + "-v" + champion + "-" + attempt);
    }

    /** {@code <requestLog.uri>/replays/v<challenger>-vs-v<champion>/}. */
    static String outputUri(ModelDeployment md, int champion, int challenger) {
        String root = md.getSpec().requestLog.uri;
        return (root.endsWith("/") ? root : root + "/")
                + "replays/v"
                + challenger
                + "-vs-v"
                + champion
                + "/";
    }

    private static void start(
            ServingContext r,
            ModelDeployment md,
            ModelDeploymentStatus status,
            ReplaySpec spec,
            ModelVersion champion,
            ModelVersion challenger,
            int attempt,
            Instant now) {
        String ns = md.getMetadata().getNamespace();
        int a = VersionResolver.number(champion);
        int b = VersionResolver.number(challenger);
        String name = jobName(md, a, b, attempt);
        ReplayTask task =
                new ReplayTask(
                        new Task.Owner(md.getKind(), ns, md.getMetadata().getName()),
                        md.getSpec().model,
                        side(champion),
                        side(challenger),
                        md.getSpec().requestLog.uri,
                        outputUri(md, a, b),
                        now.atZone(ZoneOffset.UTC).toLocalDate().toString());
        r.createServerJob(
                md,
                name,
                task,
                0,
                spec.activeDeadline,
                "spec.rollout.replay.activeDeadline",
                List.of());
        ReplayResult rec = new ReplayResult();
        rec.deployment = md.getMetadata().getName();
        rec.championVersion = a;
        rec.challengerVersion = b;
        rec.phase = Phase.Running;
        rec.held = spec.required;
        rec.job = name;
        rec.attempt = attempt;
        rec.generation = md.getMetadata().getGeneration();
        rec.startTime = now.toString();
        rec.message =
                "Job "
                        + name
                        + " replays the labelled requests of "
                        + md.getSpec().requestLog.uri
                        + " with version "
                        + b
                        + " and version "
                        + a
                        + (spec.required ? "; the rollout waits for it" : "");
        status.replay = rec;
        r.events().normal(md, "ReplayStarted", rec.message);
    }

    private static ReplayTask.Side side(ModelVersion mv) {
        return new ReplayTask.Side(
                VersionResolver.number(mv), mv.getSpec().artifactUri, mv.getSpec().artifactDigest);
    }

    /** Reads the running replay's Job and records its outcome once it finished. */
    private static void follow(
            ServingContext r,
            ModelDeployment md,
            ModelDeploymentStatus status,
            ReplaySpec spec,
            List<ModelVersion> modelVersions,
            Instant now) {
        ReplayResult rec = status.replay;
        Job job = r.job(md, rec.job);
        if (job == null) {
            ReplayGate.failed(rec, "JobGone", "Job " + rec.job + " disappeared", spec);
        } else {
            JobResults.Result result = r.jobResults().result(job);
            if (!result.finished()) {
                return;
            }
            Summary s = result.summary();
            Optional<PairedJudge.Pairs> pairs = pairs(s);
            if (s.outcome() == Summary.Outcome.Succeeded && pairs.isPresent()) {
                ReplayGate.judge(rec, pairs.get(), spec);
                rec.uri = s.uri();
            } else {
                ReplayGate.failed(
                        rec,
                        s.reason(),
                        s.outcome() == Summary.Outcome.Succeeded
                                ? "its summary has no paired counts"
                                : s.message(),
                        spec);
            }
        }
        rec.finishTime = now.toString();
        if (rec.decision == ReplayResult.Decision.Failed) {
            r.events().warning(md, "ReplayFailed", rec.message);
        } else if (!Boolean.TRUE.equals(rec.held)) {
            r.events().normal(md, "ReplayPassed", rec.message);
        }
        recordOnVersion(r, md, rec, modelVersions);
    }

    private static Optional<PairedJudge.Pairs> pairs(Summary s) {
        if (s.figures() == null) {
            return Optional.empty();
        }
        Double[] n = new Double[4];
        String[] keys = {
            ReplaySummary.BOTH_RIGHT,
            ReplaySummary.CHAMPION_ONLY,
            ReplaySummary.CHALLENGER_ONLY,
            ReplaySummary.BOTH_WRONG
        };
        for (int i = 0; i < 4; i++) {
            n[i] = s.figures().get(keys[i]);
            if (n[i] == null || n[i] < 0) {
                return Optional.empty();
            }
        }
        return Optional.of(
                new PairedJudge.Pairs(
                        n[0].longValue(), n[1].longValue(), n[2].longValue(), n[3].longValue()));
    }

    /** The finished replay in the challenger ModelVersion's status (best effort: logged). */
    private static void recordOnVersion(
            ServingContext r, ModelDeployment md, ReplayResult rec, List<ModelVersion> versions) {
        Optional<ModelVersion> challenger =
                versions.stream()
                        .filter(mv -> VersionResolver.number(mv) == rec.challengerVersion)
                        .findFirst();
        if (challenger.isEmpty()) {
            return;
        }
        ReplayResult copy = StatusUpdates.copy(rec, ReplayResult.class);
        try {
            r.client()
                    .resources(ModelVersion.class)
                    .inNamespace(md.getMetadata().getNamespace())
                    .withName(challenger.get().getMetadata().getName())
                    .editStatus(
                            mv -> {
                                if (mv.getStatus() == null) {
                                    mv.setStatus(new ModelVersionStatus());
                                }
                                mv.getStatus().replay = copy;
                                return mv;
                            });
        } catch (KubernetesClientException e) {
            LOG.warnf(
                    "cannot record the replay in ModelVersion %s: %s",
                    challenger.get().getMetadata().getName(), e.getMessage());
        }
    }
}
