package io.mlcycle.bench.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The REST load generators: open loops at a fixed rate (latency from each request's scheduled send
 * time), closed loops back to back, and the machine's own wake-up lateness with no request.
 */
final class OpenLoad {

    static final int CONNECTIONS = 32;

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
    static final boolean SPIN =
            System.getenv("BENCH_LOAD") == null || "spin".equals(System.getenv("BENCH_LOAD"));

    private OpenLoad() {}

    /** The generator of record at {@code rate} for {@code seconds}; latencies in ns. */
    static long[] load(int port, List<byte[]> bodies, int rate, int seconds) throws Exception {
        return SPIN ? spin(port, bodies, rate, seconds) : parked(port, bodies, rate, seconds);
    }

    /** The generator that is not of record, on the same requests. */
    static long[] other(int port, List<byte[]> bodies, int rate, int seconds) throws Exception {
        return SPIN ? parked(port, bodies, rate, seconds) : spin(port, bodies, rate, seconds);
    }

    private static long[] spin(int port, List<byte[]> bodies, int rate, int seconds)
            throws IOException {
        try (SpinLoad spin = new SpinLoad(port, CONNECTIONS)) {
            return spin.run(bodies, rate, seconds);
        }
    }

    /** One open loop's schedule and what it records. */
    private record Schedule(
            List<byte[]> bodies,
            int total,
            long start,
            long period,
            long[] latency,
            AtomicLong failures) {

        long due(int i) {
            return start + i * period;
        }

        void exchange(RawHttp c, int i) throws IOException {
            int status = c.exchange(bodies.get(i % bodies.size()));
            latency[i] = System.nanoTime() - due(i);
            if (status != 200) {
                failures.incrementAndGet();
            }
        }
    }

    /**
     * Sends {@code rate} requests per second for {@code seconds}, each at its scheduled time
     * whatever happened to earlier ones; returns each latency from the scheduled time, in ns.
     */
    private static long[] parked(int port, List<byte[]> bodies, int rate, int seconds)
            throws Exception {
        int total = rate * seconds;
        long period = 1_000_000_000L / rate;
        Schedule s =
                new Schedule(
                        bodies,
                        total,
                        System.nanoTime() + 50_000_000L,
                        period,
                        new long[total],
                        new AtomicLong());
        BlockingQueue<Integer> queue = new LinkedBlockingQueue<>();
        List<Thread> workers = new ArrayList<>();
        List<RawHttp> conns = new ArrayList<>();
        for (int w = 0; w < CONNECTIONS; w++) {
            RawHttp c = new RawHttp(port);
            conns.add(c);
            Runnable r = QUEUED ? () -> queued(c, s, queue) : selfScheduled(c, s, w);
            Thread t = new Thread(r, "load-" + w);
            t.setDaemon(true);
            t.start();
            workers.add(t);
        }
        for (int i = 0; QUEUED && i < total; i++) {
            parkUntil(s.due(i));
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
        if (s.failures().get() > 0) {
            throw new IllegalStateException(
                    s.failures().get() + " requests failed in the open loop");
        }
        return s.latency();
    }

    /**
     * Request i goes on connection i mod 32 at its own time: no hand-off between generator threads;
     * a slow answer delays the next request of its connection, which is then counted from its
     * scheduled time too.
     */
    private static Runnable selfScheduled(RawHttp c, Schedule s, int first) {
        return () -> {
            try {
                for (int i = first; i < s.total(); i += CONNECTIONS) {
                    parkUntil(s.due(i));
                    s.exchange(c, i);
                }
            } catch (IOException e) {
                s.failures().incrementAndGet();
                System.err.println("load generator connection failed: " + e);
            }
        };
    }

    /** A connection thread taking each request the scheduler hands it, until a negative one. */
    private static void queued(RawHttp c, Schedule s, BlockingQueue<Integer> queue) {
        try {
            while (true) {
                int i = queue.take();
                if (i < 0) {
                    return;
                }
                s.exchange(c, i);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            s.failures().incrementAndGet();
            System.err.println("load generator connection failed: " + e);
        }
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

    /**
     * The parked generator's schedule without any request: how late its threads wake up for their
     * due times on this machine.
     */
    static long[] wakeups(int rate, int seconds) throws InterruptedException {
        int total = rate * seconds;
        long period = 1_000_000_000L / rate;
        long[] late = new long[total];
        long start = System.nanoTime() + 50_000_000L;
        int threads = CONNECTIONS;
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
}
