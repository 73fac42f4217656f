package io.mlcycle.pivot;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.lake.ScanPlan;
import io.mlcycle.online.OnlineKeys;
import io.mlcycle.online.OnlineSelection;
import io.mlcycle.online.OnlineStoreWriter;
import io.mlcycle.online.RedisEndpoint;
import io.mlcycle.task.PivotSummary;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import redis.clients.jedis.JedisPooled;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Writes a published version to the online store ({@code task.online}).
 *
 * <p>It runs only after the offline publish, and a failure never undoes that publish: the offline
 * table is what training and batch scoring read, and it is good. The run then ends {@code Failed}
 * with reason {@value #FAILED} and the published {@code uri}, so the operator keeps the table as
 * the latest and shows the online copy as behind; the pod's retry (or the next materialization)
 * writes it again.
 */
final class OnlineWrite {

    static final String FAILED = "OnlineWriteFailed";

    /** Redis writes are pipelined batches of thousands of rows: a longer timeout than reads. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private OnlineWrite() {}

    /** Checks the online block before any work, naming the field at fault. */
    static void check(PivotTask task) {
        PivotTask.Online online = task.online();
        if (online == null) {
            return;
        }
        if (online.url() == null || online.url().isBlank()) {
            throw TaskFailure.invalid("InvalidTask", "online.url is empty");
        }
        if (!online.url().startsWith("redis://") && !online.url().startsWith("rediss://")) {
            throw TaskFailure.invalid(
                    "InvalidTask", "online.url must start with redis:// or rediss://");
        }
        if (online.ttlSeconds() <= 0) {
            throw TaskFailure.invalid(
                    "InvalidTask", "online.ttlSeconds " + online.ttlSeconds() + " must be > 0");
        }
        if (online.margin() < 0) {
            throw TaskFailure.invalid(
                    "InvalidTask", "online.margin " + online.margin() + " must be >= 0");
        }
        if (online.narrowed()
                && online.columns().stream().anyMatch(c -> c == null || c.isBlank())) {
            throw TaskFailure.invalid("InvalidTask", "online.columns has an empty name");
        }
        checkRanking(online);
        if (view(task) == null) {
            throw TaskFailure.invalid(
                    "InvalidTask", "owner.name (the FeatureView) is required with online");
        }
        try {
            OnlineKeys.checkView(view(task));
        } catch (IllegalArgumentException e) {
            throw TaskFailure.invalid("InvalidTask", "owner.name: " + e.getMessage());
        }
    }

    private static void checkRanking(PivotTask.Online online) {
        PivotTask.Ranking ranking = online.ranking();
        if (ranking == null) {
            return;
        }
        if (!online.narrowed()) {
            throw TaskFailure.invalid(
                    "InvalidTask", "online.ranking needs online.columns (a narrowed write)");
        }
        if (ranking.topK() < 1) {
            throw TaskFailure.invalid(
                    "InvalidTask", "online.ranking.topK " + ranking.topK() + " must be >= 1");
        }
        if (ranking.models() == null || ranking.models().isEmpty()) {
            throw TaskFailure.invalid("InvalidTask", "online.ranking.models is empty");
        }
        for (PivotTask.RankedModel m : ranking.models()) {
            if (m == null || m.artifactUri() == null || m.artifactUri().isBlank()) {
                throw TaskFailure.invalid(
                        "InvalidTask",
                        "online.ranking.models: "
                                + (m == null ? "an entry" : m.name())
                                + " has no artifactUri");
            }
        }
    }

    /**
     * The task's column list (with, under {@code online.ranking}, each listed version's top
     * features of the view from its full ranking) and margin; every column without a list.
     */
    static OnlineSelection selection(PivotTask task) {
        PivotTask.Online online = task.online();
        return online.narrowed()
                ? new OnlineSelection(ModelRankings.columns(online, view(task)), online.margin())
                : OnlineSelection.ALL;
    }

    /** The FeatureView's name: the online keys are {@code mlcycle:fv:<view>:…}. */
    static String view(PivotTask task) {
        return task.owner() == null ? null : task.owner().name();
    }

    /**
     * What the online store gets: a version's directory, or for an Iceberg table the committed
     * snapshot's planned files (the scan the trainer and the batch scorer read).
     */
    @FunctionalInterface
    interface Source {
        OnlineStoreWriter.Result writeTo(
                OnlineStoreWriter writer, String view, OnlineSelection selection)
                throws IOException;

        static Source directory(Path published) {
            return (writer, view, selection) -> writer.write(view, published, selection);
        }

        static Source snapshot(ScanPlan plan) {
            return (writer, view, selection) -> {
                OnlineSelection.Narrowed narrowed =
                        selection.apply(plan.read(), plan.featureCatalog());
                return writer.write(view, plan.asOf(), narrowed.rows(), narrowed.catalog());
            };
        }
    }

    /**
     * Writes {@code published} and returns the offline summary with the online figures added, or a
     * {@value #FAILED} summary that still names the published {@code uri}.
     */
    static Summary write(
            PivotTask task, Source published, Summary offline, Function<String, String> env) {
        PivotTask.Online online = task.online();
        Map<String, Double> figures = new LinkedHashMap<>(offline.figures());
        OnlineSelection selection;
        try {
            selection = selection(task);
        } catch (TaskFailure e) {
            return failed(
                    offline,
                    figures,
                    "published "
                            + offline.uri()
                            + " but the online columns could not be chosen: "
                            + e.getMessage());
        }
        String password = online.passwordEnv() == null ? null : env.apply(online.passwordEnv());
        RedisEndpoint endpoint = new RedisEndpoint(online.url(), password, TIMEOUT, 2);
        Map<String, Object> details = new LinkedHashMap<>();
        try (JedisPooled redis = endpoint.open()) {
            OnlineStoreWriter writer =
                    new OnlineStoreWriter(
                            redis,
                            OnlineStoreWriter.Options.defaults(
                                    Duration.ofSeconds(online.ttlSeconds())));
            OnlineStoreWriter.Result r = published.writeTo(writer, view(task), selection);
            figures.put(PivotSummary.ONLINE_ENTITIES, (double) r.entities());
            figures.put(PivotSummary.ONLINE_SECONDS, Math.round(r.seconds() * 1000) / 1000.0);
            figures.put(PivotSummary.ONLINE_BYTES, (double) r.bytes());
            figures.put(PivotSummary.ONLINE_SWITCHED, r.switched() ? 1.0 : 0.0);
            figures.put(PivotSummary.ONLINE_COLUMNS, (double) r.columns());
            // online keys first: details are what a too-long summary loses first
            details.put(PivotSummary.ONLINE_VERSION, r.version().tag());
            details.put(PivotSummary.ONLINE_AS_OF, r.version().asOf());
            details.put(PivotSummary.ONLINE_WRITTEN_AT, r.version().writtenAt());
            if (offline.details() != null) {
                details.putAll(offline.details());
            }
            System.err.printf(
                    "mlcycle-pivot: online store %s: %s version %s, %d entities, %d columns%s in"
                            + " %.2f s%s%n",
                    endpoint.describe(),
                    view(task),
                    r.version().tag(),
                    r.entities(),
                    r.columns(),
                    online.narrowed() ? " (narrowed to the models' features)" : "",
                    r.seconds(),
                    r.switched() ? "" : " (a later as-of stays current)");
            return Summary.succeeded(offline.uri(), figures, details);
        } catch (Exception e) {
            return failed(
                    offline,
                    figures,
                    "published "
                            + offline.uri()
                            + " but writing it to the online store "
                            + endpoint.describe()
                            + " failed: "
                            + e.getMessage());
        }
    }

    /** A {@value #FAILED} run that still names the published table: it stays the latest. */
    private static Summary failed(Summary offline, Map<String, Double> figures, String message) {
        System.err.println("mlcycle-pivot: " + message);
        return new Summary(
                Summary.Outcome.Failed, FAILED, message, offline.uri(), figures, offline.details());
    }
}
