package io.mlcycle.server;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.online.OnlineMetrics;
import io.mlcycle.online.OnlineStoreReader;
import io.mlcycle.online.RedisEndpoint;
import io.mlcycle.task.ServeTask;
import redis.clients.jedis.JedisPooled;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Feature rows by entity id from the online store (Redis), in the served model's feature space. The
 * reader is built for the loaded model on first use; values come back raw and the model applies its
 * own scaling, exactly as for rows sent in the request.
 */
final class OnlineFeatures implements AutoCloseable {

    /** Re-read the views' current pointers this often (well under the writer's 30 s grace). */
    static final Duration POINTER_CACHE = Duration.ofSeconds(1);

    private record Bound(ServingModel model, OnlineStoreReader reader) {}

    private final List<String> views;
    private final RedisEndpoint endpoint;
    private final JedisPooled redis;
    private final OnlineMetrics metrics;
    private volatile Bound bound;

    OnlineFeatures(RedisEndpoint endpoint, List<String> views, OnlineMetrics metrics) {
        this.endpoint = endpoint;
        this.views = views == null ? List.of() : List.copyOf(views);
        this.metrics = metrics;
        // a pool connects lazily: Redis being down at start only fails lookups (503)
        this.redis = endpoint.open();
    }

    /** The online store of a task, the password from the variable it names; checked. */
    static OnlineFeatures open(
            ServeTask.Online online, Map<String, String> env, OnlineMetrics metrics) {
        if (online.url() == null || online.url().isBlank()) {
            throw TaskFailure.invalid("InvalidTask", "online.url is empty");
        }
        if (!online.url().startsWith("redis://") && !online.url().startsWith("rediss://")) {
            throw TaskFailure.invalid(
                    "InvalidTask", "online.url must start with redis:// or rediss://");
        }
        String password = online.passwordEnv() == null ? null : env.get(online.passwordEnv());
        try {
            return new OnlineFeatures(
                    RedisEndpoint.of(online.url(), password), online.featureViews(), metrics);
        } catch (IllegalArgumentException e) {
            throw TaskFailure.invalid("InvalidTask", "online: " + e.getMessage());
        }
    }

    /**
     * Opens the Redis connections in the background (never delays start or readiness), so the first
     * burst of lookups finds them open.
     */
    void warmInBackground() {
        Thread t = new Thread(() -> endpoint.warm(redis), "mlcycle-online-warm-up");
        t.setDaemon(true);
        t.start();
    }

    String describe() {
        return endpoint.describe();
    }

    /**
     * Rows of {@code entities} in {@code model}'s feature space; throws {@code
     * OnlineStoreException} when the store cannot answer.
     */
    OnlineStoreReader.Lookup lookup(ServingModel model, List<String> entities) {
        Bound b = bound;
        if (b == null || b.model() != model) {
            synchronized (this) {
                b = bound;
                if (b == null || b.model() != model) {
                    b =
                            new Bound(
                                    model,
                                    new OnlineStoreReader(
                                            redis,
                                            endpoint.describe(),
                                            views(model.featureNames()),
                                            model.featureNames(),
                                            POINTER_CACHE,
                                            metrics));
                    bound = b;
                }
            }
        }
        return b.reader().lookup(entities);
    }

    /** The task's views, else the distinct {@code <view>} prefixes of the model's features. */
    List<String> views(List<String> featureNames) {
        if (!views.isEmpty()) {
            return views;
        }
        Set<String> out = new LinkedHashSet<>();
        for (String f : featureNames) {
            int slash = f.indexOf('/');
            if (slash > 0) {
                out.add(f.substring(0, slash));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException(
                    "the model's features name no FeatureView (<view>/<feature>) and the task"
                            + " lists none in online.featureViews");
        }
        return List.copyOf(out);
    }

    @Override
    public void close() {
        redis.close();
    }
}
