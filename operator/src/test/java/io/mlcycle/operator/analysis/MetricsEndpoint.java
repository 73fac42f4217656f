package io.mlcycle.operator.analysis;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Prometheus text-format endpoint on loopback whose samples the test sets, standing in for a
 * serving pod's /metrics.
 */
public final class MetricsEndpoint implements AutoCloseable {

    private final HttpServer server;
    private final Map<String, Double> samples = new TreeMap<>();

    private MetricsEndpoint(HttpServer server) {
        this.server = server;
    }

    public static MetricsEndpoint start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        MetricsEndpoint m = new MetricsEndpoint(server);
        server.createContext(
                "/metrics",
                ex -> {
                    byte[] body = m.text().getBytes(StandardCharsets.UTF_8);
                    ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
                    ex.sendResponseHeaders(200, body.length);
                    ex.getResponseBody().write(body);
                    ex.close();
                });
        server.start();
        return m;
    }

    /** {@code host:port} for a scrape config. */
    public String target() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Sets one series, e.g. {@code mlcycle_feedback_total{predicted="1",actual="1"}}. */
    public synchronized void set(String series, double value) {
        samples.put(series, value);
    }

    /** Adds to one series (a counter). */
    public synchronized void add(String series, double delta) {
        samples.merge(series, delta, Double::sum);
    }

    /** The feedback counter series of the serving runtime. */
    public static String feedback(String deployment, int version, int predicted, int actual) {
        return "mlcycle_feedback_total{deployment=\""
                + deployment
                + "\",version=\""
                + version
                + "\",predicted=\""
                + predicted
                + "\",actual=\""
                + actual
                + "\"}";
    }

    /** The request log's row counter of the serving runtime, for one outcome. */
    public static String requestLogRows(String deployment, int version, String outcome) {
        return "mlcycle_request_log_rows_total{deployment=\""
                + deployment
                + "\",version=\""
                + version
                + "\",outcome=\""
                + outcome
                + "\"}";
    }

    synchronized String text() {
        StringBuilder b = new StringBuilder();
        String lastName = null;
        for (var e : samples.entrySet()) {
            int brace = e.getKey().indexOf('{');
            String name = brace < 0 ? e.getKey() : e.getKey().substring(0, brace);
            if (!name.equals(lastName)) {
                b.append("# TYPE ")
                        .append(name)
                        .append(name.endsWith("_total") ? " counter\n" : " gauge\n");
                lastName = name;
            }
            b.append(e.getKey()).append(' ').append(e.getValue()).append('\n');
        }
        return b.toString();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
