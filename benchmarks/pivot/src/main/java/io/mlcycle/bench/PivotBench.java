package io.mlcycle.bench;

import io.mlcycle.task.PodEnv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Generates a long event log once (events spread over 7 daily partitions, users uniform, event ids
 * Zipf-distributed), then runs the same pivot task with the pivot jar (DuckDB engine) and with the
 * pivot-spark jar (the project's Spark engine, local), each as its own process, and prints the
 * {@code BENCH} line last.
 */
public final class PivotBench {

    private PivotBench() {}

    /**
     * Args: work dir, pivot jar, pivot-spark jar, events, users, features, Spark timeout seconds,
     * Spark heap.
     */
    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        Path pivotJar = Path.of(args[1]);
        Path sparkJar = Path.of(args[2]);
        long events = Long.parseLong(args[3]);
        int users = Integer.parseInt(args[4]);
        int features = Integer.parseInt(args[5]);
        long sparkTimeout = Long.parseLong(args[6]);
        String sparkHeap = args.length > 7 ? args[7] : "6g";

        Path input = work.resolve("input-" + events + "-" + users + "-" + features);
        generate(input, events, users, features);
        String source = input.toUri() + "dt={date}/";
        List<String> pivotBase = List.of("java", "-Xmx512m", "-jar", pivotJar.toString());
        Run mine = engineRun(work, "pivot", pivotBase, source, 3600);
        if (mine.exit != 0) {
            throw new IllegalStateException(
                    "mlcycle pivot failed, see " + work.resolve("pivot.log"));
        }
        print("mlcycle pivot (DuckDB engine)", mine);
        String steps = steps(work.resolve("pivot.log"));
        System.out.println("steps of the DuckDB engine (s): " + steps);

        Run s3 = s3Run(work, input, pivotBase);
        String s3Figures = "";
        if (s3 != null) {
            print("mlcycle pivot, S3 source and store", s3);
            s3Figures =
                    String.format(
                            Locale.ROOT,
                            " s3_seconds=%.2f s3_to_file=%.2f",
                            s3.seconds,
                            s3.seconds / mine.seconds);
        }
        String sparkFigures = "";
        if (!"1".equals(System.getenv("SKIP_SPARK"))) {
            List<String> sparkBase =
                    List.of("java", "-Xmx" + sparkHeap, "-jar", sparkJar.toString());
            Run spark = engineRun(work, "pivot-spark", sparkBase, source, sparkTimeout);
            sparkFigures = sparkFigures(work, spark, mine, sparkTimeout);
        }
        System.out.printf(
                Locale.ROOT, "size: events=%d users=%d features=%d%n", events, users, features);
        System.out.printf(
                Locale.ROOT,
                "BENCH pivot seconds=%.2f %s%s%s peak_rss_mb=%d%n",
                mine.seconds,
                steps,
                sparkFigures,
                s3Figures,
                mine.peakKb / 1024);
    }

    /**
     * Runs one engine's jar as its own process on the benchmark's task with its own store {@code
     * <work>/store-<name>}; its log is {@code <name>.log}, its summary {@code result-<name>.json}.
     */
    static Run engineRun(
            Path work, String name, List<String> base, String source, long timeoutSeconds)
            throws Exception {
        Path store = work.resolve("store-" + name);
        deleteRecursively(store);
        Path task = work.resolve("task-" + name + ".json");
        Files.writeString(task, task(source, store.toUri().toString()));
        Path result = work.resolve("result-" + name + ".json");
        Files.deleteIfExists(result);
        List<String> cmd = new ArrayList<>(base);
        cmd.addAll(List.of("--task", task.toString(), "--result", result.toString()));
        Run r = Run.of(cmd, work.resolve(name + ".log"), timeoutSeconds);
        if (Files.exists(result)) {
            System.out.println(Files.readString(result));
        }
        return r;
    }

    /**
     * The Spark engine's figures for the BENCH line: its time (a lower bound when it was killed at
     * the timeout), the speedup over it, its peak RSS, and whether both engines wrote the same
     * rows.
     */
    static String sparkFigures(Path work, Run spark, Run mine, long sparkTimeout) throws Exception {
        String seconds = String.format(Locale.ROOT, "%.2f", spark.seconds);
        String speedup = String.format(Locale.ROOT, "%.2f", spark.seconds / mine.seconds);
        String same = "NaN";
        if (spark.timedOut) {
            System.out.printf(
                    "pivot-spark did not finish within %d s: its time and the speedup are lower"
                            + " bounds%n",
                    sparkTimeout);
            seconds = ">" + seconds;
            speedup = ">" + speedup;
        } else if (spark.exit != 0) {
            System.out.println(tail(work.resolve("pivot-spark.log"), 30));
            System.out.printf(
                    Locale.ROOT,
                    "pivot-spark FAILED (exit %d) after %.2f s, see %s: no time to compare%n",
                    spark.exit,
                    spark.seconds,
                    work.resolve("pivot-spark.log"));
            seconds = "NaN";
            speedup = "NaN";
        } else {
            same =
                    Boolean.toString(
                            sameRows(
                                    work.resolve("store-pivot"),
                                    work.resolve("store-pivot-spark")));
            System.out.println("both engines wrote the same rows: " + same);
        }
        print(
                "pivot-spark (Spark engine, local)"
                        + (spark.timedOut ? ", killed at the timeout" : ""),
                spark);
        return String.format(
                Locale.ROOT,
                " spark_engine_seconds=%s speedup_vs_spark_engine=%s spark_peak_rss_mb=%d"
                        + " same_rows=%s",
                seconds,
                speedup,
                spark.peakKb / 1024,
                same);
    }

    /** Whether the sparse tables of two stores' version hold the same rows (both ways). */
    static boolean sameRows(Path a, Path b) throws SQLException {
        String pa = "read_parquet('" + a + "/asOf=2026-11-21/sparse-*.parquet')";
        String pb = "read_parquet('" + b + "/asOf=2026-11-21/sparse-*.parquet')";
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = c.createStatement()) {
            st.execute("SET threads = 2");
            try (ResultSet rs =
                    st.executeQuery(
                            "SELECT (SELECT count(*) FROM (FROM "
                                    + pa
                                    + " EXCEPT ALL FROM "
                                    + pb
                                    + ")) + (SELECT count(*) FROM (FROM "
                                    + pb
                                    + " EXCEPT ALL FROM "
                                    + pa
                                    + "))")) {
                rs.next();
                return rs.getLong(1) == 0;
            }
        }
    }

    /** The pivot's own step times from its log line {@code steps aggregate=… validate=… s}. */
    static String steps(Path log) throws IOException {
        for (String line : Files.readAllLines(log)) {
            int at = line.indexOf("steps aggregate=");
            if (at >= 0) {
                return line.substring(at + "steps ".length())
                        .replace(" s", "")
                        .replaceAll("(\\w+)=", "$1_s=");
            }
        }
        return "aggregate_s=NaN build_s=NaN write_s=NaN validate_s=NaN";
    }

    static void print(String what, Run r) {
        System.out.printf(
                Locale.ROOT,
                "%s: %.2f s wall, %.1f CPU-s, peak RSS %d MB%n",
                what,
                r.seconds,
                r.cpuSeconds,
                r.peakKb / 1024);
    }

    /** The pivot task of the benchmark: a week of partitions, sum per (user, event id). */
    static String task(String sourceUri, String storeUri) {
        return String.format(
                Locale.ROOT,
                "{\"kind\":\"pivot\",\"owner\":{\"kind\":\"FeatureView\",\"namespace\":"
                        + "\"bench\",\"name\":\"events\"},\"asOf\":\"2026-11-21\","
                        + "\"entity\":\"user_id\",\"source\":{\"uri\":\"%s\","
                        + "\"format\":\"parquet\",\"successMarker\":\"_SUCCESS\"},"
                        + "\"window\":{\"from\":\"2026-11-14\",\"to\":\"2026-11-21\"},"
                        + "\"pivot\":{\"key\":\"event_id\",\"value\":\"cnt\","
                        + "\"aggregate\":\"sum\",\"prefix\":\"\",\"minEntities\":1,"
                        + "\"maxFeatures\":0},\"store\":{\"uri\":\"%s\",\"keep\":1},"
                        + "\"wideExportMaxFeatures\":0}",
                sourceUri,
                storeUri);
    }

    /**
     * The same pivot with source and store on a real S3 server (S3Proxy, filesystem backend, in its
     * own process from {@code S3_CLASSPATH}): partitions are staged to local disk before DuckDB
     * reads them, the table is uploaded through a staging prefix. Null without a class path.
     */
    static Run s3Run(Path work, Path input, List<String> pivotBase) throws Exception {
        String cp = System.getenv("S3_CLASSPATH");
        if (cp == null || cp.isBlank()) {
            return null;
        }
        Path s3dir = work.resolve("s3");
        deleteRecursively(s3dir);
        Path bucket = s3dir.resolve("bench");
        try (var walk = Files.walk(input)) {
            for (Path f : (Iterable<Path>) walk::iterator) {
                Path to = bucket.resolve("input").resolve(input.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }
        Process server =
                new ProcessBuilder(
                                "java",
                                "-Xmx512m",
                                "-cp",
                                cp,
                                "io.mlcycle.common.LocalS3",
                                s3dir.toString(),
                                "bench",
                                "bench-secret")
                        .redirectErrorStream(true)
                        .start();
        try {
            var out =
                    new java.io.BufferedReader(
                            new java.io.InputStreamReader(server.getInputStream()));
            String endpoint = null;
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("endpoint=")) {
                    endpoint = line.substring("endpoint=".length());
                    break;
                }
            }
            if (endpoint == null) {
                throw new IllegalStateException("the S3 server did not start");
            }
            Thread drain =
                    new Thread(
                            () -> {
                                try {
                                    out.transferTo(java.io.Writer.nullWriter());
                                } catch (IOException ignored) {
                                    // the server was stopped
                                }
                            });
            drain.setDaemon(true);
            drain.start();
            Path task = work.resolve("task-s3.json");
            Files.writeString(task, task("s3://bench/input/dt={date}/", "s3://bench/store"));
            List<String> cmd = new ArrayList<>(pivotBase);
            cmd.addAll(
                    List.of(
                            "--task",
                            task.toString(),
                            "--result",
                            work.resolve("result-s3.json").toString()));
            Path stage = work.resolve("stage");
            deleteRecursively(stage);
            Run r =
                    Run.of(
                            cmd,
                            work.resolve("pivot-s3.log"),
                            3600,
                            Map.of(
                                    PodEnv.S3_ENDPOINT,
                                    endpoint,
                                    "AWS_ACCESS_KEY_ID",
                                    "bench",
                                    "AWS_SECRET_ACCESS_KEY",
                                    "bench-secret",
                                    PodEnv.STAGE_DIR,
                                    stage.toString()));
            System.out.println(Files.readString(work.resolve("result-s3.json")));
            if (r.exit != 0) {
                throw new IllegalStateException(
                        "mlcycle pivot on S3 failed, see " + work.resolve("pivot-s3.log"));
            }
            return r;
        } finally {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A child process timed by wall clock, its peak RSS read from /proc (VmHWM) while it runs. */
    record Run(int exit, double seconds, long peakKb, boolean timedOut, double cpuSeconds) {

        static Run of(List<String> cmd, Path log, long timeoutSeconds) throws Exception {
            return of(cmd, log, timeoutSeconds, Map.of());
        }

        static Run of(List<String> cmd, Path log, long timeoutSeconds, Map<String, String> env)
                throws Exception {
            long t0 = System.nanoTime();
            ProcessBuilder pb =
                    new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            Path status = Path.of("/proc/" + p.pid() + "/status");
            long peak = 0;
            double cpu = 0;
            Path stat = Path.of("/proc/" + p.pid() + "/stat");
            long deadline = t0 + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            boolean timedOut = false;
            while (!p.waitFor(50, TimeUnit.MILLISECONDS)) {
                peak = Math.max(peak, hwm(status));
                cpu = Math.max(cpu, cpu(stat));
                if (System.nanoTime() > deadline) {
                    p.destroyForcibly().waitFor();
                    timedOut = true;
                    break;
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            return new Run(timedOut ? -1 : p.exitValue(), seconds, peak, timedOut, cpu);
        }

        /** User + system CPU seconds so far (clock ticks of 1/100 s on Linux). */
        private static double cpu(Path stat) {
            try {
                String s = Files.readString(stat);
                String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }

        private static long hwm(Path status) {
            try {
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmHWM:")) {
                        return Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the process just ended
            }
            return 0;
        }
    }

    /**
     * Writes {@code events} rows (user_id, event_id, cnt, ts) into 7 daily partitions with markers;
     * event ids follow a Zipf law (rank k with probability about 1/k), users are uniform.
     */
    static void generate(Path dir, long events, int users, int features)
            throws IOException, SQLException {
        if (Files.exists(dir.resolve("_DONE"))) {
            System.out.println("reusing input " + dir);
            return;
        }
        deleteRecursively(dir);
        long t0 = System.nanoTime();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = c.createStatement()) {
            st.execute("SET threads = 2");
            st.execute("SET memory_limit = '2GB'");
            for (int day = 0; day < 7; day++) {
                String date = "2026-11-" + (14 + day);
                Path part = dir.resolve("dt=" + date);
                Files.createDirectories(part);
                long from = events * day / 7;
                long to = events * (day + 1) / 7;
                // hash() gives a deterministic pseudo-random stream per row number
                st.execute(
                        "COPY (SELECT"
                                + " 'u' || lpad(CAST(hash(i, 1) % "
                                + users
                                + " AS VARCHAR), 7, '0') AS user_id,"
                                + " 'ev_' || CAST(least(floor(exp((hash(i, 2) % 1000000) / 1e6 * ln("
                                + (features + 1)
                                + "))) - 1, "
                                + (features - 1)
                                + ")::INTEGER AS VARCHAR) AS event_id,"
                                + " CAST(1 + hash(i, 3) % 5 AS INTEGER) AS cnt,"
                                + " TIMESTAMP '"
                                + date
                                + " 00:00:00' + to_seconds(CAST(hash(i, 4) % 86400 AS BIGINT)) AS ts"
                                + " FROM range("
                                + from
                                + ", "
                                + to
                                + ") r(i)) TO '"
                                + part.resolve("part-0.parquet")
                                + "' (FORMAT parquet)");
                Files.writeString(part.resolve("_SUCCESS"), "");
            }
            try (ResultSet rs =
                    st.executeQuery(
                            "SELECT count(*), count(DISTINCT user_id), count(DISTINCT event_id)"
                                    + " FROM read_parquet('"
                                    + dir
                                    + "/*/part-0.parquet')")) {
                rs.next();
                System.out.printf(
                        Locale.ROOT,
                        "generated %s: %d events, %d users, %d event ids in %.1f s%n",
                        dir,
                        rs.getLong(1),
                        rs.getLong(2),
                        rs.getLong(3),
                        (System.nanoTime() - t0) / 1e9);
            }
        }
        Files.writeString(dir.resolve("_DONE"), "");
    }

    static String tail(Path file, int lines) throws IOException {
        if (!Files.exists(file)) {
            return "";
        }
        List<String> all = Files.readAllLines(file);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
