package io.mlcycle.server;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.task.ServeTask;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;

/**
 * The request log in one process, without a server: one thread offers single scored rows (12
 * non-zeros of 200 features) at {@code rate} per second, as an event loop would, for {@code rounds}
 * rounds of {@code seconds}; prints per round the wall time of each offer (p50, p99, p99.9: what
 * the request pays) and the writer thread's CPU per request (exact, from the JVM). In the package
 * of {@link RequestLog}, whose API is package-private. Usage: {@code <sampleRate|0> <rate>
 * <seconds> <rounds>} (0: no log, the timing's own floor).
 */
public final class RequestLogHandOffBench {

    private RequestLogHandOffBench() {}

    public static void main(String[] args) throws Exception {
        double sample = Double.parseDouble(args[0]);
        int rate = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            names.add("events/e" + i);
        }
        Path dir = Files.createTempDirectory("request-log-hand-off");
        ServeTask.RequestLog spec =
                new ServeTask.RequestLog(
                        dir.toUri().toString(), sample > 0 ? sample : 1.0, 16 << 20, 300, 10_000);
        InferenceServer.Config config =
                new InferenceServer.Config(
                        "bench", "bench", 1, "127.0.0.1", 0, 0, 1 << 20, 1000, 1000, 4);
        RequestLog log = RequestLog.open(spec, config, new ServerMetrics("bench", "bench", 1));
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long writer = writerThread(mx);
        Random rnd = new Random(1);
        for (int round = 1; round <= rounds; round++) {
            int n = rate * seconds;
            long[] wall = new long[n];
            long cpu0 = mx.getThreadCpuTime(writer);
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                SparseMatrix m = row(rnd);
                float[] p = {rnd.nextFloat()};
                String[] ids = {"bench-" + i};
                long due = t0 + (long) i * 1_000_000_000L / rate;
                for (long now = System.nanoTime(); now < due; now = System.nanoTime()) {
                    LockSupport.parkNanos(due - now);
                }
                long s = System.nanoTime();
                if (sample > 0) {
                    log.offer(names, m, p, ids, false);
                }
                wall[i] = System.nanoTime() - s;
            }
            long cpu1 = mx.getThreadCpuTime(writer);
            Arrays.sort(wall);
            System.out.printf(
                    Locale.ROOT,
                    "sample %s, round %d: offer wall p50 %d ns p99 %d ns p99.9 %d ns, writer CPU"
                            + " %.2f us per request%n",
                    args[0],
                    round,
                    wall[n / 2],
                    wall[n * 99 / 100],
                    wall[n * 999 / 1000],
                    (cpu1 - cpu0) / 1000.0 / n);
        }
        log.close();
    }

    private static long writerThread(ThreadMXBean mx) {
        for (long id : mx.getAllThreadIds()) {
            ThreadInfo t = mx.getThreadInfo(id);
            if (t != null && t.getThreadName().equals("mlcycle-request-log")) {
                return id;
            }
        }
        throw new IllegalStateException("no mlcycle-request-log thread");
    }

    /** One row with 12 non-zero counts among 200 features, as the server benchmark sends. */
    private static SparseMatrix row(Random rnd) {
        int[] cols = new int[12];
        float[] values = new float[12];
        for (int k = 0, c = 0; k < 12; k++) {
            c += 1 + rnd.nextInt(15);
            cols[k] = c;
            values[k] = 1 + rnd.nextInt(3);
        }
        return new SparseMatrix(new String[] {null}, new int[] {0, 12}, cols, values, 200);
    }
}
