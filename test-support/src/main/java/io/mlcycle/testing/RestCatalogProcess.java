package io.mlcycle.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link RestCatalogServer} in a child JVM, for tests whose own class path cannot hold it:
 * Iceberg's Spark runtime shades Jackson and httpclient5 under Iceberg's own package names, so
 * Iceberg's REST servlet, built against the unshaded ones, cannot run beside it, and Spark 3.5 pins
 * the javax-era servlet API where Jetty 11 needs the Jakarta one. The child runs on test-support's
 * own runtime class path, which its build writes to the resource {@code rest-catalog.classpath}; it
 * prints its endpoint and serves until {@link #close} (or the test JVM's end) closes its standard
 * input.
 */
public final class RestCatalogProcess implements AutoCloseable {

    /** The OAuth2 client id and secret the child's token endpoint accepts. */
    public static final String CLIENT_ID = RestCatalogServer.CLIENT_ID;

    public static final String CLIENT_SECRET = RestCatalogServer.CLIENT_SECRET;

    /** A bearer token the child accepts as it is. */
    public static final String TOKEN = RestCatalogServer.TOKEN;

    // a name, not a class literal: this JVM must not load the server's class (Jetty is not here)
    private static final String MAIN = "io.mlcycle.testing.RestCatalogServer";
    private static final long START_SECONDS = 120;

    private final Process process;
    private final Path log;
    private final String uri;

    private RestCatalogProcess(Process process, Path log, String uri) {
        this.process = process;
        this.log = log;
        this.uri = uri;
    }

    /**
     * Starts the child on a local warehouse directory and waits until it serves; fails with the
     * child's output when it exits first or prints no endpoint within two minutes.
     */
    public static RestCatalogProcess start(Path warehouse)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("rest-catalog", ".log");
        Process p =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-cp",
                                classPath(),
                                MAIN,
                                warehouse.toString())
                        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .start();
        CompletableFuture<String> endpoint = new CompletableFuture<>();
        Thread reader = new Thread(() -> readOutput(p.getInputStream(), log, endpoint));
        reader.setDaemon(true);
        reader.start();
        try {
            return new RestCatalogProcess(p, log, endpoint.get(START_SECONDS, TimeUnit.SECONDS));
        } catch (ExecutionException | TimeoutException e) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new IllegalStateException(
                    "waited "
                            + START_SECONDS
                            + " s for the REST catalog child JVM to print its endpoint; alive: "
                            + p.isAlive()
                            + ", its output:\n"
                            + Files.readString(log),
                    e);
        }
    }

    /** The endpoint a client's {@code uri} names: {@code http://127.0.0.1:<port>}. */
    public String uri() {
        return uri;
    }

    /** Closes the child's standard input, so that it stops its server and exits. */
    @Override
    public void close() throws IOException, InterruptedException {
        process.getOutputStream().close();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        Files.deleteIfExists(log);
    }

    /** Completes {@code endpoint} with the line the child prints once it serves; logs the rest. */
    private static void readOutput(InputStream out, Path log, CompletableFuture<String> endpoint) {
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(out, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith(RestCatalogServer.LISTENING)) {
                    endpoint.complete(line.substring(RestCatalogServer.LISTENING.length()));
                } else {
                    Files.writeString(log, line + "\n", java.nio.file.StandardOpenOption.APPEND);
                }
            }
            endpoint.completeExceptionally(new IOException("the child exited"));
        } catch (IOException e) {
            endpoint.completeExceptionally(e);
        }
    }

    /** Test-support itself (its jar or classes) and the class path its build wrote. */
    private static String classPath() throws IOException {
        try (InputStream in =
                RestCatalogProcess.class.getResourceAsStream("rest-catalog.classpath")) {
            if (in == null) {
                throw new IllegalStateException(
                        "rest-catalog.classpath is missing next to RestCatalogProcess: build"
                                + " test-support with Maven (its dependency plugin writes it)");
            }
            String deps = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            Path self =
                    Path.of(
                            RestCatalogProcess.class
                                    .getProtectionDomain()
                                    .getCodeSource()
                                    .getLocation()
                                    .toURI());
            return String.join(File.pathSeparator, List.of(self.toString(), deps));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
