package io.mlcycle.bench.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static io.mlcycle.bench.server.BenchArgs.log;
import static io.mlcycle.bench.server.ServerProcess.cpuMillis;

/**
 * The batched leg (issue 33): {@code connections} connections sending {@code batch}-row dense
 * requests back to back, as JSON and in the binary tensor form; rows/s and server CPU µs per row of
 * each. Its own {@code main} runs this leg alone ({@code benchmarks/run server batched}).
 */
final class BatchedBench {

    private BatchedBench() {}

    /** Throughput and the server's CPU per row of one form. */
    record Leg(double rowsPerSecond, double cpuMicrosPerRow) {}

    /** The 16 JSON and 16 binary request bodies of one leg (the same rows in both forms). */
    record Bodies(List<byte[]> json, List<byte[]> binary, int rows) {
        static Bodies of(BenchModel data, int rows, int features) {
            Random rnd = new Random(11);
            List<byte[]> json = new ArrayList<>();
            List<byte[]> binary = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                List<float[]> r = RequestBodies.rows(data, rnd, rows, features);
                json.add(RawHttp.post(RequestBodies.INFER, RequestBodies.dense(r)));
                binary.add(RequestBodies.binary(r));
            }
            return new Bodies(json, binary, rows);
        }
    }

    /** Closed loop over {@code bodies} for {@code seconds}: rows/s and server CPU µs per row. */
    static Leg leg(Process server, int port, List<byte[]> bodies, int rows, int conns, int seconds)
            throws Exception {
        long cpu0 = cpuMillis(server);
        double requestsPerSecond = OpenLoad.closedLoop(port, bodies, conns, seconds)[0];
        long cpu1 = cpuMillis(server);
        double rowsPerSecond = requestsPerSecond * rows;
        return new Leg(rowsPerSecond, (cpu1 - cpu0) * 1000.0 / (rowsPerSecond * seconds));
    }

    /**
     * Warms both forms up (closed loop, {@code warmUp} s each: C2's compiling counts in the
     * server's CPU until it is done), then measures JSON, then binary.
     */
    static Leg[] run(Process server, int port, Bodies b, int connections, int seconds, int warmUp)
            throws Exception {
        OpenLoad.closedLoop(port, b.json(), connections, warmUp);
        OpenLoad.closedLoop(port, b.binary(), connections, warmUp);
        Leg json = leg(server, port, b.json(), b.rows(), connections, seconds);
        Leg binary = leg(server, port, b.binary(), b.rows(), connections, seconds);
        log(
                "batched: %d connections × %d rows/request: JSON %.0f rows/s, server CPU %.1f us"
                        + " per row; binary tensor form %.0f rows/s, %.1f us per row",
                connections,
                b.rows(),
                json.rowsPerSecond(),
                json.cpuMicrosPerRow(),
                binary.rowsPerSecond(),
                binary.cpuMicrosPerRow());
        return new Leg[] {json, binary};
    }

    /** The batched leg alone: trains (or reuses) the model, starts the server, prints BENCH. */
    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchArgs.parse(args);
        BenchArgs common = BenchArgs.of(a);
        int rows = Integer.parseInt(a.getOrDefault("batch", "250"));
        int seconds = Integer.parseInt(a.getOrDefault("batch-seconds", "10"));
        int connections = Integer.parseInt(a.getOrDefault("connections", "2"));
        int warmUp = Integer.parseInt(a.getOrDefault("batch-warmup", "10"));
        BenchModel data = new BenchModel(common.features(), 1);
        Path modelDir = ServerBench.model(common.work(), data, a);
        Bodies bodies = Bodies.of(data, rows, common.features());
        Process server = ServerProcess.start(common.work(), common.jar(), modelDir, rows);
        try {
            Path serverLog = common.work().resolve("server.log");
            int port = ServerProcess.awaitPort(server, serverLog);
            ServerProcess.awaitReady(port, server, serverLog);
            Leg[] legs = run(server, port, bodies, connections, seconds, warmUp);
            if (!server.isAlive()) {
                throw new IllegalStateException("server exited:\n" + Files.readString(serverLog));
            }
            System.out.printf(
                    Locale.ROOT,
                    "BENCH server-batched batched_rows_per_s=%.0f batched_cpu_us_per_row=%.1f"
                            + " batched_binary_rows_per_s=%.0f batched_binary_cpu_us_per_row=%.1f%n",
                    legs[0].rowsPerSecond(),
                    legs[0].cpuMicrosPerRow(),
                    legs[1].rowsPerSecond(),
                    legs[1].cpuMicrosPerRow());
        } finally {
            ServerProcess.stop(server);
        }
    }
}
