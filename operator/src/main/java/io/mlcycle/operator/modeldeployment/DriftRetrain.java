package io.mlcycle.operator.modeldeployment;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mlcycle.operator.analysis.QueryResult;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.api.trainingrun.TrainingRunSpec;
import io.mlcycle.operator.common.EventRecorder;
import io.mlcycle.operator.common.RuntimeObjects;

import java.time.Instant;
import java.util.Map;

/**
 * {@code spec.retrain.onDrift}: after an analysis round, the served version's skew over the window;
 * above the threshold a one-off copy of the TrainingRun that trained it is created, once per served
 * version, and recorded in {@code status.retrain} and a RetrainOnDrift Event.
 */
final class DriftRetrain {

    /** Label on a TrainingRun started on drift: the deployment that started it. */
    static final String DRIFT_OF_LABEL = "mlcycle.io/drift-of";

    private static final ObjectMapper JSON = new ObjectMapper();

    private DriftRetrain() {}

    static void check(
            KubernetesClient client,
            AnalysisQueries.Round round,
            EventRecorder events,
            ModelDeployment md,
            ModelDeploymentStatus status,
            ModelVersion served,
            Instant now) {
        ModelDeploymentSpec spec = md.getSpec();
        if (spec.retrain == null || spec.retrain.onDrift == null || spec.rollback == null) {
            status.retrain = null;
            return;
        }
        ModelDeploymentSpec.OnDrift onDrift = spec.retrain.onDrift;
        int version = VersionResolver.number(served);
        ModelDeploymentStatus.RetrainStatus r =
                status.retrain != null && Integer.valueOf(version).equals(status.retrain.version)
                        ? status.retrain
                        : new ModelDeploymentStatus.RetrainStatus();
        status.retrain = r;
        r.version = version;
        ModelDeploymentSpec.Metric skew = new ModelDeploymentSpec.Metric();
        skew.builtin = ModelDeploymentSpec.Metric.SKEW;
        skew.window = onDrift.window;
        QueryResult result = round.measure(skew, version);
        r.measuredAt = now.toString();
        if (!(result instanceof QueryResult.Value v)) {
            r.skew = null;
            r.message = ((QueryResult.Inconclusive) result).reason();
            return;
        }
        r.skew = Double.isFinite(v.value()) ? v.value() : null;
        r.message = v.detail();
        if (v.value() <= onDrift.threshold || r.trainingRun != null) {
            return;
        }
        String why =
                "skew "
                        + String.format(java.util.Locale.ROOT, "%.3g", v.value())
                        + " above threshold "
                        + onDrift.threshold
                        + " on version "
                        + version
                        + " ("
                        + v.detail()
                        + ")";
        retrain(client, events, md, served, r, why, now);
    }

    /** Starts a copy of the TrainingRun behind {@code served}; Warnings when it cannot. */
    private static void retrain(
            KubernetesClient client,
            EventRecorder events,
            ModelDeployment md,
            ModelVersion served,
            ModelDeploymentStatus.RetrainStatus r,
            String why,
            Instant now) {
        int version = VersionResolver.number(served);
        String source =
                served.getSpec().lineage == null ? null : served.getSpec().lineage.trainingRun;
        String ns = md.getMetadata().getNamespace();
        TrainingRun template =
                source == null
                        ? null
                        : client.resources(TrainingRun.class)
                                .inNamespace(ns)
                                .withName(source)
                                .get();
        if (template == null) {
            events.warningOnce(
                    md,
                    "RetrainImpossible",
                    why
                            + "; no TrainingRun to copy ("
                            + (source == null
                                    ? served.getMetadata().getName() + " has no lineage.trainingRun"
                                    : "TrainingRun " + source + " not found")
                            + ")");
            return;
        }
        TrainingRun run = retrainRun(md, template, version, why);
        String name = run.getMetadata().getName();
        try {
            client.resource(run).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                events.warning(
                        md,
                        "RetrainFailed",
                        why + "; cannot create TrainingRun " + name + ": " + e.getMessage());
                return;
            }
            // created by an earlier reconcile whose status write was lost
        }
        r.trainingRun = name;
        r.startedAt = now.toString();
        events.normal(md, "RetrainOnDrift", why + ": started TrainingRun " + name);
    }

    /**
     * The one-off copy of {@code template} that retrains on drift: named after it and the drifted
     * version (at most 63 characters), labelled with the deployment, owned by it.
     */
    static TrainingRun retrainRun(
            ModelDeployment md, TrainingRun template, int version, String why) {
        String source = template.getMetadata().getName();
        String ns = md.getMetadata().getNamespace();
        String suffix = "-drift-v" + version;
        String name =
                (source.length() + suffix.length() <= 63
                                ? source
                                : source.substring(0, 63 - suffix.length()).replaceAll("-+$", ""))
                        + suffix;
        TrainingRunSpec copy = JSON.convertValue(template.getSpec(), TrainingRunSpec.class);
        // a one-off run: the original keeps its own triggers, the copy must not repeat them
        copy.retrain = new TrainingRunSpec.Retrain();
        copy.retrain.onFeatureViewUpdate = false;
        TrainingRun run = new TrainingRun();
        run.setMetadata(
                new ObjectMetaBuilder()
                        .withName(name)
                        .withNamespace(ns)
                        .withLabels(Map.of(DRIFT_OF_LABEL, md.getMetadata().getName()))
                        .withAnnotations(Map.of(DRIFT_OF_LABEL, why))
                        .withOwnerReferences(RuntimeObjects.controllerReference(md))
                        .build());
        run.setSpec(copy);
        return run;
    }
}
