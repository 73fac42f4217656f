package io.mlcycle.bench.server;

import io.mlcycle.server.oip.ModelInferRequest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * A profiling harness for the single-row paths: starts the server jar (with {@code
 * BENCH_SERVER_JAVA_OPTS}, e.g. a flight recording), warms JSON and gRPC up, then runs closed loops
 * of one connection, JSON and gRPC alternately, and prints the server CPU and, with {@code
 * PROBE_STRACE=1}, the system calls per request ({@code strace -c} attached for each phase). {@code
 * benchmarks/run server probe}.
 */
final class PathProbe {

    private PathProbe() {}

    /** One request of a closed loop. */
    private interface Call {
        void send(int i) throws IOException;
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
            int n = common.rate() * common.seconds();
            try (RawHttp c = new RawHttp(port);
                    GrpcLoad g = new GrpcLoad(grpcPort)) {
                Call restCall = i -> ok(c.exchange(json.get(i % json.size())), c);
                Call grpcCall = i -> g.call(grpc.get(i % grpc.size()));
                phase("warm-up JSON", server, restCall, 20_000, false);
                phase("warm-up gRPC", server, grpcCall, 20_000, false);
                boolean strace = "1".equals(System.getenv("PROBE_STRACE"));
                for (int round = 1; round <= 2; round++) {
                    phase("round " + round + " JSON", server, restCall, n, strace);
                    phase("round " + round + " gRPC", server, grpcCall, n, strace);
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

    /** {@code n} calls back to back: p50 and server CPU per call (and its system calls). */
    private static void phase(String what, Process server, Call call, int n, boolean strace)
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
        long[] wall = new long[n];
        long cpu0 = ServerProcess.cpuMillis(server);
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            call.send(i);
            wall[i] = System.nanoTime() - t;
        }
        long cpu1 = ServerProcess.cpuMillis(server);
        java.util.Arrays.sort(wall);
        BenchArgs.log(
                "%s: %d calls, p50 %.3f ms, server CPU %.1f us per call",
                what, n, wall[n / 2] / 1e6, (cpu1 - cpu0) * 1000.0 / n);
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
