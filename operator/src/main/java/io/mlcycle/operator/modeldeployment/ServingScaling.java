package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpecBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec.Autoscaler;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec.Autoscaling;
import io.mlcycle.operator.common.RuntimeObjects;
import io.mlcycle.task.TaskJson;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The scaling and disruption objects of a ModelDeployment's serving pods, all named {@code <name>}:
 * the HorizontalPodAutoscaler or KEDA ScaledObject of {@code spec.autoscaling} (both scale the
 * stable Deployment) and the PodDisruptionBudget of {@code spec.disruption}; and the checks of
 * those fields that the CRD schema cannot make for a resource that did not pass an API server.
 */
public final class ServingScaling {

    /**
     * The Prometheus adapter's pods metric of inference requests per second (from the server's
     * {@code mlcycle_requests_total{endpoint="infer"}}), an HPA's target with
     * targetRequestsPerSecond.
     */
    public static final String RPS_METRIC = "mlcycle_requests_per_second";

    public static final String KEDA_API_VERSION = "keda.sh/v1alpha1";
    public static final String SCALED_OBJECT = "ScaledObject";

    private ServingScaling() {}

    /** The HPA on the stable Deployment; null unless spec.autoscaling asks for hpa. */
    public static HorizontalPodAutoscaler hpa(ModelDeployment md) {
        Autoscaling a = autoscaling(md);
        if (a == null || a.autoscaler != Autoscaler.hpa) {
            return null;
        }
        MetricSpec metric =
                a.targetRequestsPerSecond != null
                        ? new MetricSpecBuilder()
                                .withType("Pods")
                                .withNewPods()
                                .withNewMetric()
                                .withName(RPS_METRIC)
                                .endMetric()
                                .withNewTarget()
                                .withType("AverageValue")
                                .withAverageValue(new Quantity(a.targetRequestsPerSecond + ""))
                                .endTarget()
                                .endPods()
                                .build()
                        : new MetricSpecBuilder()
                                .withType("Resource")
                                .withNewResource()
                                .withName("cpu")
                                .withNewTarget()
                                .withType("Utilization")
                                .withAverageUtilization(a.targetCPUUtilizationPercentage)
                                .endTarget()
                                .endResource()
                                .build();
        HorizontalPodAutoscaler hpa =
                new HorizontalPodAutoscalerBuilder()
                        .withMetadata(metadata(md))
                        .withNewSpec()
                        .withNewScaleTargetRef()
                        .withApiVersion("apps/v1")
                        .withKind("Deployment")
                        .withName(md.getMetadata().getName())
                        .endScaleTargetRef()
                        .withMinReplicas(a.minReplicas)
                        .withMaxReplicas(a.maxReplicas)
                        .withMetrics(metric)
                        .endSpec()
                        .build();
        return hashed(hpa, hpa.getSpec());
    }

    /**
     * The KEDA ScaledObject on the stable Deployment; null unless spec.autoscaling asks for keda.
     * Requests per second come from a Prometheus trigger on the server's own counter, CPU from
     * KEDA's cpu trigger.
     */
    public static GenericKubernetesResource scaledObject(ModelDeployment md) {
        Autoscaling a = autoscaling(md);
        if (a == null || a.autoscaler != Autoscaler.keda) {
            return null;
        }
        Map<String, Object> trigger = new LinkedHashMap<>();
        if (a.targetRequestsPerSecond != null) {
            trigger.put("type", "prometheus");
            trigger.put(
                    "metadata",
                    Map.of(
                            "serverAddress", prometheusUrl(md.getSpec()),
                            "query", requestRateQuery(md),
                            "threshold", String.valueOf(a.targetRequestsPerSecond)));
        } else {
            trigger.put("type", "cpu");
            trigger.put("metricType", "Utilization");
            trigger.put(
                    "metadata", Map.of("value", String.valueOf(a.targetCPUUtilizationPercentage)));
        }
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put(
                "scaleTargetRef",
                Map.of(
                        "apiVersion",
                        "apps/v1",
                        "kind",
                        "Deployment",
                        "name",
                        md.getMetadata().getName()));
        spec.put("minReplicaCount", a.minReplicas);
        spec.put("maxReplicaCount", a.maxReplicas);
        spec.put("triggers", List.of(trigger));
        GenericKubernetesResource so =
                new GenericKubernetesResourceBuilder()
                        .withApiVersion(KEDA_API_VERSION)
                        .withKind(SCALED_OBJECT)
                        .withMetadata(metadata(md))
                        .withAdditionalProperties(Map.of("spec", spec))
                        .build();
        return hashed(so, spec);
    }

    /** Inference requests per second of all the deployment's serving pods (canary included). */
    static String requestRateQuery(ModelDeployment md) {
        return "sum(rate(mlcycle_requests_total{namespace=\""
                + md.getMetadata().getNamespace()
                + "\",deployment=\""
                + md.getMetadata().getName()
                + "\",endpoint=\"infer\"}[1m]))";
    }

    /**
     * The serving pods' PodDisruptionBudget: with podDisruptionBudget auto while more than one pod
     * is wanted (replicas, or autoscaling.minReplicas), always, or never (null).
     */
    public static PodDisruptionBudget pdb(ModelDeployment md) {
        ModelDeploymentSpec spec = Defaults.copy(md.getSpec());
        ModelDeploymentSpec.Disruption d =
                spec.disruption == null
                        ? Defaults.apply(new ModelDeploymentSpec.Disruption())
                        : spec.disruption;
        boolean wanted =
                switch (d.podDisruptionBudget) {
                    case always -> true;
                    case never -> false;
                    case auto -> ServingReplicas.floor(spec) > 1;
                };
        if (!wanted) {
            return null;
        }
        PodDisruptionBudgetBuilder b =
                new PodDisruptionBudgetBuilder()
                        .withMetadata(metadata(md))
                        .withNewSpec()
                        .withNewSelector()
                        .withMatchLabels(ServingResources.selector(md))
                        .endSelector()
                        .endSpec();
        PodDisruptionBudget pdb =
                d.minAvailable != null
                        ? b.editSpec()
                                .withMinAvailable(new IntOrString(d.minAvailable))
                                .endSpec()
                                .build()
                        : b.editSpec()
                                .withMaxUnavailable(new IntOrString(d.maxUnavailable))
                                .endSpec()
                                .build();
        return hashed(pdb, pdb.getSpec());
    }

    /** The hash of the spec an object was built from (its dependent updates when it differs). */
    static String specHash(HasMetadata o) {
        return o.getMetadata().getAnnotations() == null
                ? null
                : o.getMetadata().getAnnotations().get(ServingResources.SPEC_HASH_ANNOTATION);
    }

    /** What status.autoscaler names for the spec: the object the operator makes, or external. */
    static String autoscalerOf(ModelDeployment md) {
        Autoscaling a = autoscaling(md);
        if (a == null) {
            return null;
        }
        String name = md.getMetadata().getName();
        return switch (a.autoscaler) {
            case hpa -> "HorizontalPodAutoscaler/" + name;
            case keda -> SCALED_OBJECT + "/" + name;
            case external -> "external";
        };
    }

    /** The selector of the serving pods as a label selector string (status.selector). */
    public static String selectorString(ModelDeployment md) {
        return ServingResources.selector(md).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    private static Autoscaling autoscaling(ModelDeployment md) {
        return Defaults.copy(md.getSpec()).autoscaling;
    }

    private static String prometheusUrl(ModelDeploymentSpec spec) {
        if (spec.autoscaling.prometheusUrl != null) {
            return spec.autoscaling.prometheusUrl;
        }
        return spec.rollback == null ? null : spec.rollback.prometheus.url;
    }

    private static ObjectMeta metadata(ModelDeployment md) {
        return new ObjectMetaBuilder()
                .withName(md.getMetadata().getName())
                .withNamespace(md.getMetadata().getNamespace())
                .withLabels(new LinkedHashMap<>(ServingResources.selector(md)))
                .withOwnerReferences(RuntimeObjects.controllerReference(md))
                .build();
    }

    private static <T extends HasMetadata> T hashed(T o, Object spec) {
        o.getMetadata()
                .setAnnotations(
                        new LinkedHashMap<>(
                                Map.of(
                                        ServingResources.SPEC_HASH_ANNOTATION,
                                        RuntimeObjects.shortHash(TaskJson.write(spec)))));
        return o;
    }

    /**
     * The first problem of spec.autoscaling and spec.disruption, naming the field and its value
     * (the CRD's rules, for a resource that did not pass an API server), or null.
     */
    static String invalid(ModelDeploymentSpec raw) {
        ModelDeploymentSpec spec = Defaults.copy(raw);
        Autoscaling a = spec.autoscaling;
        if (a != null) {
            if (a.maxReplicas == null || a.maxReplicas < 1) {
                return "spec.autoscaling.maxReplicas must be at least 1, got " + a.maxReplicas;
            }
            if (a.minReplicas < 1 || a.minReplicas > a.maxReplicas) {
                return "spec.autoscaling.minReplicas "
                        + a.minReplicas
                        + " must be from 1 to spec.autoscaling.maxReplicas ("
                        + a.maxReplicas
                        + ")";
            }
            if (a.autoscaler != Autoscaler.external
                    && (a.targetCPUUtilizationPercentage == null)
                            == (a.targetRequestsPerSecond == null)) {
                return "spec.autoscaling needs exactly one of targetCPUUtilizationPercentage or"
                        + " targetRequestsPerSecond";
            }
            if (a.autoscaler == Autoscaler.keda
                    && a.targetRequestsPerSecond != null
                    && prometheusUrl(spec) == null) {
                return "spec.autoscaling with keda and targetRequestsPerSecond needs"
                        + " spec.autoscaling.prometheusUrl or spec.rollback.prometheus";
            }
        }
        ModelDeploymentSpec.Disruption d = spec.disruption;
        if (d != null) {
            if (d.maxUnavailable < 1) {
                return "spec.disruption.maxUnavailable "
                        + d.maxUnavailable
                        + " allows no eviction and blocks every node drain: it must be at least 1";
            }
            int floor = ServingReplicas.floor(spec);
            if (d.minAvailable != null && d.minAvailable >= floor) {
                return "spec.disruption.minAvailable "
                        + d.minAvailable
                        + " must be below "
                        + (a == null ? "spec.replicas" : "spec.autoscaling.minReplicas")
                        + " ("
                        + floor
                        + "): a budget that allows no eviction blocks every node drain";
            }
        }
        return null;
    }
}
