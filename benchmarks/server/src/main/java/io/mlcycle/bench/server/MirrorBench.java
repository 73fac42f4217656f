package io.mlcycle.bench.server;

import io.mlcycle.task.PodEnv;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mirror-on leg: the same champion server with and without a shadow mirror at 100 % to a
 * challenger (a second server process, same model), each driven at the same open-loop rate in
 * alternating legs; prints what the mirror sent and dropped and the champion's p99 with and without
 * it. Last line: {@code BENCH server-mirror drops=… sent=… champion_p99_ms_off=…
 * champion_p99_ms_on=… p99_ratio=…}.
 */
public final class MirrorBench {

    private static final Pattern SAMPLE =
            Pattern.compile("^mlcycle_mirror_total\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private MirrorBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchArgs.parse(args);
        BenchArgs c = BenchArgs.of(a);
        Path work = c.work();
        Path jar = c.jar();
        int rate = c.rate();
        int seconds = c.seconds();
        int legs = Integer.parseInt(a.getOrDefault("legs", "2"));

        int features = c.features();
        BenchModel data = new BenchModel(features, 1);
        Path modelDir = ServerBench.model(work, data, a);
        List<byte[]> single = singleRowRequests(data, features);
        List<Process> started = new ArrayList<>();
        try {
            int challenger = start(work, "challenger", jar, modelDir, Map.of(), started);
            int off = start(work, "champion-off", jar, modelDir, Map.of(), started);
            int on =
                    start(
                            work,
                            "champion-on",
                            jar,
                            modelDir,
                            Map.of(
                                    PodEnv.SHADOW_URL, "http://127.0.0.1:" + challenger,
                                    PodEnv.SHADOW_PERCENT, "100",
                                    PodEnv.SHADOW_VERSION, "2"),
                            started);
            for (int port : new int[] {off, on}) {
                OpenLoad.closedLoop(port, single, 2, 3);
                OpenLoad.load(port, single, rate, 3);
            }
            BenchArgs.log(
                    "warmed up; %d legs of %d s each without and with the mirror, %d req/s",
                    legs, seconds, rate);
            long[][] offLat = new long[legs][];
            long[][] onLat = new long[legs][];
            // server CPU (ms) of the champion without and with the mirror, over the legs
            long[] cpu = new long[2];
            for (int leg = 0; leg < legs; leg++) {
                long c0 = ServerProcess.cpuMillis(started.get(1));
                offLat[leg] = OpenLoad.load(off, single, rate, seconds);
                long c1 = ServerProcess.cpuMillis(started.get(2));
                onLat[leg] = OpenLoad.load(on, single, rate, seconds);
                cpu[0] += ServerProcess.cpuMillis(started.get(1)) - c0;
                cpu[1] += ServerProcess.cpuMillis(started.get(2)) - c1;
                BenchArgs.log(
                        "leg %d: champion p99 without the mirror %.3f ms, with it %.3f ms",
                        leg + 1, p99(offLat[leg]), p99(onLat[leg]));
            }
            long requests = (long) rate * seconds * legs;
            BenchArgs.log(
                    "champion server CPU per request: %.0f us without the mirror, %.0f us with it",
                    cpu[0] * 1000.0 / requests, cpu[1] * 1000.0 / requests);
            // every request the champion answered is mirrored (100 %): warm-up and legs
            long copies = (long) total(metrics(on), "mlcycle_requests_total", "endpoint=\"infer\"");
            long[] counts = awaitCounted(on, copies);
            double p99Off = p99(concat(offLat));
            double p99On = p99(concat(onLat));
            BenchArgs.log(
                    "mirror: %d copies sent, %d dropped, %d failed (%d requests mirrored)",
                    counts[0], counts[1], counts[2], copies);
            Matcher m = SAMPLE.matcher(metrics(on));
            while (m.find()) {
                if (Double.parseDouble(m.group(2)) > 0) {
                    BenchArgs.log("  mlcycle_mirror_total{%s} %s", m.group(1), m.group(2));
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "BENCH server-mirror drops=%d sent=%d champion_p99_ms_off=%.3f"
                            + " champion_p99_ms_on=%.3f p99_ratio=%.2f%n",
                    counts[1],
                    counts[0],
                    p99Off,
                    p99On,
                    p99On / p99Off);
        } finally {
            for (Process p : started) {
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    /** 2 000 single-row JSON inference requests of the bench model (seed 7). */
    static List<byte[]> singleRowRequests(BenchModel data, int features) {
        Random rnd = new Random(7);
        List<byte[]> single = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            single.add(
                    RawHttp.post(
                            "/v2/models/bench/infer",
                            RequestBodies.dense(RequestBodies.rows(data, rnd, 1, features))));
        }
        return single;
    }

    /** Starts a server of the bench model, waits until it is ready; returns its port. */
    static int start(
            Path work,
            String name,
            Path jar,
            Path modelDir,
            Map<String, String> env,
            List<Process> started)
            throws Exception {
        Process p = ServerProcess.start(work, name, jar, modelDir, 250, env);
        started.add(p);
        Path log = work.resolve(name + ".log");
        int port = ServerProcess.awaitPort(p, log);
        ServerProcess.awaitReady(port, p, log);
        BenchArgs.log("%s listening on 127.0.0.1:%d", name, port);
        return port;
    }

    /**
     * Waits (up to 30 s) until the champion has counted an outcome for every copy; returns sent,
     * dropped and failed.
     */
    private static long[] awaitCounted(int port, long expected) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long[] c;
        do {
            String text = metrics(port);
            c =
                    new long[] {
                        (long) mirror(text, "sent"),
                        (long) mirror(text, "dropped"),
                        (long) mirror(text, "failed")
                    };
            if (c[0] + c[1] + c[2] >= expected) {
                return c;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < end);
        BenchArgs.log(
                "gave up waiting for the mirror to count %d copies: sent %d, dropped %d, failed %d",
                expected, c[0], c[1], c[2]);
        return c;
    }

    private static double mirror(String text, String outcome) {
        double sum = 0;
        Matcher m = SAMPLE.matcher(text);
        while (m.find()) {
            if (m.group(1).contains("kind=\"infer\"")
                    && m.group(1).contains("outcome=\"" + outcome + "\"")) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    static double total(String text, String name, String label) {
        double sum = 0;
        Matcher m =
                Pattern.compile("^" + name + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE)
                        .matcher(text);
        while (m.find()) {
            if (m.group(1).contains(label)) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    /** The server's Prometheus text. */
    static String metrics(int port) throws IOException, InterruptedException {
        return HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    static long[] concat(long[][] legs) {
        return Arrays.stream(legs).flatMapToLong(Arrays::stream).toArray();
    }

    static double p99(long[] latencies) {
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        return BenchArgs.pct(sorted, 0.99);
    }
}
