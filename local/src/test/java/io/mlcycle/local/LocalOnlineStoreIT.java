package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.mlcycle.task.TaskJson;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/** The local stand-in for the Redis of spec.online, against a real redis-server. */
@RealServersTier
class LocalOnlineStoreIT {

    @TempDir Path dir;

    static final Container SERVER =
            new ContainerBuilder()
                    .withName("server")
                    .addNewEnv()
                    .withName("MLCYCLE_REDIS_PASSWORD")
                    .withNewValueFrom()
                    .withNewSecretKeyRef("password", "feature-redis", false)
                    .endValueFrom()
                    .endEnv()
                    .build();

    static Map<String, String> env(String url, String password) {
        Map<String, String> env = new HashMap<>();
        env.put(
                TaskJson.TASK_ENV,
                "{\"model\":\"m\",\"port\":8080,\"online\":{\"url\":\""
                        + url
                        + "\",\"passwordEnv\":"
                        + (password == null ? "null" : "\"MLCYCLE_REDIS_PASSWORD\"")
                        + ",\"featureViews\":[\"fv\"]}}");
        if (password != null) {
            env.put("MLCYCLE_REDIS_PASSWORD", password);
        }
        return env;
    }

    static String onlineUrl(Map<String, String> env) throws Exception {
        return TaskJson.MAPPER
                .readTree(env.get(TaskJson.TASK_ENV))
                .path("online")
                .path("url")
                .asText();
    }

    /** The first line redis answers to {@code commands}, one per line. */
    static List<String> ask(int port, String... commands) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            BufferedReader in =
                    new BufferedReader(
                            new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            List<String> replies = new java.util.ArrayList<>();
            for (String c : commands) {
                out.write((c + "\r\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                replies.add(in.readLine());
            }
            return replies;
        }
    }

    @Test
    void pointsEveryPodNamingOneAddressAtOnePasswordProtectedServerUntilClosed() throws Exception {
        assumeThat(LocalOnlineStore.DEFAULT_BINARY)
                .as("needs redis-server (apt-get install redis-server)")
                .isExecutable();
        LocalOnlineStore store =
                new LocalOnlineStore(LocalOnlineStore.DEFAULT_BINARY, dir, s -> {});
        try {
            Map<String, String> pivot = env("redis://redis.data:6379/0", "s3cret");
            store.rewrite("FeatureView fv", SERVER, pivot);
            Map<String, String> server = env("redis://redis.data/2", "s3cret");
            store.rewrite("ModelDeployment md", SERVER, server);

            assertThat(store.servers()).hasSize(1);
            LocalOnlineStore.Server s = store.servers().get(0);
            assertThat(s.address()).isEqualTo("redis.data:6379");
            assertThat(s.passwordFrom()).isEqualTo("Secret feature-redis key password");
            assertThat(onlineUrl(pivot)).isEqualTo("redis://127.0.0.1:" + s.port() + "/0");
            assertThat(onlineUrl(server)).isEqualTo("redis://127.0.0.1:" + s.port() + "/2");
            assertThat(TaskJson.MAPPER.readTree(server.get(TaskJson.TASK_ENV)).path("port").asInt())
                    .as("the rest of the task is kept")
                    .isEqualTo(8080);
            List<String> replies = ask(s.port(), "PING", "AUTH s3cret", "PING");
            assertThat(replies.get(0)).startsWith("-NOAUTH");
            assertThat(replies.subList(1, 3)).containsExactly("+OK", "+PONG");

            assertThatThrownBy(
                            () ->
                                    store.rewrite(
                                            "ModelDeployment other",
                                            SERVER,
                                            env("redis://redis.data:6379/0", "another")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("ModelDeployment other")
                    .hasMessageContaining("Secret feature-redis key password")
                    .hasMessageContaining("differs");

            Map<String, String> open = env("redis://cache.other:6380/0", null);
            store.rewrite("FeatureView open", new Container(), open);
            assertThat(store.servers()).hasSize(2);
            int openPort = store.servers().get(1).port();
            assertThat(ask(openPort, "PING")).containsExactly("+PONG");
            assertThat(onlineUrl(open)).isEqualTo("redis://127.0.0.1:" + openPort + "/0");
        } finally {
            List<ProcessHandle> processes =
                    store.servers().stream().map(s -> s.process().toHandle()).toList();
            store.close();
            assertThat(processes).noneMatch(ProcessHandle::isAlive);
        }
    }

    @Test
    void leavesPodsWithoutAnOnlineStoreAlone() {
        LocalOnlineStore store = new LocalOnlineStore(dir.resolve("no-redis"), dir, s -> {});
        Map<String, String> env = new HashMap<>();
        env.put(TaskJson.TASK_ENV, "{\"model\":\"m\",\"port\":8080,\"online\":null}");
        Map<String, String> before = Map.copyOf(env);
        store.rewrite("ModelDeployment md", new Container(), env);
        assertThat(env).isEqualTo(before);
        store.rewrite("FeatureView fv", new Container(), new HashMap<>());
        assertThat(store.servers()).isEmpty();
    }

    @Test
    void aMissingRedisServerFailsThePodNamingTheResourceAndTheBinary() {
        Path missing = dir.resolve("bin/redis-server");
        LocalOnlineStore store = new LocalOnlineStore(missing, dir, s -> {});
        assertThatThrownBy(
                        () ->
                                store.rewrite(
                                        "FeatureView item-events-online",
                                        SERVER,
                                        env("redis://redis.data:6379/0", "pw")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("FeatureView item-events-online")
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("apt-get install -y redis-server");
        assertThat(store.servers()).isEmpty();
    }
}
