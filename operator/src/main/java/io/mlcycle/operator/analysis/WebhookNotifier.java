package io.mlcycle.operator.analysis;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mlcycle.operator.common.OutboundPolicy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Posts a Slack-compatible {@code {"text": ...}} JSON message to a webhook. */
public class WebhookNotifier {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The spec field the webhook URL comes from (named when the policy refuses it). */
    public static final String URL_FIELD = "spec.rollback.webhook.urlSecret";

    private final HttpClient http;
    private final Duration timeout;
    private final OutboundPolicy policy;

    public WebhookNotifier() {
        this(Duration.ofSeconds(5));
    }

    /** A notifier that checks no host (tests against a local receiver). */
    public WebhookNotifier(Duration timeout) {
        this(timeout, null);
    }

    /** A notifier that posts nothing to a host {@code policy} refuses (redirects not followed). */
    public WebhookNotifier(Duration timeout, OutboundPolicy policy) {
        this.timeout = timeout;
        this.policy = policy;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** The JSON body for {@code text}, with extra fields a receiver other than Slack can use. */
    public static String body(String text, String deployment, String namespace, String event) {
        ObjectNode node = JSON.createObjectNode();
        node.put("text", text);
        node.put("deployment", deployment);
        node.put("namespace", namespace);
        node.put("event", event);
        return node.toString();
    }

    /**
     * Posts {@code json}; throws {@link IOException} naming the receiver's host (the path of a
     * webhook URL is often its secret) and the HTTP status when it does not answer 2xx.
     */
    public void post(String url, String json) throws IOException {
        if (policy != null) {
            var refused = policy.refusal(url, URL_FIELD);
            if (refused.isPresent()) {
                throw new IOException("webhook not sent: " + refused.get());
            }
        }
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(timeout)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build();
        String host = host(url);
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while posting to webhook at " + host, e);
        } catch (IOException e) {
            throw new IOException(
                    "webhook at " + host + " unreachable: " + e.getClass().getSimpleName());
        }
        if (response.statusCode() / 100 != 2) {
            throw new IOException("webhook at " + host + " answered HTTP " + response.statusCode());
        }
    }

    /** {@code scheme://host[:port]} of a URL: what may be shown of it. */
    static String host(String url) {
        URI uri = URI.create(url);
        return uri.getScheme()
                + "://"
                + uri.getHost()
                + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    }
}
