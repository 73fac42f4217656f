package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.mlcycle.operator.analysis.Decision;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Canary;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.CanaryPhase;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.common.Durations;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The weighted canary of {@code spec.rollout.canary}: a new version first serves from {@code
 * <name>-canary} beside the stable Deployment, step by step, judged by the rollback metrics of its
 * own version ({@link CanaryAnalysis}); promoted after the last step, aborted after
 * failureThreshold failed analyses or, in mode sequential, once it is worse than stable with
 * confidence.
 */
final class CanaryRollout {

    private CanaryRollout() {}

    /**
     * What the stable Deployment serves and with how many pods, the canary Deployment wanted (null:
     * none, the workflow deletes it), and when to look again (null: when a Deployment changes).
     */
    record Plan(ModelVersion stable, int stableReplicas, Deployment canary, Duration next) {}

    /** True while a canary runs or is being promoted. */
    static boolean active(Canary c) {
        return c != null
                && (c.phase == CanaryPhase.Progressing || c.phase == CanaryPhase.Promoting);
    }

    /**
     * Moves the canary on and returns what the stable Deployment should be. Without {@code
     * spec.rollout.canary}, with nothing served yet, with no replicas, or for a rollback ({@code
     * rollingBack}: back to a known good version at once), the stable Deployment simply serves
     * {@code target} (a rolling update, as without a canary).
     */
    static Plan reconcile(
            ServingContext r,
            ModelDeployment md,
            ModelDeploymentStatus status,
            ModelVersion target,
            Optional<ModelVersion> served,
            boolean rollingBack,
            Deployment stable,
            Deployment canaryDeployment,
            Instant now) {
        ModelDeploymentSpec.Canary spec =
                md.getSpec().rollout == null ? null : md.getSpec().rollout.canary;
        int replicas = ServingReplicas.wanted(md, stable);
        int targetVersion = VersionResolver.number(target);
        Integer servedVersion = served.map(VersionResolver::number).orElse(null);
        Canary c = status.canary;

        boolean candidate =
                spec != null
                        && !rollingBack
                        && replicas > 0
                        && servedVersion != null
                        && servedVersion != targetVersion;
        if (!candidate) {
            return settle(
                    r, md, status, spec, target, servedVersion, replicas, stable, canaryDeployment);
        }

        ModelVersion stableMv = served.get();
        Duration stepInterval =
                Durations.parse(spec.stepInterval, "spec.rollout.canary.stepInterval");
        if (c != null
                && c.phase == CanaryPhase.Aborted
                && Objects.equals(c.version, targetVersion)) {
            // Aborted already: a cache that has not seen the rollback mark yet resolves it again.
            return new Plan(stableMv, replicas, null, null);
        }
        boolean started = false;
        if (c == null || !Objects.equals(c.version, targetVersion) || !active(c)) {
            if (active(c)) {
                r.events()
                        .normal(
                                md,
                                "CanaryReplaced",
                                "canary of version "
                                        + c.version
                                        + " replaced by a canary of version "
                                        + targetVersion);
            }
            c = start(spec, target, servedVersion, now);
            status.canary = c;
            started = true;
        }
        if (c.phase == CanaryPhase.Promoting) {
            // the stable Deployment is being updated to the canary's version
            return new Plan(target, replicas, canaryDeployment, null);
        }
        Step step = new Step(r, md, status, spec, c, target, stableMv, replicas, stepInterval, now);
        CanaryPlan.Split split = ServingReplicas.split(md, replicas, c.weight);
        Deployment canary = applySplit(r, md, c, target, split, canaryDeployment);
        if (started) {
            announce(step, servedVersion);
        }
        return progress(step, split, canary, canaryDeployment);
    }

    /** One reconcile of a running canary: what it acts on and decides with. */
    private record Step(
            ServingContext r,
            ModelDeployment md,
            ModelDeploymentStatus status,
            ModelDeploymentSpec.Canary spec,
            Canary c,
            ModelVersion target,
            ModelVersion stable,
            int replicas,
            Duration stepInterval,
            Instant now) {}

    /**
     * No canary to run: a promotion finishes once the stable Deployment has rolled, a running
     * canary is cancelled, and the stable Deployment serves {@code target}.
     */
    private static Plan settle(
            ServingContext r,
            ModelDeployment md,
            ModelDeploymentStatus status,
            ModelDeploymentSpec.Canary spec,
            ModelVersion target,
            Integer servedVersion,
            int replicas,
            Deployment stable,
            Deployment canaryDeployment) {
        Canary c = status.canary;
        int targetVersion = VersionResolver.number(target);
        if (c != null
                && c.phase == CanaryPhase.Promoting
                && Objects.equals(c.version, targetVersion)
                && Objects.equals(servedVersion, targetVersion)) {
            // The canary's pods keep serving until the stable Deployment has rolled.
            if (Readiness.rolledOut(stable, replicas)) {
                end(
                        c,
                        CanaryPhase.Succeeded,
                        replicas,
                        "version "
                                + c.version
                                + " promoted: every pod serves it, the canary Deployment is"
                                + " gone");
                r.events().normalOnce(md, "CanaryPromoted", c.message);
                return new Plan(target, replicas, null, null);
            }
            return new Plan(target, replicas, canaryDeployment, null);
        }
        if (active(c)) {
            end(
                    c,
                    CanaryPhase.Aborted,
                    replicas,
                    "canary of version "
                            + c.version
                            + " cancelled: "
                            + (spec == null
                                    ? "spec.rollout.canary was removed, version "
                                            + targetVersion
                                            + " rolls out to every pod"
                                    : "version " + targetVersion + " is the one to serve now"));
            r.events().normal(md, "CanaryCancelled", c.message);
        }
        if (spec == null) {
            status.canary = null;
        }
        return new Plan(target, replicas, null, null);
    }

    private static void announce(Step s, int servedVersion) {
        Canary c = s.c();
        c.message = "step 1 of " + c.steps + ": " + describe(c);
        s.r().events()
                .normal(
                        s.md(),
                        "CanaryStarted",
                        "canary of version "
                                + c.version
                                + " beside stable version "
                                + servedVersion
                                + ": "
                                + describe(c)
                                + "; "
                                + c.steps
                                + " steps of "
                                + s.spec().stepInterval);
    }

    /**
     * Waits for a ready canary pod and the step interval, then analyses the step: abort, hold, next
     * step, or promote.
     */
    private static Plan progress(
            Step s, CanaryPlan.Split split, Deployment canary, Deployment actual) {
        Canary c = s.c();
        Duration stepInterval = s.stepInterval();
        String stuck = Readiness.stuck(actual);
        if (stuck != null) {
            Decision.Rollback abort = new Decision.Rollback(0, "canary Deployment", null, stuck);
            abort(s, abort);
            return new Plan(s.stable(), s.replicas(), null, null);
        }
        String waiting = "step " + c.step + " of " + c.steps + ": waiting for a ready canary pod";
        if (c.readyReplicas == 0) {
            c.message = waiting;
            return new Plan(s.stable(), split.stable(), canary, null);
        }
        if (waiting.equals(c.message)) {
            c.message = "step " + c.step + " of " + c.steps + ": " + describe(c);
        }
        Instant due = dueAt(c, stepInterval);
        if (s.now().isBefore(due)) {
            return new Plan(s.stable(), split.stable(), canary, Duration.between(s.now(), due));
        }
        Decision decision = CanaryAnalysis.analyse(s.r(), s.md(), s.status(), s.spec(), c, s.now());
        if (decision instanceof Decision.Rollback abort) {
            abort(s, abort);
            return new Plan(s.stable(), s.replicas(), null, null);
        }
        if (!(decision instanceof Decision.Healthy)) {
            return new Plan(s.stable(), split.stable(), canary, stepInterval);
        }
        return passed(s, canary, actual);
    }

    /** When the step is analysed: a step interval after the step began or the last analysis. */
    static Instant dueAt(Canary c, Duration stepInterval) {
        Instant due = Instant.parse(c.stepStartTime);
        if (c.analysis != null && c.analysis.lastRun != null) {
            Instant last = Instant.parse(c.analysis.lastRun);
            due = last.isAfter(due) ? last : due;
        }
        return due.plus(stepInterval);
    }

    /** A healthy step: the next step, or the promotion after the last. */
    private static Plan passed(Step s, Deployment canary, Deployment actual) {
        Canary c = s.c();
        String passed =
                "canary version "
                        + c.version
                        + " passed step "
                        + c.step
                        + " of "
                        + c.steps
                        + " ("
                        + CanaryAnalysis.values(c.analysis.metrics)
                        + ")";
        if (c.step < c.steps) {
            c.step++;
            c.weight = CanaryPlan.weight(s.spec(), c.step);
            c.stepStartTime = s.now().toString();
            CanaryPlan.Split split = ServingReplicas.split(s.md(), s.replicas(), c.weight);
            Deployment next = applySplit(s.r(), s.md(), c, s.target(), split, actual);
            c.message = passed + "; now " + describe(c);
            s.r().events().normalOnce(s.md(), "CanaryStepPassed", c.message);
            return new Plan(s.stable(), split.stable(), next, s.stepInterval());
        }
        c.phase = CanaryPhase.Promoting;
        c.message = passed + "; promoting: the stable Deployment rolls to version " + c.version;
        s.r().events().normalOnce(s.md(), "CanaryPromoting", c.message);
        return new Plan(s.target(), s.replicas(), canary, null);
    }

    private static Canary start(
            ModelDeploymentSpec.Canary spec, ModelVersion target, int stable, Instant now) {
        Canary c = new Canary();
        c.phase = CanaryPhase.Progressing;
        c.version = VersionResolver.number(target);
        c.modelVersion = target.getMetadata().getName();
        c.stableVersion = stable;
        c.step = 1;
        c.steps = CanaryPlan.steps(spec);
        c.weight = CanaryPlan.weight(spec, 1);
        c.startTime = now.toString();
        c.stepStartTime = c.startTime;
        return c;
    }

    /** A finished canary: every pod on the stable Deployment. */
    private static void end(Canary c, CanaryPhase phase, int replicas, String message) {
        c.phase = phase;
        c.weight = phase == CanaryPhase.Succeeded ? 100 : 0;
        c.canaryReplicas = 0;
        c.readyReplicas = 0;
        c.stableReplicas = replicas;
        c.message = message;
    }

    /**
     * The canary Deployment of the split (the workflow creates or scales it) with the split and the
     * ready canary pods ({@code actual}, from the cache) recorded in status.
     */
    private static Deployment applySplit(
            ServingContext r,
            ModelDeployment md,
            Canary c,
            ModelVersion target,
            CanaryPlan.Split split,
            Deployment actual) {
        c.canaryReplicas = split.canary();
        c.stableReplicas = split.stable();
        var ds = actual == null ? null : actual.getStatus();
        c.readyReplicas = ds == null || ds.getReadyReplicas() == null ? 0 : ds.getReadyReplicas();
        return ServingResources.deployment(r.runtimeJobs(), md, target, split.canary(), true);
    }

    private static String describe(Canary c) {
        return c.weight
                + " % of the traffic ("
                + c.canaryReplicas
                + " canary and "
                + c.stableReplicas
                + " stable pods)";
    }

    /** Marks the canary's version rolled back (the workflow deletes the canary Deployment). */
    private static void abort(Step s, Decision.Rollback why) {
        Canary c = s.c();
        ModelVersion stable = s.stable();
        int replicas = s.replicas();
        end(
                c,
                CanaryPhase.Aborted,
                replicas,
                "canary of version "
                        + c.version
                        + " aborted at step "
                        + c.step
                        + " of "
                        + c.steps
                        + ", stable version "
                        + VersionResolver.number(stable)
                        + " keeps serving: "
                        + why.message()
                        + RollbackDecisions.streak(why.consecutiveFailures()));
        s.r().rollbacks()
                .record(
                        s.r().writer(),
                        s.md(),
                        s.status(),
                        s.target(),
                        VersionResolver.number(stable),
                        why,
                        c.message,
                        "CanaryAborted",
                        s.now());
    }
}
