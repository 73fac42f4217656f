package io.mlcycle.online;

import io.mlcycle.task.PodEnv;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

/**
 * Where the online store lives: {@code redis://[user[:password]@]host[:port][/db]} (or {@code
 * rediss://} for TLS) plus an optional password (from a Secret; it overrides one in the URL).
 */
public record RedisEndpoint(String url, String password, Duration timeout, int maxConnections) {

    /** Short timeouts: a lookup must fail fast (→ 503) rather than hang a serving thread. */
    public static RedisEndpoint of(String url, String password) {
        return new RedisEndpoint(url, password, Duration.ofMillis(500), 16);
    }

    /** Environment variable a runtime pod gets the Redis password in (from a Secret). */
    public static final String PASSWORD_ENV = PodEnv.REDIS_PASSWORD;

    /** {@link #of} with the password from {@value #PASSWORD_ENV}, if set. */
    public static RedisEndpoint fromEnv(String url) {
        return of(url, System.getenv(PASSWORD_ENV));
    }

    /** A thread-safe pooled client; close it when done. */
    public JedisPooled open() {
        URI uri = parse();
        DefaultJedisClientConfig.Builder config =
                DefaultJedisClientConfig.builder()
                        .connectionTimeoutMillis((int) timeout.toMillis())
                        .socketTimeoutMillis((int) timeout.toMillis())
                        .ssl("rediss".equals(uri.getScheme()))
                        .clientName("mlcycle-online");
        String user = null;
        String pass = password;
        if (uri.getUserInfo() != null && !uri.getUserInfo().isEmpty()) {
            String[] parts = uri.getUserInfo().split(":", 2);
            if (parts.length == 2) {
                user = parts[0].isEmpty() ? null : parts[0];
                if (pass == null || pass.isEmpty()) {
                    pass = parts[1];
                }
            } else if (pass == null || pass.isEmpty()) {
                pass = parts[0];
            }
        }
        if (user != null) {
            config.user(user);
        }
        if (pass != null && !pass.isEmpty()) {
            config.password(pass);
        }
        String path = uri.getPath();
        if (path != null && path.length() > 1) {
            try {
                config.database(Integer.parseInt(path.substring(1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "online.redis.url '"
                                + redacted()
                                + "': the path must be a database number");
            }
        }
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(maxConnections);
        pool.setMaxIdle(maxConnections);
        pool.setMaxWait(timeout);
        pool.setJmxEnabled(false);
        int port = uri.getPort() < 0 ? 6379 : uri.getPort();
        return new JedisPooled(new HostAndPort(uri.getHost(), port), config.build(), pool);
    }

    /**
     * Opens the pool's connections now, so that a burst of lookups right after start (or after a
     * stall) does not pay for new connections one by one: each costs a TCP connect plus the client
     * handshake round trips, and under a burst every waiting request would open one at once.
     * Returns how many are idle afterwards; a Redis that cannot be reached is left for later
     * (lookups then fail with 503 and connect lazily once it is back).
     */
    public int warm(JedisPooled redis) {
        var pool = redis.getPool();
        int missing = maxConnections - pool.getNumIdle() - pool.getNumActive();
        try {
            if (missing > 0) {
                pool.addObjects(missing);
            }
        } catch (RuntimeException e) {
            // unreachable now: the pool stays lazy
        }
        return pool.getNumIdle();
    }

    /** host:port, for messages (never the password). */
    public String describe() {
        URI uri = parse();
        return uri.getScheme()
                + "://"
                + uri.getHost()
                + ":"
                + (uri.getPort() < 0 ? 6379 : uri.getPort());
    }

    /** The URL without user info, for messages. */
    private String redacted() {
        return url.replaceFirst("//[^@/]*@", "//***@");
    }

    private URI parse() {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("online.redis.url is empty");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    "online.redis.url '" + redacted() + "' is not a URI: " + e.getReason());
        }
        if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
            throw new IllegalArgumentException(
                    "online.redis.url '"
                            + redacted()
                            + "': the scheme must be redis:// or rediss://");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("online.redis.url '" + redacted() + "' has no host");
        }
        return uri;
    }
}
