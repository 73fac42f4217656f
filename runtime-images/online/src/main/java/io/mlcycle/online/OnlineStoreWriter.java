package io.mlcycle.online;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.SparseTables;
import io.mlcycle.task.PivotSummary;
import io.mlcycle.task.TaskJson;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.ScanResult;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes one FeatureView version to Redis so that readers switch to it all at once: rows go under a
 * fresh version tag, then one SET flips {@code mlcycle:fv:<view>:current}, then the previous
 * version's keys are given a short grace period (readers that resolved the old pointer just before
 * the flip still read a complete old version) before they expire.
 */
public final class OnlineStoreWriter {

    /**
     * How to write.
     *
     * @param ttl lifetime of a version's keys (rows, catalog and pointer expire together)
     * @param batch rows per pipeline flush
     * @param retireGrace how long the previous version stays readable after the flip; must exceed
     *     the readers' pointer cache
     */
    public record Options(Duration ttl, int batch, Duration retireGrace) {
        public static Options defaults(Duration ttl) {
            return new Options(ttl, 2000, Duration.ofSeconds(30));
        }
    }

    /**
     * What one write did, for the runtime's summary and the FeatureView status.
     *
     * @param version the current version after the write: the new one, or (when not switched) the
     *     newer one that was already current
     * @param switched whether readers now see the rows just written; false when a version with a
     *     later asOf was already current (a backfill of an older date never replaces it)
     * @param entities rows written (0 when skipped before writing)
     * @param previousTag the version it replaced, or null
     * @param retiredKeys keys of the replaced (or unused) version set to expire after the grace
     * @param bytes packed row bytes written
     * @param seconds wall time of the whole write
     * @param columns feature columns written (fewer than the table's when narrowed by an {@link
     *     OnlineSelection})
     */
    public record Result(
            String view,
            OnlineVersion version,
            boolean switched,
            long entities,
            String previousTag,
            long retiredKeys,
            long bytes,
            double seconds,
            int columns) {

        public Map<String, Object> figures() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(PivotSummary.ONLINE_VERSION, version.tag());
            m.put(PivotSummary.ONLINE_AS_OF, version.asOf());
            m.put(PivotSummary.ONLINE_SWITCHED, switched);
            m.put(PivotSummary.ONLINE_ENTITIES, entities);
            m.put(PivotSummary.ONLINE_BYTES, bytes);
            m.put(PivotSummary.ONLINE_SECONDS, Math.round(seconds * 1000) / 1000.0);
            m.put(PivotSummary.ONLINE_COLUMNS, columns);
            return m;
        }
    }

    /**
     * Flips the pointer unless a version with a later asOf is current: {1, old or ''} or {0,
     * current}. One script, so two writers racing cannot both win with the older date.
     */
    private static final String FLIP =
            "local cur = redis.call('GET', KEYS[1])\n"
                    + "if cur then\n"
                    + "  local ok, v = pcall(cjson.decode, cur)\n"
                    + "  if ok and type(v) == 'table' and type(v['asOf']) == 'string'"
                    + " and v['asOf'] > ARGV[2] then\n"
                    + "    return {0, cur}\n"
                    + "  end\n"
                    + "end\n"
                    + "redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[3])\n"
                    + "return {1, cur or ''}\n";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final UnifiedJedis redis;
    private final Options options;
    private final Clock clock;

    public OnlineStoreWriter(UnifiedJedis redis, Options options, Clock clock) {
        if (options.ttl() == null || options.ttl().isNegative() || options.ttl().isZero()) {
            throw new IllegalArgumentException("online.ttl must be positive, got " + options.ttl());
        }
        if (options.batch() < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + options.batch());
        }
        this.redis = redis;
        this.options = options;
        this.clock = clock;
    }

    public OnlineStoreWriter(UnifiedJedis redis, Options options) {
        this(redis, options, Clock.systemUTC());
    }

    /**
     * Writes a published FeatureView version directory ({@code sparse-*.parquet} + {@code
     * features.json}, asOf from the catalog) as the new current version of {@code view}.
     */
    public Result write(String view, Path versionDir) throws IOException {
        return write(view, versionDir, OnlineSelection.ALL);
    }

    /**
     * Writes only the {@code selection}'s columns of a published version directory as the new
     * current version of {@code view}; the version's catalog lists just those.
     */
    public Result write(String view, Path versionDir, OnlineSelection selection)
            throws IOException {
        FeatureCatalog catalog = FeatureCatalog.read(versionDir);
        if (catalog.asOf() == null || catalog.asOf().isBlank()) {
            throw new IllegalArgumentException(
                    versionDir.resolve(FeatureCatalog.FILE) + " has no asOf");
        }
        OnlineSelection.Narrowed narrowed = selection.apply(SparseTables.read(versionDir), catalog);
        return write(view, catalog.asOf(), narrowed.rows(), narrowed.catalog());
    }

    /** Writes {@code rows} (one per entity) as the new current version of {@code view}. */
    public Result write(String view, String asOf, SparseMatrix rows, FeatureCatalog catalog) {
        checkInput(view, asOf, rows, catalog);
        long start = System.nanoTime();
        String known;
        try {
            known = redis.get(OnlineKeys.current(view));
        } catch (JedisConnectionException e) {
            throw unreachable(view, e);
        }
        if (known != null) {
            OnlineVersion newer = OnlineStoreReader.parse(view, known);
            if (newer.asOf() != null && newer.asOf().compareTo(asOf) > 0) {
                return new Result(view, newer, false, 0, null, 0, 0, 0, catalog.size());
            }
        }
        String tag = asOf.replace("-", "") + "-" + HexFormat.of().formatHex(randomBytes());
        long expiresAt = clock.millis() + options.ttl().toMillis();
        SetParams expiry = SetParams.setParams().pxAt(expiresAt);
        List<String> names = names(catalog);
        long bytes = 0;
        try {
            redis.set(
                    OnlineKeys.catalog(view, tag),
                    TaskJson.MAPPER.writeValueAsString(names),
                    expiry);
            bytes = writeRows(view, tag, rows, expiry);
            OnlineVersion version =
                    new OnlineVersion(
                            tag,
                            asOf,
                            catalogHash(names),
                            rows.rows(),
                            catalog.size(),
                            clock.instant().toString(),
                            expiresAt);
            return flip(view, asOf, tag, version, rows.rows(), bytes, start, catalog.size());
        } catch (JedisConnectionException e) {
            throw unreachable(view, e);
        } catch (JedisException e) {
            throw new OnlineStoreException(
                    "RedisError",
                    "online store refused the write of featureView '"
                            + view
                            + "': "
                            + e.getMessage(),
                    e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Moves the view's current pointer to {@code version} unless a newer as-of got there first (one
     * Lua script), then retires the generation it replaced, or this one when it lost.
     */
    private Result flip(
            String view,
            String asOf,
            String tag,
            OnlineVersion version,
            int rowCount,
            long bytes,
            long start,
            int columns)
            throws com.fasterxml.jackson.core.JsonProcessingException {
        List<?> flip =
                (List<?>)
                        redis.eval(
                                FLIP,
                                List.of(OnlineKeys.current(view)),
                                List.of(
                                        TaskJson.MAPPER.writeValueAsString(version),
                                        asOf,
                                        Long.toString(version.expiresAt())));
        boolean switched = ((Number) flip.get(0)).longValue() == 1;
        String other = (String) flip.get(1);
        if (!switched) {
            long retired = retire(view, tag);
            return new Result(
                    view,
                    OnlineStoreReader.parse(view, other),
                    false,
                    rowCount,
                    null,
                    retired,
                    bytes,
                    (System.nanoTime() - start) / 1e9,
                    columns);
        }
        String previousTag =
                other == null || other.isEmpty()
                        ? null
                        : OnlineStoreReader.parse(view, other).tag();
        long retired =
                previousTag == null || previousTag.equals(tag) ? 0 : retire(view, previousTag);
        return new Result(
                view,
                version,
                true,
                rowCount,
                previousTag,
                retired,
                bytes,
                (System.nanoTime() - start) / 1e9,
                columns);
    }

    /** Refuses an empty as-of, a table that does not match its catalog, a repeated entity. */
    private static void checkInput(
            String view, String asOf, SparseMatrix rows, FeatureCatalog catalog) {
        OnlineKeys.checkView(view);
        if (asOf == null || asOf.isBlank()) {
            throw new IllegalArgumentException("asOf is empty for featureView '" + view + "'");
        }
        if (rows.numFeatures() != catalog.size()) {
            throw new IllegalArgumentException(
                    "featureView '"
                            + view
                            + "': table has "
                            + rows.numFeatures()
                            + " columns but features.json lists "
                            + catalog.size());
        }
        Set<String> seen = new HashSet<>(rows.rows() * 2);
        for (String e : rows.entities()) {
            if (e == null || !seen.add(e)) {
                throw new IllegalArgumentException(
                        "featureView '" + view + "' has entity '" + e + "' twice (or null)");
            }
        }
    }

    /** Every row under {@code tag}, pipelined in batches; returns the bytes written. */
    private long writeRows(String view, String tag, SparseMatrix rows, SetParams expiry) {
        long bytes = 0;
        int[] rowPtr = rows.rowPtr();
        try (AbstractPipeline p = redis.pipelined()) {
            for (int r = 0; r < rows.rows(); r++) {
                byte[] value =
                        OnlineKeys.encode(rows.cols(), rows.values(), rowPtr[r], rowPtr[r + 1]);
                bytes += value.length;
                p.set(OnlineKeys.row(view, tag, rows.entities()[r]), value, expiry);
                if ((r + 1) % options.batch() == 0) {
                    p.sync();
                }
            }
            p.sync();
        }
        return bytes;
    }

    private static OnlineStoreException unreachable(String view, JedisConnectionException e) {
        return new OnlineStoreException(
                "Unavailable",
                "online store unreachable while writing featureView '"
                        + view
                        + "': "
                        + e.getMessage(),
                e);
    }

    /** Shortens the lifetime of every key of {@code tag} to the grace period. */
    private long retire(String view, String tag) {
        long grace = options.retireGrace().toMillis();
        long n = 0;
        byte[] pattern = (OnlineKeys.rowPrefix(view, tag) + "*").getBytes(StandardCharsets.UTF_8);
        ScanParams params = new ScanParams().match(pattern).count(1000);
        byte[] cursor = ScanParams.SCAN_POINTER_START_BINARY;
        try (AbstractPipeline p = redis.pipelined()) {
            p.pexpire(OnlineKeys.catalog(view, tag), grace);
            boolean done = false;
            while (!done) {
                ScanResult<byte[]> page = redis.scan(cursor, params);
                for (byte[] key : page.getResult()) {
                    p.pexpire(key, grace);
                    n++;
                }
                p.sync();
                cursor = page.getCursorAsBytes();
                done = page.isCompleteIteration();
            }
            p.sync();
        }
        return n;
    }

    static List<String> names(FeatureCatalog catalog) {
        String[] byIndex = new String[catalog.size()];
        for (FeatureCatalog.Feature f : catalog.features()) {
            if (f.index() < 0 || f.index() >= byIndex.length || byIndex[f.index()] != null) {
                throw new IllegalArgumentException(
                        "features.json: feature index "
                                + f.index()
                                + " is out of range or repeated");
            }
            byIndex[f.index()] = f.name();
        }
        return List.of(byIndex);
    }

    static String catalogHash(List<String> names) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (String n : names) {
                d.update(n.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            }
            return HexFormat.of().formatHex(d.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[4];
        RANDOM.nextBytes(b);
        return b;
    }
}
