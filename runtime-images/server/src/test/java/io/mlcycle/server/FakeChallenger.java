package io.mlcycle.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A shadow challenger for mirror tests, on loopback: answers every inference copy 200 (after the
 * test releases it, when it holds them) and every forwarded feedback 200, and checks the order per
 * prediction id: feedback for an id that had no inference copy answered before is a violation.
 */
final class FakeChallenger implements AutoCloseable {

    private static final Pattern ID = Pattern.compile("\"prediction_id\":\"([^\"]+)\"");

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final CountDownLatch release;

    /** Id of each inference copy answered (its {@code Mlcycle-Mirror-Of}) → times received. */
    private final Map<String, AtomicInteger> answered = new ConcurrentHashMap<>();

    private final AtomicInteger inferReceived = new AtomicInteger();
    private final Map<String, AtomicInteger> labels = new ConcurrentHashMap<>();
    private final List<String> violations = new ArrayList<>();
    private final List<String> authorizations = new ArrayList<>();

    /** {@code hold}: inference copies wait for {@link #release} before they are answered. */
    FakeChallenger(boolean hold) throws IOException {
        this.release = new CountDownLatch(hold ? 1 : 0);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
        server.setExecutor(threads);
        server.createContext("/v2/models/churn/infer", this::infer);
        server.createContext("/v2/models/churn/feedback", this::feedback);
        server.start();
    }

    /** The environment that makes a server mirror every request here. */
    Map<String, String> mirrorHere() {
        return Map.of(
                ShadowMirror.URL_ENV,
                "http://127.0.0.1:" + server.getAddress().getPort(),
                ShadowMirror.PERCENT_ENV,
                "100",
                ShadowMirror.VERSION_ENV,
                "4");
    }

    private void infer(HttpExchange ex) throws IOException {
        ex.getRequestBody().readAllBytes();
        inferReceived.incrementAndGet();
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String id = ex.getRequestHeaders().getFirst(ShadowMirror.MIRROR_OF_HEADER);
        // recorded before the answer is written: feedback sent after the answer finds it
        answered.computeIfAbsent(String.valueOf(id), k -> new AtomicInteger()).incrementAndGet();
        ex.sendResponseHeaders(200, -1);
        ex.close();
    }

    private void feedback(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Matcher m = ID.matcher(body);
        synchronized (this) {
            authorizations.add(ex.getRequestHeaders().getFirst("Authorization"));
            while (m.find()) {
                String id = m.group(1);
                if (!answered.containsKey(id)) {
                    violations.add(id);
                }
                labels.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            }
        }
        ex.sendResponseHeaders(200, -1);
        ex.close();
    }

    /** Lets held inference copies be answered (and every later one at once). */
    void release() {
        release.countDown();
    }

    /** Inference copies that arrived (answered or held). */
    int inferReceived() {
        return inferReceived.get();
    }

    /** Ids whose inference copy was answered, each with the number of copies. */
    Map<String, AtomicInteger> answered() {
        return answered;
    }

    /** Ids whose feedback arrived, each with the number of labels. */
    Map<String, AtomicInteger> labels() {
        return labels;
    }

    /** Ids whose feedback arrived before their inference copy was answered. */
    synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    /** The {@code Authorization} header of each feedback post. */
    synchronized List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    String status() {
        return "challenger: "
                + inferReceived()
                + " inference copies received, "
                + answered.size()
                + " ids answered, "
                + labels.size()
                + " ids labelled";
    }

    /**
     * Waits for {@code what} while it progresses: gives up when {@code status} has not changed for
     * {@code seconds} (a stalled mirror), or after ten times that in all, and then fails naming it
     * with {@code status} as it is then. A loaded machine delivers slower, not never.
     */
    static void await(String what, int seconds, BooleanSupplier done, Supplier<String> status)
            throws InterruptedException {
        long start = System.nanoTime();
        long stall = Duration.ofSeconds(seconds).toNanos();
        long lastChange = start;
        String last = status.get();
        while (!done.getAsBoolean()) {
            long now = System.nanoTime();
            String current = status.get();
            if (!current.equals(last)) {
                last = current;
                lastChange = now;
            }
            if (now - lastChange > stall || now - start > 10 * stall) {
                throw new AssertionError(
                        "gave up after "
                                + Duration.ofNanos(now - start).toSeconds()
                                + " s ("
                                + Duration.ofNanos(now - lastChange).toSeconds()
                                + " s without progress) waiting for "
                                + what
                                + "; "
                                + current);
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() throws InterruptedException {
        release();
        server.stop(0);
        threads.shutdownNow();
        threads.awaitTermination(5, TimeUnit.SECONDS);
    }
}
