package io.mlcycle.bench.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The request log's cost: three servers of the same model, the request log off, at sample rate 0.1
 * and at 1.0, each driven with the same single-row requests at the same open-loop rate in
 * alternating legs (the order rotating each leg, so a change of load on a shared machine falls on
 * all three); prints each one's p99 per leg and over all legs, its server CPU per request, the rows
 * it dropped and the rows its files hold. Last line: {@code BENCH server-request-log p99_ms_off=…
 * p99_ms_0.1=… p99_ms_1.0=… cpu_us_off=… cpu_us_0.1=… cpu_us_1.0=… …}.
 */
public final class RequestLogBench {

    private static final String[] RATES = {null, "0.1", "1.0"};
    private static final String[] NAMES = {"log-off", "log-0.1", "log-1.0"};

    private RequestLogBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchArgs.parse(args);
        BenchArgs c = BenchArgs.of(a);
        int legs = Integer.parseInt(a.getOrDefault("legs", "2"));
        BenchModel data = new BenchModel(c.features(), 1);
        Path modelDir = ServerBench.model(c.work(), data, a);
        List<byte[]> single = MirrorBench.singleRowRequests(data, c.features());
        List<Process> started = new ArrayList<>();
        int[] ports = new int[NAMES.length];
        try {
            for (int s = 0; s < NAMES.length; s++) {
                ServerBench.deleteTree(c.work().resolve(NAMES[s] + "-request-log"));
                Map<String, String> env =
                        RATES[s] == null ? Map.of() : Map.of(ServerProcess.REQUEST_LOG, RATES[s]);
                ports[s] = MirrorBench.start(c.work(), NAMES[s], c.jar(), modelDir, env, started);
            }
            for (int port : ports) {
                OpenLoad.closedLoop(port, single, 2, 3);
                OpenLoad.load(port, single, c.rate(), 3);
            }
            BenchArgs.log(
                    "warmed up; %d legs of %d s each for the log off, at 0.1 and at 1.0, %d req/s",
                    legs, c.seconds(), c.rate());
            long[][][] lat = new long[NAMES.length][legs][];
            long[] cpu = new long[NAMES.length];
            List<Map<String, Long>> byKind = new ArrayList<>();
            for (int s = 0; s < NAMES.length; s++) {
                byKind.add(new java.util.TreeMap<>());
            }
            for (int leg = 0; leg < legs; leg++) {
                StringBuilder line = new StringBuilder("leg " + (leg + 1) + ": p99");
                for (int k = 0; k < NAMES.length; k++) {
                    int s = (k + leg) % NAMES.length;
                    Map<String, Long> k0 = ServerProcess.threadKindCpuMillis(started.get(s));
                    long c0 = ServerProcess.cpuMillis(started.get(s));
                    lat[s][leg] = OpenLoad.load(ports[s], single, c.rate(), c.seconds());
                    cpu[s] += ServerProcess.cpuMillis(started.get(s)) - c0;
                    ServerProcess.threadKindCpuMillis(started.get(s))
                            .forEach(
                                    (kind, ms) ->
                                            byKind.get(s)
                                                    .merge(
                                                            kind,
                                                            ms - k0.getOrDefault(kind, 0L),
                                                            Long::sum));
                    line.append(
                            String.format(
                                    Locale.ROOT,
                                    " %s %.3f ms",
                                    NAMES[s],
                                    MirrorBench.p99(lat[s][leg])));
                }
                BenchArgs.log("%s (load average %s)", line, loadAverage());
            }
            long requests = (long) c.rate() * c.seconds() * legs;
            for (int s = 0; s < NAMES.length; s++) {
                StringBuilder line =
                        new StringBuilder(NAMES[s] + ": server CPU by thread, us per request:");
                byKind.get(s)
                        .forEach(
                                (kind, ms) ->
                                        line.append(
                                                String.format(
                                                        Locale.ROOT,
                                                        " %s %.1f",
                                                        kind,
                                                        ms * 1000.0 / requests)));
                BenchArgs.log("%s", line);
            }
            report(c, legs, started, ports, lat, cpu);
        } finally {
            for (Process p : started) {
                ServerProcess.stop(p);
            }
        }
    }

    private static void report(
            BenchArgs c, int legs, List<Process> started, int[] ports, long[][][] lat, long[] cpu)
            throws Exception {
        long requests = (long) c.rate() * c.seconds() * legs;
        double[] p99 = new double[NAMES.length];
        double[] cpuUs = new double[NAMES.length];
        long[] dropped = new long[NAMES.length];
        long[] failed = new long[NAMES.length];
        for (int s = 0; s < NAMES.length; s++) {
            p99[s] = MirrorBench.p99(MirrorBench.concat(lat[s]));
            cpuUs[s] = cpu[s] * 1000.0 / requests;
            String text = MirrorBench.metrics(ports[s]);
            dropped[s] =
                    (long)
                            MirrorBench.total(
                                    text, "mlcycle_request_log_rows_total", "outcome=\"dropped\"");
            failed[s] =
                    (long)
                            MirrorBench.total(
                                    text, "mlcycle_request_log_rows_total", "outcome=\"failed\"");
        }
        // a stopped server publishes its open file: then every logged row is on disk
        long[] rows = new long[NAMES.length];
        for (int s = 0; s < NAMES.length; s++) {
            ServerProcess.stop(started.get(s));
            rows[s] = rowsIn(c.work().resolve(NAMES[s] + "-request-log"));
            BenchArgs.log(
                    "%s: p99 %.3f ms over %d legs, server CPU %.0f us per request, request log"
                            + " rows on disk %d, dropped %d, failed %d",
                    NAMES[s], p99[s], legs, cpuUs[s], rows[s], dropped[s], failed[s]);
        }
        System.out.printf(
                Locale.ROOT,
                "BENCH server-request-log p99_ms_off=%.3f p99_ms_0.1=%.3f p99_ms_1.0=%.3f"
                        + " cpu_us_off=%.0f cpu_us_0.1=%.0f cpu_us_1.0=%.0f"
                        + " leg_p99_ratio_median_0.1=%.2f leg_p99_ratio_median_1.0=%.2f"
                        + " rows_0.1=%d rows_1.0=%d dropped=%d failed=%d legs=%d rate=%d%n",
                p99[0],
                p99[1],
                p99[2],
                cpuUs[0],
                cpuUs[1],
                cpuUs[2],
                medianRatio(lat[1], lat[0]),
                medianRatio(lat[2], lat[0]),
                rows[1],
                rows[2],
                dropped[1] + dropped[2],
                failed[1] + failed[2],
                legs,
                c.rate());
    }

    /**
     * The median over legs of {@code on}'s p99 over {@code off}'s in the same leg: a leg's load
     * falls on both, so this moves less with the machine than the ratio of the overall p99s.
     */
    private static double medianRatio(long[][] on, long[][] off) {
        double[] r = new double[on.length];
        for (int leg = 0; leg < on.length; leg++) {
            r[leg] = MirrorBench.p99(on[leg]) / MirrorBench.p99(off[leg]);
        }
        java.util.Arrays.sort(r);
        return r.length % 2 == 1 ? r[r.length / 2] : (r[r.length / 2 - 1] + r[r.length / 2]) / 2;
    }

    /** JSON lines in the gzipped files under {@code dir} (0 when there is none). */
    private static long rowsIn(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        long rows = 0;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl.gz")).toList()) {
                try (BufferedReader r =
                        new BufferedReader(
                                new InputStreamReader(
                                        new GZIPInputStream(Files.newInputStream(f)),
                                        StandardCharsets.UTF_8))) {
                    rows += r.lines().count();
                }
            }
        }
        return rows;
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
