package io.mlcycle.operator.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.operator.common.OutboundPolicy;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Runs instant queries against the Prometheus HTTP API ({@code /api/v1/query}). */
public class PrometheusClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The spec field every Prometheus URL comes from (named when the policy refuses one). */
    public static final String URL_FIELD = "spec.rollback.prometheus.url";

    private final HttpClient http;
    private final Duration timeout;
    private final OutboundPolicy policy;

    public PrometheusClient() {
        this(Duration.ofSeconds(5));
    }

    /** A client that checks no host (tests against a local server). */
    public PrometheusClient(Duration timeout) {
        this(timeout, null);
    }

    /**
     * A client that sends nothing to a host {@code policy} refuses; it follows no redirect (a
     * redirect would reach a host the policy never saw).
     */
    public PrometheusClient(Duration timeout, OutboundPolicy policy) {
        this.timeout = timeout;
        this.policy = policy;
        this.http =
                HttpClient.newBuilder()
                        .connectTimeout(timeout)
                        .followRedirects(
                                policy == null
                                        ? HttpClient.Redirect.NORMAL
                                        : HttpClient.Redirect.NEVER)
                        .build();
    }

    /** One series of an instant vector. */
    public record Series(Map<String, String> labels, double value) {}

    /** An instant vector, or why there is none. */
    public record Vector(List<Series> series, QueryResult.Inconclusive failure) {}

    /**
     * Runs {@code promql} at the server's current time. A scalar or a vector with exactly one
     * sample gives its value; anything else is {@link QueryResult.Inconclusive} with the reason.
     */
    public QueryResult query(String baseUrl, String promql) {
        return query(baseUrl, Map.of(), promql);
    }

    /** {@link #query(String, String)} with request headers (credentials). */
    public QueryResult query(String baseUrl, Map<String, String> headers, String promql) {
        Fetched f = fetch(baseUrl, headers, promql);
        return f.failure() != null ? f.failure() : parse(f.status(), f.body());
    }

    /**
     * Runs {@code promql} for every series it returns (an empty vector is an empty list, not a
     * failure).
     */
    public Vector queryVector(String baseUrl, String promql) {
        return queryVector(baseUrl, Map.of(), promql);
    }

    /** {@link #queryVector(String, String)} with request headers (credentials). */
    public Vector queryVector(String baseUrl, Map<String, String> headers, String promql) {
        Fetched f = fetch(baseUrl, headers, promql);
        return f.failure() != null
                ? new Vector(List.of(), f.failure())
                : parseVector(f.status(), f.body());
    }

    private record Fetched(int status, String body, QueryResult.Inconclusive failure) {
        static Fetched failed(QueryResult r) {
            return new Fetched(0, null, (QueryResult.Inconclusive) r);
        }
    }

    private Fetched fetch(String baseUrl, Map<String, String> headers, String promql) {
        if (policy != null) {
            var refused = policy.refusal(baseUrl, URL_FIELD);
            if (refused.isPresent()) {
                return Fetched.failed(QueryResult.inconclusive(refused.get()));
            }
        }
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        URI uri;
        try {
            uri =
                    URI.create(
                            base
                                    + "/api/v1/query?query="
                                    + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return Fetched.failed(QueryResult.inconclusive("invalid Prometheus URL " + baseUrl));
        }
        HttpResponse<String> response;
        try {
            HttpRequest.Builder request =
                    HttpRequest.newBuilder(uri)
                            .timeout(timeout)
                            .header("Accept", "application/json");
            headers.forEach(request::header);
            response = http.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            return Fetched.failed(
                    QueryResult.inconclusive(
                            "Prometheus at "
                                    + base
                                    + " did not answer within "
                                    + timeout.toSeconds()
                                    + "s"));
        } catch (IOException e) {
            return Fetched.failed(
                    QueryResult.inconclusive(
                            "Prometheus at " + base + " unreachable: " + describe(e)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Fetched.failed(
                    QueryResult.inconclusive("interrupted while querying Prometheus"));
        }
        return new Fetched(response.statusCode(), response.body(), null);
    }

    /** The {@code data} of a successful answer, or why there is none. */
    private static Object data(int status, String body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            return QueryResult.inconclusive(
                    "Prometheus answered HTTP " + status + " with a body that is not JSON");
        }
        if (root == null || !"success".equals(root.path("status").asText())) {
            String error = root == null ? "" : root.path("error").asText("");
            return QueryResult.inconclusive(
                    "Prometheus answered HTTP " + status + (error.isEmpty() ? "" : ": " + error));
        }
        if (status != 200) {
            return QueryResult.inconclusive("Prometheus answered HTTP " + status);
        }
        return root.path("data");
    }

    /** Interprets an HTTP status and body from {@code /api/v1/query} as a vector. */
    static Vector parseVector(int status, String body) {
        Object d = data(status, body);
        if (d instanceof QueryResult.Inconclusive failure) {
            return new Vector(List.of(), failure);
        }
        JsonNode data = (JsonNode) d;
        if (!"vector".equals(data.path("resultType").asText())) {
            return new Vector(
                    List.of(),
                    (QueryResult.Inconclusive)
                            QueryResult.inconclusive(
                                    "query returned a "
                                            + data.path("resultType").asText()
                                            + "; expected a vector"));
        }
        List<Series> series = new ArrayList<>();
        for (JsonNode s : data.path("result")) {
            if (sample(s.path("value")) instanceof QueryResult.Value v) {
                Map<String, String> labels = new TreeMap<>();
                s.path("metric")
                        .fields()
                        .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
                series.add(new Series(labels, v.value()));
            }
        }
        return new Vector(series, null);
    }

    /** Interprets an HTTP status and body from {@code /api/v1/query}. */
    static QueryResult parse(int status, String body) {
        Object d = data(status, body);
        if (d instanceof QueryResult.Inconclusive failure) {
            return failure;
        }
        JsonNode data = (JsonNode) d;
        String type = data.path("resultType").asText();
        JsonNode result = data.path("result");
        return switch (type) {
            case "scalar" -> sample(result);
            case "vector" -> {
                if (!result.isArray() || result.isEmpty()) {
                    yield QueryResult.inconclusive(QueryResult.NO_DATA);
                }
                if (result.size() > 1) {
                    yield QueryResult.inconclusive(
                            "query returned "
                                    + result.size()
                                    + " series; aggregate it to one (e.g. sum(...))");
                }
                yield sample(result.get(0).path("value"));
            }
            default ->
                    QueryResult.inconclusive(
                            "query returned a "
                                    + type
                                    + "; expected a scalar or a single-sample vector");
        };
    }

    private static QueryResult sample(JsonNode pair) {
        if (!pair.isArray() || pair.size() != 2) {
            return QueryResult.inconclusive("query returned a malformed sample");
        }
        String text = pair.get(1).asText();
        try {
            return QueryResult.value(Double.parseDouble(text.replace("Inf", "Infinity")));
        } catch (NumberFormatException e) {
            return QueryResult.inconclusive("query returned a non-numeric sample '" + text + "'");
        }
    }

    private static String describe(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getMessage() == null) {
            t = t.getCause();
        }
        String message = t.getMessage();
        return message == null ? t.getClass().getSimpleName() : message;
    }
}
