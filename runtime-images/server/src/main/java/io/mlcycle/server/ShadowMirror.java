package io.mlcycle.server;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.PodEnv;
import io.prometheus.metrics.core.metrics.Counter;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Mirrors a share of a champion's inference requests, and the feedback for them, to its shadow
 * challenger: queued without waiting (a full queue drops the request and counts it), sent by one
 * background thread in arrival order (a prediction reaches the challenger before its feedback). The
 * caller's answer never waits on the challenger, nor fails with it.
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

    static final int QUEUE = 1024;
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private record Message(String kind, HttpRequest request) {}

    private final URI infer;
    private final URI feedback;
    private final int percent;
    private final BlockingQueue<Message> queue = new ArrayBlockingQueue<>(QUEUE);
    private final HttpClient client;
    private final Counter outcomes;
    private final Thread sender;
    private volatile boolean closed;

    /** The feedback token the challenger requires too (null: feedback is open). */
    private final String token;

    private ShadowMirror(String url, String model, int percent, Counter outcomes, String token) {
        this.token = token;
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.infer = URI.create(base + "/v2/models/" + model + "/infer");
        this.feedback = URI.create(base + "/v2/models/" + model + "/feedback");
        this.percent = percent;
        this.outcomes = outcomes;
        this.client =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(TIMEOUT)
                        .build();
        for (String kind : new String[] {"infer", "feedback"}) {
            for (String outcome : new String[] {"sent", "dropped", "failed"}) {
                outcomes.labelValues(kind, outcome);
            }
        }
        this.sender = new Thread(this::send, "mlcycle-shadow-mirror");
        sender.setDaemon(true);
        sender.start();
    }

    /** The mirror the environment asks for, or null without {@value #URL_ENV}. */
    static ShadowMirror fromEnv(
            Map<String, String> env, String model, ServerMetrics metrics, String token) {
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
                url.trim(),
                model,
                percent,
                metrics.mirror(env.getOrDefault(VERSION_ENV, "")),
                token);
    }

    /** Whether this request goes to the challenger too (drawn at the configured percent). */
    boolean sample() {
        return percent >= 100 || ThreadLocalRandom.current().nextInt(100) < percent;
    }

    /** Queues an inference request body; {@code firstId}: the champion's first prediction id. */
    void infer(byte[] body, String headerLength, String firstId) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(infer)
                        .timeout(TIMEOUT)
                        .header("Content-Type", "application/json")
                        .header(MIRROR_OF_HEADER, firstId)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headerLength != null) {
            b.header(InferenceCodec.HEADER_LENGTH, headerLength);
        }
        offer(new Message("infer", b.build()));
    }

    /**
     * Queues the feedback accepted for mirrored predictions, each with the class the champion
     * predicted (so the challenger counts paired outcomes).
     */
    void feedback(List<FeedbackEntry> entries) {
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
        json.append("]}");
        HttpRequest.Builder b =
                HttpRequest.newBuilder(feedback)
                        .timeout(TIMEOUT)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json.toString()));
        if (token != null) {
            // the champion and its challenger read the same Secret
            b.header("Authorization", FeedbackAuth.SCHEME + token);
        }
        offer(new Message("feedback", b.build()));
    }

    private void offer(Message m) {
        if (closed || !queue.offer(m)) {
            outcomes.labelValues(m.kind(), "dropped").inc();
        }
    }

    private void send() {
        while (!closed) {
            Message m;
            try {
                m = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            String outcome;
            try {
                HttpResponse<Void> r =
                        client.send(m.request(), HttpResponse.BodyHandlers.discarding());
                outcome = r.statusCode() == 200 ? "sent" : "failed";
            } catch (IOException e) {
                outcome = "failed";
            } catch (InterruptedException e) {
                return;
            }
            outcomes.labelValues(m.kind(), outcome).inc();
        }
    }

    @Override
    public void close() {
        closed = true;
        sender.interrupt();
    }
}
