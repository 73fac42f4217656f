package io.mlcycle.bench.server;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The arguments every leg reads (work directory, server jar, features, rate, seconds) and logging.
 */
record BenchArgs(Path work, Path jar, int features, int rate, int seconds) {

    static BenchArgs of(Map<String, String> a) {
        return new BenchArgs(
                Path.of(a.get("work")),
                Path.of(a.get("server-jar")),
                Integer.parseInt(a.getOrDefault("features", "200")),
                Integer.parseInt(a.getOrDefault("rate", "1000")),
                Integer.parseInt(a.getOrDefault("seconds", "20")));
    }

    /** The {@code --name value} pairs of the command line. */
    static Map<String, String> parse(String[] args) {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return a;
    }

    static void log(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
        System.out.flush();
    }

    /** The {@code q} quantile of sorted latencies in ns, in ms. */
    static double pct(long[] sorted, double q) {
        return sorted[(int) Math.ceil(sorted.length * q) - 1] / 1e6;
    }
}
