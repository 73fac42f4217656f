package io.mlcycle.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * What kubectl talks to in local mode: every request goes on to the in-memory API, except watches,
 * which kubectl streams over plain HTTP where the mock serves them over WebSocket only; those are
 * answered here from a watch of the Fabric8 client, one JSON event per line (as Tables when kubectl
 * asks for them), so that {@code kubectl get mlcycle -w} works.
 */
final class KubectlProxy implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService threads;
    private final String upstream;
    private final KubernetesClient client;
    private final HttpClient http = HttpClient.newHttpClient();
    private volatile boolean closed;

    private KubectlProxy(String upstream, KubernetesClient client) throws IOException {
        this.upstream = upstream;
        this.client = client;
        this.server =
                HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.threads =
                Executors.newCachedThreadPool(
                        r -> {
                            Thread t = new Thread(r, "kubectl-proxy");
                            t.setDaemon(true);
                            return t;
                        });
        server.setExecutor(threads);
        server.createContext("/", this::handle);
    }

    /** Starts a proxy in front of {@code api} on a free loopback port. */
    static KubectlProxy start(MockApi api) {
        try {
            KubectlProxy p = new KubectlProxy(api.url(), api.client());
            p.server.start();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the kubectl proxy", e);
        }
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            URI uri = exchange.getRequestURI();
            String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
            if ("GET".equals(exchange.getRequestMethod())
                    && (query.contains("watch=true") || query.contains("watch=1"))) {
                watch(exchange, uri.getPath(), query);
            } else {
                forward(exchange, uri);
            }
        } catch (RuntimeException e) {
            // the client went away or the API refused: nothing more to say to kubectl
        }
    }

    private void forward(HttpExchange exchange, URI uri) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        HttpRequest.Builder request =
                HttpRequest.newBuilder(
                        URI.create(
                                upstream
                                        + uri.getRawPath()
                                        + (uri.getRawQuery() == null
                                                ? ""
                                                : "?" + uri.getRawQuery())));
        for (String header : List.of("Accept", "Content-Type")) {
            String v = exchange.getRequestHeaders().getFirst(header);
            if (v != null) {
                request.header(header, v);
            }
        }
        request.method(
                exchange.getRequestMethod(),
                body.length == 0
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        response.headers()
                .firstValue("Content-Type")
                .ifPresent(v -> exchange.getResponseHeaders().set("Content-Type", v));
        byte[] out = response.body();
        exchange.sendResponseHeaders(response.statusCode(), out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            exchange.getResponseBody().write(out);
        }
    }

    /** What a watch path names: apiVersion, kind, namespace (null: all) and printer columns. */
    record Target(String apiVersion, String kind, String namespace, JsonNode columns) {}

    /** The resource a collection path names, or null when it names none local mode knows. */
    static Target target(String path, List<JsonNode> crds) {
        String[] p = path.split("/");
        int at;
        String apiVersion;
        if (p.length >= 3 && "api".equals(p[1])) {
            apiVersion = p[2];
            at = 3;
        } else if (p.length >= 4 && "apis".equals(p[1])) {
            apiVersion = p[2] + "/" + p[3];
            at = 4;
        } else {
            return null;
        }
        String namespace = null;
        if (p.length > at + 1 && "namespaces".equals(p[at]) && p.length == at + 3) {
            namespace = p[at + 1];
            at += 2;
        }
        if (p.length != at + 1) {
            return null;
        }
        String plural = p[at];
        for (JsonNode crd : crds) {
            JsonNode spec = crd.path("spec");
            if (apiVersion.startsWith(spec.path("group").asText() + "/")
                    && plural.equals(spec.path("names").path("plural").asText())) {
                return new Target(
                        apiVersion,
                        spec.path("names").path("kind").asText(),
                        namespace,
                        KubectlSupport.columns(path, crds));
            }
        }
        String kind = KubectlSupport.builtInKind(apiVersion, plural);
        return kind == null ? null : new Target(apiVersion, kind, namespace, null);
    }

    private void watch(HttpExchange exchange, String path, String query) throws IOException {
        List<JsonNode> crds = new ArrayList<>();
        client.apiextensions()
                .v1()
                .customResourceDefinitions()
                .list()
                .getItems()
                .forEach(
                        c ->
                                crds.add(
                                        Serialization.unmarshal(
                                                Serialization.asJson(c), JsonNode.class)));
        Target target = target(path, crds);
        if (target == null) {
            exchange.sendResponseHeaders(404, -1);
            return;
        }
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        boolean table = accept != null && accept.contains("as=Table") && target.columns() != null;
        String name = nameSelector(query);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        CountDownLatch done = new CountDownLatch(1);
        var resources = client.genericKubernetesResources(target.apiVersion(), target.kind());
        Watcher<GenericKubernetesResource> watcher =
                new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, GenericKubernetesResource r) {
                        if (name != null && !name.equals(r.getMetadata().getName())) {
                            return;
                        }
                        JsonNode object =
                                Serialization.unmarshal(Serialization.asJson(r), JsonNode.class);
                        ObjectNode event =
                                JsonNodeFactory.instance.objectNode().put("type", action.name());
                        event.set(
                                "object",
                                table ? KubectlSupport.tableOf(object, target.columns()) : object);
                        try {
                            synchronized (out) {
                                out.write(
                                        (Serialization.asJson(event) + "\n")
                                                .getBytes(StandardCharsets.UTF_8));
                                out.flush();
                            }
                        } catch (IOException e) {
                            done.countDown(); // kubectl stopped watching
                        }
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                        done.countDown();
                    }
                };
        try (Watch w =
                target.namespace() == null
                        ? resources.inAnyNamespace().watch(watcher)
                        : resources.inNamespace(target.namespace()).watch(watcher)) {
            while (!closed && !done.await(1, TimeUnit.SECONDS)) {
                // a line kubectl ignores would not do: an idle watch just stays open
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code metadata.name=x} of a watch's field selector (kubectl get KIND NAME -w). */
    static String nameSelector(String query) {
        for (String part : query.split("&")) {
            if (part.startsWith("fieldSelector=")) {
                String selector =
                        URLDecoder.decode(
                                part.substring("fieldSelector=".length()), StandardCharsets.UTF_8);
                if (selector.startsWith("metadata.name=")) {
                    return selector.substring("metadata.name=".length());
                }
            }
        }
        return null;
    }

    @Override
    public void close() {
        closed = true;
        server.stop(0);
        threads.shutdownNow();
    }
}
