package io.mlcycle.bench.server;

import io.mlcycle.server.oip.ModelInferRequest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static io.mlcycle.bench.server.BenchArgs.log;
import static io.mlcycle.bench.server.BenchArgs.pct;
import static io.mlcycle.bench.server.ServerProcess.cpuMillis;

/**
 * The server benchmark: trains a model, starts the server jar as its own process on loopback,
 * measures single-row latency under an open-loop fixed request rate (from each request's scheduled
 * send time, so a stall counts against every request it delays) and batched throughput; prints the
 * BENCH line last.
 */
public final class ServerBench {

    /**
     * {@code BENCH_PHASES=paths}: only the single-row paths (JSON, binary tensor form, gRPC: open
     * loop and closed loop), ending with the {@code BENCH server-paths} line; no floor, machine or
     * batched phase.
     */
    private static final boolean PATHS_ONLY = "paths".equals(System.getenv("BENCH_PHASES"));

    private ServerBench() {}

    /** The same 2 000 single rows as JSON, in the binary tensor form and as gRPC messages. */
    record Single(List<byte[]> json, List<byte[]> binary, List<ModelInferRequest> grpc) {
        static Single of(BenchModel data, int features) {
            Random rnd = new Random(7);
            Single s = new Single(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            for (int i = 0; i < 2000; i++) {
                List<float[]> row = RequestBodies.rows(data, rnd, 1, features);
                s.json().add(RawHttp.post(RequestBodies.INFER, RequestBodies.dense(row)));
                s.binary().add(RequestBodies.binary(row));
                s.grpc().add(GrpcLoad.request("bench", row));
            }
            return s;
        }
    }

    /**
     * One open loop's sorted latencies (ns) and the server's CPU µs per request over it: all of it,
     * and the part its JIT compiler threads spent (compiling, not serving); the server's own
     * histograms over it: the handler's span and, for gRPC, the HTTP/2 codec's edge and the wait
     * from a call's HEADERS frame to its message.
     */
    record Leg(
            long[] sorted,
            double cpu,
            double jit,
            ServerLatency.Window server,
            ServerLatency.Window edge,
            ServerLatency.Window toMessage) {
        double p50() {
            return sorted[sorted.length / 2] / 1e6;
        }

        double p99() {
            return pct(sorted, 0.99);
        }

        /** CPU µs per request of every thread but the JIT compiler's. */
        double serving() {
            return cpu - jit;
        }

        String describe(String what, int rate) {
            return String.format(
                    Locale.ROOT,
                    "%s at %d req/s: p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, server CPU %.0f"
                            + " us/req (JIT compiler %.0f)",
                    what,
                    rate,
                    p50(),
                    p99(),
                    pct(sorted, 0.999),
                    cpu,
                    jit);
        }

        /** This leg over another's ({@code base}) as {@code name_p50=… name_p99=… …}. */
        String ratios(String name, Leg base) {
            return String.format(
                    Locale.ROOT,
                    "%1$s_p50=%2$.2f %1$s_p99=%3$.2f %1$s_cpu=%4$.2f %1$s_cpu_serving=%5$.2f",
                    name,
                    p50() / base.p50(),
                    p99() / base.p99(),
                    cpu / base.cpu,
                    serving() / base.serving());
        }
    }

    /**
     * The two gRPC legs: grpc-java's client (one channel; its Netty event loop sends and receives)
     * and {@link RawGrpcLoad} (one spinning thread writes and reads the HTTP/2 connection itself).
     */
    record GrpcLegs(Leg grpcJava, Leg spin, int serverPings) {}

    /** The JSON open loop and the {@code BENCH server-paths} line of the single-row paths. */
    record Paths(Leg json, String line) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchArgs.parse(args);
        BenchArgs common = BenchArgs.of(a);
        Path work = common.work();
        int features = common.features();
        int batchRows = Integer.parseInt(a.getOrDefault("batch", "250"));
        int batchSeconds = Integer.parseInt(a.getOrDefault("batch-seconds", "10"));
        int connections = Integer.parseInt(a.getOrDefault("connections", "2"));
        BenchModel data = new BenchModel(features, 1);
        Path modelDir = model(work, data, a);
        Single single = Single.of(data, features);
        BatchedBench.Bodies batches = BatchedBench.Bodies.of(data, batchRows, features);
        log(
                "request bodies: single row %d bytes (binary tensor form %d, gRPC message %d),"
                        + " batch of %d rows %d bytes",
                single.json().get(0).length,
                single.binary().get(0).length,
                single.grpc().get(0).getSerializedSize(),
                batchRows,
                batches.json().get(0).length);

        Process server = ServerProcess.start(work, common.jar(), modelDir, batchRows);
        try {
            Path log = work.resolve("server.log");
            int port = ServerProcess.awaitPort(server, log);
            ServerProcess.awaitReady(port, server, log);
            int grpcPort = ServerProcess.grpcPort(log);
            firstAnswer(port, single.json().get(0));
            OpenLoad.closedLoop(port, single.json(), 2, 3);
            OpenLoad.closedLoop(port, single.binary(), 2, 3);
            OpenLoad.closedLoop(port, batches.json(), connections, 2);
            Paths paths = paths(server, port, grpcPort, single, common.rate(), common.seconds());
            if (!server.isAlive()) {
                throw new IllegalStateException("server exited:\n" + Files.readString(log));
            }
            if (!PATHS_ONLY) {
                floorAndMachine(
                        port, single.json(), common.rate(), common.seconds(), paths.json().p99());
            }
            closedLoops(server, port, grpcPort, single);
            if (PATHS_ONLY) {
                System.out.println(paths.line());
                return;
            }
            batchedAndLast(server, port, batches, connections, batchSeconds, common.rate(), paths);
        } finally {
            ServerProcess.stop(server);
        }
    }

    private static void firstAnswer(int port, byte[] request) throws IOException {
        try (RawHttp c = new RawHttp(port)) {
            int status = c.exchange(request);
            if (status != 200 || !c.lastBody().contains("\"probability\"")) {
                throw new IllegalStateException("bad response " + status + ": " + c.lastBody());
            }
        }
    }

    /**
     * The single rows at {@code rate} for {@code seconds}: JSON (after 3 s unrecorded), the binary
     * tensor form and gRPC with both clients (after the same warm-up as JSON: 3 s of two callers
     * back to back, 3 s unrecorded at the rate), each logged.
     */
    private static Paths paths(
            Process server, int port, int grpcPort, Single single, int rate, int seconds)
            throws Exception {
        log("warmed up; open loop at %d req/s (3 s unrecorded, then %d s)", rate, seconds);
        OpenLoad.load(port, single.json(), rate, 3);
        Leg json = leg(server, port, () -> OpenLoad.load(port, single.json(), rate, seconds));
        log(
                "single row at %d req/s, %s generator: %d requests, p50 %.3f ms, p99 %.3f ms,"
                        + " p99.9 %.3f ms, max %.3f ms, server CPU %.0f us/req (JIT compiler %.0f)",
                rate,
                OpenLoad.SPIN ? "spinning 1-thread" : "parked 32-thread",
                json.sorted().length,
                json.p50(),
                json.p99(),
                pct(json.sorted(), 0.999),
                json.sorted()[json.sorted().length - 1] / 1e6,
                json.cpu(),
                json.jit());
        // the binary tensor form and gRPC at the same rate, same rows
        Leg bin = leg(server, port, () -> OpenLoad.load(port, single.binary(), rate, seconds));
        GrpcLegs grpc = grpcLegs(server, port, grpcPort, single.grpc(), rate, seconds);
        log("%s", bin.describe("binary tensor form", rate));
        log("%s", grpc.grpcJava().describe("gRPC, grpc-java client (1 HTTP/2 channel)", rate));
        log("%s", grpc.spin().describe("gRPC, spinning 1-thread HTTP/2 client", rate));
        log("JSON server side: %s", json.server().describe());
        log("binary server side: %s", bin.server().describe());
        log("gRPC, grpc-java client, server side: %s", grpc.grpcJava().server().describe());
        log("gRPC, grpc-java client, codec edge: %s", grpc.grpcJava().edge().describe());
        log(
                "gRPC, grpc-java client, HEADERS to message: %s",
                grpc.grpcJava().toMessage().describe());
        log("gRPC, spinning client, server side: %s", grpc.spin().server().describe());
        log("gRPC, spinning client, codec edge: %s", grpc.spin().edge().describe());
        log("gRPC, spinning client, HEADERS to message: %s", grpc.spin().toMessage().describe());
        log(
                "PING frames from the server to the spinning client: %d in %d calls",
                grpc.serverPings(), (rate * (3 + seconds)));
        String line =
                String.format(
                        Locale.ROOT,
                        "BENCH server-paths binary_vs_json_p50=%.2f binary_vs_json_p99=%.2f"
                                + " binary_vs_json_cpu=%.2f %s %s",
                        bin.p50() / json.p50(),
                        bin.p99() / json.p99(),
                        bin.cpu() / json.cpu(),
                        grpc.grpcJava().ratios("grpc_vs_json", json),
                        grpc.spin().ratios("grpc_spin_vs_json", json));
        log("%s", "ratios to the JSON path at the same rate (< 1: cheaper/faster)");
        return new Paths(json, line);
    }

    /**
     * gRPC with grpc-java's client (two callers back to back for 3 s, 3 s unrecorded at the rate,
     * then the leg), then with the spinning client (3 s unrecorded, then the leg).
     */
    private static GrpcLegs grpcLegs(
            Process server,
            int port,
            int grpcPort,
            List<ModelInferRequest> calls,
            int rate,
            int seconds)
            throws Exception {
        Leg grpcJava;
        try (GrpcLoad g = new GrpcLoad(grpcPort)) {
            g.closedLoop(calls, 2, 3);
            g.run(calls, rate, 3);
            grpcJava = leg(server, port, () -> g.run(calls, rate, seconds));
        }
        try (RawGrpcLoad r = new RawGrpcLoad(grpcPort)) {
            r.run(calls, rate, 3);
            Leg spin = leg(server, port, () -> r.run(calls, rate, seconds));
            return new GrpcLegs(grpcJava, spin, r.serverPings());
        }
    }

    /** One open loop's latencies, in ns. */
    private interface OpenLoop {
        long[] run() throws Exception;
    }

    /** Runs {@code loop} and measures the server's CPU and its own latency histogram over it. */
    private static Leg leg(Process server, int port, OpenLoop loop) throws Exception {
        Map<Double, Double> seen0 = ServerLatency.HANDLER.snapshot(port);
        Map<Double, Double> edge0 = ServerLatency.CODEC_EDGE.snapshot(port);
        Map<Double, Double> wait0 = ServerLatency.MESSAGE_WAIT.snapshot(port);
        long jit0 = ServerProcess.jitCpuMillis(server);
        long cpu0 = cpuMillis(server);
        long[] lat = loop.run();
        long cpu1 = cpuMillis(server);
        long jit1 = ServerProcess.jitCpuMillis(server);
        Map<Double, Double> seen1 = ServerLatency.HANDLER.snapshot(port);
        Map<Double, Double> edge1 = ServerLatency.CODEC_EDGE.snapshot(port);
        Map<Double, Double> wait1 = ServerLatency.MESSAGE_WAIT.snapshot(port);
        Arrays.sort(lat);
        return new Leg(
                lat,
                (cpu1 - cpu0) * 1000.0 / lat.length,
                (jit1 - jit0) * 1000.0 / lat.length,
                ServerLatency.Window.between(seen0, seen1),
                ServerLatency.Window.between(edge0, edge1),
                ServerLatency.Window.between(wait0, wait1));
    }

    /**
     * One connection back to back once everything is compiled: the server's own cost per request,
     * without the open loop's idle gaps (cold caches, sleeping threads).
     */
    private static void closedLoops(Process server, int port, int grpcPort, Single single)
            throws Exception {
        try (RawHttp c = new RawHttp(port)) {
            closedLoopOne("1 connection, JSON", server, i -> exchange(c, single.json(), i));
        }
        try (RawHttp c = new RawHttp(port)) {
            closedLoopOne(
                    "1 connection, binary tensor form",
                    server,
                    i -> exchange(c, single.binary(), i));
        }
        try (GrpcLoad g = new GrpcLoad(grpcPort)) {
            closedLoopOne("gRPC", server, i -> g.call(single.grpc().get(i % single.grpc().size())));
        }
    }

    /** The batched leg, then the paths line and the BENCH line. */
    private static void batchedAndLast(
            Process server,
            int port,
            BatchedBench.Bodies batches,
            int connections,
            int batchSeconds,
            int rate,
            Paths paths)
            throws Exception {
        BatchedBench.Leg[] batched =
                BatchedBench.run(server, port, batches, connections, batchSeconds, 3);
        Leg json = paths.json();
        log(
                "server CPU: %.0f us per single-row request at %d req/s (%.0f%% of a core);"
                        + " %.1f us per row batched",
                json.cpu(), rate, json.cpu() * rate / 1e4, batched[0].cpuMicrosPerRow());
        System.out.println(paths.line());
        System.out.printf(
                Locale.ROOT,
                "BENCH server p50_ms_at_%drps=%.3f p99_ms_at_%drps=%.3f batched_rows_per_s=%.0f"
                        + " batched_binary_rows_per_s=%.0f%n",
                rate,
                json.p50(),
                rate,
                json.p99(),
                batched[0].rowsPerSecond(),
                batched[1].rowsPerSecond());
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
        long[] floor = OpenLoad.load(port, List.of(ready), rate, seconds);
        Arrays.sort(floor);
        double floorP99 = pct(floor, 0.99);
        log(
                "floor, GET /v2/health/ready at %d req/s: p50 %.3f ms, p99 %.3f ms, p99.9 %.3f"
                        + " ms, max %.3f ms; infer p99 / floor p99 = %.2f",
                rate,
                floor[floor.length / 2] / 1e6,
                floorP99,
                pct(floor, 0.999),
                floor[floor.length - 1] / 1e6,
                p99 / floorP99);
        // the other generator on the same requests, for comparison in the same run
        long[] other = OpenLoad.other(port, single, rate, seconds);
        Arrays.sort(other);
        log(
                "same requests, %s generator: p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max"
                        + " %.3f ms",
                OpenLoad.SPIN ? "parked 32-thread" : "spinning 1-thread",
                other[other.length / 2] / 1e6,
                pct(other, 0.99),
                pct(other, 0.999),
                other[other.length - 1] / 1e6);
        long[] late = OpenLoad.wakeups(rate, seconds);
        Arrays.sort(late);
        log(
                "machine, no request: %d threads parked until a time due every %.3f ms wake up"
                        + " late by p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms",
                OpenLoad.CONNECTIONS,
                1000.0 / rate,
                late[late.length / 2] / 1e6,
                pct(late, 0.99),
                pct(late, 0.999),
                late[late.length - 1] / 1e6);
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
        long jitA = ServerProcess.jitCpuMillis(server);
        long cpuA = cpuMillis(server);
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            call.send(i);
            wall[i] = System.nanoTime() - t;
        }
        long cpuB = cpuMillis(server);
        long jitB = ServerProcess.jitCpuMillis(server);
        Arrays.sort(wall);
        log(
                "closed loop, %s: %d requests, p50 %.3f ms, p99 %.3f ms, server CPU %.0f us per"
                        + " request (JIT compiler %.0f)",
                what,
                n,
                wall[n / 2] / 1e6,
                pct(wall, 0.99),
                (cpuB - cpuA) * 1000.0 / n,
                (jitB - jitA) * 1000.0 / n);
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
