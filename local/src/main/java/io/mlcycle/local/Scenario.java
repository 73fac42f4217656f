package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * When a local run is over. Done: every FeatureView Ready (and, with {@code spec.online}, its
 * online store synced), every TrainingRun Succeeded, every ModelDeployment Available with a ready
 * replica serving a version (and, with {@code spec.online}, online features not stale). Failed: any
 * FeatureView or TrainingRun Failed, an online write failed, any ModelDeployment Failed or
 * Degraded, or every training finished without an approved version while a deployment still waits
 * for one.
 */
public final class Scenario {

    /** The verdict on the current state. */
    public sealed interface State permits Running, Done, Failed {}

    /** Still going. */
    public record Running() implements State {}

    /** The end state was reached. */
    public record Done(String summary) implements State {}

    /** Something failed; {@code message} says what. */
    public record Failed(String message) implements State {}

    private Scenario() {}

    public static State evaluate(Map<String, List<GenericKubernetesResource>> byKind) {
        List<GenericKubernetesResource> fvs = byKind.getOrDefault("FeatureView", List.of());
        List<GenericKubernetesResource> trs = byKind.getOrDefault("TrainingRun", List.of());
        List<GenericKubernetesResource> mds = byKind.getOrDefault("ModelDeployment", List.of());
        for (GenericKubernetesResource fv : fvs) {
            if ("Failed".equals(ResourceTable.phase(fv))) {
                return new Failed(ResourceTable.name(fv) + " Failed: " + why(fv));
            }
            Map<?, ?> synced = condition(fv, "OnlineSynced");
            if (synced != null && "OnlineWriteFailed".equals(synced.get("reason"))) {
                return new Failed(
                        ResourceTable.name(fv)
                                + " could not write the online store: "
                                + synced.get("message"));
            }
        }
        for (GenericKubernetesResource tr : trs) {
            if ("Failed".equals(ResourceTable.phase(tr))) {
                return new Failed(ResourceTable.name(tr) + " Failed: " + why(tr));
            }
        }
        for (GenericKubernetesResource md : mds) {
            String phase = ResourceTable.phase(md);
            if ("Failed".equals(phase) || "Degraded".equals(phase)) {
                return new Failed(ResourceTable.name(md) + " " + phase + ": " + why(md));
            }
        }
        if (fvs.isEmpty() && trs.isEmpty() && mds.isEmpty()) {
            return new Running();
        }
        boolean fvReady =
                fvs.stream()
                        .allMatch(
                                r ->
                                        "Ready".equals(ResourceTable.phase(r))
                                                && (ResourceTable.get(r, "spec", "online") == null
                                                        || conditionIs(r, "OnlineSynced", "True")));
        boolean trDone = trs.stream().allMatch(r -> "Succeeded".equals(ResourceTable.phase(r)));
        boolean mdAvailable = mds.stream().allMatch(Scenario::serving);
        if (fvReady && trDone && mdAvailable) {
            StringBuilder sb = new StringBuilder();
            for (GenericKubernetesResource md : mds) {
                sb.append(ResourceTable.name(md))
                        .append(" serves v")
                        .append(ResourceTable.get(md, "status", "currentVersion"))
                        .append("; ");
            }
            return new Done(sb.isEmpty() ? "all resources ready" : sb.toString().trim());
        }
        List<GenericKubernetesResource> mvs = byKind.getOrDefault("ModelVersion", List.of());
        if (fvReady
                && trDone
                && !trs.isEmpty()
                && !mdAvailable
                && !mvs.isEmpty()
                && mvs.stream().allMatch(r -> ResourceTable.get(r, "status", "approved") != null)
                && mvs.stream()
                        .noneMatch(
                                r ->
                                        Boolean.TRUE.equals(
                                                ResourceTable.get(r, "status", "approved")))
                && mvs.stream().noneMatch(r -> "RolledBack".equals(ResourceTable.phase(r)))) {
            return new Failed(
                    "every TrainingRun finished but no ModelVersion was approved: "
                            + mvs.stream()
                                    .map(
                                            r ->
                                                    ResourceTable.name(r)
                                                            + " "
                                                            + ResourceTable.figures(r))
                                    .toList());
        }
        return new Running();
    }

    static boolean serving(GenericKubernetesResource md) {
        Object ready = ResourceTable.get(md, "status", "readyReplicas");
        String phase = ResourceTable.phase(md);
        return ("Available".equals(phase) || "RolledBack".equals(phase))
                && ResourceTable.get(md, "status", "currentVersion") != null
                && ready instanceof Number n
                && n.intValue() >= 1
                && (ResourceTable.get(md, "spec", "online") == null
                        || conditionIs(md, "OnlineFeaturesStale", "False"));
    }

    /** The condition of {@code type} of a resource, or null. */
    static Map<?, ?> condition(GenericKubernetesResource r, String type) {
        if (ResourceTable.get(r, "status", "conditions") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> c && type.equals(c.get("type"))) {
                    return c;
                }
            }
        }
        return null;
    }

    static boolean conditionIs(GenericKubernetesResource r, String type, String status) {
        Map<?, ?> c = condition(r, type);
        return c != null && status.equals(c.get("status"));
    }

    /** The message of the first condition that explains a failure. */
    static String why(GenericKubernetesResource r) {
        Object conditions = ResourceTable.get(r, "status", "conditions");
        if (conditions instanceof List<?> list) {
            for (String type : List.of("Degraded", "Ready", "Failed")) {
                Optional<String> m =
                        list.stream()
                                .filter(o -> o instanceof Map<?, ?> c && type.equals(c.get("type")))
                                .map(o -> (Map<?, ?>) o)
                                .filter(
                                        c ->
                                                !"True".equals(c.get("status"))
                                                        || type.equals("Degraded"))
                                .map(c -> c.get("reason") + " " + c.get("message"))
                                .findFirst();
                if (m.isPresent()) {
                    return m.get().trim();
                }
            }
        }
        return "(no condition message)";
    }
}
