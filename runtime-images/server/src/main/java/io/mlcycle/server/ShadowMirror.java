package io.mlcycle.server;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.PodEnv;
import io.prometheus.metrics.core.metrics.Counter;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Mirrors a share of a champion's inference requests, and the feedback for them, to its shadow
 * challenger: up to {@link #IN_FLIGHT} copies at once on kept-alive connections, the rest queued
 * (up to {@link #QUEUE} messages and {@link #QUEUE_BYTES}); a copy that finds both full is dropped
 * and counted. Feedback for a prediction is sent only once its inference copy was answered ({@link
 * MirrorLedger}). The caller's answer never waits on the challenger, nor fails with it.
 */
final class ShadowMirror implements AutoCloseable {

    /** Base URL of the challenger, e.g. {@code http://churn-shadow.ml.svc}. */
    static final String URL_ENV = PodEnv.SHADOW_URL;

    /** Percent (1..100) of the inference requests mirrored. */
    static final String PERCENT_ENV = PodEnv.SHADOW_PERCENT;

    /** The challenger's version, the {@code challenger} label of the mirrored feedback. */
    static final String VERSION_ENV = PodEnv.SHADOW_VERSION;

    /**
     * On a mirrored request: the champion's prediction id of the first scored row (the others
     * follow in sequence), under which the challenger records its predictions.
     */
    static final String MIRROR_OF_HEADER = "Mlcycle-Mirror-Of";

    /**
     * Copies sent at once (each on its own kept-alive connection): at 1 000 requests/s a challenger
     * may take 128 ms an answer, as a busy node's tail does, before copies queue.
     */
    static final int IN_FLIGHT = 128;

    /**
     * Messages waiting for a free connection: about four seconds of traffic at 1 000 requests/s, so
     * a challenger that stalls for a moment (a collection, a busy node) loses nothing.
     */
    static final int QUEUE = 4096;

    /** Bytes of bodies the queue holds at most (big batches fill it before {@link #QUEUE}). */
    static final long QUEUE_BYTES = 64L << 20;

    static final long TIMEOUT_MILLIS = 2_000;

    /**
     * How long {@link #close} waits for the next answer while copies are queued or running: a
     * challenger that answers none for this long is cut off.
     */
    static final long CLOSE_GRACE_MILLIS = 1_000;

    /** The longest {@link #close} lets queued and running copies finish before it drops them. */
    static final long CLOSE_MAX_MILLIS = 3_000;

    /** Values of the {@code reason} label of {@code mlcycle_mirror_total}, by outcome. */
    static final Map<String, List<String>> REASONS =
            Map.of(
                    "sent", List.of("answered"),
                    "dropped", List.of("queue_full", "closing", "prediction_not_sent"),
                    "failed", List.of("status", "timeout", "unreachable"));

    private record Message(
            String kind,
            String path,
            byte[] body,
            Map<String, String> headers,
            MirrorLedger.Copy copy) {}

    private final String inferPath;
    private final String feedbackPath;
    private final int percent;
    private final Counter outcomes;
    private final MirrorClient client;
    private final MirrorLedger ledger;
    private final ArrayDeque<Message> queue = new ArrayDeque<>();
    private int inFlight;

    /** Messages taken (in flight or queued) and not counted yet. */
    private int unfinished;

    private long queuedBytes;

    private long answers;
    private boolean closed;

    /** The feedback token the challenger requires too (null: feedback is open). */
    private final String token;

    private ShadowMirror(
            URI base, String model, int percent, int window, Counter outcomes, String token) {
        this.token = token;
        String path = base.getPath() == null ? "" : base.getPath();
        String prefix = (path.endsWith("/") ? path.substring(0, path.length() - 1) : path);
        this.inferPath = prefix + "/v2/models/" + model + "/infer";
        this.feedbackPath = prefix + "/v2/models/" + model + "/feedback";
        this.percent = percent;
        this.outcomes = outcomes;
        this.ledger = new MirrorLedger(window);
        for (String kind : new String[] {"infer", "feedback"}) {
            REASONS.forEach(
                    (outcome, reasons) ->
                            reasons.forEach(r -> outcomes.labelValues(kind, outcome, r)));
        }
        this.client = new MirrorClient(base, TIMEOUT_MILLIS);
    }

    /** The mirror the environment asks for, or null without {@value #URL_ENV}. */
    static ShadowMirror fromEnv(
            Map<String, String> env,
            String model,
            int window,
            ServerMetrics metrics,
            String token) {
        String url = env.get(URL_ENV);
        if (url == null || url.isBlank()) {
            return null;
        }
        try {
            URI u = URI.create(url.trim());
            if (!"http".equals(u.getScheme()) || u.getHost() == null) {
                throw new IllegalArgumentException("not an http:// URL with a host");
            }
        } catch (IllegalArgumentException e) {
            throw TaskFailure.invalid(
                    "InvalidTask", URL_ENV + " '" + url + "' is not usable: " + e.getMessage());
        }
        String p = env.getOrDefault(PERCENT_ENV, "100").trim();
        int percent;
        try {
            percent = Integer.parseInt(p);
        } catch (NumberFormatException e) {
            percent = -1;
        }
        if (percent < 1 || percent > 100) {
            throw TaskFailure.invalid(
                    "InvalidTask", PERCENT_ENV + " '" + p + "' is not a percent in 1..100");
        }
        return new ShadowMirror(
                URI.create(url.trim()),
                model,
                percent,
                window,
                metrics.mirror(env.getOrDefault(VERSION_ENV, "")),
                token);
    }

    /** Whether this request goes to the challenger too (drawn at the configured percent). */
    boolean sample() {
        return percent >= 100 || ThreadLocalRandom.current().nextInt(100) < percent;
    }

    /**
     * Queues an inference request body; {@code firstId}: the champion's first prediction id of its
     * {@code rows} rows.
     */
    void infer(byte[] body, String headerLength, String firstId, int rows) {
        Map<String, String> headers = new HashMap<>(4);
        headers.put(MIRROR_OF_HEADER, firstId);
        if (headerLength != null) {
            headers.put(InferenceCodec.HEADER_LENGTH, headerLength);
        }
        offer(new Message("infer", inferPath, body, headers, ledger.expect(firstId, rows)));
    }

    /**
     * Queues the feedback accepted for mirrored predictions, each with the class the champion
     * predicted (so the challenger counts paired outcomes), once their inference copies were
     * answered; labels of copies that failed or were dropped are dropped too.
     */
    void feedback(List<FeedbackEntry> entries) {
        MirrorLedger.Post p = ledger.sort(entries);
        if (p != null) {
            feedback(p);
        }
    }

    private void feedback(MirrorLedger.Post p) {
        if (p.lost > 0) {
            outcomes.labelValues("feedback", "dropped", "prediction_not_sent").inc();
        }
        if (p.ready.isEmpty()) {
            return;
        }
        Map<String, String> headers = new HashMap<>(2);
        if (token != null) {
            // the champion and its challenger read the same Secret
            headers.put("Authorization", FeedbackAuth.SCHEME + token);
        }
        offer(new Message("feedback", feedbackPath, feedbackJson(p.ready), headers, null));
    }

    private static byte[] feedbackJson(List<FeedbackEntry> entries) {
        StringBuilder json = new StringBuilder("{\"feedback\":[");
        for (int i = 0; i < entries.size(); i++) {
            FeedbackEntry f = entries.get(i);
            json.append(i == 0 ? "" : ",")
                    .append("{\"prediction_id\":\"")
                    .append(f.predictionId())
                    .append("\",\"actual\":")
                    .append(f.actual())
                    .append(",\"champion_predicted\":")
                    .append(f.championPredicted())
                    .append('}');
        }
        return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Sends at once while fewer than {@link #IN_FLIGHT} are out, else queues, else drops. */
    private void offer(Message m) {
        String dropped = null;
        synchronized (this) {
            if (closed) {
                dropped = "closing";
            } else if (inFlight < IN_FLIGHT) {
                inFlight++;
                unfinished++;
            } else if (queue.size() < QUEUE && queuedBytes + m.body().length <= QUEUE_BYTES) {
                queue.add(m);
                queuedBytes += m.body().length;
                unfinished++;
                return;
            } else {
                dropped = "queue_full";
            }
        }
        if (dropped != null) {
            ended(m, "dropped", dropped);
        } else {
            send(m);
        }
    }

    private void send(Message m) {
        client.post(m.path(), m.body(), m.headers(), r -> answered(m, r));
    }

    /**
     * A send ended: hands its connection to the next queued message, counts it and releases the
     * feedback that waited for it (which may take the queue's room), then sends the next one.
     */
    private void answered(Message m, MirrorClient.Result r) {
        Message next;
        boolean closing;
        synchronized (this) {
            closing = closed;
            next = closing ? null : queue.poll();
            if (next != null) {
                queuedBytes -= next.body().length;
            }
            if (next == null) {
                inFlight--;
            }
        }
        if (r.ok()) {
            ended(m, "sent", "answered");
        } else if (r.status() > 0) {
            ended(m, "failed", "status");
        } else if (closing || "closing".equals(r.failure())) {
            // cut off by close(), not by the challenger
            ended(m, "dropped", "closing");
        } else {
            ended(m, "failed", r.failure());
        }
        synchronized (this) {
            unfinished--;
            answers++;
            notifyAll();
        }
        if (next != null) {
            send(next);
        }
    }

    private void ended(Message m, String outcome, String reason) {
        outcomes.labelValues(m.kind(), outcome, reason).inc();
        if (m.copy() != null) {
            for (MirrorLedger.Post p : ledger.ended(m.copy(), "sent".equals(outcome))) {
                feedback(p);
            }
        }
    }

    /**
     * Takes no more copies; lets the queued and running ones finish while the challenger answers
     * (until none came for {@link #CLOSE_GRACE_MILLIS}, at most {@link #CLOSE_MAX_MILLIS}), then
     * drops what is left (counted, reason {@code closing}) and stops the client's thread.
     */
    @Override
    public void close() {
        close(CLOSE_GRACE_MILLIS, CLOSE_MAX_MILLIS);
    }

    /** {@link #close()} with another grace and limit (tests on a loaded machine). */
    void close(long graceMillis, long maxMillis) {
        List<Message> left;
        synchronized (this) {
            long now = System.nanoTime();
            long end = now + maxMillis * 1_000_000;
            long seen = answers;
            long progress = now;
            while (unfinished > 0) {
                now = System.nanoTime();
                if (answers != seen) {
                    seen = answers;
                    progress = now;
                }
                long wait = Math.min(end, progress + graceMillis * 1_000_000) - now;
                if (wait <= 0) {
                    break;
                }
                try {
                    wait(Math.max(1, wait / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            closed = true;
            left = List.copyOf(queue);
            queue.clear();
            queuedBytes = 0;
        }
        for (Message m : left) {
            ended(m, "dropped", "closing");
        }
        client.close();
    }
}
