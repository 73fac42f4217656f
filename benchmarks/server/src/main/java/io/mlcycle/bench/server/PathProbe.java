package io.mlcycle.bench.server;

import io.mlcycle.server.oip.ModelInferRequest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * A profiling harness for the single-row paths: starts the server jar (with {@code
 * BENCH_SERVER_JAVA_OPTS}, e.g. a flight recording), warms JSON and gRPC up, then runs closed loops
 * of one connection, JSON and gRPC alternately ({@code PROBE_OPEN=1}: open loops at {@code RATE}
 * instead, with the benchmark's generators), and prints the server CPU per request, the server
 * threads that spent it and, with {@code PROBE_STRACE=1}, the system calls per request ({@code
 * strace -c} attached for each phase). {@code benchmarks/run server probe}.
 */
final class PathProbe {

    private PathProbe() {}

    /** One request of a closed loop. */
    private interface Call {
        void send(int i) throws IOException;
    }

    /** One phase's calls; returns their latencies in ns. */
    private interface Calls {
        long[] run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchArgs.parse(args);
        BenchArgs common = BenchArgs.of(a);
        BenchModel data = new BenchModel(common.features(), 1);
        Path modelDir = ServerBench.model(common.work(), data, a);
        Random rnd = new Random(7);
        List<byte[]> json = new ArrayList<>();
        List<ModelInferRequest> grpc = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            List<float[]> row = RequestBodies.rows(data, rnd, 1, common.features());
            json.add(RawHttp.post(RequestBodies.INFER, RequestBodies.dense(row)));
            grpc.add(GrpcLoad.request("bench", row));
        }
        Path work = common.work();
        Process server = ServerProcess.start(work, common.jar(), modelDir, 250);
        try {
            Path log = work.resolve("server.log");
            int port = ServerProcess.awaitPort(server, log);
            ServerProcess.awaitReady(port, server, log);
            int grpcPort = ServerProcess.grpcPort(log);
            int rate = common.rate();
            int seconds = common.seconds();
            int n = rate * seconds;
            boolean open = "1".equals(System.getenv("PROBE_OPEN"));
            try (RawHttp c = new RawHttp(port);
                    GrpcLoad g = new GrpcLoad(grpcPort)) {
                Call restCall = i -> ok(c.exchange(json.get(i % json.size())), c);
                Call grpcCall = i -> g.call(grpc.get(i % grpc.size()));
                phase("warm-up JSON", server, closed(restCall, 20_000), false);
                phase("warm-up gRPC", server, closed(grpcCall, 20_000), false);
                boolean strace = "1".equals(System.getenv("PROBE_STRACE"));
                Calls restRound =
                        open ? () -> OpenLoad.load(port, json, rate, seconds) : closed(restCall, n);
                Calls grpcRound = open ? () -> g.run(grpc, rate, seconds) : closed(grpcCall, n);
                String kind = open ? " open loop " : " ";
                for (int round = 1; round <= 2; round++) {
                    phase("round " + round + kind + "JSON", server, restRound, strace);
                    phase("round " + round + kind + "gRPC", server, grpcRound, strace);
                }
            }
        } finally {
            ServerProcess.stop(server);
        }
    }

    private static void ok(int status, RawHttp c) {
        if (status != 200) {
            throw new IllegalStateException("refused: " + c.lastBody());
        }
    }

    /** {@code n} calls back to back, each timed. */
    private static Calls closed(Call call, int n) {
        return () -> {
            long[] wall = new long[n];
            for (int i = 0; i < n; i++) {
                long t = System.nanoTime();
                call.send(i);
                wall[i] = System.nanoTime() - t;
            }
            return wall;
        };
    }

    /** Runs one phase: p50 and server CPU per call, the threads that spent it, its system calls. */
    private static void phase(String what, Process server, Calls calls, boolean strace)
            throws Exception {
        Process tracer = null;
        Path out = Files.createTempFile("probe-strace", ".txt");
        if (strace) {
            tracer =
                    new ProcessBuilder(
                                    "strace",
                                    "-c",
                                    "-f",
                                    "-o",
                                    out.toString(),
                                    "-p",
                                    String.valueOf(server.pid()))
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .start();
            Thread.sleep(1000); // attach to every thread before the first call
        }
        Map<String, Long> threads0 = ServerProcess.threadCpuMillis(server);
        long cpu0 = ServerProcess.cpuMillis(server);
        long[] wall = calls.run();
        long cpu1 = ServerProcess.cpuMillis(server);
        Map<String, Long> threads1 = ServerProcess.threadCpuMillis(server);
        int n = wall.length;
        Arrays.sort(wall);
        BenchArgs.log(
                "%s: %d calls, p50 %.3f ms, server CPU %.1f us per call (ended %s)",
                what, n, wall[n / 2] / 1e6, (cpu1 - cpu0) * 1000.0 / n, java.time.LocalTime.now());
        threads1.entrySet().stream()
                .map(
                        e ->
                                Map.entry(
                                        e.getKey(),
                                        e.getValue() - threads0.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                .limit(6)
                .forEach(
                        e ->
                                BenchArgs.log(
                                        "  thread %-20s %.1f us per call",
                                        e.getKey(), e.getValue() * 1000.0 / n));
        if (tracer != null) {
            tracer.destroy();
            tracer.waitFor(10, TimeUnit.SECONDS);
            for (String line : Files.readAllLines(out)) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 5 && f[3].matches("\\d+")) {
                    BenchArgs.log(
                            "  %-16s %.2f per call",
                            f[f.length - 1], Long.parseLong(f[3]) * 1.0 / n);
                }
            }
        }
        Files.deleteIfExists(out);
    }
}
