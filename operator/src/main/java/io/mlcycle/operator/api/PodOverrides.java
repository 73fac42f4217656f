package io.mlcycle.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where and how a resource's pods run on a real cluster (like Kubeflow Trainer's pod template
 * overrides or KServe's PodSpec fields): placement, priority, image pull secrets, extra labels and
 * annotations. Everything else about the pod is the operator's.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PodOverrides {

    @JsonPropertyDescription(
            "Extra pod labels; the operator's own labels (selectors, mlcycle.io/*) win on a"
                    + " clash.")
    public Map<String, String> labels;

    @JsonPropertyDescription(
            "Extra pod annotations (e.g. a sidecar injector's); the operator's own win on a"
                    + " clash.")
    public Map<String, String> annotations;

    @JsonPropertyDescription("Node labels the pods must run on (the pod's nodeSelector).")
    public Map<String, String> nodeSelector;

    @JsonPropertyDescription("Taints the pods tolerate.")
    public List<Toleration> tolerations;

    @JsonPropertyDescription("Node and pod affinity of the pods.")
    public Affinity affinity;

    @JsonPropertyDescription(
            "How the pods spread over zones and nodes (not Spark's driver and executors). A"
                    + " ModelDeployment's serving pods without any spread by hostname by default"
                    + " (maxSkew 1, ScheduleAnyway).")
    public List<TopologySpreadConstraint> topologySpreadConstraints;

    @JsonPropertyDescription("PriorityClass of the pods.")
    public String priorityClassName;

    @JsonPropertyDescription("Secrets to pull the runtime images with (a private registry).")
    public List<LocalObjectReference> imagePullSecrets;

    /** Applies {@code o} (may be null) to a pod template the operator built; returns it. */
    public static PodTemplateSpec apply(PodOverrides o, PodTemplateSpec template) {
        if (o == null) {
            return template;
        }
        var meta = template.getMetadata();
        meta.setLabels(merged(o.labels, meta.getLabels()));
        meta.setAnnotations(merged(o.annotations, meta.getAnnotations()));
        var pod = template.getSpec();
        if (o.nodeSelector != null) {
            pod.setNodeSelector(new LinkedHashMap<>(o.nodeSelector));
        }
        if (o.tolerations != null) {
            pod.setTolerations(new ArrayList<>(o.tolerations));
        }
        if (o.affinity != null) {
            pod.setAffinity(o.affinity);
        }
        if (o.topologySpreadConstraints != null) {
            pod.setTopologySpreadConstraints(new ArrayList<>(o.topologySpreadConstraints));
        }
        if (o.priorityClassName != null) {
            pod.setPriorityClassName(o.priorityClassName);
        }
        if (o.imagePullSecrets != null) {
            pod.setImagePullSecrets(new ArrayList<>(o.imagePullSecrets));
        }
        return template;
    }

    /**
     * Applies {@code o} (may be null) to a SparkApplication's driver or executor spec: labels,
     * annotations, nodeSelector, tolerations and affinity (the Spark operator's pod fields).
     */
    @SuppressWarnings("unchecked")
    public static void applyToSpark(PodOverrides o, Map<String, Object> podSpec) {
        if (o == null) {
            return;
        }
        podSpec.put("labels", merged(o.labels, (Map<String, String>) podSpec.get("labels")));
        if (o.annotations != null) {
            podSpec.put("annotations", new LinkedHashMap<>(o.annotations));
        }
        if (o.nodeSelector != null) {
            podSpec.put("nodeSelector", new LinkedHashMap<>(o.nodeSelector));
        }
        if (o.tolerations != null) {
            podSpec.put("tolerations", new ArrayList<>(o.tolerations));
        }
        if (o.affinity != null) {
            podSpec.put("affinity", o.affinity);
        }
    }

    /** The user's entries, then the operator's over them. */
    private static Map<String, String> merged(Map<String, String> user, Map<String, String> own) {
        if (user == null || user.isEmpty()) {
            return own;
        }
        Map<String, String> m = new LinkedHashMap<>(user);
        if (own != null) {
            m.putAll(own);
        }
        return m;
    }
}
