package io.mlcycle.testing;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.rest.RESTCatalogAdapter;
import org.apache.iceberg.rest.RESTCatalogServlet;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.FilterHolder;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real Apache Iceberg REST catalog on 127.0.0.1 for tests: Iceberg's own {@code
 * RESTCatalogAdapter} and {@code RESTCatalogServlet} (iceberg-core's test fixtures, the pair {@code
 * org.apache.iceberg.rest.RESTCatalogServer} — the {@code apache/iceberg-rest-fixture} image —
 * serves) over a JDBC catalog on SQLite, as that server's default backend, with a credentials check
 * in front: an OAuth2 client-credentials token endpoint for {@link #CLIENT_ID}/{@link
 * #CLIENT_SECRET} and bearer tokens ({@link #TOKEN} or the one it issued) on every other call.
 * {@code RESTCatalogServer} itself binds every interface on a fixed port and checks no credentials,
 * so this composes the same parts on a free loopback port. Modules using it declare {@code
 * iceberg-core} (with its {@code tests} jar), {@code jetty-servlet} and {@code sqlite-jdbc}.
 */
public final class RestCatalogServer implements AutoCloseable {

    /** The OAuth2 client id and secret the token endpoint accepts. */
    public static final String CLIENT_ID = "mlcycle-test-client";

    public static final String CLIENT_SECRET = "client-secret-for-tests";

    /** A bearer token accepted as it is (Iceberg's {@code token} property). */
    public static final String TOKEN = "bearer-token-for-tests";

    /** What {@link #main} prints before the endpoint once it serves. */
    static final String LISTENING = "rest catalog listening on ";

    private static final String ISSUED = "issued-token-for-" + CLIENT_ID;

    private final Server server;
    private final Catalog backend;
    private final Path dir;
    private final AtomicBoolean refuseCommits = new AtomicBoolean();
    private final AtomicBoolean open = new AtomicBoolean();
    private final AtomicInteger refused = new AtomicInteger();

    private RestCatalogServer(Server server, Catalog backend, Path dir) {
        this.server = server;
        this.backend = backend;
        this.dir = dir;
    }

    /**
     * Starts a catalog whose tables lie under {@code warehouse} ({@code file://…}, or {@code
     * s3://…} with {@code io} naming the FileIO and its settings); {@code io} adds to or overrides
     * the backend catalog's properties.
     */
    public static RestCatalogServer start(String warehouse, Map<String, String> io)
            throws Exception {
        Path dir = Files.createTempDirectory("rest-catalog");
        Map<String, String> props = new HashMap<>();
        props.put(CatalogProperties.CATALOG_IMPL, JdbcCatalog.class.getName());
        props.put(CatalogProperties.URI, "jdbc:sqlite:" + dir.resolve("catalog.db"));
        props.put(JdbcCatalog.PROPERTY_PREFIX + "schema-version", "V1");
        props.put(CatalogProperties.WAREHOUSE_LOCATION, warehouse);
        props.putAll(io);
        Catalog backend =
                CatalogUtil.buildIcebergCatalog("rest_backend", props, new Configuration());
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        RestCatalogServer rest = new RestCatalogServer(server, backend, dir);
        ServletContextHandler context =
                new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
        context.addFilter(
                new FilterHolder(rest.new Credentials()), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(
                new ServletHolder(new RESTCatalogServlet(new RESTCatalogAdapter(backend))), "/*");
        server.setHandler(context);
        server.start();
        return rest;
    }

    /** A catalog on a local warehouse directory. */
    public static RestCatalogServer start(Path warehouse) throws Exception {
        return start(warehouse.toUri().toString(), Map.of());
    }

    /**
     * A catalog on a local warehouse directory that checks no credentials, as Apache's {@code
     * RESTCatalogServer} (for readers that take their credentials from the process environment).
     */
    public static RestCatalogServer startWithoutCredentials(Path warehouse) throws Exception {
        RestCatalogServer rest = start(warehouse);
        rest.open.set(true);
        return rest;
    }

    /**
     * Runs a catalog on the warehouse directory {@code args[0]} in its own JVM ({@link
     * RestCatalogProcess}): prints {@link #LISTENING} and the endpoint, serves until its standard
     * input ends (the parent closed it, or died), then stops.
     */
    public static void main(String[] args) throws Exception {
        try (RestCatalogServer rest = start(Path.of(args[0]))) {
            System.out.println(LISTENING + rest.uri());
            System.out.flush();
            System.in.transferTo(java.io.OutputStream.nullOutputStream());
        }
    }

    /** The endpoint a client's {@code uri} names: {@code http://127.0.0.1:<port>}. */
    public String uri() {
        return "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** The catalog behind the REST API, to look at what clients committed. */
    public Catalog backend() {
        return backend;
    }

    /**
     * Until closed, every table commit is answered 409 {@code CommitFailedException}, as when
     * another writer always commits first.
     */
    public AutoCloseable refuseEveryCommit() {
        refuseCommits.set(true);
        return () -> refuseCommits.set(false);
    }

    /** How many commits {@link #refuseEveryCommit} refused so far. */
    public int commitsRefused() {
        return refused.get();
    }

    @Override
    public void close() throws Exception {
        server.stop();
        if (backend instanceof AutoCloseable c) {
            c.close();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** The credentials check and the commit refusal in front of Iceberg's servlet. */
    private final class Credentials implements Filter {
        @Override
        public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
                throws IOException, ServletException {
            HttpServletRequest request = (HttpServletRequest) req;
            HttpServletResponse response = (HttpServletResponse) res;
            String path = request.getRequestURI();
            if (path.endsWith("/v1/oauth/tokens")) {
                token(request, response);
                return;
            }
            String auth = request.getHeader("Authorization");
            if (!open.get()
                    && !("Bearer " + TOKEN).equals(auth)
                    && !("Bearer " + ISSUED).equals(auth)) {
                error(response, 401, "NotAuthorizedException", "bearer token missing or wrong");
                return;
            }
            if (refuseCommits.get()
                    && "POST".equals(request.getMethod())
                    && path.matches(".*/v1/namespaces/[^/]+/tables/[^/]+")) {
                refused.incrementAndGet();
                error(response, 409, "CommitFailedException", "another writer committed first");
                return;
            }
            chain.doFilter(req, res);
        }

        private void token(HttpServletRequest request, HttpServletResponse response)
                throws IOException {
            Map<String, String> form = new HashMap<>();
            String body =
                    new String(request.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            for (String pair : body.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    form.put(
                            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
            response.setContentType("application/json");
            if (!CLIENT_ID.equals(form.get("client_id"))
                    || !CLIENT_SECRET.equals(form.get("client_secret"))) {
                response.setStatus(401);
                response.getWriter()
                        .write(
                                "{\"error\":\"invalid_client\",\"error_description\":\"client"
                                        + " id or secret wrong\"}");
                return;
            }
            response.setStatus(200);
            response.getWriter()
                    .write(
                            "{\"access_token\":\""
                                    + ISSUED
                                    + "\",\"token_type\":\"bearer\",\"issued_token_type\":"
                                    + "\"urn:ietf:params:oauth:token-type:access_token\","
                                    + "\"expires_in\":3600}");
        }

        private void error(HttpServletResponse response, int code, String type, String message)
                throws IOException {
            response.setStatus(code);
            response.setContentType("application/json");
            response.getWriter()
                    .write(
                            "{\"error\":{\"message\":\""
                                    + message
                                    + "\",\"type\":\""
                                    + type
                                    + "\",\"code\":"
                                    + code
                                    + "}}");
        }
    }
}
