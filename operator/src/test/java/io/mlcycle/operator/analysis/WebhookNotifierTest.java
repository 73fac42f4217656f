package io.mlcycle.operator.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class WebhookNotifierTest {

    private HttpServer server;
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final List<String> contentTypes = new CopyOnWriteArrayList<>();
    private volatile int status = 200;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext(
                "/hook",
                ex -> {
                    bodies.add(
                            new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                    contentTypes.add(ex.getRequestHeaders().getFirst("Content-Type"));
                    ex.sendResponseHeaders(status, -1);
                    ex.close();
                });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    @Test
    void postsSlackCompatibleJson() throws Exception {
        new WebhookNotifier()
                .post(url(), WebhookNotifier.body("rolled back \"v2\"", "ret", "ml", "RolledBack"));

        assertThat(contentTypes).containsExactly("application/json");
        JsonNode json = new ObjectMapper().readTree(bodies.get(0));
        assertThat(json.get("text").asText()).isEqualTo("rolled back \"v2\"");
        assertThat(json.get("deployment").asText()).isEqualTo("ret");
    }

    @Test
    void aNon2xxAnswerIsAnErrorNamingTheStatus() {
        status = 500;
        assertThatThrownBy(() -> new WebhookNotifier().post(url(), "{\"text\":\"x\"}"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("HTTP 500");
    }
}
