package io.mlcycle.bench.server;

import io.mlcycle.server.oip.ModelInferRequest;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.ServeTask;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server benchmark: trains a model, starts the server jar as its own process on loopback,
 * measures single-row latency under an open-loop fixed request rate (from each request's scheduled
 * send time, so a stall counts against every request it delays) and batched throughput; prints the
 * BENCH line last.
 */
public final class ServerBench {

    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern GRPC = Pattern.compile("listening on .* grpc (\\d+)");
    private static final String INFER = "/v2/models/bench/infer";
    private static final int OPEN_LOOP_CONNECTIONS = 32;

    /**
     * {@code BENCH_LOAD=queue}: the first generator, one scheduler thread handing each request
     * through a queue to whichever of the 32 connection threads is free (two thread wake-ups per
     * request in the generator instead of one).
     */
    private static final boolean QUEUED = "queue".equals(System.getenv("BENCH_LOAD"));

    /**
     * The generator of record is {@link SpinLoad} (one thread that never sleeps); {@code
     * BENCH_LOAD=park} (or {@code queue}) makes the parked 32-thread generator the one of record.
     */
    private static final boolean SPIN =
            System.getenv("BENCH_LOAD") == null || "spin".equals(System.getenv("BENCH_LOAD"));

    /**
     * {@code BENCH_PHASES=paths}: only the single-row paths (JSON, binary tensor form, gRPC: open
     * loop and closed loop), ending with the {@code BENCH server-paths} line; no floor, machine or
     * batched phase.
     */
    private static final boolean PATHS_ONLY = "paths".equals(System.getenv("BENCH_PHASES"));

    private ServerBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = args(args);
        Common common = Common.of(a);
        Path work = common.work();
        Path jar = common.jar();
        int features = common.features();
        int rate = common.rate();
        int seconds = common.seconds();
        int batchRows = Integer.parseInt(a.getOrDefault("batch", "250"));
        int batchSeconds = Integer.parseInt(a.getOrDefault("batch-seconds", "10"));
        int connections = Integer.parseInt(a.getOrDefault("connections", "2"));
        BenchModel data = new BenchModel(features, 1);
        Path modelDir = model(work, data, a);

        Random rnd = new Random(7);
        List<byte[]> single = new ArrayList<>();
        // the same rows in the binary tensor form (REST) and over gRPC
        List<byte[]> singleBinary = new ArrayList<>();
        List<ModelInferRequest> singleGrpc = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            List<float[]> row = rows(data, rnd, 1, features);
            single.add(RawHttp.post(INFER, dense(row)));
            singleBinary.add(binary(row));
            singleGrpc.add(GrpcLoad.request("bench", row));
        }
        BatchedBench.Bodies batches = BatchedBench.Bodies.of(data, batchRows, features);
        log(
                "request bodies: single row %d bytes (binary tensor form %d, gRPC message %d),"
                        + " batch of %d rows %d bytes",
                single.get(0).length,
                singleBinary.get(0).length,
                singleGrpc.get(0).getSerializedSize(),
                batchRows,
                batches.json().get(0).length);

        Process server = startServer(work, jar, modelDir, batchRows);
        try {
            int port = awaitPort(server, work.resolve("server.log"));
            awaitReady(port, server, work.resolve("server.log"));
            Matcher gm = GRPC.matcher(Files.readString(work.resolve("server.log")));
            if (!gm.find()) {
                throw new IllegalStateException("the server printed no gRPC port");
            }
            int grpcPort = Integer.parseInt(gm.group(1));
            try (RawHttp c = new RawHttp(port)) {
                int status = c.exchange(single.get(0));
                if (status != 200 || !c.lastBody().contains("\"probability\"")) {
                    throw new IllegalStateException("bad response " + status + ": " + c.lastBody());
                }
            }
            closedLoop(port, single, 2, 3);
            closedLoop(port, singleBinary, 2, 3);
            closedLoop(port, batches.json(), connections, 2);
            log("warmed up; open loop at %d req/s (3 s unrecorded, then %d s)", rate, seconds);
            load(port, single, rate, 3);
            long cpu0 = cpuMillis(server);
            long[] lat = load(port, single, rate, seconds);
            long cpu1 = cpuMillis(server);
            Arrays.sort(lat);
            double p50 = lat[lat.length / 2] / 1e6;
            double p99 = lat[(int) Math.ceil(lat.length * 0.99) - 1] / 1e6;
            double p999 = lat[(int) Math.ceil(lat.length * 0.999) - 1] / 1e6;
            double max = lat[lat.length - 1] / 1e6;
            log(
                    "single row at %d req/s, %s generator: %d requests, p50 %.3f ms, p99 %.3f ms,"
                            + " p99.9 %.3f ms, max %.3f ms, server CPU %.0f us/req",
                    rate,
                    SPIN ? "spinning 1-thread" : "parked 32-thread",
                    lat.length,
                    p50,
                    p99,
                    p999,
                    max,
                    (cpu1 - cpu0) * 1000.0 / lat.length);
            // the binary tensor form and gRPC at the same rate, same rows
            Path log = work.resolve("server.log");
            long cpuBin0 = cpuMillis(server);
            long[] latBin = load(port, singleBinary, rate, seconds);
            long cpuBin1 = cpuMillis(server);
            Arrays.sort(latBin);
            long[] latGrpc;
            long cpuGrpc0;
            long cpuGrpc1;
            try (GrpcLoad g = new GrpcLoad(grpcPort)) {
                for (int i = 0; i < 3000; i++) {
                    g.call(singleGrpc.get(i % singleGrpc.size()));
                }
                g.run(singleGrpc, rate, 3);
                cpuGrpc0 = cpuMillis(server);
                latGrpc = g.run(singleGrpc, rate, seconds);
                cpuGrpc1 = cpuMillis(server);
            }
            Arrays.sort(latGrpc);
            double cpuJson = (cpu1 - cpu0) * 1000.0 / lat.length;
            double cpuBin = (cpuBin1 - cpuBin0) * 1000.0 / latBin.length;
            double cpuGrpc = (cpuGrpc1 - cpuGrpc0) * 1000.0 / latGrpc.length;
            log(
                    "binary tensor form at %d req/s: p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms,"
                            + " server CPU %.0f us/req",
                    rate,
                    latBin[latBin.length / 2] / 1e6,
                    pct(latBin, 0.99),
                    pct(latBin, 0.999),
                    cpuBin);
            log(
                    "gRPC (1 HTTP/2 channel, raw FP32) at %d req/s: p50 %.3f ms, p99 %.3f ms,"
                            + " p99.9 %.3f ms, server CPU %.0f us/req",
                    rate,
                    latGrpc[latGrpc.length / 2] / 1e6,
                    pct(latGrpc, 0.99),
                    pct(latGrpc, 0.999),
                    cpuGrpc);
            String paths =
                    String.format(
                            Locale.ROOT,
                            "BENCH server-paths binary_vs_json_p50=%.2f binary_vs_json_p99=%.2f"
                                    + " binary_vs_json_cpu=%.2f grpc_vs_json_p50=%.2f"
                                    + " grpc_vs_json_p99=%.2f grpc_vs_json_cpu=%.2f",
                            latBin[latBin.length / 2] / 1e6 / p50,
                            pct(latBin, 0.99) / p99,
                            cpuBin / cpuJson,
                            latGrpc[latGrpc.length / 2] / 1e6 / p50,
                            pct(latGrpc, 0.99) / p99,
                            cpuGrpc / cpuJson);
            log("%s", "ratios to the JSON path at the same rate (< 1: cheaper/faster)");
            if (!server.isAlive()) {
                throw new IllegalStateException("server exited:\n" + Files.readString(log));
            }
            if (!PATHS_ONLY) {
                floorAndMachine(port, single, rate, seconds, p99);
            }
            // one connection back to back once everything is compiled: the server's own cost per
            // request, without the open loop's idle gaps (cold caches, sleeping threads)
            try (RawHttp c = new RawHttp(port)) {
                closedLoopOne("1 connection, JSON", server, i -> exchange(c, single, i));
            }
            try (RawHttp c = new RawHttp(port)) {
                closedLoopOne(
                        "1 connection, binary tensor form",
                        server,
                        i -> exchange(c, singleBinary, i));
            }
            try (GrpcLoad g = new GrpcLoad(grpcPort)) {
                closedLoopOne("gRPC", server, i -> g.call(singleGrpc.get(i % singleGrpc.size())));
            }
            if (PATHS_ONLY) {
                System.out.println(paths);
                return;
            }
            BatchedBench.Leg[] batched =
                    BatchedBench.run(server, port, batches, connections, batchSeconds, 3);
            log(
                    "server CPU: %.0f us per single-row request at %d req/s (%.0f%% of a core);"
                            + " %.1f us per row batched",
                    (cpu1 - cpu0) * 1000.0 / lat.length,
                    rate,
                    (cpu1 - cpu0) / 10.0 / seconds,
                    batched[0].cpuMicrosPerRow());
            System.out.println(paths);
            System.out.printf(
                    Locale.ROOT,
                    "BENCH server p50_ms_at_%drps=%.3f p99_ms_at_%drps=%.3f batched_rows_per_s=%.0f"
                            + " batched_binary_rows_per_s=%.0f%n",
                    rate,
                    p50,
                    rate,
                    p99,
                    batched[0].rowsPerSecond(),
                    batched[1].rowsPerSecond());
        } finally {
            ServerBench.stop(server);
        }
    }

    /**
     * The floor (readiness probes at the same rate: the transport and the machine), the other
     * generator on the same requests, and the machine's own wake-up lateness with no request.
     */
    private static void floorAndMachine(
            int port, List<byte[]> single, int rate, int seconds, double p99) throws Exception {
        // the floor: the same generator and rate against the server's readiness endpoint,
        // answered on the same event loop without a model, so what remains is the transport
        // and the machine's thread wake-ups
        byte[] ready =
                "GET /v2/health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII);
        long[] floor = load(port, List.of(ready), rate, seconds);
        Arrays.sort(floor);
        double floorP99 = floor[(int) Math.ceil(floor.length * 0.99) - 1] / 1e6;
        log(
                "floor, GET /v2/health/ready at %d req/s: p50 %.3f ms, p99 %.3f ms, p99.9 %.3f"
                        + " ms, max %.3f ms; infer p99 / floor p99 = %.2f",
                rate,
                floor[floor.length / 2] / 1e6,
                floorP99,
                floor[(int) Math.ceil(floor.length * 0.999) - 1] / 1e6,
                floor[floor.length - 1] / 1e6,
                p99 / floorP99);
        // the other generator on the same requests, for comparison in the same run
        long[] other =
                SPIN ? openLoop(port, single, rate, seconds) : spin(port, single, rate, seconds);
        Arrays.sort(other);
        log(
                "same requests, %s generator: p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max"
                        + " %.3f ms",
                SPIN ? "parked 32-thread" : "spinning 1-thread",
                other[other.length / 2] / 1e6,
                other[(int) Math.ceil(other.length * 0.99) - 1] / 1e6,
                other[(int) Math.ceil(other.length * 0.999) - 1] / 1e6,
                other[other.length - 1] / 1e6);
        long[] late = wakeups(rate, seconds);
        Arrays.sort(late);
        log(
                "machine, no request: %d threads parked until a time due every %.3f ms wake up"
                        + " late by p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms",
                OPEN_LOOP_CONNECTIONS,
                1000.0 / rate,
                late[late.length / 2] / 1e6,
                late[(int) Math.ceil(late.length * 0.99) - 1] / 1e6,
                late[(int) Math.ceil(late.length * 0.999) - 1] / 1e6,
                late[late.length - 1] / 1e6);
    }

    /**
     * The resnet of the arguments' shape ({@code features}, {@code hidden}, {@code blocks}) trained
     * on {@code data} under {@code work}, or the one trained before with {@code reuse-model 1}.
     */
    static Path model(Path work, BenchModel data, Map<String, String> a) throws Exception {
        int features = Integer.parseInt(a.getOrDefault("features", "200"));
        int hidden = Integer.parseInt(a.getOrDefault("hidden", "128"));
        int blocks = Integer.parseInt(a.getOrDefault("blocks", "2"));
        Files.createDirectories(work);
        Path modelDir = work.resolve("model-" + features + "-" + hidden + "-" + blocks);
        if ("1".equals(a.get("reuse-model")) && Files.exists(modelDir.resolve("model.json"))) {
            log("reusing the model trained earlier in %s", modelDir);
        } else {
            deleteTree(modelDir);
            long t0 = System.nanoTime();
            data.train(modelDir, 4096, hidden, blocks, 2);
            log(
                    "trained resnet (%d features, hidden %d, %d blocks) in %.1f s",
                    features, hidden, blocks, (System.nanoTime() - t0) / 1e9);
        }
        return modelDir;
    }

    /** The arguments every leg reads: work directory, server jar, features, rate, seconds. */
    record Common(Path work, Path jar, int features, int rate, int seconds) {
        static Common of(Map<String, String> a) {
            return new Common(
                    Path.of(a.get("work")),
                    Path.of(a.get("server-jar")),
                    Integer.parseInt(a.getOrDefault("features", "200")),
                    Integer.parseInt(a.getOrDefault("rate", "1000")),
                    Integer.parseInt(a.getOrDefault("seconds", "20")));
        }
    }

    /** The {@code --name value} pairs of the command line. */
    static Map<String, String> args(String[] args) {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return a;
    }

    /** User + system CPU time of a process so far, from /proc (Linux), in ms. */
    static long cpuMillis(Process p) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields 14 and 15 of stat (utime, stime) are 11 and 12 after the command name
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return ticks * 1000 / 100; // USER_HZ is 100 on Linux
    }

    static void log(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
        System.out.flush();
    }

    /** {@code n} rows of the model's features, dense. */
    static List<float[]> rows(BenchModel data, Random rnd, int n, int features) {
        List<float[]> rows = new ArrayList<>(n);
        for (int r = 0; r < n; r++) {
            BenchModel.Row row = data.row(rnd, 12);
            float[] x = new float[features];
            for (int k = 0; k < row.idx().length; k++) {
                x[row.idx()[k]] = row.val()[k];
            }
            rows.add(x);
        }
        return rows;
    }

    /** A dense [n, F] request in feature order (the OIP v2 tensor form). */
    static byte[] dense(List<float[]> rows) {
        int features = rows.get(0).length;
        StringBuilder sb = new StringBuilder(rows.size() * features * 2 + 128);
        sb.append("{\"inputs\":[{\"name\":\"input\",\"shape\":[")
                .append(rows.size())
                .append(',')
                .append(features)
                .append("],\"datatype\":\"FP32\",\"data\":[");
        boolean first = true;
        for (float[] x : rows) {
            for (float v : x) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                if (v == (int) v) {
                    sb.append((int) v);
                } else {
                    sb.append(v);
                }
            }
        }
        sb.append("]}]}");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The same rows with the binary tensor data extension: raw little-endian FP32 after the JSON,
     * outputs asked for in binary too, as Triton's and KServe's clients send by default.
     */
    static byte[] binary(List<float[]> rows) {
        int features = rows.get(0).length;
        int size = rows.size() * features * 4;
        byte[] json =
                ("{\"inputs\":[{\"name\":\"input\",\"shape\":["
                                + rows.size()
                                + ","
                                + features
                                + "],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":"
                                + size
                                + "}}],\"parameters\":{\"binary_data_output\":true}}")
                        .getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(json.length + size).order(ByteOrder.LITTLE_ENDIAN);
        body.put(json);
        for (float[] x : rows) {
            for (float v : x) {
                body.putFloat(v);
            }
        }
        return RawHttp.post(
                INFER,
                body.array(),
                "application/octet-stream",
                "Inference-Header-Content-Length: " + json.length + "\r\n");
    }

    static double pct(long[] sorted, double q) {
        return sorted[(int) Math.ceil(sorted.length * q) - 1] / 1e6;
    }

    /** One request of a closed loop. */
    private interface Call {
        void send(int i) throws IOException;
    }

    private static void exchange(RawHttp c, List<byte[]> bodies, int i) throws IOException {
        if (c.exchange(bodies.get(i % bodies.size())) != 200) {
            throw new IllegalStateException("refused: " + c.lastBody());
        }
    }

    /** 10 000 requests back to back: latency and server CPU per request. */
    private static void closedLoopOne(String what, Process server, Call call) throws IOException {
        int n = 10_000;
        long[] wall = new long[n];
        long cpuA = cpuMillis(server);
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            call.send(i);
            wall[i] = System.nanoTime() - t;
        }
        long cpuB = cpuMillis(server);
        Arrays.sort(wall);
        log(
                "closed loop, %s: %d requests, p50 %.3f ms, p99 %.3f ms, server CPU %.0f us per"
                        + " request",
                what, n, wall[n / 2] / 1e6, pct(wall, 0.99), (cpuB - cpuA) * 1000.0 / n);
    }

    static Process startServer(Path work, Path jar, Path modelDir, int batchRows)
            throws IOException {
        return startServer(work, "server", jar, modelDir, batchRows, Map.of());
    }

    /**
     * Starts the server jar as its own process with {@code env} added; {@code name} names its task
     * file ({@code <name>.json}) and log ({@code <name>.log}) in {@code work}.
     */
    static Process startServer(
            Path work, String name, Path jar, Path modelDir, int batchRows, Map<String, String> env)
            throws IOException {
        String task =
                "{\"kind\":\"serve\",\"owner\":{\"kind\":\"ModelDeployment\",\"namespace\":\"bench\","
                        + "\"name\":\"bench\"},\"deployment\":\"bench\",\"model\":\"bench\","
                        + "\"version\":1,\"artifactUri\":\""
                        + modelDir.toUri()
                        + "\",\"port\":0,\"maxBodyBytes\":67108864,\"maxRowsPerRequest\":"
                        + Math.max(batchRows, 1000)
                        + ",\"feedbackWindow\":100000"
                        + requestLog(
                                work.resolve(name + "-request-log"),
                                env.getOrDefault(REQUEST_LOG, System.getenv(REQUEST_LOG)))
                        + "}";
        Path taskFile = work.resolve("server".equals(name) ? "task.json" : name + ".json");
        Files.writeString(taskFile, task);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // the flags of the server image's entrypoint, then BENCH_SERVER_JAVA_OPTS (e.g. logging)
        command.addAll(List.of("-XX:+UseParallelGC", "-XX:MaxRAMPercentage=75"));
        String extra = System.getenv("BENCH_SERVER_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            command.addAll(List.of(extra.trim().split("\\s+")));
        }
        command.addAll(
                List.of(
                        "-Dai.djl.offline=true",
                        "-jar",
                        jar.toAbsolutePath().toString(),
                        "--task",
                        taskFile.toString(),
                        "--result",
                        work.resolve("server".equals(name) ? "result.json" : name + "-result.json")
                                .toString()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put(PodEnv.BIND_ADDRESS, "127.0.0.1");
        // the benchmark posts no feedback; the server needs a token to start all the same
        pb.environment().put(ServeTask.FEEDBACK_TOKEN_ENV, "bench-feedback-token");
        pb.environment().remove(PodEnv.TASK);
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(work.resolve(name + ".log").toFile());
        return pb.start();
    }

    /** {@code <sampleRate>}: the server's request log on; in a server's env, for it alone. */
    static final String REQUEST_LOG = "BENCH_REQUEST_LOG";

    /**
     * {@code BENCH_REQUEST_LOG=<sampleRate>} turns the server's request log on (files under {@code
     * dir}), to measure what it costs a request beside a run without it.
     */
    private static String requestLog(Path dir, String rate) {
        if (rate == null || rate.isBlank()) {
            return "";
        }
        log("request log on, sample rate %s", rate.trim());
        return ",\"requestLog\":{\"uri\":\""
                + dir.toUri()
                + "\",\"sampleRate\":"
                + Double.parseDouble(rate.trim())
                + ",\"maxFileBytes\":16777216,\"maxAgeSeconds\":300,\"maxQueuedRows\":10000}";
    }

    static int awaitPort(Process server, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Matcher m = LISTENING.matcher(Files.readString(log));
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            if (!server.isAlive()) {
                throw new IllegalStateException("server exited:\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("server never listened:\n" + Files.readString(log));
    }

    static void awaitReady(int port, Process server, Path log) throws Exception {
        byte[] req =
                "GET /v2/health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        try (RawHttp c = new RawHttp(port)) {
            while (System.nanoTime() < deadline) {
                if (c.exchange(req) == 200) {
                    return;
                }
                if (!server.isAlive()) {
                    throw new IllegalStateException("server exited:\n" + Files.readString(log));
                }
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("server never ready:\n" + Files.readString(log));
    }

    /**
     * The parked generator's schedule without any request: how late its threads wake up for their
     * due times on this machine.
     */
    private static long[] wakeups(int rate, int seconds) throws InterruptedException {
        int total = rate * seconds;
        long period = 1_000_000_000L / rate;
        long[] late = new long[total];
        long start = System.nanoTime() + 50_000_000L;
        int threads = OPEN_LOOP_CONNECTIONS;
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            int first = w;
            Thread t =
                    new Thread(
                            () -> {
                                for (int i = first; i < total; i += threads) {
                                    long due = start + i * period;
                                    parkUntil(due);
                                    late[i] = System.nanoTime() - due;
                                }
                            },
                            "wake-" + w);
            t.setDaemon(true);
            t.start();
            workers.add(t);
        }
        for (Thread t : workers) {
            t.join();
        }
        return late;
    }

    /** Parks the calling thread until {@code due} (System.nanoTime). */
    private static void parkUntil(long due) {
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }

    static long[] load(int port, List<byte[]> bodies, int rate, int seconds) throws Exception {
        return SPIN ? spin(port, bodies, rate, seconds) : openLoop(port, bodies, rate, seconds);
    }

    private static long[] spin(int port, List<byte[]> bodies, int rate, int seconds)
            throws IOException {
        try (SpinLoad spin = new SpinLoad(port, OPEN_LOOP_CONNECTIONS)) {
            return spin.run(bodies, rate, seconds);
        }
    }

    /**
     * Sends {@code rate} requests per second for {@code seconds}, each at its scheduled time
     * whatever happened to earlier ones; returns each latency from the scheduled time, in ns.
     */
    private static long[] openLoop(int port, List<byte[]> bodies, int rate, int seconds)
            throws Exception {
        int total = rate * seconds;
        long period = 1_000_000_000L / rate;
        long[] latency = new long[total];
        AtomicLong failures = new AtomicLong();
        BlockingQueue<Integer> queue = new LinkedBlockingQueue<>();
        long start = System.nanoTime() + 50_000_000L;
        List<Thread> workers = new ArrayList<>();
        List<RawHttp> conns = new ArrayList<>();
        for (int w = 0; w < OPEN_LOOP_CONNECTIONS; w++) {
            RawHttp c = new RawHttp(port);
            conns.add(c);
            int first = w;
            Runnable selfScheduled =
                    () -> {
                        // request i goes on connection i mod 32 at its own time: no hand-off
                        // between generator threads; a slow answer delays the next request of
                        // its connection, which is then counted from its scheduled time too
                        try {
                            for (int i = first; i < total; i += OPEN_LOOP_CONNECTIONS) {
                                long due = start + i * period;
                                parkUntil(due);
                                int status = c.exchange(bodies.get(i % bodies.size()));
                                latency[i] = System.nanoTime() - due;
                                if (status != 200) {
                                    failures.incrementAndGet();
                                }
                            }
                        } catch (IOException e) {
                            failures.incrementAndGet();
                            System.err.println("load generator connection failed: " + e);
                        }
                    };
            Runnable queued =
                    () -> {
                        try {
                            while (true) {
                                int i = queue.take();
                                if (i < 0) {
                                    return;
                                }
                                int status = c.exchange(bodies.get(i % bodies.size()));
                                latency[i] = System.nanoTime() - (start + i * period);
                                if (status != 200) {
                                    failures.incrementAndGet();
                                }
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } catch (IOException e) {
                            failures.incrementAndGet();
                            System.err.println("load generator connection failed: " + e);
                        }
                    };
            Thread t = new Thread(QUEUED ? queued : selfScheduled, "load-" + w);
            t.setDaemon(true);
            t.start();
            workers.add(t);
        }
        for (int i = 0; QUEUED && i < total; i++) {
            long due = start + i * period;
            parkUntil(due);
            queue.add(i);
        }
        for (int w = 0; QUEUED && w < workers.size(); w++) {
            queue.add(-1);
        }
        for (Thread t : workers) {
            t.join(60_000);
        }
        for (RawHttp c : conns) {
            c.close();
        }
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " requests failed in the open loop");
        }
        return latency;
    }

    /** {@code connections} clients sending back to back; returns {requests per second}. */
    static double[] closedLoop(int port, List<byte[]> bodies, int connections, int seconds)
            throws Exception {
        AtomicLong done = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int w = 0; w < connections; w++) {
            int offset = w;
            Thread t =
                    new Thread(
                            () -> {
                                try (RawHttp c = new RawHttp(port)) {
                                    int i = offset;
                                    while (System.nanoTime() < end) {
                                        if (c.exchange(bodies.get(i++ % bodies.size())) != 200) {
                                            failures.incrementAndGet();
                                            System.err.println("refused: " + c.lastBody());
                                        }
                                        done.incrementAndGet();
                                    }
                                } catch (IOException e) {
                                    failures.incrementAndGet();
                                    System.err.println("connection failed: " + e);
                                }
                            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " requests failed in the closed loop");
        }
        return new double[] {done.get() / elapsed};
    }

    /** Stops a server process: SIGTERM, then SIGKILL after 20 s. */
    static void stop(Process server) throws InterruptedException {
        server.destroy();
        if (!server.waitFor(20, TimeUnit.SECONDS)) {
            server.destroyForcibly();
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted((x, y) -> y.getNameCount() - x.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
