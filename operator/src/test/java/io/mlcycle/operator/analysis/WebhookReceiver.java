package io.mlcycle.operator.analysis;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A webhook receiver on loopback that keeps every posted body and answers 204. */
public final class WebhookReceiver implements AutoCloseable {

    private final HttpServer server;
    private final List<String> posts = new CopyOnWriteArrayList<>();

    private WebhookReceiver(HttpServer server) {
        this.server = server;
    }

    public static WebhookReceiver start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        WebhookReceiver receiver = new WebhookReceiver(server);
        server.createContext(
                "/hook",
                ex -> {
                    receiver.posts.add(
                            new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                    ex.sendResponseHeaders(204, -1);
                    ex.close();
                });
        server.start();
        return receiver;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    /** The bodies posted so far, oldest first. */
    public List<String> posts() {
        return posts;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
