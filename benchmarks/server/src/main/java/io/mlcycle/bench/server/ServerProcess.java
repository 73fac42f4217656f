package io.mlcycle.bench.server;

import io.mlcycle.task.PodEnv;
import io.mlcycle.task.ServeTask;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The server jar as its own process on loopback: start, ports, readiness, CPU time, stop. */
final class ServerProcess {

    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern GRPC = Pattern.compile("listening on .* grpc (\\d+)");

    private ServerProcess() {}

    static Process start(Path work, Path jar, Path modelDir, int batchRows) throws IOException {
        return start(work, "server", jar, modelDir, batchRows, Map.of());
    }

    /**
     * Starts the server jar as its own process with {@code env} added; {@code name} names its task
     * file ({@code <name>.json}) and log ({@code <name>.log}) in {@code work}.
     */
    static Process start(
            Path work, String name, Path jar, Path modelDir, int batchRows, Map<String, String> env)
            throws IOException {
        String task =
                "{\"kind\":\"serve\",\"owner\":{\"kind\":\"ModelDeployment\",\"namespace\":\"bench\","
                        + "\"name\":\"bench\"},\"deployment\":\"bench\",\"model\":\"bench\","
                        + "\"version\":1,\"artifactUri\":\""
                        + modelDir.toUri()
                        + "\",\"port\":0,\"maxBodyBytes\":67108864,\"maxRowsPerRequest\":"
                        + Math.max(batchRows, 1000)
                        + ",\"feedbackWindow\":100000"
                        + requestLog(
                                work.resolve(name + "-request-log"),
                                env.getOrDefault(REQUEST_LOG, System.getenv(REQUEST_LOG)))
                        + "}";
        Path taskFile = work.resolve("server".equals(name) ? "task.json" : name + ".json");
        Files.writeString(taskFile, task);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // the flags of the server image's entrypoint, then BENCH_SERVER_JAVA_OPTS (e.g. logging)
        command.addAll(List.of("-XX:+UseParallelGC", "-XX:MaxRAMPercentage=75"));
        String extra = System.getenv("BENCH_SERVER_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            command.addAll(List.of(extra.trim().split("\\s+")));
        }
        command.addAll(
                List.of(
                        "-Dai.djl.offline=true",
                        "-jar",
                        jar.toAbsolutePath().toString(),
                        "--task",
                        taskFile.toString(),
                        "--result",
                        work.resolve("server".equals(name) ? "result.json" : name + "-result.json")
                                .toString()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put(PodEnv.BIND_ADDRESS, "127.0.0.1");
        // the benchmark posts no feedback; the server needs a token to start all the same
        pb.environment().put(ServeTask.FEEDBACK_TOKEN_ENV, "bench-feedback-token");
        pb.environment().remove(PodEnv.TASK);
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(work.resolve(name + ".log").toFile());
        return pb.start();
    }

    /** {@code <sampleRate>}: the server's request log on; in a server's env, for it alone. */
    static final String REQUEST_LOG = "BENCH_REQUEST_LOG";

    /**
     * {@code BENCH_REQUEST_LOG=<sampleRate>} turns the server's request log on (files under {@code
     * dir}), to measure what it costs a request beside a run without it.
     */
    private static String requestLog(Path dir, String rate) {
        if (rate == null || rate.isBlank()) {
            return "";
        }
        BenchArgs.log("request log on, sample rate %s", rate.trim());
        return ",\"requestLog\":{\"uri\":\""
                + dir.toUri()
                + "\",\"sampleRate\":"
                + Double.parseDouble(rate.trim())
                + ",\"maxFileBytes\":16777216,\"maxAgeSeconds\":300,\"maxQueuedRows\":10000}";
    }

    static int awaitPort(Process server, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Matcher m = LISTENING.matcher(Files.readString(log));
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            if (!server.isAlive()) {
                throw new IllegalStateException("server exited:\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("server never listened:\n" + Files.readString(log));
    }

    static void awaitReady(int port, Process server, Path log) throws Exception {
        byte[] req =
                "GET /v2/health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        try (RawHttp c = new RawHttp(port)) {
            while (System.nanoTime() < deadline) {
                if (c.exchange(req) == 200) {
                    return;
                }
                if (!server.isAlive()) {
                    throw new IllegalStateException("server exited:\n" + Files.readString(log));
                }
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("server never ready:\n" + Files.readString(log));
    }

    /** The gRPC port the server printed in {@code log} (once ready). */
    static int grpcPort(Path log) throws IOException {
        Matcher gm = GRPC.matcher(Files.readString(log));
        if (!gm.find()) {
            throw new IllegalStateException("the server printed no gRPC port");
        }
        return Integer.parseInt(gm.group(1));
    }

    /** User + system CPU time of a process so far, from /proc (Linux), in ms. */
    static long cpuMillis(Process p) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields 14 and 15 of stat (utime, stime) are 11 and 12 after the command name
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return ticks * 1000 / 100; // USER_HZ is 100 on Linux
    }

    /** CPU time (user + system) of each of a process's threads so far, by "name/tid", in ms. */
    static Map<String, Long> threadCpuMillis(Process p) throws IOException {
        Map<String, Long> millis = new HashMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + p.pid() + "/task"))) {
            for (Path t : tasks.toList()) {
                String stat;
                try {
                    stat = Files.readString(t.resolve("stat"));
                } catch (IOException gone) {
                    continue; // the thread ended
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                millis.put(name + "/" + t.getFileName(), ticks * 1000 / 100);
            }
        }
        return millis;
    }

    /**
     * CPU time of a process's threads so far by kind, in ms: {@code jit} (C1, C2), {@code gc},
     * {@code request-log} (the log's writer), {@code serving} (the rest: event loops, Netty's, the
     * model's).
     */
    static Map<String, Long> threadKindCpuMillis(Process p) throws IOException {
        Map<String, Long> kinds = new java.util.TreeMap<>();
        for (Map.Entry<String, Long> e : threadCpuMillis(p).entrySet()) {
            String name = e.getKey();
            String kind =
                    name.matches("C[12] CompilerThre.*")
                            ? "jit"
                            : name.contains("GC Thread") || name.startsWith("VM ")
                                    ? "gc"
                                    : name.startsWith("mlcycle-request")
                                            ? "request-log"
                                            : "serving";
            kinds.merge(kind, e.getValue(), Long::sum);
        }
        return kinds;
    }

    /** CPU time of the process's JIT compiler threads (C1, C2) so far, in ms. */
    static long jitCpuMillis(Process p) throws IOException {
        long ms = 0;
        for (Map.Entry<String, Long> e : threadCpuMillis(p).entrySet()) {
            if (e.getKey().matches("C[12] CompilerThre.*")) {
                ms += e.getValue();
            }
        }
        return ms;
    }

    /** Stops a server process: SIGTERM, then SIGKILL after 20 s. */
    static void stop(Process server) throws InterruptedException {
        server.destroy();
        if (!server.waitFor(20, TimeUnit.SECONDS)) {
            server.destroyForcibly();
        }
    }
}
