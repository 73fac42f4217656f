package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.analysis.PairedJudge;
import io.mlcycle.operator.analysis.PrometheusClient;
import io.mlcycle.operator.analysis.QueryResult;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Shadow;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.ShadowPhase;
import io.mlcycle.operator.api.modelversion.ModelVersion;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The shadow challenger of {@code spec.rollout.shadow}: serves the challenger from {@code
 * <name>-shadow}, judges it against the champion (the version the pods serve) each rollback
 * interval on the feedback for the same mirrored requests, and promotes it when it is better.
 */
final class ShadowRollout {

    private ShadowRollout() {}

    /**
     * The version the stable Deployment serves, the challenger its pods mirror to (null: none), and
     * when to judge again (null: on the next change).
     */
    record Plan(ModelVersion stable, ModelVersion challenger, Duration next) {}

    static Plan reconcile(
            ServingContext r,
            ModelDeployment md,
            ModelDeploymentStatus status,
            ModelVersion resolved,
            Optional<ModelVersion> served,
            boolean rolledBack,
            List<ModelVersion> modelVersions,
            Duration interval,
            Instant now) {
        ModelDeploymentSpec.Shadow spec =
                md.getSpec().rollout == null ? null : md.getSpec().rollout.shadow;
        if (spec == null) {
            status.shadow = null;
            return new Plan(resolved, null, null);
        }
        // the champion stays what the pods serve; spec.version picks the first, a rollback moves it
        ModelVersion champion = served.isEmpty() || rolledBack ? resolved : served.get();
        ModelVersion challenger = challenger(md, spec, modelVersions);
        if (challenger != null && champion == served.orElse(null)) {
            // the replay gate (ReplayJobs) compares with what the pods serve
            challenger = ReplayJobs.holds(md, status, champion, challenger) ? null : challenger;
        }
        if (challenger == null
                || VersionResolver.number(challenger) == VersionResolver.number(champion)) {
            if (status.shadow != null && status.shadow.phase != ShadowPhase.Promoted) {
                status.shadow = null;
            }
            return new Plan(champion, null, null);
        }
        int championN = VersionResolver.number(champion);
        int challengerN = VersionResolver.number(challenger);
        Shadow s = running(r, md, status, spec, challenger, championN, now);
        s.percent = spec.percent;
        s.metric = spec.metric.name();

        if (s.lastRun != null) {
            Instant due = Instant.parse(s.lastRun).plus(interval);
            if (now.isBefore(due)) {
                return new Plan(champion, challenger, Duration.between(now, due));
            }
        }
        s.lastRun = now.toString();
        String failure = judge(r, md, spec, s, championN, challengerN);
        if (failure != null) {
            s.verdict = ShadowDecision.Verdict.NoData.name();
            s.message = "cannot judge version " + challengerN + ": " + failure;
            return new Plan(champion, challenger, interval);
        }
        if (ShadowDecision.Verdict.Better.name().equals(s.verdict)) {
            s.phase = ShadowPhase.Promoted;
            s.message = "promoted over version " + championN + "; " + s.message;
            r.events().normal(md, "ShadowPromoted", s.message);
            return new Plan(challenger, null, null);
        }
        if (ShadowDecision.Verdict.NotBetter.name().equals(s.verdict)) {
            r.events()
                    .normalOnce(
                            md,
                            "ShadowRejected",
                            "version "
                                    + challengerN
                                    + " stays a challenger: its "
                                    + spec.metric
                                    + " does not beat version "
                                    + championN
                                    + "'s by margin "
                                    + spec.margin
                                    + " (status.shadow has the numbers; judged again each"
                                    + " interval)");
        }
        return new Plan(champion, challenger, interval);
    }

    /** The running shadow of {@code challenger} against the champion; a new one when it changed. */
    private static Shadow running(
            ServingContext r,
            ModelDeployment md,
            ModelDeploymentStatus status,
            ModelDeploymentSpec.Shadow spec,
            ModelVersion challenger,
            int championN,
            Instant now) {
        int challengerN = VersionResolver.number(challenger);
        Shadow s = status.shadow;
        if (s != null
                && s.phase == ShadowPhase.Running
                && Objects.equals(s.version, challengerN)
                && Objects.equals(s.championVersion, championN)) {
            return s;
        }
        s = new Shadow();
        s.phase = ShadowPhase.Running;
        s.version = challengerN;
        s.modelVersion = challenger.getMetadata().getName();
        s.championVersion = championN;
        s.startTime = now.toString();
        s.message =
                "version "
                        + challengerN
                        + " serves as shadow challenger of version "
                        + championN
                        + " on "
                        + spec.percent
                        + " % of the requests";
        status.shadow = s;
        r.events().normal(md, "ShadowStarted", s.message);
        return s;
    }

    /** The challenger the spec names; null when it names none that has a model. */
    static ModelVersion challenger(
            ModelDeployment md, ModelDeploymentSpec.Shadow spec, List<ModelVersion> versions) {
        VersionResolver.Resolution res =
                VersionResolver.resolve(
                        md.getSpec().model,
                        spec.version != null
                                ? String.valueOf(spec.version)
                                : ModelDeploymentSpec.LATEST_APPROVED,
                        versions);
        return res.found() ? res.version() : null;
    }

    /** The verdict by mode; returns why it could not judge. */
    private static String judge(
            ServingContext r,
            ModelDeployment md,
            ModelDeploymentSpec.Shadow spec,
            Shadow s,
            int championN,
            int challengerN) {
        ModelDeploymentSpec.Shadow defaulted = Defaults.copy(spec);
        if (defaulted.mode != ModelDeploymentSpec.JudgeMode.sequential) {
            return judgeThreshold(r, md, spec, s, championN, challengerN);
        }
        PrometheusClient.Vector pairs =
                r.queries()
                        .round(md)
                        .queryVector(
                                "sum by (outcome) (mlcycle_shadow_pairs_total{deployment=\""
                                        + ServingResources.shadowName(md)
                                        + "\",version=\""
                                        + challengerN
                                        + "\"})");
        if (pairs.failure() != null && !QueryResult.isNoData(pairs.failure())) {
            return pairs.failure().reason();
        }
        ShadowDecision.Paired paired =
                ShadowDecision.judgePaired(
                        pairs(pairs.series()),
                        defaulted.alpha,
                        defaulted.margin,
                        defaulted.minSamples);
        record(s, paired.result(), challengerN);
        s.lower = paired.sequential().lower();
        s.upper = paired.sequential().upper();
        s.rule = paired.sequential().rule();
        return null;
    }

    /** The challenger's pair counters by outcome. */
    private static PairedJudge.Pairs pairs(List<PrometheusClient.Series> series) {
        long[] n = new long[4];
        List<String> outcomes =
                List.of("both_right", "champion_only", "challenger_only", "both_wrong");
        for (PrometheusClient.Series x : series) {
            int i = outcomes.indexOf(x.labels().get("outcome"));
            if (i >= 0) {
                n[i] += Math.round(x.value());
            }
        }
        return new PairedJudge.Pairs(n[0], n[1], n[2], n[3]);
    }

    private static void record(Shadow s, ShadowDecision.Result result, int challengerN) {
        s.verdict = result.verdict().name();
        s.championSamples = result.championSamples();
        s.challengerSamples = result.challengerSamples();
        s.missingSamples = result.missingSamples();
        s.championValue = result.championValue();
        s.challengerValue = result.challengerValue();
        s.message = "version " + challengerN + ": " + result.message();
    }

    /** Queries both sides' feedback and records the verdict; returns why it could not. */
    private static String judgeThreshold(
            ServingContext r,
            ModelDeployment md,
            ModelDeploymentSpec.Shadow spec,
            Shadow s,
            int championN,
            int challengerN) {
        String name = md.getMetadata().getName();
        AnalysisQueries.Round round = r.queries().round(md);
        PrometheusClient.Vector champion =
                feedback(
                        round,
                        "mlcycle_mirrored_feedback_total{deployment=\""
                                + name
                                + "\",version=\""
                                + championN
                                + "\",challenger=\""
                                + challengerN
                                + "\"}");
        PrometheusClient.Vector challenger =
                champion.failure() != null
                        ? champion
                        : feedback(
                                round,
                                "mlcycle_feedback_total{deployment=\""
                                        + ServingResources.shadowName(md)
                                        + "\",version=\""
                                        + challengerN
                                        + "\"}");
        if (challenger.failure() != null) {
            return challenger.failure().reason();
        }
        s.lower = null;
        s.upper = null;
        s.rule = null;
        ShadowDecision.Result result =
                ShadowDecision.judge(
                        ShadowDecision.Counts.of(champion.series()),
                        ShadowDecision.Counts.of(challenger.series()),
                        spec.metric,
                        spec.margin,
                        spec.minSamples);
        record(s, result, challengerN);
        return null;
    }

    /** A feedback counter's series summed by predicted and actual class. */
    private static PrometheusClient.Vector feedback(AnalysisQueries.Round round, String series) {
        return round.queryVector("sum by (predicted, actual) (" + series + ")");
    }
}
