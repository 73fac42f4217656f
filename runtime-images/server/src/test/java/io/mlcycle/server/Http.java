package io.mlcycle.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.task.TaskJson;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A small HTTP client for the server tests, plus a reader of the Prometheus text format. */
final class Http {

    static final HttpClient CLIENT =
            HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();

    private final String base;

    Http(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    record Response(int status, String body) {
        JsonNode json() {
            try {
                return TaskJson.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    Response get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    /** Posts with the test servers' feedback token. */
    Response post(String path, String body) {
        return post(path, body, "Bearer " + TestModels.TOKEN);
    }

    /** Posts with this {@code Authorization} header value (null: none). */
    Response post(String path, String body, String authorization) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(base + path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return send(b);
    }

    /** Posts without a Content-Length (chunked), so only the streamed body limit applies. */
    Response postChunked(String path, byte[] body) {
        return send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .POST(
                                HttpRequest.BodyPublishers.ofInputStream(
                                        () -> new java.io.ByteArrayInputStream(body))));
    }

    private static Response send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r =
                    CLIENT.send(
                            b.timeout(Duration.ofSeconds(30)).build(),
                            HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new AssertionError("request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static final Pattern SAMPLE =
            Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"");

    private static Map<String, String> labelsOf(Matcher sample) {
        Map<String, String> found = new TreeMap<>();
        if (sample.group(3) != null) {
            Matcher l = LABEL.matcher(sample.group(3));
            while (l.find()) {
                found.put(l.group(1), l.group(2));
            }
        }
        return found;
    }

    /** Sample value of {@code name} with exactly these labels, or null when absent. */
    static Double sample(String metricsText, String name, Map<String, String> labels) {
        for (String line : metricsText.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches() || !m.group(1).equals(name)) {
                continue;
            }
            Map<String, String> found = labelsOf(m);
            if (found.equals(new TreeMap<>(labels))) {
                return Double.parseDouble(m.group(4));
            }
        }
        return null;
    }

    /** {@link #total(String, String, Map)} of this server's {@code /metrics} now. */
    double total(String name, String... labelPairs) {
        return total(get("/metrics").body(), name, labels(labelPairs));
    }

    /** The sum of the samples of {@code name} that carry (at least) these labels; 0 when none. */
    static double total(String metricsText, String name, Map<String, String> labels) {
        double sum = 0;
        for (String line : metricsText.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches() || !m.group(1).equals(name)) {
                continue;
            }
            Map<String, String> found = labelsOf(m);
            if (found.entrySet().containsAll(labels.entrySet())) {
                sum += Double.parseDouble(m.group(4));
            }
        }
        return sum;
    }

    static Map<String, String> labels(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
