package io.mlcycle.local;

import com.sun.net.httpserver.HttpServer;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A stand-in runtime for the kubelet's own tests: echoes what it was given into its result and
 * exits with the code the task names; a task with a port serves /v2/health/ready.
 */
public final class FakeRuntime {

    /** The command that runs this class in a JVM on the test class path. */
    static List<String> command() {
        return List.of(
                Processes.java(),
                "-cp",
                System.getProperty("java.class.path"),
                FakeRuntime.class.getName());
    }

    public static void main(String[] args) throws Exception {
        String task = System.getenv("MLCYCLE_TASK");
        String result = null;
        java.util.Properties spark = new java.util.Properties(System.getProperties());
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--result")) {
                result = args[++i];
            } else if (args[i].equals("--properties-file")) {
                // a Spark driver pod: driver --properties-file <file> --class ...
                try (var in = Files.newInputStream(Path.of(args[++i]))) {
                    spark.load(in);
                }
            }
        }
        if (task != null && task.contains("\"port\"")) {
            int port = Integer.parseInt(task.replaceAll(".*\"port\"\\s*:\\s*(\\d+).*", "$1"));
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
            String version = String.valueOf(System.getenv("VERSION"));
            server.createContext(
                    "/v2/health/ready",
                    ex -> {
                        byte[] body = version.getBytes(StandardCharsets.UTF_8);
                        ex.sendResponseHeaders(200, body.length);
                        ex.getResponseBody().write(body);
                        ex.close();
                    });
            server.start();
            Thread.sleep(Long.MAX_VALUE);
        }
        int exit = Integer.parseInt(System.getenv().getOrDefault("EXIT_CODE", "0"));
        String summary =
                "{\"outcome\":\""
                        + (exit == 0 ? "Succeeded" : "Failed")
                        + "\",\"message\":\"password="
                        + System.getenv("DB_PASSWORD")
                        + " root="
                        + System.getenv("MLCYCLE_FILE_ROOT")
                        + " partitions="
                        + spark.getProperty("spark.sql.shuffle.partitions")
                        + " task="
                        + (task == null ? "none" : task.replace("\"", "'"))
                        + "\"}";
        if (result != null) {
            Files.writeString(Path.of(result), summary);
        }
        System.out.println(summary);
        System.exit(exit);
    }
}
