package io.mlcycle.online;

import com.fasterxml.jackson.core.type.TypeReference;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.task.TaskJson;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads the current rows of entities from one or more FeatureViews in the online store, mapped into
 * a caller's feature space (a model's inputs, named {@code <featureView>/<feature>}); values come
 * back raw and bit-exact, the model applies its own scaling. Safe from any number of threads.
 *
 * <p>A lookup is one MGET of every (view, entity) key; the views' {@code current} pointers are
 * cached for {@code pointerCache} and re-read together in one pipelined round trip when stale.
 */
public final class OnlineStoreReader {

    /**
     * One lookup.
     *
     * @param rows one row per requested entity, in request order, columns in the feature space; an
     *     entity absent from a view contributes nothing (zeros) for it, as in training's join
     * @param missingViews per row, the views that had no row for the entity (empty when complete)
     * @param versions the version read of each view
     */
    public record Lookup(
            SparseMatrix rows,
            List<List<String>> missingViews,
            Map<String, OnlineVersion> versions) {

        /** True when no view knows entity {@code row}: it cannot be scored. */
        public boolean unknown(int row) {
            return missingViews.get(row).size() == versions.size();
        }
    }

    private record Cached(OnlineVersion version, long readAt) {}

    private final UnifiedJedis redis;
    private final String where;
    private final List<String> views;
    private final Map<String, Integer> space;
    private final int numFeatures;
    private final long cacheNanos;
    private final OnlineMetrics metrics;
    private final Map<String, Cached> pointers = new ConcurrentHashMap<>();
    private final Map<String, int[]> mappings = new ConcurrentHashMap<>();

    /**
     * @param redis pooled client (not closed by the reader)
     * @param where the endpoint for messages, e.g. {@link RedisEndpoint#describe()}
     * @param views the FeatureViews to join, in order
     * @param featureSpace column names {@code <featureView>/<feature>} in column order
     * @param pointerCache how long a resolved {@code current} pointer is reused; keep it well under
     *     the writer's retire grace
     */
    public OnlineStoreReader(
            UnifiedJedis redis,
            String where,
            List<String> views,
            List<String> featureSpace,
            Duration pointerCache,
            OnlineMetrics metrics) {
        if (views.isEmpty()) {
            throw new IllegalArgumentException("no featureViews to read");
        }
        for (String v : views) {
            OnlineKeys.checkView(v);
        }
        if (views.stream().distinct().count() != views.size()) {
            throw new IllegalArgumentException("featureViews " + views + " repeat a name");
        }
        this.redis = redis;
        this.where = where;
        this.views = List.copyOf(views);
        this.space = new HashMap<>(featureSpace.size() * 2);
        for (int i = 0; i < featureSpace.size(); i++) {
            if (space.put(featureSpace.get(i), i) != null) {
                throw new IllegalArgumentException(
                        "feature '" + featureSpace.get(i) + "' appears twice in the feature space");
            }
        }
        this.numFeatures = featureSpace.size();
        this.cacheNanos = pointerCache.toNanos();
        this.metrics = metrics;
    }

    /** Current rows of {@code entities}; throws {@link OnlineStoreException} when Redis cannot. */
    public Lookup lookup(List<String> entities) {
        long start = System.nanoTime();
        try {
            Map<String, OnlineVersion> versions = resolve(start);
            int n = entities.size();
            int v = views.size();
            byte[][] keys = new byte[n * v][];
            for (int j = 0; j < v; j++) {
                String view = views.get(j);
                String tag = versions.get(view).tag();
                for (int i = 0; i < n; i++) {
                    keys[j * n + i] = OnlineKeys.row(view, tag, entities.get(i));
                }
            }
            List<byte[]> values = n == 0 ? List.of() : redis.mget(keys);
            Lookup out = assemble(entities, versions, values);
            metrics.onLookup(System.nanoTime() - start, n);
            return out;
        } catch (OnlineStoreException e) {
            metrics.onFailure(e.reason());
            throw e;
        } catch (JedisConnectionException e) {
            metrics.onFailure("Unavailable");
            throw new OnlineStoreException(
                    "Unavailable",
                    "online store " + where + " is unreachable: " + e.getMessage(),
                    e);
        } catch (JedisException e) {
            metrics.onFailure("RedisError");
            throw new OnlineStoreException(
                    "RedisError", "online store " + where + " failed: " + e.getMessage(), e);
        }
    }

    /** The current version of every view, refreshing stale pointers in one round trip. */
    public Map<String, OnlineVersion> resolve() {
        try {
            return resolve(System.nanoTime());
        } catch (JedisConnectionException e) {
            throw new OnlineStoreException(
                    "Unavailable",
                    "online store " + where + " is unreachable: " + e.getMessage(),
                    e);
        }
    }

    private Map<String, OnlineVersion> resolve(long now) {
        Map<String, OnlineVersion> out = new LinkedHashMap<>();
        List<String> stale = new ArrayList<>(0);
        for (String view : views) {
            Cached c = pointers.get(view);
            if (c == null || now - c.readAt() >= cacheNanos) {
                stale.add(view);
            } else {
                out.put(view, c.version());
            }
        }
        if (!stale.isEmpty()) {
            List<Response<String>> got = new ArrayList<>(stale.size());
            try (AbstractPipeline p = redis.pipelined()) {
                for (String view : stale) {
                    got.add(p.get(OnlineKeys.current(view)));
                }
                p.sync();
            }
            for (int i = 0; i < stale.size(); i++) {
                String view = stale.get(i);
                String json = got.get(i).get();
                if (json == null) {
                    throw new OnlineStoreException(
                            "NoOnlineVersion",
                            "featureView '"
                                    + view
                                    + "' has no current version in the online store "
                                    + where
                                    + " (never written, or expired after its ttl)");
                }
                OnlineVersion version = parse(view, json);
                pointers.put(view, new Cached(version, now));
                out.put(view, version);
            }
        }
        Map<String, OnlineVersion> ordered = new LinkedHashMap<>();
        for (String view : views) {
            ordered.put(view, out.get(view));
        }
        return ordered;
    }

    static OnlineVersion parse(String view, String json) {
        try {
            return TaskJson.MAPPER.readValue(json, OnlineVersion.class);
        } catch (IOException e) {
            throw new OnlineStoreException(
                    "CorruptValue",
                    "the online store pointer of featureView '"
                            + view
                            + "' is not an mlcycle version: "
                            + e.getMessage());
        }
    }

    /** View feature index → column of the feature space (-1 when the space does not use it). */
    private int[] mapping(String view, OnlineVersion version) {
        String id = view + "@" + version.catalogHash();
        int[] m = mappings.get(id);
        if (m != null) {
            return m;
        }
        String json = redis.get(OnlineKeys.catalog(view, version.tag()));
        if (json == null) {
            throw new OnlineStoreException(
                    "NoOnlineVersion",
                    "featureView '"
                            + view
                            + "' version "
                            + version.tag()
                            + " has no feature catalog in the online store (expired)");
        }
        List<String> names;
        try {
            names = TaskJson.MAPPER.readValue(json, new TypeReference<List<String>>() {});
        } catch (IOException e) {
            throw new OnlineStoreException(
                    "CorruptValue",
                    "feature catalog of featureView '" + view + "' is not a list of names");
        }
        m = new int[names.size()];
        for (int i = 0; i < m.length; i++) {
            m[i] = space.getOrDefault(view + "/" + names.get(i), -1);
        }
        mappings.put(id, m);
        return m;
    }

    private Lookup assemble(
            List<String> entities, Map<String, OnlineVersion> versions, List<byte[]> values) {
        int n = entities.size();
        int v = views.size();
        int[][] maps = new int[v][];
        for (int j = 0; j < v; j++) {
            maps[j] = mapping(views.get(j), versions.get(views.get(j)));
        }
        int[] rowPtr = new int[n + 1];
        int[] cols = new int[64];
        float[] vals = new float[64];
        int k = 0;
        List<List<String>> missing = new ArrayList<>(n);
        int[] missCount = new int[v];
        long[] packed = new long[16];
        for (int i = 0; i < n; i++) {
            List<String> miss = List.of();
            int count = 0;
            for (int j = 0; j < v; j++) {
                byte[] value = values.get(j * n + i);
                if (value == null) {
                    if (miss.isEmpty()) {
                        miss = new ArrayList<>(v);
                    }
                    miss.add(views.get(j));
                    missCount[j]++;
                    continue;
                }
                String key = views.get(j) + ":" + entities.get(i);
                int len = OnlineKeys.length(value, key);
                if (packed.length < count + len) {
                    packed = Arrays.copyOf(packed, Math.max(packed.length * 2, count + len));
                }
                count = unpack(value, len, key, maps[j], packed, count);
            }
            // columns of several views interleave in the feature space: sort by column
            Arrays.sort(packed, 0, count);
            if (cols.length < k + count) {
                cols = Arrays.copyOf(cols, Math.max(cols.length * 2, k + count));
                vals = Arrays.copyOf(vals, cols.length);
            }
            for (int p = 0; p < count; p++) {
                cols[k] = (int) (packed[p] >>> 32);
                vals[k++] = Float.intBitsToFloat((int) packed[p]);
            }
            rowPtr[i + 1] = k;
            missing.add(miss.isEmpty() ? List.of() : List.copyOf(miss));
        }
        reportMisses(missCount);
        SparseMatrix m =
                new SparseMatrix(
                        entities.toArray(String[]::new),
                        rowPtr,
                        Arrays.copyOf(cols, k),
                        Arrays.copyOf(vals, k),
                        numFeatures);
        return new Lookup(m, missing, versions);
    }

    /**
     * Appends one view's {@code len} (index, value) pairs of {@code value} to {@code packed} (which
     * has room) as {@code column << 32 | float bits}, columns mapped into the feature space by
     * {@code map} (-1: not a model feature, skipped); returns the new count. Allocates nothing.
     */
    private static int unpack(
            byte[] value, int len, String key, int[] map, long[] packed, int count) {
        ByteBuffer b = ByteBuffer.wrap(value, 1, value.length - 1);
        for (int p = 0; p < len; p++) {
            int idx = b.getInt();
            int bits = b.getInt();
            if (idx < 0 || idx >= map.length) {
                throw new OnlineStoreException(
                        "CorruptValue",
                        "online row "
                                + key
                                + " has feature index "
                                + idx
                                + " outside its catalog of "
                                + map.length);
            }
            int col = map[idx];
            if (col >= 0) {
                packed[count++] = ((long) col << 32) | (bits & 0xffffffffL);
            }
        }
        return count;
    }

    private void reportMisses(int[] missCount) {
        for (int j = 0; j < missCount.length; j++) {
            if (missCount[j] > 0) {
                metrics.onMiss(views.get(j), missCount[j]);
            }
        }
    }
}
