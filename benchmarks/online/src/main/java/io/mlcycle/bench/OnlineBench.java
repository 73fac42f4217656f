package io.mlcycle.bench;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.model.Algorithm;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.model.ModelSpec;
import io.mlcycle.online.LocalRedis;
import io.mlcycle.online.OnlineMetrics;
import io.mlcycle.online.OnlineStoreReader;
import io.mlcycle.online.OnlineStoreWriter;
import io.mlcycle.online.RedisEndpoint;
import io.mlcycle.trainer.Fit;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Protocol;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Online store latency on a loopback redis-server: writes one FeatureView version, then sends
 * single-entity requests open loop at a fixed rate (latency counted from each request's scheduled
 * send time, so a stall shows up in every request it delays), first lookups alone, then lookup +
 * predict with a small model trained by the trainer's {@link Fit}.
 */
public final class OnlineBench {

    static final String VIEW = "bench-events";

    public static void main(String[] args) throws Exception {
        int entities = arg(args, 0, 200_000);
        int nnz = arg(args, 1, 50);
        int features = arg(args, 2, 5000);
        int rate = arg(args, 3, 1000);
        int seconds = arg(args, 4, 30);
        int trainRows = Math.min(entities, 5000);

        SparseMatrix table = generate(entities, nnz, features, 1);
        FeatureCatalog catalog = catalog(table);
        System.out.printf(
                Locale.ROOT,
                "table: %d entities x %d features, %d non-zeros%n",
                entities,
                features,
                table.nonZeros());

        try (LocalRedis server = LocalRedis.start()) {
            RedisEndpoint endpoint =
                    new RedisEndpoint(server.url(), null, Duration.ofMillis(500), 16);
            try (JedisPooled redis = endpoint.open()) {
                OnlineStoreWriter.Result w =
                        new OnlineStoreWriter(
                                        redis,
                                        OnlineStoreWriter.Options.defaults(Duration.ofHours(1)))
                                .write(VIEW, "2026-11-20", table, catalog);
                String mem;
                try (Jedis admin = new Jedis("127.0.0.1", server.port())) {
                    mem =
                            admin.info("memory")
                                    .lines()
                                    .filter(l -> l.startsWith("used_memory_human:"))
                                    .findFirst()
                                    .orElse("?");
                }
                System.out.printf(
                        Locale.ROOT,
                        "write: %d entities, %.1f MB packed in %.2f s (%.0f entities/s), redis %s%n",
                        w.version().entities(),
                        w.bytes() / 1e6,
                        w.seconds(),
                        w.version().entities() / w.seconds(),
                        mem);

                ModelArtifact model = train(table, catalog, trainRows);
                OnlineStoreReader reader =
                        new OnlineStoreReader(
                                redis,
                                endpoint.describe(),
                                List.of(VIEW),
                                model.featureNames(),
                                Duration.ofSeconds(1),
                                OnlineMetrics.NONE);
                String[] ids = table.entities();
                Random pick = new Random(7);
                int[] order = new int[rate * (seconds + 3)];
                for (int i = 0; i < order.length; i++) {
                    order[i] = pick.nextInt(ids.length);
                }
                AtomicLong misses = new AtomicLong();
                IntConsumer lookup =
                        i -> {
                            OnlineStoreReader.Lookup got = reader.lookup(List.of(ids[order[i]]));
                            if (got.unknown(0)) {
                                misses.incrementAndGet();
                            }
                        };
                float[] sink = new float[1];
                IntConsumer infer =
                        i -> {
                            OnlineStoreReader.Lookup got = reader.lookup(List.of(ids[order[i]]));
                            if (got.unknown(0)) {
                                misses.incrementAndGet();
                            }
                            sink[0] += model.predict(got.rows())[0];
                        };
                // as the server does at start (RedisEndpoint.warm): every pooled connection open
                // before the first burst; BENCH_WARM_POOL=0 measures a cold, lazily filled pool
                if (!"0".equals(System.getenv("BENCH_WARM_POOL"))) {
                    System.out.println("pool warmed: " + endpoint.warm(redis) + " connections");
                }
                // closed loop first, as the server benchmark does: the lookup path is compiled (C2)
                // before anything is recorded; 3 s at 1 000/s is too few calls for that, and the
                // compiler threads then compete for the 2 cores inside the first recorded phase
                int warmCalls = envInt("BENCH_WARMUP_CALLS", 30_000);
                long jit0 = jitMillis();
                warmUp(lookup, warmCalls, order.length);
                warmUp(infer, warmCalls, order.length);
                System.out.printf(
                        Locale.ROOT,
                        "closed-loop warm-up (16 threads): %d lookups and %d lookup+predict, JIT"
                                + " %d ms%n",
                        warmCalls,
                        warmCalls,
                        jitMillis() - jit0);
                // the table, the packed write and the training are this harness's garbage, not the
                // serving path's: collect it before measuring (BENCH_GC_BEFORE=0 leaves it to land
                // in the first recorded phase)
                if (!"0".equals(System.getenv("BENCH_GC_BEFORE"))) {
                    System.gc();
                }
                try (Jedis admin = new Jedis("127.0.0.1", server.port())) {
                    // Redis records its own stalls over 1 ms (event loop, expire, fork...): a
                    // slow request with nothing here came from the client side or the machine
                    admin.configSet("latency-monitor-threshold", "1");
                    admin.sendCommand(Protocol.Command.LATENCY, "RESET");
                }
                System.out.println("before lookups: " + redisStats(server.port()));
                Stats l = openLoop("lookup", rate, seconds, lookup);
                System.out.println("after lookups: " + redisStats(server.port()));
                Stats p = openLoop("infer_by_entity", rate, seconds, infer);
                System.out.println("after infer_by_entity: " + redisStats(server.port()));
                // the floor: the same generator, pool and rate sending PING, which Redis answers
                // without touching a key, so what remains is the round trip and the machine
                Stats f = openLoop("ping", rate, seconds, i -> redis.ping());
                System.out.printf(
                        Locale.ROOT,
                        "floor, PING at %d/s: p50 %.3f ms, p99 %.3f ms; lookup p99 / floor p99 ="
                                + " %.2f, infer_by_entity p99 / floor p99 = %.2f%n",
                        rate,
                        f.p50,
                        f.p99,
                        l.p99 / f.p99,
                        p.p99 / f.p99);
                if (misses.get() > 0) {
                    throw new IllegalStateException(misses.get() + " lookups found no row");
                }
                System.out.printf(
                        Locale.ROOT,
                        "BENCH online p99_ms_lookup=%.3f p99_ms_infer_by_entity=%.3f%n",
                        l.p99,
                        p.p99);
            }
        }
    }

    /**
     * {@code calls} calls of {@code work} back to back, nothing recorded, handed to a pool of 16
     * threads exactly as {@link #openLoop} hands them (so the executor's paths get compiled too).
     */
    static void warmUp(IntConsumer work, int calls, int indices) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(64);
        for (int i = 0; i < calls; i++) {
            int id = i % indices;
            inFlight.acquire();
            pool.execute(
                    () -> {
                        try {
                            work.accept(id);
                        } finally {
                            inFlight.release();
                        }
                    });
        }
        pool.shutdown();
        pool.awaitTermination(5, TimeUnit.MINUTES);
    }

    /** Milliseconds the JIT compilers have worked so far. */
    static long jitMillis() {
        var jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported()
                ? jit.getTotalCompilationTime()
                : -1;
    }

    static int envInt(String name, int dflt) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? dflt : Integer.parseInt(v.trim());
    }

    /** Collections and milliseconds of collection (≈ pause time) of this JVM so far. */
    static long[] gcTotals() {
        long count = 0;
        long ms = 0;
        for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
            ms += Math.max(0, gc.getCollectionTime());
        }
        return new long[] {count, ms};
    }

    /** Connections Redis accepted so far and has open, and its own slowest commands. */
    static String redisStats(int port) {
        try (Jedis admin = new Jedis("127.0.0.1", port)) {
            String stats = admin.info("stats") + admin.info("clients");
            Object latest = admin.sendCommand(Protocol.Command.LATENCY, "LATEST");
            StringBuilder out = new StringBuilder();
            for (String key : List.of("total_connections_received", "connected_clients")) {
                stats.lines()
                        .filter(l -> l.startsWith(key + ":"))
                        .findFirst()
                        .ifPresent(l -> out.append(l.trim()).append(' '));
            }
            out.append("redis stalls >1ms (event, last unix s, last ms, max ms): ")
                    .append(text(latest));
            return out.toString().trim();
        }
    }

    /** A RESP reply as text (bulk strings decoded). */
    static String text(Object reply) {
        if (reply instanceof byte[] b) {
            return new String(b, java.nio.charset.StandardCharsets.UTF_8);
        }
        if (reply instanceof List<?> l) {
            List<String> parts = new ArrayList<>();
            for (Object o : l) {
                parts.add(text(o));
            }
            return parts.toString();
        }
        return String.valueOf(reply);
    }

    record Stats(double p50, double p99, double p999, double max, long errors) {}

    /** {@code rate}/s for {@code seconds} after a 3 s warm-up at the same rate. */
    static Stats openLoop(String name, int rate, int seconds, IntConsumer work)
            throws InterruptedException {
        int warm = rate * 3;
        int n = warm + rate * seconds;
        long[] lat = new long[n];
        AtomicLong errors = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        long period = 1_000_000_000L / rate;
        long[] gc0 = gcTotals();
        long jit0 = jitMillis();
        long t0 = System.nanoTime() + 10_000_000L;
        System.out.printf(
                Locale.ROOT,
                "%s: starts at JVM uptime %.3f s (recorded part from %.3f s)%n",
                name,
                java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1e3,
                java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1e3 + 3);
        for (int i = 0; i < n; i++) {
            long due = t0 + i * period;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                if (wait > 100_000) {
                    LockSupport.parkNanos(wait - 50_000);
                } else {
                    Thread.onSpinWait();
                }
            }
            int id = i;
            pool.execute(
                    () -> {
                        try {
                            work.accept(id);
                        } catch (RuntimeException e) {
                            if (errors.incrementAndGet() == 1) {
                                System.err.println(name + ": " + e);
                            }
                        }
                        lat[id] = System.nanoTime() - due;
                    });
        }
        pool.shutdown();
        pool.awaitTermination(1, TimeUnit.MINUTES);
        long[] m = Arrays.copyOfRange(lat, warm, n);
        long[] gc = gcTotals();
        System.out.printf(
                Locale.ROOT,
                "%s: this JVM during the phase (warm-up included): GC %d collections %d ms, JIT %d"
                        + " ms%n",
                name,
                gc[0] - gc0[0],
                gc[1] - gc0[1],
                jitMillis() - jit0);
        // where the slowest requests were scheduled (ms into the recorded part), to line them up
        // with GC logs and Redis activity
        Integer[] worst = new Integer[m.length];
        for (int i = 0; i < worst.length; i++) {
            worst[i] = i;
        }
        Arrays.sort(worst, (x, y) -> Long.compare(m[y], m[x]));
        StringBuilder slow = new StringBuilder();
        for (int i = 0; i < Math.min(8, worst.length); i++) {
            slow.append(
                    String.format(
                            Locale.ROOT,
                            " %.1fms@%dms",
                            m[worst[i]] / 1e6,
                            worst[i] * 1000L / rate));
        }
        System.out.println(name + ": slowest (latency@scheduled time):" + slow);
        Arrays.sort(m);
        Stats s =
                new Stats(
                        ms(m, 0.50),
                        ms(m, 0.99),
                        ms(m, 0.999),
                        m[m.length - 1] / 1e6,
                        errors.get());
        System.out.printf(
                Locale.ROOT,
                "%s: %d req at %d/s open loop: p50=%.3f p99=%.3f p99.9=%.3f max=%.3f ms, errors=%d%n",
                name,
                m.length,
                rate,
                s.p50,
                s.p99,
                s.p999,
                s.max,
                s.errors);
        return s;
    }

    static double ms(long[] sorted, double q) {
        int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }

    /** Rows of {@code nnz} distinct features with event counts 1..20. */
    static SparseMatrix generate(int rows, int nnz, int features, long seed) {
        Random rnd = new Random(seed);
        String[] ids = new String[rows];
        int[] ptr = new int[rows + 1];
        int[] cols = new int[rows * nnz];
        float[] vals = new float[rows * nnz];
        int[] pick = new int[nnz];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            ids[r] = "user-" + r;
            int c = 0;
            while (c < nnz) {
                int f = rnd.nextInt(features);
                boolean dup = false;
                for (int j = 0; j < c; j++) {
                    dup |= pick[j] == f;
                }
                if (!dup) {
                    pick[c++] = f;
                }
            }
            Arrays.sort(pick);
            for (int j = 0; j < nnz; j++) {
                cols[k] = pick[j];
                vals[k++] = 1 + rnd.nextInt(20);
            }
            ptr[r + 1] = k;
        }
        return new SparseMatrix(ids, ptr, cols, vals, features);
    }

    static FeatureCatalog catalog(SparseMatrix m) {
        double[] max = new double[m.numFeatures()];
        long[] support = new long[m.numFeatures()];
        for (int k = 0; k < m.nonZeros(); k++) {
            max[m.cols()[k]] = Math.max(max[m.cols()[k]], m.values()[k]);
            support[m.cols()[k]]++;
        }
        List<FeatureCatalog.Feature> fs = new ArrayList<>();
        for (int f = 0; f < m.numFeatures(); f++) {
            fs.add(new FeatureCatalog.Feature(f, "event_" + f, support[f], 0, max[f], 0));
        }
        return new FeatureCatalog("user_id", "2026-11-20", fs);
    }

    /**
     * A resnet on the first rows with a planted label (many events among every tenth feature),
     * built into a scorer exactly as the trainer registers one.
     */
    static ModelArtifact train(SparseMatrix x, FeatureCatalog catalog, int rows) {
        return train(x, catalog, rows, planted(x, 10, 5));
    }

    /** 1 where a row has at least {@code min} events among every {@code every}-th feature. */
    static int[] planted(SparseMatrix x, int every, int min) {
        int[] y = new int[x.rows()];
        for (int r = 0; r < x.rows(); r++) {
            int planted = 0;
            for (int k = x.rowPtr()[r]; k < x.rowPtr()[r + 1]; k++) {
                planted += x.cols()[k] % every == 0 ? 1 : 0;
            }
            y[r] = planted >= min ? 1 : 0;
        }
        return y;
    }

    /** {@link #train(SparseMatrix, FeatureCatalog, int)} with the labels {@code y}. */
    static ModelArtifact train(SparseMatrix x, FeatureCatalog catalog, int rows, int[] y) {
        long start = System.nanoTime();
        int n = x.numFeatures();
        List<ModelSpec.Feature> features = new ArrayList<>(n);
        List<Double> min = new ArrayList<>(n);
        List<Double> max = new ArrayList<>(n);
        float[] scale = new float[n];
        for (FeatureCatalog.Feature f : catalog.features()) {
            features.add(new ModelSpec.Feature(VIEW + "/" + f.name(), VIEW, f.name()));
            min.add(f.min());
            max.add(f.max());
            scale[f.index()] = (float) ModelArtifact.scaleOf(f.min(), f.max());
        }
        Fit.Params params = new Fit.Params(0.003, "adam", 3, 256, 64, 1, 0.0, 0.0);
        int[] trainRows = new int[rows];
        for (int i = 0; i < rows; i++) {
            trainRows[i] = i;
        }
        var weights = Fit.train(Algorithm.RESNET, params, x, scale, y, trainRows, 42);
        ModelSpec spec =
                new ModelSpec(
                        "bench",
                        1,
                        Algorithm.RESNET.id(),
                        "user_id",
                        features,
                        new ModelSpec.Scaling("minmax", min, max),
                        0.5,
                        params.architecture(n),
                        Instant.now().toString(),
                        null,
                        null,
                        null,
                        null);
        ModelArtifact model = ModelArtifact.of(spec, weights);
        // accuracy on rows the model did not see, to show it learned something
        int test = Math.min(2000, x.rows() - rows);
        int right = 0;
        for (int r = rows; r < rows + test; r++) {
            float p =
                    model.predictOne(
                            Arrays.copyOfRange(x.cols(), x.rowPtr()[r], x.rowPtr()[r + 1]),
                            Arrays.copyOfRange(x.values(), x.rowPtr()[r], x.rowPtr()[r + 1]));
            right += (p >= 0.5 ? 1 : 0) == y[r] ? 1 : 0;
        }
        System.out.printf(
                Locale.ROOT,
                "model: resnet trained on %d rows in %.1f s, hold-out accuracy %.3f on %d rows%n",
                rows,
                (System.nanoTime() - start) / 1e9,
                test == 0 ? Double.NaN : (double) right / test,
                test);
        return model;
    }

    static int arg(String[] args, int i, int dflt) {
        return args.length > i ? Integer.parseInt(args[i]) : dflt;
    }
}
