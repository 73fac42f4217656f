package io.mlcycle.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL server from the Debian {@code postgresql} package: initdb in a temporary
 * directory, listening on 127.0.0.1 at a free port, password authentication over TCP. As root it
 * runs as the {@code postgres} user (postgres refuses to run as root).
 */
public final class PostgresServer implements AutoCloseable {

    public static final String USER = "mlcycle";
    public static final String PASSWORD = "s3cret-pw-for-tests";

    private final Path dir;
    private final Path bin;
    private final boolean asPostgres;
    public final int port;

    private PostgresServer(Path dir, Path bin, boolean asPostgres, int port) {
        this.dir = dir;
        this.bin = bin;
        this.asPostgres = asPostgres;
        this.port = port;
    }

    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    /**
     * {@link #url()} carrying {@link #USER} and {@link #PASSWORD}: for code under test that reads
     * no credentials of its own here (a pod's catalog, whose credentials come from its env).
     */
    public String urlWithCredentials() {
        return url() + "?user=" + USER + "&password=" + PASSWORD;
    }

    /**
     * Makes every UPDATE of {@code table} change no row until the returned handle is closed, as if
     * another writer had always changed the row first: a compare-and-swap on it (the commit of
     * Iceberg's JDBC catalog) always loses. Needs the PostgreSQL driver on the class path.
     */
    public AutoCloseable loseEveryUpdateOf(String table) throws SQLException {
        String trigger = "mlcycle_lose_updates_of_" + table;
        sql(
                "CREATE OR REPLACE FUNCTION "
                        + trigger
                        + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
                "CREATE TRIGGER "
                        + trigger
                        + " BEFORE UPDATE ON "
                        + table
                        + " FOR EACH ROW EXECUTE FUNCTION "
                        + trigger
                        + "()");
        return () -> sql("DROP TRIGGER " + trigger + " ON " + table);
    }

    private void sql(String... statements) throws SQLException {
        try (Connection c = DriverManager.getConnection(url(), USER, PASSWORD);
                Statement st = c.createStatement()) {
            for (String statement : statements) {
                st.execute(statement);
            }
        }
    }

    public static PostgresServer start() throws Exception {
        Path bin = findBin();
        boolean root = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory("mlcycle-pg-");
        Files.writeString(dir.resolve("pw"), PASSWORD + "\n");
        if (root) {
            UserPrincipal pg =
                    FileSystems.getDefault()
                            .getUserPrincipalLookupService()
                            .lookupPrincipalByName("postgres");
            Files.setOwner(dir, pg);
            Files.setOwner(dir.resolve("pw"), pg);
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        PostgresServer server = new PostgresServer(dir, bin, root, port);
        server.exec(
                bin.resolve("initdb").toString(),
                "-D",
                dir.resolve("data").toString(),
                "-U",
                USER,
                "--pwfile=" + dir.resolve("pw"),
                "--auth-host=scram-sha-256",
                "--auth-local=trust",
                "-E",
                "UTF8");
        server.exec(
                bin.resolve("pg_ctl").toString(),
                "-D",
                dir.resolve("data").toString(),
                "-l",
                dir.resolve("log").toString(),
                "-o",
                "-p " + port + " -h 127.0.0.1 -k " + dir,
                "-w",
                "start");
        return server;
    }

    private static Path findBin() throws IOException {
        Path base = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(base)) {
            try (Stream<Path> versions = Files.list(base)) {
                var found =
                        versions.map(v -> v.resolve("bin"))
                                .filter(b -> Files.isExecutable(b.resolve("initdb")))
                                .filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
                                .max(Comparator.comparing(Path::toString));
                if (found.isPresent()) {
                    return found.get();
                }
            }
        }
        throw new IllegalStateException(
                "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/{initdb,pg_ctl}):"
                        + " install the Debian package 'postgresql' (apt-get install -y"
                        + " postgresql) to run this integration test");
    }

    private void exec(String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (asPostgres) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(List.of(command));
        Process p =
                new ProcessBuilder(cmd)
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("cmd.out").toFile())
                        .start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + String.join(" ", command));
        }
        if (p.exitValue() != 0) {
            String out = Files.readString(dir.resolve("cmd.out"));
            Path log = dir.resolve("log");
            if (Files.exists(log)) {
                out += "\n" + Files.readString(log);
            }
            throw new IllegalStateException(
                    String.join(" ", command) + " failed (" + p.exitValue() + "):\n" + out);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            exec(
                    bin.resolve("pg_ctl").toString(),
                    "-D",
                    dir.resolve("data").toString(),
                    "-m",
                    "fast",
                    "-w",
                    "stop");
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
