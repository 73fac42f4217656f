package io.mlcycle.bench.scale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine the figures come from, and how busy it is (the benchmark machine is shared). */
final class Machine {

    private Machine() {}

    /** "machine: 2 cores, 23.4 GiB, load 2.41 2.25 2.55". */
    static String describe() {
        long memKb = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    memKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the size stays unknown
        }
        return String.format(
                java.util.Locale.ROOT,
                "machine: %d cores, %.1f GiB, load average %s",
                Runtime.getRuntime().availableProcessors(),
                memKb / 1024.0 / 1024.0,
                loadAverages());
    }

    /** The 1-minute load average. */
    static String load1() {
        return loadAverages().split(" ")[0];
    }

    private static String loadAverages() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "NA NA NA";
        }
    }
}
