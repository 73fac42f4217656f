package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The credentials rollback analysis reads from Secrets: Prometheus's (a bearer {@code token}, or
 * {@code username} and {@code password}, plus any {@code header.<Name>} keys) and the webhook's
 * URL. Values go only into requests; errors name the Secret and key, never a value.
 */
@ApplicationScoped
public class AnalysisSecrets {

    /** The Secret key of a bearer token. */
    public static final String TOKEN = "token";

    /** The Secret key prefix of extra request headers, e.g. {@code header.X-Scope-OrgID}. */
    public static final String HEADER_PREFIX = "header.";

    @Inject KubernetesClient client;

    public AnalysisSecrets() {}

    /** For unit tests without CDI. */
    public AnalysisSecrets(KubernetesClient client) {
        this.client = client;
    }

    /** Why a Secret could not be used; the message names it and never holds a value. */
    public static class Unusable extends RuntimeException {
        Unusable(String message) {
            super(message);
        }
    }

    /** The request headers {@code prometheus} asks for; empty without {@code authSecret}. */
    public Map<String, String> prometheusHeaders(
            String namespace, ModelDeploymentSpec.Prometheus prometheus) {
        if (prometheus == null || prometheus.authSecret == null) {
            return Map.of();
        }
        Map<String, String> data = data(namespace, prometheus.authSecret);
        return headers(namespace + "/" + prometheus.authSecret, data);
    }

    /** The headers a Secret's keys stand for (see the class comment); it names the Secret. */
    public static Map<String, String> headers(String secret, Map<String, String> data) {
        Map<String, String> headers = new LinkedHashMap<>();
        String token = data.get(TOKEN);
        String user = data.get("username");
        String password = data.get("password");
        if (token != null && user != null) {
            throw new Unusable(
                    "Secret " + secret + " has both token and username: keep one way to log in");
        }
        if (token != null) {
            headers.put("Authorization", "Bearer " + token.trim());
        } else if (user != null || password != null) {
            if (user == null || password == null) {
                throw new Unusable(
                        "Secret " + secret + " needs both username and password for basic auth");
            }
            headers.put(
                    "Authorization",
                    "Basic "
                            + Base64.getEncoder()
                                    .encodeToString(
                                            (user + ":" + password)
                                                    .getBytes(StandardCharsets.UTF_8)));
        }
        new TreeMap<>(data)
                .forEach(
                        (k, v) -> {
                            if (k.startsWith(HEADER_PREFIX)
                                    && k.length() > HEADER_PREFIX.length()) {
                                headers.put(k.substring(HEADER_PREFIX.length()), v.trim());
                            }
                        });
        if (headers.isEmpty()) {
            throw new Unusable(
                    "Secret "
                            + secret
                            + " has none of the keys token, username/password or header.<Name>");
        }
        return headers;
    }

    /** The webhook's URL: {@code url}, or the {@code urlSecret}'s key. */
    public String webhookUrl(String namespace, ModelDeploymentSpec.Webhook webhook) {
        if (webhook.urlSecret == null) {
            return webhook.url;
        }
        String key = Defaults.copy(webhook.urlSecret).key;
        String url = data(namespace, webhook.urlSecret.name).get(key);
        if (url == null || url.isBlank()) {
            throw new Unusable(
                    "Secret " + namespace + "/" + webhook.urlSecret.name + " has no key " + key);
        }
        url = url.trim();
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw new Unusable(
                    "the URL in Secret "
                            + namespace
                            + "/"
                            + webhook.urlSecret.name
                            + " (key "
                            + key
                            + ") is not http(s)");
        }
        return url;
    }

    private Map<String, String> data(String namespace, String name) {
        Secret secret;
        try {
            secret = client.secrets().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            throw new Unusable(
                    "cannot read Secret " + namespace + "/" + name + " (HTTP " + e.getCode() + ")");
        }
        if (secret == null) {
            throw new Unusable("Secret " + namespace + "/" + name + " not found");
        }
        Map<String, String> out = new LinkedHashMap<>();
        if (secret.getData() != null) {
            secret.getData()
                    .forEach(
                            (k, v) ->
                                    out.put(
                                            k,
                                            new String(
                                                    Base64.getDecoder().decode(v),
                                                    StandardCharsets.UTF_8)));
        }
        if (secret.getStringData() != null) {
            out.putAll(secret.getStringData());
        }
        return out;
    }
}
