package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Watches the four mlcycle kinds and their Events and prints a line whenever a resource's phase or
 * key figures change, like {@code kubectl get mlcycle -w}.
 */
public final class ResourceTable implements AutoCloseable {

    /** The kinds shown, in lifecycle order. */
    public static final List<String> KINDS =
            List.of("FeatureView", "TrainingRun", "ModelVersion", "ModelDeployment");

    static final String API_VERSION = "mlcycle.io/v1alpha1";

    private final KubernetesClient client;
    private final PrintStream out;
    private final Instant started = Instant.now();
    private final Map<String, String> lastRow = new ConcurrentHashMap<>();
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final Map<String, SharedIndexInformer<GenericKubernetesResource>> byKind =
            new ConcurrentHashMap<>();

    public ResourceTable(KubernetesClient client, PrintStream out) {
        this.client = client;
        this.out = out;
    }

    public ResourceTable start() {
        out.printf("%-8s %-36s %-16s %s%n", "TIME", "RESOURCE", "PHASE", "FIGURES");
        for (String kind : KINDS) {
            SharedIndexInformer<GenericKubernetesResource> inf =
                    client.genericKubernetesResources(API_VERSION, kind)
                            .inAnyNamespace()
                            .inform(
                                    new ResourceEventHandler<>() {
                                        @Override
                                        public void onAdd(GenericKubernetesResource r) {
                                            show(r);
                                        }

                                        @Override
                                        public void onUpdate(
                                                GenericKubernetesResource o,
                                                GenericKubernetesResource r) {
                                            show(r);
                                        }

                                        @Override
                                        public void onDelete(
                                                GenericKubernetesResource r, boolean unknown) {
                                            print(name(r), "deleted", "");
                                        }
                                    },
                                    0);
            informers.add(inf);
            byKind.put(kind, inf);
        }
        informers.add(
                client.v1()
                        .events()
                        .inAnyNamespace()
                        .inform(
                                new ResourceEventHandler<>() {
                                    @Override
                                    public void onAdd(Event e) {
                                        event(e);
                                    }

                                    @Override
                                    public void onUpdate(Event o, Event e) {
                                        if (!java.util.Objects.equals(o.getCount(), e.getCount())) {
                                            event(e);
                                        }
                                    }

                                    @Override
                                    public void onDelete(Event e, boolean unknown) {}
                                },
                                0));
        return this;
    }

    /** The current objects of one kind. */
    public List<GenericKubernetesResource> list(String kind) {
        SharedIndexInformer<GenericKubernetesResource> inf = byKind.get(kind);
        return inf == null ? List.of() : inf.getStore().list();
    }

    private void event(Event e) {
        var obj = e.getInvolvedObject();
        if (obj == null
                || obj.getApiVersion() == null
                || !obj.getApiVersion().startsWith("mlcycle.io")) {
            return;
        }
        print(
                shortKind(obj.getKind()) + "/" + obj.getName(),
                "event",
                ("Warning".equals(e.getType()) ? "⚠ " : "")
                        + e.getReason()
                        + ": "
                        + e.getMessage());
    }

    private void show(GenericKubernetesResource r) {
        String key = name(r);
        String row = phase(r) + "\t" + figures(r);
        if (!row.equals(lastRow.put(key, row))) {
            print(key, phase(r), figures(r));
        }
    }

    private synchronized void print(String resource, String phase, String figures) {
        long s = Duration.between(started, Instant.now()).toSeconds();
        out.printf(
                "%-8s %-36s %-16s %s%n",
                String.format("%d:%02d", s / 60, s % 60), resource, phase, figures);
        out.flush();
    }

    static String name(GenericKubernetesResource r) {
        return shortKind(r.getKind()) + "/" + r.getMetadata().getName();
    }

    static String shortKind(String kind) {
        return switch (kind) {
            case "FeatureView" -> "fv";
            case "TrainingRun" -> "tr";
            case "ModelVersion" -> "mv";
            case "ModelDeployment" -> "md";
            default -> kind.toLowerCase(Locale.ROOT);
        };
    }

    static String phase(GenericKubernetesResource r) {
        Object p = get(r, "status", "phase");
        return p == null ? "-" : p.toString();
    }

    /** The figures a person scans, per kind. */
    static String figures(GenericKubernetesResource r) {
        StringBuilder sb = new StringBuilder();
        switch (r.getKind()) {
            case "FeatureView" -> {
                add(sb, "asOf", get(r, "status", "latest", "asOf"));
                add(sb, "entities", get(r, "status", "latest", "entities"));
                add(sb, "features", get(r, "status", "latest", "features"));
                add(sb, "sparsity", get(r, "status", "latest", "sparsity"));
                add(sb, "online", get(r, "status", "online", "asOf"));
                add(sb, "onlineEntities", get(r, "status", "online", "entities"));
                Object active = get(r, "status", "active");
                if (active instanceof List<?> l && !l.isEmpty()) {
                    add(sb, "running", l.size());
                }
            }
            case "TrainingRun" -> {
                add(sb, "version", get(r, "status", "modelVersion"));
                add(sb, "auc", get(r, "status", "auc"));
                add(sb, "approved", get(r, "status", "approved"));
                add(sb, "training", get(r, "status", "active", "version"));
            }
            case "ModelVersion" -> {
                add(sb, "auc", get(r, "spec", "metrics", "auc"));
                add(sb, "approved", get(r, "status", "approved"));
            }
            case "ModelDeployment" -> {
                add(sb, "current", version(get(r, "status", "currentVersion")));
                add(sb, "previous", version(get(r, "status", "previousVersion")));
                Object ready = get(r, "status", "readyReplicas");
                Object wanted = get(r, "status", "replicas");
                if (ready != null || wanted != null) {
                    sb.append("ready=")
                            .append(ready == null ? 0 : ready)
                            .append('/')
                            .append(wanted == null ? "?" : wanted)
                            .append(' ');
                }
                if (get(r, "spec", "online") != null) {
                    Map<?, ?> stale = Scenario.condition(r, "OnlineFeaturesStale");
                    add(
                            sb,
                            "online",
                            stale == null
                                    ? null
                                    : "True".equals(stale.get("status")) ? "stale" : "fresh");
                }
                add(sb, "analysis", get(r, "status", "analysis", "verdict"));
                add(sb, "failures", get(r, "status", "analysis", "consecutiveFailures"));
            }
            default -> {}
        }
        String reason = falseReadyMessage(r);
        if (reason != null) {
            sb.append("— ").append(reason);
        }
        return sb.toString().trim();
    }

    private static Object version(Object v) {
        return v == null ? null : "v" + v;
    }

    /** The message of a Degraded=True condition, if any: why something is wrong. */
    private static String falseReadyMessage(GenericKubernetesResource r) {
        Object conditions = get(r, "status", "conditions");
        if (!(conditions instanceof List<?> list)) {
            return null;
        }
        for (Object o : list) {
            if (o instanceof Map<?, ?> c
                    && "Degraded".equals(c.get("type"))
                    && "True".equals(c.get("status"))) {
                Object m = c.get("message");
                return m == null || m.toString().isBlank()
                        ? String.valueOf(c.get("reason"))
                        : m.toString();
            }
        }
        return null;
    }

    private static void add(StringBuilder sb, String key, Object value) {
        if (value == null) {
            return;
        }
        String v =
                value instanceof Double d
                        ? String.format(Locale.ROOT, "%.4f", d)
                        : value.toString();
        sb.append(key).append('=').append(v).append(' ');
    }

    /** A nested field of a generic resource, or null. */
    public static Object get(GenericKubernetesResource r, String... path) {
        Object cur = r.getAdditionalProperties();
        if (path.length > 0 && path[0].equals("metadata")) {
            return null;
        }
        for (String p : path) {
            if (!(cur instanceof Map<?, ?> m)) {
                return null;
            }
            cur = m.get(p);
        }
        return cur;
    }

    /** A nested field as text. */
    public static Optional<String> text(GenericKubernetesResource r, String... path) {
        return Optional.ofNullable(get(r, path)).map(Object::toString);
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
    }
}
