package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modelversion.ModelVersion;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The rollback analysis of the version the pods serve now (once its rollout is done and one of its
 * pods is ready, since only serving pods give metrics), the drift and request-log checks on the
 * rounds that ran, and the resolution a rollback changes: resolved again without the version just
 * marked.
 */
final class ServedAnalysis {

    /**
     * @param next when to analyse again (null: no analysis runs)
     */
    record Outcome(VersionResolver.Resolution resolution, Duration next, boolean rolledBack) {}

    private ServedAnalysis() {}

    static Outcome run(
            ServingContext ctx,
            ModelDeployment md,
            ModelDeploymentStatus status,
            VersionResolver.Resolution resolution,
            Deployment deployment,
            Optional<ModelVersion> servedMv,
            List<ModelVersion> modelVersions,
            Duration interval,
            Instant now) {
        ModelDeploymentSpec spec = md.getSpec();
        if (spec.retrain == null) {
            status.retrain = null;
        }
        if (spec.rollback == null) {
            status.analysis = null;
            Conditions.remove(status, ModelDeploymentReconciler.ANALYSIS_INCONCLUSIVE);
            Conditions.remove(status, RequestLogHealth.TYPE);
            return new Outcome(resolution, null, false);
        }
        // judged only on its own pods: a version whose rollout is under way would be judged on
        // what Prometheus has of its pods while they load (or of none)
        boolean serving = Readiness.servesCurrentTemplate(deployment);
        // with a shadow challenger the champion is held at what the pods serve, and analysed
        boolean shadowHolds = spec.rollout != null && spec.rollout.shadow != null;
        // servedMv is the ModelVersion of what the pods serve, when there is one
        if (!resolution.found()
                || !serving
                || servedMv.isEmpty()
                || !(shadowHolds
                        || VersionResolver.number(resolution.version())
                                == VersionResolver.number(servedMv.get()))) {
            return new Outcome(resolution, null, false);
        }
        int served = VersionResolver.number(servedMv.get());
        // one round: the credentials Secret is read once, on its first query
        AnalysisQueries.Round round = ctx.queries().round(md);
        Duration next =
                ctx.analysis()
                        .analyse(
                                ctx.writer(),
                                round,
                                md,
                                status,
                                servedMv.get(),
                                modelVersions,
                                interval,
                                now);
        if (next != null) {
            // only after a round that measured (not the Pending mark of a version just served)
            if (status.analysis != null
                    && now.toString().equals(status.analysis.lastRun)
                    && !RollbackDecisions.PENDING.equals(status.analysis.verdict)) {
                DriftRetrain.check(
                        ctx.client(), round, ctx.events(), md, status, servedMv.get(), now);
                RequestLogHealth.check(round, ctx.events(), md, status, served, interval, now);
            }
            return new Outcome(resolution, next, false);
        }
        VersionResolver.Resolution again =
                VersionResolver.resolve(
                        spec.model,
                        spec.version,
                        modelVersions.stream()
                                .map(
                                        mv ->
                                                VersionResolver.number(mv) == served
                                                        ? markedRolledBack(mv)
                                                        : mv)
                                .toList());
        return new Outcome(again, interval, true);
    }

    private static ModelVersion markedRolledBack(ModelVersion mv) {
        ModelVersion copy = new ModelVersion();
        copy.setMetadata(
                new ObjectMetaBuilder(mv.getMetadata())
                        .addToAnnotations(ModelVersion.ROLLED_BACK_ANNOTATION, "rolled back")
                        .build());
        copy.setSpec(mv.getSpec());
        copy.setStatus(mv.getStatus());
        return copy;
    }
}
