package io.mlcycle.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.mlcycle.task.PodEnv;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Services of local mode: one loopback HTTP proxy per Service that forwards to the ready serving
 * processes its selector matches, so a Service keeps one URL while its pods roll.
 */
public final class ServiceProxies implements AutoCloseable {

    private final KubernetesClient client;
    private final Kubelet kubelet;
    private final Consumer<String> log;
    private final Map<String, HttpServer> servers = new ConcurrentHashMap<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicInteger next = new AtomicInteger();
    private SharedIndexInformer<Service> informer;

    public ServiceProxies(KubernetesClient client, Kubelet kubelet, Consumer<String> log) {
        this.client = client;
        this.kubelet = kubelet;
        this.log = log;
    }

    public ServiceProxies start() {
        informer =
                client.services()
                        .inAnyNamespace()
                        .inform(
                                new ResourceEventHandler<>() {
                                    @Override
                                    public void onAdd(Service s) {
                                        open(s);
                                    }

                                    @Override
                                    public void onUpdate(Service old, Service s) {
                                        open(s);
                                    }

                                    @Override
                                    public void onDelete(Service s, boolean unknown) {
                                        HttpServer server = servers.remove(key(s));
                                        if (server != null) {
                                            server.stop(0);
                                        }
                                    }
                                },
                                0);
        return this;
    }

    /** The local URL of a Service, once it exists. */
    public Optional<String> url(String namespace, String name) {
        HttpServer s = servers.get(namespace + "/" + name);
        return s == null
                ? Optional.empty()
                : Optional.of("http://127.0.0.1:" + s.getAddress().getPort());
    }

    private static String key(Service s) {
        return s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
    }

    private void open(Service s) {
        open(key(s));
    }

    private HttpServer open(String key) {
        return servers.computeIfAbsent(
                key,
                k -> {
                    try {
                        HttpServer server =
                                HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
                        server.setExecutor(Executors.newFixedThreadPool(4, daemon()));
                        server.createContext("/", ex -> forward(k, ex));
                        server.start();
                        log.accept(
                                "service "
                                        + k
                                        + " → http://127.0.0.1:"
                                        + server.getAddress().getPort());
                        return server;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
    }

    /** Pod environment variables that hold a Service's in-cluster URL. */
    static final List<String> SERVICE_URL_ENV = List.of(PodEnv.SHADOW_URL);

    private static final Pattern SERVICE_URL =
            Pattern.compile(
                    "^http://([a-z0-9-]+)\\.([a-z0-9-]+)\\.svc(?:\\.cluster\\.local)?(?::\\d+)?(/.*)?$");

    /**
     * A {@link Kubelet.EnvRewrite}: a Service's in-cluster URL (e.g. a champion's {@code
     * MLCYCLE_SHADOW_URL}) points at its local proxy, opened now if the Service is not seen yet, as
     * cluster DNS would resolve it.
     */
    public void rewrite(String owner, Container container, Map<String, String> env) {
        for (String name : SERVICE_URL_ENV) {
            String url = env.get(name);
            if (url != null) {
                env.put(name, localUrl(url));
            }
        }
    }

    /**
     * {@code http://<name>.<namespace>.svc[:port][/path]} on its local proxy; others as they are.
     */
    String localUrl(String url) {
        Matcher m = SERVICE_URL.matcher(url.trim());
        if (!m.matches()) {
            return url;
        }
        HttpServer proxy = open(m.group(2) + "/" + m.group(1));
        return "http://127.0.0.1:"
                + proxy.getAddress().getPort()
                + (m.group(3) == null ? "" : m.group(3));
    }

    private void forward(String key, HttpExchange ex) throws IOException {
        try (ex) {
            Service svc = informer.getStore().getByKey(key);
            Map<String, String> selector =
                    svc == null || svc.getSpec().getSelector() == null
                            ? Map.of()
                            : svc.getSpec().getSelector();
            String ns = key.substring(0, key.indexOf('/'));
            List<Kubelet.Endpoint> ready =
                    kubelet.endpoints().stream()
                            .filter(e -> e.ready() && e.namespace().equals(ns))
                            .filter(e -> e.labels().entrySet().containsAll(selector.entrySet()))
                            .toList();
            if (svc == null || selector.isEmpty() || ready.isEmpty()) {
                byte[] body =
                        ("{\"error\":\"service " + key + " has no ready endpoints\"}").getBytes();
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(503, body.length);
                ex.getResponseBody().write(body);
                return;
            }
            Kubelet.Endpoint target =
                    ready.get(Math.floorMod(next.getAndIncrement(), ready.size()));
            byte[] requestBody;
            try (InputStream in = ex.getRequestBody()) {
                requestBody = in.readAllBytes();
            }
            String contentType = ex.getRequestHeaders().getFirst("Content-Type");
            HttpResponse<byte[]> resp;
            try {
                resp =
                        http.send(
                                forward(ex, target.port(), requestBody, contentType),
                                HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ex.sendResponseHeaders(503, -1);
                return;
            } catch (java.net.ConnectException e) {
                // a replica that just stopped: like a Service, answer from another one if any
                resp = retryElsewhere(ns, selector, target, ex, requestBody, contentType);
                if (resp == null) {
                    byte[] body = ("{\"error\":\"" + target.pod() + ": " + e + "\"}").getBytes();
                    ex.sendResponseHeaders(502, body.length);
                    ex.getResponseBody().write(body);
                    return;
                }
            } catch (IOException e) {
                byte[] body = ("{\"error\":\"" + target.pod() + ": " + e + "\"}").getBytes();
                ex.sendResponseHeaders(502, body.length);
                ex.getResponseBody().write(body);
                return;
            }
            resp.headers()
                    .firstValue("Content-Type")
                    .ifPresent(v -> ex.getResponseHeaders().set("Content-Type", v));
            resp.headers()
                    .firstValue("Inference-Header-Content-Length")
                    .ifPresent(
                            v -> ex.getResponseHeaders().set("Inference-Header-Content-Length", v));
            byte[] body = resp.body();
            ex.sendResponseHeaders(resp.statusCode(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    private HttpResponse<byte[]> retryElsewhere(
            String ns,
            Map<String, String> selector,
            Kubelet.Endpoint failed,
            HttpExchange ex,
            byte[] requestBody,
            String contentType) {
        try {
            Thread.sleep(300);
            for (Kubelet.Endpoint e : kubelet.endpoints()) {
                if (!e.ready()
                        || e.port() == failed.port()
                        || !e.namespace().equals(ns)
                        || !e.labels().entrySet().containsAll(selector.entrySet())) {
                    continue;
                }
                return http.send(
                        forward(ex, e.port(), requestBody, contentType),
                        HttpResponse.BodyHandlers.ofByteArray());
            }
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    /**
     * Request headers the servers read besides the content type: a compressed body, the binary
     * extension's JSON length, a mirrored request's prediction id, the feedback token.
     */
    private static final List<String> FORWARDED_HEADERS =
            List.of(
                    "Content-Encoding",
                    "Inference-Header-Content-Length",
                    "Mlcycle-Mirror-Of",
                    "Authorization");

    /**
     * The proxied request: the same method, path, body, content type and {@link
     * #FORWARDED_HEADERS}, to a local pod port.
     */
    private static HttpRequest forward(
            HttpExchange ex, int port, byte[] requestBody, String contentType) {
        HttpRequest.Builder req =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + ex.getRequestURI()))
                        .timeout(Duration.ofSeconds(60))
                        .method(
                                ex.getRequestMethod(),
                                requestBody.length == 0
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofByteArray(requestBody));
        if (contentType != null) {
            req.header("Content-Type", contentType);
        }
        for (String h : FORWARDED_HEADERS) {
            String v = ex.getRequestHeaders().getFirst(h);
            if (v != null) {
                req.header(h, v);
            }
        }
        return req.build();
    }

    private static java.util.concurrent.ThreadFactory daemon() {
        return r -> {
            Thread t = new Thread(r, "service-proxy");
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
        servers.values().forEach(s -> s.stop(0));
        servers.clear();
    }
}
