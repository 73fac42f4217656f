package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.stream.Stream;

/** The in-memory Kubernetes API: the Fabric8 mock server in CRUD mode on 127.0.0.1. */
public final class MockApi implements AutoCloseable {

    private static final java.util.logging.Logger QUIET =
            java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    private static final java.util.logging.Logger VERTX =
            java.util.logging.Logger.getLogger("io.vertx.core.impl.BlockedThreadChecker");

    private final KubernetesMockServer server;
    private final ApplyingCrudDispatcher dispatcher;
    private final KubernetesClient client;

    private MockApi(KubernetesMockServer server, ApplyingCrudDispatcher dispatcher) {
        this.server = server;
        this.dispatcher = dispatcher;
        this.client = new KubernetesClientBuilder().withConfig(clientConfig()).build();
    }

    /** Starts the server on a free loopback port. */
    public static MockApi start() {
        // The mock server logs every request at INFO through java.util.logging.
        QUIET.setLevel(java.util.logging.Level.WARNING);
        VERTX.setLevel(java.util.logging.Level.SEVERE);
        ApplyingCrudDispatcher dispatcher = new ApplyingCrudDispatcher();
        KubernetesMockServer server =
                new KubernetesMockServer(
                        new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        try {
            server.init(InetAddress.getLoopbackAddress(), 0);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot start the mock Kubernetes API: " + e, e);
        }
        return new MockApi(server, dispatcher);
    }

    /** The API server URL, e.g. {@code http://127.0.0.1:41234}. */
    public String url() {
        return "http://" + server.getHostName() + ":" + server.getPort();
    }

    public KubernetesClient client() {
        return client;
    }

    /** A client configuration for this server (no TLS, no credentials, namespace default). */
    public Config clientConfig() {
        return new ConfigBuilder(Config.empty())
                .withMasterUrl(url())
                .withTrustCerts(true)
                .withNamespace("default")
                .withRequestTimeout(30_000)
                .build();
    }

    /**
     * Answers 503 to the writes (upper-case method, path without query) {@code refuse} matches
     * until {@link #acceptAllWrites()}: e.g. the status write an operator that dies right after
     * creating a Job never makes.
     */
    public void refuseWrites(BiPredicate<String, String> refuse) {
        dispatcher.refuseWrites(refuse);
    }

    /** Serves {@code GET .../pods/<pod>/log} from the file {@code logs} names (ns, pod). */
    public void servePodLogs(java.util.function.BiFunction<String, String, Path> logs) {
        dispatcher.servePodLogs(logs);
    }

    public void acceptAllWrites() {
        dispatcher.refuseWrites(null);
    }

    /**
     * Calls {@code observer} with every request the server receives (on the server's threads), e.g.
     * to count what a client asks; {@code null} stops.
     */
    public void observeRequests(java.util.function.Consumer<RecordedRequest> observer) {
        dispatcher.observe(observer);
    }

    /**
     * Writes a kubeconfig for this server (context {@code mlcycle-local}, namespace default, no
     * credentials) so that kubectl can get, apply, patch and edit against it.
     */
    public Path writeKubeconfig(Path file) {
        return writeKubeconfig(file, url());
    }

    /** {@link #writeKubeconfig(Path)} naming {@code server} (e.g. the kubectl proxy) instead. */
    public Path writeKubeconfig(Path file, String server) {
        String yaml =
                "apiVersion: v1\n"
                        + "kind: Config\n"
                        + "clusters:\n"
                        + "- name: mlcycle-local\n"
                        + "  cluster:\n"
                        + "    server: "
                        + server
                        + "\n"
                        + "contexts:\n"
                        + "- name: mlcycle-local\n"
                        + "  context:\n"
                        + "    cluster: mlcycle-local\n"
                        + "    user: mlcycle-local\n"
                        + "    namespace: default\n"
                        + "current-context: mlcycle-local\n"
                        + "users:\n"
                        + "- name: mlcycle-local\n"
                        + "  user: {}\n";
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, yaml);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the kubeconfig " + file, e);
        }
    }

    /**
     * Calls {@code timer} with every answered request and the nanoseconds the server took for it,
     * waiting for its store's lock included (a write holds it exclusively); {@code null} stops.
     */
    public void timeRequests(java.util.function.ObjLongConsumer<RecordedRequest> timer) {
        dispatcher.time(timer);
    }

    /** Creates every CRD found in {@code dir} (files ending in .yml or .yaml). */
    public List<String> createCrds(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("CRD directory " + dir + " does not exist");
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> yamls =
                    files.filter(p -> p.toString().matches(".*\\.ya?ml$")).sorted().toList();
            if (yamls.isEmpty()) {
                throw new IllegalArgumentException("no CRD YAML in " + dir);
            }
            return yamls.stream().map(this::createCrd).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String createCrd(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            CustomResourceDefinition crd =
                    client.apiextensions().v1().customResourceDefinitions().load(in).item();
            client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
            return crd.getMetadata().getName();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read CRD " + file, e);
        }
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
