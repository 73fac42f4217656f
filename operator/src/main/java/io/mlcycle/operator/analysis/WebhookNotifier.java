package io.mlcycle.operator.analysis;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Posts a Slack-compatible {@code {"text": ...}} JSON message to a webhook. */
public class WebhookNotifier {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final Duration timeout;

    public WebhookNotifier() {
        this(Duration.ofSeconds(5));
    }

    public WebhookNotifier(Duration timeout) {
        this.timeout = timeout;
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
