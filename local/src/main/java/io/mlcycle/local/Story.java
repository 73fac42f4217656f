package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * The rest of an example after its first version serves, as {@code local.properties} describes it
 * ({@code story.asOf}, {@code next-day.args}): the next day's data lands, every FeatureView moves
 * to the new as-of, the TrainingRun retrains and the deployment follows the new version; then the
 * feedback turns wrong and the operator rolls back. Each step is printed as it happens.
 */
public final class Story {

    /** The as-of the FeatureViews move to; the story runs only when the folder names one. */
    public static final String AS_OF = "story.asOf";

    /** The generator runs that land the next day's data. */
    public static final String NEXT_DAY = "next-day.args";

    private static final String API = ResourceTable.API_VERSION;
    private static final String NS = "default";

    private final LocalCluster cluster;
    private final Path folder;
    private final String asOf;
    private final PrintStream out;
    private final long started = System.nanoTime();

    private Story(LocalCluster cluster, Path folder, String asOf, PrintStream out) {
        this.cluster = cluster;
        this.folder = folder;
        this.asOf = asOf;
        this.out = out;
    }

    /** The story of {@code folder}, or null when its {@code local.properties} tells none. */
    public static Story of(LocalCluster cluster, Path folder, PrintStream out) {
        String asOf = QuickstartData.properties(folder).getProperty(AS_OF);
        return asOf == null || asOf.isBlank() ? null : new Story(cluster, folder, asOf.trim(), out);
    }

    /** The as-of the story moves to. */
    public String asOf() {
        return asOf;
    }

    /** Runs every step; returns what failed, or null when the rollback happened. */
    public String run(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        GenericKubernetesResource md = onlyDeployment();
        String name = md.getMetadata().getName();
        long from = version(md);
        say("1/4", name + " serves v" + from + figuresOf(md, from));
        long next = nextDay(deadline);
        if (next < 0) {
            return "the deployment did not move to a new version by the deadline";
        }
        say("2/4", name + " serves v" + next + figuresOf(onlyDeployment(), next));
        if (cluster.prometheus().isEmpty()) {
            say("3/4", "skipped: the rollback needs Prometheus (apt-get install prometheus)");
            return null;
        }
        say(
                "3/4",
                "feedback turns wrong: every prediction for "
                        + asOf
                        + "'s players is reported as a mistake");
        Rollback r = degradeUntilRollback(deadline);
        if (r == null) {
            return "no rollback by the deadline (current version "
                    + version(onlyDeployment())
                    + ")";
        }
        say(
                "4/4",
                String.format(
                        "rolled back v%d → v%d %.0f s after the feedback turned wrong: %s"
                                + " (RolledBack condition and Event on %s)",
                        r.from(), r.to(), r.seconds(), r.message(), name));
        return null;
    }

    /**
     * Lands the next day's data, moves every FeatureView to the story's as-of and waits until the
     * deployment serves a newer version than now; returns it, or -1 at the deadline.
     */
    public long nextDay(long deadlineNanos) throws InterruptedException {
        long from = version(onlyDeployment());
        for (List<String> args : QuickstartData.generatorRuns(folder, NEXT_DAY)) {
            say("2/4", "the next day lands: generator " + String.join(" ", args));
            QuickstartData.generate(
                    cluster.options().projectRoot(),
                    cluster.options().dataRoot(),
                    args,
                    cluster.options().workDir().resolve("logs/generator-next-day.log"));
        }
        KubernetesClient client = cluster.client();
        List<String> views = new ArrayList<>();
        for (GenericKubernetesResource fv : cluster.resources().get("FeatureView")) {
            views.add(fv.getMetadata().getName());
            client.genericKubernetesResources(API, "FeatureView")
                    .inNamespace(NS)
                    .withName(fv.getMetadata().getName())
                    .edit(
                            r -> {
                                spec(r).put("asOf", asOf);
                                return r;
                            });
        }
        say("2/4", "spec.asOf: " + asOf + " on " + String.join(", ", views) + " → retraining");
        boolean moved =
                waitFor(
                        deadlineNanos,
                        () -> {
                            GenericKubernetesResource md = onlyDeployment();
                            rejectedSince(md, from);
                            return "Available".equals(ResourceTable.phase(md))
                                    && version(md) > from;
                        });
        return moved ? version(onlyDeployment()) : -1;
    }

    /** What the operator recorded when it rolled back; {@code message} is the analysis' verdict. */
    public record Rollback(
            long from, long to, String metric, Object value, String message, double seconds) {}

    /**
     * Sends traffic whose feedback is always wrong until the deployment rolls back; null at the
     * deadline.
     */
    public Rollback degradeUntilRollback(long deadlineNanos) throws InterruptedException {
        GenericKubernetesResource md = onlyDeployment();
        long from = version(md);
        String name = md.getMetadata().getName();
        TrafficReplayer wrong;
        try {
            wrong = replayer(1, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + asOf + "'s tables for traffic", e);
        }
        long t0 = System.nanoTime();
        try (Traffic traffic = Traffic.start(wrong, Duration.ofMillis(200))) {
            if (!waitFor(deadlineNanos, () -> version(onlyDeployment()) < from)) {
                return null;
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        GenericKubernetesResource now = onlyDeployment();
        Object last =
                ResourceTable.get(now, "status", "rollbacks") instanceof List<?> l && !l.isEmpty()
                        ? l.get(0)
                        : Map.of();
        Map<?, ?> m = last instanceof Map<?, ?> map ? map : Map.of();
        return new Rollback(
                from,
                version(now),
                String.valueOf(m.get("metric")),
                m.get("value"),
                String.valueOf(m.get("message")),
                seconds);
    }

    /** A replayer sent over and over from a background thread until closed. */
    public static final class Traffic implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        private Traffic(TrafficReplayer replayer, Duration pause) {
            thread =
                    new Thread(
                            () -> {
                                while (!stop.get()) {
                                    try {
                                        replayer.run(null);
                                        Thread.sleep(pause.toMillis());
                                    } catch (InterruptedException e) {
                                        return;
                                    } catch (Exception e) {
                                        // the service may answer 503 while a pod rolls
                                    }
                                }
                            },
                            "story-traffic");
            thread.setDaemon(true);
        }

        /** Starts sending {@code replayer}'s requests, {@code pause} between rounds. */
        public static Traffic start(TrafficReplayer replayer, Duration pause) {
            Traffic t = new Traffic(replayer, pause);
            t.thread.start();
            return t;
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(10_000);
        }
    }

    /**
     * A replayer of the story's as-of: the TrainingRun's FeatureView tables at that as-of and its
     * labels, against the deployment's local Service.
     */
    public TrafficReplayer replayer(int requests, int degradeAfter) throws IOException {
        return replayer(requests, degradeAfter, true);
    }

    /**
     * {@link #replayer(int, int)} without the feedback token: what any pod that reaches the Service
     * could send; the server refuses its feedback.
     */
    public TrafficReplayer replayerWithoutToken(int requests, int degradeAfter) throws IOException {
        return replayer(requests, degradeAfter, false);
    }

    private TrafficReplayer replayer(int requests, int degradeAfter, boolean withToken)
            throws IOException {
        GenericKubernetesResource md = onlyDeployment();
        String name = md.getMetadata().getName();
        String model = ResourceTable.text(md, "spec", "model").orElse(name);
        GenericKubernetesResource tr =
                cluster.resources().get("TrainingRun").stream()
                        .filter(r -> model.equals(ResourceTable.get(r, "spec", "model")))
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        new IllegalStateException(
                                                "no TrainingRun trains model " + model));
        List<TrafficReplayer.Table> tables = new ArrayList<>();
        if (ResourceTable.get(tr, "spec", "features") instanceof List<?> features) {
            for (Object f : features) {
                String fv = String.valueOf(((Map<?, ?>) f).get("featureView"));
                GenericKubernetesResource view =
                        cluster.client()
                                .genericKubernetesResources(API, "FeatureView")
                                .inNamespace(NS)
                                .withName(fv)
                                .get();
                String uri =
                        ResourceTable.text(view, "status", "latest", "uri")
                                .orElseThrow(
                                        () ->
                                                new IllegalStateException(
                                                        "FeatureView " + fv + " has no table"));
                tables.add(new TrafficReplayer.Table(fv, local(uri)));
            }
        }
        String labels =
                ResourceTable.text(tr, "spec", "labels", "uri")
                        .orElseThrow()
                        .replace("{date}", asOf);
        String url =
                cluster.services()
                        .url(NS, name)
                        .orElseThrow(() -> new IllegalStateException(name + " has no Service yet"));
        return new TrafficReplayer(
                new TrafficReplayer.Options(
                        url,
                        model,
                        tables,
                        local(labels),
                        ResourceTable.text(tr, "spec", "labels", "entity").orElse("user_id"),
                        ResourceTable.text(tr, "spec", "labels", "column").orElse("label"),
                        requests,
                        25,
                        degradeAfter,
                        Duration.ZERO,
                        withToken
                                ? TrafficReplayer.feedbackToken(cluster.client(), NS, name)
                                : null));
    }

    private Path local(String uri) {
        String path = uri.startsWith("/") ? uri : URI.create(uri).getPath();
        return cluster.options().dataRoot().resolve(path.replaceFirst("^/+", ""));
    }

    private GenericKubernetesResource onlyDeployment() {
        List<GenericKubernetesResource> mds = cluster.resources().get("ModelDeployment");
        if (mds == null || mds.size() != 1) {
            throw new IllegalStateException(
                    "the story needs exactly one ModelDeployment, found "
                            + (mds == null ? 0 : mds.size()));
        }
        return mds.get(0);
    }

    private String figuresOf(GenericKubernetesResource md, long version) {
        String model = ResourceTable.text(md, "spec", "model").orElse(md.getMetadata().getName());
        GenericKubernetesResource mv =
                cluster.client()
                        .genericKubernetesResources(API, "ModelVersion")
                        .inNamespace(NS)
                        .withName(model + "-v" + version)
                        .get();
        if (mv == null) {
            return "";
        }
        Object auc = ResourceTable.get(mv, "spec", "metrics", "auc");
        Object algorithm = ResourceTable.get(mv, "spec", "algorithm");
        return " ("
                + (algorithm == null ? "" : algorithm + ", ")
                + "test AUC "
                + (auc instanceof Number n ? String.format("%.3f", n.doubleValue()) : "?")
                + ")";
    }

    /** Fails when every version trained after {@code from} was decided and none approved. */
    private void rejectedSince(GenericKubernetesResource md, long from) {
        String model = ResourceTable.text(md, "spec", "model").orElse(md.getMetadata().getName());
        List<GenericKubernetesResource> newer =
                cluster.resources().getOrDefault("ModelVersion", List.of()).stream()
                        .filter(v -> model.equals(ResourceTable.get(v, "spec", "model")))
                        .filter(
                                v ->
                                        ResourceTable.get(v, "spec", "version") instanceof Number n
                                                && n.longValue() > from)
                        .toList();
        boolean trainingDone =
                cluster.resources().getOrDefault("TrainingRun", List.of()).stream()
                        .allMatch(r -> "Succeeded".equals(ResourceTable.phase(r)));
        if (trainingDone
                && !newer.isEmpty()
                && newer.stream()
                        .allMatch(
                                v ->
                                        Boolean.FALSE.equals(
                                                ResourceTable.get(v, "status", "approved")))) {
            throw new IllegalStateException(
                    "the retrained version was not approved: "
                            + newer.stream()
                                    .map(
                                            v ->
                                                    v.getMetadata().getName()
                                                            + " "
                                                            + ResourceTable.figures(v))
                                    .toList());
        }
    }

    private static long version(GenericKubernetesResource md) {
        return ResourceTable.get(md, "status", "currentVersion") instanceof Number n
                ? n.longValue()
                : -1;
    }

    private boolean waitFor(long deadlineNanos, java.util.function.BooleanSupplier done)
            throws InterruptedException {
        Predicate<Scenario.State> failed = s -> s instanceof Scenario.Failed;
        while (System.nanoTime() < deadlineNanos) {
            if (!cluster.operator().isAlive()) {
                throw new IllegalStateException(
                        "the operator exited: " + Processes.tail(cluster.operator().log(), 2000));
            }
            Scenario.State s = Scenario.evaluate(cluster.resources());
            if (failed.test(s)) {
                throw new IllegalStateException(((Scenario.Failed) s).message());
            }
            if (done.getAsBoolean()) {
                return true;
            }
            Thread.sleep(1000);
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> spec(GenericKubernetesResource r) {
        return (Map<String, Object>) r.getAdditionalProperties().get("spec");
    }

    private void say(String step, String what) {
        out.printf("Story %s   %s   [%.0f s]%n", step, what, (System.nanoTime() - started) / 1e9);
    }
}
