package io.mlcycle.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.mlcycle.online.LocalRedis;
import io.mlcycle.task.TaskJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The online store of local mode: a real {@code redis-server} on 127.0.0.1 stands in for each Redis
 * address ({@code host:port} of {@code spec.online.redis.url}) the resources name. It starts when
 * the first pod that needs it starts, with {@code requirepass} set to that pod's password (from the
 * resource's {@code passwordSecret}, as in the cluster), and the pod's task is pointed at it.
 */
public final class LocalOnlineStore implements AutoCloseable {

    /** Where Debian/Ubuntu's package {@code redis-server} puts it. */
    public static final Path DEFAULT_BINARY = Path.of("/usr/bin/redis-server");

    /** One local server: the address the resources name, and the server on loopback. */
    public record Server(String address, String password, String passwordFrom, LocalRedis redis) {

        public int port() {
            return redis.port();
        }

        public Process process() {
            return redis.process();
        }

        /** The URL a client on this machine (redis-cli -u …) reaches it with, without password. */
        public String localUrl() {
            return redis.url();
        }
    }

    private final Path binary;
    private final Path dir;
    private final Consumer<String> log;
    private final Map<String, Server> servers = new LinkedHashMap<>();
    private boolean closed;

    public LocalOnlineStore(Path binary, Path dir, Consumer<String> log) {
        this.binary = binary;
        this.dir = dir.toAbsolutePath();
        this.log = log;
    }

    public boolean installed() {
        return Files.isExecutable(binary);
    }

    public Path binary() {
        return binary;
    }

    /** The servers started so far, by the address the resources name. */
    public synchronized List<Server> servers() {
        return List.copyOf(servers.values());
    }

    /**
     * Points the online store of a pod's task ({@code online.url} of {@code MLCYCLE_TASK}) at the
     * local server for its address, starting that server first if needed; a task without {@code
     * online} is left alone. Fails (the pod does not start) naming {@code owner} when redis-server
     * is not installed or the pod's password differs from the one the server was started with.
     */
    public void rewrite(String owner, Container container, Map<String, String> env) {
        String json = env.get(TaskJson.TASK_ENV);
        if (json == null || !json.contains("\"online\"")) {
            return;
        }
        ObjectNode task;
        try {
            JsonNode node = Serialization.jsonMapper().readTree(json);
            if (!(node instanceof ObjectNode o)
                    || !(o.get("online") instanceof ObjectNode online)
                    || !online.path("url").isTextual()) {
                return;
            }
            task = o;
        } catch (IOException e) {
            return;
        }
        ObjectNode online = (ObjectNode) task.get("online");
        URI url = parse(online.path("url").asText(), owner);
        String passwordEnv = online.path("passwordEnv").asText(null);
        String password = passwordEnv == null ? null : env.get(passwordEnv);
        String urlPassword = urlPassword(url);
        String from;
        if (password != null && !password.isEmpty()) {
            from = secretOf(container, passwordEnv);
        } else if (urlPassword != null) {
            password = urlPassword;
            from = "the URL";
        } else {
            password = null;
            from = "none";
        }
        Server server = serverFor(address(url), password, from, owner);
        String db = url.getPath() == null || url.getPath().length() <= 1 ? "" : url.getPath();
        String local =
                "redis://"
                        + (urlPassword == null ? "" : ":" + urlPassword + "@")
                        + "127.0.0.1:"
                        + server.port()
                        + db;
        online.put("url", local);
        try {
            env.put(TaskJson.TASK_ENV, Serialization.jsonMapper().writeValueAsString(task));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private synchronized Server serverFor(
            String address, String password, String from, String owner) {
        if (closed) {
            throw new IllegalStateException("local mode is stopping");
        }
        Server s = servers.get(address);
        if (s != null && s.process().isAlive()) {
            if (!Objects.equals(emptyToNull(s.password()), emptyToNull(password))) {
                throw new IllegalStateException(
                        owner
                                + ": Redis "
                                + address
                                + " runs locally (127.0.0.1:"
                                + s.port()
                                + ") with the password from "
                                + s.passwordFrom()
                                + ", but this resource's password (from "
                                + from
                                + ") differs: in local mode every resource naming one Redis"
                                + " address must use the same password");
            }
            return s;
        }
        if (!installed()) {
            throw new IllegalStateException(
                    owner
                            + " declares spec.online (Redis "
                            + address
                            + "), and local mode runs "
                            + binary
                            + " in its place, which is not installed: apt-get install -y"
                            + " redis-server");
        }
        s = start(address, password, from);
        servers.put(address, s);
        log.accept(
                "redis "
                        + address
                        + " → "
                        + s.localUrl()
                        + " (password: "
                        + from
                        + "; log "
                        + serverDir(address).resolve("redis.log")
                        + ")");
        return s;
    }

    private Server start(String address, String password, String from) {
        try {
            return new Server(
                    address,
                    password,
                    from,
                    LocalRedis.start(binary, serverDir(address), password));
        } catch (IOException | IllegalStateException e) {
            throw new IllegalStateException(
                    "cannot start " + binary + " for " + address + ": " + e.getMessage(), e);
        }
    }

    private Path serverDir(String address) {
        return dir.resolve(address.replaceAll("[^A-Za-z0-9.-]", "_"));
    }

    private static URI parse(String url, String owner) {
        try {
            URI uri = new URI(url);
            if (uri.getHost() == null
                    || !("redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme()))) {
                throw new URISyntaxException(url, "expected redis://host[:port][/db]");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(
                    owner + ": online Redis URL '" + redact(url) + "': " + e.getReason());
        }
    }

    /** host:port as the resources name it (6379 when the URL gives no port). */
    static String address(URI url) {
        return url.getHost() + ":" + (url.getPort() < 0 ? 6379 : url.getPort());
    }

    private static String urlPassword(URI url) {
        String info = url.getUserInfo();
        if (info == null || info.isEmpty()) {
            return null;
        }
        int colon = info.indexOf(':');
        String pw = colon < 0 ? info : info.substring(colon + 1);
        return pw.isEmpty() ? null : pw;
    }

    /** "Secret NAME key KEY" when the pod gets {@code var} from a Secret, else "env VAR". */
    private static String secretOf(Container container, String var) {
        if (container.getEnv() != null) {
            for (EnvVar e : container.getEnv()) {
                if (var.equals(e.getName())
                        && e.getValueFrom() != null
                        && e.getValueFrom().getSecretKeyRef() != null) {
                    SecretKeySelector ref = e.getValueFrom().getSecretKeyRef();
                    return "Secret " + ref.getName() + " key " + ref.getKey();
                }
            }
        }
        return "env " + var;
    }

    private static String redact(String url) {
        return url.replaceFirst("//[^@/]*@", "//***@");
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** Stops every server (no persistence: the online rows are gone). */
    @Override
    public void close() {
        List<Server> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(servers.values());
            servers.clear();
        }
        for (Server s : all) {
            s.redis().close();
        }
    }
}
