package io.mlcycle.local;

import io.mlcycle.task.PodEnv;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Local mode's {@code --runtime containers}: each pod's container runs as a podman container of
 * {@code mlcycle/<runtime>:<appVersion>} (what {@code images/build} builds) under the pod contract:
 * read-only root, a non-root user, a writable {@code /tmp}, the termination message file
 * bind-mounted at {@code /dev/termination-log}. The data root is bind-mounted at the same path so
 * {@code file://} URIs and {@code MLCYCLE_FILE_ROOT} hold; ConfigMap and Secret volumes are mounted
 * read-only at their mount paths. The host network stands in for the pod network: a serving
 * container listens on its loopback port (reachable by the Service proxies and Prometheus) and
 * reaches local mode's Redis, S3 server and API on 127.0.0.1, as a pod reaches Services.
 */
public final class ContainerRuntime implements PodRuntime {

    /** The user containers run as when local mode runs as root: any non-root uid must work. */
    static final String NON_ROOT_USER = "1000:1000";

    /** Label on every container: the data root of its local mode (podman ps --filter label=…). */
    public static final String DATA_LABEL = "io.mlcycle.local.data";

    /** The runtimes every chain needs; pivot-spark is checked when a SparkApplication runs. */
    static final List<String> REQUIRED = List.of("pivot", "trainer", "server");

    private final Path projectRoot;
    private final Path dataRoot;
    private final String tag;
    private final String user;
    private final AtomicInteger starts = new AtomicInteger();

    ContainerRuntime(Path projectRoot, Path dataRoot, String tag, String user) {
        this.projectRoot = projectRoot.toAbsolutePath();
        this.dataRoot = dataRoot.toAbsolutePath();
        this.tag = tag;
        this.user = user;
    }

    /**
     * The container runtime for this repository's images (tag: {@code helm-chart/Chart.yaml}'s
     * appVersion, as {@code images/build} tags them).
     *
     * @throws IllegalStateException when podman is not installed or an image of {@link #REQUIRED}
     *     is missing, naming the images and the command that builds them
     */
    public static ContainerRuntime create(Path projectRoot, Path dataRoot) {
        ContainerRuntime rt =
                new ContainerRuntime(projectRoot, dataRoot, appVersion(projectRoot), userFlag());
        rt.requireImages(REQUIRED);
        return rt;
    }

    /** {@code mlcycle/<runtime>:<tag>}. */
    public String image(String runtime) {
        return "mlcycle/" + runtime + ":" + tag;
    }

    /**
     * @throws IllegalStateException naming the missing images and {@code images/build <them>}
     */
    void requireImages(List<String> runtimes) {
        if (!podmanInstalled()) {
            throw new IllegalStateException(
                    "--runtime containers needs podman (apt-get install -y"
                            + " --no-install-recommends podman mmdebstrap runc uidmap"
                            + " fuse-overlayfs slirp4netns)");
        }
        List<String> missing =
                runtimes.stream().filter(r -> podman("image", "exists", image(r)) != 0).toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException(
                    "--runtime containers: image"
                            + (missing.size() > 1 ? "s " : " ")
                            + String.join(", ", missing.stream().map(this::image).toList())
                            + " missing; build "
                            + (missing.size() > 1 ? "them" : "it")
                            + " with: images/build "
                            + String.join(" ", missing));
        }
    }

    @Override
    public Process start(Launch l) {
        if (!l.runtime().matches("[a-z]+(-[a-z]+)?")) {
            throw new IllegalStateException("unknown runtime '" + l.runtime() + "'");
        }
        if (!REQUIRED.contains(l.runtime())) {
            requireImages(List.of(l.runtime()));
        }
        String name = l.pod() + "-" + starts.incrementAndGet();
        try {
            // the container's user writes here (a pod's fsGroup makes its volume writable)
            Files.writeString(l.resultFile(), "");
            openUp(l.resultFile(), "rw-rw-rw-");
            if (user.equals(NON_ROOT_USER)) {
                openDirectories(dataRoot);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ProcessBuilder pb = new ProcessBuilder(command(l, name)).redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(l.logFile().toFile()));
        pb.directory(l.podDir().toFile());
        // -e NAME takes the value from podman's environment: no secret on a command line
        pb.environment().putAll(env(l));
        containersConf(pb);
        try {
            return new Container(pb.start(), name);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start podman: " + e.getMessage());
        }
    }

    /** The {@code podman run} command of one container start (its env comes from podman's). */
    List<String> command(Launch l, String name) {
        List<String> cmd = new ArrayList<>();
        cmd.addAll(
                List.of(
                        "podman",
                        "run",
                        "--rm",
                        "--pull=never",
                        "--name",
                        name,
                        "--label",
                        "io.mlcycle.local.pod=" + l.pod(),
                        "--label",
                        DATA_LABEL + "=" + dataRoot,
                        "--network",
                        "host",
                        "--read-only",
                        "--tmpfs",
                        "/tmp:rw,exec,size=2g",
                        "-v",
                        dataRoot + ":" + dataRoot,
                        "-v",
                        l.resultFile() + ":/dev/termination-log"));
        cmd.addAll(userArgs());
        for (Map.Entry<String, String> m : l.mounts().entrySet()) {
            cmd.add("-v");
            cmd.add(m.getValue() + ":" + m.getKey() + ":ro");
        }
        for (String k : env(l).keySet()) {
            cmd.add("-e");
            cmd.add(k);
        }
        if (!l.env().containsKey(PodEnv.BIND_ADDRESS)) {
            // the host network is shared: listen on loopback only, as process mode does
            cmd.add("-e");
            cmd.add(PodEnv.BIND_ADDRESS + "=127.0.0.1");
        }
        cmd.add("-e");
        cmd.add("HOSTNAME=" + l.pod());
        cmd.add(image(l.runtime()));
        // the runtime writes /dev/termination-log, bind-mounted to the result file
        cmd.addAll(l.args());
        return cmd;
    }

    /** The pod's environment plus the data root every runtime resolves file:// URIs against. */
    private Map<String, String> env(Launch l) {
        Map<String, String> env = new java.util.LinkedHashMap<>(l.env());
        env.put(PodEnv.FILE_ROOT, dataRoot.toString());
        return env;
    }

    private List<String> userArgs() {
        if (user.equals(NON_ROOT_USER)) {
            return List.of("--user", user);
        }
        // rootless podman: the caller's own uid inside, so what it writes stays the caller's
        return List.of("--userns=keep-id", "--user", user);
    }

    /** {@code --user}: 1000 when local mode runs as root, else the caller's uid:gid. */
    static String userFlag() {
        try {
            Path self = Path.of("/proc/self");
            int uid = (Integer) Files.getAttribute(self, "unix:uid");
            int gid = (Integer) Files.getAttribute(self, "unix:gid");
            return uid == 0 ? NON_ROOT_USER : uid + ":" + gid;
        } catch (IOException | UnsupportedOperationException e) {
            return NON_ROOT_USER;
        }
    }

    static String appVersion(Path projectRoot) {
        try (Stream<String> lines = Files.lines(projectRoot.resolve("helm-chart/Chart.yaml"))) {
            return lines.filter(x -> x.startsWith("appVersion:"))
                    .map(x -> x.substring("appVersion:".length()).trim().replace("\"", ""))
                    .findFirst()
                    .orElseThrow(
                            () ->
                                    new IllegalStateException(
                                            "no appVersion in helm-chart/Chart.yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean podmanInstalled() {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "podman"))) {
                return true;
            }
        }
        return false;
    }

    private void containersConf(ProcessBuilder pb) {
        // cgroups v1 hybrid machines need runc and explicit ulimits: images/containers.conf
        Path conf = projectRoot.resolve("images/containers.conf");
        if (Files.isRegularFile(conf)) {
            pb.environment().putIfAbsent("CONTAINERS_CONF", conf.toString());
        }
    }

    private int podman(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("podman");
        cmd.addAll(List.of(args));
        ProcessBuilder pb =
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        containersConf(pb);
        try {
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static void openUp(Path p, String perms) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
    }

    /** Every directory under the data root writable by the containers' user. */
    private static void openDirectories(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> dirs = Files.walk(root)) {
            for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
                try {
                    openUp(d, "rwxrwxrwx");
                } catch (IOException e) {
                    // a directory that vanished meanwhile (a staging directory renamed)
                }
            }
        }
    }

    /**
     * The {@code podman run} client as the container's process: its exit code is the container's,
     * TERM is passed on to the container (podman's signal proxy), and a forced stop removes the
     * container, which a killed client would leave running.
     */
    private final class Container extends Process {
        private final Process client;
        private final String name;

        Container(Process client, String name) {
            this.client = client;
            this.name = name;
        }

        @Override
        public OutputStream getOutputStream() {
            return client.getOutputStream();
        }

        @Override
        public InputStream getInputStream() {
            return client.getInputStream();
        }

        @Override
        public InputStream getErrorStream() {
            return client.getErrorStream();
        }

        @Override
        public int waitFor() throws InterruptedException {
            return client.waitFor();
        }

        @Override
        public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
            return client.waitFor(timeout, unit);
        }

        @Override
        public int exitValue() {
            return client.exitValue();
        }

        @Override
        public boolean isAlive() {
            return client.isAlive();
        }

        @Override
        public void destroy() {
            client.destroy();
        }

        @Override
        public Process destroyForcibly() {
            podman("rm", "-f", "-t", "0", name);
            client.destroyForcibly();
            return this;
        }

        @Override
        public long pid() {
            return client.pid();
        }

        @Override
        public ProcessHandle toHandle() {
            return client.toHandle();
        }

        @Override
        public CompletableFuture<Process> onExit() {
            return client.onExit().thenApply(p -> this);
        }
    }
}
